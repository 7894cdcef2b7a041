"""Objectives from evaluations, and the hypervolume of a set of members (pymoo's HV, by moocore).

Everything is turned into minimisation (a maximised objective is negated), as pymoo expects.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pymoo.indicators.hv import HV

from protocols.evolution import Aggregate, Direction, Evaluation, Member, ObjectiveSpec, Split


class SplitError(ValueError):
    """A non-val evaluation reached selection."""


def aggregate(
    evaluations: Sequence[Evaluation], objectives: Sequence[ObjectiveSpec], split: Split = Split.VAL
) -> dict[str, float]:
    """A genome's objectives over its evaluations of one split: val for selection (the default),
    test only where a report asks for it explicitly."""
    if not evaluations:
        raise ValueError("no evaluations to aggregate")
    for evaluation in evaluations:
        if evaluation.split is not split:
            raise SplitError(f"expected {split.value} evaluations only, got a {evaluation.split.value} one")
    out: dict[str, float] = {}
    for spec in objectives:
        values = np.array([field_value(e, spec.field) for e in evaluations], dtype=float)
        out[spec.name] = float(np.median(values) if spec.aggregate is Aggregate.P50 else values.mean())
    return out


def field_value(evaluation: Evaluation, field: str) -> float:
    if field == "score":
        return evaluation.score
    if field == "latency_s":
        return evaluation.latency_s
    if field == "tokens":
        return float(evaluation.tokens)
    if field not in evaluation.values:
        raise KeyError(f"evaluation has no value {field!r}")
    return evaluation.values[field]


def signs(objectives: Sequence[ObjectiveSpec]) -> np.ndarray:
    return np.array([-1.0 if o.direction is Direction.MAX else 1.0 for o in objectives])


def minimisation_matrix(members: Sequence[Member], objectives: Sequence[ObjectiveSpec]) -> np.ndarray:
    values = np.array([[m.objectives[o.name] for o in objectives] for m in members], dtype=float)
    return values.reshape(len(members), len(objectives)) * signs(objectives)


def reference_point(objectives: Sequence[ObjectiveSpec]) -> np.ndarray:
    return np.array([o.reference for o in objectives], dtype=float) * signs(objectives)


def hypervolume(members: Sequence[Member], objectives: Sequence[ObjectiveSpec]) -> float:
    """Dominated hypervolume up to the objectives' reference point (points beyond it add nothing)."""
    if not members:
        return 0.0
    return hypervolume_of(minimisation_matrix(members, objectives), reference_point(objectives))


def hypervolume_of(F: np.ndarray, ref: np.ndarray) -> float:
    inside = F[np.all(ref > F, axis=1)]
    if len(inside) == 0:
        return 0.0
    return float(HV(ref_point=ref)(inside))


def best(members: Sequence[Member], objectives: Sequence[ObjectiveSpec]) -> dict[str, float]:
    out: dict[str, float] = {}
    for spec in objectives:
        values = [m.objectives[spec.name] for m in members if spec.name in m.objectives]
        if values:
            out[spec.name] = max(values) if spec.direction is Direction.MAX else min(values)
    return out
