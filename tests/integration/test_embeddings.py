"""Embeddings for real: the packaged all-MiniLM-L6-v2 in-process, then the Embedder as a Ray
actor under a supervisor of the test's own, reached through its handle and through the bus.

The only fake here is the Ollama server (none can run here); it is driven through the
real `ollama` client library.
"""

from __future__ import annotations

import json
import math
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import ray
from ray.exceptions import RayTaskError

from actors.models.embeddings import OllamaEncoder, SentenceTransformerEncoder, locate_package_model
from configs.settings import load_settings
from protocols.jsonrpc import ErrorCode
from protocols.models import ModelError, ModelErrorCode
from protocols.supervision import BackoffPolicy, ChildSpec, Strategy, SupervisorFlags
from supervisors.supervisor import DEFAULT_ACTOR_OPTIONS, remote_class

pytestmark = pytest.mark.integration

GUITAR = "A man is playing a guitar."
INSTRUMENT = "Someone plays an instrument."
STOCKS = "The stock market fell sharply today."


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))  # unit vectors


def norm(v: list[float]) -> float:
    return math.sqrt(sum(x * x for x in v))


# ---- (a) the real model, in-process ------------------------------------------------------


@pytest.fixture(scope="module")
def encoder() -> SentenceTransformerEncoder:
    config = load_settings().embeddings
    return SentenceTransformerEncoder(locate_package_model(config.package))


def test_the_packaged_model_is_found_without_importing_its_package() -> None:
    import sys

    package = load_settings().embeddings.package
    imported_before = package in sys.modules
    path = locate_package_model(package)
    assert (path / "modules.json").is_file() and (path / "config.json").is_file()
    assert (package in sys.modules) == imported_before


def test_a_missing_package_is_a_clear_error() -> None:
    with pytest.raises(ModelError) as caught:
        locate_package_model("no_such_embedding_package_xyz")
    assert caught.value.code is ModelErrorCode.MODEL_NOT_FOUND
    assert "no_such_embedding_package_xyz" in caught.value.message


def test_minilm_vectors_are_384_unit_and_meaningful(encoder: SentenceTransformerEncoder) -> None:
    assert encoder.dimensions == 384
    guitar, instrument, stocks = encoder.encode([GUITAR, INSTRUMENT, STOCKS])
    for v in (guitar, instrument, stocks):
        assert len(v) == 384
        assert abs(norm(v) - 1.0) < 1e-4
    related, unrelated = cosine(guitar, instrument), cosine(guitar, stocks)
    assert related > unrelated + 0.2, (related, unrelated)


def test_minilm_is_deterministic_and_independent_of_batch_company(encoder: SentenceTransformerEncoder) -> None:
    alone = encoder.encode([GUITAR])[0]
    again = encoder.encode([GUITAR])[0]
    assert alone == again
    in_company = encoder.encode([STOCKS, GUITAR, "a much longer sentence " * 10])[1]
    assert max(abs(x - y) for x, y in zip(alone, in_company, strict=True)) < 1e-4


# ---- the Embedder in-process (its logic without Ray) --------------------------------------------


@pytest.mark.asyncio
async def test_embedder_in_process_embeds_and_answers_rpc() -> None:
    from actors.models.embedder_actor import Embedder

    actor = Embedder("embedder/in-process")
    await actor.supervision_ready()
    try:
        answer = await actor.embed([GUITAR, STOCKS])
        assert answer["dimensions"] == 384 and len(answer["embeddings"]) == 2
        reply = await actor.handle_rpc(
            {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "embed_texts", "arguments": {}}}
        )
        assert reply is not None and reply["error"]["code"] == ErrorCode.INVALID_PARAMS  # texts is required
        info = await actor.info()
        assert info["ready"] and info["load_s"] > 0 and info["threads"] >= 1
        assert info["runtime"] == load_settings().embeddings.runtime == "onnx"  # the default: no torch
        assert info["requests"] == 1 and info["batches"] == 1
    finally:
        await actor.supervision_stop()


