"""ModelWorker: one loaded llama.cpp model in one actor, streaming tokens as they come.

`chat_stream` is an async generator, so a Ray caller gets a streaming generator
whose items arrive token by token. Generation runs in a thread; cancelling the
call (ray.cancel on the generator, or the caller going away) sets a stop flag that
the engine checks between tokens, so the worker is free again within a token.
A generation that stops producing tokens counts as a hang: the worker fails the
request and exits, and its supervisor starts a fresh one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import ray

from actors.base import SupervisedActor, tool
from actors.models.answers import collect, tool_answer, tool_request
from actors.models.catalog import find_gguf
from actors.models.llama_engine import LlamaCppEngine
from actors.models.recorder import CallRecorder
from configs.settings import EmbeddedModelConfig, get_settings
from protocols.addresses import model_worker_address
from protocols.models import (
    Backend,
    CallRecord,
    ChatChunk,
    ChatMessage,
    ChatRequest,
    ModelError,
    ModelErrorCode,
)

log = logging.getLogger(__name__)

TOPIC_MODELS = "models"


# The old name, for importers (bench/models.py).
worker_address = model_worker_address


class TokenChannel:
    """From the generation thread to the event loop: items in order, and a way to take
    every text token already waiting in one go (see ModelWorker._coalesce)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._items: deque[tuple[str, Any]] = deque()
        self._ready = asyncio.Event()

    def put_threadsafe(self, item: tuple[str, Any]) -> None:
        self._loop.call_soon_threadsafe(self._put, item)

    def _put(self, item: tuple[str, Any]) -> None:
        self._items.append(item)
        self._ready.set()

    async def get(self, timeout_s: float) -> tuple[str, Any]:
        while not self._items:
            self._ready.clear()
            await asyncio.wait_for(self._ready.wait(), timeout_s)
        return self._items.popleft()

    def take_waiting_text(self) -> list[ChatChunk]:
        """The text chunks at the head of the channel, up to the first other item."""
        taken: list[ChatChunk] = []
        while self._items and self._items[0][0] == "chunk" and not self._items[0][1].done:
            taken.append(self._items.popleft()[1])
        return taken


