"""The island engine on a scripted recipe task: cascade, the evaluation cache and resume from a
checkpoint, split discipline, LLM prompt variation, migration."""

from __future__ import annotations

import asyncio
import json

import pytest

from actors.evolution.island import Island
from actors.evolution.migration import ring_migration
from actors.evolution.objectives import SplitError, aggregate
from protocols.evolution import IslandState, Operator, Recipe, RunConfig, Split
from tests.fakes.evolution_tasks import KEYWORDS, KeywordTask, prompt_model

SEED = Recipe(model="m", system_prompt="answer", max_tokens=128)


def config(**kw: object) -> RunConfig:
    base: dict[str, object] = {
        "task": "keywords",
        "objectives": ["quality", "tokens"],
        "space": {"kind": "recipe", "models": ["m"], "max_tokens": {"low": 64, "high": 256}},
        "seeds": [SEED.model_dump()],
        "population_size": 6,
        "generations": 5,
        "seed": 7,
        "text": {"reflect_rate": 0.6, "crossover_rate": 0.3, "minibatch_size": 3},
    }
    base.update(kw)
    return RunConfig.model_validate(base)


def test_cascade_keeps_low_children_off_the_full_val_set() -> None:
    task = KeywordTask()
    # reflection off: prompts never gain a keyword, so every child scores 0 on the minibatch
    island = Island(config(cascade={"minibatch_size": 2, "threshold": 0.5}, text={"reflect_rate": 0.0}), task)
    asyncio.run(island.step())  # the first generation is evaluated in full
    first_keys = {m.key for m in island.members}
    asyncio.run(island.step())
    assert island.culled, "children below the threshold are culled"
    for culled in island.culled:
        full = [ex for key, split, ex in task.calls if key == culled.key and split is Split.VAL]
        assert all(set(ex) <= set(island.minibatch) for ex in full), "a culled child reached the full val set"
        assert culled.key not in {m.key for m in island.members}
    assert island.members and all(m.key in first_keys or m.objectives for m in island.members)


def test_resume_from_a_checkpoint_recomputes_nothing() -> None:
    straight_task = KeywordTask()
    straight = Island(config(), straight_task, model=prompt_model())

    async def generations(island: Island, n: int) -> None:
        for _ in range(n):
            await island.step()

    asyncio.run(generations(straight, 3))

    task = KeywordTask()
    island = Island(config(), task, model=prompt_model())
    asyncio.run(generations(island, 2))
    asyncio.run(island.vary())
    after_vary = IslandState.model_validate(json.loads(island.checkpoint().model_dump_json()))  # through JSON
    asyncio.run(island.evaluate())  # then the island is killed before it survives; its evaluations were stored
    stored = island.evaluations.cache.dump()
    computed_before = task.computed()

    resumed = Island.from_checkpoint(config(), task, after_vary, evaluations=stored, model=prompt_model())
    assert [m.key for m in resumed.pending] == [m.key for m in after_vary.pending]
    asyncio.run(resumed.evaluate())
    resumed.survive()
    assert task.computed() == computed_before, "the resumed generation evaluated something again"
    assert resumed.generation == straight.generation == 3
    assert [m.key for m in resumed.members] == [m.key for m in straight.members]
    keys = [(k, s, e) for k, s, ex in task.calls for e in ex]
    assert len(keys) == len(set(keys)), "an evaluation was computed twice"


def test_split_discipline() -> None:
    task = KeywordTask()
    model = prompt_model()
    island = Island(config(generations=3), task, model=model)
    for _ in range(3):
        asyncio.run(island.step())
    splits = {split for _, split, _ in task.calls}
    assert Split.TEST not in splits, "the island read test"
    assert Split.TRAIN in splits  # reflection
    train = set(task.examples(Split.TRAIN))
    reflections = [p for p in model.prompts if "how the assistant did" in p]
    assert reflections
    for prompt in reflections:
        assert "Input val-" not in prompt and "Input test-" not in prompt
        assert any(f"Input {e}" in prompt for e in train) or "(no feedback)" in prompt
    train_evals = [e for e in island.evaluations.cache.dump() if e.split is Split.TRAIN]
    with pytest.raises(SplitError):
        aggregate(train_evals, island.objectives)


