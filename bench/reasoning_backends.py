"""What the reasoning benchmarks run against: the real platform through its REST API
(`platform`, the default), or the engines in this process (`engine`, a development path).

Both answer the same three questions, so the benchmark code above them is one:
- `reason(body)`: one reasoning session (a StartReasoningBody as a dict) -> its ReasoningResult
  and the wall time from the request to the finished result;
- `chat(model, prompt, ...)`: one model call outside any session (the IO and CoT baselines);
- `ingest(index, documents)`: documents into a fresh knowledge index.

platform: a private platform started as the integration tests start it (a throw-away state
directory, a free port), with optional settings overrides (`ollama.host`, the worker count of
an embedded model) written to a PYGENT_CONFIG file; sessions through
`POST /api/v1/reasoning/start` and `GET /api/v1/reasoning/results/{id}?wait_s=`, model calls
through `POST /api/v1/ollama/chat`, documents through `POST /api/v1/search/documents`.

engine: ReasoningPipeline in this process with the embedded GGUF loaded through
LlamaCppEngine (as a ModelWorker holds it; one engine, so n samples run one after another),
and an in-process retriever (the platform's HTML parser and chunker, the platform's MiniLM
model, exact cosine search: semantic only, whatever mode is asked). No Ray, no PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
import numpy as np
import yaml

from bench.common import auth_headers, console
from protocols.knowledge import SearchMode
from protocols.reasoning import Completion, Passage, ReasoningResult, SessionStatus

FINISHED = {SessionStatus.COMPLETED, SessionStatus.STOPPED, SessionStatus.FAILED}


@dataclass
class Outcome:
    """One finished session as a benchmark sees it."""

    result: ReasoningResult
    wall_s: float
    session_id: str | None = None
    retrieved: list[Passage] = field(default_factory=list)  # every passage any step retrieved, where known


@dataclass
class Reply:
    """One model call outside a session."""

    completion: Completion
    wall_s: float


class Backend(Protocol):
    name: str

    def reason(self, body: dict[str, Any]) -> Outcome: ...

    def chat(self, model: str, prompt: str, temperature: float, max_tokens: int) -> Reply: ...

    def ingest(self, index: str, documents: Sequence[tuple[str, str]]) -> dict[str, Any]: ...

    def calibrate(self, model: str, calibration: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


class BenchError(RuntimeError):
    """A run that cannot go on (the platform refused a request, a session never finished)."""


RATE_LIMIT_PATIENCE_S = 300.0  # how long a client waits out 429s before it reports one


def retry_after_s(response: httpx.Response) -> float:
    """How long a 429 asks to wait: its JSON `retry_after_s`, else the Retry-After header, else 1 s."""
    with contextlib.suppress(ValueError, TypeError, AttributeError):
        return max(0.1, float(response.json()["retry_after_s"]))
    with contextlib.suppress(ValueError, TypeError):
        return max(0.1, float(response.headers.get("retry-after", "")))
    return 1.0


# ---- platform ------------------------------------------------------------------------------


class PlatformBackend:
    """The whole platform in a private Ray cluster, driven over HTTP only."""

    name = "platform"

    def __init__(
        self,
        *,
        namespace: str,
        ollama_host: str | None = None,
        workers: dict[str, int] | None = None,
        env: dict[str, str] | None = None,
        session_timeout_s: float = 1800.0,
    ) -> None:
        self.session_timeout_s = session_timeout_s
        self.state_dir = Path(tempfile.mkdtemp(prefix="pgr-", dir="/tmp"))  # short: Ray's socket paths
        self._saved_env = dict(os.environ)
        os.environ.update(
            {
                "RAY_AUTH_MODE": "disabled",
                "PYGENT_STATE_DIR": str(self.state_dir),
                "PYGENT_RAY_NAMESPACE": namespace,
                "PYGENT_RAY_INCLUDE_DASHBOARD": "false",
                "PYGENT_RAY_OBJECT_STORE_MEMORY_MB": "200",
                **(env or {}),
            }
        )
        if ollama_host:
            os.environ["PYGENT_OLLAMA_HOST"] = ollama_host
        if workers:
            os.environ["PYGENT_CONFIG"] = str(self._config_file(workers))
        from configs.settings import get_settings, load_settings
        from serve_app.platform import init_ray, start_serve, start_tree

        get_settings.cache_clear()
        self.settings = load_settings()
        self.owns_cluster = False
        started = time.perf_counter()
        try:
            self.owns_cluster = init_ray(self.settings)
            start_tree(self.settings)
            from bench.models import free_port, wait_http

            self.settings.serve.port = free_port()  # picked late: a shared machine's ports move
            self.url = start_serve(self.settings) + "api/v1/"
            wait_http(self.url + "health")
        except BaseException:
            self.close()
            raise
        self.start_s = time.perf_counter() - started
        self.http = httpx.Client(base_url=self.url, timeout=httpx.Timeout(120.0, connect=30.0), headers=auth_headers())

    def _config_file(self, workers: dict[str, int]) -> Path:
        """A PYGENT_CONFIG file: the caller's own (if any) with these worker counts on top."""
        from configs.settings import load_settings

        data: dict[str, Any] = {}
        previous = os.environ.get("PYGENT_CONFIG")
        if previous:
            data = yaml.safe_load(Path(previous).read_text()) or {}
        embedded = [m.model_dump() for m in load_settings().models.embedded]
        unknown = set(workers) - {m["name"] for m in embedded}
        if unknown:
            raise BenchError(f"not an embedded model of the settings: {sorted(unknown)}")
        for entry in embedded:
            entry["workers"] = workers.get(entry["name"], entry["workers"])
        data.setdefault("models", {})["embedded"] = embedded
        path = self.state_dir / "bench-config.yaml"
        path.write_text(yaml.safe_dump(data))
        return path

    def _json(self, response: httpx.Response, what: str) -> Any:
        if response.status_code >= 400:
            raise BenchError(f"{what}: HTTP {response.status_code} {response.text[:500]}")
        return response.json()

    def _send(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        """A request's JSON; a 429 is waited out as its `retry_after_s` says (as a client should),
        for at most RATE_LIMIT_PATIENCE_S in all."""
        give_up = time.monotonic() + RATE_LIMIT_PATIENCE_S
        while True:
            response = self.http.request(method, path, **kwargs)
            if response.status_code != 429 or time.monotonic() >= give_up:
                return self._json(response, what)
            time.sleep(retry_after_s(response))

    def reason(self, body: dict[str, Any]) -> Outcome:
        started = time.perf_counter()
        summary = self._send("POST", "reasoning/start", "POST /reasoning/start", json=body)
        session_id = summary["session_id"]
        deadline = time.monotonic() + self.session_timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.http.post("reasoning/stop", json={"session_id": session_id})
                raise BenchError(f"session {session_id} did not finish within {self.session_timeout_s} s")
            wait = min(60.0, left)
            view = self._send(
                "GET",
                f"reasoning/results/{session_id}",
                "GET /reasoning/results",
                params={"wait_s": wait},
                timeout=wait + 60,
            )
            result = view.get("result")
            if result is not None and SessionStatus(result["status"]) in FINISHED:
                break
            session = view["session"]
            if result is None and SessionStatus(session["status"]) in FINISHED:
                # a session that failed before it had a result (its row holds the error): an
                # answer of this mode that failed, not a reason to ask again at once forever
                result = {"mode": session["resolved_mode"] or session["mode"], "status": session["status"]}
                result["error"] = session.get("error") or f"the session ended {session['status']} without a result"
                break
        wall = time.perf_counter() - started
        outcome = Outcome(ReasoningResult.model_validate(result), wall, session_id)
        tree = self.http.get(f"reasoning/sessions/{session_id}/tree")
        if tree.status_code == 200:
            outcome.retrieved = [Passage.model_validate(p) for p in (tree.json().get("passages") or {}).values()]
        return outcome

    def calibrate(self, model: str, calibration: dict[str, Any]) -> None:
        """ADAPTIVE's calibration for `model`, stored on the platform (POST /reasoning/modes)."""
        self._send("POST", "reasoning/modes", "POST /reasoning/modes", json={"calibrations": {model: calibration}})

    def chat(self, model: str, prompt: str, temperature: float, max_tokens: int) -> Reply:
        body = {
            "model": model,
            "messages": [{"role": "user", "content": prompt}],
            "stream": False,
            "options": {"temperature": temperature, "num_predict": max_tokens},
        }
        started = time.perf_counter()
        answer = self._json(
            self.http.post("ollama/chat", json=body, params={"task_kind": "bench"}), "POST /ollama/chat"
        )
        wall = time.perf_counter() - started
        completion = Completion(
            text=(answer.get("message") or {}).get("content", ""),
            prompt_tokens=int(answer.get("prompt_eval_count") or 0),
            completion_tokens=int(answer.get("eval_count") or 0),
        )
        return Reply(completion, wall)

    def ingest(self, index: str, documents: Sequence[tuple[str, str]], in_flight: int = 4) -> dict[str, Any]:
        """A fresh index (dropped first if it exists) and the documents, source in the metadata;
        `in_flight` documents at a time, so parsing one overlaps embedding another."""
        from concurrent.futures import ThreadPoolExecutor, as_completed

        from bench.common import progress_bar

        existing = self._json(self.http.get("search/indexes"), "GET /search/indexes")
        if any(i["name"] == index for i in existing["indexes"]):
            self._json(self.http.delete(f"search/indexes/{index}"), "DELETE /search/indexes")
        self._json(self.http.post("search/indexes", json={"name": index}), "POST /search/indexes")

        def add(source: str, html: str) -> int:
            meta = {"source": source}
            body = {"index": index, "content": html, "format": "html", "filename": source, "metadata": meta}
            added = self._json(
                self.http.post("search/documents", json=body, timeout=600), f"POST /search/documents ({source})"
            )
            return int(added["chunks"])

        chunks = 0
        started = time.perf_counter()
        with progress_bar() as bar, ThreadPoolExecutor(in_flight) as pool:
            task = bar.add_task(f"ingest into {index}", total=len(documents))
            for future in as_completed([pool.submit(add, source, html) for source, html in documents]):
                chunks += future.result()
                bar.advance(task)
        return {"documents": len(documents), "chunks": chunks, "seconds": time.perf_counter() - started}

    def close(self) -> None:
        http = getattr(self, "http", None)
        if http is not None:
            http.close()
        from serve_app.platform import stop_platform

        try:
            stop_platform(self.settings, owns_cluster=self.owns_cluster)
        finally:
            os.environ.clear()
            os.environ.update(self._saved_env)
            shutil.rmtree(self.state_dir, ignore_errors=True)


# ---- engine (in this process) --------------------------------------------------------------


class InProcessModel:
    """A ModelClient over one LlamaCppEngine in this process: the chat request RuntimeModel
    sends (the prompt as the user message), the counts from the final chunk."""

    def __init__(self, name: str, settings: Any) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", "1")  # what Ray gives a ModelWorker
        from actors.models.catalog import configured_model, find_gguf
        from actors.models.llama_engine import LlamaCppEngine

        config = configured_model(name, settings)
        if config is None:
            raise BenchError(f"--backend engine runs embedded models only; {name!r} is not one of the settings")
        path = find_gguf(config.file, settings)
        if path is None:
            raise BenchError(f"GGUF file {config.file} not found")
        self.name = name
        self.engine = LlamaCppEngine(name, path, config.n_ctx, config.threads)
        self.engine.load()
        self._lock = threading.Lock()

    def _one(self, prompt: str, temperature: float, max_tokens: int, stop: Sequence[str] | None) -> Completion:
        from protocols.models import ChatMessage, ChatRequest, GenerationOptions

        request = ChatRequest(
            model=self.name,
            messages=[ChatMessage(role="user", content=prompt)],
            options=GenerationOptions(temperature=temperature, num_predict=max_tokens, stop=list(stop or []) or None),
        )
        text: list[str] = []
        final = None
        with self._lock:
            for chunk in self.engine.stream_chat(request):
                if chunk.done:
                    final = chunk
                else:
                    text.append(chunk.message.content if chunk.message else "")
        return Completion(
            text="".join(text),
            prompt_tokens=(final.prompt_eval_count or 0) if final else 0,
            completion_tokens=(final.eval_count or 0) if final else 0,
        )

    async def generate(
        self,
        prompt: str,
        n: int = 1,
        temperature: float = 0.7,
        max_tokens: int = 256,
        stop: Sequence[str] | None = None,
    ) -> list[Completion]:
        return [await asyncio.to_thread(self._one, prompt, temperature, max_tokens, stop) for _ in range(n)]


class InProcessIndex:
    """A Retriever over documents chunked and embedded here: exact cosine, semantic only."""

    def __init__(self, settings: Any) -> None:
        from actors.knowledge.chunker import Chunker
        from actors.models.embeddings import SentenceTransformerEncoder, locate_package_model

        self.encoder = SentenceTransformerEncoder(locate_package_model(settings.embeddings.package))
        self.chunker = Chunker(settings.knowledge.chunk_size, settings.knowledge.chunk_overlap)
        self.texts: list[str] = []
        self.sources: list[str] = []
        self.vectors = np.zeros((0, self.encoder.dimensions), dtype=np.float32)

    def add(self, source: str, html: str) -> int:
        from actors.knowledge.parsing import parse

        chunks = [c.text for c in self.chunker.split(parse(html, "html").text)]
        if not chunks:
            return 0
        vectors = np.asarray(self.encoder.encode(chunks), dtype=np.float32)
        self.vectors = np.vstack([self.vectors, vectors])
        self.texts.extend(chunks)
        self.sources.extend([source] * len(chunks))
        return len(chunks)

    async def search(self, query: str, k: int, mode: SearchMode = SearchMode.HYBRID) -> list[Passage]:
        vector = np.asarray(self.encoder.encode([query])[0], dtype=np.float32)
        scores = self.vectors @ vector
        top = np.argsort(-scores)[:k]
        return [
            Passage(id=f"chunk-{i}", text=self.texts[i], score=float(scores[i]), source=self.sources[i]) for i in top
        ]


class _Embedder:
    def __init__(self, index: InProcessIndex) -> None:
        self.index = index

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self.index.encoder.encode(list(texts))


class EngineBackend:
    """ReasoningPipeline in this process; models are loaded on first use (embedded ones), or
    given (a scripted model under its name)."""

    name = "engine"

    def __init__(self, models: dict[str, Any] | None = None, *, retrieval: bool = False) -> None:
        from actors.reasoning.config import load_reasoning_config
        from configs.settings import get_settings, load_settings

        get_settings.cache_clear()
        self.settings = load_settings()
        self.config = load_reasoning_config(self.settings.resolve_path(self.settings.reasoning.config_file))
        self.models: dict[str, Any] = dict(models or {})
        self.index: InProcessIndex | None = InProcessIndex(self.settings) if retrieval else None
        self.start_s = 0.0

    def model(self, name: str | None) -> Any:
        name = name or self.settings.models.default_model
        if name is None:
            raise BenchError("no model named and no models.default_model")
        if name not in self.models:
            self.models[name] = InProcessModel(name, self.settings)
        return self.models[name]

    def reason(self, body: dict[str, Any]) -> Outcome:
        from actors.reasoning.pipeline import ReasoningPipeline
        from protocols.reasoning import ReasoningRequest

        request = ReasoningRequest.model_validate(
            {k: v for k, v in body.items() if k in ReasoningRequest.model_fields and v is not None}
        )
        embedder = _Embedder(self.index) if self.index is not None else None
        model = self.model(body.get("model"))
        pipeline = ReasoningPipeline(
            model, self.config, retriever=self.index, embedder=embedder, model_name=body.get("model")
        )
        started = time.perf_counter()
        result = asyncio.run(pipeline.run(request))
        return Outcome(result, time.perf_counter() - started)

    def calibrate(self, model: str, calibration: dict[str, Any]) -> None:
        """ADAPTIVE's calibration for `model` in this process's config."""
        from protocols.reasoning import RouterCalibration

        self.config.classifier.calibrations[model] = RouterCalibration.model_validate(calibration)

    def chat(self, model: str, prompt: str, temperature: float, max_tokens: int) -> Reply:
        started = time.perf_counter()
        out = asyncio.run(self.model(model).generate(prompt, n=1, temperature=temperature, max_tokens=max_tokens))
        return Reply(out[0], time.perf_counter() - started)

    def ingest(self, index: str, documents: Sequence[tuple[str, str]]) -> dict[str, Any]:
        if self.index is None:
            raise BenchError("this engine backend was made without retrieval")
        from bench.common import progress_bar

        chunks = 0
        started = time.perf_counter()
        with progress_bar() as bar:
            task = bar.add_task("ingest (in this process)", total=len(documents))
            for source, html in documents:
                chunks += self.index.add(source, html)
                bar.advance(task)
        return {"documents": len(documents), "chunks": chunks, "seconds": time.perf_counter() - started}

    def close(self) -> None:
        self.models.clear()


@contextmanager
def opened(backend: Backend) -> Iterator[Backend]:
    try:
        yield backend
    finally:
        console.print(f"[dim]stopping the {backend.name} backend[/dim]")
        backend.close()
