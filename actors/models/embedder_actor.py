"""Embedder: the platform's one text-embedding actor, at `embedder/<name>`.

It holds one encoder (sentence-transformers in-process, or an Ollama client, as the
`embeddings` settings say) behind an EmbeddingBatcher, so many concurrent small
requests (agents, index shards, the REST API) share a few large encode calls. The
logic lives in actors/models/embeddings.py; this class adds lifetime and the bus tools.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path
from typing import Any

from actors.base import SupervisedActor, tool
from actors.models.embeddings import (
    EmbeddingBatcher,
    OllamaEncoder,
    SentenceTransformerEncoder,
    locate_package_model,
    validate_texts,
)
from actors.models.onnx_encoder import OnnxEncoder, OnnxUnsupported, ensure_exported
from actors.models.recorder import CallRecorder
from configs.settings import Settings, get_settings
from protocols.jsonrpc import ErrorCode, RpcError
from protocols.models import Backend, CallRecord, ModelError, ModelErrorCode
from protocols.supervision import ChildSpec

log = logging.getLogger(__name__)

ACTOR = "actors.models.embedder_actor:Embedder"

LocalEncoder = OnnxEncoder | SentenceTransformerEncoder  # the embedded backend's two runtimes


def embedder_address(name: str) -> str:
    return f"embedder/{name}"


def embedder_child_spec(settings: Settings, threads: int | None = None) -> ChildSpec:
    """The child spec the models supervisor uses to run the configured Embedder."""
    kwargs: dict[str, Any] = {} if threads is None else {"threads": threads}
    return ChildSpec(
        id=embedder_address(settings.embeddings.name),
        actor=ACTOR,
        kwargs=kwargs,
        shutdown_timeout_s=10.0,
    )


class Embedder(SupervisedActor):
    """Texts in, unit vectors out; batched across callers."""

    def __init__(self, address: str, threads: int | None = None) -> None:
        super().__init__(address)
        settings = get_settings()
        self.config = settings.embeddings
        self.ollama_host = settings.ollama.host
        self.ollama_timeout_s = settings.ollama.timeout_s
        self.backend = Backend(self.config.backend)
        self.threads = threads
        self.model_name = self.config.name if self.backend is Backend.EMBEDDED else self.config.ollama_model
        self._encoder: LocalEncoder | OllamaEncoder | None = None
        self._batcher: EmbeddingBatcher | None = None
        self._unavailable: str | None = None  # why requests cannot be served (misconfiguration)
        self._unavailable_code = ModelErrorCode.BACKEND_UNAVAILABLE
        self.load_s: float | None = None
        self.warmup_s: float | None = None
        self.requests = 0
        self.failed = 0
        self._recorder: CallRecorder | None = None  # made in on_start (needs Ray's context)

    async def on_start(self) -> None:
        """Load the model (or prepare the Ollama client). A missing model package or
        Ollama host is not a crash (a restart would not fix it, and failing here would
        fail the whole tree's start): the actor runs and every request answers why."""
        import ray

        self._recorder = CallRecorder(ray.get_runtime_context().namespace)
        if self.backend is Backend.EMBEDDED:
            await self._start_embedded()
        elif not self.ollama_host:
            self._set_unavailable("embeddings.backend is 'ollama' but ollama.host is not set")
        else:
            ollama_encoder = OllamaEncoder(self.ollama_host, self.config.ollama_model, self.ollama_timeout_s)
            self._encoder = ollama_encoder
            self._batcher = EmbeddingBatcher(ollama_encoder.encode, self.config.batch_size, self.config.max_wait_ms)

    async def _load_encoder(self, model_dir: Path) -> LocalEncoder:
        """ONNX Runtime when configured and the model allows it, else sentence-transformers."""
        if self.config.runtime == "onnx":
            try:
                cache = get_settings().resolve_path(self.config.onnx_cache_dir)
                model_file = await ensure_exported(model_dir, cache, self.config.onnx_export_timeout_s)
                return await asyncio.to_thread(OnnxEncoder, model_dir, model_file, self.threads)
            except (OnnxUnsupported, ImportError, OSError) as exc:
                log.warning("%s: ONNX runtime not used (%s); loading sentence-transformers", self.address, exc)
            except Exception as exc:  # onnxruntime refusing the file: still served, on torch
                log.warning("%s: ONNX model failed to load (%r); loading sentence-transformers", self.address, exc)
        return await asyncio.to_thread(SentenceTransformerEncoder, model_dir, "cpu", self.threads)

    async def _start_embedded(self) -> None:
        try:
            model_dir = locate_package_model(self.config.package)
            started = time.perf_counter()
            encoder = await self._load_encoder(model_dir)
        except ModelError as err:
            self._set_unavailable(err.message, err.code)
            return
        except ImportError as exc:
            self._set_unavailable(f"sentence-transformers cannot be imported: {exc}")
            return
        self.load_s = time.perf_counter() - started
        # The first encode call pays one-off costs (allocations, kernel selection);
        # pay them here rather than in a caller's latency.
        started = time.perf_counter()
        await asyncio.to_thread(encoder.encode, ["warm-up"])
        self.warmup_s = time.perf_counter() - started
        self._encoder = encoder
        self._batcher = EmbeddingBatcher(encoder.encode, self.config.batch_size, self.config.max_wait_ms)
        log.info(
            "%s: loaded %s from %s on %s in %.2f s (threads=%d)",
            self.address,
            self.config.name,
            model_dir,
            self.runtime,
            self.load_s,
            encoder.threads,
        )

    def _set_unavailable(self, reason: str, code: ModelErrorCode = ModelErrorCode.BACKEND_UNAVAILABLE) -> None:
        self._unavailable = reason
        self._unavailable_code = code
        log.error("%s: embeddings unavailable: %s", self.address, reason)

    async def on_stop(self) -> None:
        if self._batcher is not None:
            await self._batcher.close()
        if self._recorder is not None:
            await self._recorder.close()

    # ---- the Ray API -------------------------------------------------------------

    async def embed(self, texts: list[str]) -> dict[str, Any]:
        """Embed `texts`: {"model", "embeddings", "dimensions", "total_duration" (ns)}.
        Raises ModelError (INVALID_REQUEST for bad input, BACKEND_UNAVAILABLE when not ready)."""
        started = time.perf_counter_ns()
        self.requests += 1
        try:
            checked = validate_texts(texts)
            vectors = await self._ready_batcher().embed(checked)
        except ModelError as err:
            self.failed += 1
            self._record(texts, started, "error", err.code.value)
            raise
        except Exception as exc:  # an encoder failure, as a stable code
            self.failed += 1
            self._record(texts, started, "error", ModelErrorCode.GENERATION_FAILED.value)
            raise ModelError(
                ModelErrorCode.GENERATION_FAILED,
                f"{self.address}: embedding failed: {type(exc).__name__}: {exc}",
                self.backend,
                500,
            ) from exc
        self._record(checked, started, "ok", None)
        return {
            "model": self.model_name,
            "embeddings": vectors,
            "dimensions": len(vectors[0]) if vectors else self.dimensions,
            "total_duration": time.perf_counter_ns() - started,
        }

    def _record(self, texts: Any, started_ns: int, outcome: str, error_code: str | None) -> None:
        """Every embedding call goes to `model_calls` like generations do. Prompt tokens are
        whitespace-separated words (an estimate: the tokenizer is not run twice)."""
        if self._recorder is None:
            return
        words = sum(len(t.split()) for t in texts if isinstance(t, str)) if isinstance(texts, list) else 0
        self._recorder.record(
            CallRecord(
                model=self.model_name,
                backend=self.backend,
                kind="embed",
                worker=self.address,
                prompt_tokens=words,
                latency_ms=(time.perf_counter_ns() - started_ns) / 1e6,
                outcome=outcome,  # type: ignore[arg-type]
                error_code=error_code,
                task_kind="embedding",
            )
        )

    @property
    def runtime(self) -> str | None:
        """What computes the vectors: `onnx`, `torch`, `ollama`, or None while loading."""
        if isinstance(self._encoder, OnnxEncoder):
            return "onnx"
        if isinstance(self._encoder, SentenceTransformerEncoder):
            return "torch"
        return "ollama" if self._encoder is not None else None

    @property
    def dimensions(self) -> int | None:
        return self._encoder.dimensions if self._encoder is not None else None

    async def count_tokens(self, texts: list[str]) -> int | None:
        """How many tokens the model reads for `texts` (None: the backend does not say)."""
        encoder = self._encoder
        if encoder is None or isinstance(encoder, OllamaEncoder):
            return None
        return await asyncio.to_thread(encoder.count_tokens, validate_texts(texts))

    # ---- bus tools -----------------------------------------------------------------

    @tool(description="Embed a list of texts; returns unit vectors (one per text) and their dimensions.")
    async def embed_texts(self, texts: list[str]) -> dict[str, Any]:
        try:
            return await self.embed(texts)
        except ModelError as err:
            code = ErrorCode.INVALID_PARAMS if err.code is ModelErrorCode.INVALID_REQUEST else ErrorCode.INTERNAL_ERROR
            raise RpcError(code, err.message, err.to_dict()) from None

    @tool(description="The embedding model, its backend and dimensions, and batching counters.")
    async def info(self) -> dict[str, Any]:
        stats = self._batcher.stats if self._batcher is not None else None
        return {
            "address": self.address,
            "name": self.config.name,
            "model": self.model_name,
            "backend": self.backend.value,
            "dimensions": self.dimensions,
            "batch_size": self.config.batch_size,
            "max_wait_ms": self.config.max_wait_ms,
            "threads": getattr(self._encoder, "threads", None),
            "runtime": self.runtime,
            "ready": self._batcher is not None,
            "unavailable": self._unavailable,
            "load_s": self.load_s,
            "warmup_s": self.warmup_s,
            "pid": os.getpid(),
            "requests": self.requests,
            "failed": self.failed,
            "texts": stats.texts if stats else 0,
            "batches": stats.batches if stats else 0,
            "mean_batch_size": round(stats.mean_batch_size, 2) if stats else 0.0,
            "batcher": stats.as_dict() if stats else None,
        }

    def _ready_batcher(self) -> EmbeddingBatcher:
        if self._batcher is None:
            if self._unavailable is not None:
                status = 404 if self._unavailable_code is ModelErrorCode.MODEL_NOT_FOUND else 503
                raise ModelError(self._unavailable_code, self._unavailable, self.backend, status)
            raise ModelError(ModelErrorCode.BACKEND_UNAVAILABLE, f"{self.address} is still loading", self.backend, 503)
        return self._batcher
