"""One reasoning session, any mode: picks the engine (ADAPTIVE asks the classifier first) and
returns its result with the routing decision attached."""

from __future__ import annotations

from collections.abc import Sequence

from protocols.reasoning import (
    ReasoningConfig,
    ReasoningMode,
    ReasoningRequest,
    ReasoningResult,
    RoutingDecision,
    SessionMetrics,
    TaskKind,
    ThoughtNode,
)

from .classifier import ComplexityClassifier
from .game24 import Game24Task
from .open_qa import OpenQuestionTask
from .ports import Embedder, ModelClient, NodeSink, Retriever
from .rag import DirectAnswer, RagOnly, S3Search
from .tasks import ThoughtTask
from .tot import TreeOfThoughts

_NEEDS_RETRIEVER = {ReasoningMode.RAG_ONLY, ReasoningMode.S3_RAG, ReasoningMode.TOT_ENHANCED_RAG}


class ReasoningInputError(ValueError):
    """A request this pipeline cannot run as given (the actor answers 4xx naming `field`)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message, field)  # both in args: it unpickles (Ray carries it to callers)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


def task_for(kind: TaskKind | str) -> ThoughtTask:
    return Game24Task() if str(kind) == TaskKind.GAME24.value else OpenQuestionTask()


class ReasoningPipeline:
    def __init__(
        self,
        model: ModelClient,
        config: ReasoningConfig,
        *,
        retriever: Retriever | None = None,
        embedder: Embedder | None = None,
        classifier: ComplexityClassifier | None = None,
        model_name: str | None = None,
    ) -> None:
        self.model = model
        self.model_name = model_name  # picks ADAPTIVE's calibration for this model, where there is one
        self.config = config
        self.retriever = retriever
        self.classifier = classifier or ComplexityClassifier(config.classifier, embedder)

    async def route(self, request: ReasoningRequest) -> RoutingDecision:
        decision = await self.classifier.classify(request.query, request.task, self.model_name)
        if decision.mode in _NEEDS_RETRIEVER and self.retriever is None:
            # no knowledge service: the nearest mode that needs none
            tot = decision.mode is ReasoningMode.TOT_ENHANCED_RAG
            decision.mode = ReasoningMode.TOT_ONLY if tot else ReasoningMode.DIRECT
            decision.features["no_retriever"] = True
        return decision

    async def run(
        self,
        request: ReasoningRequest,
        *,
        sink: NodeSink | None = None,
        stored: Sequence[ThoughtNode] = (),
        routing: RoutingDecision | None = None,
    ) -> ReasoningResult:
        """Run one session. `stored` resumes a tree search; `routing` replays a stored decision."""
        metrics = SessionMetrics()
        decision = routing
        mode = request.mode
        if mode is ReasoningMode.ADAPTIVE:
            decision = decision or await self.route(request)
            mode = decision.mode
        task_kind = TaskKind.GAME24 if decision is not None and decision.task_kind == "game24" else request.task
        if mode in _NEEDS_RETRIEVER and self.retriever is None:
            raise ReasoningInputError(f"mode {mode.value} needs the knowledge service", field="mode")
        result = await self._run_mode(request, mode, task_kind, metrics, sink, stored)
        result.mode = mode
        result.routing = decision
        return result

    async def _run_mode(
        self,
        request: ReasoningRequest,
        mode: ReasoningMode,
        task_kind: TaskKind,
        metrics: SessionMetrics,
        sink: NodeSink | None,
        stored: Sequence[ThoughtNode],
    ) -> ReasoningResult:
        if mode is ReasoningMode.DIRECT:
            return await DirectAnswer(self.model, self.config.direct_max_tokens, metrics).run(request.query)
        if mode is ReasoningMode.RAG_ONLY:
            assert self.retriever is not None
            return await RagOnly(self.model, self.retriever, request.rag or self.config.rag, metrics).run(request.query)
        if mode is ReasoningMode.S3_RAG:
            assert self.retriever is not None
            return await S3Search(self.model, self.retriever, request.s3 or self.config.s3, metrics).run(request.query)
        task = task_for(task_kind)
        try:
            task.initial_state(request.query)
        except ValueError as error:
            raise ReasoningInputError(str(error), field="query") from error
        search = TreeOfThoughts(
            self.model,
            task,
            request.tot or self.config.tot,
            sink=sink,
            retriever=self.retriever if mode is ReasoningMode.TOT_ENHANCED_RAG else None,
            retrieval_mode=self.config.rag.mode,
            metrics=metrics,
        )
        return await search.run(request.query, stored)
