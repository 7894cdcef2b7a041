"""Retrieval modes without Ray, a model or an index: RAG_ONLY, the s3 loop and the thought
tree with retrieval at each expansion."""

from __future__ import annotations

import itertools

import pytest

from actors.reasoning.open_qa import OpenQuestionTask
from actors.reasoning.ports import MemoryNodeSink
from actors.reasoning.rag import DirectAnswer, RagOnly, S3Search, parse_query, parse_selection
from actors.reasoning.tot import TreeOfThoughts
from protocols.reasoning import Passage, RagConfig, ReasoningMode, S3Config, SessionStatus, TreeOfThoughtsConfig
from tests.fakes.reasoning_models import KeywordRetriever, ScriptedModel

CORPUS = [
    Passage(
        id="gather", text="asyncio.gather runs awaitables concurrently and returns their results in order", source="a"
    ),
    Passage(
        id="match", text="The match statement was added in Python 3.10 for structural pattern matching", source="b"
    ),
    Passage(id="cache", text="functools.lru_cache caches the results of a function call by its arguments", source="c"),
    Passage(id="gil", text="The global interpreter lock lets one thread run Python bytecode at a time", source="d"),
    Passage(
        id="threads", text="threads help with I/O-bound work because the lock is released while waiting", source="e"
    ),
    Passage(id="tasks", text="asyncio tasks are cheaper than threads for many concurrent I/O waits", source="f"),
]
ANSWER = "Answer from the passages"
SEARCH = "Write one new search query"
SELECT = "Which passages help answer the question"


@pytest.mark.asyncio
async def test_rag_only_retrieves_once_and_cites_passages_by_number() -> None:
    model = ScriptedModel([(ANSWER, lambda p: "It returns the results in order [1].")])
    retriever = KeywordRetriever(CORPUS)
    result = await RagOnly(model, retriever, RagConfig(k=3)).run("What does asyncio.gather return?")
    assert result.status is SessionStatus.COMPLETED and result.mode is ReasoningMode.RAG_ONLY
    assert result.passages[0].id == "gather"
    assert result.cited == ["gather"]
    assert "[1] asyncio.gather" in model.prompts[0]
    assert result.metrics.retrieval_calls == 1 and result.metrics.model_calls == 1
    assert result.confidence > 0.5
    uncited = await RagOnly(ScriptedModel([(ANSWER, lambda p: "No idea.")]), retriever, RagConfig()).run("gather?")
    assert uncited.cited == [] and uncited.confidence < result.confidence


@pytest.mark.asyncio
async def test_direct_answer_makes_one_call_and_no_retrieval() -> None:
    result = await DirectAnswer(ScriptedModel([], default="Paris")).run("Capital of France?")
    assert result.answer == "Paris" and result.metrics.model_calls == 1 and result.metrics.retrieval_calls == 0


@pytest.mark.asyncio
async def test_s3_stops_at_its_turn_bound_and_cites_kept_passages() -> None:
    queries = iter(["Query: threads I/O-bound", "Query: global interpreter lock", "Query: asyncio tasks"])
    model = ScriptedModel(
        [
            (SEARCH, lambda p: next(queries)),
            (SELECT, lambda p: "Keep: 1\nComplete: no"),  # never satisfied: only the bound stops it
            (ANSWER, lambda p: "Threads suit blocking I/O [2]; the lock limits CPU work [1]."),
        ]
    )
    retriever = KeywordRetriever(CORPUS)
    search = S3Search(model, retriever, S3Config(k=2, max_turns=2))
    result = await search.run("asyncio versus threads?")
    assert result.stop_reason == "turn bound"
    assert search.turns == 2
    assert result.metrics.retrieval_calls == 1 + 2  # the question's top-k, then one per turn
    assert result.queries == ["asyncio versus threads?", "threads I/O-bound", "global interpreter lock"]
    assert len(model.calls_with(SEARCH)) == 2
    kept = [p.id for p in result.passages]
    assert len(kept) == 3  # one kept per retrieval
    assert result.cited == [kept[1], kept[0]]
    answer_prompt = model.calls_with(ANSWER)[0]
    assert all(p.text[:40] in answer_prompt for p in result.passages)


