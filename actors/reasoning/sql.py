"""Reasoning sessions, their nodes and passages in PostgreSQL (plain async functions on a Database).

Tables: migrations/0006_reasoning.sql. A node is upserted at every change (the engine puts it
again when it is evaluated, pruned or selected), so the table always holds each node's latest
version and a restarted session reads its whole tree back.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from actors.store.database import Database
from protocols.reasoning import Passage, ReasoningRequest, ReasoningResult, RoutingDecision, SessionStatus, ThoughtNode
from protocols.rest_reasoning import SessionSummary


def new_session_id() -> str:
    return uuid.uuid4().hex[:16]


async def _rows(db: Database, query: str, params: dict[str, Any] | Sequence[Any]) -> list[dict[str, Any]]:
    async with db.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        return await cur.fetchall() if cur.description else []


_SUMMARY_COLUMNS = """s.id, s.query, s.mode, s.resolved_mode, s.task, s.status, s.model, s.index_name,
    s.answer, s.confidence, s.solved, s.metrics, s.restarts, s.error, s.created_at, s.finished_at,
    (SELECT count(*) FROM reasoning_nodes n WHERE n.session_id = s.id) AS nodes"""


def summary(row: dict[str, Any]) -> SessionSummary:
    return SessionSummary(
        session_id=row["id"],
        query=row["query"],
        mode=row["mode"],
        resolved_mode=row["resolved_mode"],
        task=row["task"],
        status=row["status"],
        model=row["model"],
        index=row["index_name"],
        answer=row["answer"],
        confidence=row["confidence"],
        solved=row["solved"],
        metrics=row["metrics"] or {},
        nodes=row["nodes"],
        restarts=row["restarts"],
        error=row["error"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
    )


# ---- sessions ------------------------------------------------------------------------------


async def insert_session(
    db: Database, session_id: str, request: ReasoningRequest, model: str, index: str, owner: str | None = None
) -> SessionSummary:
    await _rows(
        db,
        """INSERT INTO reasoning_sessions (id, query, mode, task, model, index_name, request, owner_id)
           VALUES (%(id)s, %(query)s, %(mode)s, %(task)s, %(model)s, %(index)s, %(request)s, %(owner)s)""",
        {
            "owner": owner,
            "id": session_id,
            "query": request.query,
            "mode": request.mode.value,
            "task": request.task.value,
            "model": model,
            "index": index,
            "request": Jsonb(request.model_dump(mode="json")),
        },
    )
    found = await get_session(db, session_id)
    assert found is not None
    return found


async def get_session(db: Database, session_id: str) -> SessionSummary | None:
    query = f"SELECT {_SUMMARY_COLUMNS} FROM reasoning_sessions s WHERE s.id = %(id)s"
    rows = await _rows(db, query, {"id": session_id})
    return summary(rows[0]) if rows else None


async def session_row(db: Database, session_id: str) -> dict[str, Any] | None:
    """The whole row: what a (re)started session actor needs to run."""
    rows = await _rows(db, "SELECT * FROM reasoning_sessions WHERE id = %(id)s", {"id": session_id})
    return rows[0] if rows else None


async def list_sessions(
    db: Database,
    *,
    limit: int,
    offset: int,
    status: str | None = None,
    mode: str | None = None,
    owner: str | None = None,
) -> tuple[list[SessionSummary], int]:
    """Newest first; `owner` set: only that user's sessions."""
    where = ["true"]
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if owner is not None:
        where.append("s.owner_id = %(owner)s")
        params["owner"] = owner
    if status is not None:
        where.append("s.status = %(status)s")
        params["status"] = status
    if mode is not None:
        where.append("(s.mode = %(mode)s OR s.resolved_mode = %(mode)s)")
        params["mode"] = mode
    condition = " AND ".join(where)
    rows = await _rows(
        db,
        f"SELECT {_SUMMARY_COLUMNS} FROM reasoning_sessions s WHERE {condition}"
        " ORDER BY s.created_at DESC, s.id LIMIT %(limit)s OFFSET %(offset)s",
        params,
    )
    total = await _rows(db, f"SELECT count(*) AS n FROM reasoning_sessions s WHERE {condition}", params)
    return [summary(r) for r in rows], int(total[0]["n"])


async def running_session_ids(db: Database) -> list[str]:
    rows = await _rows(db, "SELECT id FROM reasoning_sessions WHERE status = 'running' ORDER BY created_at", {})
    return [r["id"] for r in rows]


async def status_totals(db: Database, owner: str | None = None) -> dict[str, int]:
    rows = await _rows(
        db,
        "SELECT status, count(*) AS n FROM reasoning_sessions"
        " WHERE (%(owner)s::text IS NULL OR owner_id = %(owner)s) GROUP BY status",
        {"owner": owner},
    )
    return {r["status"]: int(r["n"]) for r in rows}


