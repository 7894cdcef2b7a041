"""The wire of recipe evolution: genomes, lineage, evaluations, objectives, run configuration, progress.

No Ray and no I/O in here: the engines (actors/evolution), the future island and run actors,
the REST API, the WebSocket stream and the tests share these shapes. Everything an island
holds is one of these models (or plain JSON), so it checkpoints and resumes as data.
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from protocols.knowledge import SearchMode
from protocols.reasoning import EvaluateMethod, GenerateMethod, ReasoningMode

RECIPE_SCHEMA_VERSION: Literal[1] = 1
_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.:@/-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- genomes ------------------------------------------------------------------------------


class ReasoningGene(_Strict):
    mode: ReasoningMode = ReasoningMode.DIRECT
    beam_width: int = Field(3, ge=1, le=64)
    max_depth: int = Field(3, ge=1, le=32)
    generate: GenerateMethod = GenerateMethod.PROPOSE
    evaluate: EvaluateMethod = EvaluateMethod.VALUE
    samples: int = Field(3, ge=1, le=64)  # generate samples (sample mode) and evaluate samples


class RetrievalGene(_Strict):
    index: str | None = Field(None, max_length=100, pattern=_NAME)  # None: the platform's default index
    k: int = Field(5, ge=1, le=50)
    mode: SearchMode = SearchMode.HYBRID
    rrf_k: int = Field(60, ge=0, le=1000)  # reciprocal-rank-fusion constant of hybrid search


class Recipe(_Strict):
    """A versioned configuration of an agent pipeline; its content hash is its identity."""

    kind: Literal["recipe"] = "recipe"
    schema_version: Literal[1] = RECIPE_SCHEMA_VERSION
    model: str = Field(min_length=1, max_length=100, pattern=_NAME)
    system_prompt: str = Field("", max_length=8000)  # the text gene
    reasoning: ReasoningGene = Field(default_factory=ReasoningGene)
    retrieval: RetrievalGene = Field(default_factory=RetrievalGene)
    temperature: float = Field(0.7, ge=0, le=2)
    max_tokens: int = Field(256, ge=1, le=8192)
    tools: list[str] = Field(default_factory=list, max_length=32)

    @field_validator("tools")
    @classmethod
    def _tools_unique_sorted(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("tools must not repeat")
        return sorted(value)


class RealVector(_Strict):
    """A box-bounded real vector: the genome of numeric test problems (ZDT) and benches."""

    kind: Literal["real"] = "real"
    x: list[float] = Field(min_length=1, max_length=10_000)


Genome = Annotated[Recipe | RealVector, Field(discriminator="kind")]


def genome_key(genome: Recipe | RealVector) -> str:
    """Content hash: equal genomes share one key, hence one cached evaluation per example."""
    canonical = json.dumps(genome.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:24]


class Operator(StrEnum):
    SEED = "seed"  # given by the user
    SAMPLE = "sample"  # random initial individual
    NUMERIC = "numeric"  # pymoo crossover + mutation of the numeric and discrete genes
    REFLECT = "reflect"  # LLM rewrite of the prompt from a train minibatch's failures
    TEXT_CROSSOVER = "text_crossover"  # LLM merge of two parents' prompts
    MIGRANT = "migrant"  # arrived from another island


class Lineage(_Strict):
    parents: list[str] = Field(default_factory=list)  # genome keys
    operators: list[Operator] = Field(default_factory=list)
    generation: int = Field(0, ge=0)
    island: int = Field(0, ge=0)


# ---- evaluation ---------------------------------------------------------------------------


class Split(StrEnum):
    TRAIN = "train"  # reflection reads it
    VAL = "val"  # selection reads it
    TEST = "test"  # reported, never selected on


class Evaluation(_Strict):
    """One genome on one example."""

    genome: str  # genome_key
    task: str
    split: Split
    example: str
    score: float = 0.0  # the task's metric, higher is better
    latency_s: float = Field(0.0, ge=0)
    tokens: int = Field(0, ge=0)
    values: dict[str, float] = Field(default_factory=dict)  # other measured quantities (ZDT: f1, f2)
    feedback: str | None = Field(None, max_length=4000)  # what went wrong (input, output, expected), for reflection


class Direction(StrEnum):
    MIN = "min"
    MAX = "max"


class Aggregate(StrEnum):
    MEAN = "mean"
    P50 = "p50"


class ObjectiveSpec(_Strict):
    """One objective: a field of the evaluations, aggregated over a genome's val examples."""

    name: str = Field(min_length=1, max_length=64)
    field: str = Field(min_length=1, max_length=64)  # score | latency_s | tokens | a key of Evaluation.values
    direction: Direction
    aggregate: Aggregate = Aggregate.MEAN
    reference: float  # the hypervolume reference value, in the objective's own units


