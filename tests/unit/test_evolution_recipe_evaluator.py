"""The recipe evaluator (actors/evolution/recipe_evaluator.py) and the evaluation tasks
(actors/evolution/tasks.py) with scripted models: splits, metrics, genes reaching the pipeline."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest

from actors.evolution.island import Island
from actors.evolution.recipe_evaluator import RecipeEvaluator, request_for
from actors.evolution.tasks import Game24Evaluation, QuestionEvaluation, load_task, load_task_specs
from configs.settings import PROJECT_ROOT
from protocols.evolution import Recipe, RecipeSpace, RunConfig, Split
from protocols.reasoning import Completion, ReasoningConfig, ReasoningMode, TaskKind

ROWS = [{"id": f"q{i}", "question": f"Which module has thing {i}?", "answers": [f"mod{i}"]} for i in range(12)]
PUZZLES = [[1, 1, 4, 6], [1, 1, 11, 11], [1, 2, 3, 4], [2, 3, 4, 5], [4, 4, 6, 8], [1, 3, 4, 6]]


class EchoModel:
    """Answers with every gold-looking word it is shown when the system prompt says "cheat",
    else a wrong word; records what it was asked."""

    def __init__(self, system: str) -> None:
        self.system = system
        self.calls: list[tuple[str, int]] = []

    async def generate(
        self,
        prompt: str,
        n: int = 1,
        temperature: float = 0.7,
        max_tokens: int = 256,
        stop: Sequence[str] | None = None,
    ) -> list[Completion]:
        self.calls.append((prompt, max_tokens))
        number = prompt.split("thing ")[-1].split("?")[0] if "thing " in prompt else "?"
        text = f"It is mod{number}." if "cheat" in self.system else "I do not know."
        return [Completion(text=text, prompt_tokens=10, completion_tokens=5) for _ in range(n)]


class Game24Model:
    async def generate(
        self,
        prompt: str,
        n: int = 1,
        temperature: float = 0.7,
        max_tokens: int = 256,
        stop: Sequence[str] | None = None,
    ) -> list[Completion]:
        text = "Answer: 6 * 4 * 1 * 1 = 24"
        return [Completion(text=text, prompt_tokens=3, completion_tokens=4)]


class BrokenModel:
    async def generate(self, *args: object, **kwargs: object) -> list[Completion]:
        raise ConnectionError("worker gone")


def qa_task() -> QuestionEvaluation:
    return QuestionEvaluation("qa", ROWS, 3, {Split.TRAIN: 4, Split.VAL: 4, Split.TEST: 4})


def test_splits_are_disjoint_and_fixed() -> None:
    task = qa_task()
    ids = {split: [e.id for e in task.examples(split)] for split in Split}
    assert all(len(v) == 4 for v in ids.values())
    assert len(set(ids[Split.TRAIN]) | set(ids[Split.VAL]) | set(ids[Split.TEST])) == 12
    assert ids == {split: [e.id for e in qa_task().examples(split)] for split in Split}


def test_configured_tasks_load() -> None:
    specs = load_task_specs(PROJECT_ROOT / "configs" / "evolution_tasks.yaml")
    qa = load_task("python_docs_qa", specs["python_docs_qa"], PROJECT_ROOT)
    assert len(qa.examples(Split.VAL)) == specs["python_docs_qa"].splits[Split.VAL]
    game24_file = PROJECT_ROOT / specs["game24"].path
    if Path(game24_file).resolve().is_file():
        game24 = load_task("game24", specs["game24"], PROJECT_ROOT)
        assert game24.reasoning_task is TaskKind.GAME24 and len(game24.examples(Split.TEST)) == 50


def test_quality_latency_tokens_and_feedback() -> None:
    models: list[EchoModel] = []

    def model_for(name: str, system: str) -> EchoModel:
        models.append(EchoModel(system))
        return models[-1]

    evaluator = RecipeEvaluator(qa_task(), model_for, ReasoningConfig(), concurrency=2)
    val = evaluator.examples(Split.VAL)
    good = Recipe(model="m", system_prompt="cheat", max_tokens=33)
    bad = Recipe(model="m", system_prompt="be honest")
    got = asyncio.run(evaluator.evaluate(good, "g", Split.VAL, val))
    assert [e.example for e in got] == val and all(e.score == 1.0 for e in got)
    assert all(e.tokens == 15 and e.latency_s >= 0 and e.task == "qa" for e in got)
    assert models[0].calls[0][1] == 33  # max_tokens gene reached the direct answer
    worse = asyncio.run(evaluator.evaluate(bad, "b", Split.VAL, val[:2]))
    assert all(e.score == 0.0 for e in worse)
    assert "Expected the answer to contain: mod" in (worse[0].feedback or "")


def test_game24_checker_scores() -> None:
    task = Game24Evaluation("g24", PUZZLES, 0, {Split.VAL: 6})
    evaluator = RecipeEvaluator(task, lambda name, system: Game24Model(), ReasoningConfig())
    got = asyncio.run(evaluator.evaluate(Recipe(model="m"), "k", Split.VAL, ["1 1 4 6", "1 2 3 4"]))
    assert [e.score for e in got] == [1.0, 0.0]
    assert "Checker:" in (got[1].feedback or "")


def test_failure_is_a_zero_score_not_a_crash() -> None:
    evaluator = RecipeEvaluator(qa_task(), lambda name, system: BrokenModel(), ReasoningConfig())
    got = asyncio.run(evaluator.evaluate(Recipe(model="m"), "k", Split.TRAIN, evaluator.examples(Split.TRAIN)[:1]))
    assert got[0].score == 0.0 and "worker gone" in (got[0].feedback or "")


def test_unknown_example_is_refused() -> None:
    evaluator = RecipeEvaluator(qa_task(), lambda name, system: EchoModel(""), ReasoningConfig())
    with pytest.raises(KeyError):
        asyncio.run(evaluator.evaluate(Recipe(model="m"), "k", Split.VAL, ["nope"]))


def test_request_carries_the_genes() -> None:
    task = qa_task()
    recipe = Recipe.model_validate(
        {"model": "m", "reasoning": {"mode": "tot_only", "beam_width": 2, "samples": 4}, "temperature": 0.3}
    )
    request = request_for(recipe, task, task.examples(Split.VAL)[0], ReasoningConfig())
    assert request.mode is ReasoningMode.TOT_ONLY and request.tot is not None
    assert (request.tot.beam_width, request.tot.n_generate_sample, request.tot.temperature) == (2, 4, 0.3)


def test_an_island_evolves_recipes_through_it() -> None:
    evaluator = RecipeEvaluator(qa_task(), lambda name, system: EchoModel(system), ReasoningConfig())
    config = RunConfig(
        task="qa",
        objectives=["quality", "tokens"],
        space=RecipeSpace(models=["m"]),
        seeds=[Recipe(model="m", system_prompt="cheat"), Recipe(model="m", system_prompt="x")],
        population_size=4,
        generations=2,
    )
    island = Island(config, evaluator)
    asyncio.run(island.step())
    asyncio.run(island.step())
    assert island.generation == 2
    assert island.progress().best["quality"] == 1.0
