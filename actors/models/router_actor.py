"""ModelRouter: the address `model/<name>` in front of the pool of workers holding that model.

It sends each request to the least busy worker it can reach, forwards streamed
chunks as they arrive, and turns a worker's death mid-request into a clear
WORKER_CRASHED error (the worker's supervisor is already restarting it).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from typing import Any

import ray
from ray.exceptions import RayActorError, RayTaskError

from actors.base import SupervisedActor, tool
from actors.models.answers import collect, tool_answer, tool_request
from protocols.addresses import model_worker_address
from protocols.jsonrpc import ErrorCode, RpcError
from protocols.models import Backend, ModelError, ModelErrorCode
from supervisors.refs import lookup, unwrap


class ModelRouter(SupervisedActor):
    def __init__(self, address: str, model: str, workers: int, wait_s: float = 30.0) -> None:
        super().__init__(address)
        self.model = model
        self.workers = [model_worker_address(model, i) for i in range(workers)]
        self.wait_s = wait_s
        self.namespace = ray.get_runtime_context().namespace
        self._in_flight = dict.fromkeys(self.workers, 0)
        self._turn = itertools.count()

    def _pick(self) -> tuple[str, Any]:
        """Least in-flight first; ties go round-robin so load spreads."""
        start = next(self._turn)
        order = sorted(
            range(len(self.workers)),
            key=lambda i: (self._in_flight[self.workers[i]], (i - start) % len(self.workers)),
        )
        for index in order:
            address = self.workers[index]
            # a fresh look-up, not a cached handle: a worker that restarted is found at once
            handle = lookup(address, self.namespace)
            if handle is not None:
                return address, handle
            # else restarting: try the next
        raise ModelError(
            ModelErrorCode.BACKEND_UNAVAILABLE,
            f"no worker of model '{self.model}' is running (restarting?)",
            Backend.EMBEDDED,
            503,
        )

    async def _pick_waiting(self) -> tuple[str, Any]:
        deadline = asyncio.get_running_loop().time() + self.wait_s
        while True:
            try:
                return self._pick()
            except ModelError:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.05)

    async def chat_stream(self, request: dict[str, Any], task_kind: str | None = None) -> AsyncIterator[dict[str, Any]]:
        address, handle = await self._pick_waiting()
        self._in_flight[address] += 1
        stream = handle.chat_stream.remote(request, task_kind)
        finished = False
        try:
            async for ref in stream:
                chunk = await ref
                yield chunk
            finished = True
        except RayActorError:
            raise ModelError(
                ModelErrorCode.WORKER_CRASHED,
                f"{address} died during this request; its supervisor is restarting it, retry",
                Backend.EMBEDDED,
                503,
            ) from None
        except RayTaskError as exc:
            raise unwrap(exc) from None
        finally:
            self._in_flight[address] -= 1
            if not finished:
                with contextlib.suppress(Exception):
                    ray.cancel(stream)  # the caller went away: stop the worker now

    async def chat(self, request: dict[str, Any], task_kind: str | None = None) -> dict[str, Any]:
        return await collect(self.chat_stream(request, task_kind))

    async def status(self) -> dict[str, Any]:
        workers = []
        for address in self.workers:
            try:
                workers.append(await self.ref(address).call("status", timeout_s=5.0, wait_s=0.0, idempotent=True))
            except Exception:
                workers.append({"address": address, "loaded": False, "state": "unavailable"})
        return {
            "model": self.model,
            "backend": Backend.EMBEDDED.value,
            "workers": workers,
            "in_flight": sum(self._in_flight.values()),
        }

    @tool(description="Ask the model: messages in, the whole answer out. format: 'json' or a JSON schema.")
    async def generate(
        self,
        messages: list[dict[str, str]],
        format: str | dict[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> dict[str, Any]:
        request = tool_request(self.model, messages, format, max_tokens, temperature)
        try:
            answer = await self.chat(request)
        except ModelError as exc:
            raise RpcError(ErrorCode.INTERNAL_ERROR, exc.message, exc.to_dict()) from None
        return tool_answer(answer)

    @tool(description="The workers behind this model and how busy they are.")
    async def workers_status(self) -> dict[str, Any]:
        return await self.status()
