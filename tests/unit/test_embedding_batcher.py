"""EmbeddingBatcher's batching logic, with a plain encode function standing in for the model.

The fake encoder maps each text to a vector that names it ([len(text), index-in-call]),
so a test can tell which caller got which vector and which call encoded it. The real
model is exercised in tests/integration/test_embeddings.py.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from actors.models.embeddings import EmbeddingBatcher, validate_texts
from protocols.models import ModelError, ModelErrorCode


class RecordingEncoder:
    """Records every call; optionally slow, optionally failing on a marked text."""

    def __init__(self, delay_s: float = 0.0, fail_on: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.threads: set[int] = set()
        self.delay_s = delay_s
        self.fail_on = fail_on

    def __call__(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        self.threads.add(threading.get_ident())
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.fail_on is not None and self.fail_on in texts:
            raise RuntimeError(f"cannot encode {self.fail_on!r}")
        return [[float(len(t)), float(i), float(hash(t) % 1000)] for i, t in enumerate(texts)]


def expected(texts: list[str]) -> list[float]:
    return [float(hash(t) % 1000) for t in texts]


def fingerprints(vectors: list[list[float]]) -> list[float]:
    return [v[2] for v in vectors]


@pytest.mark.asyncio
async def test_concurrent_callers_share_one_encode_call() -> None:
    encode = RecordingEncoder()
    batcher = EmbeddingBatcher(encode, batch_size=64, max_wait_ms=50)
    inputs = [[f"caller {c} text {i}" for i in range(c % 3 + 1)] for c in range(10)]
    results = await asyncio.gather(*(batcher.embed(texts) for texts in inputs))
    assert len(encode.calls) == 1
    assert sorted(encode.calls[0]) == sorted(t for texts in inputs for t in texts)
    for texts, vectors in zip(inputs, results, strict=True):
        assert fingerprints(vectors) == expected(texts)
    assert batcher.stats.batches == 1 and batcher.stats.requests == 10
    assert batcher.stats.texts == sum(map(len, inputs))
    assert encode.threads and threading.get_ident() not in encode.threads  # ran off the event loop
    await batcher.close()


@pytest.mark.asyncio
async def test_a_full_batch_runs_without_waiting_for_max_wait() -> None:
    encode = RecordingEncoder()
    batcher = EmbeddingBatcher(encode, batch_size=4, max_wait_ms=10_000)
    started = time.perf_counter()
    vectors = await asyncio.wait_for(batcher.embed(["a", "bb", "ccc", "dddd"]), timeout=5)
    assert time.perf_counter() - started < 2.0
    assert fingerprints(vectors) == expected(["a", "bb", "ccc", "dddd"])
    await batcher.close()


@pytest.mark.asyncio
async def test_a_lone_request_waits_at_most_max_wait() -> None:
    encode = RecordingEncoder()
    batcher = EmbeddingBatcher(encode, batch_size=64, max_wait_ms=30)
    started = time.perf_counter()
    await batcher.embed(["only one"])
    elapsed = time.perf_counter() - started
    assert 0.02 <= elapsed < 1.0
    await batcher.close()


@pytest.mark.asyncio
async def test_batch_size_splits_callers_into_several_batches() -> None:
    encode = RecordingEncoder()
    batcher = EmbeddingBatcher(encode, batch_size=5, max_wait_ms=50)
    inputs = [[f"c{c}-t{i}" for i in range(3)] for c in range(6)]  # 18 texts
    results = await asyncio.gather(*(batcher.embed(texts) for texts in inputs))
    assert [len(call) for call in encode.calls] == [5, 5, 5, 3]
    for texts, vectors in zip(inputs, results, strict=True):
        assert fingerprints(vectors) == expected(texts)
    assert batcher.stats.batches == 4 and batcher.stats.largest_batch == 5
    await batcher.close()


@pytest.mark.asyncio
async def test_one_request_larger_than_batch_size_is_split_and_kept_in_order() -> None:
    encode = RecordingEncoder()
    batcher = EmbeddingBatcher(encode, batch_size=8, max_wait_ms=1)
    texts = [f"text number {i}" for i in range(21)]
    vectors = await batcher.embed(texts)
    assert [len(call) for call in encode.calls] == [8, 8, 5]
    assert fingerprints(vectors) == expected(texts)
    await batcher.close()


@pytest.mark.asyncio
async def test_each_caller_gets_exactly_its_own_vectors_under_load() -> None:
    encode = RecordingEncoder(delay_s=0.005)
    batcher = EmbeddingBatcher(encode, batch_size=16, max_wait_ms=2)

    async def caller(c: int) -> tuple[list[str], list[list[float]]]:
        await asyncio.sleep((c % 7) / 1000)
        texts = [f"caller {c} / {i}" for i in range(c % 5 + 1)]
        return texts, await batcher.embed(texts)

    outcomes = await asyncio.gather(*(caller(c) for c in range(100)))
    for texts, vectors in outcomes:
        assert len(vectors) == len(texts)
        assert fingerprints(vectors) == expected(texts)
    assert all(len(call) <= 16 for call in encode.calls)
    assert sum(map(len, encode.calls)) == sum(len(t) for t, _ in outcomes)
    assert len(encode.calls) < 100  # batched
    await batcher.close()


@pytest.mark.asyncio
async def test_an_error_reaches_every_caller_of_its_batch_and_the_next_batch_works() -> None:
    encode = RecordingEncoder(fail_on="poison")
    batcher = EmbeddingBatcher(encode, batch_size=64, max_wait_ms=30)
    outcomes = await asyncio.gather(
        batcher.embed(["fine one"]),
        batcher.embed(["poison"]),
        batcher.embed(["fine two", "fine three"]),
        return_exceptions=True,
    )
    assert len(encode.calls) == 1
    for outcome in outcomes:
        assert isinstance(outcome, RuntimeError) and "poison" in str(outcome)
    assert batcher.stats.errors == 1
    after = await batcher.embed(["fine again"])
    assert fingerprints(after) == expected(["fine again"])
    assert len(encode.calls) == 2
    await batcher.close()


@pytest.mark.asyncio
async def test_an_error_in_one_batch_spares_callers_of_other_batches() -> None:
    encode = RecordingEncoder(fail_on="poison")
    batcher = EmbeddingBatcher(encode, batch_size=2, max_wait_ms=30)
    outcomes: list[Any] = list(
        await asyncio.gather(
            batcher.embed(["a", "poison"]),  # batch 1 fails
            batcher.embed(["b", "c"]),  # batch 2 works
            return_exceptions=True,
        )
    )
    assert isinstance(outcomes[0], RuntimeError)
    assert fingerprints(outcomes[1]) == expected(["b", "c"])
    await batcher.close()


@pytest.mark.asyncio
async def test_async_encode_functions_are_awaited_on_the_loop() -> None:
    calls: list[list[str]] = []

    async def encode(texts: list[str]) -> list[list[float]]:
        calls.append(texts)
        await asyncio.sleep(0)
        return [[float(len(t))] for t in texts]

    batcher = EmbeddingBatcher(encode, batch_size=8, max_wait_ms=20)
    results = await asyncio.gather(batcher.embed(["a"]), batcher.embed(["bb", "ccc"]))
    assert results == [[[1.0]], [[2.0], [3.0]]]
    assert len(calls) == 1
    await batcher.close()


@pytest.mark.asyncio
async def test_empty_input_returns_empty_without_encoding() -> None:
    encode = RecordingEncoder()
    batcher = EmbeddingBatcher(encode, batch_size=8, max_wait_ms=1)
    assert await batcher.embed([]) == []
    assert encode.calls == [] and batcher.stats.requests == 0
    await batcher.close()


@pytest.mark.asyncio
async def test_a_cancelled_caller_does_not_block_the_others() -> None:
    encode = RecordingEncoder()
    batcher = EmbeddingBatcher(encode, batch_size=64, max_wait_ms=50)
    doomed = asyncio.create_task(batcher.embed(["gone"]))
    kept = asyncio.create_task(batcher.embed(["kept"]))
    await asyncio.sleep(0.005)
    doomed.cancel()
    assert fingerprints(await kept) == expected(["kept"])
    assert encode.calls == [["kept"]]
    await batcher.close()


@pytest.mark.asyncio
async def test_close_cancels_waiting_callers_and_refuses_new_ones() -> None:
    batcher = EmbeddingBatcher(RecordingEncoder(), batch_size=64, max_wait_ms=10_000)
    waiting = asyncio.create_task(batcher.embed(["never"]))
    await asyncio.sleep(0.01)
    await batcher.close()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    with pytest.raises(RuntimeError, match="closed"):
        await batcher.embed(["late"])


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        EmbeddingBatcher(RecordingEncoder(), batch_size=0)
    with pytest.raises(ValueError):
        EmbeddingBatcher(RecordingEncoder(), max_wait_ms=-1)


@pytest.mark.parametrize(
    ("texts", "problem"),
    [
        ([], "empty"),
        ("a string", "list"),
        (["ok", ""], "texts[1] is an empty string"),
        (["ok", "   "], "texts[1] is only whitespace"),
        (["ok", 3], "texts[1] is a int"),
        (["x"] * 3, "too many texts"),
        (["x" * 11], "11 characters"),
    ],
)
def test_validate_texts_names_the_problem(texts: Any, problem: str) -> None:
    with pytest.raises(ModelError) as caught:
        validate_texts(texts, max_texts=2, max_chars=10)
    assert caught.value.code is ModelErrorCode.INVALID_REQUEST
    assert problem in caught.value.message


def test_validate_texts_passes_good_input() -> None:
    assert validate_texts(["a", "b"], max_texts=2, max_chars=10) == ["a", "b"]
