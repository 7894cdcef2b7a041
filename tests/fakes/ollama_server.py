"""FakeOllama: Ollama's HTTP API, in process, for tests that drive the real `ollama` client.

Ollama cannot run where the tests run (no binary, no network), so this server speaks
its documented wire format instead: NDJSON streams (one JSON object per line,
`application/x-ndjson`), a last line with done=true, done_reason and the counts and
durations in nanoseconds, and errors as {"error": "..."} with Ollama's status codes
(404 and `model "x" not found, try pulling it first` for an unknown model). An
error that happens after a stream has started is an {"error": ...} line, as Ollama
sends it.

The "model" is deterministic: it echoes the words of the last user message (or the
prompt), one word per token with a small delay, so streaming and cancellation can
be observed. `options.num_predict` > 0 makes it repeat the words until exactly that
many tokens (done_reason "length"); `options.stop` ends it early. With `format`
("json" or a JSON schema) it answers with a JSON document valid for the schema.

It records what happened for assertions: generations_started / _finished /
_cancelled (the client went away before the last line), tokens_sent, and every
request body in `requests`.

    with FakeOllama(models=["llama3.2:1b"]) as fake:
        backend = OllamaBackend(fake.url, 30)
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import random
import re
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

EMBEDDING_DIM = 384
_EMBEDDING_HINTS = ("embed", "minilm", "bge", "e5-")


def canonical(name: str) -> str:
    """Ollama's name normalisation: a model without a tag is `<name>:latest`."""
    name = name.strip()
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class FakeModel:
    """One model as Ollama would describe it in /api/tags, /api/show and /api/ps."""

    name: str  # canonical, with tag
    size: int
    digest: str  # hex, no prefix (as /api/tags reports it)
    family: str = "llama"
    parameter_size: str = "1.2B"
    quantization_level: str = "Q4_K_M"
    parent_model: str = ""
    system: str | None = None
    template: str = "{{ .Prompt }}"
    parameters: dict[str, Any] = field(default_factory=dict)
    modified_at: str = field(default_factory=_now)

    @classmethod
    def make(cls, name: str) -> FakeModel:
        name = canonical(name)
        digest = _sha(name)
        embedding = any(h in name.lower() for h in _EMBEDDING_HINTS)
        family = "bert" if embedding else "llama"
        size = (45 if embedding else 800) * 1024 * 1024 + int(digest[:6], 16)
        return cls(
            name=name,
            size=size,
            digest=digest,
            family=family,
            parameter_size="23M" if embedding else "1.2B",
            quantization_level="F16" if embedding else "Q4_K_M",
        )

    @property
    def capabilities(self) -> list[str]:
        return ["embedding"] if self.family == "bert" else ["completion"]

    @property
    def details(self) -> dict[str, Any]:
        return {
            "parent_model": self.parent_model,
            "format": "gguf",
            "family": self.family,
            "families": [self.family],
            "parameter_size": self.parameter_size,
            "quantization_level": self.quantization_level,
        }

    def layers(self) -> list[tuple[str, int]]:
        """(digest, size) of the blobs a pull downloads: weights, template, params."""
        return [
            (f"sha256:{self.digest}", self.size),
            (f"sha256:{_sha(self.name + '/template')}", len(self.template) + 1024),
            (f"sha256:{_sha(self.name + '/params')}", 96),
        ]

    def tag(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "model": self.name,
            "modified_at": self.modified_at,
            "size": self.size,
            "digest": self.digest,
            "details": self.details,
        }


class NDJSONResponse(StreamingResponse):
    """Ollama's streaming response; also finalises the body generator when the client left.

    Starlette cancels a stream whose client disconnected; if that happens while the
    generator waits at a `yield`, only closing it runs its `finally` (where the fake
    counts a cancellation), so this does it at once rather than at garbage collection."""

    media_type = "application/x-ndjson"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            aclose = getattr(self.body_iterator, "aclose", None)
            if aclose is not None:
                await aclose()


