"""The database engine: a psycopg async pool, migrations, health and the tables of the store.

Plain Python, no Ray: the Store actor wraps it, tests use it directly. Later features
add their own query methods here (or in sibling modules taking a Database).
"""

from __future__ import annotations

import asyncio
import logging
import select
import time
from collections.abc import AsyncIterator, Coroutine, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

import psycopg
from pgvector.psycopg import register_vector_async
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from actors.store import migrator
from actors.store.errors import mapped_errors
from configs.settings import DatabaseConfig
from protocols.errors import PlatformError
from protocols.rest import DatabaseHealth
from protocols.supervision import ExitKind, SupervisionEvent

log = logging.getLogger(__name__)

Mode = Literal["embedded", "external"]
T = TypeVar("T")

# The most events one read returns, whatever the caller asks for.
MAX_EVENTS_LIMIT = 10_000

_INSERT_EVENT = """
INSERT INTO supervision_events
    (supervisor, child, action, reason, detail, restarts, delay_s, siblings, at, event_id)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (event_id) DO NOTHING
"""
_SELECT_EVENTS = """
SELECT supervisor, child, action, reason, detail, restarts, delay_s, siblings, at, event_id
FROM supervision_events
"""


class DatabaseNotOpen(RuntimeError):
    """A query was made before open() or after close()."""


async def _configure(conn: psycopg.AsyncConnection[Any]) -> None:
    """Per-connection setup: pgvector's `vector` type adapter (the extension must exist)."""
    await register_vector_async(conn)
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        await conn.commit()  # the pool rejects connections left inside a transaction


_abandoned: set[asyncio.Task[Any]] = set()


async def within(call: Coroutine[Any, Any, T], timeout_s: float) -> T:
    """`await call`, or TimeoutError after `timeout_s`, without waiting for the call to
    wind down: psycopg cancels a query by asking the server, and a server that does not
    answer makes that take many seconds (asyncio.wait_for would wait for it)."""
    task = asyncio.ensure_future(call)
    done, _ = await asyncio.wait({task}, timeout=timeout_s)
    if task in done:
        return task.result()
    task.cancel()
    _abandoned.add(task)  # kept referenced until its cancellation is through
    task.add_done_callback(_abandoned.discard)
    raise TimeoutError(f"no answer within {timeout_s:g} s")


class StorePool(AsyncConnectionPool[psycopg.AsyncConnection[Any]]):
    """psycopg_pool's pool, with what every pool of the platform needs:

    - a database failure inside `connection()` comes out as a PlatformError (a 422 for text
      it cannot store, a 503 `database_unavailable` when the server is gone: errors.py);
    - a connection the server closed (it restarted) is not handed out: the first one found
      makes the pool drop every broken idle one at once, so a request after a restart gets
      a fresh connection instead of failing on a stale one. Checking costs one poll() of
      the socket, not a round trip (pool's `check=` would pay a round trip per request and
      back off a second per stale connection);
    - a lost server is tried again every `reconnect_interval_s`, not on a doubling ladder
      (`_try_again`), so the pool is back within that interval of the server.
    """

    @asynccontextmanager
    async def connection(self, timeout: float | None = None) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        async with mapped_errors(), super().connection(timeout) as conn:
            yield conn

    async def getconn(self, timeout: float | None = None) -> psycopg.AsyncConnection[Any]:
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        conn = await super().getconn(timeout)
        if await _still_open(conn):
            return conn
        await self.putconn(conn)  # broken: the pool discards it and opens a replacement
        await self.check()  # its idle siblings are stale too: drop them all now
        return await super().getconn(max(0.0, deadline - time.monotonic()))


async def _try_again(pool: AsyncConnectionPool[Any]) -> None:
    """A connection attempt gave up (after the pool's reconnect_timeout): start a fresh one.

    psycopg_pool retries a lost server with a doubling delay (1, 2, 4, 8 s...) for its
    reconnect_timeout, then stops; a server its supervisor restarted in two seconds would
    wait for the next step of that ladder. Here each attempt gives up after
    `reconnect_interval_s` and `check()` (which grows a pool short of connections) starts
    the next one at once: one attempt per interval for as long as the server is away."""
    if not pool.closed:
        await pool.check()


