"""The knowledge search pipeline without Ray or PostgreSQL: shards on the in-memory
runtime, SQL and the embedder as plain objects."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from actors.knowledge.filters import Scalar
from actors.knowledge.fusion import reciprocal_rank_fusion
from actors.knowledge.search_pipeline import SearchPipeline
from configs.settings import KnowledgeConfig
from protocols.addresses import shard_address
from protocols.knowledge import Hit, IndexSpec, KnowledgeError, KnowledgeErrorCode
from supervisors.runtime import InMemoryRuntime

SPEC = IndexSpec(name="docs", shards=3)


class Shard:
    """Answers a fixed ranking (best first) for every query; records what it was asked."""

    def __init__(self, ranking: list[tuple[int, float]], hang: bool = False) -> None:
        self.ranking = ranking
        self.hang = hang
        self.asked: list[tuple[int, Any]] = []

    async def search(self, vectors: np.ndarray, k: int, filters: dict[str, Any] | None) -> Any:
        self.asked.append((k, filters))
        if self.hang:
            await asyncio.sleep(10)
        top = self.ranking[:k] + [(-1, 0.0)] * max(0, k - len(self.ranking))
        ids = np.array([[i for i, _ in top]] * len(vectors), dtype=np.int64)
        scores = np.array([[s for _, s in top]] * len(vectors), dtype=np.float32)
        return scores, ids


class Sql:
    def __init__(self, keyword: list[int]) -> None:
        self.keyword = keyword
        self.keyword_calls: list[tuple[str, str, int, Any]] = []
        self.pgvector_calls: list[Any] = []

    async def keyword_search(self, index: str, query: str, k: int, filters: dict[str, list[Scalar]]) -> list[Hit]:
        self.keyword_calls.append((index, query, k, filters))
        return [Hit(id=i, score=1.0 / (n + 1)) for n, i in enumerate(self.keyword[:k])]

    async def pgvector_search(
        self,
        index: str,
        vectors: np.ndarray,
        k: int,
        filters: dict[str, list[Scalar]],
        ef_search: int = 64,
        exact: bool = False,
    ) -> list[list[Hit]]:
        self.pgvector_calls.append((index, k, filters, ef_search))
        return [[Hit(id=7, score=0.9)] for _ in vectors]

    async def chunks_by_ids(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        # chunk i lives on shard (i - 1) % 3, as the three shards of the tests rank them
        return {
            i: {"text": f"chunk {i}", "document_id": f"doc-{i}", "shard": (i - 1) % 3, "metadata": {"n": i}}
            for i in ids
            if i != 404
        }


def pipeline(runtime: InMemoryRuntime, sql: Sql, **config: Any) -> tuple[SearchPipeline, list[list[str]]]:
    embedded: list[list[str]] = []

    async def embed(texts: list[str]) -> np.ndarray:
        embedded.append(texts)
        return np.ones((len(texts), 4), dtype=np.float32)

    async def spec_of(name: Any) -> IndexSpec:
        if name != SPEC.name:
            raise KnowledgeError(KnowledgeErrorCode.NOT_FOUND, f"index: no index named '{name}'", "index", 404)
        return SPEC

    settings = KnowledgeConfig(**{"shard_timeout_s": 0.2, "hybrid_candidates_min": 4, **config})
    return SearchPipeline(settings, embed, sql, runtime, spec_of), embedded


def shards(runtime: InMemoryRuntime, *rankings: list[tuple[int, float]]) -> list[Shard]:
    made = [Shard(r) for r in rankings]
    for n, shard in enumerate(made):
        runtime.register(shard_address(SPEC.name, n), shard)
    return made


def ids(answer: dict[str, Any]) -> list[int]:
    return [r["chunk_id"] for r in answer["results"]]


@pytest.mark.asyncio
async def test_semantic_search_merges_the_shards_top_k() -> None:
    runtime = InMemoryRuntime()
    shards(runtime, [(1, 0.9), (4, 0.3)], [(2, 0.8), (5, 0.2)], [(3, 0.7)])
    search, embedded = pipeline(runtime, Sql([]))
    [answer] = await search.search_batch(["q"], "docs", k=3, mode="semantic", field="query")
    assert ids(answer) == [1, 2, 3]
    assert answer["partial"] is False and answer["shards_answered"] == 3
    assert answer["results"][0] == {
        "text": "chunk 1",
        "score": pytest.approx(0.9),
        "document_id": "doc-1",
        "chunk_id": 1,
        "metadata": {"n": 1},
        "shard": 0,
    }
    assert [r["shard"] for r in answer["results"]] == [0, 1, 2]  # each hit names the shard that holds it
    assert embedded == [["q"]]


@pytest.mark.asyncio
async def test_hybrid_search_fuses_vector_and_keyword_rankings_by_rrf() -> None:
    runtime = InMemoryRuntime()
    shards(runtime, [(1, 0.9), (2, 0.8)], [(3, 0.7)], [])
    sql = Sql(keyword=[3, 9, 1])
    search, _ = pipeline(runtime, sql)
    [answer] = await search.search_batch(["q"], "docs", k=4, mode="hybrid")
    expected = reciprocal_rank_fusion([[1, 2, 3], [3, 9, 1]], 60)
    assert ids(answer) == [i for i, _ in expected[:4]]
    assert ids(answer)[:2] == [1, 3]  # in both rankings: ahead of those in one
    assert [r["score"] for r in answer["results"]] == pytest.approx([s for _, s in expected[:4]])
    # the keyword side was asked for the candidate count: max(k * factor, min)
    assert sql.keyword_calls[0][2] == 16


@pytest.mark.asyncio
async def test_fusion_weights_can_favour_the_keyword_side() -> None:
    runtime = InMemoryRuntime()
    shards(runtime, [(1, 0.9)], [(2, 0.8)], [])
    search, _ = pipeline(runtime, Sql(keyword=[9, 8]))
    [answer] = await search.search_batch(["q"], "docs", k=2, mode="hybrid", weights=[0.1, 1.0])
    assert ids(answer) == [9, 8]


@pytest.mark.asyncio
async def test_keyword_search_does_not_embed_or_ask_shards() -> None:
    runtime = InMemoryRuntime()
    made = shards(runtime, [(1, 0.9)], [], [])
    search, embedded = pipeline(runtime, Sql(keyword=[5, 6]))
    [answer] = await search.search_batch(["q"], "docs", k=5, mode="keyword")
    assert ids(answer) == [5, 6] and answer["backend"] is None
    assert embedded == [] and made[0].asked == []


@pytest.mark.asyncio
async def test_a_shard_that_is_down_or_slow_gives_a_partial_answer() -> None:
    runtime = InMemoryRuntime()
    made = shards(runtime, [(1, 0.9)], [(2, 0.8)], [(3, 0.7)])
    runtime.kill(shard_address("docs", 1))  # down
    made[2].hang = True  # too slow: past shard_timeout_s
    search, _ = pipeline(runtime, Sql([]))
    [answer] = await search.search_batch(["q"], "docs", k=3, mode="semantic")
    assert ids(answer) == [1]
    assert answer["partial"] is True and answer["shards_answered"] == 1 and answer["shards"] == 3


@pytest.mark.asyncio
async def test_no_shard_answering_gives_an_empty_partial_answer() -> None:
    search, _ = pipeline(InMemoryRuntime(), Sql([]))
    [answer] = await search.search_batch(["q"], "docs", k=3, mode="semantic")
    assert answer["results"] == [] and answer["partial"] is True and answer["shards_answered"] == 0


@pytest.mark.asyncio
async def test_filters_are_validated_and_passed_to_shards_and_sql() -> None:
    runtime = InMemoryRuntime()
    made = shards(runtime, [(1, 0.9)], [], [])
    sql = Sql(keyword=[1])
    search, _ = pipeline(runtime, sql)
    await search.search_batch(["q"], "docs", k=2, mode="hybrid", filters={"lang": "en", "tag": ["a", "b"]})
    wanted = {"lang": ["en"], "tag": ["a", "b"]}
    assert made[0].asked[0][1] == wanted
    assert sql.keyword_calls[0][3] == wanted
    await search.search_batch(["q"], "docs", k=2, mode="semantic", backend="pgvector", filters={"lang": "en"})
    assert sql.pgvector_calls == [("docs", 2, {"lang": ["en"]}, 64)]


@pytest.mark.asyncio
async def test_a_chunk_deleted_before_hydration_is_left_out() -> None:
    runtime = InMemoryRuntime()
    shards(runtime, [(404, 0.9), (1, 0.8)], [], [])
    search, _ = pipeline(runtime, Sql([]))
    [answer] = await search.search_batch(["q"], "docs", k=2, mode="semantic")
    assert ids(answer) == [1]


@pytest.mark.asyncio
async def test_batches_embed_once_and_answer_each_query() -> None:
    runtime = InMemoryRuntime()
    made = shards(runtime, [(1, 0.9)], [(2, 0.5)], [])
    search, embedded = pipeline(runtime, Sql([]))
    answers = await search.search_batch(["a", "b", "c"], "docs", k=2, mode="semantic")
    assert [ids(a) for a in answers] == [[1, 2]] * 3
    assert embedded == [["a", "b", "c"]] and len(made[0].asked) == 1
    assert search.latency_percentiles()["semantic"]["count"] == 3


@pytest.mark.asyncio
async def test_bad_input_is_refused_with_the_field_before_any_work() -> None:
    search, embedded = pipeline(InMemoryRuntime(), Sql([]))
    cases: list[tuple[dict[str, Any], str]] = [
        ({"queries": []}, "queries"),
        ({"queries": ["ok", ""]}, "queries.1"),
        ({"queries": ["q"], "k": 0}, "k"),
        ({"queries": ["q"], "mode": "fuzzy"}, "mode"),
        ({"queries": ["q"], "index": "nope"}, "index"),
        ({"queries": ["q"], "index": "docs", "backend": "elastic"}, "backend"),
    ]
    for kwargs, field in cases:
        with pytest.raises(KnowledgeError) as info:
            await search.search_batch(**kwargs)
        assert info.value.field == field, (kwargs, info.value)
    assert embedded == []


@pytest.mark.asyncio
async def test_search_vectors_reports_ids_and_partial() -> None:
    runtime = InMemoryRuntime()
    shards(runtime, [(1, 0.9)], [(2, 0.8)], [])
    runtime.kill(shard_address("docs", 2))
    search, _ = pipeline(runtime, Sql([]))
    out = await search.search_vectors("docs", np.ones((2, 4)), 2)
    assert out["ids"].tolist() == [[1, 2], [1, 2]] and out["partial"] is True
    pg = await search.search_vectors("docs", np.ones((1, 4)), 3, backend="pgvector")
    assert pg["ids"].tolist() == [[7, -1, -1]] and pg["partial"] is False
