"""The evolution manager, `manager/evolution`: which runs exist and run, and the stored recipes.

A worker next to the two pools of `supervisor/evolution` (children.py): the coordinators'
(`evolution/<run>`) and the islands' (`population/<run>.<i>`). Starting a run validates the
request against configs/evolution.yaml's defaults (every refusal names its field), records
the run in PostgreSQL and asks the pool to start its coordinator, which starts its islands.
A run that ends tells the manager, which terminates its actors. At its start it starts again
every run recorded as running: they resume from their stored coordinator state and islands.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from pydantic import ValidationError

from actors.evolution import sql
from actors.evolution.config import load_evolution_defaults, run_config
from actors.evolution.objectives import hypervolume
from actors.evolution.platform import PYMOO_PREFIX, UnknownTask, problem_for, task_names
from actors.evolution.space import SpaceError, space_for
from actors.models.catalog import model_problem
from actors.store.database import Database
from actors.store.pool import open_store_pool
from configs.settings import get_settings
from protocols.addresses import (
    EVOLUTION_RUNS_SUPERVISOR,
    OLLAMA,
    POPULATIONS_SUPERVISOR,
    evolution_address,
    population_address,
)
from protocols.evolution import (
    EvolutionDefaults,
    HeldOutReport,
    Recipe,
    RecipeSpace,
    RunConfig,
    RunProgress,
    RunStatus,
    genome_key,
)
from protocols.rest_evolution import (
    TOPIC_EVOLUTION_ALL,
    CreateRecipeBody,
    DeletedRecipe,
    EvolutionError,
    EvolutionResults,
    EvolutionStatusView,
    FrontView,
    RecipeList,
    RunSummary,
    RunView,
    StartEvolutionBody,
    recipe_not_found,
    run_not_found,
    run_topic,
)
from supervisors.actor import SupervisedActor, after_start, tool
from supervisors.refs import current_namespace

log = logging.getLogger(__name__)

__all__ = ["TOPIC_EVOLUTION_ALL", "EvolutionManager", "field_of"]


def field_of(error: ValidationError, prefix: str = "") -> str:
    """The dotted field of a pydantic error's first location (what a 422 names)."""
    loc = error.errors()[0].get("loc", ()) if error.errors() else ()
    parts = [str(p) for p in loc if not str(p).startswith("function-")]
    return ".".join([prefix, *parts] if prefix else parts) or (prefix or "body")