async def _still_open(conn: psycopg.AsyncConnection[Any]) -> bool:
    """False when the server closed this idle connection. An idle connection's socket is
    readable only when the server closed it or sent a notice; a round trip tells which."""
    if conn.closed:
        return False
    try:
        readable, _, _ = select.select([conn.fileno()], [], [], 0)
    except (OSError, ValueError, psycopg.Error):
        return False
    if not readable:
        return True
    try:
        await conn.execute("")
    except psycopg.Error:
        return False
    return True


class Database:
    """A connection pool on one PostgreSQL database, with the store's schema applied."""

    def __init__(
        self,
        dsn: str,
        *,
        mode: Mode | None = None,
        min_size: int = 1,
        max_size: int = 8,
        connect_timeout_s: float = 10.0,
        reconnect_interval_s: float = 0.5,
        migrations_dir: Path = migrator.MIGRATIONS_DIR,
    ) -> None:
        self.dsn = dsn
        self.mode = mode
        self.min_size = min_size
        self.max_size = max_size
        self.connect_timeout_s = connect_timeout_s
        self.reconnect_interval_s = reconnect_interval_s
        self.migrations_dir = migrations_dir
        self._pool: StorePool | None = None

    @classmethod
    def from_config(cls, dsn: str, config: DatabaseConfig, mode: Mode | None = None) -> Database:
        return cls(
            dsn,
            mode=mode,
            min_size=config.pool_min_size,
            max_size=config.pool_max_size,
            connect_timeout_s=config.connect_timeout_s,
            reconnect_interval_s=config.reconnect_interval_s,
        )

    # ---- lifetime ---------------------------------------------------------------------

    async def open(self, *, migrate: bool = True) -> None:
        """Migrate (by default), then open the pool and wait for min_size connections.

        Migrations run first on a connection of their own: the pool's per-connection
        setup needs the `vector` type, which the first migration creates.
        """
        if self._pool is not None:
            return
        if migrate:
            await self.migrate()
        pool = StorePool(
            self.dsn,
            min_size=self.min_size,
            max_size=self.max_size,
            timeout=self.connect_timeout_s,
            kwargs={"connect_timeout": max(1, round(self.connect_timeout_s))},
            # While the server is away, try again every reconnect_interval_s (see StorePool).
            reconnect_timeout=self.reconnect_interval_s,
            reconnect_failed=_try_again,
            configure=_configure,
            open=False,
            name="pygent-store",
        )
        try:
            await pool.open(wait=True, timeout=self.connect_timeout_s)
        except BaseException:
            await pool.close()
            raise
        self._pool = pool

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    @property
    def pool(self) -> StorePool:
        """The open pool, for features that add their own queries (`async with
        db.pool.connection() as conn`: failures come out as PlatformErrors)."""
        if self._pool is None:
            raise DatabaseNotOpen("the database is not open")
        return self._pool

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        return await psycopg.AsyncConnection.connect(
            self.dsn,
            autocommit=True,
            connect_timeout=max(1, round(self.connect_timeout_s)),
        )

    # ---- migrations -----------------------------------------------------------------

    async def migrate(self) -> list[str]:
        """Apply pending migrations; returns the versions applied now. Idempotent."""
        migrations = migrator.discover(self.migrations_dir)
        async with await self._connect() as conn:
            return await migrator.apply(conn, migrations)

    async def applied_migrations(self) -> list[str]:
        async with self.pool.connection() as conn:
            return await migrator.applied_versions(conn)

    # ---- health -----------------------------------------------------------------------

    async def health(self, timeout_s: float | None = None) -> DatabaseHealth:
        """Round trip latency, versions, pool stats and migrations, within `timeout_s`
        (default: the connect timeout). Never raises, never waits longer."""
        bound = self.connect_timeout_s if timeout_s is None else timeout_s
        try:
            return await within(self._health(bound), bound)
        except TimeoutError:
            stats = dict(self._pool.get_stats()) if self._pool is not None else {}
            return DatabaseHealth(
                status="down", mode=self.mode, pool=stats, detail=f"no answer from the database within {bound:g} s"
            )

    async def _health(self, timeout_s: float) -> DatabaseHealth:
        if self._pool is None:
            return DatabaseHealth(status="down", mode=self.mode, detail="the database is not open")
        pool_stats = dict(self._pool.get_stats())
        try:
            async with self._pool.connection(timeout=timeout_s) as conn:
                started = time.perf_counter()
                await conn.execute("SELECT 1")
                latency_ms = (time.perf_counter() - started) * 1000
                cur = await conn.execute(
                    "SELECT current_setting('server_version'),"
                    " (SELECT extversion FROM pg_extension WHERE extname = 'vector')"
                )
                row = await cur.fetchone()
                server_version, vector_version = (row[0], row[1]) if row else (None, None)
                applied = await migrator.applied_versions(conn)
        except (PlatformError, psycopg.Error, OSError) as exc:  # a PoolTimeout is database_unavailable
            return DatabaseHealth(
                status="down",
                mode=self.mode,
                pool=pool_stats,
                detail=f"{type(exc).__name__}: {exc}",
            )
        problems = []
        if vector_version is None:
            problems.append("the vector extension is not installed")
        try:
            missing = migrator.pending(migrator.discover(self.migrations_dir), applied)
        except migrator.MigrationError as exc:
            problems.append(str(exc))
        else:
            if missing:
                problems.append("pending migrations: " + ", ".join(m.label for m in missing))
        return DatabaseHealth(
            status="degraded" if problems else "ok",
            mode=self.mode,
            server_version=server_version,
            pgvector_version=vector_version,
            latency_ms=latency_ms,
            pool=pool_stats,
            migrations=applied,
            detail="; ".join(problems) or None,
        )

    # ---- supervision events ---------------------------------------------------------

    async def record_supervision_events(self, events: Sequence[SupervisionEvent]) -> int:
        """Insert a batch in one transaction: all rows or none. Events already stored (the
        same ids: a batch sent again) are skipped. Returns how many were new."""
        # Convert everything before touching the database, so bad values fail early.
        rows = [_event_row(event) for event in events]
        if not rows:
            return 0
        async with (
            self.pool.connection() as conn,
            conn.transaction(),
            conn.cursor() as cur,
        ):
            await cur.executemany(_INSERT_EVENT, rows)
            return max(cur.rowcount, 0)

    async def supervision_events(self, child: str | None = None, limit: int = 100) -> list[SupervisionEvent]:
        """The latest `limit` events (of one child, or all), oldest first."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        limit = min(limit, MAX_EVENTS_LIMIT)
        if child is None:
            query = _SELECT_EVENTS + " ORDER BY at DESC, id DESC LIMIT %(limit)s"
        else:
            query = _SELECT_EVENTS + " WHERE child = %(child)s ORDER BY at DESC, id DESC LIMIT %(limit)s"
        async with (
            self.pool.connection() as conn,
            conn.cursor(row_factory=dict_row) as cur,
        ):
            await cur.execute(query, {"child": child, "limit": limit})
            rows = await cur.fetchall()
        return [_row_event(row) for row in reversed(rows)]


def _event_row(event: SupervisionEvent) -> tuple[Any, ...]:
    return (
        event.supervisor,
        event.child,
        event.action,
        ExitKind(event.reason).value,
        event.detail,
        event.restarts,
        event.delay_s,
        Jsonb(list(event.siblings)),
        datetime.fromtimestamp(event.at, tz=UTC),
        event.id,
    )


def _row_event(row: dict[str, Any]) -> SupervisionEvent:
    return SupervisionEvent(
        supervisor=row["supervisor"],
        child=row["child"],
        action=row["action"],
        reason=ExitKind(row["reason"]),
        detail=row["detail"],
        restarts=row["restarts"],
        delay_s=row["delay_s"],
        siblings=list(row["siblings"]),
        at=row["at"].timestamp(),
        id=row["event_id"],
    )
