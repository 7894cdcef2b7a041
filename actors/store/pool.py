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


# Ray's internal key-value store (in the GCS), where the Store publishes its DSN.
_DSN_KV_NAMESPACE = "pygent-store-dsn"
# A published DSN gets one quick connection try; a stale one (the Store's server moved)
# fails at once on its Unix socket, and the Store is asked instead.
_PUBLISHED_TRY_S = 2.0


def publish_dsn(namespace: str, dsn: str) -> None:
    """Publish the database's DSN for the pools of this Ray namespace (the Store, once its
    database is up). Why not only `dsn()` on the Store: a process's first call to an actor
    waits for the GCS to send that actor's address, and right after a node loss, with the
    GCS busy with the dead node's actors, that took 4 s in a restarted agent pool, on the
    way to its agents (bench/node_loss.py). A key-value read is one plain GCS request."""
    from ray.experimental import internal_kv

    internal_kv._internal_kv_put(namespace, dsn, overwrite=True, namespace=_DSN_KV_NAMESPACE)


def published_dsn(namespace: str) -> str | None:
    """The DSN last published for this namespace, or None."""
    from ray.experimental import internal_kv

    if not internal_kv._internal_kv_initialized():
        return None
    value = internal_kv._internal_kv_get(namespace, namespace=_DSN_KV_NAMESPACE)
    return value.decode() if isinstance(value, bytes) else None


async def _answers(dsn: str) -> bool:
    try:
        connection = await psycopg.AsyncConnection.connect(dsn, connect_timeout=round(_PUBLISHED_TRY_S))
    except (psycopg.Error, OSError):
        return False
    await connection.close()
    return True


async def _store_dsn(namespace: str, timeout_s: float) -> str:
    """The DSN: the published one if its server answers, else the Store's answer (waiting
    up to `timeout_s` to find the Store, then up to `timeout_s` for its answer)."""
    try:
        published = await asyncio.to_thread(published_dsn, namespace)
    except Exception as exc:  # no key-value store to read: ask the Store
        log.info("no published DSN (%s): asking %s", exc, STORE)
        published = None
    if published is not None and await _answers(published):
        return published
    dsn: str = await ActorRef(STORE, namespace).call("dsn", timeout_s=2 * timeout_s, wait_s=timeout_s, idempotent=True)
    return dsn


async def open_store_pool(settings: Settings, namespace: str, max_size: int = 4) -> Database:
    """Open a pool on the store's database (migrations are the Store's job, not ours).
    The Store may be starting or restarting (and on a loaded machine Ray may not find its
    name for a moment), and the server may be down for the seconds its Store takes to start
    it again: all worth a wait within the start budget, not a failed start (a failed start
    of one child fails its supervisor's start, which restarts all its children)."""
    timeout_s = settings.supervision.start_timeout_s
    deadline = time.monotonic() + timeout_s
    dsn = await _store_dsn(namespace, timeout_s)
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
