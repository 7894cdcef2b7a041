"""Evolution runs, recipes, lineage, evaluations and island checkpoints in PostgreSQL (plain
async functions on a Database).

Tables: migrations/0007_evolution.sql. Evaluations are keyed by content (genome, task, split,
example) and inserted with ON CONFLICT DO NOTHING: one computed again is refused and counted
in the run's `duplicates` (the integration tests check it stays 0 across kills).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from actors.store.database import Database
from protocols.evolution import (
    Evaluation,
    Genome,
    HeldOutReport,
    IslandState,
    Lineage,
    Member,
    RunConfig,
    RunProgress,
    RunStatus,
    Split,
    StopReason,
)
from protocols.rest_evolution import HistoryPoint, LineageNode, LineageView, RecipeView, RunSummary


def new_run_id() -> str:
    return uuid.uuid4().hex[:16]


async def _rows(db: Database, query: str, params: dict[str, Any] | Sequence[Any]) -> list[dict[str, Any]]:
    async with db.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        return await cur.fetchall() if cur.description else []


# ---- runs ----------------------------------------------------------------------------------

_RUN_COLUMNS = """id, task, config, status, stop_reason, generation, evaluations, hypervolume, best,
    restarts, error, created_at, finished_at"""


def summary(row: dict[str, Any]) -> RunSummary:
    config = row["config"]
    return RunSummary(
        run_id=row["id"],
        task=row["task"],
        status=row["status"],
        stop_reason=row["stop_reason"],
        objectives=[o["name"] for o in config["objectives"]],
        islands=config["islands"],
        population_size=config["population_size"],
        generations=config["generations"],
        generation=row["generation"],
        evaluations=row["evaluations"],
        hypervolume=row["hypervolume"],
        best=row["best"] or {},
        restarts=row["restarts"],
        error=row["error"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
    )


async def insert_run(db: Database, run_id: str, config: RunConfig, owner: str | None = None) -> RunSummary:
    await _rows(
        db,
        "INSERT INTO evolution_runs (id, task, config, owner_id) VALUES (%(id)s, %(task)s, %(config)s, %(owner)s)",
        {"id": run_id, "task": config.task, "config": Jsonb(config.model_dump(mode="json")), "owner": owner},
    )
    found = await get_run(db, run_id)
    assert found is not None
    return found


async def get_run(db: Database, run_id: str) -> RunSummary | None:
    rows = await _rows(db, f"SELECT {_RUN_COLUMNS} FROM evolution_runs WHERE id = %(id)s", {"id": run_id})
    return summary(rows[0]) if rows else None


async def run_row(db: Database, run_id: str) -> dict[str, Any] | None:
    rows = await _rows(db, "SELECT * FROM evolution_runs WHERE id = %(id)s", {"id": run_id})
    return rows[0] if rows else None


# `owner` set: that user's runs only (None: all)
_OF_OWNER = "(%(owner)s::text IS NULL OR owner_id = %(owner)s)"


async def latest_run_id(db: Database, owner: str | None = None) -> str | None:
    rows = await _rows(
        db, f"SELECT id FROM evolution_runs WHERE {_OF_OWNER} ORDER BY created_at DESC, id LIMIT 1", {"owner": owner}
    )
    return rows[0]["id"] if rows else None


async def list_runs(
    db: Database, *, limit: int, offset: int, status: str | None = None, owner: str | None = None
) -> list[RunSummary]:
    rows = await _rows(
        db,
        f"SELECT {_RUN_COLUMNS} FROM evolution_runs WHERE (%(status)s::text IS NULL OR status = %(status)s)"
        f" AND {_OF_OWNER} ORDER BY created_at DESC, id LIMIT %(limit)s OFFSET %(offset)s",
        {"status": status, "limit": limit, "offset": offset, "owner": owner},
    )
    return [summary(r) for r in rows]


async def running_run_ids(db: Database) -> list[str]:
    rows = await _rows(db, "SELECT id FROM evolution_runs WHERE status = 'running' ORDER BY created_at", {})
    return [r["id"] for r in rows]


async def status_totals(db: Database, owner: str | None = None) -> dict[str, int]:
    rows = await _rows(
        db, f"SELECT status, count(*) AS n FROM evolution_runs WHERE {_OF_OWNER} GROUP BY status", {"owner": owner}
    )
    return {r["status"]: int(r["n"]) for r in rows}


async def record_progress(db: Database, run_id: str, progress: RunProgress, coordinator: dict[str, Any]) -> None:
    """After a generation: the run's row, and the generation's point in its history."""
    async with db.pool.connection() as conn, conn.transaction():
        await conn.execute(
            """UPDATE evolution_runs SET generation = %(generation)s, evaluations = %(evaluations)s,
                   hypervolume = %(hypervolume)s, best = %(best)s, progress = %(progress)s,
                   coordinator = %(coordinator)s
               WHERE id = %(id)s""",
            {
                "id": run_id,
                "generation": progress.generation,
                "evaluations": progress.evaluations,
                "hypervolume": progress.hypervolume,
                "best": Jsonb(progress.best),
                "progress": Jsonb(progress.model_dump(mode="json")),
                "coordinator": Jsonb(coordinator),
            },
        )
        await conn.execute(
            """INSERT INTO evolution_history (run_id, generation, hypervolume, best, diversity, evaluations)
               VALUES (%(id)s, %(generation)s, %(hypervolume)s, %(best)s, %(diversity)s, %(evaluations)s)
               ON CONFLICT (run_id, generation) DO UPDATE SET hypervolume = EXCLUDED.hypervolume,
                   best = EXCLUDED.best, diversity = EXCLUDED.diversity, evaluations = EXCLUDED.evaluations""",
            {
                "id": run_id,
                "generation": progress.generation,
                "hypervolume": progress.hypervolume,
                "best": Jsonb(progress.best),
                "diversity": progress.diversity,
                "evaluations": progress.evaluations,
            },
        )


async def history(db: Database, run_id: str) -> list[HistoryPoint]:
    rows = await _rows(
        db,
        "SELECT generation, hypervolume, best, diversity, evaluations FROM evolution_history"
        " WHERE run_id = %(id)s ORDER BY generation",
        {"id": run_id},
    )
    return [HistoryPoint.model_validate(r) for r in rows]


async def ask_stop(db: Database, run_id: str) -> None:
    await _rows(db, "UPDATE evolution_runs SET stop_asked = true WHERE id = %(id)s", {"id": run_id})


async def finish_run(
    db: Database,
    run_id: str,
    status: RunStatus,
    stop_reason: StopReason | None,
    error: str | None = None,
    test: Sequence[HeldOutReport] | None = None,
) -> bool:
    """End a running run (once: False when it had ended already)."""
    rows = await _rows(
        db,
        """UPDATE evolution_runs SET status = %(status)s, stop_reason = %(reason)s, error = %(error)s,
               test = %(test)s, finished_at = now()
           WHERE id = %(id)s AND status = 'running' RETURNING id""",
        {
            "id": run_id,
            "status": status.value,
            "reason": stop_reason.value if stop_reason else None,
            "error": error,
            "test": Jsonb([t.model_dump(mode="json") for t in test]) if test is not None else None,
        },
    )
    return bool(rows)


async def count_restart(db: Database, run_id: str) -> None:
    await _rows(db, "UPDATE evolution_runs SET restarts = restarts + 1 WHERE id = %(id)s", {"id": run_id})


# ---- evaluations ----------------------------------------------------------------------------


async def put_evaluations(db: Database, run_id: str, island: int, evaluations: Sequence[Evaluation]) -> int:
    """Store new evaluations (one statement); returns how many were refused as already stored,
    and counts those as the run's duplicates."""
    if not evaluations:
        return 0
    # one order for every writer: islands inserting overlapping keys at once never deadlock
    ordered = sorted(evaluations, key=lambda e: (e.genome, e.split.value, e.example))
    rows = [e.model_dump(mode="json", include=_EVALUATION_FIELDS) for e in ordered]
    async with db.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
        await cur.execute(
            """INSERT INTO evolution_evaluations
                   (genome, task, split, example, score, latency_s, tokens, "values", feedback, run_id, island)
               SELECT x.genome, x.task, x.split, x.example, x.score, x.latency_s, x.tokens,
                      COALESCE(x."values", '{}'::jsonb), x.feedback, %(run)s, %(island)s
               FROM jsonb_to_recordset(%(rows)s) AS x(genome text, task text, split text, example text,
                   score double precision, latency_s double precision, tokens integer, "values" jsonb, feedback text)
               ON CONFLICT (genome, task, split, example) DO NOTHING RETURNING 1""",
            {"run": run_id, "island": island, "rows": Jsonb(rows)},
        )
        inserted = len(await cur.fetchall())
        refused = len(rows) - inserted
        if refused:
            await cur.execute("UPDATE evolution_runs SET duplicates = duplicates + %s WHERE id = %s", (refused, run_id))
    return refused


