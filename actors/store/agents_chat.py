"""Agents, conversations and messages in PostgreSQL (plain async functions on a Database)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from actors.store.database import Database
from protocols.agents import Conversation, MessageStatus, StoredMessage


def new_id() -> str:
    return uuid.uuid4().hex[:16]


def _iso(value: datetime) -> str:
    return value.isoformat()


def _agent(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "type": row["type"],
        "model": row["model"],
        "tools": list(row["tools"]),
        "reasoning_mode": row.get("reasoning_mode"),
        "recipe": row.get("recipe"),
        "status": row["status"],
        "address": f"agent/{row['id']}",
        "created_at": _iso(row["created_at"]),
    }


async def _rows(db: Database, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    async with db.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        return await cur.fetchall()


# ---- agents -------------------------------------------------------------------------------


async def insert_agent(
    db: Database,
    agent_id: str,
    name: str,
    type_: str,
    model: str,
    tools: Sequence[str],
    reasoning_mode: str | None = None,
    recipe: dict[str, Any] | None = None,
) -> dict[str, Any]:
    rows = await _rows(
        db,
        "INSERT INTO agents (id, name, type, model, tools, reasoning_mode, recipe)"
        " VALUES (%(id)s, %(name)s, %(type)s, %(model)s, %(tools)s, %(mode)s, %(recipe)s) RETURNING *",
        {
            "id": agent_id,
            "name": name,
            "type": type_,
            "model": model,
            "tools": Jsonb(list(tools)),
            "mode": reasoning_mode,
            "recipe": Jsonb(recipe) if recipe is not None else None,
        },
    )
    return _agent(rows[0])


async def get_agent(db: Database, agent_id: str) -> dict[str, Any] | None:
    rows = await _rows(db, "SELECT * FROM agents WHERE id = %(id)s AND NOT deleted", {"id": agent_id})
    return _agent(rows[0]) if rows else None


async def list_agents(db: Database, type_: str | None = None) -> list[dict[str, Any]]:
    rows = await _rows(
        db,
        "SELECT * FROM agents WHERE NOT deleted AND (%(type)s::text IS NULL OR type = %(type)s)"
        " ORDER BY created_at, id",
        {"type": type_},
    )
    return [_agent(r) for r in rows]


async def set_agent_status(db: Database, agent_id: str, status: str) -> None:
    await _rows_none(
        db, "UPDATE agents SET status = %(s)s, updated_at = now() WHERE id = %(id)s", {"s": status, "id": agent_id}
    )


async def set_agent_tools(db: Database, agent_id: str, tools: Sequence[str]) -> dict[str, Any] | None:
    rows = await _rows(
        db,
        "UPDATE agents SET tools = %(tools)s, updated_at = now() WHERE id = %(id)s AND NOT deleted RETURNING *",
        {"tools": Jsonb(list(tools)), "id": agent_id},
    )
    return _agent(rows[0]) if rows else None


async def delete_agent(db: Database, agent_id: str) -> bool:
    rows = await _rows(
        db,
        "UPDATE agents SET deleted = true, updated_at = now() WHERE id = %(id)s AND NOT deleted RETURNING id",
        {"id": agent_id},
    )
    return bool(rows)


async def _rows_none(db: Database, query: str, params: dict[str, Any]) -> None:
    async with db.pool.connection() as conn:
        await conn.execute(query, params)


# ---- conversations ------------------------------------------------------------------------

_CONVERSATIONS = """
SELECT c.id, c.title, c.agent_id, c.created_at, c.updated_at,
       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count
