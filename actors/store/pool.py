"""A pool of an actor's own on the store's database, found through the Store actor.

Actors that query PostgreSQL themselves (agents, the agent registry, knowledge) ask
`store/main` for its DSN and open their own small pool: the Store owns the server and
the migrations, not every query.
"""

from __future__ import annotations

import asyncio
import logging
import time

import psycopg
from psycopg_pool import PoolTimeout

from actors.store.database import Database
from configs.settings import Settings
from protocols.addresses import STORE
from protocols.errors import PlatformError
from supervisors.refs import ActorRef

log = logging.getLogger(__name__)
# Between two tries to open the pool while the server is away.
RETRY_S = 0.5


async def open_store_pool(settings: Settings, namespace: str, max_size: int = 4) -> Database:
    """Open a pool on the store's database (migrations are the Store's job, not ours).
    The Store may be starting or restarting (and on a loaded machine Ray may not find its
    name for a moment), and the server may be down for the seconds its Store takes to start
    it again: all worth a wait within the start budget, not a failed start (a failed start
    of one child fails its supervisor's start, which restarts all its children)."""
    timeout_s = settings.supervision.start_timeout_s
    deadline = time.monotonic() + timeout_s
    # up to timeout_s to find it, then up to timeout_s for its answer
    dsn = await ActorRef(STORE, namespace).call("dsn", timeout_s=2 * timeout_s, wait_s=timeout_s, idempotent=True)
    while True:
        db = Database(
            dsn,
            min_size=1,
            max_size=max_size,
            connect_timeout_s=settings.database.connect_timeout_s,
            reconnect_interval_s=settings.database.reconnect_interval_s,
        )
        try:
            await db.open(migrate=False)
            return db
        except (PoolTimeout, psycopg.Error, PlatformError, OSError) as exc:
            if time.monotonic() + RETRY_S > deadline:
                raise
            log.warning("the database did not answer (%s); trying again in %g s", exc, RETRY_S)
            await asyncio.sleep(RETRY_S)