_EVALUATION_FIELDS = {"genome", "task", "split", "example", "score", "latency_s", "tokens", "values", "feedback"}


async def evaluations_for(db: Database, task: str, keys: Sequence[str]) -> list[Evaluation]:
    """The stored evaluations of these genomes on a task (any run's, any split)."""
    if not keys:
        return []
    rows = await _rows(
        db,
        "SELECT * FROM evolution_evaluations WHERE task = %(task)s AND genome = ANY(%(keys)s)",
        {"task": task, "keys": list(dict.fromkeys(keys))},
    )
    return [_evaluation(r) for r in rows]


async def stored_evaluations(
    db: Database, genome: str, task: str, split: Split, examples: Sequence[str]
) -> list[Evaluation]:
    """Those of these examples already evaluated for a genome (the islands' second-level cache)."""
    rows = await _rows(
        db,
        "SELECT * FROM evolution_evaluations WHERE genome = %(g)s AND task = %(t)s AND split = %(s)s"
        " AND example = ANY(%(examples)s)",
        {"g": genome, "t": task, "s": split.value, "examples": list(examples)},
    )
    return [_evaluation(r) for r in rows]


async def duplicates(db: Database, run_id: str) -> int:
    rows = await _rows(db, "SELECT duplicates FROM evolution_runs WHERE id = %(id)s", {"id": run_id})
    return int(rows[0]["duplicates"]) if rows else 0


