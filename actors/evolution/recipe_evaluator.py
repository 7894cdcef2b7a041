"""A recipe on a task's examples, through the reasoning pipeline: the Evaluator port of recipes.

Each example is one reasoning session run in process (actors/reasoning/pipeline.py) with the
recipe's genes: its model (with the system prompt, the text gene, in front), its reasoning
mode and tree parameters, its retrieval, temperature and token limit. The task's metric scores
the answer; latency is the session's wall time, tokens its prompt and completion tokens. The
examples of one call run at once, up to `concurrency` (the model router spreads them over
its workers). A failed session scores 0 with its error as feedback: a bad recipe is a bad
score, never a crashed island.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence

from actors.reasoning.pipeline import ReasoningPipeline
from actors.reasoning.ports import ModelClient, Retriever
from protocols.evolution import Evaluation, Genome, Recipe, Split
from protocols.reasoning import (
    ReasoningConfig,
    ReasoningRequest,
    ReasoningResult,
    SessionStatus,
)

from .tasks import EvaluationTask, Example

ModelFor = Callable[[str, str], ModelClient]  # (model name, system prompt) -> a client
RetrieverFor = Callable[[str | None], Retriever | None]  # index (None: the default) -> a retriever

_FEEDBACK_CHARS = 4000


def request_for(recipe: Recipe, task: EvaluationTask, example: Example, base: ReasoningConfig) -> ReasoningRequest:
    """The reasoning request a recipe makes of one example (the rest from the defaults)."""
    genes = recipe.reasoning
    tot = base.tot.model_copy(
        update={
            "beam_width": genes.beam_width,
            "max_depth": genes.max_depth,
            "generate": genes.generate,
            "evaluate": genes.evaluate,
            "n_generate_sample": genes.samples,
            "n_evaluate_sample": genes.samples,
            "temperature": recipe.temperature,
            "max_tokens": recipe.max_tokens,
            "retrieval_k": recipe.retrieval.k,
        }
    )
    retrieval = {
        "k": recipe.retrieval.k,
        "mode": recipe.retrieval.mode,
        "temperature": recipe.temperature,
        "max_tokens": recipe.max_tokens,
    }
    return ReasoningRequest(
        query=example.query,
        mode=genes.mode,
        task=task.reasoning_task,
        tot=tot,
        rag=base.rag.model_copy(update=retrieval),
        s3=base.s3.model_copy(update=retrieval),
    )


class RecipeEvaluator:
    def __init__(
        self,
        task: EvaluationTask,
        model_for: ModelFor,
        base: ReasoningConfig,
        *,
        retriever_for: RetrieverFor | None = None,
        concurrency: int = 4,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.evaluation_task = task
        self.task = task.name
        self.model_for = model_for
        self.retriever_for = retriever_for
        self.base = base
        self.clock = clock
        self._limit = asyncio.Semaphore(max(1, concurrency))
        self._examples = {split: {e.id: e for e in task.examples(split)} for split in Split}

    def examples(self, split: Split) -> list[str]:
        return list(self._examples[split])

    async def evaluate(self, genome: Genome, key: str, split: Split, examples: Sequence[str]) -> list[Evaluation]:
        if not isinstance(genome, Recipe):
            raise TypeError("a recipe evaluator scores recipes")
        unknown = [e for e in examples if e not in self._examples[split]]
        if unknown:
            raise KeyError(f"{self.task}: no {split.value} examples {unknown}")
        return list(await asyncio.gather(*(self._one(genome, key, split, e) for e in examples)))

    def _pipeline(self, recipe: Recipe) -> ReasoningPipeline:
        config = self.base.model_copy(update={"direct_max_tokens": recipe.max_tokens})
        retriever = self.retriever_for(recipe.retrieval.index) if self.retriever_for is not None else None
        return ReasoningPipeline(
            self.model_for(recipe.model, recipe.system_prompt), config, retriever=retriever, model_name=recipe.model
        )

    async def _one(self, recipe: Recipe, key: str, split: Split, example_id: str) -> Evaluation:
        example = self._examples[split][example_id]
        async with self._limit:
            started = self.clock()
            try:
                request = request_for(recipe, self.evaluation_task, example, self.base)
                result = await self._pipeline(recipe).run(request)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the recipe's failure is its score; the island goes on
                result = ReasoningResult(
                    mode=recipe.reasoning.mode, status=SessionStatus.FAILED, error=f"{type(exc).__name__}: {exc}"
                )
            latency = self.clock() - started
        scored = self.evaluation_task.score(example, result)
        feedback = scored.feedback if result.error is None else f"{scored.feedback}\nError: {result.error}"
        metrics = result.metrics
        return Evaluation(
            genome=key,
            task=self.task,
            split=split,
            example=example_id,
            score=scored.score,
            latency_s=max(0.0, latency),
            tokens=metrics.prompt_tokens + metrics.completion_tokens,
            values={"model_calls": float(metrics.model_calls)},
            feedback=feedback[:_FEEDBACK_CHARS],
        )


__all__ = ["ModelFor", "RecipeEvaluator", "RetrieverFor", "request_for"]
