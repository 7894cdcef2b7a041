"""How the knowledge actors reach the database and the embedder."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from actors.store.database import Database
from actors.store.pool import open_store_pool
from configs.settings import Settings
from protocols.addresses import embedder_address
from protocols.errors import ActorUnavailable
from supervisors.runtime import Runtime


async def open_database(settings: Settings, namespace: str, max_size: int = 4) -> Database:
    """A pool of this actor's own on the store's database (the Store owns migrations)."""
    return await open_store_pool(settings, namespace, max_size)


async def embed_texts(settings: Settings, runtime: Runtime, texts: list[str]) -> list[list[float]]:
    """Vectors from `embedder/<name>`. Right after a (re)start the embedder may still be
    loading its model: wait for it, up to knowledge.embedder_wait_s."""
    from protocols.knowledge import KnowledgeError, KnowledgeErrorCode
    from protocols.models import ModelError, ModelErrorCode

    name = embedder_address(settings.embeddings.name)
    deadline = time.monotonic() + settings.knowledge.embedder_wait_s
    while True:
        try:
            answer = await runtime.call(name, "embed", texts, wait_s=0.0)
            vectors: list[list[float]] = answer["embeddings"]
            return vectors
        except Exception as cause:
            waiting = isinstance(cause, ActorUnavailable) or (
                isinstance(cause, ModelError) and cause.code is ModelErrorCode.BACKEND_UNAVAILABLE
            )
            if not waiting or time.monotonic() > deadline:
                detail = cause.message if isinstance(cause, ModelError) else f"{type(cause).__name__}: {cause}"
                raise KnowledgeError(
                    KnowledgeErrorCode.UNAVAILABLE, f"{name} cannot embed now: {detail}", None, 503
                ) from None
            await asyncio.sleep(0.25)


async def as_rpc(work: Any) -> Any:
    """Run a bus tool's work; a refusal becomes a JSON-RPC error with the field in `data`."""
    from protocols.jsonrpc import ErrorCode, RpcError
    from protocols.knowledge import KnowledgeError

    try:
        return await work
    except KnowledgeError as err:
        code = ErrorCode.INVALID_PARAMS if err.status < 500 else ErrorCode.INTERNAL_ERROR
        raise RpcError(code, err.message, err.to_dict()) from None
