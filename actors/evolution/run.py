"""A run: the global Pareto front over the islands, the migration schedule, the stopping rules.

RunCoordinator is the run actor's engine: it reads the islands' progress reports and decides
(migrate? stop, and why?) and it holds nothing an island report cannot rebuild, except the
hypervolume history patience reads (which is data too). LocalRun drives islands in-process
with it: the unit tests and the ZDT bench's pymoo comparison use it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence

import numpy as np
from pydantic import BaseModel, Field
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

from protocols.evolution import (
    HeldOutReport,
    IslandProgress,
    Member,
    RunConfig,
    RunProgress,
    RunStatus,
    Split,
    StopReason,
)

from .evaluation import Evaluations
from .island import Island
from .migration import migration_due, ring_migration
from .objectives import aggregate, best, hypervolume, minimisation_matrix
from .ports import EvaluationSink, Evaluator, ModelClient


class CoordinatorState(BaseModel):
    generation: int = 0
    history: list[float] = Field(default_factory=list)  # global hypervolume after each generation
    best_hypervolume: float = 0.0
    stale: int = 0  # generations since the hypervolume last improved
    elapsed_s: float = 0.0  # before this process's start (resumed runs)
    stop_reason: StopReason | None = None
    user_stop: bool = False


def global_front(members: Sequence[Member], config: RunConfig) -> list[Member]:
    """The non-dominated members of all the islands' fronts (pymoo's non-dominated sorting)."""
    unique = list({m.key: m for m in members}.values())
    if not unique:
        return []
    F = minimisation_matrix(unique, config.objectives)
    first = NonDominatedSorting().do(F, only_non_dominated_front=True)
    return [unique[int(i)] for i in np.atleast_1d(first)]


class RunCoordinator:
    def __init__(
        self,
        config: RunConfig,
        state: CoordinatorState | None = None,
        clock: Callable[[], float] = time.monotonic,
        improvement: float = 1e-9,
    ) -> None:
        self.config = config
        self.state = state or CoordinatorState()
        self.clock = clock
        self.improvement = improvement
        self.started = clock()
        self.islands: dict[int, IslandProgress] = {}

    def record(self, progress: IslandProgress) -> None:
        self.islands[progress.island] = progress

    def front(self) -> list[Member]:
        return global_front([m for p in self.islands.values() for m in p.front], self.config)

    def evaluations(self) -> int:
        return sum(p.evaluations for p in self.islands.values())

    def refused(self) -> int:
        return sum(p.refused for p in self.islands.values())

    def limits(self) -> list[int | None]:
        """Each island's limit on its metric calls for the next generation: what it has made
        plus its share of what the budget has left (the remainder to the first islands), so
        the islands together never pass the budget."""
        calls = self.config.budget.metric_calls
        n = self.config.islands
        if calls is None:
            return [None] * n
        share, extra = divmod(max(0, calls - self.evaluations()), n)
        made = {i: p.evaluations for i, p in self.islands.items()}
        return [made.get(i, 0) + share + (1 if i < extra else 0) for i in range(n)]

    def elapsed(self) -> float:
        return self.state.elapsed_s + (self.clock() - self.started)

    def end_generation(self, generation: int) -> StopReason | None:
        """All islands reported `generation`: update the history, then the stopping rules."""
        self.state.generation = generation
        volume = hypervolume(self.front(), self.config.objectives)
        self.state.history.append(volume)
        if volume > self.state.best_hypervolume + self.improvement:
            self.state.best_hypervolume = volume
            self.state.stale = 0
        else:
            self.state.stale += 1
        self.state.stop_reason = self.stop_reason()
        return self.state.stop_reason

    def migration_due(self) -> bool:
        return migration_due(self.state.generation, self.config.migration_interval, self.config.islands)

    def stop(self) -> None:
        """A user's stop: the run ends after the generation under way."""
        self.state.user_stop = True

    def stop_reason(self) -> StopReason | None:
        budget = self.config.budget
        if self.state.user_stop:
            return StopReason.USER
        if budget.metric_calls is not None and (self.evaluations() >= budget.metric_calls or self.refused()):
            # spent, or what is left is too little for an evaluation an island needed
            return StopReason.METRIC_CALLS
        if budget.wall_time_s is not None and self.elapsed() >= budget.wall_time_s:
            return StopReason.WALL_TIME
        if self.config.patience is not None and self.state.stale >= self.config.patience:
            return StopReason.PATIENCE
        if self.state.generation >= self.config.generations:
            return StopReason.GENERATIONS
        return None

    def progress(self, status: RunStatus = RunStatus.RUNNING) -> RunProgress:
        front = self.front()
        islands = [self.islands[i] for i in sorted(self.islands)]
        return RunProgress(
            generation=self.state.generation,
            status=status,
            stop_reason=self.state.stop_reason,
            hypervolume=hypervolume(front, self.config.objectives),
            front=front,
            best=best([m for p in islands for m in p.front], self.config.objectives),
            diversity=float(np.mean([p.diversity for p in islands])) if islands else 0.0,
            evaluations=self.evaluations(),
            elapsed_s=self.elapsed(),
            islands=islands,
        )


ProgressCallback = Callable[[RunProgress], Awaitable[None]]


class LocalRun:
    """Islands and their coordinator in one process (no actors): generations run the islands
    concurrently, then migrate on schedule, until a stopping rule fires."""

    def __init__(
        self,
        config: RunConfig,
        evaluator: Evaluator,
        *,
        model: ModelClient | None = None,
        sink: EvaluationSink | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.evaluator = evaluator
        self.islands = [Island(config, evaluator, index=i, model=model, sink=sink) for i in range(config.islands)]
        self.coordinator = RunCoordinator(config, clock=clock)

    async def run(self, on_progress: ProgressCallback | None = None) -> RunProgress:
        while True:
            limits = self.coordinator.limits()
            reports = await asyncio.gather(
                *(island.step(limit) for island, limit in zip(self.islands, limits, strict=True))
            )
            for report in reports:
                self.coordinator.record(report)
            reason = self.coordinator.end_generation(self.islands[0].generation)
            if reason is None and self.coordinator.migration_due():
                ring_migration(self.islands, self.config.migration_rate)
                for island in self.islands:
                    self.coordinator.record(island.progress())
            status = RunStatus.RUNNING if reason is None else _status(reason)
            progress = self.coordinator.progress(status)
            if on_progress is not None:
                await on_progress(progress)
            if reason is not None:
                return progress

    def stop(self) -> None:
        self.coordinator.stop()


def _status(reason: StopReason) -> RunStatus:
    return RunStatus.STOPPED if reason is StopReason.USER else RunStatus.COMPLETED


async def report_test(front: Sequence[Member], evaluations: Evaluations, config: RunConfig) -> list[HeldOutReport]:
    """The front's objectives on the test split: for the report, never fed back into selection."""
    examples = evaluations.examples(Split.TEST)
    out = []
    for member in front:
        if not examples:
            break
        got = await evaluations.run(member.genome, member.key, Split.TEST, examples)
        out.append(HeldOutReport(key=member.key, objectives=aggregate(got, config.objectives, split=Split.TEST)))
    return out