async def set_routing(db: Database, session_id: str, routing: RoutingDecision) -> None:
    await _rows(
        db,
        "UPDATE reasoning_sessions SET routing = %(routing)s, resolved_mode = %(mode)s WHERE id = %(id)s",
        {"id": session_id, "routing": Jsonb(routing.model_dump(mode="json")), "mode": routing.mode.value},
    )


async def count_restart(db: Database, session_id: str) -> None:
    await _rows(db, "UPDATE reasoning_sessions SET restarts = restarts + 1 WHERE id = %(id)s", {"id": session_id})


async def finish_session(db: Database, session_id: str, result: ReasoningResult) -> bool:
    """Record the outcome; only a running session can finish (so a late result of a stopped
    session does not overwrite it). True when this call finished it."""
    body = result.model_dump(mode="json", exclude={"nodes"})
    rows = await _rows(
        db,
        """UPDATE reasoning_sessions
              SET status = %(status)s, resolved_mode = %(mode)s, result = %(result)s, answer = %(answer)s,
                  confidence = %(confidence)s, solved = %(solved)s, metrics = %(metrics)s, error = %(error)s,
                  routing = COALESCE(%(routing)s, routing), finished_at = now()
            WHERE id = %(id)s AND status = 'running'
        RETURNING id""",
        {
            "id": session_id,
            "status": result.status.value,
            "mode": result.mode.value,
            "result": Jsonb(body),
            "answer": result.answer,
            "confidence": result.confidence,
            "solved": result.solved,
            "metrics": Jsonb(result.metrics.model_dump(mode="json")),
            "error": result.error,
            "routing": Jsonb(result.routing.model_dump(mode="json")) if result.routing else None,
        },
    )
    return bool(rows)


async def fail_session(db: Database, session_id: str, status: SessionStatus, error: str | None) -> bool:
    rows = await _rows(
        db,
        """UPDATE reasoning_sessions SET status = %(status)s, error = %(error)s, finished_at = now()
            WHERE id = %(id)s AND status = 'running' RETURNING id""",
        {"id": session_id, "status": status.value, "error": error},
    )
    return bool(rows)


# ---- nodes and passages ----------------------------------------------------------------------


async def upsert_node(db: Database, session_id: str, node: ThoughtNode) -> None:
    await _rows(
        db,
        """INSERT INTO reasoning_nodes (session_id, id, parent_id, depth, status, value, node)
           VALUES (%(session)s, %(id)s, %(parent)s, %(depth)s, %(status)s, %(value)s, %(node)s)
           ON CONFLICT (session_id, id) DO UPDATE
              SET status = EXCLUDED.status, value = EXCLUDED.value, node = EXCLUDED.node, updated_at = now()""",
        {
            "session": session_id,
            "id": node.id,
            "parent": node.parent_id,
            "depth": node.depth,
            "status": node.status.value,
            "value": node.value,
            "node": Jsonb(node.model_dump(mode="json")),
        },
    )


async def nodes(db: Database, session_id: str) -> list[ThoughtNode]:
    rows = await _rows(
        db, "SELECT node FROM reasoning_nodes WHERE session_id = %(id)s ORDER BY seq", {"id": session_id}
    )
    return [ThoughtNode.model_validate(r["node"]) for r in rows]


async def add_passages(db: Database, session_id: str, passages: Sequence[Passage]) -> None:
    if not passages:
        return
    async with db.pool.connection() as conn, conn.cursor() as cur:
        await cur.executemany(
            """INSERT INTO reasoning_passages (session_id, id, passage) VALUES (%s, %s, %s)
               ON CONFLICT (session_id, id) DO NOTHING""",
            [(session_id, p.id, Jsonb(p.model_dump(mode="json"))) for p in passages],
        )


async def passages(db: Database, session_id: str) -> dict[str, Passage]:
    rows = await _rows(db, "SELECT passage FROM reasoning_passages WHERE session_id = %(id)s", {"id": session_id})
    found = [Passage.model_validate(r["passage"]) for r in rows]
    return {p.id: p for p in found}


# ---- defaults --------------------------------------------------------------------------------


async def default_overrides(db: Database) -> dict[str, Any]:
    rows = await _rows(db, "SELECT overrides FROM reasoning_defaults WHERE id = 1", {})
    return dict(rows[0]["overrides"]) if rows else {}


async def set_default_overrides(db: Database, overrides: dict[str, Any]) -> None:
    await _rows(
        db,
        """INSERT INTO reasoning_defaults (id, overrides) VALUES (1, %(o)s)
           ON CONFLICT (id) DO UPDATE SET overrides = EXCLUDED.overrides, updated_at = now()""",
        {"o": Jsonb(overrides)},
    )
