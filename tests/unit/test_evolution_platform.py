"""The evolution adapters that need no Ray: the stored-evaluation sink's group commit and the
pymoo task names (actors/evolution/platform.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from actors.evolution.platform import StoredEvaluationSink, UnknownTask, problem_for
from protocols.evolution import Evaluation, Split


def evaluation(i: int) -> Evaluation:
    return Evaluation(genome=f"g{i}", task="t", split=Split.VAL, example="0")


def test_concurrent_puts_share_writes_and_each_returns_after_its_own() -> None:
    writes: list[list[str]] = []

    async def write(batch: Sequence[Evaluation]) -> None:
        await asyncio.sleep(0.01)
        writes.append([e.genome for e in batch])

    async def scenario() -> None:
        sink = StoredEvaluationSink(write)

        async def put(i: int) -> None:
            await sink.put([evaluation(i)])
            assert any(f"g{i}" in w for w in writes), "returned before its row was written"

        await asyncio.gather(*(put(i) for i in range(20)))

    asyncio.run(scenario())
    assert sorted(g for w in writes for g in w) == sorted(f"g{i}" for i in range(20))
    assert len(writes) < 20  # puts during a write went together in the next one


def test_a_failed_write_is_tried_again_by_the_next_put() -> None:
    calls: list[list[str]] = []

    async def write(batch: Sequence[Evaluation]) -> None:
        calls.append([e.genome for e in batch])
        if len(calls) == 1:
            raise ConnectionError("store away")

    async def scenario() -> None:
        sink = StoredEvaluationSink(write)
        with pytest.raises(ConnectionError):
            await sink.put([evaluation(1)])
        await sink.put([evaluation(2)])

    asyncio.run(scenario())
    assert calls == [["g1"], ["g1", "g2"]]


def test_pymoo_tasks_and_their_cost() -> None:
    assert problem_for("pymoo:zdt1").cost_s == 0.0
    costly = problem_for("pymoo:zdt3@20ms")
    assert costly.cost_s == 0.02 and costly.task == "pymoo:zdt3@20ms"
    with pytest.raises(UnknownTask):
        problem_for("pymoo:nope")
    with pytest.raises(UnknownTask):
        problem_for("pymoo:zdt1@fast")


def test_the_stores_evaluations_are_hits_not_computed() -> None:
    from actors.evolution.evaluation import Evaluations
    from actors.evolution.problems import ProblemEvaluator
    from protocols.evolution import RealVector

    class Counting(ProblemEvaluator):
        calls = 0

        async def evaluate(self, genome, key, split, examples):  # type: ignore[no-untyped-def]
            Counting.calls += 1
            return await super().evaluate(genome, key, split, examples)

    evaluator = Counting("zdt1", n_var=2)
    stored = Evaluation(genome="k", task=evaluator.task, split=Split.VAL, example="0", values={"f1": 1, "f2": 2})

    async def lookup(key: str, task: str, split: Split, examples: Sequence[str]) -> list[Evaluation]:
        return [stored] if key == "k" else []

    evaluations = Evaluations(evaluator)
    evaluations.lookup = lookup
    got = asyncio.run(evaluations.run(RealVector(x=[0.1, 0.2]), "k", Split.VAL, ["0"]))
    assert got == [stored] and Counting.calls == 0
    assert (evaluations.counters.hits, evaluations.counters.computed) == (1, 0)
    asyncio.run(evaluations.run(RealVector(x=[0.3, 0.2]), "other", Split.VAL, ["0"]))
    assert Counting.calls == 1 and evaluations.counters.computed == 1


def test_concurrent_requests_for_one_evaluation_compute_it_once() -> None:
    from actors.evolution.evaluation import Evaluations
    from actors.evolution.problems import ProblemEvaluator
    from protocols.evolution import RealVector

    calls: list[str] = []

    class Slow(ProblemEvaluator):
        async def evaluate(self, genome, key, split, examples):  # type: ignore[no-untyped-def]
            calls.append(key)
            await asyncio.sleep(0.01)
            return await super().evaluate(genome, key, split, examples)

    put: list[int] = []

    class Sink:
        async def put(self, evaluations: Sequence[Evaluation]) -> None:
            put.append(len(evaluations))

    evaluations = Evaluations(Slow("zdt1", n_var=2), sink=Sink())
    genome = RealVector(x=[0.5, 0.5])

    async def scenario() -> list[list[Evaluation]]:
        return await asyncio.gather(*(evaluations.run(genome, "k", Split.TRAIN, ["0"]) for _ in range(5)))

    got = asyncio.run(scenario())
    assert calls == ["k"] and put == [1]
    assert all(g == got[0] for g in got)
    assert (evaluations.counters.computed, evaluations.counters.hits) == (1, 4)