@pytest.mark.asyncio
async def test_s3_stops_when_the_selector_says_complete() -> None:
    model = ScriptedModel([(SELECT, lambda p: "Keep: 1, 2\nComplete: yes"), (ANSWER, lambda p: "In order [1].")])
    result = await S3Search(model, KeywordRetriever(CORPUS), S3Config(k=3)).run("What does asyncio.gather return?")
    assert result.stop_reason == "complete"
    assert result.metrics.retrieval_calls == 1 and not model.calls_with(SEARCH)
    assert len(result.passages) == 2 and result.cited == [result.passages[0].id]


@pytest.mark.asyncio
async def test_s3_that_kept_nothing_answers_from_the_questions_own_top_k() -> None:
    model = ScriptedModel(
        [(SEARCH, lambda p: "Query: none"), (SELECT, lambda p: "Keep: none\nComplete: no"), (ANSWER, lambda p: "[1]")]
    )
    retriever = KeywordRetriever(CORPUS)
    result = await S3Search(model, retriever, S3Config(k=2, max_turns=2)).run("What does asyncio.gather return?")
    first = await retriever.search("What does asyncio.gather return?", 2)
    assert [p.id for p in result.passages] == [p.id for p in first]
    assert result.cited == [first[0].id]
    assert all(p.text[:40] in model.calls_with(ANSWER)[0] for p in first)


@pytest.mark.asyncio
async def test_s3_stops_when_no_new_query_comes_and_keeps_at_most_max_kept() -> None:
    counter = itertools.count()
    model = ScriptedModel(
        [
            (SEARCH, lambda p: "Query: none" if next(counter) else "Query: lock threads tasks"),
            (SELECT, lambda p: "Keep: 1, 2, 3\nComplete: no"),
            (ANSWER, lambda p: "An answer."),
        ]
    )
    result = await S3Search(model, KeywordRetriever(CORPUS), S3Config(k=3, max_turns=5, max_kept=4)).run(
        "asyncio threads"
    )
    assert len(result.passages) <= 4
    assert result.stop_reason in {"no new query", "complete"}
    assert result.metrics.retrieval_calls <= 3


def test_s3_reply_parsers() -> None:
    assert parse_query("I will search.\nQuery: python gil") == "python gil"
    assert parse_query("Query: NONE") is None
    assert parse_selection("Keep: 2, 1, 9\nComplete: yes", 3) == ([1, 0], True)
    assert parse_selection("Keep: none\nComplete: no", 3) == ([], False)


@pytest.mark.asyncio
async def test_tot_enhanced_rag_retrieves_at_each_expansion_and_conditions_the_children() -> None:
    def propose(prompt: str) -> str:
        if "threads help" in prompt and "Reasoning so far:\n(nothing yet)" not in prompt:
            return "Answer: threads for blocking I/O [1]"
        return "threads I/O-bound waiting\nasyncio tasks concurrent"

    model = ScriptedModel(
        [
            ("List a few different possible next reasoning steps", propose),
            ("Will this reasoning lead", lambda p: "likely" if "Passages:" in p else "impossible"),
        ]
    )
    retriever, sink = KeywordRetriever(CORPUS), MemoryNodeSink()
    config = TreeOfThoughtsConfig(beam_width=2, max_depth=3, retrieval_k=2, n_evaluate_sample=1)
    search = TreeOfThoughts(model, OpenQuestionTask(), config, retriever=retriever, sink=sink)
    result = await search.run("Should I use threads or asyncio for I/O?")
    assert result.mode is ReasoningMode.TOT_ENHANCED_RAG
    root = next(n for n in result.nodes if n.parent_id is None)
    assert retriever.queries[0] == "Should I use threads or asyncio for I/O?"
    assert root.passage_ids  # the question's passages, stored on the node that was expanded
    expanded = [n for n in result.nodes if n.expanded]
    assert result.metrics.retrieval_calls == len(expanded)
    for node in expanded[1:]:
        assert node.thought in retriever.queries  # a thought's text queries the index
        assert sink.nodes[node.id].passage_ids == node.passage_ids
    # every proposal and every evaluation saw passages
    assert all("Passages:" in p for p in model.prompts)
    assert result.answer == "threads for blocking I/O [1]"
    assert result.passages and result.cited == [result.passages[0].id]
