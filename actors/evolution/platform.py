"""The evolution engines' ports on the platform: evaluators for a run's task (recipes through
the reasoning pipeline over the model workers, pymoo problems for numeric runs), and the sink
that stores each evaluation in PostgreSQL before the island uses it.

Each adapter takes a `Runtime` (supervisors/runtime.py), as the reasoning adapters do.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence

from actors.models.catalog import chat_address
from actors.reasoning.adapters import KnowledgeRetriever, RuntimeModel
from actors.reasoning.config import load_reasoning_config
from configs.settings import PROJECT_ROOT, Settings
from protocols.addresses import KNOWLEDGE
from protocols.evolution import Evaluation
from supervisors.runtime import Runtime

from .ports import Evaluator
from .problems import ProblemEvaluator
from .recipe_evaluator import RecipeEvaluator
from .tasks import load_task, load_task_specs

PYMOO_PREFIX = "pymoo:"


class UnknownTask(ValueError):
    """A task that is neither configured nor a pymoo problem (the manager answers 4xx)."""


def task_names(settings: Settings) -> list[str]:
    return sorted(load_task_specs(settings.resolve_path(settings.evolution.tasks_file)))


_COST = re.compile(r"^(?P<name>[^@]+)(?:@(?P<ms>\d{1,5})ms)?$")


def problem_for(task: str) -> ProblemEvaluator:
    """`pymoo:<problem>`, optionally `@<n>ms`: each evaluation then also burns n ms of CPU
    (the benches' stand-in for an expensive evaluation)."""
    match = _COST.match(task.removeprefix(PYMOO_PREFIX))
    if match is None:
        raise UnknownTask(f"{task!r} is not pymoo:<problem>[@<n>ms]")
    name, ms = match.group("name"), match.group("ms")
    try:
        return ProblemEvaluator(name, cost_s=int(ms) / 1000 if ms else 0.0)
    except Exception as exc:
        raise UnknownTask(f"pymoo has no problem {name!r}") from exc


def evaluator_for(task: str, settings: Settings, runtime: Runtime) -> Evaluator:
    """The evaluator of a run's task."""
    if task.startswith(PYMOO_PREFIX):
        return problem_for(task)
    specs = load_task_specs(settings.resolve_path(settings.evolution.tasks_file))
    if task not in specs:
        raise UnknownTask(f"unknown task {task!r}; tasks: {sorted(specs)} or pymoo:<problem>")
    evaluation_task = load_task(task, specs[task], PROJECT_ROOT)
    reasoning = load_reasoning_config(settings.resolve_path(settings.reasoning.config_file))
    default_index = settings.reasoning.index or settings.knowledge.default_index

    def model_for(model: str, system: str) -> RuntimeModel:
        return RuntimeModel(runtime, chat_address(settings, model), model, task_kind="evolution", system=system or None)

    def retriever_for(index: str | None) -> KnowledgeRetriever:
        return KnowledgeRetriever(runtime, KNOWLEDGE, index or default_index)

    return RecipeEvaluator(
        evaluation_task,
        model_for,
        reasoning,
        retriever_for=retriever_for,
        concurrency=settings.evolution.eval_concurrency,
    )


Write = Callable[[Sequence[Evaluation]], Awaitable[object]]


class StoredEvaluationSink:
    """Stores evaluations as they are computed, many children's at once (group commit): a put
    returns once its rows are in the store, and puts that arrive during a write go in the next
    one together."""

    def __init__(self, write: Write) -> None:
        self.write = write
        self._buffer: list[Evaluation] = []
        self._lock = asyncio.Lock()

    async def put(self, evaluations: Sequence[Evaluation]) -> None:
        self._buffer.extend(evaluations)
        async with self._lock:
            if not self._buffer:
                return  # an earlier writer took ours along
            batch, self._buffer = self._buffer, []
            try:
                await self.write(batch)
            except BaseException:
                self._buffer[:0] = batch  # the next writer tries them again
                raise
