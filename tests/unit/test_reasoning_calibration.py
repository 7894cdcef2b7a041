"""ADAPTIVE's per-model calibration without Ray or a model: labels from outcomes (Adaptive-RAG's
ladder), the k-nearest vote that routes a calibrated model's queries, and the stored overrides."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from actors.reasoning.calibration import Outcome, calibrate, label_counts, outcome_label
from actors.reasoning.classifier import ComplexityClassifier
from actors.reasoning.manager_actor import merge_defaults
from actors.reasoning.pipeline import ReasoningPipeline
from protocols.reasoning import (
    ClassifierConfig,
    Complexity,
    ReasoningConfig,
    ReasoningMode,
    ReasoningRequest,
    RouterCalibration,
    TaskKind,
)
from protocols.rest_reasoning import ReasoningDefaultsUpdate
from tests.fakes.reasoning_models import HashingEmbedder, KeywordRetriever, ScriptedModel
from tests.unit.test_reasoning_rag import CORPUS

D, R, S, T = ReasoningMode.DIRECT, ReasoningMode.RAG_ONLY, ReasoningMode.S3_RAG, ReasoningMode.TOT_ENHANCED_RAG


def test_the_simplest_mode_that_answered_right_gives_the_label() -> None:
    assert outcome_label(Outcome("q", {D: True, R: True, S: True})) is Complexity.SIMPLE
    assert outcome_label(Outcome("q", {D: False, R: True, S: True})) is Complexity.MODERATE
    assert outcome_label(Outcome("q", {D: False, R: False, S: True})) is Complexity.COMPLEX
    assert outcome_label(Outcome("q", {D: False, R: False, S: False, T: True})) is Complexity.COMPLEX
    # no mode right: the fallback where there is one (Adaptive-RAG's dataset bias), else no label
    assert outcome_label(Outcome("q", {D: False, R: False, S: False})) is None
    assert outcome_label(Outcome("q", {D: False, R: False}, fallback=Complexity.MODERATE)) is Complexity.MODERATE
    # a mode not tried is no evidence: rag right without direct tried is moderate, not simple
    assert outcome_label(Outcome("q", {R: True})) is Complexity.MODERATE


def test_calibrate_keeps_each_query_once_and_refuses_an_empty_set() -> None:
    calibration = calibrate(
        [
            Outcome("What does len return?", {D: True}),
            Outcome("What does len return?", {D: False, R: True}),  # asked again: the first label stays
            Outcome("Which flags does re.compile accept?", {D: False, R: True}),
            Outcome("How do asyncio and threads differ for I/O?", {D: False, R: False, S: True}),
            Outcome("Nobody answered this", {D: False, R: False, S: False}),
        ],
        k=3,
        source="unit",
    )
    assert label_counts(calibration) == {"simple": 1, "moderate": 1, "complex": 1}
    assert calibration.k == 3 and calibration.source == "unit"
    with pytest.raises(ValueError, match="no outcome gives a label"):
        calibrate([Outcome("q", {D: False})])


def test_a_calibration_needs_examples_and_bounded_ones() -> None:
    with pytest.raises(ValidationError, match="at least one labelled query"):
        RouterCalibration(examples={Complexity.SIMPLE: []})
    with pytest.raises(ValidationError):
        RouterCalibration(examples={Complexity.SIMPLE: [""]})
    with pytest.raises(ValidationError):
        RouterCalibration(examples={Complexity.SIMPLE: ["q"]}, k=0)
    with pytest.raises(ValidationError) as caught:
        ReasoningDefaultsUpdate.model_validate({"calibrations": {"m": {"examples": {"trivial": ["q"]}}}})
    assert caught.value.errors()[0]["loc"][:3] == ("calibrations", "m", "examples")


CALIBRATION = RouterCalibration(
    examples={
        # a weak model: retrieval was what answered the Python questions
        Complexity.MODERATE: [
            "What does the json module's loads function return?",
            "Which arguments does the csv module's reader function take?",
            "What does the os module's getcwd function return?",
        ],
        Complexity.COMPLEX: ["Compare the trade-offs of asyncio tasks and threads for crawling"],
    },
    k=3,
)


@pytest.mark.asyncio
async def test_a_calibrated_model_is_routed_by_its_nearest_labelled_queries() -> None:
    config = ClassifierConfig(calibrations={"tiny": CALIBRATION})
    classifier = ComplexityClassifier(config, HashingEmbedder())
    query = "What does the json module's dumps function return?"  # short: the rules say SIMPLE
    routed = await classifier.classify(query, model="tiny")
    assert routed.method == "rules+knn" and routed.complexity is Complexity.MODERATE
    assert routed.mode is ReasoningMode.RAG_ONLY
    assert routed.features["calibration"] == {"model": "tiny", "k": 3}
    assert routed.features["knn_scores"]["moderate"] > routed.features["knn_scores"]["complex"]
    # another model, or no model, keeps the rules (no examples configured here)
    for other in ("strong", None):
        plain = await classifier.classify(query, model=other)
        assert plain.method == "rules" and plain.complexity is Complexity.SIMPLE
    # without an embedder a calibration cannot vote: the rules decide
    assert (await ComplexityClassifier(config).classify(query, model="tiny")).method == "rules"
    # a Game of 24 puzzle is the rules' to place, calibration or not
    puzzle = await classifier.classify("4 6 8 9", TaskKind.GAME24, model="tiny")
    assert puzzle.method == "rules" and puzzle.mode is ReasoningMode.TOT_ONLY


@pytest.mark.asyncio
async def test_the_vote_follows_how_often_a_label_occurred() -> None:
    # one SIMPLE example nearer than any other, outvoted by several moderate neighbours
    calibration = RouterCalibration(
        examples={
            Complexity.SIMPLE: ["python list sort method"],
            Complexity.MODERATE: [
                "python list sort method key argument",
                "python list sort method reverse argument",
                "python list sort method stability",
            ],
        },
        k=4,
    )
    classifier = ComplexityClassifier(ClassifierConfig(calibrations={"m": calibration}), HashingEmbedder())
    decision = await classifier.classify("python list sort method", model="m")
    assert decision.complexity is Complexity.MODERATE
    one_neighbour = calibration.model_copy(update={"k": 1})
    nearest = ComplexityClassifier(ClassifierConfig(calibrations={"m": one_neighbour}), HashingEmbedder())
    assert (await nearest.classify("python list sort method", model="m")).complexity is Complexity.SIMPLE


@pytest.mark.asyncio
async def test_the_pipeline_routes_with_its_models_calibration() -> None:
    config = ReasoningConfig(classifier=ClassifierConfig(calibrations={"tiny": CALIBRATION}))
    pipeline = ReasoningPipeline(
        ScriptedModel([], default="It returns a Python object. [1]"),
        config,
        retriever=KeywordRetriever(CORPUS),
        embedder=HashingEmbedder(),
        model_name="tiny",
    )
    result = await pipeline.run(ReasoningRequest(query="What does the json module's dumps function return?"))
    assert result.routing is not None and result.routing.method == "rules+knn"
    assert result.mode is ReasoningMode.RAG_ONLY


def test_stored_calibrations_join_the_configured_ones_model_by_model() -> None:
    base = ReasoningConfig(classifier=ClassifierConfig(calibrations={"a": CALIBRATION, "b": CALIBRATION}))
    other = CALIBRATION.model_copy(update={"k": 5}).model_dump(mode="json")
    merged = merge_defaults(base, {"calibrations": {"b": None, "c": other}, "default_mode": "rag_only"})
    assert set(merged.classifier.calibrations) == {"a", "c"}  # b removed, c added, a kept
    assert merged.classifier.calibrations["c"].k == 5
    assert merged.default_mode is ReasoningMode.RAG_ONLY
    assert merge_defaults(base, {}).classifier.calibrations.keys() == {"a", "b"}
