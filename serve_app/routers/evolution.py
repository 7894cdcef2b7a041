"""/api/v1/evolution: start, stop, status and results of runs; stored recipes; a run's view,
its Pareto front, and a recipe's lineage.

`manager/evolution` (protocols/addresses.py) answers all of it; each run is a coordinator
`evolution/<run>` and one actor per island `population/<run>.<i>`. Live events go out on the
bus topic `evolution.<run>` (the /ws `start_evolution` message subscribes its socket).
Refusals name the field at fault.

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from protocols.evolution import RunStatus
from protocols.rest_evolution import (
    RECIPE_ID_PATTERN,
    RUN_ID_PATTERN,
    CreateRecipeBody,
    DeletedRecipe,
    EvolutionResults,
    EvolutionStatusView,
    FrontView,
    LineageView,
    RecipeList,
    RecipeView,
    RunSummary,
    RunView,
    StartEvolutionBody,
    StopEvolutionBody,
)
from serve_app.deps import CurrentPrincipal, Evolution, SettingsDep, ask
from serve_app.ownership import check_access, owner_filter

router = APIRouter(tags=["evolution"])
RunId = Path(min_length=1, max_length=64, pattern=RUN_ID_PATTERN)
RecipeId = Path(min_length=24, max_length=24, pattern=RECIPE_ID_PATTERN)
CALL_TIMEOUT_S = 60.0
MAX_WAIT_S = 600.0
RUN = "evolution_run"


async def _owned_run(settings: SettingsDep, principal: CurrentPrincipal, run_id: str = RunId) -> None:
    """Another user's run is a 404 (serve_app/ownership.py)."""
    await check_access(settings, principal, RUN, run_id, "path.run_id")


OwnedRun = Annotated[None, Depends(_owned_run)]


@router.post("/evolution/start", status_code=202, response_model=RunSummary)
async def start(principal: CurrentPrincipal, manager: Evolution, body: StartEvolutionBody) -> dict[str, Any]:
    """Start a run (left-out parameters take configs/evolution.yaml's defaults). It runs in the
    background: follow it on /ws (`evolution.<run_id>`) or poll /evolution/runs/{id}. It belongs
    to the caller."""
    answer: dict[str, Any] = await ask(
        manager,
        "start",
        body.model_dump(mode="json", exclude_none=True),
        None,
        principal.user_id,
        timeout_s=CALL_TIMEOUT_S,
    )
    return answer


@router.post("/evolution/stop", response_model=RunSummary)
async def stop(
    settings: SettingsDep, principal: CurrentPrincipal, manager: Evolution, body: StopEvolutionBody
) -> dict[str, Any]:
    """Stop a running run after the generation under way; a finished run is answered as it is."""
    await check_access(settings, principal, RUN, body.run_id, "body.run_id", write=True)
    answer: dict[str, Any] = await ask(manager, "stop", body.run_id, timeout_s=CALL_TIMEOUT_S + MAX_WAIT_S)
    return answer


@router.get("/evolution/status", response_model=EvolutionStatusView)
async def status(
    settings: SettingsDep,
    principal: CurrentPrincipal,
    manager: Evolution,
    run_id: str | None = Query(None, min_length=1, max_length=64, pattern=RUN_ID_PATTERN),
) -> dict[str, Any]:
    """The running runs (or the one asked for), totals per status, and the tasks: the caller's
    own (an admin's: all)."""
    if run_id is not None:
        await check_access(settings, principal, RUN, run_id, "query.run_id")
    answer: dict[str, Any] = await ask(manager, "status", run_id, owner_filter(principal), timeout_s=CALL_TIMEOUT_S)
    return answer


@router.get("/evolution/runs", response_model=list[RunSummary])
async def runs(
    principal: CurrentPrincipal,
    manager: Evolution,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    status: RunStatus | None = None,
) -> list[dict[str, Any]]:
    """Runs, newest first: the caller's own (an admin's: all)."""
    answer: list[dict[str, Any]] = await ask(
        manager,
        "history",
        limit,
        offset,
        status.value if status else None,
        owner_filter(principal),
        timeout_s=CALL_TIMEOUT_S,
    )
    return answer


