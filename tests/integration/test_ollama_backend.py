"""OllamaBackend through the real `ollama` client against FakeOllama (Ollama's wire format).

No Ray and no real Ollama: the fake runs in a thread of this process, so these are
fast, but everything between OllamaBackend and the socket is the real client code.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from fractions import Fraction
from typing import TypeVar

import jsonschema
import ollama
import pytest
from pydantic import BaseModel, Field

from actors.models.ollama_backend import OllamaBackend
from actors.reasoning.game24 import Game24Task, legal_steps
from protocols.models import (
    ChatChunk,
    ChatMessage,
    ChatRequest,
    GenerateRequest,
    GenerationOptions,
    ModelError,
    ModelErrorCode,
)
from tests.conftest import free_port
from tests.fakes.ollama_server import EMBEDDING_DIM, FakeOllama
from tests.fakes.reasoning_models import game24_responder

pytestmark = pytest.mark.integration

T = TypeVar("T")

CHAT_MODEL = "llama3.2:1b"
EMBED_MODEL = "all-minilm"


@pytest.fixture
def fake() -> Iterator[FakeOllama]:
    with FakeOllama(models=[CHAT_MODEL, EMBED_MODEL], token_delay_s=0.005) as server:
        yield server


@contextlib.asynccontextmanager
async def backend_for(url: str, timeout_s: float = 30.0) -> AsyncIterator[OllamaBackend]:
    backend = OllamaBackend(url, timeout_s)
    try:
        yield backend
    finally:
        await backend.aclose()


def chat_request(text: str, **options: object) -> ChatRequest:
    return ChatRequest(
        model=CHAT_MODEL,
        messages=[ChatMessage(role="system", content="Be brief."), ChatMessage(role="user", content=text)],
        options=GenerationOptions(**options) if options else None,  # type: ignore[arg-type]
    )


async def collect(stream: AsyncIterator[T]) -> list[T]:
    return [chunk async for chunk in stream]


async def wait_until(condition: Callable[[], bool], timeout_s: float) -> float:
    """Seconds it took for `condition` to hold; fails the test after `timeout_s`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout_s:
            pytest.fail(f"condition not met within {timeout_s} s")
        await asyncio.sleep(0.01)
    return time.monotonic() - started


@contextlib.contextmanager
def only_explicit_closing() -> Iterator[list[object]]:
    """Keep every async generator started inside alive, so none is closed by garbage collection.

    CPython would otherwise close an abandoned generator soon after its last reference
    goes, which can hide a missing `aclose()`; here only an explicit close counts."""
    kept: list[object] = []
    old = sys.get_asyncgen_hooks()

    def firstiter(generator: object) -> None:
        kept.append(generator)
        if old.firstiter is not None:
            old.firstiter(generator)  # type: ignore[arg-type]

    sys.set_asyncgen_hooks(firstiter=firstiter, finalizer=old.finalizer)
    try:
        yield kept
    finally:
        sys.set_asyncgen_hooks(*old)


# ---- models -------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_status_reports_version(fake: FakeOllama) -> None:
    async with backend_for(fake.url) as backend:
        status = await backend.status()
    assert status == {"reachable": True, "version": fake.version, "host": fake.url, "error": None}


@pytest.mark.asyncio
async def test_list_models(fake: FakeOllama) -> None:
    async with backend_for(fake.url) as backend:
        models = {m.name: m for m in await backend.list_models()}
    assert set(models) == {CHAT_MODEL, f"{EMBED_MODEL}:latest"}  # Ollama adds the default tag
    chat = models[CHAT_MODEL]
    assert chat.backend == "ollama"
    assert chat.size and chat.size > 0
    assert chat.digest and len(chat.digest) == 64
    assert chat.modified_at
    assert chat.details["family"] == "llama"
    assert chat.details["quantization_level"] == "Q4_K_M"


@pytest.mark.asyncio
async def test_info(fake: FakeOllama) -> None:
    async with backend_for(fake.url) as backend:
        info = await backend.info(CHAT_MODEL)
    assert info["name"] == CHAT_MODEL
    assert info["details"]["family"] == "llama"
    assert "completion" in info["capabilities"]
    assert info["model_info"]["general.architecture"] == "llama"  # Ollama's key, not the client's alias
    assert "TEMPLATE" in info["modelfile"]


@pytest.mark.asyncio
async def test_running_lists_models_after_use(fake: FakeOllama) -> None:
    async with backend_for(fake.url) as backend:
        assert await backend.running() == []
        await collect(backend.chat(chat_request("hi")))
        running = await backend.running()
    assert [m["model"] for m in running] == [CHAT_MODEL]
    assert running[0]["size_vram"] > 0
    assert running[0]["expires_at"]


