"""pymoo's test problems (ZDT1, ZDT3, ...) behind the Evaluator port: the numeric path of the
island engine, checked against pymoo's own NSGA-II. One "example" per genome; the problem's
objectives travel as Evaluation.values f1..fm."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import numpy as np
from pymoo.core.problem import Problem
from pymoo.problems import get_problem

from protocols.evolution import Direction, Evaluation, Genome, ObjectiveSpec, RealSpace, RealVector, Split

EXAMPLE = "0"


def burn_cpu(seconds: float) -> None:
    """Busy work for `seconds` of this thread's CPU time: an evaluation that costs CPU (benches)."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


class ProblemEvaluator:
    def __init__(self, name: str, reference: float = 1.1, cost_s: float = 0.0, **kwargs: object) -> None:
        self.problem: Problem = get_problem(name, **kwargs)
        self.task = f"pymoo:{name}" + (f"@{round(cost_s * 1000)}ms" if cost_s > 0 else "")
        self.reference = reference
        self.cost_s = cost_s

    def examples(self, split: Split) -> list[str]:
        return [EXAMPLE]

    def space(self) -> RealSpace:
        return RealSpace(lower=[float(v) for v in self.problem.xl], upper=[float(v) for v in self.problem.xu])

    def objectives(self) -> list[ObjectiveSpec]:
        return [
            ObjectiveSpec(name=f"f{i + 1}", field=f"f{i + 1}", direction=Direction.MIN, reference=self.reference)
            for i in range(self.problem.n_obj)
        ]

    async def evaluate(self, genome: Genome, key: str, split: Split, examples: Sequence[str]) -> list[Evaluation]:
        assert isinstance(genome, RealVector)
        if self.cost_s > 0:  # off the event loop, so the actor still answers its supervisor's pings
            await asyncio.to_thread(burn_cpu, self.cost_s)
        F = self.problem.evaluate(np.array([genome.x]), return_values_of=["F"])[0]
        values = {f"f{i + 1}": float(v) for i, v in enumerate(F)}
        return [Evaluation(genome=key, task=self.task, split=split, example=e, values=values) for e in examples]
