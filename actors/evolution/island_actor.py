"""One island of a run, `population/<run>.<i>`, a child of `supervisor/populations`.

The run's coordinator asks it for generations (`generation(target)`: run generations until
`target` is done) and for migrants. A generation is vary, evaluate, survive (island.py); the
island's state goes to PostgreSQL after `vary` and after `survive`, and every evaluation is
stored the moment it is computed. A killed island is started again by its supervisor and
resumes from its checkpoint with the stored evaluations of its members and children, so it
makes the same children and computes nothing it already has. `generation` is idempotent:
the coordinator asks again after a restart, and a generation already done is answered as is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from actors.evolution import sql
from actors.evolution.island import Island
from actors.evolution.platform import StoredEvaluationSink, evaluator_for
from actors.evolution.run import report_test
from actors.models.catalog import chat_address
from actors.reasoning.adapters import RuntimeModel
from actors.store.database import Database
from actors.store.pool import open_store_pool
from configs.settings import get_settings
from protocols.evolution import Evaluation, Member, RecipeSpace, RunConfig, RunStatus, Split
from supervisors.actor import SupervisedActor, after_start, tool
from supervisors.refs import current_namespace
from supervisors.runtime import RayRuntime

log = logging.getLogger(__name__)


class RunGone(RuntimeError):
    """The run's row is missing: this island has nothing to evolve."""


class PopulationActor(SupervisedActor):
    def __init__(self, address: str, run_id: str, index: int) -> None:
        super().__init__(address)
        self.run_id = run_id
        self.index = int(index)
        self.settings = get_settings()
        self.db: Database | None = None
        self.island: Island | None = None
        self.config: RunConfig | None = None
        self.resumed = False
        self._lock = asyncio.Lock()
        self._loaded: set[str] = set()  # genomes whose stored evaluations are in the cache
        self._children: set[str] = set()  # the generation under way's children (preloaded)

    # ---- lifetime ------------------------------------------------------------------

    async def on_start(self) -> None:
        runtime = RayRuntime(current_namespace())
        self.db = await open_store_pool(self.settings, current_namespace(), max_size=2)
        row = await sql.run_row(self.db, self.run_id)
        if row is None:
            raise RunGone(f"evolution run {self.run_id} is not recorded")
        config = self.config = RunConfig.model_validate(row["config"])
        evaluator = evaluator_for(config.task, self.settings, runtime)
        model = None
        if isinstance(config.space, RecipeSpace):
            name = config.space.models[0]
            model = RuntimeModel(runtime, chat_address(self.settings, name), name, task_kind="evolution")
        sink = StoredEvaluationSink(self._store)
        found = await sql.checkpoint(self.db, self.run_id, self.index)
        if found is None:
            self.island = Island(config, evaluator, index=self.index, model=model, sink=sink)
            self.island.evaluations.lookup = self._lookup
            return
        state, _phase = found
        keys = [m.key for m in (*state.members, *state.pending)]
        stored = await sql.evaluations_for(self.db, config.task, keys)
        self._loaded.update(keys)
        self.island = Island.from_checkpoint(config, evaluator, state, evaluations=stored, model=model, sink=sink)
        # what this island computed, stored (its checkpoint's count misses those since)
        self.island.counters.computed = await sql.computed_by(self.db, self.run_id, self.index)
        self.island.evaluations.lookup = self._lookup
        self.resumed = True
        if row["status"] == RunStatus.RUNNING.value:
            await sql.count_island_restart(self.db, self.run_id, self.index)

    async def on_stop(self) -> None:
        db, self.db = self.db, None
        if db is not None:
            await db.close()

    @property
    def _db(self) -> Database:
        if self.db is None:
            raise RuntimeError(f"{self.address} is not started")
        return self.db

    @property
    def _island(self) -> Island:
        if self.island is None:
            raise RuntimeError(f"{self.address} is not started")
        return self.island

    async def _store(self, evaluations: Sequence[Evaluation]) -> None:
        await sql.put_evaluations(self._db, self.run_id, self.index, evaluations)

    async def _lookup(self, key: str, task: str, split: Split, examples: Sequence[str]) -> list[Evaluation]:
        if split is Split.VAL and key in self._children:
            # this generation's own child, its stored evaluations preloaded: only this island
            # evaluates it on val, so the store has nothing more (one query saved per child)
            return []
        return await sql.stored_evaluations(self._db, key, task, split, examples)

    async def _checkpoint(self, phase: str) -> None:
        await sql.save_checkpoint(self._db, self.run_id, self._island.checkpoint(include_evaluations=False), phase)

    async def _preload(self, members: Sequence[Member]) -> None:
        """Stored evaluations of these genomes (any run's, any split) into the cache, once per
        genome: none is computed again (reflection's train, the front's test included)."""
        island = self._island
        keys = [m.key for m in members if m.key not in self._loaded]
        if keys:
            island.evaluations.cache.add(await sql.evaluations_for(self._db, island.evaluations.task, keys))
            self._loaded.update(keys)

    # ---- for the coordinator ------------------------------------------------------------

    @after_start
    async def generation(self, target: int, limit: int | None = None) -> dict[str, Any]:
        """Evolve until `target` generations are done; this island's progress. `limit`: the
        most metric calls this island may have made by then (its share of the run's budget);
        an absolute count, so asking again after a restart asks for the same thing."""
        async with self._lock:
            island = self._island
            while island.generation < target:
                with island.evaluations.limited(limit):
                    if not island.pending:
                        await self._preload(island.members)  # reflection reads their train evaluations
                        await island.vary()
                        await self._checkpoint("varied")
                    await self._preload(island.pending)
                    self._children = {c.key for c in island.pending}
                    await island.evaluate()
                children = list(island.pending)
                island.survive()
                await sql.put_members(self._db, self.run_id, [*children, *island.members])
                await self._checkpoint("survived")
            return island.progress().model_dump(mode="json")

    @after_start
    async def progress(self) -> dict[str, Any]:
        return self._island.progress().model_dump(mode="json")

    @after_start
    async def emigrants(self, rate: float) -> dict[str, Any]:
        async with self._lock:
            members, evaluations = self._island.emigrants(rate)
        return {
            "members": [m.model_dump(mode="json") for m in members],
            "evaluations": [e.model_dump(mode="json") for e in evaluations],
        }

    @after_start
    async def immigrate(self, members: list[dict[str, Any]], evaluations: list[dict[str, Any]]) -> dict[str, Any]:
        async with self._lock:
            island = self._island
            arrivals = [Member.model_validate(m) for m in members]
            island.immigrate(arrivals, [Evaluation.model_validate(e) for e in evaluations])
            await self._preload(arrivals)
            await sql.put_members(self._db, self.run_id, island.members)
            await self._checkpoint("migrated")
            return island.progress().model_dump(mode="json")

    @after_start
    async def report_test(self, members: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The given front members on the test split (stored like any evaluation)."""
        assert self.config is not None
        front = [Member.model_validate(m) for m in members]
        async with self._lock:
            await self._preload(front)
            reports = await report_test(front, self._island.evaluations, self.config)
        return [r.model_dump(mode="json") for r in reports]

    @tool(description="This island's generation, population size, hypervolume and best objectives.")
    async def island_status(self) -> dict[str, Any]:
        await self.started()
        progress = self._island.progress()
        return {
            "run_id": self.run_id,
            "island": self.index,
            "generation": progress.generation,
            "population": progress.population,
            "hypervolume": progress.hypervolume,
            "best": progress.best,
            "evaluations": progress.evaluations,
            "resumed": self.resumed,
        }
