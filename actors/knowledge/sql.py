"""Knowledge and memory rows in PostgreSQL (plain async functions on a Database).

PostgreSQL is the source of truth: a document and all its chunks are written in one
transaction, and the FAISS shards rebuild from these rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
from psycopg import sql as pgsql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from actors.knowledge.filters import Scalar, containment_documents
from actors.store.database import Database
from protocols.knowledge import Hit, IndexSpec, KnowledgeError, KnowledgeErrorCode, Memory


def _array(value: Any) -> np.ndarray:
    """A vector column as float32 numpy (binary cursors give pgvector's Vector objects)."""
    if hasattr(value, "to_numpy"):
        value = value.to_numpy()
    return np.asarray(value, dtype=np.float32)


# ---- indexes --------------------------------------------------------------------------


async def create_index(db: Database, spec: IndexSpec, *, exist_ok: bool = False) -> IndexSpec:
    async with db.pool.connection() as conn, conn.cursor() as cur:
        await cur.execute(
            """INSERT INTO search_indexes (name, type, params, shards, backend, dimensions)
               VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (name) DO NOTHING""",
            (spec.name, spec.type.value, Jsonb(spec.params), spec.shards, spec.backend.value, spec.dimensions),
        )
        created = cur.rowcount > 0
    if not created and not exist_ok:
        raise KnowledgeError(KnowledgeErrorCode.CONFLICT, f"index '{spec.name}' already exists", "name", 409)
    stored = await get_index(db, spec.name)
    assert stored is not None
    return stored


async def delete_index(db: Database, name: str) -> dict[str, Any] | None:
    """Delete an index with its documents and chunks (one transaction; the foreign keys
    cascade); the counts removed and the index's `owner_id`, or None if there is no such index."""
    async with db.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
        await cur.execute("SELECT count(*) FROM documents WHERE index_name = %s", (name,))
        documents = (await cur.fetchone() or (0,))[0]
        await cur.execute("SELECT count(*) FROM chunks WHERE index_name = %s", (name,))
        chunks = (await cur.fetchone() or (0,))[0]
        await cur.execute("DELETE FROM search_indexes WHERE name = %s RETURNING owner_id", (name,))
        deleted = await cur.fetchone()
        if deleted is None:
            return None
    return {"documents": int(documents), "chunks": int(chunks), "owner_id": deleted[0]}


async def get_index(db: Database, name: str) -> IndexSpec | None:
    async with db.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT name, type, params, shards, backend, dimensions FROM search_indexes WHERE name = %s", (name,)
        )
        row = await cur.fetchone()
    return IndexSpec.model_validate(row) if row else None


async def list_indexes(db: Database) -> list[dict[str, Any]]:
    async with db.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            """SELECT i.name, i.type, i.params, i.shards, i.backend, i.dimensions, i.created_at,
                      (SELECT count(*) FROM documents d WHERE d.index_name = i.name) AS documents,
                      (SELECT count(*) FROM chunks c WHERE c.index_name = i.name) AS chunks
               FROM search_indexes i ORDER BY i.name"""
        )
        rows = await cur.fetchall()
    for row in rows:
        row["created_at"] = row["created_at"].isoformat()
    return rows


# ---- documents --------------------------------------------------------------------------


async def insert_document(
    db: Database,
    *,
    index: str,
    shard: int,
    title: str | None,
    fmt: str,
    chars: int,
    metadata: dict[str, Any],
    texts: Sequence[str],
    embeddings: np.ndarray,
    document_id: str | None = None,
) -> tuple[str, list[int]]:
    """The document row and all its chunks in one transaction. Returns (id, chunk ids)."""
    doc_id = document_id or str(uuid.uuid4())
    matrix = np.asarray(embeddings, dtype=np.float32)
    async with db.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
        await cur.execute(
            """INSERT INTO documents (id, index_name, shard, title, format, chars, metadata)
               VALUES (%s, %s, %s, %s, %s, %s, %s)""",
            (doc_id, index, shard, title, fmt, chars, Jsonb(metadata)),
        )
        # Ids first, so the rows can be COPYed (far faster than INSERTs) and still returned.
        await cur.execute("SELECT nextval('chunks_id_seq') FROM generate_series(1, %s)", (len(texts),))
        ids = [int(r[0]) for r in await cur.fetchall()]
        async with cur.copy(
            "COPY chunks (id, document_id, index_name, shard, ordinal, text, embedding, metadata) FROM STDIN"
        ) as copy:
            for ordinal, (chunk_id, text) in enumerate(zip(ids, texts, strict=True)):
                await copy.write_row((chunk_id, doc_id, index, shard, ordinal, text, matrix[ordinal], Jsonb(metadata)))
    return doc_id, ids


async def delete_document(db: Database, document_id: str) -> dict[str, Any] | None:
    """Delete a document and its chunks (one transaction); None if there is no such document."""
    try:
        uuid.UUID(document_id)
    except ValueError:
        return None
    async with db.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
        await cur.execute("DELETE FROM chunks WHERE document_id = %s RETURNING id", (document_id,))
        chunk_ids = [int(r[0]) for r in await cur.fetchall()]
        await cur.execute("DELETE FROM documents WHERE id = %s RETURNING index_name, shard", (document_id,))
        row = await cur.fetchone()
    if row is None:
        return None
    return {"id": document_id, "index": row[0], "shard": int(row[1]), "chunk_ids": chunk_ids}


