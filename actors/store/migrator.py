"""Schema migrations: numbered SQL files applied in order, each in its own transaction.

A migration is `migrations/NNNN_name.sql` (four digits, then a snake_case name).
Its version is the number (`"0001"`), so renaming a file never re-applies it and two
files with the same number are an error caught at discovery, not at run time.
Applied versions are recorded in `schema_migrations`; a session-level advisory lock
makes concurrent starters (a restarted Store racing its predecessor, two nodes)
apply each migration exactly once.

Discovery and planning are pure (no database) so they are unit-testable; `apply`
needs an autocommit psycopg connection of its own.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from psycopg import AsyncConnection

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_FILE_RE = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9][a-z0-9_]*)\.sql$")

# Key of the pg_advisory_lock that serialises migrators; any stable 32-bit number works.
ADVISORY_LOCK_KEY = zlib.crc32(b"pygent.store.migrations")

_CREATE_TABLE = b"""
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


class MigrationError(Exception):
    """The migration files are inconsistent (bad name, duplicate number) or one failed."""


@dataclass(frozen=True, order=True)
class Migration:
    """One SQL file. Orders by version."""

    version: str
    name: str
    path: Path

    @property
    def label(self) -> str:
        return f"{self.version}_{self.name}"

    def sql(self) -> bytes:
        # bytes, not str: psycopg runs a parameterless bytes query with the simple
        # protocol, which allows several statements in one file.
        return self.path.read_bytes()


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """All migrations in `directory`, in version order. Raises on stray or duplicate files."""
    found: dict[str, Migration] = {}
    for path in directory.iterdir():
        if path.suffix != ".sql" or not path.is_file():
            continue
        match = _FILE_RE.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: migration files must be named NNNN_snake_case_name.sql")
        migration = Migration(match["version"], match["name"], path)
        if migration.version in found:
            raise MigrationError(
                f"two migrations share version {migration.version}: "
                f"{found[migration.version].path.name} and {path.name}"
            )
        found[migration.version] = migration
    return sorted(found.values())


def pending(migrations: Sequence[Migration], applied: Iterable[str]) -> list[Migration]:
    """The migrations not yet applied, in order.

    Versions applied in the database but unknown here (a newer release ran against
    this database) are ignored: they are logged by `apply`, not treated as errors.
    """
    done = set(applied)
    return [m for m in sorted(migrations) if m.version not in done]


async def applied_versions(conn: AsyncConnection) -> list[str]:
    """Versions recorded in schema_migrations, in order; empty if the table is missing."""
    cur = await conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL")
    row = await cur.fetchone()
    if row is None or not row[0]:
        return []
    cur = await conn.execute("SELECT version FROM schema_migrations ORDER BY version")
    return [str(r[0]) for r in await cur.fetchall()]


async def apply(conn: AsyncConnection, migrations: Sequence[Migration]) -> list[str]:
    """Apply the pending migrations; returns the versions applied now (empty when up to date).

    `conn` must be in autocommit mode: the advisory lock is session-level and each
    migration opens its own transaction, so a failing file leaves no trace and the
    ones before it stay applied.
    """
    if not conn.autocommit:
        raise ValueError("apply() needs an autocommit connection")
    await conn.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
    try:
        await conn.execute(_CREATE_TABLE)
        applied = await applied_versions(conn)
        known = {m.version for m in migrations}
        unknown = [v for v in applied if v not in known]
        if unknown:
            log.warning("database has migrations this code does not know: %s", unknown)
        done: list[str] = []
        for migration in pending(migrations, applied):
            log.info("applying migration %s", migration.label)
            try:
                async with conn.transaction():
                    await conn.execute(migration.sql())
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES (%s, now())",
                        (migration.version,),
                    )
            except Exception as exc:
                raise MigrationError(f"migration {migration.label} failed: {type(exc).__name__}: {exc}") from exc
            done.append(migration.version)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))
