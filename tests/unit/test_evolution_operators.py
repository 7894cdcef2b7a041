"""Genome <-> pymoo variables, numeric variation (pymoo's mixed-variable operators), survival
against pymoo's NSGA-II, tournament and Pareto-wins parent selection."""

from __future__ import annotations

import numpy as np
import pytest
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.core.population import Population
from pymoo.core.problem import Problem

from actors.evolution.selection import pareto_wins, pareto_wins_pairs, survive, tournament_pairs
from actors.evolution.space import RealVectorSpace, RecipeGenomeSpace, SpaceError
from actors.evolution.variation import numeric_children
from protocols.evolution import (
    Direction,
    Member,
    ObjectiveSpec,
    RealSpace,
    RealVector,
    Recipe,
    RecipeSpace,
    genome_key,
)
from protocols.reasoning import ReasoningMode

SPACE = RecipeSpace(
    models=["small", "large"],
    modes=[ReasoningMode.DIRECT, ReasoningMode.TOT_ONLY, ReasoningMode.RAG_ONLY],
    indexes=[None, "docs"],
    tools=["search", "calculator"],
)
SEED = Recipe(model="small", system_prompt="Answer briefly.", tools=["search"], retrieval={"k": 3, "rrf_k": 60})


def test_recipe_round_trip_and_fixed_genes() -> None:
    space = RecipeGenomeSpace(SPACE)
    assert "model" in space.vars and "tool:search" in space.vars
    fixed = RecipeGenomeSpace(SPACE.model_copy(update={"models": ["small"]}))
    assert "model" not in fixed.vars  # one option: not a variable
    encoded = space.encode(SEED)
    assert encoded["retrieval.index"] == "" and encoded["tool:search"] is True and encoded["tool:calculator"] is False
    assert space.decode(encoded, SEED) == SEED
    rng = np.random.default_rng(0)
    for sample in space.sample(20, rng, SEED):
        space.check(sample, "seeds")
        assert sample.system_prompt == SEED.system_prompt  # the text gene is the template's


def test_check_names_the_gene() -> None:
    space = RecipeGenomeSpace(SPACE)
    with pytest.raises(SpaceError) as error:
        space.check(SEED.model_copy(update={"model": "huge"}), "seeds.0")
    assert error.value.field == "seeds.0.model"
    real = RealVectorSpace(RealSpace(lower=[0, 0], upper=[1, 1]))
    with pytest.raises(SpaceError):
        real.check(RealVector(x=[0.5, 2.0]), "seeds.0")


def test_numeric_children_vary_within_the_space() -> None:
    space = RecipeGenomeSpace(SPACE)
    rng = np.random.default_rng(1)
    parents = space.sample(8, rng, SEED)
    pairs = [(parents[i], parents[i + 1]) for i in range(0, 8, 2)]
    children = numeric_children(space, pairs, rng)
    assert len(children) == 8 and {pair for _, pair in children} == {0, 1, 2, 3}
    for child, _ in children:
        space.check(child, "child")
    keys = {genome_key(c) for c, _ in children}
    assert len(keys - {genome_key(p) for p in parents}) >= 4  # variation makes new genomes

    real = RealVectorSpace(RealSpace(lower=[0.0] * 5, upper=[1.0] * 5))
    vectors = real.sample(10, rng, None)
    kids = numeric_children(real, [(vectors[i], vectors[i + 1]) for i in range(0, 10, 2)], rng)
    X = np.array([k.x for k, _ in kids if isinstance(k, RealVector)])
    assert X.shape == (10, 5) and X.min() >= 0 and X.max() <= 1
    assert real.diversity(vectors) > 0.3 and real.diversity([vectors[0]] * 3) == pytest.approx(0.0, abs=1e-12)


OBJ = [
    ObjectiveSpec(name="f1", field="f1", direction=Direction.MIN, reference=1.1),
    ObjectiveSpec(name="q", field="score", direction=Direction.MAX, reference=0.0),
]


def _members(F: np.ndarray) -> list[Member]:
    return [
        Member(key=f"m{i}", genome=RealVector(x=[float(i)]), objectives={"f1": float(a), "q": float(b)})
        for i, (a, b) in enumerate(F)
    ]


def test_survival_agrees_with_pymoo_nsga2() -> None:
    rng = np.random.default_rng(3)
    F = rng.random((40, 2))
    ours = survive(_members(F), OBJ, 20, np.random.default_rng(0))
    minimised = F * np.array([1.0, -1.0])
    pop = Population.new(F=minimised, index=np.arange(40))
    theirs = NSGA2().survival.do(Problem(n_var=1, n_obj=2), pop, n_survive=20, random_state=np.random.default_rng(0))
    assert {m.key for m in ours} == {f"m{int(i)}" for i in theirs.get("index")}
    assert [m.rank for m in ours] == [int(r) for r in theirs.get("rank")]
    assert all(m.crowding is not None and m.crowding >= 0 for m in ours)


def test_tournament_prefers_rank_then_crowding() -> None:
    members = _members(np.zeros((4, 2)))
    for member, rank, crowding in zip(members, [0, 0, 1, 2], [5.0, 1.0, 9.0, 9.0], strict=True):
        member.rank, member.crowding = rank, crowding
    pairs = tournament_pairs(members, 400, np.random.default_rng(0))
    counts = np.bincount(pairs.ravel(), minlength=4)
    assert counts[3] == 0  # the worst rank never wins a tournament
    assert counts[0] > counts[1] > counts[2]


def test_pareto_wins_follow_gepa() -> None:
    scores = np.array(
        [
            [1.0, 0.0, 0.0, 0.0],  # best on example 0 alone
            [1.0, 1.0, 0.0, 0.0],  # best on 0 and 1: covers member 0, which is dropped
            [0.0, 0.0, 1.0, 0.5],  # best on 2 and 3
            [0.0, 0.0, 0.0, 0.5],  # best on 3 only, shared with member 2: dropped
        ]
    )
    assert list(pareto_wins(scores)) == [0.0, 2.0, 2.0, 0.0]
    pairs = pareto_wins_pairs(scores, 200, np.random.default_rng(0))
    assert set(np.unique(pairs)) == {1, 2}