@router.get("/evolution/results", response_model=EvolutionResults)
async def results(
    settings: SettingsDep,
    principal: CurrentPrincipal,
    manager: Evolution,
    run_id: str | None = Query(None, min_length=1, max_length=64, pattern=RUN_ID_PATTERN, description="latest if none"),
    wait_s: float = Query(0.0, ge=0, le=MAX_WAIT_S, description="wait up to this long for a running run to end"),
) -> dict[str, Any]:
    """A run's outcome: its global front (val objectives) and, once it ended, the front on the
    held-out test split. No run named: the caller's latest."""
    if run_id is not None:
        await check_access(settings, principal, RUN, run_id, "query.run_id")
    answer: dict[str, Any] = await ask(
        manager, "results", run_id, wait_s, owner_filter(principal), timeout_s=wait_s + CALL_TIMEOUT_S
    )
    return answer


@router.get("/evolution/runs/{run_id}", response_model=RunView)
async def run_view(manager: Evolution, _owned: OwnedRun, run_id: str = RunId) -> dict[str, Any]:
    """The run, its configuration, its latest progress (per island) and its history."""
    answer: dict[str, Any] = await ask(manager, "run_view", run_id, timeout_s=CALL_TIMEOUT_S)
    return answer


@router.get("/evolution/runs/{run_id}/front", response_model=FrontView)
async def front(manager: Evolution, _owned: OwnedRun, run_id: str = RunId) -> dict[str, Any]:
    """The run's global Pareto front now."""
    answer: dict[str, Any] = await ask(manager, "front", run_id, timeout_s=CALL_TIMEOUT_S)
    return answer


@router.post("/evolution/recipes", status_code=201, response_model=RecipeView)
async def create_recipe(manager: Evolution, body: CreateRecipeBody) -> dict[str, Any]:
    """Store a recipe (its id is its content hash: the same recipe twice is one recipe)."""
    answer: dict[str, Any] = await ask(
        manager, "create_recipe", body.model_dump(mode="json", exclude_none=True), timeout_s=CALL_TIMEOUT_S
    )
    return answer


@router.get("/evolution/recipes", response_model=RecipeList)
async def recipes(
    settings: SettingsDep,
    principal: CurrentPrincipal,
    manager: Evolution,
    run_id: str | None = Query(None, min_length=1, max_length=64, pattern=RUN_ID_PATTERN),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    """Stored recipes, newest first (those a run made, or all: recipes are a shared library,
    named by their content)."""
    if run_id is not None:
        await check_access(settings, principal, RUN, run_id, "query.run_id")
    answer: dict[str, Any] = await ask(manager, "recipes", run_id, limit, offset, timeout_s=CALL_TIMEOUT_S)
    return answer


@router.get("/evolution/recipes/{recipe_id}", response_model=RecipeView)
async def recipe(manager: Evolution, recipe_id: str = RecipeId) -> dict[str, Any]:
    answer: dict[str, Any] = await ask(manager, "recipe", recipe_id, timeout_s=CALL_TIMEOUT_S)
    return answer


@router.delete("/evolution/recipes/{recipe_id}", response_model=DeletedRecipe)
async def delete_recipe(manager: Evolution, recipe_id: str = RecipeId) -> dict[str, Any]:
    """Delete a stored recipe (its evaluations stay: they are keyed by content)."""
    answer: dict[str, Any] = await ask(manager, "delete_recipe", recipe_id, timeout_s=CALL_TIMEOUT_S)
    return answer


@router.get("/evolution/recipes/{recipe_id}/lineage", response_model=LineageView)
async def lineage(
    manager: Evolution,
    recipe_id: str = RecipeId,
    depth: int = Query(20, ge=1, le=1000, description="generations back"),
) -> dict[str, Any]:
    """The recipe's ancestors in the run that made it (parents, operators, generation, island)."""
    answer: dict[str, Any] = await ask(manager, "lineage", recipe_id, depth, timeout_s=CALL_TIMEOUT_S)
    return answer