def _evaluation(row: dict[str, Any]) -> Evaluation:
    return Evaluation(
        genome=row["genome"],
        task=row["task"],
        split=row["split"],
        example=row["example"],
        score=row["score"],
        latency_s=row["latency_s"],
        tokens=row["tokens"],
        values=row["values"] or {},
        feedback=row["feedback"],
    )


async def evaluations_of(db: Database, genome: str, task: str, split: str) -> list[Evaluation]:
    rows = await _rows(
        db,
        "SELECT * FROM evolution_evaluations WHERE genome = %(g)s AND task = %(t)s AND split = %(s)s",
        {"g": genome, "t": task, "s": split},
    )
    return [_evaluation(r) for r in rows]


async def computed_by(db: Database, run_id: str, island: int | None = None) -> int:
    """Evaluations this run (or one of its islands) computed and stored."""
    rows = await _rows(
        db,
        "SELECT count(*) AS n FROM evolution_evaluations WHERE run_id = %(id)s"
        " AND (%(island)s::int IS NULL OR island = %(island)s)",
        {"id": run_id, "island": island},
    )
    return int(rows[0]["n"])


# ---- island checkpoints ----------------------------------------------------------------------


async def save_checkpoint(db: Database, run_id: str, state: IslandState, phase: str) -> None:
    data = state.model_dump(mode="json")
    data["evaluations"] = []  # stored one by one as computed
    await _rows(
        db,
        """INSERT INTO evolution_islands (run_id, island, generation, phase, state)
           VALUES (%(id)s, %(island)s, %(generation)s, %(phase)s, %(state)s)
           ON CONFLICT (run_id, island) DO UPDATE SET generation = EXCLUDED.generation,
               phase = EXCLUDED.phase, state = EXCLUDED.state, updated_at = now()""",
        {"id": run_id, "island": state.island, "generation": state.generation, "phase": phase, "state": Jsonb(data)},
    )


