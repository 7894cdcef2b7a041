"""A run's coordinator, `evolution/<run>`, a child of `supervisor/evolution-runs`.

It drives the islands `population/<run>.<i>` (children of `supervisor/populations`, started
here when missing) one generation at a time: all islands evolve generation g at once, then
the coordinator (run.py's RunCoordinator) updates the global front, the hypervolume history
and the stopping rules (generations, budget, patience, a user's stop), migrates on schedule
(ring, every M generations), records the progress in PostgreSQL and publishes
`evolution_progress` on `evolution.<run>`. At the end the front is scored on the test split,
the outcome recorded once and published as `evolution_complete`, and the manager is told.

An island killed mid-generation is restarted by its supervisor; the coordinator asks it
again (`generation` is idempotent) and it resumes from its checkpoint. A restarted
coordinator reads its state (history, patience, elapsed time) from the run's row and
rebuilds the front from the islands, which resume from theirs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from actors.evolution import sql
from actors.evolution.migration import migration_due
from actors.evolution.platform import PYMOO_PREFIX
from actors.evolution.run import CoordinatorState, RunCoordinator
from actors.store.database import Database
from actors.store.pool import open_store_pool
from configs.settings import get_settings
from protocols.addresses import EVOLUTION_MANAGER, POPULATIONS_SUPERVISOR, population_address
from protocols.errors import ActorUnavailable, DatabaseUnavailable
from protocols.evolution import HeldOutReport, IslandProgress, RunConfig, RunProgress, RunStatus, StopReason
from protocols.rest_evolution import run_topic
from supervisors.actor import SupervisedActor, after_start, tool
from supervisors.refs import current_namespace

log = logging.getLogger(__name__)


class RunGone(RuntimeError):
    """The run's row is missing: this coordinator has nothing to run."""


def complete_event(run_id: str, status: RunStatus, progress: RunProgress | None, error: str | None) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "status": status.value,
        "stop_reason": progress.stop_reason.value if progress and progress.stop_reason else None,
        "error": error,
        "progress": progress.model_dump(mode="json") if progress else None,
    }


