"""The search pipeline: validate -> embed -> fan out to the shards -> merge -> fuse with
keyword results (RRF) -> hydrate the chunks from SQL. Plain Python; `KnowledgeService`
(knowledge_actor.py) hosts it.

Collaborators are injected: `embed` (texts -> vectors), the shards reached through a
`Runtime` by address, and `SearchSql` (PostgreSQL: full-text, pgvector, chunk rows).

A shard that is down or too slow is left out and the answer says `partial: true`.
`backend: "pgvector"` answers the vector side from pgvector's HNSW index instead.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import numpy as np

from actors.knowledge.filters import Scalar, validate_filters
from actors.knowledge.fusion import reciprocal_rank_fusion
from actors.knowledge.merge import hits_of, merge_arrays
from actors.knowledge.validate import check_backend, check_k, check_mode, check_query, check_weights
from configs.settings import KnowledgeConfig
from protocols.addresses import shard_address
from protocols.knowledge import Hit, IndexSpec, SearchBackend, SearchMode, SearchResponse, SearchResult, invalid
from supervisors.runtime import Runtime

log = logging.getLogger(__name__)

# texts -> a (len(texts), dimensions) float32 matrix
Embed = Callable[[list[str]], Awaitable[np.ndarray]]
# an index name (as the caller gave it) -> its spec; raises the 400/404 refusals
SpecOf = Callable[[Any], Awaitable[IndexSpec]]


class SearchSql(Protocol):
    """What the pipeline reads from PostgreSQL."""

    async def keyword_search(self, index: str, query: str, k: int, filters: dict[str, list[Scalar]]) -> list[Hit]: ...

    async def pgvector_search(
        self,
        index: str,
        vectors: np.ndarray,
        k: int,
        filters: dict[str, list[Scalar]],
        ef_search: int = 64,
        exact: bool = False,
    ) -> list[list[Hit]]: ...

    async def chunks_by_ids(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]: ...


def percentiles(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "count": 0}
    arr = np.asarray(values)
    p50, p95, p99 = np.percentile(arr, [50, 95, 99])
    return {"p50": round(float(p50), 3), "p95": round(float(p95), 3), "p99": round(float(p99), 3), "count": len(arr)}


class SearchPipeline:
    def __init__(
        self, config: KnowledgeConfig, embed: Embed, sql: SearchSql, runtime: Runtime, spec_of: SpecOf
    ) -> None:
        self.config = config
        self.embed = embed
        self.sql = sql
        self.runtime = runtime
        self.spec_of = spec_of
        # per search mode: the latest latencies (ms), for stats
        self.latency: dict[str, deque[float]] = {}

    # ---- the vector side -------------------------------------------------------------

    async def ask_shard(self, address: str, vectors: np.ndarray, k: int, filters: dict[str, Any]) -> Any:
        # No wait for a shard that is away: it is left out of this answer instead.
        return await self.runtime.call(
            address, "search", vectors, k, filters or None, timeout_s=self.config.shard_timeout_s, wait_s=0.0
        )

    async def fan_out(
        self, spec: IndexSpec, vectors: np.ndarray, k: int, filters: dict[str, list[Scalar]]
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """All shards in parallel; returns the merged (scores, ids) and how many answered."""
        addresses = [shard_address(spec.name, n) for n in range(spec.shards)]
        answers = await asyncio.gather(
            *(self.ask_shard(a, vectors, k, filters) for a in addresses), return_exceptions=True
        )
        good = []
        for address, answer in zip(addresses, answers, strict=True):
            if isinstance(answer, BaseException):
                log.info("%s left out (%s)", address, type(answer).__name__)
            else:
                good.append(answer)
        if not good:
            empty = np.full((len(vectors), k), -1, dtype=np.int64)
            return np.full((len(vectors), k), -np.inf, dtype=np.float32), empty, 0
        scores, ids = merge_arrays(good, k)
        return scores, ids, len(good)

    async def vector_hits(
        self, spec: IndexSpec, backend: SearchBackend, vectors: np.ndarray, k: int, filters: dict[str, list[Scalar]]
    ) -> tuple[list[list[Hit]], int]:
        if backend is SearchBackend.PGVECTOR:
            hits = await self.sql.pgvector_search(
                spec.name, vectors, k, filters, ef_search=self.config.pgvector_ef_search
            )
            return hits, spec.shards
        scores, ids, answered = await self.fan_out(spec, vectors, k, filters)
        return hits_of(scores, ids), answered

    # ---- search ------------------------------------------------------------------------

    async def search_batch(
        self,
        queries: list[str],
        index: str = "default",
        k: int = 5,
        mode: str = "hybrid",
        filters: dict[str, Any] | None = None,
        backend: str | None = None,
        weights: list[float] | None = None,
        field: str = "queries",
    ) -> list[dict[str, Any]]:
        """Many queries in one go: one embed call, one call per shard with all the vectors."""
        started = time.perf_counter()
        if not isinstance(queries, list) or not queries:
            raise invalid(field, "must be a non-empty list of strings")
        if len(queries) > self.config.max_batch_queries:
            raise invalid(field, f"at most {self.config.max_batch_queries} queries per batch")
        texts = [check_query(q, field if field == "query" else f"{field}.{n}") for n, q in enumerate(queries)]
        k = check_k(k, self.config)
        search_mode = check_mode(mode)
        wanted = validate_filters(filters)
        fusion_weights = check_weights(weights)
        spec = await self.spec_of(index)
        chosen = check_backend(backend, spec.backend)
        candidates = (
            k
            if search_mode is SearchMode.SEMANTIC
            else max(k * self.config.hybrid_candidates_factor, self.config.hybrid_candidates_min)
        )
        vector_hits: list[list[Hit]] = [[] for _ in texts]
        answered = spec.shards
        if search_mode is not SearchMode.KEYWORD:
            vectors = await self.embed(texts)
            vector_hits, answered = await self.vector_hits(spec, chosen, vectors, candidates, wanted)
        keyword_hits: list[list[Hit]] = [[] for _ in texts]
        if search_mode is not SearchMode.SEMANTIC:
            keyword_hits = list(
                await asyncio.gather(*(self.sql.keyword_search(spec.name, t, candidates, wanted) for t in texts))
            )
        ranked = [
            self.rank(search_mode, vec, kw, k, fusion_weights)
            for vec, kw in zip(vector_hits, keyword_hits, strict=True)
        ]
        rows = await self.sql.chunks_by_ids(sorted({h.id for hits in ranked for h in hits}))
        took_ms = (time.perf_counter() - started) * 1000
        per_query_ms = took_ms / len(texts)
        window = self.latency.setdefault(search_mode.value, deque(maxlen=self.config.latency_window))
        window.extend([per_query_ms] * len(texts) if len(texts) > 1 else [took_ms])
        out = []
        for hits in ranked:
            results = [
                SearchResult(
                    text=rows[h.id]["text"],
                    score=h.score,
                    document_id=rows[h.id]["document_id"],
                    chunk_id=h.id,
                    metadata=rows[h.id]["metadata"] or {},
                    shard=rows[h.id].get("shard"),
                )
                for h in hits
                if h.id in rows  # a chunk deleted between the search and this read
            ]
            out.append(
                SearchResponse(
                    results=results,
                    partial=answered < spec.shards,
                    index=spec.name,
                    mode=search_mode,
                    backend=chosen if search_mode is not SearchMode.KEYWORD else None,
                    shards=spec.shards,
                    shards_answered=answered,
                    took_ms=round(took_ms, 3),
                ).model_dump(mode="json")
            )
        return out

    def rank(
        self, mode: SearchMode, vector: list[Hit], keyword: list[Hit], k: int, weights: Sequence[float] | None
    ) -> list[Hit]:
        """The top k of one query: one side alone, or both fused by reciprocal rank."""
        if mode is SearchMode.SEMANTIC:
            return vector[:k]
        if mode is SearchMode.KEYWORD:
            return keyword[:k]
        fused = reciprocal_rank_fusion([[h.id for h in vector], [h.id for h in keyword]], self.config.rrf_k, weights)
        return [Hit(id=i, score=s) for i, s in fused[:k]]

    async def search_vectors(
        self, index: str, vectors: np.ndarray, k: int, backend: str | None = None, ef_search: int | None = None
    ) -> dict[str, Any]:
        """Vector search without embedding or row lookup (benchmarks, recall checks):
        {"scores", "ids"} arrays of shape (q, k), and `partial`."""
        spec = await self.spec_of(index)
        chosen = check_backend(backend, spec.backend)
        matrix = np.asarray(vectors, dtype=np.float32)
        if chosen is SearchBackend.PGVECTOR:
            ef = ef_search or self.config.pgvector_ef_search
            hits = await self.sql.pgvector_search(spec.name, matrix, k, {}, ef)
            ids = np.full((len(matrix), k), -1, dtype=np.int64)
            for row, found in enumerate(hits):
                ids[row, : len(found)] = [h.id for h in found]
            return {"ids": ids, "partial": False}
        scores, ids, answered = await self.fan_out(spec, matrix, k, {})
        return {"scores": scores, "ids": ids, "partial": answered < spec.shards}

    def latency_percentiles(self) -> dict[str, dict[str, float | None]]:
        return {mode: percentiles(values) for mode, values in self.latency.items()}
