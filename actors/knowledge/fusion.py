"""Reciprocal rank fusion (Cormack, Clarke and Buettcher, SIGIR 2009).

Each input is a ranking (best first). An item's fused score is the sum over rankings of
weight / (k + rank), rank counted from 1. k=60 is the paper's constant: it damps the
difference between the very top ranks so that agreement between rankings wins.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

T = TypeVar("T", bound=Hashable)

DEFAULT_K = 60


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[T]], k: int = DEFAULT_K, weights: Sequence[float] | None = None
) -> list[tuple[T, float]]:
    """Fused (item, score) pairs, best first; ties keep first-seen order."""
    if k < 0:
        raise ValueError("k must be >= 0")
    if weights is None:
        weights = [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    if any(w < 0 for w in weights):
        raise ValueError("weights must be >= 0")
    scores: dict[T, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        seen: set[T] = set()
        for rank, item in enumerate(ranking, start=1):
            if item in seen:  # a duplicate in one ranking counts once, at its best rank
                continue
            seen.add(item)
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    order = {item: n for n, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda pair: (-pair[1], order[pair[0]]))
