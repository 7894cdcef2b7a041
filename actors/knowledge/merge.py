"""Merge per-shard top-k lists into one global top-k."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence

import numpy as np

from protocols.knowledge import Hit


def merge_top_k(per_shard: Iterable[Sequence[Hit]], k: int) -> list[Hit]:
    """The k best hits over all shards (higher score first; ties by id for a stable order).
    An id seen in several lists (a document moved between shards) keeps its best score."""
    best: dict[int, float] = {}
    for hits in per_shard:
        for hit in hits:
            if hit.id not in best or hit.score > best[hit.id]:
                best[hit.id] = hit.score
    top = heapq.nsmallest(k, best.items(), key=lambda pair: (-pair[1], pair[0]))
    return [Hit(id=i, score=s) for i, s in top]


def merge_arrays(per_shard: Sequence[tuple[np.ndarray, np.ndarray]], k: int) -> tuple[np.ndarray, np.ndarray]:
    """The batched form: each shard gives (scores, ids) of shape (q, k_shard) with -1 ids as
    padding; returns the global (q, k) top-k per query. Vectorised, for batched queries."""
    if not per_shard:
        raise ValueError("no shard results to merge")
    scores = np.concatenate([np.asarray(s, dtype=np.float32) for s, _ in per_shard], axis=1)
    ids = np.concatenate([np.asarray(i, dtype=np.int64) for _, i in per_shard], axis=1)
    scores = np.where(ids < 0, -np.inf, scores)
    width = scores.shape[1]
    if width > k:
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        scores = np.take_along_axis(scores, part, axis=1)
        ids = np.take_along_axis(ids, part, axis=1)
    order = np.argsort(-scores, axis=1, kind="stable")
    scores = np.take_along_axis(scores, order, axis=1)
    ids = np.take_along_axis(ids, order, axis=1)
    if width < k:
        pad = k - width
        scores = np.pad(scores, ((0, 0), (0, pad)), constant_values=-np.inf)
        ids = np.pad(ids, ((0, 0), (0, pad)), constant_values=-1)
    return scores, np.where(np.isfinite(scores), ids, -1)


def hits_of(scores: np.ndarray, ids: np.ndarray) -> list[list[Hit]]:
    """(q, k) arrays -> per query the hits, padding dropped."""
    return [
        [Hit(id=int(i), score=float(s)) for s, i in zip(row_s, row_i, strict=True) if i >= 0]
        for row_s, row_i in zip(scores, ids, strict=True)
    ]