async def checkpoint(db: Database, run_id: str, island: int) -> tuple[IslandState, str] | None:
    rows = await _rows(
        db,
        "SELECT state, phase FROM evolution_islands WHERE run_id = %(id)s AND island = %(island)s",
        {"id": run_id, "island": island},
    )
    return (IslandState.model_validate(rows[0]["state"]), rows[0]["phase"]) if rows else None


async def count_island_restart(db: Database, run_id: str, island: int) -> None:
    """The island's own count, and the run's (a run's `restarts` counts its coordinator's
    and its islands' restarts mid-run)."""
    await _rows(
        db,
        "UPDATE evolution_islands SET restarts = restarts + 1 WHERE run_id = %(id)s AND island = %(island)s",
        {"id": run_id, "island": island},
    )
    await count_restart(db, run_id)
    await count_restart(db, run_id)


async def island_restarts(db: Database, run_id: str) -> dict[int, int]:
    rows = await _rows(db, "SELECT island, restarts FROM evolution_islands WHERE run_id = %(id)s", {"id": run_id})
    return {int(r["island"]): int(r["restarts"]) for r in rows}


# ---- recipes and lineage -------------------------------------------------------------------------


async def put_members(db: Database, run_id: str, members: Sequence[Member]) -> None:
    """Record genomes a run made (the first run keeps the recipe) and their lineage there
    (objectives filled in once known)."""
    if not members:
        return
    rows = [
        {
            "id": m.key,
            "kind": m.genome.kind,
            "genome": m.genome.model_dump(mode="json"),
            "parents": m.lineage.parents,
            "operators": [o.value for o in m.lineage.operators],
            "generation": m.lineage.generation,
            "island": m.lineage.island,
            "objectives": m.objectives,
        }
        for m in sorted({m.key: m for m in members}.values(), key=lambda m: m.key)  # one lock order for all islands
    ]
    async with db.pool.connection() as conn, conn.transaction():
        await conn.execute(
            """INSERT INTO evolution_recipes (id, kind, genome, run_id)
               SELECT x.id, x.kind, x.genome, %(run)s
               FROM jsonb_to_recordset(%(rows)s) AS x(id text, kind text, genome jsonb)
               ON CONFLICT (id) DO NOTHING""",
            {"run": run_id, "rows": Jsonb(rows)},
        )
        await conn.execute(
            """INSERT INTO evolution_lineage (run_id, recipe_id, parents, operators, generation, island, objectives)
               SELECT %(run)s, x.id, ARRAY(SELECT jsonb_array_elements_text(x.parents)),
                      ARRAY(SELECT jsonb_array_elements_text(x.operators)), x.generation, x.island, x.objectives
               FROM jsonb_to_recordset(%(rows)s)
                   AS x(id text, parents jsonb, operators jsonb, generation integer, island integer, objectives jsonb)
               ON CONFLICT (run_id, recipe_id) DO UPDATE SET objectives = CASE
                   WHEN EXCLUDED.objectives = '{}'::jsonb THEN evolution_lineage.objectives
                   ELSE EXCLUDED.objectives END""",
            {"run": run_id, "rows": Jsonb(rows)},
        )


_RECIPE_QUERY = """SELECT r.id, r.genome, r.name, r.run_id, r.created_at, l.parents, l.operators, l.generation,
    l.island, l.objectives
    FROM evolution_recipes r LEFT JOIN evolution_lineage l ON l.run_id = r.run_id AND l.recipe_id = r.id"""