PRESET_OBJECTIVES: dict[str, ObjectiveSpec] = {
    "quality": ObjectiveSpec(name="quality", field="score", direction=Direction.MAX, reference=0.0),
    "latency_p50": ObjectiveSpec(
        name="latency_p50", field="latency_s", direction=Direction.MIN, aggregate=Aggregate.P50, reference=60.0
    ),
    "tokens": ObjectiveSpec(name="tokens", field="tokens", direction=Direction.MIN, reference=4096.0),
}


# ---- the search space ----------------------------------------------------------------------


class IntRange(_Strict):
    low: int
    high: int

    @model_validator(mode="after")
    def _ordered(self) -> IntRange:
        if self.low > self.high:
            raise ValueError("low must not exceed high")
        return self


class FloatRange(_Strict):
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> FloatRange:
        if self.low > self.high:
            raise ValueError("low must not exceed high")
        return self


class RecipeSpace(_Strict):
    """Which values each numeric or discrete gene may take (a gene with one option stays fixed)."""

    kind: Literal["recipe"] = "recipe"
    models: list[str] = Field(min_length=1)
    modes: list[ReasoningMode] = Field(default_factory=lambda: [ReasoningMode.DIRECT])
    generate: list[GenerateMethod] = Field(default_factory=lambda: list(GenerateMethod))
    evaluate: list[EvaluateMethod] = Field(default_factory=lambda: list(EvaluateMethod))
    beam_width: IntRange = Field(default_factory=lambda: IntRange(low=1, high=5))
    max_depth: IntRange = Field(default_factory=lambda: IntRange(low=1, high=4))
    samples: IntRange = Field(default_factory=lambda: IntRange(low=1, high=5))
    indexes: list[str | None] = Field(default_factory=lambda: list[str | None]([None]))
    retrieval_k: IntRange = Field(default_factory=lambda: IntRange(low=1, high=10))
    retrieval_modes: list[SearchMode] = Field(default_factory=lambda: list(SearchMode))
    rrf_k: IntRange = Field(default_factory=lambda: IntRange(low=10, high=100))
    temperature: FloatRange = Field(default_factory=lambda: FloatRange(low=0.0, high=1.2))
    max_tokens: IntRange = Field(default_factory=lambda: IntRange(low=64, high=512))
    tools: list[str] = Field(default_factory=list, max_length=32)  # each one an on/off gene

    @field_validator("beam_width", "max_depth", "samples", "retrieval_k", "rrf_k", "max_tokens", "temperature")
    @classmethod
    def _within_recipe_bounds(cls, value: IntRange | FloatRange, info: ValidationInfo) -> IntRange | FloatRange:
        low, high = _RECIPE_LIMITS[info.field_name or ""]
        if value.low < low or value.high > high:
            raise ValueError(f"must lie within [{low}, {high}]")
        return value


_RECIPE_LIMITS: dict[str, tuple[float, float]] = {
    "beam_width": (1, 64),
    "max_depth": (1, 32),
    "samples": (1, 64),
    "retrieval_k": (1, 50),
    "rrf_k": (0, 1000),
    "max_tokens": (1, 8192),
    "temperature": (0, 2),
}


