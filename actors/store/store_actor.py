"""The Store actor: owns the PostgreSQL pool (and the embedded server) for the platform.

A thin wrapper: EmbeddedPostgres starts/adopts the server, Database does the queries.
Plain async methods are for Ray handle callers; the `@tool` ones are what peers see
on the bus.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Annotated, Any

import psutil
from pydantic import Field, TypeAdapter

from actors.base import SupervisedActor, tool
from actors.store import model_stats
from actors.store.database import MAX_EVENTS_LIMIT, Database, Mode
from actors.store.embedded import EmbeddedPostgres
from configs.settings import get_settings
from protocols.model_stats import ModelEntry, RatingRequest
from protocols.models import CallRecord
from protocols.rest import DatabaseHealth
from protocols.supervision import SupervisionEvent

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

    async def on_start(self) -> None:
        settings = get_settings()
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
        log.info("%s: %s database ready", self.address, self._mode)

    async def on_stop(self) -> None:
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
        return await self._db.health()