async def get_document(db: Database, document_id: str) -> dict[str, Any] | None:
    try:
        uuid.UUID(document_id)
    except ValueError:
        return None
    async with db.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            """SELECT d.id::text AS id, d.index_name AS index, d.shard, d.title, d.format, d.chars, d.metadata,
                      d.created_at, (SELECT count(*) FROM chunks c WHERE c.document_id = d.id) AS chunks
               FROM documents d WHERE d.id = %s""",
            (document_id,),
        )
        row = await cur.fetchone()
    if row:
        row["created_at"] = row["created_at"].isoformat()
    return row


# ---- what the shards rebuild from ----------------------------------------------------------


async def shard_rows(db: Database, index: str, shard: int) -> tuple[list[int], np.ndarray, list[dict[str, Any]]]:
    """All chunks of one shard: ids, vectors (n, d) and metadata, in id order."""
    async with db.pool.connection() as conn, conn.cursor(binary=True) as cur:
        await cur.execute(
            "SELECT id, embedding, metadata FROM chunks WHERE index_name = %s AND shard = %s ORDER BY id",
            (index, shard),
        )
        rows = await cur.fetchall()
    if not rows:
        return [], np.zeros((0, 0), dtype=np.float32), []
    ids = [int(r[0]) for r in rows]
    vectors = np.stack([_array(r[1]) for r in rows])
    return ids, vectors, [r[2] for r in rows]


async def shard_fingerprint(db: Database, index: str, shard: int) -> tuple[int, int, int]:
    """(count, max id, sum of ids) of a shard's chunks: what a snapshot is checked against."""
    async with db.pool.connection() as conn, conn.cursor() as cur:
        await cur.execute(
            """SELECT count(*), coalesce(max(id), 0), coalesce(sum(id), 0)
               FROM chunks WHERE index_name = %s AND shard = %s""",
            (index, shard),
        )
        row = await cur.fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


# ---- searching in PostgreSQL --------------------------------------------------------------


def _filter_sql(filters: dict[str, list[Scalar]], column: str = "metadata") -> tuple[str, list[Any]]:
    clauses, params = [], []
    for docs in containment_documents(filters):
        clauses.append(f"{column} @> ANY(%s::jsonb[])")
        params.append([Jsonb(d) for d in docs])
    return ("".join(f" AND {c}" for c in clauses), params)


async def chunks_by_ids(db: Database, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    async with db.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT id, document_id::text AS document_id, shard, text, metadata FROM chunks WHERE id = ANY(%s)",
            (list(ids),),
        )
        rows = await cur.fetchall()
    return {int(r["id"]): r for r in rows}


async def keyword_search(db: Database, index: str, query: str, k: int, filters: dict[str, list[Scalar]]) -> list[Hit]:
    """PostgreSQL full-text search (all query terms, English stemming), ranked by ts_rank_cd."""
    where, params = _filter_sql(filters)
    sql = f"""
        SELECT id, ts_rank_cd(tsv, q) AS score
        FROM chunks, websearch_to_tsquery('english', %s) AS q
        WHERE index_name = %s AND tsv @@ q{where}
        ORDER BY score DESC, id LIMIT %s"""
    async with db.pool.connection() as conn, conn.cursor() as cur:
        await cur.execute(sql, [query, index, *params, k])
        rows = await cur.fetchall()
    return [Hit(id=int(r[0]), score=float(r[1])) for r in rows]


async def pgvector_search(
    db: Database,
    index: str,
    vectors: np.ndarray,
    k: int,
    filters: dict[str, list[Scalar]],
    ef_search: int = 64,
    exact: bool = False,
) -> list[list[Hit]]:
    """Top-k by inner product through pgvector's HNSW index (or an exact scan)."""
    where, params = _filter_sql(filters)
    sql = f"""
        SELECT id, (embedding <#> %s) * -1 AS score FROM chunks
        WHERE index_name = %s{where}
        ORDER BY embedding <#> %s LIMIT %s"""
    out: list[list[Hit]] = []
    async with db.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
        if exact:
            await cur.execute("SET LOCAL enable_indexscan = off")
        else:
            await cur.execute(pgsql.SQL("SET LOCAL hnsw.ef_search = {}").format(int(ef_search)))
            # Filters (and other indexes' rows) are applied after the graph walk; keep walking
            # until k rows pass them (pgvector 0.8 iterative scans).
            await cur.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        for vector in np.asarray(vectors, dtype=np.float32):
            await cur.execute(sql, [vector, index, *params, vector, k])
            rows = await cur.fetchall()
            hits = [Hit(id=int(r[0]), score=float(r[1])) for r in rows]
            out.append(sorted(hits, key=lambda h: (-h.score, h.id)))
    return out


