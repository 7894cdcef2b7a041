"""The Store actor: owns the PostgreSQL pool (and the embedded server) for the platform.

A thin wrapper: EmbeddedPostgres starts/adopts the server, Database does the queries,
ServerWatch notices the server's death. Plain async methods are for Ray handle callers;
the `@tool` ones are what peers see on the bus.

The embedded server is linked to the Store the OTP way: when it dies (or hangs, and is
killed), the Store fails with the reason, its supervisor restarts it, and the new Store
starts a fresh server on the same data dir and socket, where every other actor's pool
reconnects (database.StorePool). One death is one restart.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Annotated, Any

import psutil
from pydantic import Field, TypeAdapter

from actors.base import SupervisedActor, tool
from actors.store import mcp_servers, model_stats
from actors.store.database import MAX_EVENTS_LIMIT, Database, Mode
from actors.store.embedded import EmbeddedPostgres
from actors.store.pool import publish_dsn
from actors.store.server_watch import ServerWatch
from configs.settings import get_settings
from protocols.model_stats import ModelEntry, RatingRequest
from protocols.models import CallRecord
from protocols.rest import DatabaseHealth
from protocols.supervision import ExitKind, SupervisionEvent
from supervisors.refs import current_namespace

log = logging.getLogger(__name__)

_EVENTS = TypeAdapter(list[SupervisionEvent])


def node_pid() -> int:
    """The pid whose death should stop the embedded server.

    In a Ray worker that is the raylet, the worker's parent: the server then survives a
    crash of the Store (its successor adopts it) but not the loss of the node. Outside
    Ray (a test, a script) it is this process, so nothing outlives it.
    """
    parent = os.getppid()
    try:
        if psutil.Process(parent).name() == "raylet":
            return parent
    except psutil.Error:
        pass
    return os.getpid()


class Store(SupervisedActor):
    """Address `store`: the platform's database."""

    def __init__(self, address: str) -> None:
        super().__init__(address)
        self._embedded: EmbeddedPostgres | None = None
        self._db: Database | None = None
        self._dsn: str | None = None
        self._mode: Mode | None = None
        self._health_timeout_s = 3.0
        self._server_watch: asyncio.Task[None] | None = None
        self._stopping = False

    async def on_start(self) -> None:
        settings = get_settings()
        self._health_timeout_s = settings.database.health_timeout_s
        if settings.database.url:
            self._mode, self._dsn = "external", settings.database.url
        else:
            self._mode = "embedded"
            self._embedded = EmbeddedPostgres.from_settings(settings)
            # initdb/pg_ctl block for a second or two; keep the event loop answering pings.
            self._dsn = await asyncio.to_thread(self._embedded.start, node_pid())
        db = Database.from_config(self._dsn, settings.database, mode=self._mode)
        await db.open()  # migrates first
        self._db = db
        if self._embedded is not None:
            self._server_watch = asyncio.create_task(self._watch_server(self._embedded.postmaster_pid))
        try:  # a shortcut for the other actors' pools (actors/store/pool.py): optional
            await asyncio.to_thread(publish_dsn, current_namespace(), self._dsn)
        except Exception as exc:
            log.warning("%s: the DSN was not published (%s)", self.address, exc)
        log.info("%s: %s database ready", self.address, self._mode)

    async def on_stop(self) -> None:
        self._stopping = True  # stopping the server below is no failure
        if self._server_watch is not None:
            self._server_watch.cancel()
        db, self._db = self._db, None
        if db is not None:
            await db.close()
        if self._embedded is not None:
            # An orderly platform shutdown stops the embedded server (a crash does not).
            await asyncio.to_thread(self._embedded.stop)

    @property
    def database(self) -> Database:
        if self._db is None:
            raise RuntimeError(f"{self.address} is not started")
        return self._db

    # ---- for Ray handle callers ---------------------------------------------------------

    async def dsn(self) -> str:
        """The DSN of the database (includes credentials of an external one)."""
        if self._dsn is None:
            raise RuntimeError(f"{self.address} is not started")
        return self._dsn

    # Async and live, unlike SupervisedActor.health (sync, cheap): callers reach it
    # through a Ray handle (`await store.health.remote()`), which serves both alike.
    async def health(self) -> dict[str, Any]:  # type: ignore[override]
        """A live DatabaseHealth (round trip, versions, pool, migrations), as a dict."""
        return (await self._check_health()).model_dump(mode="json")

    async def record_supervision_events(self, events: list[dict[str, Any]]) -> int:
        """Store a batch of SupervisionEvent dicts: all or none. Returns the count."""
        validated = _EVENTS.validate_python(events)  # the whole batch, before any write
        return await self.database.record_supervision_events(validated)

    async def supervision_events(self, child: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """The latest events (of one child, or all), oldest first, as dicts."""
        events = await self.database.supervision_events(child, limit)
        return [event.model_dump(mode="json") for event in events]

    # ---- model calls, ratings, tracked models (used by /api/v1/models) --------------------

    async def record_model_calls(self, calls: list[dict[str, Any]]) -> int:
        validated = [CallRecord.model_validate(c) for c in calls]  # whole batch before any write
        return await model_stats.record_calls(self.database, validated)

    async def model_performance(self, model: str | None = None, task_kind: str | None = None) -> list[dict[str, Any]]:
        rows = await model_stats.performance(self.database, model, task_kind)
        return [r.model_dump(mode="json") for r in rows]

    async def rate_model(self, model: str, rating: dict[str, Any]) -> int:
        return await model_stats.rate(self.database, model, RatingRequest.model_validate(rating))

    async def upsert_model_entry(self, entry: dict[str, Any]) -> dict[str, Any]:
        saved = await model_stats.upsert_entry(self.database, ModelEntry.model_validate(entry))
        return saved.model_dump(mode="json")

    async def model_entries(self) -> list[dict[str, Any]]:
        return [e.model_dump(mode="json") for e in await model_stats.entries(self.database)]

    async def delete_model_entry(self, name: str) -> bool:
        return await model_stats.delete_entry(self.database, name)

    # ---- MCP servers added at run time (actors/mcp: the manager and the servers' supervisor) ----

    async def mcp_servers(self) -> list[dict[str, Any]]:
        return await mcp_servers.servers(self.database)

    async def put_mcp_server(self, config: dict[str, Any]) -> None:
        await mcp_servers.put(self.database, config)

    async def delete_mcp_server(self, server_id: str) -> bool:
        return await mcp_servers.delete(self.database, server_id)

    async def import_mcp_servers(self, configs: list[dict[str, Any]]) -> int:
        return await mcp_servers.import_servers(self.database, configs)

    # ---- MCP tools for peers on the bus -------------------------------------------------

    @tool(
        name="health",
        description="Database status: versions, latency, pool, migrations.",
    )
    async def tool_health(self) -> DatabaseHealth:
        return await self._check_health()

    @tool(
        name="supervision_events",
        description="Latest supervision events (restarts, escalations), oldest first; "
        "optionally of one child address only.",
    )
    async def tool_supervision_events(
        self,
        child: str | None = None,
        limit: Annotated[int, Field(ge=1, le=MAX_EVENTS_LIMIT)] = 100,
    ) -> list[SupervisionEvent]:
        return await self.database.supervision_events(child, limit)

    # ---- internals ------------------------------------------------------------------

    async def _check_health(self) -> DatabaseHealth:
        if self._db is None:
            return DatabaseHealth(status="down", mode=self._mode, detail="not started")
        return await self._db.health(self._health_timeout_s)

    async def _watch_server(self, pid: int | None) -> None:
        """Fail this Store when the embedded server dies or hangs (its supervisor restarts
        the Store, which starts a fresh server): a server nobody restarts would leave every
        request failing while the tree says all is well."""
        assert self._embedded is not None and self._dsn is not None
        settings = get_settings().database
        try:
            if pid is None:
                detail, hung = "the postgres server was gone right after it started", False
            else:
                watch = ServerWatch(
                    pid,
                    self._dsn,
                    interval_s=settings.check_interval_s,
                    timeout_s=settings.check_timeout_s,
                    failures=settings.check_failures,
                )
                failure = await watch.failure()
                detail, hung = failure.detail, failure.hung
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the watch itself broke: let it crash, the OTP way
            detail, hung = f"the watch on the postgres server failed: {type(exc).__name__}: {exc}", False
        if self._stopping:
            return
        log.error("%s: %s; failing so that my supervisor restarts me (and the server)", self.address, detail)
        if hung:
            # A successor would adopt the stuck server; it must be gone first.
            await asyncio.to_thread(self._embedded.kill)
        self._resolve_exit(ExitKind.CRASH.value, detail)
