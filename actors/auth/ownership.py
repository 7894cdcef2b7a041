"""Who owns an object (the `owner_id` columns of migrations 0009 and 0010): agents,
conversations, search indexes, reasoning sessions, evolution runs; a document through its index.

The gateway asks before it lets a non-admin reach an object (serve_app/ownership.py says what
an answer means per kind). `lookup` tells an object that does not exist from one without an
owner. Claims are first-wins (an object gets an owner once).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from psycopg import sql

from actors.store.database import Database


@dataclass(frozen=True)
class Owned:
    table: str
    key: str = "id"  # the column that names an object


# kind -> where its owner lives; each table has `owner_id text`
KINDS = {
    "agent": Owned("agents"),
    "conversation": Owned("conversations"),
    "index": Owned("search_indexes", "name"),
    "reasoning_session": Owned("reasoning_sessions"),
    "evolution_run": Owned("evolution_runs"),
}
# Kinds whose owner is another object's: a document is its index's.
DOCUMENT = "document"


def _owned(kind: str) -> Owned:
    if kind not in KINDS:
        raise ValueError(f"no ownership for {kind!r} (known: {', '.join([*KINDS, DOCUMENT])})")
    return KINDS[kind]


async def lookup(db: Database, kind: str, object_id: str) -> tuple[bool, str | None]:
    """(whether the object exists, its owner or None)."""
    query: sql.Composable
    if kind == DOCUMENT:
        try:
            uuid.UUID(object_id)
        except ValueError:
            return False, None
        query = sql.SQL(
            "SELECT i.owner_id FROM documents d JOIN search_indexes i ON i.name = d.index_name WHERE d.id = %s"
        )
    else:
        owned = _owned(kind)
        query = sql.SQL("SELECT owner_id FROM {} WHERE {} = %s").format(
            sql.Identifier(owned.table), sql.Identifier(owned.key)
        )
    async with db.pool.connection() as conn, conn.cursor() as cur:
        await cur.execute(query, (object_id,))
        row = await cur.fetchone()
    if row is None:
        return False, None
    return True, (str(row[0]) if row[0] is not None else None)


async def owner_of(db: Database, kind: str, object_id: str) -> str | None:
    return (await lookup(db, kind, object_id))[1]


async def claim(db: Database, kind: str, object_id: str, owner_id: str) -> bool:
    """Give an object without an owner this one; False when it has one (or does not exist)."""
    owned = _owned(kind)
    query = sql.SQL("UPDATE {} SET owner_id = %s WHERE {} = %s AND owner_id IS NULL").format(
        sql.Identifier(owned.table), sql.Identifier(owned.key)
    )
    async with db.pool.connection() as conn, conn.cursor() as cur:
        await cur.execute(query, (owner_id, object_id))
        return cur.rowcount == 1


async def owned_ids(db: Database, kind: str, owner_id: str | None) -> list[str]:
    """The objects of this owner (None: those without an owner)."""
    owned = _owned(kind)
    condition = sql.SQL("owner_id = %s") if owner_id is not None else sql.SQL("owner_id IS NULL")
    query = (
        sql.SQL("SELECT {} FROM {} WHERE ").format(sql.Identifier(owned.key), sql.Identifier(owned.table)) + condition
    )
    async with db.pool.connection() as conn, conn.cursor() as cur:
        await cur.execute(query, (owner_id,) if owner_id is not None else ())
        return [str(r[0]) for r in await cur.fetchall()]
