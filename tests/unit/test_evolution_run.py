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


def test_stops_on_the_metric_call_budget_without_passing_it() -> None:
    for islands, calls in ((1, 60), (2, 61), (3, 47)):
        task = KeywordTask()
        run = LocalRun(config(islands=islands, generations=50, budget={"metric_calls": calls}), task)
        progress = asyncio.run(run.run())
        assert progress.stop_reason is StopReason.METRIC_CALLS
        assert progress.evaluations == task.computed() <= calls
        assert progress.generation < 50
        assert progress.front  # what fitted in the budget was kept
        # the held-out report after the run is not held to the budget
        test = asyncio.run(report_test(progress.front, run.islands[0].evaluations, run.config))
        assert len(test) == len(progress.front)


def test_each_island_gets_its_share_of_what_the_budget_has_left() -> None:
    coordinator = RunCoordinator(config(islands=3, budget={"metric_calls": 100}))
    assert coordinator.limits() == [34, 33, 33]
    for island, made in ((0, 20), (1, 10), (2, 0)):
        coordinator.record(_progress(island, made))
    assert coordinator.limits() == [20 + 24, 10 + 23, 0 + 23]  # 70 left
    assert sum(limit or 0 for limit in coordinator.limits()) == 100
    assert RunCoordinator(config(islands=2)).limits() == [None, None]


def _progress(island: int, evaluations: int, refused: int = 0) -> IslandProgress:
    return IslandProgress(
        island=island,
        generation=1,
        population=0,
        hypervolume=0.0,
        front=[],
        best={},
        diversity=0.0,
        evaluations=evaluations,
        cache_hits=0,
        culled=0,
        refused=refused,
    )


def test_a_refused_evaluation_ends_the_run_on_its_budget() -> None:
    coordinator = RunCoordinator(config(islands=2, generations=50, budget={"metric_calls": 100}))
    coordinator.record(_progress(0, 40))
    coordinator.record(_progress(1, 30, refused=0))
    assert coordinator.end_generation(1) is None
    coordinator.record(_progress(1, 55, refused=3))  # 5 left: too few for the evaluation it needed
    assert coordinator.end_generation(2) is StopReason.METRIC_CALLS


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
