"""How the knowledge actors reach the database and each other (Ray names, no stale handles)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import ray
from ray.exceptions import RayActorError, RayTaskError

from actors.refs import await_ref
from actors.store.database import Database
from actors.store.pool import open_store_pool
from configs.settings import Settings
from protocols.addresses import BUS


async def open_database(settings: Settings, namespace: str, max_size: int = 4) -> Database:
    """A pool of this actor's own on the store's database (the Store owns migrations)."""
    return await open_store_pool(settings, namespace, max_size)


async def embed_texts(settings: Settings, namespace: str, texts: list[str]) -> list[list[float]]:
    """Vectors from `embedder/<name>`. Right after a (re)start the embedder may still be
    loading its model: wait for it, up to knowledge.embedder_wait_s."""
    from protocols.knowledge import KnowledgeError, KnowledgeErrorCode
    from protocols.models import ModelError, ModelErrorCode

    name = f"embedder/{settings.embeddings.name}"
    deadline = time.monotonic() + settings.knowledge.embedder_wait_s
    while True:
        try:
            embedder = ray.get_actor(name, namespace=namespace)
            answer = await await_ref(embedder.embed.remote(texts))
            vectors: list[list[float]] = answer["embeddings"]
            return vectors
        except Exception as exc:
            cause = _cause(exc)
            waiting = isinstance(cause, ValueError | RayActorError) or (
                isinstance(cause, ModelError) and cause.code is ModelErrorCode.BACKEND_UNAVAILABLE
            )
            if not waiting or time.monotonic() > deadline:
                detail = cause.message if isinstance(cause, ModelError) else f"{type(cause).__name__}: {cause}"
                raise KnowledgeError(
                    KnowledgeErrorCode.UNAVAILABLE, f"{name} cannot embed now: {detail}", None, 503
                ) from None
            await asyncio.sleep(0.25)


def _cause(exc: BaseException) -> BaseException:
    while isinstance(exc, RayTaskError) and getattr(exc, "cause", None) is not None:
        exc = exc.cause  # type: ignore[assignment]
    return exc


def publish(namespace: str, topic: str, event_type: str, data: dict[str, Any], source: str) -> None:
    """Fire-and-forget to a bus topic; a missing bus is not the caller's problem."""
    try:
        bus = ray.get_actor(BUS, namespace=namespace)
        bus.publish.remote(topic, event_type, data, source)
    except Exception:
        pass


async def as_rpc(work: Any) -> Any:
    """Run a bus tool's work; a refusal becomes a JSON-RPC error with the field in `data`."""
    from protocols.jsonrpc import ErrorCode, RpcError
    from protocols.knowledge import KnowledgeError

    try:
        return await work
    except KnowledgeError as err:
        code = ErrorCode.INVALID_PARAMS if err.status < 500 else ErrorCode.INTERNAL_ERROR
        raise RpcError(code, err.message, err.to_dict()) from None
