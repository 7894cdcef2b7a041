"""A pool of an actor's own on the store's database, found through the Store actor.

Actors that query PostgreSQL themselves (agents, the agent registry, knowledge) ask
`store/main` for its DSN and open their own small pool: the Store owns the server and
the migrations, not every query.
"""

from __future__ import annotations

from actors.store.database import Database
from configs.settings import Settings
from protocols.addresses import STORE
from supervisors.refs import ActorRef


async def open_store_pool(settings: Settings, namespace: str, max_size: int = 4) -> Database:
    """Open a pool on the store's database (migrations are the Store's job, not ours).
    The Store may be starting or restarting (and on a loaded machine Ray may not find its
    name for a moment): both are worth a wait, not a failed start."""
    timeout_s = settings.supervision.start_timeout_s
    # up to timeout_s to find it, then up to timeout_s for its answer
    dsn = await ActorRef(STORE, namespace).call("dsn", timeout_s=2 * timeout_s, wait_s=timeout_s)
    db = Database(
        dsn,
        min_size=1,
        max_size=max_size,
        connect_timeout_s=settings.database.connect_timeout_s,
        reconnect_interval_s=settings.database.reconnect_interval_s,
    )
    await db.open(migrate=False)
    return db