@pytest.mark.asyncio
async def test_a_missing_model_package_leaves_the_embedder_up_answering_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from actors.models.embedder_actor import Embedder
    from configs.settings import get_settings

    monkeypatch.setenv("PYGENT_EMBEDDINGS_PACKAGE", "no_such_embedding_package_xyz")
    get_settings.cache_clear()
    try:
        actor = Embedder("embedder/missing")
        await actor.supervision_ready()  # starts: a restart would not install the package
        with pytest.raises(ModelError) as caught:
            await actor.embed(["hello"])
        assert caught.value.code is ModelErrorCode.MODEL_NOT_FOUND
        assert "no_such_embedding_package_xyz" in caught.value.message
        info = await actor.info()
        assert not info["ready"] and "no_such_embedding_package_xyz" in info["unavailable"]
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


# ---- the Ollama edge: a fake server, the real client ------------------------------------------


class _FakeOllama(BaseHTTPRequestHandler):
    """Answers POST /api/embed as Ollama does; model 'missing' is not pulled."""

    seen: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append({"path": self.path, **body})
        if body.get("model") == "missing":
            self._answer(404, {"error": 'model "missing" not found, try pulling it first'})
            return
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        vectors = [[float(len(t)), 1.0, 0.0] for t in texts]
        self._answer(200, {"model": body["model"], "embeddings": vectors, "total_duration": 1000})

    def _answer(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def fake_ollama() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeOllama)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.asyncio
async def test_ollama_encoder_speaks_the_embed_api(fake_ollama: str) -> None:
    encoder = OllamaEncoder(fake_ollama, "all-minilm")
    assert await encoder.encode(["ab", "abcd"]) == [[2.0, 1.0, 0.0], [4.0, 1.0, 0.0]]
    assert encoder.dimensions == 3
    request = _FakeOllama.seen[-1]
    assert request["path"] == "/api/embed" and request["model"] == "all-minilm"
    assert request["input"] == ["ab", "abcd"]


@pytest.mark.asyncio
async def test_ollama_errors_become_model_errors(fake_ollama: str) -> None:
    with pytest.raises(ModelError) as missing:
        await OllamaEncoder(fake_ollama, "missing").encode(["x"])
    assert missing.value.code is ModelErrorCode.MODEL_NOT_FOUND
    with pytest.raises(ModelError) as down:
        await OllamaEncoder("http://127.0.0.1:9", "all-minilm", timeout_s=5).encode(["x"])
    assert down.value.code is ModelErrorCode.BACKEND_UNAVAILABLE


# ---- (b) the Embedder actor under a supervisor of the test's own --------------------------------


@pytest.fixture(scope="module")
def embedder(client: Any) -> Iterator[str]:
    """One Embedder for the module (the model loads once), at a unique address."""
    address = f"embedder/t-{uuid.uuid4().hex[:8]}"
    flags = SupervisorFlags(
        strategy=Strategy.ONE_FOR_ONE,
        intensity=3,
        period_s=30.0,
        backoff=BackoffPolicy(initial_s=0.0, base_s=0.1, max_s=1.0, jitter=0.0),
        start_timeout_s=180.0,  # importing torch on a busy 2-core machine takes seconds
    )
    supervisor_address = f"supervisor/t-{uuid.uuid4().hex[:8]}"
    child = ChildSpec(id=address, actor="actors.models.embedder_actor:Embedder", shutdown_timeout_s=10.0)
    supervisor = (
        remote_class("supervisors.supervisor:Supervisor")
        .options(**DEFAULT_ACTOR_OPTIONS, name=supervisor_address, namespace=client.namespace)
        .remote(supervisor_address, flags.model_dump(mode="json"), [child.model_dump(mode="json")], client.namespace)
    )
    ray.get(supervisor.supervision_ready.remote(), timeout=240)
    try:
        yield address
    finally:
        ray.get(supervisor.supervision_stop.remote(), timeout=60)
        ray.kill(supervisor)