class RealSpace(_Strict):
    kind: Literal["real"] = "real"
    lower: list[float] = Field(min_length=1, max_length=10_000)
    upper: list[float] = Field(min_length=1, max_length=10_000)

    @model_validator(mode="after")
    def _bounds(self) -> RealSpace:
        if len(self.lower) != len(self.upper):
            raise ValueError("lower and upper must have the same length")
        if any(lo >= hi for lo, hi in zip(self.lower, self.upper, strict=True)):
            raise ValueError("each lower bound must be below its upper bound")
        return self


Space = Annotated[RecipeSpace | RealSpace, Field(discriminator="kind")]


# ---- a run --------------------------------------------------------------------------------


class ParentSelection(StrEnum):
    TOURNAMENT = "tournament"  # binary tournament on rank, then crowding distance (NSGA-II)
    PARETO_WINS = "pareto_wins"  # GEPA: sampled by the val examples on which a member scores best


class Budget(_Strict):
    metric_calls: int | None = Field(None, ge=1)  # (genome, example) evaluations computed, all splits
    wall_time_s: float | None = Field(None, gt=0)


class Cascade(_Strict):
    """Score a child on a val minibatch first; only one reaching `threshold` gets the full val set."""

    minibatch_size: int = Field(0, ge=0, le=10_000)  # 0: off
    threshold: float = 0.0  # on the mean `score` of the minibatch


class TextVariation(_Strict):
    """LLM-guided variation of the system prompt (recipes only)."""

    reflect_rate: float = Field(0.5, ge=0, le=1)  # share of children whose prompt is rewritten by reflection
    crossover_rate: float = Field(0.2, ge=0, le=1)  # share of children whose prompt merges both parents'
    minibatch_size: int = Field(3, ge=1, le=100)  # train examples a reflection reads
    max_feedback_chars: int = Field(600, ge=50, le=4000)  # per example shown to the model
    max_prompt_chars: int = Field(4000, ge=100, le=8000)  # a rewritten prompt is cut here
    temperature: float = Field(0.7, ge=0, le=2)
    max_tokens: int = Field(512, ge=16, le=4096)


class RunConfig(_Strict):
    task: str = Field(min_length=1, max_length=100, pattern=_NAME)
    objectives: list[ObjectiveSpec] = Field(min_length=1, max_length=8)
    space: Space
    seeds: list[Genome] = Field(default_factory=list, max_length=1000)  # the initial population starts with these
    population_size: int = Field(16, ge=2, le=10_000)
    offspring: int | None = Field(None, ge=1, le=10_000)  # children per generation; None: population_size
    islands: int = Field(1, ge=1, le=64)
    generations: int = Field(10, ge=1, le=100_000)
    migration_interval: int = Field(5, ge=1)  # M: generations between ring migrations
    migration_rate: float = Field(0.1, ge=0, le=1)  # r: share of an island's population that emigrates
    budget: Budget = Field(default_factory=Budget)
    patience: int | None = Field(None, ge=1)  # generations without a better hypervolume before stopping
    cascade: Cascade = Field(default_factory=Cascade)
    parent_selection: ParentSelection = ParentSelection.TOURNAMENT
    text: TextVariation = Field(default_factory=TextVariation)
    seed: int = Field(0, ge=0, le=2**32 - 1)

    @field_validator("objectives", mode="before")
    @classmethod
    def _presets(cls, value: Any) -> Any:
        """Objectives may be named by preset ("quality", "latency_p50", "tokens")."""
        if not isinstance(value, list):
            return value
        out = []
        for item in value:
            if isinstance(item, str):
                if item not in PRESET_OBJECTIVES:
                    raise ValueError(f"unknown objective {item!r}; presets: {sorted(PRESET_OBJECTIVES)}")
                out.append(PRESET_OBJECTIVES[item])
            else:
                out.append(item)
        return out

    @model_validator(mode="after")
    def _consistent(self) -> RunConfig:
        names = [o.name for o in self.objectives]
        if len(set(names)) != len(names):
            raise ValueError("objectives: names must not repeat")
        for seed in self.seeds:
            if seed.kind != self.space.kind:
                raise ValueError(f"seeds: a {seed.kind} genome in a {self.space.kind} space")
            real = isinstance(seed, RealVector) and isinstance(self.space, RealSpace)
            if real and len(seed.x) != len(self.space.lower):  # type: ignore[union-attr]
                raise ValueError("seeds: a vector of the wrong length")
        if len(self.seeds) > self.population_size * self.islands:
            raise ValueError("seeds: more than the islands' populations")
        return self

    @property
    def children_per_generation(self) -> int:
        return self.offspring or self.population_size


