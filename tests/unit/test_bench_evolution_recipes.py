"""bench/evolution_recipes.py's plain parts: GEPA's adapter over a scripted recipe evaluator
(driven by gepa.optimize itself, with a scripted reflection LM), and the report's summaries."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from bench.evolution_recipes import (
    comparison_rows,
    front_rows,
    objectives_of,
    parse_args,
    pick_by_val,
    seed_recipe,
    start_body,
)
from bench.gepa_recipes import COMPONENT, AdapterLog, Item, KeptLog, RecipePromptAdapter, as_text, items, recipe_with
from protocols.evolution import Evaluation, Recipe, Split, genome_key

GOOD = "Name the exact function."


class ScriptedEvaluator:
    """Scores an example 1 when the recipe's prompt contains GOOD, else 0; records every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Split, list[str]]] = []

    def __call__(self, recipe: Recipe, key: str, split: Split, examples: list[str]) -> list[Evaluation]:
        assert key == genome_key(recipe)
        self.calls.append((recipe.system_prompt, split, list(examples)))
        score = 1.0 if GOOD in recipe.system_prompt else 0.0
        return [
            Evaluation(
                genome=key,
                task="t",
                split=split,
                example=e,
                score=score,
                latency_s=1.0 + i,
                tokens=10 * (i + 1),
                feedback=f"Question: {e}\nOutput: x\nExpected the answer to contain: y",
            )
            for i, e in enumerate(examples)
        ]


def seed() -> Recipe:
    return seed_recipe("smollm2:135m", "Answer.", "rag_only", "idx")


def test_the_adapter_scores_the_seed_recipe_with_the_candidate_prompt_through_the_evaluator() -> None:
    evaluator = ScriptedEvaluator()
    log = AdapterLog()
    adapter = RecipePromptAdapter(seed(), evaluator, log)
    batch = [Item(Split.VAL, "b"), Item(Split.TRAIN, "a"), Item(Split.VAL, "c")]

    plain = adapter.evaluate(batch, {COMPONENT: "Answer."})
    better = adapter.evaluate(batch, {COMPONENT: GOOD}, capture_traces=True)

    assert plain.scores == [0.0, 0.0, 0.0] and plain.trajectories is None
    assert better.scores == [1.0, 1.0, 1.0]
    assert [t.feedback.splitlines()[0] for t in better.trajectories] == ["Question: b", "Question: a", "Question: c"]
    # one evaluator call per split, examples in the batch's order; the rest of the recipe is the seed's
    assert evaluator.calls[-2:] == [(GOOD, Split.VAL, ["b", "c"]), (GOOD, Split.TRAIN, ["a"])]
    assert log.metric_calls == 6 and log.batches == 2
    assert recipe_with(seed(), {COMPONENT: GOOD}).reasoning.mode == "rag_only"
    dataset = adapter.make_reflective_dataset({COMPONENT: GOOD}, better, [COMPONENT])
    assert [r["Score"] for r in dataset[COMPONENT]] == [1.0, 1.0, 1.0]
    assert "Expected the answer to contain" in dataset[COMPONENT][0]["Feedback"]


def test_gepa_optimize_runs_on_the_adapter_within_the_budget_and_finds_the_better_prompt() -> None:
    gepa = pytest.importorskip("gepa")
    evaluator = ScriptedEvaluator()
    log = AdapterLog()
    asked: list[str] = []
    kept = KeptLog()

    def reflection_lm(prompt: str | list[dict[str, Any]]) -> str:
        asked.append(as_text(prompt))
        return f"```\n{GOOD}\n```"

    result = gepa.optimize(
        seed_candidate={COMPONENT: "Answer."},
        trainset=items(Split.TRAIN, ["a", "b", "c"]),
        valset=items(Split.VAL, ["d", "e"]),
        adapter=RecipePromptAdapter(seed(), evaluator, log),
        reflection_lm=reflection_lm,
        reflection_minibatch_size=2,
        max_metric_calls=12,
        seed=0,
        logger=kept,
    )

    assert result.candidates[result.best_idx][COMPONENT] == GOOD
    assert result.val_aggregate_scores[0] == 0.0 and result.val_aggregate_scores[result.best_idx] == 1.0
    assert asked and "Expected the answer to contain" in asked[0]  # reflection read the train feedback
    assert {split for _, split, _ in evaluator.calls} == {Split.TRAIN, Split.VAL}
    assert any("Iteration" in m for m in kept.messages)  # GEPA's log is kept, not printed
    assert log.metric_calls == result.total_metric_calls <= 12 + 2  # GEPA checks its budget between steps