class ModelWorker(SupervisedActor):
    def __init__(self, address: str, model: dict[str, Any]) -> None:
        super().__init__(address)
        self.config = EmbeddedModelConfig.model_validate(model)
        self.settings = get_settings()
        self.namespace = ray.get_runtime_context().namespace
        self.engine: LlamaCppEngine | None = None
        self._lock = asyncio.Lock()  # llama.cpp runs one generation at a time
        self._recorder = CallRecorder(self.namespace)
        self.in_flight = 0
        self.served = 0
        self.tokens = 0

    async def on_start(self) -> None:
        path = find_gguf(self.config.file, self.settings)
        if path is None:
            raise ModelError(
                ModelErrorCode.MODEL_NOT_FOUND,
                f"GGUF file '{self.config.file}' for model '{self.config.name}' not found in "
                f"gguf_dirs or packages {self.settings.models.gguf_packages}",
                Backend.EMBEDDED,
                404,
            )
        engine = LlamaCppEngine(self.config.name, path, self.config.n_ctx, self.config.threads)
        await asyncio.to_thread(engine.load)
        self.engine = engine
        self._publish("model_status", {"status": "loaded", "load_s": engine.load_duration_ns / 1e9})

    async def on_stop(self) -> None:
        await self._recorder.close()
        self._publish("model_status", {"status": "stopped"})

    # ---- generation ----------------------------------------------------------------

    async def chat_stream(self, request: dict[str, Any], task_kind: str | None = None) -> AsyncIterator[dict[str, Any]]:
        """Yield ChatChunk dicts as tokens are produced; the last one has done=True. A request
        that arrives while the model loads (the router finds a restarted worker by its name
        before its start is through) waits for the load, bounded by the start gate."""
        req = ChatRequest.model_validate(request)
        await self.started()
        engine = self._engine()
        self.in_flight += 1
        try:
            async with self._lock:
                async for chunk in self._generate(engine, req, task_kind):
                    yield chunk
        finally:
            self.in_flight -= 1

    async def chat(self, request: dict[str, Any], task_kind: str | None = None) -> dict[str, Any]:
        """The whole answer at once (Ollama's stream=false shape)."""
        return await collect(self.chat_stream(request, task_kind))

    async def _generate(
        self, engine: LlamaCppEngine, req: ChatRequest, task_kind: str | None
    ) -> AsyncIterator[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        channel = TokenChannel(loop)
        stop = threading.Event()
        started = time.perf_counter()
        first_token: float | None = None
        outcome, error_code = "ok", None
        final: ChatChunk | None = None

        def produce() -> None:
            try:
                for chunk in engine.stream_chat(req, stop):
                    channel.put_threadsafe(("chunk", chunk))
                channel.put_threadsafe(("end", None))
            except BaseException as exc:  # reported to the caller, never lost
                channel.put_threadsafe(("error", exc))

        producer = asyncio.ensure_future(asyncio.to_thread(produce))
        try:
            while True:
                try:
                    kind, item = await channel.get(self.settings.models.token_timeout_s)
                except TimeoutError:
                    outcome, error_code = "error", ModelErrorCode.TIMEOUT.value
                    raise ModelError(
                        ModelErrorCode.TIMEOUT,
                        f"{self.address} produced no token for {self.settings.models.token_timeout_s:g} s",
                        Backend.EMBEDDED,
                        504,
                    ) from None
                if kind == "end":
                    break
                if kind == "error":
                    outcome = "error"
                    error_code = getattr(item, "code", ModelErrorCode.GENERATION_FAILED)
                    error_code = getattr(error_code, "value", str(error_code))
                    raise item
                chunk: ChatChunk = item
                if chunk.done:
                    final = chunk
                else:
                    if first_token is None:
                        first_token = time.perf_counter()
                    chunk = self._coalesce(chunk, channel)
                yield chunk.model_dump(exclude_none=True)
        except (asyncio.CancelledError, GeneratorExit):
            outcome, error_code = "cancelled", ModelErrorCode.CANCELLED.value
            raise
        finally:
            stop.set()
            self.served += 1
            await self._wait_for_producer(producer)
            self._record(req, task_kind, started, first_token, final, outcome, error_code)

    def _coalesce(self, chunk: ChatChunk, channel: TokenChannel) -> ChatChunk:
        """This token plus the text tokens already waiting, as one chunk.

        Each streamed item costs Ray some CPU in every process it crosses, and on a small
        machine that CPU is taken from llama.cpp's own threads. When the reader keeps up,
        nothing is waiting and every token travels alone; when it falls behind, the tokens
        produced meanwhile travel together (the final chunk's eval_count still counts them)."""
        waiting = channel.take_waiting_text()
        self.tokens += 1 + len(waiting)
        if not waiting:
            return chunk
        text = chunk.message.content + "".join(c.message.content for c in waiting)
        return chunk.model_copy(update={"message": ChatMessage(role="assistant", content=text)})

    async def _wait_for_producer(self, producer: asyncio.Future[None]) -> None:
        """The model is free once the producer thread ends; if it never does, we are hung."""
        try:
            await asyncio.wait_for(asyncio.shield(producer), 10.0)
        except TimeoutError:
            log.error("%s: generation thread did not stop; exiting so the supervisor restarts us", self.address)
            loop = asyncio.get_running_loop()
            loop.call_later(0.1, os._exit, 1)

    def _record(
        self,
        req: ChatRequest,
        task_kind: str | None,
        started: float,
        first_token: float | None,
        final: ChatChunk | None,
        outcome: str,
        error_code: str | None,
    ) -> None:
        elapsed = time.perf_counter() - started
        completion = final.eval_count or 0 if final else 0
        eval_s = (final.eval_duration or 0) / 1e9 if final else 0.0
        self._recorder.record(
            CallRecord(
                model=self.config.name,
                backend=Backend.EMBEDDED,
                kind="chat",
                worker=self.address,
                prompt_tokens=(final.prompt_eval_count or 0) if final else 0,
                completion_tokens=completion,
                latency_ms=elapsed * 1000,
                time_to_first_token_ms=None if first_token is None else (first_token - started) * 1000,
                tokens_per_s=(completion / eval_s) if eval_s > 0 and completion else None,
                outcome=outcome,  # type: ignore[arg-type]
                error_code=error_code,
                task_kind=task_kind,
            )
        )

    # ---- bus tools -----------------------------------------------------------------

    @tool(description="Ask the model: messages in, the whole answer out. format: 'json' or a JSON schema.")
    async def generate(
        self,
        messages: list[dict[str, str]],
        format: str | dict[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> dict[str, Any]:
        request = tool_request(self.config.name, messages, format, max_tokens, temperature)
        answer = await self.chat(request)
        return tool_answer(answer)

    @tool(description="What this worker holds and how busy it is.")
    async def status(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "model": self.config.name,
            "backend": Backend.EMBEDDED.value,
            "loaded": self.engine is not None,
            "path": str(self.engine.path) if self.engine else None,
            "in_flight": self.in_flight,
            "served": self.served,
            "tokens": self.tokens,
        }

    def _engine(self) -> LlamaCppEngine:
        if self.engine is None:
            raise ModelError(
                ModelErrorCode.BACKEND_UNAVAILABLE, f"{self.address} is still loading", Backend.EMBEDDED, 503
            )
        return self.engine

    def _publish(self, event_type: str, data: dict[str, Any]) -> None:
        self.publish(TOPIC_MODELS, event_type, {"model": self.config.name, "worker": self.address, **data})