# ---- members, checkpoints, progress ---------------------------------------------------------


class Member(_Strict):
    """A genome in a population, with its val objectives (selection's only input)."""

    key: str
    genome: Genome
    lineage: Lineage = Field(default_factory=Lineage)
    objectives: dict[str, float] = Field(default_factory=dict)  # aggregated over the full val set
    rank: int | None = None
    crowding: float | None = None


class Culled(_Strict):
    """A child the cascade stopped on its minibatch: recorded, never in a population."""

    key: str
    lineage: Lineage
    minibatch_score: float


class IslandState(_Strict):
    """All an island holds, as data: the checkpoint it writes after each phase of a generation.

    `pending` are the children of the generation under way (varied, maybe partly evaluated);
    resuming with them skips the variation, so a restart never makes different children, and
    the evaluations stored since the checkpoint (given back with it) are not computed again.
    """

    island: int = Field(ge=0)
    generation: int = Field(ge=0)
    members: list[Member] = Field(default_factory=list)
    pending: list[Member] = Field(default_factory=list)
    culled: list[Culled] = Field(default_factory=list)
    rng: dict[str, Any]  # numpy's bit generator state
    evaluations: list[Evaluation] = Field(default_factory=list)  # may be left out and given back from storage
    computed: int = Field(0, ge=0)
    cache_hits: int = Field(0, ge=0)
    refused: int = Field(0, ge=0)
    text_calls: int = Field(0, ge=0)
    text_tokens: int = Field(0, ge=0)


class IslandProgress(_Strict):
    island: int
    generation: int
    population: int
    hypervolume: float
    front: list[Member]
    best: dict[str, float]  # per objective, in its own units
    diversity: float  # 0 (all equal) .. 1
    evaluations: int  # computed (cache misses), all splits
    cache_hits: int
    culled: int
    refused: int = 0  # metric calls not made: the budget had no room left for them


class RunStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    STOPPED = "stopped"
    FAILED = "failed"


class StopReason(StrEnum):
    GENERATIONS = "generations"
    METRIC_CALLS = "metric_calls"
    WALL_TIME = "wall_time"
    PATIENCE = "patience"
    USER = "user"


class RunProgress(_Strict):
    generation: int
    status: RunStatus
    stop_reason: StopReason | None = None
    hypervolume: float
    front: list[Member]
    best: dict[str, float]
    diversity: float
    evaluations: int
    elapsed_s: float
    islands: list[IslandProgress]


class HeldOutReport(_Strict):
    """A front member's objectives on the test split: reported, never selected on."""

    key: str
    objectives: dict[str, float]


class EvolutionDefaults(_Strict):
    """configs/evolution.yaml: what a run takes where its start request says nothing.

    `space` is a RecipeSpace as a mapping: its `models` may be empty there (the platform's
    default model then fills it when a run is configured).
    """

    population_size: int = Field(12, ge=2, le=10_000)
    offspring: int | None = Field(None, ge=1, le=10_000)
    islands: int = Field(2, ge=1, le=64)
    generations: int = Field(20, ge=1, le=100_000)
    migration_interval: int = Field(5, ge=1)
    migration_rate: float = Field(0.1, ge=0, le=1)
    patience: int | None = Field(5, ge=1)
    parent_selection: ParentSelection = ParentSelection.TOURNAMENT
    objectives: list[str] = Field(default_factory=lambda: ["quality", "latency_p50", "tokens"])
    budget: Budget = Field(default_factory=Budget)
    cascade: Cascade = Field(default_factory=Cascade)
    text: TextVariation = Field(default_factory=TextVariation)
    seed: int = Field(0, ge=0, le=2**32 - 1)
    space: dict[str, Any] = Field(default_factory=dict)
