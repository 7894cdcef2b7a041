"""The store: PostgreSQL (embedded or external) with pgvector, owned by the Store actor.

- `embedded`: start/adopt/stop/kill the embedded server; `stop_orphan` for `pygent down`;
- `watchdog`: the process that stops the server when its node dies;
- `process_exit`: waiting for a process's exit (a pidfd), for the watchdog and the Store;
- `server_watch`: notices the server's death or hang, so the Store fails and is restarted;
- `migrator` + `migrations/`: numbered SQL files applied at start;
- `database`: the pool and the queries (plain Python, no Ray);
- `errors`: psycopg's failures as PlatformErrors (every pool maps through it);
- `store_actor`: the `Store` actor wrapping them.

Names are imported lazily, so `python -m actors.store.watchdog` does not pull in the
actor framework or psycopg.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from actors.store.database import Database, DatabaseNotOpen
    from actors.store.embedded import (
        EmbeddedPostgres,
        EmbeddedPostgresError,
        stop_orphan,
    )
    from actors.store.migrator import Migration, MigrationError
    from actors.store.store_actor import Store

_EXPORTS = {
    "Store": "actors.store.store_actor",
    "Database": "actors.store.database",
    "DatabaseNotOpen": "actors.store.database",
    "EmbeddedPostgres": "actors.store.embedded",
    "EmbeddedPostgresError": "actors.store.embedded",
    "stop_orphan": "actors.store.embedded",
    "Migration": "actors.store.migrator",
    "MigrationError": "actors.store.migrator",
}

__all__ = [
    "Database",
    "DatabaseNotOpen",
    "EmbeddedPostgres",
    "EmbeddedPostgresError",
    "Migration",
    "MigrationError",
    "Store",
    "stop_orphan",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
