"""MCP servers added at run time, in PostgreSQL (table `mcp_servers`; plain async functions on a
Database). The configs are JSON dicts here: validating them is the MCP feature's job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from actors.store.database import Database

_PUT = """
INSERT INTO mcp_servers (id, config) VALUES (%(id)s, %(config)s)
ON CONFLICT (id) DO UPDATE SET config = EXCLUDED.config, updated_at = now()
"""

# An import never overwrites a server added through the API since.
_IMPORT = "INSERT INTO mcp_servers (id, config) VALUES (%(id)s, %(config)s) ON CONFLICT (id) DO NOTHING"


async def servers(db: Database) -> list[dict[str, Any]]:
    """Every added server's config, oldest first."""
    async with db.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute("SELECT config FROM mcp_servers ORDER BY created_at, id")
        return [dict(row["config"]) for row in await cur.fetchall()]


async def put(db: Database, config: dict[str, Any]) -> None:
    """Add or replace the server `config["id"]`."""
    async with db.pool.connection() as conn:
        await conn.execute(_PUT, {"id": str(config["id"]), "config": Jsonb(config)})


async def delete(db: Database, server_id: str) -> bool:
    async with db.pool.connection() as conn:
        cur = await conn.execute("DELETE FROM mcp_servers WHERE id = %(id)s", {"id": server_id})
        return cur.rowcount > 0


async def import_servers(db: Database, configs: Sequence[dict[str, Any]]) -> int:
    """Add those not there yet, in one transaction; returns how many were new."""
    added = 0
    async with db.pool.connection() as conn, conn.transaction():
        for config in configs:
            cur = await conn.execute(_IMPORT, {"id": str(config["id"]), "config": Jsonb(config)})
            added += cur.rowcount
    return added