def test_as_text_joins_chat_messages() -> None:
    assert as_text("p") == "p"
    assert as_text([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]) == "a\n\nb"


def test_objectives_are_aggregated_as_the_run_aggregates_them() -> None:
    recipe = recipe_with(seed(), {COMPONENT: GOOD})
    got = ScriptedEvaluator()(recipe, genome_key(recipe), Split.TEST, ["x", "y", "z"])
    assert objectives_of(got, Split.TEST) == {"quality": 1.0, "latency_p50": 2.0, "tokens": 20.0}
    with pytest.raises(ValueError):
        objectives_of(got, Split.VAL)  # a test evaluation never passes for a val one


def member(key: str, quality: float, latency: float, prompt: str = "p", generation: int = 0) -> dict[str, Any]:
    genome = seed().model_copy(update={"system_prompt": prompt}).model_dump(mode="json")
    return {
        "key": key,
        "genome": genome,
        "lineage": {"operators": ["reflect"], "generation": generation},
        "objectives": {"quality": quality, "latency_p50": latency, "tokens": 100.0},
    }


def test_ours_is_the_front_member_best_on_val_never_on_test() -> None:
    results = {
        "front": [member("a", 0.5, 3.0), member("b", 0.5, 2.0, generation=2), member("c", 0.2, 1.0)],
        "test": [
            {"key": "a", "objectives": {"quality": 1.0, "latency_p50": 3.0, "tokens": 90.0}},
            {"key": "b", "objectives": {"quality": 0.0, "latency_p50": 2.0, "tokens": 80.0}},
        ],
    }
    front = front_rows(results)
    assert [r["key"] for r in front] == ["a", "b", "c"]
    assert front[2]["test"] is None and front[0]["operators"] == ["reflect"]
    picked = pick_by_val(results["front"])
    assert picked is not None and picked["key"] == "b"  # same val quality, faster; its test score is worse
    assert pick_by_val([]) is None

    report = {
        "seed_recipe": seed().model_dump(mode="json"),
        "seed_test": {"objectives": {"quality": 0.5, "latency_p50": 1.0, "tokens": 50.0}},
        "ours": {"front": front},
        "gepa": {"best_prompt": GOOD, "best_val_quality": 1.0, "val_quality": [0.25, 1.0], "test": {"objectives": {}}},
    }
    rows = comparison_rows(report)
    assert [r["recipe"] for r in rows] == [
        "seed",
        "front 0 g0",
        "front 1 g2 (ours: best val)",
        "front 2 g0",
        "GEPA best (by val)",
    ]
    assert rows[0]["val_quality"] == 0.25 and rows[0]["test"]["quality"] == 0.5
    assert rows[-1]["prompt_chars"] == len(GOOD) and rows[-1]["mode"] == "rag_only"


def test_a_gepa_only_sitting_compares_the_seed_and_gepa() -> None:
    """`--no-ours`: no run of ours in the results, so its rows are left out, not an error."""
    report = {
        "seed_recipe": seed().model_dump(mode="json"),
        "seed_test": {"objectives": {"quality": 0.5, "latency_p50": 1.0, "tokens": 50.0}},
        "gepa": {"best_prompt": GOOD, "best_val_quality": 1.0, "val_quality": [0.25, 1.0], "test": {"objectives": {}}},
    }
    rows = comparison_rows(report)
    assert [r["recipe"] for r in rows] == ["seed", "GEPA best (by val)"]
    assert rows[0]["val_quality"] == 0.25


def test_the_two_halves_cannot_both_be_left_out() -> None:
    assert parse_args(["--no-ours"]).no_ours and parse_args(["--no-gepa"]).no_gepa
    with pytest.raises(SystemExit):
        parse_args(["--no-ours", "--no-gepa"])


def test_the_start_body_lets_the_budget_stop_the_run_and_seeds_the_recipe() -> None:
    args = argparse.Namespace(task="python_docs_qa_quick", budget=20, population=4, islands=1, seed=3, index="idx")
    args.run_timeout_s = 100.0
    body = start_body(args, seed(), "smollm2:135m")
    assert body["budget"] == {"metric_calls": 20, "wall_time_s": 100.0}
    assert body["generations"] >= 1000 and body["patience"] >= 1000
    assert body["space"] == {"models": ["smollm2:135m"], "indexes": ["idx"]}
    assert Recipe.model_validate(body["seeds"][0]) == seed()
