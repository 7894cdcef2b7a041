"""What the evolution engines are given: an evaluator, a model for the text genes, an evaluation sink.

The engines only see these Protocols. The island actor plugs in an evaluator that fans out
over the model workers and a sink that stores each evaluation in PostgreSQL as it completes;
the tests and the ZDT bench plug in pymoo problems and scripted models.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from actors.reasoning.ports import ModelClient
from protocols.evolution import Evaluation, Genome, Split

__all__ = ["EvaluationSink", "Evaluator", "ModelClient"]


@runtime_checkable
class Evaluator(Protocol):
    """Scores genomes on a task's examples; one Evaluation per example asked for."""

    task: str

    def examples(self, split: Split) -> list[str]: ...

    async def evaluate(self, genome: Genome, key: str, split: Split, examples: Sequence[str]) -> list[Evaluation]: ...


@runtime_checkable
class EvaluationSink(Protocol):
    """Receives each evaluation once, when it is computed (the actor stores it)."""

    async def put(self, evaluations: Sequence[Evaluation]) -> None: ...