class FakeOllama:
    """An in-process Ollama (FastAPI under uvicorn in a thread, on 127.0.0.1:<free port>)."""

    def __init__(
        self,
        models: Iterable[str] = ("llama3.2:1b", "all-minilm"),
        *,
        token_delay_s: float = 0.005,
        pull_delay_s: float = 0.001,
        registry: Collection[str] | None = None,
        version: str = "0.12.6",
        embedding_dim: int = EMBEDDING_DIM,
    ) -> None:
        self.models: dict[str, FakeModel] = {}
        for name in models:
            self.add_model(name)
        self.token_delay_s = token_delay_s
        self.pull_delay_s = pull_delay_s
        # None: every name can be pulled; otherwise only these (others: manifest not found).
        self.registry = None if registry is None else {canonical(n) for n in registry}
        self.version = version
        self.embedding_dim = embedding_dim
        # Fault injection: after this many tokens, a stream sends an {"error": ...} line.
        self.stream_error_after: int | None = None
        self.stream_error_message = "llama runner process has terminated: exit status 2"

        # Scripted replies by model: each chat/generate request of that model takes the next
        # one whole (a test drives a model's structured decisions, e.g. a tool call, this way).
        self.scripts: dict[str, deque[str]] = {}
        # Models that answer by a function of the prompt (a scripted reasoner, for instance).
        self.responders: dict[str, Callable[[str], str]] = {}

        self.generations_started = 0
        self.generations_finished = 0
        self.generations_cancelled = 0
        self.tokens_sent = 0
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.loaded: dict[str, float] = {}  # model -> expiry (time.time())

        self.url = ""
        self.port = 0
        self.app = self._build_app()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._word_vectors: dict[str, list[float]] = {}

    # ---- lifecycle -------------------------------------------------------------------

    def __enter__(self) -> FakeOllama:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, port: int = 0) -> FakeOllama:
        """Serve on `port` (0: the OS picks a free one; give the old port to come back after stop)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        self.port = int(sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            self.app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"fake-ollama-{self.port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("FakeOllama did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    # ---- state -----------------------------------------------------------------------

    def add_model(self, name: str) -> FakeModel:
        model = FakeModel.make(name)
        self.models[model.name] = model
        return model

    def script(self, name: str, replies: Iterable[str]) -> None:
        """The next requests of model `name` answer these texts, in order (then echo again)."""
        self.scripts[canonical(name)] = deque(replies)

    def has_model(self, name: str) -> bool:
        return canonical(name) in self.models

    def _find(self, name: str) -> FakeModel | None:
        return self.models.get(canonical(name)) if name else None

    def _touch(self, model: FakeModel) -> int:
        """Mark the model loaded (for /api/ps); the load_duration a first use would cost."""
        was_loaded = self.loaded.get(model.name, 0) > time.time()
        self.loaded[model.name] = time.time() + 300
        return 1_000_000 if was_loaded else 250_000_000

    # ---- HTTP API ---------------------------------------------------------------------

    def _build_app(self) -> FastAPI:
        app = FastAPI(title="fake-ollama", docs_url=None, redoc_url=None, openapi_url=None)

        @app.get("/")
        @app.head("/")
        async def root() -> Response:
            return PlainTextResponse("Ollama is running")

        @app.get("/api/version")
        async def version() -> Response:
            return JSONResponse({"version": self.version})

        @app.get("/api/tags")
        async def tags() -> Response:
            return JSONResponse({"models": [m.tag() for m in self.models.values()]})

        @app.get("/api/ps")
        async def ps() -> Response:
            now = time.time()
            running = []
            for name, expiry in list(self.loaded.items()):
                model = self.models.get(name)
                if model is None or expiry <= now:
                    continue
                expires = datetime.fromtimestamp(expiry, UTC).isoformat().replace("+00:00", "Z")
                running.append(
                    {
                        "name": name,
                        "model": name,
                        "size": model.size,
                        "digest": model.digest,
                        "details": model.details,
                        "expires_at": expires,
                        "size_vram": model.size,
                        "context_length": 4096,
                    }
                )
            return JSONResponse({"models": running})

        @app.post("/api/show")
        async def show(request: Request) -> Response:
            body = await self._body(request, "/api/show")
            name = body.get("model") or body.get("name") or ""
            model = self._find(name)
            if model is None:
                return _error(404, f"model '{name}' not found")
            parameters = "\n".join(f"{k:<30} {v}" for k, v in model.parameters.items())
            modelfile = f"FROM {model.parent_model or model.name}\nTEMPLATE {model.template}\n"
            if model.system:
                modelfile += f"SYSTEM {model.system}\n"
            return JSONResponse(
                {
                    "modelfile": modelfile,
                    "parameters": parameters,
                    "template": model.template,
                    "system": model.system or "",
                    "details": model.details,
                    "model_info": {
                        "general.architecture": model.family,
                        "general.parameter_count": model.size,
                        f"{model.family}.context_length": 4096,
                        f"{model.family}.embedding_length": self.embedding_dim,
                    },
                    "capabilities": model.capabilities,
                    "modified_at": model.modified_at,
                }
            )

        @app.post("/api/chat")
        async def chat(request: Request) -> Response:
            body = await self._body(request, "/api/chat")
            messages = body.get("messages") or []
            users = [m.get("content") or "" for m in messages if m.get("role") == "user"]
            prompt = users[-1] if users else ""
            prompt_tokens = sum(len((m.get("content") or "").split()) + 4 for m in messages)
            return await self._generation(request, body, "chat", prompt, prompt_tokens)

        @app.post("/api/generate")
        async def generate(request: Request) -> Response:
            body = await self._body(request, "/api/generate")
            prompt = body.get("prompt") or ""
            prompt_tokens = len(prompt.split()) + len((body.get("system") or "").split()) + 4
            return await self._generation(request, body, "generate", prompt, prompt_tokens)

        @app.post("/api/embed")
        async def embed(request: Request) -> Response:
            started = time.perf_counter_ns()
            body = await self._body(request, "/api/embed")
            name = body.get("model") or ""
            model = self._find(name)
            if model is None:
                return _not_found(name)
            inputs = body.get("input", [])
            texts = [inputs] if isinstance(inputs, str) else list(inputs)
            load = self._touch(model)
            vectors = [self._embedding(t, body.get("dimensions")) for t in texts]
            return JSONResponse(
                {
                    "model": name,
                    "embeddings": vectors,
                    "total_duration": time.perf_counter_ns() - started + load,
                    "load_duration": load,
                    "prompt_eval_count": sum(len(t.split()) + 2 for t in texts),
                }
            )

        @app.post("/api/pull")
        async def pull(request: Request) -> Response:
            body = await self._body(request, "/api/pull")
            name = body.get("model") or body.get("name") or ""
            if not name:
                return _error(400, "model is required")
            return await self._progress(body, self._pull_events(name))

        @app.post("/api/create")
        async def create(request: Request) -> Response:
            body = await self._body(request, "/api/create")
            name = body.get("model") or body.get("name") or ""
            base_name = body.get("from") or ""
            if not name:
                return _error(400, "invalid model name")
            if not base_name and not body.get("files"):
                return _error(400, "neither 'from' or 'files' was specified")
            base = self._find(base_name)
            if base is None:
                # Simplification: Ollama reports the missing base before any progress.
                return _not_found(base_name)
            return await self._progress(body, self._create_events(name, base, body))

        @app.delete("/api/delete")
        async def delete(request: Request) -> Response:
            body = await self._body(request, "/api/delete")
            name = body.get("model") or body.get("name") or ""
            model = self._find(name)
            if model is None:
                return _error(404, f"model '{name}' not found")
            del self.models[model.name]
            self.loaded.pop(model.name, None)
            return Response(status_code=200)

        return app

    async def _body(self, request: Request, path: str) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        self.requests.append((path, body))
        return body

    # ---- generation -------------------------------------------------------------------

    async def _generation(
        self, request: Request, body: dict[str, Any], kind: str, prompt: str, prompt_tokens: int
    ) -> Response:
        started = time.perf_counter_ns()
        name = body.get("model") or ""
        if not name:
            return _error(400, "model is required")
        model = self._find(name)
        if model is None:
            return _not_found(name)
        if "completion" not in model.capabilities:
            return _error(400, f'"{name}" does not support {kind}')
        options = body.get("options") or {}
        scripted = self.scripts.get(model.name)
        responder = self.responders.get(model.name)
        if scripted:
            reply = scripted.popleft()
            pieces, done_reason = [reply[i : i + 4] for i in range(0, len(reply), 4)] or [""], "stop"
        elif responder is not None:
            reply = responder(prompt)
            pieces, done_reason = [reply[i : i + 4] for i in range(0, len(reply), 4)] or [""], "stop"
        else:
            pieces, done_reason = self._answer(prompt, body.get("format"), options)
        load = self._touch(model)

        def line(piece: str) -> dict[str, Any]:
            if kind == "chat":
                return {
                    "model": name,
                    "created_at": _now(),
                    "message": {"role": "assistant", "content": piece},
                    "done": False,
                }
            return {"model": name, "created_at": _now(), "response": piece, "done": False}

        def final(text: str, eval_started: int, eval_count: int) -> dict[str, Any]:
            end = time.perf_counter_ns()
            last = line(text)
            if kind == "chat":
                last["message"]["content"] = text
            else:
                last["context"] = [int(_sha(w)[:4], 16) for w in (prompt.split() + pieces)][:64]
            prompt_eval = prompt_tokens * 50_000
            last.update(
                {
                    "done": True,
                    "done_reason": done_reason,
                    "total_duration": end - started + load + prompt_eval,
                    "load_duration": load,
                    "prompt_eval_count": prompt_tokens,
                    "prompt_eval_duration": prompt_eval,
                    "eval_count": eval_count,
                    "eval_duration": max(end - eval_started, 1),
                }
            )
            return last

        stream = body.get("stream", True)  # Ollama streams unless told otherwise
        self.generations_started += 1
        if not stream:
            eval_started = time.perf_counter_ns()
            try:
                await asyncio.sleep(self.token_delay_s * len(pieces))
            except asyncio.CancelledError:
                self.generations_cancelled += 1
                raise
            if self.stream_error_after is not None and self.stream_error_after < len(pieces):
                self.generations_finished += 1
                return _error(500, self.stream_error_message)
            self.tokens_sent += len(pieces)
            self.generations_finished += 1
            return JSONResponse(final("".join(pieces), eval_started, len(pieces)))

        async def lines() -> AsyncIterator[bytes]:
            finished = False
            try:
                eval_started = time.perf_counter_ns()
                for index, piece in enumerate(pieces):
                    if self.stream_error_after is not None and index >= self.stream_error_after:
                        finished = True  # the model failed; the client did not go away
                        yield _ndjson({"error": self.stream_error_message})
                        return
                    if await request.is_disconnected():
                        return
                    yield _ndjson(line(piece))
                    self.tokens_sent += 1
                    await asyncio.sleep(self.token_delay_s)
                finished = True
                yield _ndjson(final("", eval_started, len(pieces)))
            finally:
                # No awaits here: this runs inside a cancelled task when the client left.
                if finished:
                    self.generations_finished += 1
                else:
                    self.generations_cancelled += 1

        return NDJSONResponse(lines())

    def _answer(self, prompt: str, fmt: Any, options: dict[str, Any]) -> tuple[list[str], str]:
        """The tokens of the answer and why it ends ("stop" or "length")."""
        limit = options.get("num_predict")
        limit = limit if isinstance(limit, int) and limit > 0 else None
        words = prompt.split() or ["ok"]
        if fmt:
            document = json.dumps(_instance(fmt, words) if isinstance(fmt, dict) else {"response": " ".join(words)})
            tokens = [document[i : i + 4] for i in range(0, len(document), 4)]
        elif limit is not None:
            tokens = [words[i % len(words)] for i in range(limit)]
        else:
            tokens = list(words)
        pieces = [t if i == 0 or fmt else f" {t}" for i, t in enumerate(tokens)]
        reason = "stop"
        stops = options.get("stop") or []
        for i, piece in enumerate(pieces):
            if any(s and s in piece for s in stops):
                return pieces[:i], "stop"
        if limit is not None and len(pieces) >= limit:
            pieces, reason = pieces[:limit], "length"
        return pieces, reason

    # ---- pull and create -----------------------------------------------------------------

    async def _progress(self, body: dict[str, Any], events: AsyncIterator[dict[str, Any]]) -> Response:
        if body.get("stream", True):

            async def lines() -> AsyncIterator[bytes]:
                async for event in events:
                    yield _ndjson(event)

            return NDJSONResponse(lines())
        last: dict[str, Any] = {}
        async for event in events:
            if "error" in event:
                return _error(500, event["error"])
            last = event
        return JSONResponse(last)

    async def _pull_events(self, name: str) -> AsyncIterator[dict[str, Any]]:
        yield {"status": "pulling manifest"}
        await asyncio.sleep(self.pull_delay_s)
        if self.registry is not None and canonical(name) not in self.registry:
            yield {"error": "pull model manifest: file does not exist"}
            return
        model = self._find(name) or FakeModel.make(name)
        steps = 8
        for digest, total in model.layers():
            for step in range(steps + 1):
                yield {
                    "status": f"pulling {digest[7:19]}",
                    "digest": digest,
                    "total": total,
                    "completed": total * step // steps,
                }
                await asyncio.sleep(self.pull_delay_s)
        for status in ("verifying sha256 digest", "writing manifest"):
            yield {"status": status}
            await asyncio.sleep(self.pull_delay_s)
        model.modified_at = _now()
        self.models[model.name] = model
        yield {"status": "success"}

    async def _create_events(self, name: str, base: FakeModel, body: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        for digest, _ in base.layers()[:1]:
            yield {"status": f"using existing layer {digest}"}
        created = FakeModel.make(name)
        created.size, created.family = base.size, base.family
        created.parameter_size, created.quantization_level = base.parameter_size, base.quantization_level
        created.parent_model = base.name
        created.digest = _sha(json.dumps([base.digest, body], sort_keys=True, default=str))
        created.system = body.get("system") or base.system
        created.template = body.get("template") or base.template
        created.parameters = dict(body.get("parameters") or base.parameters)
        for key in ("template", "system", "parameters", "messages"):
            if body.get(key):
                digest = _sha(json.dumps(body[key], sort_keys=True))
                yield {"status": f"creating new layer sha256:{digest}"}
                await asyncio.sleep(self.pull_delay_s)
        yield {"status": "writing manifest"}
        self.models[created.name] = created
        yield {"status": "success"}

    # ---- embeddings ----------------------------------------------------------------------

    def _embedding(self, text: str, dimensions: int | None) -> list[float]:
        """A bag of hashed words: equal texts get equal vectors, shared words raise cosine."""
        words = re.findall(r"\w+", text.lower()) or [""]
        vector = [0.0] * self.embedding_dim
        for word in words:
            for i, x in enumerate(self._word_vector(word)):
                vector[i] += x
        if dimensions:
            vector = vector[:dimensions]
        norm = math.sqrt(sum(x * x for x in vector)) or 1.0
        return [x / norm for x in vector]

    def _word_vector(self, word: str) -> list[float]:
        if word not in self._word_vectors:
            rng = random.Random(int(_sha(word)[:16], 16))
            self._word_vectors[word] = [rng.gauss(0.0, 1.0) for _ in range(self.embedding_dim)]
        return self._word_vectors[word]


# ---- helpers ----------------------------------------------------------------------------


def _ndjson(obj: dict[str, Any]) -> bytes:
    return (json.dumps(obj) + "\n").encode()


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _not_found(name: str) -> JSONResponse:
    return _error(404, f'model "{name}" not found, try pulling it first')


def _instance(schema: dict[str, Any], words: Sequence[str]) -> Any:
    """A JSON value valid for `schema` (the subset structured outputs use), built from words."""
    defs = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    counter = iter(range(1 << 30))

    def word() -> str:
        return words[next(counter) % len(words)]

    def build(node: Any) -> Any:
        if not isinstance(node, dict):
            return None
        if "$ref" in node:
            return build(defs.get(str(node["$ref"]).rsplit("/", 1)[-1], {}))
        if "const" in node:
            return node["const"]
        if node.get("enum"):
            return node["enum"][0]
        for key in ("anyOf", "oneOf"):
            options = [o for o in node.get(key, []) if not (isinstance(o, dict) and o.get("type") == "null")]
            if options:
                return build(options[0])
        if node.get("allOf"):
            parts = [build(part) for part in node["allOf"]]
            if all(isinstance(p, dict) for p in parts):
                merged: dict[str, Any] = {}
                for part in parts:
                    merged.update(part)
                return merged
            return parts[0]
        kind = node.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind is None:
            kind = "object" if "properties" in node else "array" if "items" in node else "string"
        return _BUILDERS.get(kind, lambda n, b, w: w())(node, build, word)

    return build(schema)


def _object(node: dict[str, Any], build: Callable[[Any], Any], word: Callable[[], str]) -> Any:
    return {key: build(sub) for key, sub in (node.get("properties") or {}).items()}


def _array(node: dict[str, Any], build: Callable[[Any], Any], word: Callable[[], str]) -> Any:
    count = max(int(node.get("minItems", 0)), 2)
    if "maxItems" in node:
        count = min(count, int(node["maxItems"]))
    return [build(node.get("items", {})) for _ in range(count)]


def _string(node: dict[str, Any], build: Callable[[Any], Any], word: Callable[[], str]) -> Any:
    fixed = {
        "date-time": "2024-01-01T00:00:00Z",
        "date": "2024-01-01",
        "time": "00:00:00Z",
        "email": "someone@example.com",
        "uri": "https://example.com/",
        "uuid": _uuid(),
    }
    text = fixed.get(node.get("format", ""), word())
    text = text.ljust(int(node.get("minLength", 0)), "x")
    if "maxLength" in node:
        text = text[: int(node["maxLength"])]
    return text


def _number(node: dict[str, Any], build: Callable[[Any], Any], word: Callable[[], str]) -> Any:
    integer = node.get("type") == "integer"
    low, high = node.get("minimum"), node.get("maximum")
    if "exclusiveMinimum" in node:
        low = float(node["exclusiveMinimum"]) + (1 if integer else 1e-3)
    if "exclusiveMaximum" in node:
        high = float(node["exclusiveMaximum"]) - (1 if integer else 1e-3)
    value = float(len(word()))
    if low is not None and high is not None:
        value = float(math.ceil(low)) if integer else (float(low) + float(high)) / 2
    elif low is not None:
        value = max(value, float(math.ceil(low)) if integer else float(low))
    elif high is not None:
        value = min(value, float(math.floor(high)) if integer else float(high))
    return int(value) if integer else value


def _uuid() -> str:
    return "123e4567-e89b-42d3-a456-426614174000"


_BUILDERS: dict[str, Callable[[dict[str, Any], Callable[[Any], Any], Callable[[], str]], Any]] = {
    "object": _object,
    "array": _array,
    "string": _string,
    "integer": _number,
    "number": _number,
    "boolean": lambda n, b, w: True,
    "null": lambda n, b, w: None,
}

__all__ = ["EMBEDDING_DIM", "FakeModel", "FakeOllama", "canonical"]
