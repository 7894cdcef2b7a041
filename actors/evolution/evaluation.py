"""Evaluations through the Evaluator port, each (genome, task, split, example) computed once.

The cache is the island's memory of every evaluation: it travels in the checkpoint (or is
rebuilt from the stored evaluations), so a resumed island computes nothing it already has.
Cascade: a child is scored on a fixed val minibatch first, and on the rest of val only if its
minibatch mean score reaches the threshold.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from protocols.evolution import Cascade, Evaluation, Genome, Split

from .ports import EvaluationSink, Evaluator

CacheKey = tuple[str, str, str, str]  # (genome key, task, split, example)
Lookup = Callable[[str, str, Split, Sequence[str]], Awaitable[Sequence[Evaluation]]]


def cache_key(evaluation: Evaluation) -> CacheKey:
    return (evaluation.genome, evaluation.task, evaluation.split.value, evaluation.example)


class EvaluationCache:
    def __init__(self, evaluations: Iterable[Evaluation] = ()) -> None:
        self._store: dict[CacheKey, Evaluation] = {}
        self.add(evaluations)

    def add(self, evaluations: Iterable[Evaluation]) -> None:
        for evaluation in evaluations:
            self._store[cache_key(evaluation)] = evaluation

    def get(self, key: str, task: str, split: Split, example: str) -> Evaluation | None:
        return self._store.get((key, task, split.value, example))

    def of(self, key: str, task: str, split: Split) -> list[Evaluation]:
        return [e for e in self._store.values() if e.genome == key and e.task == task and e.split is split]

    def dump(self) -> list[Evaluation]:
        return list(self._store.values())

    def __len__(self) -> int:
        return len(self._store)


@dataclass
class EvaluationCounters:
    computed: int = 0  # metric calls: evaluations the evaluator made
    hits: int = 0  # evaluations the cache answered
    refused: int = 0  # metric calls not made: they would have passed the limit


class BudgetSpent(Exception):
    """An evaluation that would take `computed` past the limit (the run's metric-call budget)."""


class Evaluations:
    """The island's evaluator: the cache first, the port for the rest, the sink for each new one."""

    def __init__(
        self,
        evaluator: Evaluator,
        cache: EvaluationCache | None = None,
        sink: EvaluationSink | None = None,
        counters: EvaluationCounters | None = None,
    ) -> None:
        self.evaluator = evaluator
        self.task = evaluator.task
        self.cache = cache or EvaluationCache()
        self.sink = sink
        self.counters = counters or EvaluationCounters()
        # a second level behind the cache (the store, where other islands and runs put theirs):
        # asked for the misses before the evaluator, its answers count as hits
        self.lookup: Lookup | None = None
        self._inflight: dict[CacheKey, asyncio.Future[Evaluation]] = {}  # evaluations under way
        # the most `computed` may reach (None: no limit): the run's budget, shared out per
        # generation, so a generation stops at the budget instead of finishing past it
        self.limit: int | None = None
        self._reserved = 0  # metric calls under way, counted against the limit

    @contextlib.contextmanager
    def limited(self, limit: int | None) -> Iterator[None]:
        """Hold `computed` to `limit` within the block (a generation's share of the budget);
        after it, no limit (the test split, reported after the run, has no budget)."""
        self.limit = limit
        try:
            yield
        finally:
            self.limit = None

    def examples(self, split: Split) -> list[str]:
        return list(self.evaluator.examples(split))

    async def run(self, genome: Genome, key: str, split: Split, examples: Sequence[str]) -> list[Evaluation]:
        """Each example's evaluation: cached, under way for another caller (awaited, not made
        again: children of one generation often share a parent reflection reads), stored
        (the lookup), or computed now."""
        found: dict[str, Evaluation] = {}
        missing: list[str] = []
        waiting: dict[str, asyncio.Future[Evaluation]] = {}
        for example in dict.fromkeys(examples):
            cached = self.cache.get(key, self.task, split, example)
            if cached is not None:
                found[example] = cached
            elif (key, self.task, split.value, example) in self._inflight:
                waiting[example] = self._inflight[(key, self.task, split.value, example)]
            else:
                missing.append(example)
        self.counters.hits += len(found) + len(waiting)
        if missing:
            found.update(await self._compute(genome, key, split, missing))
        for example, future in waiting.items():
            found[example] = await asyncio.shield(future)
        return [found[example] for example in dict.fromkeys(examples)]

    async def _compute(self, genome: Genome, key: str, split: Split, missing: list[str]) -> dict[str, Evaluation]:
        loop = asyncio.get_running_loop()
        claimed = {(key, self.task, split.value, example): loop.create_future() for example in missing}
        for cache_key, future in claimed.items():
            future.add_done_callback(_retrieve)
            self._inflight[cache_key] = future
        found: dict[str, Evaluation] = {}
        try:
            if self.lookup is not None:
                stored = [e for e in await self.lookup(key, self.task, split, missing) if e.genome == key]
                self.cache.add(stored)
                found.update({e.example: e for e in stored if e.example in missing and e.split is split})
                self.counters.hits += len(found)
            rest = [e for e in missing if e not in found]
            if rest:
                self._reserve(len(rest))
                try:
                    new = await self.evaluator.evaluate(genome, key, split, rest)
                finally:
                    self._reserved -= len(rest)
                got = {e.example for e in new}
                if got != set(rest) or any(e.genome != key or e.split is not split for e in new):
                    raise ValueError(f"the evaluator answered {sorted(got)} for {rest} ({split.value})")
                self.cache.add(new)
                self.counters.computed += len(new)
                if self.sink is not None:
                    await self.sink.put(new)
                found.update({e.example: e for e in new})
            for (_, _, _, example), future in claimed.items():
                future.set_result(found[example])
            return found
        except BaseException as exc:
            for future in claimed.values():
                if not future.done():
                    if isinstance(exc, asyncio.CancelledError):
                        future.cancel()
                    else:
                        future.set_exception(exc)
            raise
        finally:
            for cache_key in claimed:
                self._inflight.pop(cache_key, None)

    def _reserve(self, calls: int) -> None:
        """Count `calls` against the limit before making them (children evaluate concurrently)."""
        if self.limit is not None and self.counters.computed + self._reserved + calls > self.limit:
            self.counters.refused += calls
            raise BudgetSpent(f"{calls} metric calls would pass the limit of {self.limit}")
        self._reserved += calls


def _retrieve(future: asyncio.Future[Evaluation]) -> None:
    """Mark a shared evaluation's failure as seen (its owner raised it already)."""
    if not future.cancelled():
        future.exception()


def cascade_minibatch(val: Sequence[str], cascade: Cascade) -> list[str]:
    """The cascade's first stage: a fixed prefix of val (the order the evaluator gives, shuffled
    once per run by the caller), so every child meets the same examples and the cache serves
    them to the full evaluation that follows."""
    if cascade.minibatch_size <= 0 or cascade.minibatch_size >= len(val):
        return []
    return list(val[: cascade.minibatch_size])


def mean_score(evaluations: Sequence[Evaluation]) -> float:
    return sum(e.score for e in evaluations) / len(evaluations) if evaluations else 0.0
