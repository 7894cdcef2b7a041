"""The run coordinator: stopping rules (generations, metric calls, wall time, patience, user),
the global front, migration on schedule, the test split reported only."""

from __future__ import annotations

import asyncio

from actors.evolution.evaluation import Evaluations
from actors.evolution.run import LocalRun, RunCoordinator, global_front, report_test
from protocols.evolution import (
    IslandProgress,
    Member,
    Operator,
    RealVector,
    Recipe,
    RunConfig,
    RunProgress,
    RunStatus,
    Split,
    StopReason,
)
from tests.fakes.evolution_tasks import KeywordTask, prompt_model

SEED = Recipe(model="m", system_prompt="answer", max_tokens=128)


def config(**kw: object) -> RunConfig:
    base: dict[str, object] = {
        "task": "keywords",
        "objectives": ["quality", "tokens"],
        "space": {"kind": "recipe", "models": ["m"], "max_tokens": {"low": 64, "high": 256}},
        "seeds": [SEED.model_dump()],
        "population_size": 4,
        "generations": 4,
        "seed": 3,
    }
    base.update(kw)
    return RunConfig.model_validate(base)


def test_stops_after_the_generations() -> None:
    progress = asyncio.run(LocalRun(config(islands=2), KeywordTask(), model=prompt_model()).run())
    assert progress.status is RunStatus.COMPLETED and progress.stop_reason is StopReason.GENERATIONS
    assert progress.generation == 4 and len(progress.islands) == 2
    assert progress.front and progress.hypervolume > 0


def test_stops_on_the_metric_call_budget() -> None:
    task = KeywordTask()
    progress = asyncio.run(LocalRun(config(generations=50, budget={"metric_calls": 60}), task).run())
    assert progress.stop_reason is StopReason.METRIC_CALLS
    assert progress.evaluations == task.computed() >= 60
    assert progress.generation < 50


def test_stops_on_wall_time_with_a_given_clock() -> None:
    now = [0.0]

    def clock() -> float:
        now[0] += 10.0  # each reading: ten seconds later
        return now[0]

    run = LocalRun(config(generations=50, budget={"wall_time_s": 35}), KeywordTask(), clock=clock)
    progress = asyncio.run(run.run())
    assert progress.stop_reason is StopReason.WALL_TIME and progress.generation < 50


def test_stops_without_improvement_after_patience() -> None:
    # no text variation: quality stays 0 and only the token objective can improve, soon it cannot
    progress = asyncio.run(LocalRun(config(generations=200, patience=3), KeywordTask()).run())
    assert progress.stop_reason is StopReason.PATIENCE and progress.generation < 200


def test_a_user_stop_ends_after_the_generation_under_way() -> None:
    run = LocalRun(config(generations=50), KeywordTask())
    seen: list[RunProgress] = []

    async def on_progress(progress: RunProgress) -> None:
        seen.append(progress)
        if progress.generation == 2:
            run.stop()

    progress = asyncio.run(run.run(on_progress))
    assert progress.status is RunStatus.STOPPED and progress.stop_reason is StopReason.USER
    assert progress.generation == 3 and [p.generation for p in seen] == [1, 2, 3]


def test_migration_happens_every_m_generations() -> None:
    cfg = config(islands=2, generations=5, migration_interval=2, migration_rate=0.5)
    run = LocalRun(cfg, KeywordTask(), model=prompt_model())
    moves: list[int] = []
    original = run.islands[0].immigrate

    def counted(members: list[Member], evaluations: object) -> None:
        moves.append(run.islands[1].generation)
        original(members, evaluations)  # type: ignore[arg-type]

    run.islands[0].immigrate = counted  # type: ignore[method-assign]
    asyncio.run(run.run())
    assert moves == [2, 4]  # after generations 2 and 4, not after the last (5)
    migrants = [m for island in run.islands for m in island.members if Operator.MIGRANT in m.lineage.operators]
    assert migrants, "no migrant survived on its new island"


def _member(key: str, q: float, tokens: float) -> Member:
    return Member(key=key, genome=RealVector(x=[0.0]), objectives={"quality": q, "tokens": tokens})


def test_global_front_and_patience_rebuild_from_reports() -> None:
    cfg = config(patience=2)
    front = global_front([_member("a", 0.5, 100), _member("b", 0.4, 50), _member("c", 0.3, 200)], cfg)
    assert {m.key for m in front} == {"a", "b"}
    coordinator = RunCoordinator(cfg)
    for island, members in enumerate([[_member("a", 0.5, 100)], [_member("b", 0.4, 50)]]):
        coordinator.record(
            IslandProgress(
                island=island,
                generation=1,
                population=1,
                hypervolume=0.0,
                front=members,
                best={},
                diversity=0.0,
                evaluations=5,
                cache_hits=0,
                culled=0,
            )
        )
    assert coordinator.end_generation(1) is None
    assert {m.key for m in coordinator.front()} == {"a", "b"} and coordinator.evaluations() == 10
    assert coordinator.end_generation(2) is None  # stale 1
    assert coordinator.end_generation(3) is StopReason.PATIENCE  # stale 2
    rebuilt = RunCoordinator(cfg, state=coordinator.state.model_copy(deep=True))
    assert rebuilt.state.stale == 2 and rebuilt.state.history == coordinator.state.history


def test_test_split_is_reported_not_selected_on() -> None:
    task = KeywordTask()
    run = LocalRun(config(), task, model=prompt_model())
    progress = asyncio.run(run.run())
    assert not [c for c in task.calls if c[1] is Split.TEST]
    reports = asyncio.run(report_test(progress.front, Evaluations(task), run.config))
    assert len(reports) == len(progress.front)
    tested = {key for key, split, _ in task.calls if split is Split.TEST}
    assert tested == {m.key for m in progress.front}
    assert all(0.0 <= r.objectives["quality"] <= 1.0 for r in reports)
