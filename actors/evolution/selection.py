"""Survival (NSGA-II: non-dominated rank, then crowding distance) and parent selection.

Survival and the binary tournament are pymoo's own operators (RankAndCrowding, NSGA-II's
binary_tournament on rank and crowding); only GEPA's per-example Pareto "wins" sampling is
written here, as GEPA describes it (it is a sampling rule, not a dominance computation).
"""

from __future__ import annotations

import types
from collections.abc import Sequence

import numpy as np
from pymoo.algorithms.moo.nsga2 import binary_tournament
from pymoo.core.population import Population
from pymoo.core.problem import Problem
from pymoo.operators.selection.tournament import TournamentSelection
from pymoo.operators.survival.rank_and_crowding import RankAndCrowding

from protocols.evolution import Member, ObjectiveSpec

from .objectives import minimisation_matrix

_PROBLEM = Problem(n_var=1, n_obj=2)  # survival and selection read F only


def survive(
    members: Sequence[Member], objectives: Sequence[ObjectiveSpec], n: int, rng: np.random.Generator
) -> list[Member]:
    """NSGA-II survival of `n` members; survivors carry their rank and crowding distance."""
    if not members:
        return []
    F = minimisation_matrix(members, objectives)
    pop = Population.new(F=F, index=np.arange(len(members)))
    survivors = RankAndCrowding().do(_PROBLEM, pop, n_survive=min(n, len(members)), random_state=rng)
    out = []
    for individual in survivors:
        member = members[int(individual.get("index"))].model_copy()
        member.rank = int(individual.get("rank"))
        crowding = float(individual.get("crowding"))
        member.crowding = crowding if np.isfinite(crowding) else 1e300  # JSON has no infinity
        out.append(member)
    return out


def tournament_pairs(members: Sequence[Member], n_pairs: int, rng: np.random.Generator) -> np.ndarray:
    """(n_pairs, 2) indices into `members` by binary tournaments on rank, then crowding."""
    ranks = np.array([m.rank if m.rank is not None else 0 for m in members], dtype=float)
    crowding = np.array([m.crowding if m.crowding is not None else 0.0 for m in members], dtype=float)
    pop = Population.new(F=np.zeros((len(members), 1)), rank=ranks, crowding=crowding)
    algorithm = types.SimpleNamespace(tournament_type="comp_by_rank_and_crowding", random_state=rng)
    selection = TournamentSelection(func_comp=binary_tournament)
    chosen = selection.do(_PROBLEM, pop, n_pairs, 2, to_pop=False, random_state=rng, algorithm=algorithm)
    return np.asarray(chosen, dtype=int).reshape(n_pairs, 2)


def pareto_wins(scores: np.ndarray) -> np.ndarray:
    """GEPA's candidate weights: on how many examples a member scores best, after dropping the
    members whose winning examples all have another, undropped winner (dominated programs).

    `scores` is (members, examples), higher is better; the result is one count per member.
    """
    n, m = scores.shape
    if n == 0 or m == 0:
        return np.zeros(n)
    winners = scores >= scores.max(axis=0, keepdims=True)  # (members, examples)
    alive = winners.any(axis=1)
    changed = True
    while changed:  # drop, one at a time, a member every one of whose wins another alive member shares
        changed = False
        for i in np.argsort(winners.sum(axis=1), kind="stable"):
            if not alive[i]:
                continue
            others = alive.copy()
            others[i] = False
            covered = winners[others].any(axis=0)
            if np.all(covered[winners[i]]) and others.any():
                alive[i] = False
                changed = True
                break
    return np.where(alive, winners.sum(axis=1), 0).astype(float)


def pareto_wins_pairs(scores: np.ndarray, n_pairs: int, rng: np.random.Generator) -> np.ndarray:
    """(n_pairs, 2) indices sampled in proportion to their Pareto wins."""
    weights = pareto_wins(scores)
    if weights.sum() <= 0:
        weights = np.ones(len(scores))
    return rng.choice(len(scores), size=(n_pairs, 2), p=weights / weights.sum())