def test_reflection_and_crossover_improve_the_prompt() -> None:
    task = KeywordTask()
    model = prompt_model()
    island = Island(config(generations=6, population_size=6), task, model=model)
    start = None
    for _ in range(6):
        progress = asyncio.run(island.step())
        start = progress.best["quality"] if start is None else start
    assert start == 0.0  # the seed prompt has no keyword
    assert progress.best["quality"] > 0.5
    best = max(island.members, key=lambda m: m.objectives["quality"])
    assert isinstance(best.genome, Recipe) and any(w in best.genome.system_prompt.split() for w in KEYWORDS)
    operators = {op for m in island.members for op in m.lineage.operators}
    assert Operator.REFLECT in operators
    assert island.text_metrics.calls == len(model.prompts) and island.text_metrics.calls > 0
    assert island.text_metrics.fallbacks == 0


def test_text_variation_is_bounded_and_falls_back() -> None:
    from tests.fakes.reasoning_models import ScriptedModel

    task = KeywordTask()
    island = Island(config(text={"reflect_rate": 1.0, "max_prompt_chars": 100}), task, model=ScriptedModel([], ""))
    asyncio.run(island.step())
    children = asyncio.run(island.vary())
    assert island.text_metrics.fallbacks == island.text_metrics.calls > 0  # empty replies: the parent's prompt
    assert all(isinstance(c.genome, Recipe) and c.genome.system_prompt == "answer" for c in children)
    long = ScriptedModel([("improved version", lambda p: "```\n" + "x " * 500 + "\n```")])
    island = Island(config(text={"reflect_rate": 1.0, "max_prompt_chars": 100}), KeywordTask(), model=long)
    asyncio.run(island.step())
    children = asyncio.run(island.vary())
    assert all(isinstance(c.genome, Recipe) and len(c.genome.system_prompt) <= 100 for c in children)


def test_ring_migration_moves_the_best_with_their_evaluations() -> None:
    cfg = config(islands=3, population_size=6, migration_rate=0.34, text={"reflect_rate": 0.0})
    tasks = [KeywordTask() for _ in range(3)]
    islands = [Island(cfg, tasks[i], index=i) for i in range(3)]
    for island in islands:
        asyncio.run(island.step())
    best = [island.emigrants(0.34)[0] for island in islands]
    assert all(len(b) == 2 for b in best)
    computed = [t.computed() for t in tasks]
    moved = ring_migration(islands, 0.34)
    assert moved == 6
    for i, island in enumerate(islands):
        incoming = {m.key for m in best[(i - 1) % 3]}
        keys = {m.key for m in island.members}
        for key in incoming & keys:
            member = next(m for m in island.members if m.key == key)
            assert member.lineage.island == (i - 1) % 3
        for key in incoming:  # the receiving island has their val evaluations
            assert island.evaluations.cache.of(key, "keywords", Split.VAL)
        assert len(island.members) == 6
    assert [t.computed() for t in tasks] == computed  # migration computes nothing


def test_a_generation_stops_at_its_limit_and_drops_what_did_not_fit() -> None:
    task = KeywordTask()
    island = Island(
        config(text={"reflect_rate": 0.6, "crossover_rate": 0.3, "minibatch_size": 3}), task, model=prompt_model()
    )
    asyncio.run(island.step())
    made = island.counters.computed
    val = len(island.val)
    # room for one more child's full evaluation, and a little: never enough for a second
    limit = made + val + 1
    progress = asyncio.run(island.step(limit=limit))
    assert made < island.counters.computed == task.computed() <= limit
    assert progress.refused > 0, "children that did not fit were refused, not evaluated in part"
    assert all(m.objectives for m in island.members), "no member was kept unscored"
    # the limit held for that generation only
    assert island.evaluations.limit is None
    assert island.checkpoint().refused == progress.refused
