"""Numeric and discrete variation by pymoo's mixed-variable mating: SBX and polynomial mutation
for reals, the same with rounding for integers, uniform crossover and random mutation for
choices, bit-flip for on/off genes (pymoo.core.mixed.MixedVariableMating's defaults)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pymoo.core.duplicate import NoDuplicateElimination
from pymoo.core.individual import Individual
from pymoo.core.mixed import MixedVariableMating
from pymoo.core.problem import Problem

from protocols.evolution import Genome

from .space import GenomeSpace


def numeric_children(
    space: GenomeSpace, pairs: Sequence[tuple[Genome, Genome]], rng: np.random.Generator
) -> list[tuple[Genome, int]]:
    """Two children per pair: (child, index of the pair it came from); its other genes come
    from the pair's first parent."""
    if not pairs:
        return []
    if not space.vars:  # nothing numeric to vary: the children are copies
        return [(a, i) for i, (a, _) in enumerate(pairs)] + [(b, i) for i, (_, b) in enumerate(pairs)]
    problem = Problem(vars=space.vars, n_obj=1)
    parents = [[Individual(X=space.encode(a)), Individual(X=space.encode(b))] for a, b in pairs]
    mating = MixedVariableMating(eliminate_duplicates=NoDuplicateElimination())  # the island dedupes by key
    off = mating.do(problem, parents, 2 * len(pairs), parents=True, random_state=rng, n_max_iterations=1)
    out = []
    for k, individual in enumerate(off):
        pair = k % len(pairs)  # pymoo's crossover returns the first children of every pair, then the second
        out.append((space.decode(dict(individual.X), pairs[pair][0]), pair))
    return out
