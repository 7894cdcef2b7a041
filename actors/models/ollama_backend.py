"""OllamaBackend: an Ollama server behind the official `ollama` client, in our own shapes.

A plain class (no Ray) so the same code serves an actor, the CLI and the tests.
Every failure leaves here as a `ModelError` with a stable code, so callers never
need to know about httpx or `ollama.ResponseError`.

Streams are always requested with stream=True, also when the caller wants the
whole answer: the caller collects the chunks, and a caller that goes away can
stop Ollama at once. Stopping works by closing the HTTP response (Ollama stops
generating when its client disconnects), which is why every stream here closes
the client's async generator in a `finally`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import aclosing
from types import TracebackType
from typing import Any, TypeVar

import httpx
import ollama
import pydantic

from protocols.models import (
    Backend,
    ChatChunk,
    ChatMessage,
    ChatRequest,
    GenerateRequest,
    GenerationOptions,
    ModelError,
    ModelErrorCode,
    ModelInfo,
    now_iso,
)

_T = TypeVar("_T")

# A dead or unreachable host should fail fast even when generations may take minutes.
_CONNECT_TIMEOUT_S = 5.0
_STATUS_TIMEOUT_S = 5.0

# Messages Ollama puts in a stream's {"error": ...} line (no HTTP status there)
# when the model does not exist: pull from the registry, create from a base.
_NOT_FOUND_HINTS = ("not found", "file does not exist")

# What a kept-alive connection the server (or a proxy) closed while idle looks like
# when a request is sent on it: nothing was read, so sending it again on a fresh
# connection is safe. Connect errors and timeouts are not here: the host is down.
_STALE_CONNECTION = (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)


class OllamaBackend:
    """One Ollama server: models, chat/generate streams, pull/create/delete, embeddings."""

    backend = Backend.OLLAMA

    def __init__(self, host: str, timeout_s: float = 300.0) -> None:
        self.host = host
        self.timeout_s = timeout_s
        timeout = httpx.Timeout(timeout_s, connect=min(_CONNECT_TIMEOUT_S, timeout_s))
        self._client = ollama.AsyncClient(host=host, timeout=timeout)

    async def __aenter__(self) -> OllamaBackend:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (open streams are closed by their own generators)."""
        await self._client.close()

    # ---- server and models -------------------------------------------------------

    async def status(self) -> dict[str, Any]:
        """Is Ollama up, and which version? Never raises: health checks must not fail."""
        try:
            response = await self._client._request_raw("GET", "/api/version", timeout=_STATUS_TIMEOUT_S)
            version = response.json().get("version")
            return {"reachable": True, "version": version, "host": self.host, "error": None}
        except Exception as exc:
            return {"reachable": False, "version": None, "host": self.host, "error": _describe(exc)}

    async def list_models(self) -> list[ModelInfo]:
        """The models Ollama has locally (GET /api/tags)."""
        listing = await self._call(lambda: self._client.list(), None)
        models: list[ModelInfo] = []
        for entry in listing.models:
            if not entry.model:
                continue
            models.append(
                ModelInfo(
                    name=entry.model,
                    model=entry.model,
                    backend=Backend.OLLAMA,
                    size=int(entry.size) if entry.size is not None else None,
                    digest=entry.digest,
                    modified_at=entry.modified_at.isoformat() if entry.modified_at else None,
                    details=entry.details.model_dump(exclude_none=True) if entry.details else {},
                )
            )
        return models

    async def info(self, name: str) -> dict[str, Any]:
        """Ollama's /api/show for one model (modelfile, parameters, template, details, model_info)."""
        shown = await self._call(lambda: self._client.show(name), name)
        body = shown.model_dump(mode="json", by_alias=True, exclude_none=True)
        body["name"] = name
        return body

    async def running(self) -> list[dict[str, Any]]:
        """The models Ollama holds in memory now (GET /api/ps)."""
        ps = await self._call(lambda: self._client.ps(), None)
        return [m.model_dump(mode="json", exclude_none=True) for m in ps.models]

    async def delete(self, name: str) -> None:
        """Remove a model from Ollama's disk."""
        await self._call(lambda: self._client.delete(name), name, retry_stale=False)

    # ---- generation -----------------------------------------------------------------

    async def chat(self, request: ChatRequest) -> AsyncGenerator[ChatChunk, None]:
        """Stream an answer from /api/chat; the last chunk has done=True and the counts.

        Close the generator (`aclose()`, or cancel the task iterating it) to stop Ollama:
        the HTTP response is closed right away."""
        messages = [m.model_dump() for m in request.messages]

        def start() -> Awaitable[AsyncIterator[ollama.ChatResponse]]:
            return self._client.chat(
                model=request.model,
                messages=messages,
                stream=True,
                format=request.format,
                options=_options(request.options),
                keep_alive=request.keep_alive,
            )

        async with aclosing(self._stream(start, request.model)) as parts:
            async for part in parts:
                yield ChatChunk(
                    model=part.model or request.model,
                    created_at=part.created_at or now_iso(),
                    message=ChatMessage(role="assistant", content=part.message.content or ""),
                    **_counts(part),
                )

    async def generate(self, request: GenerateRequest) -> AsyncGenerator[ChatChunk, None]:
        """Stream from /api/generate, as ChatChunks (`response` becomes message.content)."""

        # Unset fields stay out of the request: an empty system would replace the model's own.
        extra: dict[str, Any] = {}
        if request.system is not None:
            extra["system"] = request.system
        if request.raw:
            extra["raw"] = True

        def start() -> Awaitable[AsyncIterator[ollama.GenerateResponse]]:
            return self._client.generate(
                model=request.model,
                prompt=request.prompt,
                stream=True,
                format=request.format,
                options=_options(request.options),
                keep_alive=request.keep_alive,
                **extra,
            )

        async with aclosing(self._stream(start, request.model)) as parts:
            async for part in parts:
                yield ChatChunk(
                    model=part.model or request.model,
                    created_at=part.created_at or now_iso(),
                    message=ChatMessage(role="assistant", content=part.response or ""),
                    **_counts(part),
                )

    async def embed(self, model: str, texts: Sequence[str], truncate: bool = True) -> list[list[float]]:
        """One vector per text (POST /api/embed), in input order."""
        vectors, _ = await self.embed_counted(model, texts, truncate)
        return vectors

    async def embed_counted(
        self, model: str, texts: Sequence[str], truncate: bool = True
    ) -> tuple[list[list[float]], int | None]:
        """The vectors and the tokens Ollama read for them (None when it does not say)."""
        if not texts:
            return [], 0
        result = await self._call(lambda: self._client.embed(model=model, input=list(texts), truncate=truncate), model)
        return [[float(x) for x in vector] for vector in result.embeddings], result.prompt_eval_count

    # ---- model management -------------------------------------------------------------

    async def pull(self, name: str) -> AsyncGenerator[dict[str, Any], None]:
        """Download a model; yields Ollama's progress events (status, digest, total, completed)."""

        def start() -> Awaitable[AsyncIterator[ollama.ProgressResponse]]:
            return self._client.pull(name, stream=True)

        async with aclosing(self._stream(start, name)) as parts:
            async for part in parts:
                yield part.model_dump(exclude_none=True)

    async def create(
        self,
        name: str,
        from_: str,
        system: str | None = None,
        *,
        template: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        messages: Sequence[Mapping[str, Any]] | None = None,
        quantize: str | None = None,
    ) -> AsyncGenerator[dict[str, Any], None]:
        """Derive a model from `from_` (system prompt, template, parameters); yields progress."""

        def start() -> Awaitable[AsyncIterator[ollama.ProgressResponse]]:
            return self._client.create(
                name,
                quantize=quantize,
                from_=from_,
                template=template,
                system=system,
                parameters=parameters,
                messages=messages,
                stream=True,
            )

        # A missing model here is the base: name it in the error.
        async with aclosing(self._stream(start, from_)) as parts:
            async for part in parts:
                yield part.model_dump(exclude_none=True)

    # ---- plumbing ------------------------------------------------------------------

    async def _call(self, call: Callable[[], Awaitable[_T]], model: str | None, *, retry_stale: bool = True) -> _T:
        """Await one request; `retry_stale`: send it once more when its kept-alive connection was dead."""
        try:
            try:
                return await call()
            except _STALE_CONNECTION:
                if not retry_stale:
                    raise
                return await call()
        except Exception as exc:
            raise self._error(exc, model) from exc

    async def _stream(self, start: Callable[[], Awaitable[AsyncIterator[_T]]], model: str) -> AsyncGenerator[_T, None]:
        """Iterate one client stream, map its errors, and always close its HTTP response.

        The client's stream is an async generator around `httpx.AsyncClient.stream(...)`;
        only closing that generator closes the response. Leaving it to the garbage
        collector would keep Ollama generating for nobody, so callers wrap this
        generator in `aclosing` too: closing an outer generator does not close the
        ones it iterates. A stream that fails on a stale connection before its first
        part is started once more (nothing was generated for anyone yet)."""
        stream: AsyncIterator[_T] | None = None
        try:
            for attempt in (1, 2):
                started = False
                try:
                    stream = await start()
                    async for part in stream:
                        started = True
                        yield part
                    return
                except _STALE_CONNECTION:
                    if started or attempt == 2:
                        raise
                    await _close(stream)
                    stream = None
        except ModelError:
            raise
        except Exception as exc:
            raise self._error(exc, model) from exc
        finally:
            await _close(stream)

    def _error(self, exc: BaseException, model: str | None) -> ModelError:
        """The ModelError for whatever the client or the network raised."""
        if isinstance(exc, ModelError):
            return exc
        if isinstance(exc, ollama.ResponseError):
            return self._response_error(exc, model)
        if isinstance(exc, ollama.RequestError):
            return ModelError(
                ModelErrorCode.INVALID_REQUEST, f"invalid request to Ollama: {exc.error}", Backend.OLLAMA, 400
            )
        if isinstance(exc, httpx.TimeoutException) and not isinstance(exc, httpx.ConnectTimeout):
            return ModelError(
                ModelErrorCode.TIMEOUT,
                f"Ollama at {self.host} did not answer within {self.timeout_s:g} s ({_describe(exc)})",
                Backend.OLLAMA,
                504,
            )
        if isinstance(exc, httpx.TransportError | ConnectionError):
            return self._unreachable(exc)
        if isinstance(exc, json.JSONDecodeError | pydantic.ValidationError):
            return ModelError(
                ModelErrorCode.GENERATION_FAILED,
                f"Ollama at {self.host} sent an answer we cannot read: {_describe(exc)}",
                Backend.OLLAMA,
                502,
            )
        return ModelError(
            ModelErrorCode.GENERATION_FAILED, f"Ollama call failed: {_describe(exc)}", Backend.OLLAMA, 500
        )

    def _response_error(self, exc: ollama.ResponseError, model: str | None) -> ModelError:
        status = exc.status_code
        message = str(exc.error)
        # -1: an {"error": ...} line inside a 200 stream, where Ollama puts no status.
        in_stream = status < 100
        if status == 404 or (in_stream and any(h in message.lower() for h in _NOT_FOUND_HINTS)):
            what = f"model '{model}'" if model else "model"
            return ModelError(
                ModelErrorCode.MODEL_NOT_FOUND,
                f"{what} not found on Ollama at {self.host}" + ("" if model else f": {message}"),
                Backend.OLLAMA,
                404,
            )
        if in_stream:
            return ModelError(
                ModelErrorCode.GENERATION_FAILED,
                f"Ollama at {self.host} failed mid-stream: {message}",
                Backend.OLLAMA,
                500,
            )
        code = ModelErrorCode.INVALID_REQUEST if 400 <= status < 500 else ModelErrorCode.GENERATION_FAILED
        return ModelError(code, f"Ollama at {self.host} answered {status}: {message}", Backend.OLLAMA, status)

    def _unreachable(self, exc: BaseException) -> ModelError:
        return ModelError(
            ModelErrorCode.BACKEND_UNAVAILABLE,
            f"Ollama at {self.host} is unreachable: {_describe(exc)}",
            Backend.OLLAMA,
            503,
        )


def _options(options: GenerationOptions | None) -> dict[str, Any] | None:
    """Only the options the caller set; Ollama's model defaults fill the rest."""
    if options is None:
        return None
    return options.model_dump(exclude_none=True) or None


def _counts(part: ollama.ChatResponse | ollama.GenerateResponse) -> dict[str, Any]:
    return {
        "done": bool(part.done),
        "done_reason": part.done_reason,
        "total_duration": part.total_duration,
        "load_duration": part.load_duration,
        "prompt_eval_count": part.prompt_eval_count,
        "prompt_eval_duration": part.prompt_eval_duration,
        "eval_count": part.eval_count,
        "eval_duration": part.eval_duration,
    }


async def _close(stream: AsyncIterator[Any] | None) -> None:
    """Close a client stream (an async generator) so its HTTP response is released."""
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
