"""Model calls, ratings and tracked entries in PostgreSQL (plain async functions on a Database)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from actors.store.database import Database
from protocols.model_stats import ModelEntry, ModelPerformance, RatingRequest
from protocols.models import CallRecord

_INSERT_CALL = """
INSERT INTO model_calls (model, backend, kind, worker, prompt_tokens, completion_tokens, latency_ms,
    time_to_first_token_ms, tokens_per_s, outcome, error_code, task_kind, at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
"""

_PERFORMANCE = """
SELECT c.model, min(c.backend) AS backend, count(*) AS calls,
       count(*) FILTER (WHERE c.outcome = 'ok') AS ok,
       count(*) FILTER (WHERE c.outcome = 'error') AS errors,
       count(*) FILTER (WHERE c.outcome = 'cancelled') AS cancelled,
       avg(c.latency_ms) AS mean_latency_ms,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY c.latency_ms) AS p50_latency_ms,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY c.latency_ms) AS p95_latency_ms,
       avg(c.tokens_per_s) AS mean_tokens_per_s,
       avg(c.time_to_first_token_ms) AS mean_time_to_first_token_ms,
       sum(c.prompt_tokens) AS prompt_tokens, sum(c.completion_tokens) AS completion_tokens,
       max(c.at) AS last_used
FROM model_calls c
WHERE (%(model)s::text IS NULL OR c.model = %(model)s)
  AND (%(task_kind)s::text IS NULL OR c.task_kind = %(task_kind)s)
GROUP BY c.model ORDER BY c.model
"""

_RATINGS = """
SELECT model, avg(rating)::float AS mean_rating, count(*) AS ratings FROM model_ratings
WHERE (%(model)s::text IS NULL OR model = %(model)s)
  AND (%(task_kind)s::text IS NULL OR task_kind = %(task_kind)s)
GROUP BY model
"""


async def record_calls(db: Database, calls: Sequence[CallRecord]) -> int:
    """One transaction: every call of the batch or none."""
    rows = [
        (
            c.model,
            c.backend.value,
            c.kind,
            c.worker,
            c.prompt_tokens,
            c.completion_tokens,
            c.latency_ms,
            c.time_to_first_token_ms,
            c.tokens_per_s,
            c.outcome,
            c.error_code,
            c.task_kind,
            datetime.fromtimestamp(c.at, tz=UTC),
        )
        for c in calls
    ]
    if not rows:
        return 0
    async with db.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
        await cur.executemany(_INSERT_CALL, rows)
    return len(rows)


async def performance(db: Database, model: str | None = None, task_kind: str | None = None) -> list[ModelPerformance]:
    params = {"model": model, "task_kind": task_kind}
    async with db.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(_PERFORMANCE, params)
        calls = await cur.fetchall()
        await cur.execute(_RATINGS, params)
        ratings = {r["model"]: r for r in await cur.fetchall()}
    out: list[ModelPerformance] = []
    for row in calls:
        rated = ratings.pop(row["model"], None)
        out.append(
            ModelPerformance(
                model=row["model"],
                backend=row["backend"],
                task_kind=task_kind,
                calls=row["calls"],
                ok=row["ok"],
                errors=row["errors"],
                cancelled=row["cancelled"],
                success_rate=row["ok"] / row["calls"] if row["calls"] else None,
                mean_latency_ms=row["mean_latency_ms"],
                p50_latency_ms=row["p50_latency_ms"],
                p95_latency_ms=row["p95_latency_ms"],
                mean_tokens_per_s=row["mean_tokens_per_s"],
                mean_time_to_first_token_ms=row["mean_time_to_first_token_ms"],
                prompt_tokens=row["prompt_tokens"] or 0,
                completion_tokens=row["completion_tokens"] or 0,
                mean_rating=rated["mean_rating"] if rated else None,
                ratings=rated["ratings"] if rated else 0,
                last_used=row["last_used"].timestamp() if row["last_used"] else None,
            )
        )
    for name, rated in ratings.items():  # rated but never called
        out.append(
            ModelPerformance(
                model=name,
                backend="unknown",
                task_kind=task_kind,
                mean_rating=rated["mean_rating"],
                ratings=rated["ratings"],
            )
        )
    return out


async def rate(db: Database, model: str, rating: RatingRequest) -> int:
    async with db.pool.connection() as conn, conn.cursor() as cur:
        await cur.execute(
            "INSERT INTO model_ratings (model, rating, task_kind, comment) VALUES (%s, %s, %s, %s) RETURNING id",
            (model, rating.rating, rating.task_kind, rating.comment),
        )
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def upsert_entry(db: Database, entry: ModelEntry) -> ModelEntry:
    async with db.pool.connection() as conn, conn.cursor() as cur:
        await cur.execute(
            """INSERT INTO model_entries (name, backend, task_kinds, description, parameters, updated_at)
               VALUES (%s, %s, %s, %s, %s, now())
               ON CONFLICT (name) DO UPDATE SET backend = EXCLUDED.backend, task_kinds = EXCLUDED.task_kinds,
                   description = EXCLUDED.description, parameters = EXCLUDED.parameters, updated_at = now()""",
            (entry.name, entry.backend, Jsonb(entry.task_kinds), entry.description, Jsonb(entry.parameters)),
        )
    return entry


async def entries(db: Database) -> list[ModelEntry]:
    async with db.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute("SELECT name, backend, task_kinds, description, parameters FROM model_entries ORDER BY name")
        rows: list[dict[str, Any]] = await cur.fetchall()
    return [ModelEntry.model_validate(r) for r in rows]


async def delete_entry(db: Database, name: str) -> bool:
    """Forget a tracked model: its entry, ratings and recorded calls."""
    async with db.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
        await cur.execute("DELETE FROM model_entries WHERE name = %s", (name,))
        found = cur.rowcount > 0
        await cur.execute("DELETE FROM model_ratings WHERE model = %s", (name,))
        found = found or cur.rowcount > 0
        await cur.execute("DELETE FROM model_calls WHERE model = %s", (name,))
        found = found or cur.rowcount > 0
    return found
