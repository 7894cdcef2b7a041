"""The wire of reasoning sessions: modes, search parameters, thought nodes, results, routing.

No Ray and no I/O in here: the engines (actors/reasoning), the session actors, the REST API,
the WebSocket stream and the tests share these shapes.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field, model_validator

from protocols.knowledge import SearchMode


class ReasoningMode(StrEnum):
    DIRECT = "direct"  # one model call, no retrieval (what ADAPTIVE runs for SIMPLE)
    TOT_ONLY = "tot_only"
    RAG_ONLY = "rag_only"
    S3_RAG = "s3_rag"
    TOT_ENHANCED_RAG = "tot_enhanced_rag"
    ADAPTIVE = "adaptive"


class Complexity(StrEnum):
    SIMPLE = "simple"
    MODERATE = "moderate"
    COMPLEX = "complex"
    RESEARCH = "research"


class TaskKind(StrEnum):
    OPEN = "open"  # an open-ended question: the model evaluates
    GAME24 = "game24"  # four numbers, reach 24: the checker evaluates the answer


class GenerateMethod(StrEnum):
    PROPOSE = "propose"  # one call lists several next steps
    SAMPLE = "sample"  # n i.i.d. single-step samples


class EvaluateMethod(StrEnum):
    VALUE = "value"  # each state scored alone
    VOTE = "vote"  # all candidates in one prompt, votes counted


class Evaluator(StrEnum):
    MODEL = "model"
    CHECKER = "checker"  # the task's own checker (falls back to the model where it has none)


class SelectMethod(StrEnum):
    GREEDY = "greedy"
    SAMPLE = "sample"


class SearchAlgorithm(StrEnum):
    BFS = "bfs"
    DFS = "dfs"


class NodeStatus(StrEnum):
    CREATED = "created"
    EVALUATED = "evaluated"
    PRUNED = "pruned"
    SELECTED = "selected"


class SessionStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    STOPPED = "stopped"
    FAILED = "failed"


class Completion(BaseModel):
    text: str
    prompt_tokens: int = Field(0, ge=0)
    completion_tokens: int = Field(0, ge=0)


class Passage(BaseModel):
    id: str
    text: str
    score: float = 0.0
    source: str | None = None


class ThoughtNode(BaseModel):
    """One node of a thought tree; the node store keeps the latest version per id."""

    id: str
    parent_id: str | None = None
    depth: int = Field(0, ge=0)
    thought: str = ""  # the step this node adds ("4 + 8 = 12 (left: 6 12 12)")
    state: str = ""  # what the task needs to continue from here (Game of 24: the numbers left)
    value: float | None = None
    status: NodeStatus = NodeStatus.CREATED
    terminal: bool = False
    expanded: bool = False  # all its children are stored
    passage_ids: list[str] = Field(default_factory=list)  # retrieved when this node was expanded
    note: str | None = None  # why it was pruned, what the checker said


class TreeOfThoughtsConfig(BaseModel):
    generate: GenerateMethod = GenerateMethod.PROPOSE
    evaluate: EvaluateMethod = EvaluateMethod.VALUE
    evaluator: Evaluator = Evaluator.MODEL
    select: SelectMethod = SelectMethod.GREEDY
    search: SearchAlgorithm = SearchAlgorithm.BFS
    beam_width: int = Field(5, ge=1, le=64)  # b: states kept per BFS step
    max_depth: int = Field(4, ge=1, le=32)
    n_generate_sample: int = Field(5, ge=1, le=64)  # samples per state with generate=sample
    n_evaluate_sample: int = Field(3, ge=1, le=64)  # value samples per state, or vote samples per step
    value_map: dict[str, float] = Field(default_factory=lambda: {"sure": 20.0, "likely": 1.0, "impossible": 0.001})
    prune_threshold: float = Field(0.0, ge=0)  # states valued below this are pruned (DFS backtracks)
    max_steps: int = Field(100, ge=1, le=100_000)  # expansion budget (DFS; BFS stops there too)
    max_proposals: int = Field(16, ge=1, le=256)  # children kept from one propose call
    temperature: float = Field(0.7, ge=0, le=2)
    max_tokens: int = Field(256, ge=1, le=8192)
    retrieval_k: int = Field(3, ge=0, le=50)  # passages per expansion in TOT_ENHANCED_RAG
    seed: int | None = None

    @model_validator(mode="after")
    def _value_map_not_empty(self) -> TreeOfThoughtsConfig:
        if not self.value_map:
            raise ValueError("value_map needs at least one label")
        return self


class RagConfig(BaseModel):
    k: int = Field(5, ge=1, le=50)
    mode: SearchMode = SearchMode.HYBRID
    temperature: float = Field(0.2, ge=0, le=2)
    max_tokens: int = Field(384, ge=1, le=8192)


class S3Config(RagConfig):
    max_turns: int = Field(3, ge=0, le=20)  # search turns after the question's own top-k
    max_kept: int = Field(8, ge=1, le=100)  # passages handed to the generator at most


MAX_CALIBRATION_EXAMPLES = 5000


class RouterCalibration(BaseModel):
    """One model's labelled queries, labelled by that model's own outcomes (Adaptive-RAG: the
    simplest mode that answered right): what a strong model answers without retrieval, a small
    one may not. Its sessions are routed by their k nearest labelled queries."""

    examples: dict[Complexity, list[Annotated[str, Field(min_length=1, max_length=2000)]]]
    k: int = Field(7, ge=1, le=100)
    embedding_weight: float = Field(1.0, ge=0, le=1)  # share of the neighbours' vote (the rest: rules)
    source: str = Field("", max_length=500)  # where the labels came from (a bench run, a date)

    @model_validator(mode="after")
    def _some_examples(self) -> RouterCalibration:
        total = sum(len(queries) for queries in self.examples.values())
        if total == 0:
            raise ValueError("examples: at least one labelled query")
        if total > MAX_CALIBRATION_EXAMPLES:
            raise ValueError(f"examples: at most {MAX_CALIBRATION_EXAMPLES} labelled queries in all")
        return self


class ClassifierConfig(BaseModel):
    """Rules plus an embedding nearest-centroid over labelled example queries; a model with a
    calibration is routed by the nearest neighbours among its own labelled queries instead."""

    examples: dict[Complexity, list[str]] = Field(default_factory=dict)
    calibrations: dict[str, RouterCalibration] = Field(default_factory=dict)  # model name -> its calibration
    research_cues: list[str] = Field(default_factory=list)
    complex_cues: list[str] = Field(default_factory=list)
    reasoning_cues: list[str] = Field(default_factory=list)  # a COMPLEX query of kind "reasoning" goes to ToT
    simple_max_words: int = Field(8, ge=1)
    moderate_max_words: int = Field(20, ge=1)
    embedding_weight: float = Field(0.6, ge=0, le=1)  # share of the centroid score when an embedder is given
    complex_modes: dict[str, ReasoningMode] = Field(
        default_factory=lambda: {
            "open": ReasoningMode.S3_RAG,
            "reasoning": ReasoningMode.TOT_ENHANCED_RAG,
            "game24": ReasoningMode.TOT_ONLY,
        }
    )
    research_mode: ReasoningMode = ReasoningMode.S3_RAG  # until the research workflow exists


class ReasoningConfig(BaseModel):
    """configs/reasoning.yaml: defaults of every mode and the adaptive classifier."""

    default_mode: ReasoningMode = ReasoningMode.ADAPTIVE
    tot: TreeOfThoughtsConfig = Field(default_factory=TreeOfThoughtsConfig)
    rag: RagConfig = Field(default_factory=RagConfig)
    s3: S3Config = Field(default_factory=S3Config)
    direct_max_tokens: int = Field(256, ge=1, le=8192)
    classifier: ClassifierConfig = Field(default_factory=ClassifierConfig)


class SessionMetrics(BaseModel):
    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    retrieval_calls: int = 0
    nodes_generated: int = 0
    nodes_evaluated: int = 0
    nodes_pruned: int = 0
    wall_time_s: float = 0.0


class RoutingDecision(BaseModel):
    """What ADAPTIVE chose and why; stored with the session's outcome to measure routing."""

    complexity: Complexity
    mode: ReasoningMode
    task_kind: str
    method: str  # "rules", "rules+centroid" or "rules+knn" (a model's calibration)
    scores: dict[str, float] = Field(default_factory=dict)  # per complexity label
    features: dict[str, Any] = Field(default_factory=dict)


class ReasoningRequest(BaseModel):
    query: str = Field(min_length=1, max_length=20_000)
    mode: ReasoningMode = ReasoningMode.ADAPTIVE
    task: TaskKind = TaskKind.OPEN
    tot: TreeOfThoughtsConfig | None = None  # None: the configured defaults
    rag: RagConfig | None = None
    s3: S3Config | None = None


class ReasoningResult(BaseModel):
    mode: ReasoningMode
    status: SessionStatus
    answer: str | None = None
    confidence: float = Field(0.0, ge=0, le=1)
    solved: bool | None = None  # the checker's verdict where the task has one
    best_path: list[str] = Field(default_factory=list)  # node ids, root first
    nodes: list[ThoughtNode] = Field(default_factory=list)
    passages: list[Passage] = Field(default_factory=list)  # what the answer was given
    cited: list[str] = Field(default_factory=list)  # passage ids the answer cites
    queries: list[str] = Field(default_factory=list)  # retrieval queries issued
    metrics: SessionMetrics = Field(default_factory=SessionMetrics)
    routing: RoutingDecision | None = None
    stop_reason: str | None = None  # solved, depth limit, step budget, stopped, ...
    error: str | None = None
