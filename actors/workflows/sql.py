"""Our workflow tables in PostgreSQL (migrations/0008_workflows.sql): what each run was asked,
its log, its report and citations. DBOS keeps the status and step outputs in its own schema."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from psycopg import sql as psql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from actors.store.database import Database
from protocols.rest_workflows import ReportView, WorkflowLogLine
from protocols.workflows import Report, ResearchRequest, StoredReport


async def _rows(db: Database, query: str, params: dict[str, Any] | Sequence[Any]) -> list[dict[str, Any]]:
    async with db.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        return await cur.fetchall() if cur.description else []


async def insert_run(
    db: Database, workflow_id: str, name: str, request: ResearchRequest, owner_id: str | None = None
) -> bool:
    """Record a run; False when the id exists (the caller answers the existing workflow)."""
    rows = await _rows(
        db,
        """INSERT INTO workflow_runs (id, name, question, index_name, model, mode, request, owner_id)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING RETURNING id""",
        (
            workflow_id,
            name,
            request.question,
            request.index,
            request.model,
            request.mode.value,
            Jsonb(request.model_dump(mode="json")),
            owner_id,
        ),
    )
    return bool(rows)


async def get_run(db: Database, workflow_id: str) -> dict[str, Any] | None:
    rows = await _rows(
        db,
        """SELECT r.*, EXISTS (SELECT 1 FROM workflow_reports p WHERE p.workflow_id = r.id) AS has_report
           FROM workflow_runs r WHERE r.id = %s""",
        (workflow_id,),
    )
    return rows[0] if rows else None


async def list_runs(
    db: Database, limit: int, offset: int, owner_id: str | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Runs newest first, and how many there are: all of them, or (owner_id) one user's."""
    mine = "WHERE r.owner_id = %(owner)s" if owner_id is not None else ""
    params = {"owner": owner_id, "limit": limit, "offset": offset}
    rows = await _rows(
        db,
        f"""SELECT r.*, EXISTS (SELECT 1 FROM workflow_reports p WHERE p.workflow_id = r.id) AS has_report
            FROM workflow_runs r {mine} ORDER BY r.created_at DESC, r.id LIMIT %(limit)s OFFSET %(offset)s""",
        params,
    )
    total = await _rows(db, f"SELECT count(*) AS n FROM workflow_runs r {mine}", params)
    return rows, int(total[0]["n"])


async def unstarted_runs(db: Database, system_schema: str) -> list[dict[str, Any]]:
    """Runs recorded but never handed to DBOS (the runner died between the two): no status
    row in DBOS's `workflow_status`. Oldest first."""
    query = psql.SQL(
        """SELECT r.id, r.request, r.owner_id FROM workflow_runs r
           WHERE NOT EXISTS (SELECT 1 FROM {}.workflow_status s WHERE s.workflow_uuid = r.id)
           ORDER BY r.created_at"""
    ).format(psql.Identifier(system_schema))
    async with db.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query)
        return await cur.fetchall()


async def add_log(db: Database, workflow_id: str, step: str | None, level: str, message: str) -> WorkflowLogLine:
    rows = await _rows(
        db,
        """INSERT INTO workflow_logs (workflow_id, step, level, message) VALUES (%s, %s, %s, %s)
           RETURNING workflow_id, seq, at, step, level, message""",
        (workflow_id, step, level, message[:4000]),
    )
    return WorkflowLogLine.model_validate(rows[0])


async def logs(db: Database, workflow_id: str, after: int = 0, limit: int = 1000) -> list[WorkflowLogLine]:
    rows = await _rows(
        db,
        """SELECT workflow_id, seq, at, step, level, message FROM workflow_logs
           WHERE workflow_id = %s AND seq > %s ORDER BY seq LIMIT %s""",
        (workflow_id, after, limit),
    )
    return [WorkflowLogLine.model_validate(r) for r in rows]


async def save_report(db: Database, workflow_id: str, report: Report) -> StoredReport:
    """The report and its citations in one transaction, once per workflow: a second save (the
    store step run again after a crash) inserts nothing and answers the stored report."""
    report_id = uuid.uuid5(uuid.NAMESPACE_URL, f"pygent:workflow-report:{workflow_id}").hex[:20]
    async with db.pool.connection() as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            """INSERT INTO workflow_reports (id, workflow_id, title, markdown, report)
               VALUES (%s, %s, %s, %s, %s) ON CONFLICT (workflow_id) DO NOTHING RETURNING id""",
            (report_id, workflow_id, report.title, report.markdown, Jsonb(report.model_dump(mode="json"))),
        )
        created = bool(await cur.fetchall())
        if created:
            await cur.executemany(
                """INSERT INTO workflow_citations (report_id, number, passage_id, document_id, source, excerpt)
                   VALUES (%s, %s, %s, %s, %s, %s)""",
                [(report_id, c.number, c.passage_id, c.document_id, c.source, c.excerpt) for c in report.citations],
            )
        await cur.execute("SELECT count(*) AS n FROM workflow_citations WHERE report_id = %s", (report_id,))
        row = await cur.fetchone()
    return StoredReport(
        workflow_id=workflow_id, report_id=report_id, citations=int(row["n"]) if row else 0, created=created
    )


async def get_report(db: Database, workflow_id: str) -> ReportView | None:
    rows = await _rows(db, "SELECT * FROM workflow_reports WHERE workflow_id = %s", (workflow_id,))
    if not rows:
        return None
    row = rows[0]
    report = Report.model_validate(row["report"])
    return ReportView(
        report_id=row["id"],
        title=row["title"],
        markdown=row["markdown"],
        citations=report.citations,
        sub_questions=report.sub_questions,
        created_at=row["created_at"],
    )


async def count_side_effects(db: Database, workflow_id: str) -> dict[str, int]:
    """How many reports and citation rows a workflow stored (the tests' exactly-once check)."""
    rows = await _rows(
        db,
        """SELECT (SELECT count(*) FROM workflow_reports WHERE workflow_id = %s) AS reports,
                  (SELECT count(*) FROM workflow_citations c JOIN workflow_reports p ON p.id = c.report_id
                    WHERE p.workflow_id = %s) AS citations""",
        (workflow_id, workflow_id),
    )
    return {k: int(v) for k, v in rows[0].items()}