# ---- generation ---------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_chat_collects_into_a_whole_answer(fake: FakeOllama) -> None:
    async with backend_for(fake.url) as backend:
        chunks = await collect(backend.chat(chat_request("the quick brown fox")))
    *tokens, last = chunks
    assert "".join(c.message.content for c in tokens) == "the quick brown fox"
    assert all(not c.done for c in tokens)
    assert last.done and last.done_reason == "stop"
    assert last.eval_count == 4
    assert last.prompt_eval_count and last.prompt_eval_count > 0
    for duration in (last.total_duration, last.load_duration, last.prompt_eval_duration, last.eval_duration):
        assert duration is not None and duration > 0  # nanoseconds, as Ollama reports them
    assert last.model == CHAT_MODEL
    assert fake.generations_finished == 1


@pytest.mark.asyncio
async def test_chat_streams_chunk_by_chunk(fake: FakeOllama) -> None:
    fake.token_delay_s = 0.05
    async with backend_for(fake.url) as backend:
        arrivals: list[float] = []
        async for _ in backend.chat(chat_request("one two three four five six")):
            arrivals.append(time.monotonic())
    assert len(arrivals) == 7  # six tokens and the final chunk
    # Streamed, not buffered: the first token came long before the last one.
    assert arrivals[-1] - arrivals[0] > 0.2
    assert fake.requests[-1][1]["stream"] is True


@pytest.mark.asyncio
async def test_chat_passes_options_and_honours_num_predict(fake: FakeOllama) -> None:
    async with backend_for(fake.url) as backend:
        chunks = await collect(backend.chat(chat_request("alpha beta", num_predict=5, temperature=0.2)))
    assert chunks[-1].done_reason == "length"
    assert chunks[-1].eval_count == 5
    assert "".join(c.message.content for c in chunks) == "alpha beta alpha beta alpha"
    sent = fake.requests[-1][1]
    assert sent["options"] == {"num_predict": 5, "temperature": 0.2}  # None options left out


@pytest.mark.asyncio
async def test_a_responder_answers_each_prompt_by_a_function_of_it(fake: FakeOllama) -> None:
    """The scripted Game-of-24 model behind the fake (what bench/reasoning_game24.py runs ToT
    against): its propose reply lists every legal step of the state it was asked about."""
    fake.responders[CHAT_MODEL] = game24_responder(seed=0)
    task = Game24Task()
    async with backend_for(fake.url) as backend:
        propose = chat_request(task.propose_prompt("4 9 10 13", "4 9 10 13", []))
        text = "".join(c.message.content for c in await collect(backend.chat(propose)))
        value = chat_request(task.value_prompt("4 9 10 13", "1 1 1", []))
        label = "".join(c.message.content for c in await collect(backend.chat(value)))
    steps = task.parse_proposals(text, "4 9 10 13")
    assert len(steps) == len(text.splitlines()) == len(legal_steps([Fraction(n) for n in (4, 9, 10, 13)]))
    assert label.endswith("impossible")  # 1 1 1 cannot reach 24
    assert fake.generations_finished == 2


@pytest.mark.asyncio
async def test_generate(fake: FakeOllama) -> None:
    request = GenerateRequest(model=CHAT_MODEL, prompt="why is the sky blue", system="Answer briefly.")
    async with backend_for(fake.url) as backend:
        chunks = await collect(backend.generate(request))
    assert "".join(c.message.content for c in chunks) == "why is the sky blue"
    assert chunks[-1].done and chunks[-1].eval_count == 5
    path, sent = fake.requests[-1]
    assert path == "/api/generate"
    assert sent["system"] == "Answer briefly." and sent["stream"] is True


class City(BaseModel):
    name: str
    population: int = Field(ge=1000)
    coastal: bool
    districts: list[str] = Field(min_length=1)


class Answer(BaseModel):
    city: City
    confidence: float = Field(ge=0, le=1)
    tags: list[str]


@pytest.mark.asyncio
async def test_structured_output_matches_the_schema(fake: FakeOllama) -> None:
    schema = Answer.model_json_schema()  # with $defs and $ref, as pydantic writes it
    request = chat_request("describe a city").model_copy(update={"format": schema})
    async with backend_for(fake.url) as backend:
        chunks = await collect(backend.chat(request))
    assert len(chunks) > 3  # the document is streamed too
    document = json.loads("".join(c.message.content for c in chunks))
    jsonschema.validate(document, schema)
    Answer.model_validate(document)
    assert fake.requests[-1][1]["format"] == schema