def _recipe(row: dict[str, Any]) -> RecipeView:
    lineage = None
    if row["generation"] is not None:
        lineage = Lineage(
            parents=row["parents"] or [],
            operators=row["operators"] or [],
            generation=row["generation"],
            island=row["island"],
        )
    return RecipeView(
        recipe_id=row["id"],
        genome=row["genome"],
        name=row["name"],
        run_id=row["run_id"],
        lineage=lineage,
        objectives=row["objectives"] or {},
        created_at=row["created_at"],
    )


async def create_recipe(db: Database, key: str, genome: Genome, name: str | None) -> RecipeView:
    """Store a user's recipe (the same content again: the stored one, renamed if a name is given)."""
    await _rows(
        db,
        """INSERT INTO evolution_recipes (id, kind, genome, name) VALUES (%(id)s, %(kind)s, %(genome)s, %(name)s)
           ON CONFLICT (id) DO UPDATE SET name = COALESCE(EXCLUDED.name, evolution_recipes.name)""",
        {"id": key, "kind": genome.kind, "genome": Jsonb(genome.model_dump(mode="json")), "name": name},
    )
    found = await get_recipe(db, key)
    assert found is not None
    return found


async def get_recipe(db: Database, key: str) -> RecipeView | None:
    rows = await _rows(db, f"{_RECIPE_QUERY} WHERE r.id = %(id)s", {"id": key})
    return _recipe(rows[0]) if rows else None


async def list_recipes(db: Database, run_id: str | None, limit: int, offset: int) -> tuple[list[RecipeView], int]:
    if run_id is None:
        where, params = "true", {}
    else:
        where = "r.id IN (SELECT recipe_id FROM evolution_lineage WHERE run_id = %(run)s)"
        params = {"run": run_id}
    rows = await _rows(
        db,
        f"{_RECIPE_QUERY} WHERE {where} ORDER BY r.created_at DESC, r.id LIMIT %(limit)s OFFSET %(offset)s",
        {**params, "limit": limit, "offset": offset},
    )
    total = await _rows(db, f"SELECT count(*) AS n FROM evolution_recipes r WHERE {where}", params)
    return [_recipe(r) for r in rows], int(total[0]["n"])


async def delete_recipe(db: Database, key: str) -> bool:
    rows = await _rows(db, "DELETE FROM evolution_recipes WHERE id = %(id)s RETURNING id", {"id": key})
    return bool(rows)


async def lineage(db: Database, key: str, depth: int) -> LineageView | None:
    """The recipe and its ancestors in the run that made it, nearest first (breadth first)."""
    recipe = await get_recipe(db, key)
    if recipe is None:
        return None
    run_id = recipe.run_id
    if run_id is None:
        found = await _rows(db, "SELECT run_id FROM evolution_lineage WHERE recipe_id = %(id)s LIMIT 1", {"id": key})
        run_id = found[0]["run_id"] if found else None
    if run_id is None:
        return LineageView(recipe_id=key, run_id=None, nodes=[LineageNode(recipe_id=key)])
    rows = await _rows(
        db,
        "SELECT recipe_id, parents, operators, generation, island, objectives FROM evolution_lineage"
        " WHERE run_id = %(run)s",
        {"run": run_id},
    )
    by_id = {r["recipe_id"]: r for r in rows}
    nodes: list[LineageNode] = []
    seen: set[str] = set()
    frontier = [key]
    for _ in range(depth + 1):
        following: list[str] = []
        for rid in frontier:
            if rid in seen:
                continue
            seen.add(rid)
            row = by_id.get(rid)
            if row is None:
                nodes.append(LineageNode(recipe_id=rid))
                continue
            nodes.append(
                LineageNode(
                    recipe_id=rid,
                    parents=row["parents"] or [],
                    operators=row["operators"] or [],
                    generation=row["generation"],
                    island=row["island"],
                    objectives=row["objectives"] or {},
                )
            )
            following.extend(row["parents"] or [])
        frontier = following
        if not frontier:
            break
    return LineageView(recipe_id=key, run_id=run_id, nodes=nodes)