async def sample_embeddings(db: Database, index: str, n: int) -> np.ndarray:
    async with db.pool.connection() as conn, conn.cursor(binary=True) as cur:
        await cur.execute("SELECT embedding FROM chunks WHERE index_name = %s ORDER BY random() LIMIT %s", (index, n))
        rows = await cur.fetchall()
    return np.stack([_array(r[0]) for r in rows]) if rows else np.zeros((0, 0), np.float32)


async def index_sizes(db: Database) -> dict[str, Any]:
    async with db.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            """SELECT pg_total_relation_size('chunks') AS chunks_bytes,
                      pg_total_relation_size('documents') AS documents_bytes,
                      pg_relation_size('chunks_embedding_hnsw_idx') AS pgvector_hnsw_bytes,
                      pg_relation_size('chunks_tsv_idx') AS fulltext_bytes,
                      pg_total_relation_size('memories') AS memories_bytes"""
        )
        row = await cur.fetchone()
    return dict(row or {})


# ---- memories -----------------------------------------------------------------------------

_MEMORY_COLUMNS = "id::text AS id, agent_id, conversation_id, kind, content, metadata, created_at"


def _memory(row: dict[str, Any], score: float | None = None) -> Memory:
    return Memory(
        id=row["id"],
        agent_id=row["agent_id"],
        conversation_id=row["conversation_id"],
        kind=row["kind"],
        content=row["content"],
        metadata=row["metadata"] or {},
        score=score,
        created_at=row["created_at"].isoformat(),
    )


async def add_memory(
    db: Database,
    *,
    agent_id: str,
    content: str,
    embedding: np.ndarray,
    conversation_id: str | None,
    kind: str,
    metadata: dict[str, Any],
) -> Memory:
    async with db.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            f"""INSERT INTO memories (agent_id, conversation_id, kind, content, embedding, metadata)
                VALUES (%s, %s, %s, %s, %s, %s) RETURNING {_MEMORY_COLUMNS}""",
            (agent_id, conversation_id, kind, content, np.asarray(embedding, dtype=np.float32), Jsonb(metadata)),
        )
        row = await cur.fetchone()
    assert row is not None
    return _memory(row)


async def list_memories(
    db: Database,
    *,
    agent_id: str | None = None,
    conversation_id: str | None = None,
    kind: str | None = None,
    limit: int = 100,
) -> list[Memory]:
    async with db.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            f"""SELECT {_MEMORY_COLUMNS} FROM memories
                WHERE (%(agent)s::text IS NULL OR agent_id = %(agent)s)
                  AND (%(conv)s::text IS NULL OR conversation_id = %(conv)s)
                  AND (%(kind)s::text IS NULL OR kind = %(kind)s)
                ORDER BY created_at, id LIMIT %(limit)s""",
            {"agent": agent_id, "conv": conversation_id, "kind": kind, "limit": limit},
        )
        rows = await cur.fetchall()
    return [_memory(r) for r in rows]


async def delete_memories(db: Database, agent_id: str, memory_id: str | None = None) -> int:
    if memory_id is not None:
        try:
            uuid.UUID(memory_id)
        except ValueError:
            return 0
    async with db.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
        await cur.execute(
            "DELETE FROM memories WHERE agent_id = %s AND (%s::uuid IS NULL OR id = %s::uuid)",
            (agent_id, memory_id, memory_id),
        )
        return cur.rowcount


async def search_memories(
    db: Database, embedding: np.ndarray, k: int, agent_id: str | None = None, kind: str | None = None
) -> list[Memory]:
    vector = np.asarray(embedding, dtype=np.float32)
    async with db.pool.connection() as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        await cur.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        await cur.execute(
            f"""SELECT {_MEMORY_COLUMNS}, (embedding <#> %(v)s) * -1 AS score FROM memories
                WHERE (%(agent)s::text IS NULL OR agent_id = %(agent)s)
                  AND (%(kind)s::text IS NULL OR kind = %(kind)s)
                ORDER BY embedding <#> %(v)s LIMIT %(k)s""",
            {"v": vector, "agent": agent_id, "kind": kind, "k": k},
        )
        rows = await cur.fetchall()
    found = [_memory(r, float(r["score"])) for r in rows]
    return sorted(found, key=lambda m: -(m.score or 0.0))


async def memory_stats(db: Database) -> dict[str, Any]:
    async with db.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            """SELECT count(*) AS memories, count(DISTINCT agent_id) AS agents,
                      count(DISTINCT conversation_id) AS conversations,
                      min(created_at) AS oldest, max(created_at) AS newest
               FROM memories"""
        )
        row = await cur.fetchone()
        await cur.execute("SELECT kind, count(*) AS n FROM memories GROUP BY kind ORDER BY kind")
        kinds = await cur.fetchall()
        await cur.execute("SELECT pg_total_relation_size('memories') AS bytes")
        size = await cur.fetchone()
    assert row is not None
    return {
        "memories": row["memories"],
        "agents": row["agents"],
        "conversations": row["conversations"],
        "by_kind": {k["kind"]: k["n"] for k in kinds},
        "oldest": row["oldest"].isoformat() if row["oldest"] else None,
        "newest": row["newest"].isoformat() if row["newest"] else None,
        "bytes": size["bytes"] if size else 0,
    }
