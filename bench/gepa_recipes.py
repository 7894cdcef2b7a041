"""GEPA (`gepa` on PyPI) on the platform's recipe evaluation: the anchor bench/evolution_recipes.py
compares recipe evolution with.

GEPA evolves one text component, the recipe's system prompt; everything else of the recipe is
the seed's. Its adapter scores a candidate by running the seed recipe with the candidate's
prompt through the evaluator the platform's islands use (a `RecipeEvaluator`: the reasoning
pipeline over the model workers and the knowledge index), so both optimisers see the same
task model, the same metric and the same examples: GEPA's trainset is the task's train split
(its reflection minibatches), its valset the val split (its selection), and the test split is
left to the bench's report. Its reflection LM is the same local model, as a callable.

Plain Python: the evaluator and the language model come in as callables, so the adapter is
unit-tested with scripted ones (tests/unit/test_bench_evolution_recipes.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from protocols.evolution import Evaluation, Recipe, Split, genome_key

COMPONENT = "system_prompt"  # the one component GEPA evolves

# (recipe, its genome key, split, example ids) -> one Evaluation per example, in order
EvaluateFn = Callable[[Recipe, str, Split, list[str]], list[Evaluation]]


@dataclass(frozen=True)
class Item:
    """GEPA's data instance: one example of one split of the task."""

    split: Split
    example: str


@dataclass
class Trace:
    """What reflection reads of one example (the task's own feedback: input, output, expected)."""

    score: float
    feedback: str


@dataclass
class AdapterLog:
    """Everything the adapter evaluated, for the bench's report."""

    evaluations: list[Evaluation] = field(default_factory=list)
    batches: int = 0

    @property
    def metric_calls(self) -> int:
        return len(self.evaluations)


class KeptLog:
    """GEPA's logger (gepa.logging.LoggerProtocol): its messages kept for the results file, not
    printed over the progress bar (they quote whole proposed prompts)."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def log(self, message: str) -> None:
        self.messages.append(str(message))


def items(split: Split, examples: Sequence[str]) -> list[Item]:
    return [Item(split, e) for e in examples]


def recipe_with(seed: Recipe, candidate: Mapping[str, str]) -> Recipe:
    """The seed recipe with the candidate's system prompt (the only gene GEPA changes)."""
    return seed.model_copy(update={"system_prompt": candidate[COMPONENT]})


class RecipePromptAdapter:
    """A GEPAAdapter (gepa.core.adapter.GEPAAdapter, by duck typing) over a recipe evaluator."""

    propose_new_texts = None  # GEPA's own reflective proposal, with the reflection_lm given to optimize

    def __init__(self, seed: Recipe, evaluate: EvaluateFn, log: AdapterLog | None = None) -> None:
        self.seed = seed
        self._evaluate = evaluate
        self.log = log or AdapterLog()

    def evaluate(self, batch: list[Item], candidate: dict[str, str], capture_traces: bool = False) -> Any:
        from gepa import EvaluationBatch

        recipe = recipe_with(self.seed, candidate)
        key = genome_key(recipe)
        by_item: dict[Item, Evaluation] = {}
        for split in dict.fromkeys(i.split for i in batch):  # GEPA's batches hold one split; any order works
            wanted = [i.example for i in batch if i.split is split]
            got = self._evaluate(recipe, key, split, wanted)
            if len(got) != len(wanted):
                raise RuntimeError(f"the evaluator gave {len(got)} evaluations for {len(wanted)} examples")
            self.log.evaluations.extend(got)
            by_item.update({Item(split, e.example): e for e in got})
        self.log.batches += 1
        ordered = [by_item[i] for i in batch]
        traces = [Trace(e.score, e.feedback or "") for e in ordered]
        return EvaluationBatch(
            outputs=[e.feedback or "" for e in ordered],
            scores=[e.score for e in ordered],
            trajectories=traces if capture_traces else None,
        )

    def make_reflective_dataset(
        self, candidate: dict[str, str], eval_batch: Any, components_to_update: list[str]
    ) -> dict[str, list[dict[str, Any]]]:
        records = [
            {"Score": trace.score, "Feedback": trace.feedback or "(no feedback)"}
            for trace in eval_batch.trajectories or []
        ]
        return {component: records for component in components_to_update}


def as_text(prompt: str | list[dict[str, Any]]) -> str:
    """GEPA hands the reflection LM a string or chat messages; the platform's model client takes text."""
    if isinstance(prompt, str):
        return prompt
    return "\n\n".join(str(m.get("content", "")) for m in prompt)


__all__ = [
    "COMPONENT",
    "AdapterLog",
    "Item",
    "KeptLog",
    "RecipePromptAdapter",
    "Trace",
    "as_text",
    "items",
    "recipe_with",
]
