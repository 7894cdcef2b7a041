"""The REST, WebSocket and bus shapes of recipe evolution (`/api/v1/evolution/*`).

The engine's own shapes (genomes, members, progress, run configuration) are in
protocols/evolution.py; these add what a run and a recipe are to their users: ids, status,
history, lineage.

Events of a run go on the bus topic `evolution.<run_id>` (`evolution.*` is every run's;
the /ws `start_evolution` message subscribes its socket to its run before the run starts):
- `evolution_created`  {run_id, task, objectives, islands, population_size}
- `evolution_progress` {run_id, progress: RunProgress}  after each generation (and migration)
- `evolution_complete` {run_id, status, stop_reason, error, progress: RunProgress | null}
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from protocols.errors import PlatformError
from protocols.evolution import (
    Budget,
    Cascade,
    Genome,
    HeldOutReport,
    Lineage,
    Member,
    ObjectiveSpec,
    ParentSelection,
    Recipe,
    RunConfig,
    RunProgress,
    RunStatus,
    StopReason,
    TextVariation,
)

TOPIC_EVOLUTION_ALL = "evolution.*"
RUN_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
RECIPE_ID_PATTERN = r"^[0-9a-f]{24}$"  # a genome key (protocols/evolution.py genome_key)


def run_topic(run_id: str) -> str:
    return f"evolution.{run_id}"


class EvolutionError(PlatformError):
    """An evolution request refused (a bad field, an unknown run or recipe, too many running)."""

    default_code = "validation_error"
    default_status = 422


def run_not_found(run_id: str) -> EvolutionError:
    return EvolutionError("not_found", f"evolution run '{run_id}' does not exist", "run_id", 404)


def recipe_not_found(recipe_id: str) -> EvolutionError:
    return EvolutionError("not_found", f"recipe '{recipe_id}' does not exist", "recipe_id", 404)


# ---- requests ------------------------------------------------------------------------------


class StartEvolutionBody(BaseModel):
    """POST /evolution/start (and the /ws `start_evolution` message). Everything left out
    takes the defaults of configs/evolution.yaml; `space` merges key by key with the default
    recipe space. Seeds: recipes given inline, and stored recipes by id."""

    model_config = ConfigDict(extra="forbid")

    task: str = Field(min_length=1, max_length=100, description="game24, python_docs_qa, or pymoo:<problem>")
    objectives: list[str | ObjectiveSpec] | None = Field(None, min_length=1, max_length=8)
    population_size: int | None = Field(None, ge=2, le=10_000)
    offspring: int | None = Field(None, ge=1, le=10_000)
    islands: int | None = Field(None, ge=1, le=64)
    generations: int | None = Field(None, ge=1, le=100_000)
    migration_interval: int | None = Field(None, ge=1)
    migration_rate: float | None = Field(None, ge=0, le=1)
    budget: Budget | None = None
    patience: int | None = Field(None, ge=1)
    cascade: Cascade | None = None
    parent_selection: ParentSelection | None = None
    text: TextVariation | None = None
    seed: int | None = Field(None, ge=0, le=2**32 - 1)
    space: dict[str, Any] | None = None
    seeds: list[Genome] | None = Field(None, max_length=1000)
    seed_recipes: list[str] | None = Field(None, max_length=1000, description="ids of stored recipes to seed with")
    run_id: str | None = Field(None, pattern=RUN_ID_PATTERN)


class StopEvolutionBody(BaseModel):
    run_id: str = Field(min_length=1, max_length=64, pattern=RUN_ID_PATTERN)


class CreateRecipeBody(BaseModel):
    """POST /evolution/recipes: store a recipe (a seed for runs, or one to turn into an agent)."""

    model_config = ConfigDict(extra="forbid")

    recipe: Recipe
    name: str | None = Field(None, min_length=1, max_length=200)


# ---- views ---------------------------------------------------------------------------------


class RunSummary(BaseModel):
    """One run as lists show it."""

    run_id: str
    task: str
    status: RunStatus
    stop_reason: StopReason | None = None
    objectives: list[str]
    islands: int
    population_size: int
    generations: int  # the most it runs
    generation: int = 0  # generations done
    evaluations: int = 0  # metric calls so far (computed, all splits)
    hypervolume: float = 0.0
    best: dict[str, float] = Field(default_factory=dict)
    restarts: int = 0  # times its coordinator or an island was started again mid-run
    error: str | None = None
    created_at: datetime
    finished_at: datetime | None = None


class EvolutionStatusView(BaseModel):
    """GET /evolution/status: the running runs (or the one asked for) and the totals."""

    runs: list[RunSummary]
    running: int
    totals: dict[str, int] = Field(default_factory=dict)  # per status, all time
    tasks: list[str] = Field(default_factory=list)  # what a run may evolve recipes for


class HistoryPoint(BaseModel):
    generation: int
    hypervolume: float
    best: dict[str, float] = Field(default_factory=dict)
    diversity: float = 0.0
    evaluations: int = 0


class RunView(BaseModel):
    """GET /evolution/runs/{id}: the run, its configuration, its latest progress and history."""

    run: RunSummary
    config: RunConfig
    progress: RunProgress | None = None
    history: list[HistoryPoint] = Field(default_factory=list)
    stored_evaluations: int = 0  # evaluations this run computed and stored
    duplicates: int = 0  # evaluations computed again and refused by the store (0: none recomputed)


class EvolutionResults(BaseModel):
    """GET /evolution/results: a run's outcome: its front, and the front on the test split."""

    run: RunSummary
    front: list[Member] = Field(default_factory=list)
    test: list[HeldOutReport] = Field(default_factory=list)  # reported, never selected on


class FrontView(BaseModel):
    """GET /evolution/runs/{id}/front: the global Pareto front now (val objectives)."""

    run_id: str
    generation: int
    objectives: list[ObjectiveSpec]
    front: list[Member]
    hypervolume: float


class RecipeView(BaseModel):
    """A stored genome: a recipe (or a real vector, for numeric runs) with where it came from."""

    recipe_id: str
    genome: Genome
    name: str | None = None
    run_id: str | None = None  # the run that made it first (None: given by a user)
    lineage: Lineage | None = None  # in that run
    objectives: dict[str, float] = Field(default_factory=dict)  # in that run, on val
    created_at: datetime


class RecipeList(BaseModel):
    recipes: list[RecipeView]
    total: int
    limit: int
    offset: int


class LineageNode(BaseModel):
    recipe_id: str
    parents: list[str] = Field(default_factory=list)
    operators: list[str] = Field(default_factory=list)
    generation: int = 0
    island: int = 0
    objectives: dict[str, float] = Field(default_factory=dict)


class LineageView(BaseModel):
    """GET /evolution/recipes/{id}/lineage: the recipe and its ancestors in the run that made
    it, nearest first (at most `depth` generations back)."""

    recipe_id: str
    run_id: str | None = None
    nodes: list[LineageNode]


class DeletedRecipe(BaseModel):
    recipe_id: str
    deleted: bool = True