class RunActor(SupervisedActor):
    def __init__(self, address: str, run_id: str) -> None:
        super().__init__(address)
        self.run_id = run_id
        self.settings = get_settings()
        s = self.settings.supervision
        self._pool_timeout_s = s.shutdown_timeout_s + s.start_timeout_s + 10.0
        self.db: Database | None = None
        self.config: RunConfig | None = None
        self.coordinator: RunCoordinator | None = None
        self._runner: asyncio.Task[None] | None = None
        self._finished = asyncio.Event()

    # ---- lifetime ------------------------------------------------------------------

    async def on_start(self) -> None:
        self.db = await open_store_pool(self.settings, current_namespace(), max_size=2)
        row = await sql.run_row(self.db, self.run_id)
        if row is None:
            raise RunGone(f"evolution run {self.run_id} is not recorded")
        if row["status"] != RunStatus.RUNNING.value:
            self._finished.set()
            self._tell_manager()
            return
        self.config = RunConfig.model_validate(row["config"])
        state = CoordinatorState.model_validate(row["coordinator"]) if row["coordinator"] else None
        if state is not None:
            await sql.count_restart(self.db, self.run_id)
        self.coordinator = RunCoordinator(self.config, state)
        if row["stop_asked"]:
            self.coordinator.stop()
        self._runner = asyncio.create_task(self._run())

    async def on_stop(self) -> None:
        if self._runner is not None and not self._runner.done():
            self._runner.cancel()  # the run stays `running` in the store and resumes at the next start
            with contextlib.suppress(BaseException):
                await self._runner
        db, self.db = self.db, None
        if db is not None:
            await db.close()

    @property
    def _db(self) -> Database:
        if self.db is None:
            raise RuntimeError(f"{self.address} is not started")
        return self.db

    # ---- the islands ----------------------------------------------------------------

    async def _ensure_island(self, index: int) -> None:
        pool = self.ref(POPULATIONS_SUPERVISOR)
        address = population_address(self.run_id, index)
        if not await pool.call("has_child", address, timeout_s=10.0, idempotent=True):
            with contextlib.suppress(Exception):  # started meanwhile by a concurrent caller
                await pool.call("start_child", address, [self.run_id, index], timeout_s=self._pool_timeout_s)

    async def _island(self, index: int, method: str, *args: Any) -> Any:
        """`method` on island `index`, asked again while the island is restarting (its methods
        are safe to repeat); any other failure is the run's."""
        address = population_address(self.run_id, index)
        deadline = time.monotonic() + self.settings.evolution.generation_timeout_s
        while True:
            await self._ensure_island(index)
            left = deadline - time.monotonic()
            try:
                return await self.ref(address).call(method, *args, timeout_s=max(1.0, left), idempotent=True)
            except (ActorUnavailable, DatabaseUnavailable) as exc:
                # the island restarting, or the store: nothing half-done stays (its methods are
                # safe to repeat), so ask again
                if time.monotonic() >= deadline:
                    raise
                log.warning("%s: %s: %s; asking again", self.address, address, exc.message)
                await asyncio.sleep(1.0)

    async def _all(self, method: str, *args: Any) -> list[Any]:
        assert self.config is not None
        return list(await asyncio.gather(*(self._island(i, method, *args) for i in range(self.config.islands))))

    async def _generation(self, target: int) -> list[Any]:
        """Every island evolves generation `target`, each within its share of the budget left."""
        assert self.coordinator is not None
        limits = self.coordinator.limits()
        return list(await asyncio.gather(*(self._island(i, "generation", target, lim) for i, lim in enumerate(limits))))

    # ---- the run ---------------------------------------------------------------------

    async def _run(self) -> None:
        assert self.coordinator is not None and self.config is not None
        coordinator, config = self.coordinator, self.config
        progress: RunProgress | None = None
        try:
            # rebuild the front from the islands (they resume from their checkpoints)
            if coordinator.state.generation > 0:
                for report in await self._all("generation", coordinator.state.generation):
                    coordinator.record(IslandProgress.model_validate(report))
            while True:
                if await self._stop_asked():
                    coordinator.stop()
                target = coordinator.state.generation + 1
                reason = coordinator.stop_reason() if coordinator.state.user_stop else None
                if reason is None:
                    for report in await self._generation(target):
                        coordinator.record(IslandProgress.model_validate(report))
                    if await self._stop_asked():
                        coordinator.stop()
                    reason = coordinator.end_generation(target)
                    if reason is None and migration_due(target, config.migration_interval, config.islands):
                        await self._migrate()
                else:
                    coordinator.state.stop_reason = reason
                status = RunStatus.RUNNING if reason is None else _status(reason)
                progress = coordinator.progress(status)
                state = coordinator.state.model_copy(update={"elapsed_s": coordinator.elapsed()})
                await sql.record_progress(self._db, self.run_id, progress, state.model_dump(mode="json"))
                data = {"run_id": self.run_id, "progress": progress.model_dump(mode="json")}
                await self.publish_in_order(run_topic(self.run_id), "evolution_progress", data)
                if reason is not None:
                    break
            test = await self._test(progress)
            if await sql.finish_run(self._db, self.run_id, progress.status, progress.stop_reason, None, test):
                event = complete_event(self.run_id, progress.status, progress, None)
                await self.publish_in_order(run_topic(self.run_id), "evolution_complete", event)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("%s: the run failed", self.address)
            error = f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"
            with contextlib.suppress(Exception):
                if await sql.finish_run(self._db, self.run_id, RunStatus.FAILED, None, error):
                    event = complete_event(self.run_id, RunStatus.FAILED, progress, error)
                    await self.publish_in_order(run_topic(self.run_id), "evolution_complete", event)
        self._finished.set()
        self._tell_manager()

    async def _stop_asked(self) -> bool:
        row = await sql.run_row(self._db, self.run_id)
        return bool(row and row["stop_asked"])

    async def _migrate(self) -> None:
        """Ring migration: all islands' emigrants leave before any arrive."""
        assert self.config is not None and self.coordinator is not None
        outgoing = await self._all("emigrants", self.config.migration_rate)
        n = self.config.islands
        arrivals = [
            self._island((i + 1) % n, "immigrate", out["members"], out["evaluations"]) for i, out in enumerate(outgoing)
        ]
        for report in await asyncio.gather(*arrivals):
            self.coordinator.record(IslandProgress.model_validate(report))

    async def _test(self, progress: RunProgress) -> list[HeldOutReport]:
        """The front on the held-out test split (a function has none: pymoo runs skip it)."""
        assert self.config is not None
        if self.config.task.startswith(PYMOO_PREFIX) or not progress.front:
            return []
        members = [m.model_dump(mode="json") for m in progress.front]
        reports = await self._island(0, "report_test", members)
        return [HeldOutReport.model_validate(r) for r in reports]

    def _tell_manager(self) -> None:
        self.ref(EVOLUTION_MANAGER).tell("run_finished", self.run_id)

    # ---- for the manager ----------------------------------------------------------------

    @after_start
    async def stop(self) -> dict[str, Any]:
        """End the run after the generation under way."""
        if self.coordinator is not None:
            self.coordinator.stop()
        return {"run_id": self.run_id, "stopping": not self._finished.is_set()}

    @after_start
    async def wait_finished(self, timeout_s: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._finished.wait(), timeout_s)
        return self._finished.is_set()

    @tool(description="Where this evolution run stands: generation, hypervolume, best per objective, evaluations.")
    async def run_status(self) -> dict[str, Any]:
        await self.started()
        found = await sql.get_run(self._db, self.run_id)
        return found.model_dump(mode="json") if found is not None else {"run_id": self.run_id}


def _status(reason: StopReason) -> RunStatus:
    return RunStatus.STOPPED if reason is StopReason.USER else RunStatus.COMPLETED
