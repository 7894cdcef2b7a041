"""OllamaWorker: the Ollama server behind the address `ollama/main`, any of its models by name.

A thin actor over OllamaBackend: it streams chat/generate chunks, pull/create
progress, records every call in the store, and watches whether Ollama is
reachable, publishing `model_status` on the `models` topic when that changes.
Ollama being down never takes the platform down: requests get a clear
BACKEND_UNAVAILABLE error and health reports Ollama as down.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import ray

from actors.base import SupervisedActor, tool
from actors.models.answers import collect
from actors.models.ollama_backend import OllamaBackend
from actors.models.recorder import CallRecorder
from configs.settings import get_settings
from protocols.models import Backend, CallRecord, ChatChunk, ChatRequest, GenerateRequest, ModelError, ModelErrorCode

TOPIC_MODELS = "models"


class OllamaWorker(SupervisedActor):
    def __init__(self, address: str) -> None:
        super().__init__(address)
        self.settings = get_settings()
        self.namespace = ray.get_runtime_context().namespace
        host = self.settings.ollama.host
        if not host:
            raise ModelError(ModelErrorCode.BACKEND_UNAVAILABLE, "ollama.host is not configured", Backend.OLLAMA)
        self.backend = OllamaBackend(host, self.settings.ollama.timeout_s)
        self._recorder = CallRecorder(self.namespace)
        self._status: dict[str, Any] = {"reachable": False, "host": host}
        self._watcher: asyncio.Task[None] | None = None

    async def on_start(self) -> None:
        self._status = await self.backend.status()
        self._watcher = asyncio.create_task(self._watch_status())

    async def on_stop(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
        await self._recorder.close()
        await self.backend.aclose()

    # ---- generation -----------------------------------------------------------------

    async def chat_stream(self, request: dict[str, Any], task_kind: str | None = None) -> AsyncIterator[dict[str, Any]]:
        req = ChatRequest.model_validate(request)
        async for chunk in self._recorded(req.model, "chat", self.backend.chat(req), task_kind):
            yield chunk

    async def generate_stream(
        self, request: dict[str, Any], task_kind: str | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        req = GenerateRequest.model_validate(request)
        async for chunk in self._recorded(req.model, "generate", self.backend.generate(req), task_kind):
            yield chunk

    async def chat(self, request: dict[str, Any], task_kind: str | None = None) -> dict[str, Any]:
        return await collect(self.chat_stream(request, task_kind))

    async def _recorded(
        self, model: str, kind: str, chunks: AsyncIterator[ChatChunk], task_kind: str | None
    ) -> AsyncIterator[dict[str, Any]]:
        started = time.perf_counter()
        first: float | None = None
        final: ChatChunk | None = None
        outcome, code = "ok", None
        try:
            async for chunk in chunks:
                if chunk.done:
                    final = chunk
                elif first is None:
                    first = time.perf_counter()
                yield chunk.model_dump(exclude_none=True)
        except ModelError as exc:
            outcome, code = "error", exc.code.value
            raise
        except (asyncio.CancelledError, GeneratorExit):
            outcome, code = "cancelled", ModelErrorCode.CANCELLED.value
            raise
        finally:
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()  # closes the HTTP stream: Ollama stops generating
            eval_s = (final.eval_duration or 0) / 1e9 if final else 0.0
            completion = (final.eval_count or 0) if final else 0
            self._recorder.record(
                CallRecord(
                    model=model,
                    backend=Backend.OLLAMA,
                    kind=kind,  # type: ignore[arg-type]
                    worker=self.address,
                    prompt_tokens=(final.prompt_eval_count or 0) if final else 0,
                    completion_tokens=completion,
                    latency_ms=(time.perf_counter() - started) * 1000,
                    time_to_first_token_ms=None if first is None else (first - started) * 1000,
                    tokens_per_s=completion / eval_s if eval_s > 0 and completion else None,
                    outcome=outcome,  # type: ignore[arg-type]
                    error_code=code,
                    task_kind=task_kind,
                )
            )

    # ---- model management ---------------------------------------------------------------

    async def list_models(self) -> list[dict[str, Any]]:
        return [m.model_dump(mode="json") for m in await self.backend.list_models()]

    async def info(self, name: str) -> dict[str, Any]:
        return await self.backend.info(name)

    async def pull(self, name: str) -> AsyncIterator[dict[str, Any]]:
        """Progress events as Ollama sends them; also on the `models` topic (each new status,
        and every 5% of a download) for browsers watching the models page."""
        last_status, last_share = None, -1.0
        async for progress in self.backend.pull(name):
            total, done = progress.get("total") or 0, progress.get("completed") or 0
            share = done / total if total else 0.0
            if progress.get("status") != last_status or share - last_share >= 0.05:
                # The bus is an async actor: fire-and-forget publishes may run out of order,
                # so each progress event is on the topic before the next one is sent.
                await self._publish_and_wait("model_pull_progress", {"model": name, **progress})
                last_status, last_share = progress.get("status"), share
            yield progress
        self._publish("model_status", {"model": name, "status": "pulled"})

    async def create(self, name: str, from_: str, system: str | None = None) -> AsyncIterator[dict[str, Any]]:
        async for progress in self.backend.create(name, from_, system=system):
            yield progress
        self._publish("model_status", {"model": name, "status": "created"})

    async def delete(self, name: str) -> dict[str, Any]:
        await self.backend.delete(name)
        self._publish("model_status", {"model": name, "status": "deleted"})
        return {"deleted": name}

    async def embed(self, model: str, texts: list[str]) -> list[list[float]]:
        return await self.backend.embed(model, texts)

    async def embed_counted(self, model: str, texts: list[str]) -> dict[str, Any]:
        """{"embeddings", "prompt_eval_count"} (the OpenAI-compatible API reports the tokens)."""
        vectors, tokens = await self.backend.embed_counted(model, texts)
        return {"embeddings": vectors, "prompt_eval_count": tokens}

    async def running(self) -> list[dict[str, Any]]:
        return await self.backend.running()

    @tool(description="Whether Ollama is reachable, its version and host (checked now).")
    async def status(self) -> dict[str, Any]:
        self._status = await self.backend.status()  # never raises; a refused port answers at once
        return dict(self._status)

    @tool(description="Models the Ollama server has.")
    async def models(self) -> list[dict[str, Any]]:
        return await self.list_models()

    async def _watch_status(self) -> None:
        while True:
            await asyncio.sleep(self.settings.ollama.status_interval_s)
            status = await self.backend.status()
            if status.get("reachable") != self._status.get("reachable"):
                self._publish(
                    "model_status",
                    {
                        "backend": "ollama",
                        "status": "up" if status["reachable"] else "down",
                        "host": status.get("host"),
                    },
                )
            self._status = status

    async def _publish_and_wait(self, event_type: str, data: dict[str, Any]) -> None:
        """In order (pull progress); no bus is no reason to fail a pull."""
        await self.publish_in_order(TOPIC_MODELS, event_type, {"backend": "ollama", **data})

    def _publish(self, event_type: str, data: dict[str, Any]) -> None:
        self.publish(TOPIC_MODELS, event_type, {"backend": "ollama", **data})