FROM conversations c WHERE NOT c.deleted
"""


def _conversation(row: dict[str, Any]) -> Conversation:
    return Conversation(
        id=row["id"],
        title=row["title"],
        agent_id=row["agent_id"],
        created_at=_iso(row["created_at"]),
        updated_at=_iso(row["updated_at"]),
        message_count=row["message_count"],
    )


async def create_conversation(db: Database, title: str, agent_id: str | None) -> Conversation:
    conversation_id = new_id()
    await _rows_none(
        db,
        "INSERT INTO conversations (id, title, agent_id) VALUES (%(id)s, %(title)s, %(agent)s)",
        {"id": conversation_id, "title": title, "agent": agent_id},
    )
    found = await get_conversation(db, conversation_id)
    assert found is not None
    return found


async def create_named_conversation(
    db: Database, conversation_id: str, title: str, agent_id: str | None
) -> Conversation | None:
    """A new conversation under an id the client chose (None when a deleted conversation has
    that id: its messages stay where they are)."""
    await _rows_none(
        db,
        "INSERT INTO conversations (id, title, agent_id) VALUES (%(id)s, %(title)s, %(agent)s)"
        " ON CONFLICT (id) DO NOTHING",
        {"id": conversation_id, "title": title, "agent": agent_id},
    )
    return await get_conversation(db, conversation_id)


async def get_conversation(db: Database, conversation_id: str) -> Conversation | None:
    rows = await _rows(db, _CONVERSATIONS + " AND c.id = %(id)s", {"id": conversation_id})
    return _conversation(rows[0]) if rows else None


async def list_conversations(db: Database, limit: int = 100) -> list[Conversation]:
    rows = await _rows(db, _CONVERSATIONS + " ORDER BY c.updated_at DESC LIMIT %(limit)s", {"limit": limit})
    return [_conversation(r) for r in rows]


async def update_conversation(db: Database, conversation_id: str, title: str | None, agent_id: str | None) -> None:
    await _rows_none(
        db,
        "UPDATE conversations SET title = CASE WHEN title = '' THEN COALESCE(%(title)s::text, '') ELSE title END,"
        " agent_id = COALESCE(agent_id, %(agent)s::text), updated_at = now() WHERE id = %(id)s",
        {"title": title, "agent": agent_id, "id": conversation_id},
    )


async def delete_conversation(db: Database, conversation_id: str) -> bool:
    rows = await _rows(
        db,
        "UPDATE conversations SET deleted = true WHERE id = %(id)s AND NOT deleted RETURNING id",
        {"id": conversation_id},
    )
    return bool(rows)


# ---- messages -----------------------------------------------------------------------------


def _message(row: dict[str, Any]) -> StoredMessage:
    return StoredMessage(
        id=row["id"],
        conversation_id=row["conversation_id"],
        role=row["role"],
        content=row["content"],
        agent_id=row["agent_id"],
        status=MessageStatus(row["status"]),
        created_at=_iso(row["created_at"]),
        metadata=dict(row.get("metadata") or {}),
    )


async def add_message(
    db: Database,
    conversation_id: str,
    role: str,
    content: str,
    agent_id: str | None,
    status: MessageStatus = MessageStatus.COMPLETE,
    metadata: dict[str, Any] | None = None,
    message_id: str | None = None,
) -> StoredMessage:
    """Insert the message and touch its conversation, in one transaction. With a
    `message_id` the insert is idempotent: a message already stored under that id (a turn
    delivered again) is returned as it is."""
    async with db.pool.connection() as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        if message_id is not None:
            await cur.execute("SELECT * FROM messages WHERE id = %(id)s", {"id": message_id})
            found = await cur.fetchone()
            if found is not None:
                return _message(found)
        await cur.execute(
            "INSERT INTO messages (id, conversation_id, role, content, agent_id, status, metadata)"
            " VALUES (%(id)s, %(c)s, %(role)s, %(content)s, %(agent)s, %(status)s, %(meta)s) RETURNING *",
            {
                "id": message_id or new_id(),
                "c": conversation_id,
                "role": role,
                "content": content,
                "agent": agent_id,
                "status": status.value,
                "meta": Jsonb(metadata or {}),
            },
        )
        row = await cur.fetchone()
        await cur.execute("UPDATE conversations SET updated_at = now() WHERE id = %(c)s", {"c": conversation_id})
    assert row is not None
    return _message(row)


async def messages(db: Database, conversation_id: str, last: int | None = None) -> list[StoredMessage]:
    """The conversation's messages in order; the last `last` only when given."""
    if last is None:
        rows = await _rows(
            db, "SELECT * FROM messages WHERE conversation_id = %(c)s ORDER BY seq", {"c": conversation_id}
        )
    else:
        rows = await _rows(
            db,
            "SELECT * FROM (SELECT * FROM messages WHERE conversation_id = %(c)s"
            " ORDER BY seq DESC LIMIT %(n)s) t ORDER BY seq",
            {"c": conversation_id, "n": last},
        )
    return [_message(r) for r in rows]


async def agent_messages(db: Database, agent_id: str, last: int) -> list[StoredMessage]:
    """The agent's latest messages across its conversations (its short-term memory)."""
    rows = await _rows(
        db,
        "SELECT * FROM (SELECT m.* FROM messages m WHERE m.conversation_id IN"
        " (SELECT DISTINCT conversation_id FROM messages WHERE agent_id = %(a)s)"
        " ORDER BY m.seq DESC LIMIT %(n)s) t ORDER BY seq",
        {"a": agent_id, "n": last},
    )
    return [_message(r) for r in rows]


# ---- delivery: answers keyed by the user message they answer -----------------------------


async def answer_to(db: Database, user_message_id: str) -> StoredMessage | None:
    """The stored answer to a user message (`metadata.reply_to`), if any."""
    rows = await _rows(
        db,
        "SELECT * FROM messages WHERE role = 'assistant' AND metadata->>'reply_to' = %(id)s ORDER BY seq LIMIT 1",
        {"id": user_message_id},
    )
    return _message(rows[0]) if rows else None


async def mark_message(db: Database, message_id: str, patch: dict[str, Any]) -> None:
    """Merge `patch` into a message's metadata (what a turn had begun, for a redelivery)."""
    await _rows(
        db,
        "UPDATE messages SET metadata = metadata || %(patch)s WHERE id = %(id)s RETURNING id",
        {"id": message_id, "patch": Jsonb(patch)},
    )


async def dangling_messages(db: Database, agent_id: str, older_than_s: float) -> list[StoredMessage]:
    """User messages of this agent's conversations with no answer after them, older than
    `older_than_s` (a redelivery had its chance)."""
    rows = await _rows(
        db,
        """SELECT m.* FROM messages m JOIN conversations c ON c.id = m.conversation_id
            WHERE c.agent_id = %(agent)s AND NOT c.deleted AND m.role = 'user'
              AND m.created_at < now() - make_interval(secs => %(age)s)
              AND NOT EXISTS (SELECT 1 FROM messages a WHERE a.conversation_id = m.conversation_id
                              AND a.role = 'assistant' AND (a.seq > m.seq OR a.metadata->>'reply_to' = m.id))
            ORDER BY m.seq""",
        {"agent": agent_id, "age": older_than_s},
    )
    return [_message(r) for r in rows]