class EvolutionManager(SupervisedActor):
    def __init__(self, address: str) -> None:
        super().__init__(address)
        self.settings = get_settings()
        s = self.settings.supervision
        self._pool_timeout_s = s.shutdown_timeout_s + s.start_timeout_s + 10.0
        self.db: Database | None = None
        self.defaults = EvolutionDefaults()
        self._restore: asyncio.Task[None] | None = None
        self._cleanups: set[asyncio.Task[None]] = set()
        self._finished: dict[str, asyncio.Event] = {}

    async def on_start(self) -> None:
        s = self.settings
        self.defaults = load_evolution_defaults(s.resolve_path(s.evolution.config_file))
        self.db = await open_store_pool(s, current_namespace(), max_size=4)
        if s.evolution.restore_on_start:
            self._restore = asyncio.create_task(self._restore_runs())

    async def on_stop(self) -> None:
        if self._restore is not None:
            self._restore.cancel()
        db, self.db = self.db, None
        if db is not None:
            await db.close()

    @property
    def _db(self) -> Database:
        if self.db is None:
            raise RuntimeError(f"{self.address} is not started")
        return self.db

    @property
    def _runs_pool(self) -> Any:
        return self.ref(EVOLUTION_RUNS_SUPERVISOR)

    async def _restore_runs(self) -> None:
        try:
            running = await sql.running_run_ids(self._db)
        except Exception:
            log.exception("%s: the running runs could not be listed; none resumed", self.address)
            return
        for run_id in running:
            try:
                await self._start_coordinator(run_id)
            except Exception as exc:
                log.error("%s: run %s did not resume: %s", self.address, run_id, exc)

    async def _start_coordinator(self, run_id: str) -> None:
        address = evolution_address(run_id)
        if not await self._runs_pool.call("has_child", address, timeout_s=10.0, idempotent=True):
            await self._runs_pool.call("start_child", address, [run_id], timeout_s=self._pool_timeout_s)

    # ---- starting ------------------------------------------------------------------------

    async def _check_model(self, model: str) -> None:
        async def ollama_models() -> list[dict[str, Any]]:
            listed: list[dict[str, Any]] = await self.ref(OLLAMA).call("list_models", timeout_s=15, wait_s=0)
            return listed

        problem = await model_problem(self.settings, model, ollama_models)
        if problem is not None:
            raise EvolutionError("validation_error", f"model '{model}': {problem}", "space.models", 422)

    async def _seed_recipes(self, ids: list[str]) -> list[dict[str, Any]]:
        out = []
        for i, recipe_id in enumerate(ids):
            found = await sql.get_recipe(self._db, recipe_id)
            if found is None:
                raise EvolutionError("not_found", f"recipe '{recipe_id}' does not exist", f"seed_recipes.{i}", 404)
            out.append(found.genome.model_dump(mode="json"))
        return out

    async def configure(self, body: dict[str, Any]) -> tuple[RunConfig, str | None]:
        """The run a start request asks for, defaults applied; refusals name the field."""
        try:
            start = StartEvolutionBody.model_validate(body)
        except ValidationError as exc:
            raise EvolutionError("validation_error", _message(exc), field_of(exc), 422) from None
        request = start.model_dump(mode="json", exclude_none=True, exclude={"seed_recipes", "run_id"})
        seeds = list(request.get("seeds", [])) + await self._seed_recipes(start.seed_recipes or [])
        if seeds:
            request["seeds"] = seeds
        if start.task.startswith(PYMOO_PREFIX):
            try:
                problem = problem_for(start.task)
            except UnknownTask as exc:
                raise EvolutionError("validation_error", str(exc), "task", 422) from None
            request.setdefault("space", problem.space().model_dump(mode="json"))
            request.setdefault("objectives", [o.model_dump(mode="json") for o in problem.objectives()])
        elif start.task not in task_names(self.settings):
            known = ", ".join(task_names(self.settings))
            raise EvolutionError(
                "validation_error", f"unknown task '{start.task}' (tasks: {known}, or pymoo:<problem>)", "task", 422
            )
        s = self.settings
        default_model = s.evolution.model or s.models.default_model
        try:
            config = run_config(self.defaults, request, default_model)
        except ValidationError as exc:
            raise EvolutionError("validation_error", _message(exc), field_of(exc), 422) from None
        space = space_for(config.space)
        for i, seed in enumerate(config.seeds):
            try:
                space.check(seed, f"seeds.{i}")
            except SpaceError as exc:
                raise EvolutionError("validation_error", str(exc), exc.field, 422) from None
        if isinstance(config.space, RecipeSpace):
            for model in config.space.models:
                await self._check_model(model)
        return config, start.run_id

    @after_start
    async def start(self, body: dict[str, Any], run_id: str | None = None, owner: str | None = None) -> dict[str, Any]:
        """Validate, record and start a run: its summary (status `running`). A caller that
        subscribes to the run's topic first (the /ws handler) picks its id."""
        config, asked_id = await self.configure(body)
        run_id = run_id or asked_id or sql.new_run_id()
        running = len(await sql.running_run_ids(self._db))
        if running >= self.settings.evolution.max_running:
            raise EvolutionError(
                "too_many_runs", f"{running} runs are evolving (evolution.max_running); stop one or wait", None, 429
            )
        if await sql.get_run(self._db, run_id) is not None:
            raise EvolutionError("conflict", f"evolution run '{run_id}' exists", "run_id", 409)
        await sql.insert_run(self._db, run_id, config, owner)
        self._finished[run_id] = asyncio.Event()
        self.publish(
            run_topic(run_id),
            "evolution_created",
            {
                "run_id": run_id,
                "task": config.task,
                "objectives": [o.name for o in config.objectives],
                "islands": config.islands,
                "population_size": config.population_size,
            },
        )
        try:
            await self._start_coordinator(run_id)
        except Exception as exc:
            message = getattr(exc, "message", None) or str(exc)
            await sql.finish_run(self._db, run_id, RunStatus.FAILED, None, f"did not start: {message}")
            raise EvolutionError("unavailable", f"run {run_id} did not start: {message}", None, 503) from None
        return (await self._summary(run_id)).model_dump(mode="json")

    # ---- stopping and finishing -----------------------------------------------------------

    async def _summary(self, run_id: str) -> RunSummary:
        found = await sql.get_run(self._db, run_id)
        if found is None:
            raise run_not_found(run_id)
        return found

    @after_start
    async def stop(self, run_id: str) -> dict[str, Any]:
        """Ask a running run to stop after the generation under way (stored, so a restarted
        coordinator sees it too). A finished run is answered as it is."""
        summary = await self._summary(run_id)
        if summary.status is not RunStatus.RUNNING:
            return summary.model_dump(mode="json")
        await sql.ask_stop(self._db, run_id)
        address = evolution_address(run_id)
        told = False
        if await self._runs_pool.call("has_child", address, timeout_s=10.0, idempotent=True):
            with contextlib.suppress(Exception):
                await self.ref(address).call("stop", timeout_s=30.0)
                told = True
        if not told and await sql.finish_run(self._db, run_id, RunStatus.STOPPED, None):
            # no coordinator to finish it: end it here
            event = {"run_id": run_id, "status": RunStatus.STOPPED.value, "stop_reason": "user", "progress": None}
            self.publish(run_topic(run_id), "evolution_complete", event)
            await self.run_finished(run_id)
        return (await self._summary(run_id)).model_dump(mode="json")

    async def run_finished(self, run_id: str) -> None:
        """A run ended (its coordinator tells): wake the waiters, and terminate its actors in
        the background (the coordinator may be the caller)."""
        event = self._finished.pop(run_id, None)
        if event is not None:
            event.set()
        task = asyncio.create_task(self._terminate(run_id))
        self._cleanups.add(task)
        task.add_done_callback(self._cleanups.discard)

    async def _terminate(self, run_id: str) -> None:
        row = await sql.run_row(self._db, run_id)
        islands = int(row["config"]["islands"]) if row else 0
        children = [(self.ref(POPULATIONS_SUPERVISOR), population_address(run_id, i)) for i in range(islands)]
        children.append((self._runs_pool, evolution_address(run_id)))
        for pool, address in children:
            try:
                if await pool.call("has_child", address, timeout_s=10.0, idempotent=True):
                    await pool.call("terminate_child", address, timeout_s=self._pool_timeout_s)
            except Exception as exc:
                log.warning("%s: %s was not terminated: %s", self.address, address, exc)

    async def _wait_finished(self, run_id: str, wait_s: float) -> RunSummary:
        deadline = time.monotonic() + wait_s
        while True:
            summary = await self._summary(run_id)
            left = deadline - time.monotonic()
            if summary.status is not RunStatus.RUNNING or left <= 0:
                return summary
            event = self._finished.setdefault(run_id, asyncio.Event())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(left, 1.0))

    # ---- reading -------------------------------------------------------------------------

    @after_start
    async def status(self, run_id: str | None = None, owner: str | None = None) -> dict[str, Any]:
        """`owner` set: that user's runs and totals only."""
        if run_id is not None:
            runs = [await self._summary(run_id)]
        else:
            runs = await sql.list_runs(self._db, limit=1000, offset=0, status=RunStatus.RUNNING.value, owner=owner)
        totals = await sql.status_totals(self._db, owner)
        view = EvolutionStatusView(
            runs=runs,
            running=totals.get(RunStatus.RUNNING.value, 0),
            totals=totals,
            tasks=task_names(self.settings),
        )
        return view.model_dump(mode="json")

    @after_start
    async def history(
        self, limit: int = 50, offset: int = 0, status: str | None = None, owner: str | None = None
    ) -> list[dict[str, Any]]:
        runs = await sql.list_runs(self._db, limit=limit, offset=offset, status=status, owner=owner)
        return [r.model_dump(mode="json") for r in runs]

    async def _row(self, run_id: str) -> dict[str, Any]:
        row = await sql.run_row(self._db, run_id)
        if row is None:
            raise run_not_found(run_id)
        return row

    @after_start
    async def results(self, run_id: str | None = None, wait_s: float = 0.0, owner: str | None = None) -> dict[str, Any]:
        """`owner` set and no run named: that user's latest run."""
        if run_id is None:
            run_id = await sql.latest_run_id(self._db, owner)
            if run_id is None:
                raise EvolutionError("not_found", "no evolution run exists yet", "run_id", 404)
        summary = await self._wait_finished(run_id, wait_s)
        row = await self._row(run_id)
        progress = RunProgress.model_validate(row["progress"]) if row["progress"] else None
        view = EvolutionResults(
            run=summary,
            front=progress.front if progress else [],
            test=[HeldOutReport.model_validate(t) for t in row["test"] or []],
        )
        return view.model_dump(mode="json")

    @after_start
    async def run_view(self, run_id: str) -> dict[str, Any]:
        row = await self._row(run_id)
        view = RunView(
            run=sql.summary(row),
            config=RunConfig.model_validate(row["config"]),
            progress=RunProgress.model_validate(row["progress"]) if row["progress"] else None,
            history=await sql.history(self._db, run_id),
            stored_evaluations=await sql.computed_by(self._db, run_id),
            duplicates=int(row["duplicates"]),
        )
        return view.model_dump(mode="json")

    @after_start
    async def front(self, run_id: str) -> dict[str, Any]:
        row = await self._row(run_id)
        config = RunConfig.model_validate(row["config"])
        progress = RunProgress.model_validate(row["progress"]) if row["progress"] else None
        front = progress.front if progress else []
        view = FrontView(
            run_id=run_id,
            generation=row["generation"],
            objectives=config.objectives,
            front=front,
            hypervolume=hypervolume(front, config.objectives),
        )
        return view.model_dump(mode="json")

    # ---- recipes ---------------------------------------------------------------------------

    @after_start
    async def create_recipe(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            create = CreateRecipeBody.model_validate(body)
        except ValidationError as exc:
            raise EvolutionError("validation_error", _message(exc), field_of(exc), 422) from None
        recipe: Recipe = create.recipe
        view = await sql.create_recipe(self._db, genome_key(recipe), recipe, create.name)
        return view.model_dump(mode="json")

    @after_start
    async def recipes(self, run_id: str | None = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
        if run_id is not None:
            await self._summary(run_id)
        found, total = await sql.list_recipes(self._db, run_id, limit, offset)
        return RecipeList(recipes=found, total=total, limit=limit, offset=offset).model_dump(mode="json")

    @after_start
    async def recipe(self, recipe_id: str) -> dict[str, Any]:
        found = await sql.get_recipe(self._db, recipe_id)
        if found is None:
            raise recipe_not_found(recipe_id)
        return found.model_dump(mode="json")

    @after_start
    async def delete_recipe(self, recipe_id: str) -> dict[str, Any]:
        if not await sql.delete_recipe(self._db, recipe_id):
            raise recipe_not_found(recipe_id)
        return DeletedRecipe(recipe_id=recipe_id).model_dump(mode="json")

    @after_start
    async def lineage(self, recipe_id: str, depth: int = 20) -> dict[str, Any]:
        found = await sql.lineage(self._db, recipe_id, depth)
        if found is None:
            raise recipe_not_found(recipe_id)
        return found.model_dump(mode="json")

    # ---- bus tools (the `evolution` MCP tool and agent type) ----------------------------------

    @tool(
        description="Start a recipe evolution run without waiting: task (game24, python_docs_qa or "
        "pymoo:<problem>), objectives (quality, latency_p50, tokens), population_size, islands, generations, "
        "metric_calls (budget). Returns the run's id and status."
    )
    async def start_evolution(
        self,
        task: str,
        objectives: list[str] | None = None,
        population_size: int | None = None,
        islands: int | None = None,
        generations: int | None = None,
        metric_calls: int | None = None,
    ) -> dict[str, Any]:
        await self.started()
        body: dict[str, Any] = {"task": task}
        for key, value in (
            ("objectives", objectives),
            ("population_size", population_size),
            ("islands", islands),
            ("generations", generations),
        ):
            if value is not None:
                body[key] = value
        if metric_calls is not None:
            body["budget"] = {"metric_calls": metric_calls}
        return await self.start(body)

    @tool(description="An evolution run's summary: status, generation, hypervolume, best per objective, evaluations.")
    async def evolution_status(self, run_id: str) -> dict[str, Any]:
        await self.started()
        return (await self._summary(run_id)).model_dump(mode="json")

    @tool(
        description="An evolution run's Pareto front (each recipe's genes and val objectives) and, once it "
        "ended, the front on the test split; waits up to wait_s seconds for it to end."
    )
    async def evolution_results(self, run_id: str, wait_s: float = 0.0) -> dict[str, Any]:
        await self.started()
        view = await self.results(run_id, min(wait_s, 600.0))
        for member in view["front"]:
            member.pop("crowding", None)
        return view

    @tool(description="Stop an evolution run after the generation under way.")
    async def stop_evolution(self, run_id: str) -> dict[str, Any]:
        await self.started()
        return await self.stop(run_id)

    @tool(description="A recipe's lineage: its parents, the operators that made it, generation and island.")
    async def recipe_lineage(self, recipe_id: str) -> dict[str, Any]:
        await self.started()
        return await self.lineage(recipe_id, 10)


def _message(error: ValidationError) -> str:
    errors = error.errors()
    return str(errors[0]["msg"]).removeprefix("Value error, ") if errors else str(error)
