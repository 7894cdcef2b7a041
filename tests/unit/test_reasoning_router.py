"""ADAPTIVE routing and the pipeline without Ray or a model: the complexity classifier
(rules, then rules plus an embedding nearest-centroid over configs/reasoning.yaml's examples),
the mode each label runs, and the decision returned with its features."""

from __future__ import annotations

import pytest

from actors.reasoning.classifier import ComplexityClassifier, detect_game24
from actors.reasoning.config import load_reasoning_config
from actors.reasoning.pipeline import ReasoningInputError, ReasoningPipeline
from configs.settings import load_settings
from protocols.reasoning import (
    Complexity,
    ReasoningConfig,
    ReasoningMode,
    ReasoningRequest,
    RoutingDecision,
    TaskKind,
)
from tests.fakes.reasoning_models import HashingEmbedder, KeywordRetriever, ScriptedGame24Model, ScriptedModel
from tests.unit.test_reasoning_rag import ANSWER, CORPUS

LABELLED = [
    ("What is the capital of Peru?", Complexity.SIMPLE, ReasoningMode.DIRECT),
    ("Who invented the telephone?", Complexity.SIMPLE, ReasoningMode.DIRECT),
    (
        "Which arguments does the open function of the io module accept in Python?",
        Complexity.MODERATE,
        ReasoningMode.RAG_ONLY,
    ),
    (
        "Compare asyncio tasks with threads for an I/O-bound web crawler and explain the trade-off.",
        Complexity.COMPLEX,
        ReasoningMode.S3_RAG,
    ),
    (
        "Solve step by step how many ways four people can sit around a round table.",
        Complexity.COMPLEX,
        ReasoningMode.TOT_ENHANCED_RAG,
    ),
    ("3 3 8 8", Complexity.COMPLEX, ReasoningMode.TOT_ONLY),
    (
        "Write a comprehensive survey of the literature on retrieval-augmented generation.",
        Complexity.RESEARCH,
        ReasoningMode.S3_RAG,
    ),
]


@pytest.fixture(scope="module")
def config() -> ReasoningConfig:
    settings = load_settings()
    return load_reasoning_config(settings.resolve_path(settings.reasoning.config_file))


def test_the_shipped_config_loads_with_examples_for_every_label(config: ReasoningConfig) -> None:
    assert config.default_mode is ReasoningMode.ADAPTIVE
    assert set(config.classifier.examples) == set(Complexity)
    assert config.tot.value_map["sure"] > config.tot.value_map["likely"] > config.tot.value_map["impossible"]


@pytest.mark.asyncio
@pytest.mark.parametrize(("query", "complexity", "mode"), LABELLED)
async def test_rules_label_the_labelled_queries(
    config: ReasoningConfig, query: str, complexity: Complexity, mode: ReasoningMode
) -> None:
    decision = await ComplexityClassifier(config.classifier).classify(query)
    assert (decision.complexity, decision.mode) == (complexity, mode), decision.scores
    assert decision.method == "rules"
    assert decision.features["words"] > 0 and "rule_scores" in decision.features


@pytest.mark.asyncio
@pytest.mark.parametrize(("query", "complexity", "mode"), LABELLED)
async def test_rules_plus_centroid_label_the_labelled_queries(
    config: ReasoningConfig, query: str, complexity: Complexity, mode: ReasoningMode
) -> None:
    decision = await ComplexityClassifier(config.classifier, HashingEmbedder()).classify(query)
    assert (decision.complexity, decision.mode) == (complexity, mode), decision.features
    assert decision.method == "rules+centroid"
    assert set(decision.features["centroid_scores"]) == {c.value for c in Complexity}
    assert abs(sum(decision.scores.values()) - 1.0) < 1e-3


@pytest.mark.asyncio
async def test_the_centroid_moves_a_query_the_rules_cannot_place(config: ReasoningConfig) -> None:
    # no cue word, mid length: the rules say MODERATE; it is nearly an example of RESEARCH
    query = "Review tree-of-thought prompting and its variants across the literature"
    rules = await ComplexityClassifier(config.classifier).classify(query)
    blended = await ComplexityClassifier(config.classifier, HashingEmbedder()).classify(query)
    assert blended.features["centroid_scores"]["research"] == max(blended.features["centroid_scores"].values())
    assert blended.scores["research"] > rules.scores["research"]


def test_game24_detection() -> None:
    assert detect_game24("4 6 8 9")
    assert detect_game24("Game of 24: make 24 from 1 2 3 4")
    assert not detect_game24("I have 4 cats, 6 dogs, 8 fish and 9 birds")
    assert not detect_game24("What happened in 1914?")


@pytest.mark.asyncio
async def test_adaptive_runs_the_routed_mode_and_returns_the_decision(config: ReasoningConfig) -> None:
    pipeline = ReasoningPipeline(ScriptedGame24Model(), config, retriever=KeywordRetriever(CORPUS))
    tot = config.tot.model_copy(update={"max_depth": 3, "max_proposals": 64, "n_evaluate_sample": 1})
    result = await pipeline.run(ReasoningRequest(query="4 6 8 9", tot=tot))
    assert result.mode is ReasoningMode.TOT_ONLY and result.solved
    assert result.routing is not None and result.routing.task_kind == "game24"
    assert result.routing.features["game24"] is True

    qa = ScriptedModel([(ANSWER, lambda p: "In order [1].")], default="Lima")
    pipeline = ReasoningPipeline(qa, config, retriever=KeywordRetriever(CORPUS))
    simple = await pipeline.run(ReasoningRequest(query="What is the capital of Peru?"))
    assert simple.mode is ReasoningMode.DIRECT and simple.answer == "Lima"
    assert simple.metrics.retrieval_calls == 0
    moderate = await pipeline.run(ReasoningRequest(query="What does asyncio.gather return when one awaitable fails?"))
    assert moderate.mode is ReasoningMode.RAG_ONLY and moderate.cited == ["gather"]
    assert moderate.routing is not None and moderate.routing.complexity is Complexity.MODERATE


@pytest.mark.asyncio
async def test_routing_without_a_retriever_and_bad_input(config: ReasoningConfig) -> None:
    pipeline = ReasoningPipeline(ScriptedModel([], default="ok"), config)
    decision = await pipeline.route(ReasoningRequest(query="Compare asyncio tasks with threads and explain why."))
    assert decision.mode is ReasoningMode.DIRECT and decision.features["no_retriever"]
    with pytest.raises(ReasoningInputError) as error:
        await pipeline.run(ReasoningRequest(query="q", mode=ReasoningMode.RAG_ONLY))
    assert error.value.field == "mode"
    with pytest.raises(ReasoningInputError) as error:
        await pipeline.run(ReasoningRequest(query="hello", mode=ReasoningMode.TOT_ONLY, task=TaskKind.GAME24))
    assert error.value.field == "query"


@pytest.mark.asyncio
async def test_a_stored_decision_is_replayed_not_recomputed(config: ReasoningConfig) -> None:
    stored = RoutingDecision(complexity=Complexity.SIMPLE, mode=ReasoningMode.DIRECT, task_kind="open", method="rules")
    pipeline = ReasoningPipeline(ScriptedModel([], default="x"), config, retriever=KeywordRetriever(CORPUS))
    result = await pipeline.run(ReasoningRequest(query="Write a comprehensive survey of everything."), routing=stored)
    assert result.mode is ReasoningMode.DIRECT and result.routing == stored
