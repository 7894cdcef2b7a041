"""Who owns an object (the `owner_id` columns of migration 0009): agents and conversations.

The gateway asks before it lets a non-admin reach an object: another user's object answers
404, as one that does not exist. An object made before authentication (owner NULL) is the
admins' alone. Its claims are first-wins (an object gets an owner once).
"""

from __future__ import annotations

from psycopg import sql

from actors.store.database import Database

# kind -> table; each has `id text PRIMARY KEY` and `owner_id text`
TABLES = {"agent": "agents", "conversation": "conversations"}


def _table(kind: str) -> sql.Identifier:
    if kind not in TABLES:
        raise ValueError(f"no ownership for {kind!r} (known: {', '.join(TABLES)})")
    return sql.Identifier(TABLES[kind])


async def owner_of(db: Database, kind: str, object_id: str) -> str | None:
    query = sql.SQL("SELECT owner_id FROM {} WHERE id = %s").format(_table(kind))
    async with db.pool.connection() as conn, conn.cursor() as cur:
        await cur.execute(query, (object_id,))
        row = await cur.fetchone()
    return str(row[0]) if row and row[0] is not None else None


async def claim(db: Database, kind: str, object_id: str, owner_id: str) -> bool:
    """Give an object without an owner this one; False when it has one (or does not exist)."""
    query = sql.SQL("UPDATE {} SET owner_id = %s WHERE id = %s AND owner_id IS NULL").format(_table(kind))
    async with db.pool.connection() as conn, conn.cursor() as cur:
        await cur.execute(query, (owner_id, object_id))
        return cur.rowcount == 1


async def owned_ids(db: Database, kind: str, owner_id: str) -> list[str]:
    query = sql.SQL("SELECT id FROM {} WHERE owner_id = %s").format(_table(kind))
    async with db.pool.connection() as conn, conn.cursor() as cur:
        await cur.execute(query, (owner_id,))
        return [str(r[0]) for r in await cur.fetchall()]
