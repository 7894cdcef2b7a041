"""A pool of an actor's own on the store's database, found through the Store actor.

Actors that query PostgreSQL themselves (agents, the agent registry, knowledge) ask
`store/main` for its DSN and open their own small pool: the Store owns the server and
the migrations, not every query.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import ray

from actors.refs import await_ref
from actors.store.database import Database
from configs.settings import Settings

STORE_ADDRESS = "store/main"


async def find_actor(name: str, namespace: str, timeout_s: float) -> Any:
    """The actor named `name`, waiting up to `timeout_s` for it. On a loaded machine
    `ray.get_actor` can fail (ValueError) for a moment even for an actor that exists,
    and an actor may be restarting: both are worth a wait, not a failed start."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return ray.get_actor(name, namespace=namespace)
        except ValueError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def open_store_pool(settings: Settings, namespace: str, max_size: int = 4) -> Database:
    """Open a pool on the store's database (migrations are the Store's job, not ours)."""
    timeout_s = settings.supervision.start_timeout_s
    store = await find_actor(STORE_ADDRESS, namespace, timeout_s)
    dsn = await asyncio.wait_for(await_ref(store.dsn.remote()), timeout_s)
    db = Database(dsn, min_size=1, max_size=max_size, connect_timeout_s=settings.database.connect_timeout_s)
    await db.open(migrate=False)
    return db