@pytest.mark.asyncio
async def test_json_mode(fake: FakeOllama) -> None:
    request = chat_request("anything").model_copy(update={"format": "json"})
    async with backend_for(fake.url) as backend:
        text = "".join(c.message.content for c in await collect(backend.chat(request)))
    assert isinstance(json.loads(text), dict)


@pytest.mark.asyncio
async def test_embed(fake: FakeOllama) -> None:
    texts = ["the cat sat on the mat", "the cat sat on the mat", "a cat sat on a mat", "stock prices fell"]
    async with backend_for(fake.url) as backend:
        vectors = await backend.embed(EMBED_MODEL, texts)
        assert await backend.embed(EMBED_MODEL, []) == []
    assert len(vectors) == 4
    assert all(len(v) == EMBEDDING_DIM for v in vectors)
    assert all(math.isclose(math.sqrt(sum(x * x for x in v)), 1.0, rel_tol=1e-6) for v in vectors)

    def cosine(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert vectors[0] == vectors[1]  # identical inputs, identical vectors
    assert cosine(vectors[0], vectors[2]) > cosine(vectors[0], vectors[3])  # shared words are closer


# ---- model management ---------------------------------------------------------------------


@pytest.mark.asyncio
async def test_pull_reports_progress_and_adds_the_model(fake: FakeOllama) -> None:
    async with backend_for(fake.url) as backend:
        events = [event async for event in backend.pull("qwen2.5:0.5b")]
        names = [m.name for m in await backend.list_models()]
    statuses = [e["status"] for e in events]
    assert statuses[0] == "pulling manifest"
    assert statuses[-3:] == ["verifying sha256 digest", "writing manifest", "success"]
    downloads = [e for e in events if e["status"].startswith("pulling ") and "digest" in e]
    assert downloads
    by_digest: dict[str, list[int]] = {}
    for event in downloads:
        assert event["status"] == f"pulling {event['digest'][7:19]}"
        by_digest.setdefault(event["digest"], []).append(event["completed"])
    for completed in by_digest.values():
        assert completed == sorted(completed)  # only ever grows
    for event in downloads:
        assert by_digest[event["digest"]][-1] == event["total"]  # every layer completes
    assert "qwen2.5:0.5b" in names


@pytest.mark.asyncio
async def test_pull_of_a_model_the_registry_lacks(fake: FakeOllama) -> None:
    fake.registry = {"qwen2.5:0.5b"}
    async with backend_for(fake.url) as backend:
        with pytest.raises(ModelError) as caught:
            [event async for event in backend.pull("no-such-model")]
    assert caught.value.code == ModelErrorCode.MODEL_NOT_FOUND
    assert "no-such-model" in caught.value.message


@pytest.mark.asyncio
async def test_delete(fake: FakeOllama) -> None:
    async with backend_for(fake.url) as backend:
        await backend.delete(EMBED_MODEL)
        assert f"{EMBED_MODEL}:latest" not in [m.name for m in await backend.list_models()]
        with pytest.raises(ModelError) as caught:
            await backend.delete(EMBED_MODEL)
    assert caught.value.code == ModelErrorCode.MODEL_NOT_FOUND
    assert caught.value.status == 404


@pytest.mark.asyncio
async def test_create_from_a_base_model(fake: FakeOllama) -> None:
    async with backend_for(fake.url) as backend:
        events = [
            e
            async for e in backend.create(
                "pirate", CHAT_MODEL, system="Talk like a pirate.", parameters={"temperature": 0.9}
            )
        ]
        info = await backend.info("pirate")
        chunks = await collect(backend.chat(chat_request("ahoy").model_copy(update={"model": "pirate"})))
    statuses = [e["status"] for e in events]
    assert statuses[0].startswith("using existing layer sha256:")
    assert any(s.startswith("creating new layer sha256:") for s in statuses)
    assert statuses[-2:] == ["writing manifest", "success"]
    sent = next(body for path, body in fake.requests if path == "/api/create")
    assert sent["from"] == CHAT_MODEL  # the client's `from_` goes out as Ollama's `from`
    assert info["details"]["parent_model"] == CHAT_MODEL
    assert "SYSTEM Talk like a pirate." in info["modelfile"]
    assert chunks[-1].done


@pytest.mark.asyncio
async def test_create_from_a_missing_base(fake: FakeOllama) -> None:
    async with backend_for(fake.url) as backend:
        with pytest.raises(ModelError) as caught:
            [e async for e in backend.create("x", "missing-base")]
    assert caught.value.code == ModelErrorCode.MODEL_NOT_FOUND
    assert "missing-base" in caught.value.message


# ---- errors -------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_unknown_model_is_model_not_found(fake: FakeOllama) -> None:
    async with backend_for(fake.url) as backend:
        for call in (
            lambda: collect(backend.chat(chat_request("hi").model_copy(update={"model": "nope:7b"}))),
            lambda: collect(backend.generate(GenerateRequest(model="nope:7b", prompt="hi"))),
            lambda: backend.info("nope:7b"),
            lambda: backend.embed("nope:7b", ["hi"]),
        ):
            with pytest.raises(ModelError) as caught:
                await call()
            error = caught.value
            assert error.code == ModelErrorCode.MODEL_NOT_FOUND
            assert error.status == 404
            assert error.backend == "ollama"
            assert error.message == f"model 'nope:7b' not found on Ollama at {fake.url}"
            assert isinstance(error.__cause__, ollama.ResponseError)
    assert fake.generations_started == 0


@pytest.mark.asyncio
async def test_chat_with_an_embedding_model_is_an_invalid_request(fake: FakeOllama) -> None:
    async with backend_for(fake.url) as backend:
        with pytest.raises(ModelError) as caught:
            await collect(backend.chat(chat_request("hi").model_copy(update={"model": EMBED_MODEL})))
    assert caught.value.code == ModelErrorCode.INVALID_REQUEST
    assert caught.value.status == 400
    assert "does not support" in caught.value.message


@pytest.mark.asyncio
async def test_error_in_the_middle_of_a_stream(fake: FakeOllama) -> None:
    fake.stream_error_after = 2
    received: list[ChatChunk] = []
    async with backend_for(fake.url) as backend:
        with pytest.raises(ModelError) as caught:
            async for chunk in backend.chat(chat_request("one two three four")):
                received.append(chunk)
    assert [c.message.content for c in received] == ["one", " two"]
    assert caught.value.code == ModelErrorCode.GENERATION_FAILED
    assert caught.value.status == 500
    assert fake.stream_error_message in caught.value.message


@pytest.mark.asyncio
async def test_unreachable_host_fails_fast() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    async with backend_for(url) as backend:
        started = time.monotonic()
        status = await backend.status()
        assert status["reachable"] is False and status["version"] is None and status["error"]
        for call in (
            lambda: backend.list_models(),
            lambda: collect(backend.chat(chat_request("hi"))),
            lambda: backend.embed(EMBED_MODEL, ["hi"]),
            lambda: collect(backend.pull(CHAT_MODEL)),
        ):
            with pytest.raises(ModelError) as caught:
                await call()
            assert caught.value.code == ModelErrorCode.BACKEND_UNAVAILABLE
            assert caught.value.status == 503
            assert caught.value.backend == "ollama"
            assert caught.value.message.startswith(f"Ollama at {url} is unreachable: ")
        assert time.monotonic() - started < 2.0


class DroppingProxy:
    """A TCP proxy to `target` that closes its first `drop` connections once their request
    arrived, answering nothing: what a kept-alive connection the server closed while idle
    looks like to a client that just sent a request on it."""

    def __init__(self, target_port: int, drop: int) -> None:
        self.target_port = target_port
        self.drop = drop
        self.dropped = 0
        self.server: asyncio.Server | None = None
        self.url = ""

    async def __aenter__(self) -> DroppingProxy:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        first = await reader.read(65536)
        if self.dropped < self.drop:
            self.dropped += 1
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        up_writer.write(first)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@pytest.mark.asyncio
async def test_a_request_on_a_dead_kept_alive_connection_is_sent_again(fake: FakeOllama) -> None:
    """CI saw a reasoning step fail with `unreachable: ReadError` when the model worker reused a
    connection the server had just closed for idleness: nothing was read, so send it again."""
    calls = (
        lambda b: b.list_models(),
        lambda b: collect(b.chat(chat_request("one two three"))),
        lambda b: collect(b.generate(GenerateRequest(model=CHAT_MODEL, prompt="four five"))),
        lambda b: b.embed(EMBED_MODEL, ["six"]),
    )
    for call in calls:
        async with DroppingProxy(fake.port, drop=1) as proxy, backend_for(proxy.url) as backend:
            assert await call(backend)
            assert proxy.dropped == 1
    # Sent again once only: a server that drops every request is unreachable.
    async with DroppingProxy(fake.port, drop=10) as proxy, backend_for(proxy.url) as backend:
        for call in calls:
            with pytest.raises(ModelError) as caught:
                await call(backend)
            assert caught.value.code == ModelErrorCode.BACKEND_UNAVAILABLE
        assert proxy.dropped == 2 * len(calls)
    # Delete is not sent twice: the first may have been carried out.
    async with DroppingProxy(fake.port, drop=1) as proxy, backend_for(proxy.url) as backend:
        with pytest.raises(ModelError):
            await backend.delete(CHAT_MODEL)
        assert proxy.dropped == 1 and fake.has_model(CHAT_MODEL)


@pytest.mark.asyncio
async def test_a_stalled_stream_times_out(fake: FakeOllama) -> None:
    fake.token_delay_s = 2.0  # Ollama stuck between two tokens
    async with backend_for(fake.url, timeout_s=0.3) as backend:
        with pytest.raises(ModelError) as caught:
            await collect(backend.chat(chat_request("slow answer")))
    assert caught.value.code == ModelErrorCode.TIMEOUT
    assert caught.value.status == 504
    await wait_until(lambda: fake.generations_cancelled == 1, timeout_s=1.0)  # and Ollama was told


# ---- cancellation -------------------------------------------------------------------------


async def assert_generation_stopped(fake: FakeOllama) -> None:
    """The fake saw the client go away within ~1 s, and sends no more tokens."""
    took = await wait_until(lambda: fake.generations_cancelled == 1, timeout_s=1.0)
    sent = fake.tokens_sent
    await asyncio.sleep(0.3)  # 60 token delays: a live stream would have sent more
    assert fake.tokens_sent == sent
    assert fake.generations_finished == 0
    assert took < 1.0


@pytest.mark.asyncio
async def test_closing_the_stream_stops_ollama(fake: FakeOllama) -> None:
    with only_explicit_closing() as kept:
        async with backend_for(fake.url) as backend:
            stream = backend.chat(chat_request("keep talking please", num_predict=10_000))
            chunks = [await anext(stream) for _ in range(3)]
            assert [c.message.content for c in chunks] == ["keep", " talking", " please"]
            await stream.aclose()
            await assert_generation_stopped(fake)
            assert fake.tokens_sent < 100
        assert len(kept) >= 3  # chat, its inner stream and the client's generator stayed alive


@pytest.mark.asyncio
async def test_cancelling_the_consumer_task_stops_ollama(fake: FakeOllama) -> None:
    with only_explicit_closing():
        async with backend_for(fake.url) as backend:
            got_three = asyncio.Event()

            async def consume() -> None:
                count = 0
                async for _ in backend.chat(chat_request("go on", num_predict=10_000)):
                    count += 1
                    if count == 3:
                        got_three.set()

            task = asyncio.create_task(consume())
            await asyncio.wait_for(got_three.wait(), 5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await assert_generation_stopped(fake)
            # The backend still works afterwards (the connection pool is fine).
            assert (await collect(backend.chat(chat_request("again"))))[-1].done


@pytest.mark.asyncio
async def test_fake_notices_an_open_stream_is_still_consumed(fake: FakeOllama) -> None:
    """Control for the tests above: without closing, Ollama (the fake) keeps generating.

    The raw client's stream is an async generator; leaving it unclosed leaves the
    HTTP response open, so the cancellation tests measure the backend's closing."""
    client = ollama.AsyncClient(host=fake.url)
    try:
        stream = await client.chat(
            model=CHAT_MODEL,
            messages=[{"role": "user", "content": "x y"}],
            stream=True,
            options={"num_predict": 10_000},
        )
        for _ in range(3):
            await anext(stream)
        sent = fake.tokens_sent
        await asyncio.sleep(0.3)  # we read nothing, but TCP buffers take what the fake sends
        assert fake.tokens_sent > sent
        assert fake.generations_cancelled == 0
        await stream.aclose()  # type: ignore[attr-defined]
        await wait_until(lambda: fake.generations_cancelled == 1, timeout_s=1.0)
    finally:
        await client.close()


@pytest.mark.asyncio
async def test_fake_answers_stream_false_in_one_object(fake: FakeOllama) -> None:
    """The fake's non-streaming shapes, through the client's own stream=False calls."""
    client = ollama.AsyncClient(host=fake.url)
    try:
        chat = await client.chat(model=CHAT_MODEL, messages=[{"role": "user", "content": "hello you"}])
        assert chat.done and chat.message.content == "hello you" and chat.eval_count == 2
        generated = await client.generate(model=CHAT_MODEL, prompt="hi there", options={"num_predict": 3})
        assert generated.response == "hi there hi" and generated.done_reason == "length"
        assert generated.context
        pulled = await client.pull("tinyllama")
        assert pulled.status == "success"
        with pytest.raises(ollama.ResponseError) as caught:
            await client.chat(model="missing", messages=[{"role": "user", "content": "x"}])
        assert caught.value.status_code == 404
        assert caught.value.error == 'model "missing" not found, try pulling it first'
    finally:
        await client.close()
