"""How the knowledge actors reach the database and each other (Ray names, no stale handles)."""

from __future__ import annotations

import asyncio
from typing import Any

import ray

from actors.store.database import Database
from configs.settings import Settings
from supervisors.tree import BUS, STORE


async def await_ref(ref: Any) -> Any:
    return await ref


async def call(handle_method: Any, *args: Any, timeout_s: float, **kwargs: Any) -> Any:
    return await asyncio.wait_for(await_ref(handle_method.remote(*args, **kwargs)), timeout_s)


async def open_database(settings: Settings, namespace: str, max_size: int = 4) -> Database:
    """A pool of this actor's own on the store's database (the Store owns migrations)."""
    store = ray.get_actor(STORE, namespace=namespace)
    dsn = await call(store.dsn, timeout_s=settings.supervision.start_timeout_s)
    db = Database(dsn, min_size=1, max_size=max_size, connect_timeout_s=settings.database.connect_timeout_s)
    await db.open(migrate=False)
    return db


def publish(namespace: str, topic: str, event_type: str, data: dict[str, Any], source: str) -> None:
    """Fire-and-forget to a bus topic; a missing bus is not the caller's problem."""
    try:
        bus = ray.get_actor(BUS, namespace=namespace)
        bus.publish.remote(topic, event_type, data, source)
    except Exception:
        pass
