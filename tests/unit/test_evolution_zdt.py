"""The island engine's numeric path on ZDT1 and ZDT3 (n = 30) through the evaluation port,
against pymoo's NSGA2 on the same small budget and seed. Quality only: speed and the 25,000
evaluation comparison belong to bench/evolution_zdt.py."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.indicators.hv import HV
from pymoo.optimize import minimize

from actors.evolution.island import Island
from actors.evolution.problems import ProblemEvaluator
from actors.evolution.run import LocalRun
from protocols.evolution import RunConfig

POP, GENERATIONS, SEED = 32, 50, 1


@pytest.mark.parametrize("name", ["zdt1", "zdt3"])
def test_island_nsga2_against_pymoo(name: str) -> None:
    evaluator = ProblemEvaluator(name)
    config = RunConfig(
        task=evaluator.task,
        objectives=evaluator.objectives(),
        space=evaluator.space(),
        population_size=POP,
        generations=GENERATIONS,
        seed=SEED,
    )
    initial = Island(config, evaluator)
    first = asyncio.run(initial.step()).hypervolume
    progress = asyncio.run(LocalRun(config, evaluator).run())
    assert progress.evaluations <= POP * GENERATIONS

    theirs = minimize(evaluator.problem, NSGA2(pop_size=POP), ("n_gen", GENERATIONS), seed=SEED)
    reference = HV(ref_point=np.array([1.1, 1.1]))(theirs.F)
    print(f"{name}: initial {first:.3f} ours {progress.hypervolume:.3f} pymoo {reference:.3f}")
    assert progress.hypervolume > first + 0.1, "the front did not move"
    assert progress.hypervolume > 0.75 * reference