def test_embed_through_the_handle(client: Any, embedder: str, encoder: SentenceTransformerEncoder) -> None:
    handle = client.actor(embedder)
    answer = ray.get(handle.embed.remote([GUITAR, INSTRUMENT, STOCKS]), timeout=60)
    assert answer["model"] == load_settings().embeddings.name
    assert answer["dimensions"] == 384 and len(answer["embeddings"]) == 3
    assert isinstance(answer["total_duration"], int) and answer["total_duration"] > 0
    guitar, instrument, stocks = answer["embeddings"]
    assert cosine(guitar, instrument) > cosine(guitar, stocks)
    local = encoder.encode([GUITAR])[0]  # the same model in the actor and here
    assert max(abs(x - y) for x, y in zip(guitar, local, strict=True)) < 1e-4


def test_embed_texts_through_the_bus(client: Any, embedder: str) -> None:
    answer = client.call_tool(embedder, "embed_texts", {"texts": [GUITAR, STOCKS]})
    assert answer["dimensions"] == 384
    assert [len(v) for v in answer["embeddings"]] == [384, 384]
    assert abs(norm(answer["embeddings"][0]) - 1.0) < 1e-4
    tools = {t["name"]: t for t in client.call(embedder, "tools/list")["tools"]}
    assert {"embed_texts", "info"} <= set(tools)
    assert tools["embed_texts"]["inputSchema"]["properties"]["texts"]["type"] == "array"
    info = client.call_tool(embedder, "info")
    assert info["backend"] == "embedded" and info["dimensions"] == 384
    assert info["batch_size"] == load_settings().embeddings.batch_size


def test_concurrent_calls_are_batched(client: Any, embedder: str) -> None:
    handle = client.actor(embedder)
    before = ray.get(handle.info.remote())
    texts = [f"Sentence number {i} about {topic}." for i, topic in enumerate(["music", "markets", "cats"] * 16)]
    started = time.perf_counter()
    answers = ray.get([handle.embed.remote([t]) for t in texts], timeout=120)
    elapsed = time.perf_counter() - started
    after = ray.get(handle.info.remote())
    requests = after["requests"] - before["requests"]
    batches = after["batches"] - before["batches"]
    assert requests == len(texts)
    assert after["texts"] - before["texts"] == len(texts)
    assert batches < requests, (batches, requests, elapsed)
    assert all(len(a["embeddings"]) == 1 and len(a["embeddings"][0]) == 384 for a in answers)
    # each caller got its own text's vector: same text, same vector as a lone call
    lone = ray.get(handle.embed.remote([texts[7]]))["embeddings"][0]
    assert max(abs(x - y) for x, y in zip(lone, answers[7]["embeddings"][0], strict=True)) < 1e-4


@pytest.mark.parametrize(("texts", "problem"), [([], "empty"), (["fine", ""], "texts[1] is an empty string")])
def test_bad_input_is_an_error_naming_the_problem(client: Any, embedder: str, texts: list[str], problem: str) -> None:
    answer = client.request(embedder, "tools/call", {"name": "embed_texts", "arguments": {"texts": texts}})
    assert answer["error"]["code"] == ErrorCode.INVALID_PARAMS
    assert problem in answer["error"]["message"]
    assert answer["error"]["data"]["code"] == ModelErrorCode.INVALID_REQUEST.value
    with pytest.raises((ModelError, RayTaskError)) as caught:
        ray.get(client.actor(embedder).embed.remote(texts), timeout=30)
    assert problem in str(caught.value)
    # the actor is unharmed
    assert client.call_tool(embedder, "embed_texts", {"texts": ["still here"]})["dimensions"] == 384


def test_wrong_argument_types_are_refused_by_the_tool_schema(client: Any, embedder: str) -> None:
    answer = client.request(embedder, "tools/call", {"name": "embed_texts", "arguments": {"texts": "one string"}})
    assert answer["error"]["code"] == ErrorCode.INVALID_PARAMS
