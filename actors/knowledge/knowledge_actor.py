"""KnowledgeService, at `knowledge/main`: ingest and search over the index shards.

Ingest: parse, chunk, embed (embedder/<name>), write the document and its chunks in
one transaction, then hand the vectors to the document's shard (chosen by a stable
hash of the document id). PostgreSQL is the source of truth: a shard that misses an
add (it is restarting) picks the rows up in its rebuild.

Search: embed the query, fan out to every shard of the index in parallel, merge the
per-shard top-k, and for hybrid search fuse with PostgreSQL full-text results by
reciprocal rank fusion. A shard that is down or rebuilding is left out and the answer
says `partial: true`. `backend: "pgvector"` answers the vector side from pgvector's
HNSW index on the same rows instead of the shards.

At start it makes sure the `default` index exists and starts the shards of every
other index in the database under `supervisor/index` (they are not in the static tree).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import time
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
import ray

from actors.base import SupervisedActor, tool
from actors.knowledge import sql
from actors.knowledge.children import default_index_spec, shard_specs
from actors.knowledge.chunker import Chunker
from actors.knowledge.connect import as_rpc, embed_texts, open_database
from actors.knowledge.faiss_index import VectorIndex
from actors.knowledge.filters import Scalar
from actors.knowledge.parsing import DocumentFormat, parse
from actors.knowledge.search_pipeline import SearchPipeline
from actors.knowledge.sharding import shard_of, snapshot_path
from actors.knowledge.validate import check_content, index_spec
from actors.store.database import Database
from configs.settings import get_settings
from protocols.addresses import INDEX_SUPERVISOR, shard_address
from protocols.knowledge import Hit, IndexSpec, KnowledgeError, KnowledgeErrorCode, invalid
from supervisors.runtime import RayRuntime

log = logging.getLogger(__name__)

TOPIC = "knowledge"


class StoreSearchSql:
    """The pipeline's SQL side on the knowledge tables (actors/knowledge/sql.py)."""

    def __init__(self, service: KnowledgeService) -> None:
        self.service = service

    async def keyword_search(self, index: str, query: str, k: int, filters: dict[str, list[Scalar]]) -> list[Hit]:
        return await sql.keyword_search(self.service.db, index, query, k, filters)

    async def pgvector_search(
        self,
        index: str,
        vectors: np.ndarray,
        k: int,
        filters: dict[str, list[Scalar]],
        ef_search: int = 64,
        exact: bool = False,
    ) -> list[list[Hit]]:
        return await sql.pgvector_search(self.service.db, index, vectors, k, filters, ef_search, exact)

    async def chunks_by_ids(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        return await sql.chunks_by_ids(self.service.db, ids)


class KnowledgeService(SupervisedActor):
    def __init__(self, address: str) -> None:
        super().__init__(address)
        self.settings = get_settings()
        self.config = self.settings.knowledge
        self.chunker = Chunker(self.config.chunk_size, self.config.chunk_overlap)
        self._db: Database | None = None
        self._indexes: dict[str, IndexSpec] = {}
        self.namespace = ray.get_runtime_context().namespace
        self.runtime = RayRuntime(self.namespace)
        self.pipeline = SearchPipeline(self.config, self._embed, StoreSearchSql(self), self.runtime, self._spec)
        self._background: set[asyncio.Task[Any]] = set()
        self.documents_added = 0

    # ---- lifetime ---------------------------------------------------------------

    async def on_start(self) -> None:
        self._db = await open_database(self.settings, self.namespace)
        default = await sql.create_index(self.db, default_index_spec(self.settings), exist_ok=True)
        self._indexes[default.name] = default
        # Not awaited here: our supervisor holds its lock until we are ready.
        task = asyncio.create_task(self._start_stored_shards())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def on_stop(self) -> None:
        if self._db is not None:
            await self._db.close()

    @property
    def db(self) -> Database:
        if self._db is None:
            raise KnowledgeError(KnowledgeErrorCode.UNAVAILABLE, f"{self.address} is starting", None, 503)
        return self._db

    async def _start_stored_shards(self) -> None:
        """Start the shards of indexes created at run time (the static tree has only the default's)."""
        try:
            for row in await sql.list_indexes(self.db):
                spec = IndexSpec.model_validate(row)
                self._indexes[spec.name] = spec
                await self._ensure_shards(spec)
        except Exception:
            log.exception("%s: could not start the stored indexes' shards", self.address)

    async def _ensure_shards(self, spec: IndexSpec) -> None:
        supervisor = self.ref(INDEX_SUPERVISOR)
        timeout = self.settings.supervision.start_timeout_s * 2
        present = {c["address"] for c in await supervisor.call("which_children", timeout_s=timeout)}
        for child in shard_specs(self.settings, spec):
            if child.id in present:
                continue
            await supervisor.call("start_child", child.id, spec=child.model_dump(mode="json"), timeout_s=timeout)

    # ---- indexes ----------------------------------------------------------------

    async def create_index(self, body: dict[str, Any]) -> dict[str, Any]:
        spec = index_spec(body, self.config)
        if spec.name in self._indexes or await sql.get_index(self.db, spec.name) is not None:
            raise KnowledgeError(KnowledgeErrorCode.CONFLICT, f"name: index '{spec.name}' already exists", "name", 409)
        spec = await sql.create_index(self.db, spec)
        self._indexes[spec.name] = spec
        await self._ensure_shards(spec)
        self.publish(TOPIC, "index_created", spec.model_dump(mode="json"))
        return await self._index_info(spec.name)

    async def delete_index(self, name: str) -> dict[str, Any]:
        """Delete an index everywhere: its rows (documents and chunks, one transaction),
        then its shard actors and their snapshots. The default index stays."""
        spec = await self._spec(name)
        if spec.name == self.config.default_index:
            message = f"name: '{spec.name}' is the default index and cannot be deleted"
            raise KnowledgeError(KnowledgeErrorCode.CONFLICT, message, "name", 409)
        deleted = await sql.delete_index(self.db, spec.name)
        self._indexes.pop(spec.name, None)  # from here on: 404 for searches and adds
        if deleted is None:
            raise KnowledgeError(KnowledgeErrorCode.NOT_FOUND, f"index: no index named '{name}'", "index", 404)
        owner_id = deleted.pop("owner_id")
        counts = deleted
        stopped = await self._stop_shards(spec)
        for n in range(spec.shards):  # a stopping shard saves a snapshot: remove it after the stop
            VectorIndex.remove_saved(snapshot_path(self.settings.state_path, spec.name, n))
        # the owner travels with the event: /ws cannot look up an index that is gone
        self.publish(TOPIC, "index_deleted", {"name": spec.name, **counts, "owner_id": owner_id})
        return {"name": spec.name, "deleted": True, **counts, "shards_stopped": stopped}

    async def _stop_shards(self, spec: IndexSpec) -> int:
        supervisor = self.ref(INDEX_SUPERVISOR)
        timeout = self.settings.supervision.shutdown_timeout_s * 2
        stopped = 0
        for n in range(spec.shards):
            address = shard_address(spec.name, n)
            try:
                await supervisor.call("terminate_child", address, timeout_s=timeout)
                stopped += 1
            except Exception as exc:  # not running (never started, or already gone)
                log.info("%s: %s not stopped (%s)", self.address, address, type(exc).__name__)
        return stopped

    async def list_indexes(self) -> list[dict[str, Any]]:
        return await sql.list_indexes(self.db)

    async def _index_info(self, name: str) -> dict[str, Any]:
        for row in await sql.list_indexes(self.db):
            if row["name"] == name:
                return row
        raise KnowledgeError(KnowledgeErrorCode.NOT_FOUND, f"index: no index named '{name}'", "index", 404)

    async def _spec(self, name: Any) -> IndexSpec:
        if not isinstance(name, str) or not name:
            raise invalid("index", "must be a non-empty string")
        spec = self._indexes.get(name)
        if spec is None:
            spec = await sql.get_index(self.db, name)
            if spec is None:
                known = ", ".join(sorted(self._indexes)) or "none"
                raise KnowledgeError(
                    KnowledgeErrorCode.NOT_FOUND, f"index: no index named '{name}' (known: {known})", "index", 404
                )
            self._indexes[name] = spec
        return spec

    # ---- documents --------------------------------------------------------------

    async def add_document(
        self,
        content: str | None = None,
        index: str = "default",
        metadata: dict[str, Any] | None = None,
        format: str | None = None,
        filename: str | None = None,
        content_base64: str | None = None,
        document_id: str | None = None,
    ) -> dict[str, Any]:
        """Add a document. `document_id` (a UUID) makes the add idempotent: a document stored
        under it already is answered as it is (`existed`), nothing is added twice."""
        started = time.perf_counter()
        spec = await self._spec(index)
        if document_id is not None:
            try:
                document_id = str(uuid.UUID(document_id))
            except ValueError:
                raise invalid("document_id", "must be a UUID") from None
            found = await sql.get_document(self.db, document_id)
            if found is not None:
                return {"id": document_id, "index": found["index"], "chunks": int(found["chunks"]), "existed": True}
        raw: str | bytes
        if content_base64 is not None:
            try:
                raw = base64.b64decode(content_base64, validate=True)
            except (binascii.Error, ValueError):
                raise invalid("content_base64", "is not valid base64") from None
        elif content is not None:
            raw = content
        else:
            raise invalid("content", "give the document in 'content' (text) or 'content_base64' (bytes, e.g. a PDF)")
        check_content(raw, self.config)
        if metadata is not None and not isinstance(metadata, dict):
            raise invalid("metadata", "must be an object")
        if format is not None:
            try:
                DocumentFormat(format)
            except ValueError:
                raise invalid("format", "must be one of text, markdown, html, pdf") from None
        parsed = await asyncio.to_thread(parse, raw, format, filename)
        chunks = self.chunker.split(parsed.text)
        if not chunks:
            raise invalid("content", "no text could be extracted from the document")
        texts = [c.text for c in chunks]
        vectors = await self._embed(texts)
        doc_id = document_id or str(uuid.uuid4())
        shard = shard_of(doc_id, spec.shards)
        meta = dict(metadata or {})
        doc_id, chunk_ids = await sql.insert_document(
            self.db,
            index=spec.name,
            shard=shard,
            title=parsed.title,
            fmt=parsed.format.value,
            chars=len(parsed.text),
            metadata=meta,
            texts=texts,
            embeddings=vectors,
            document_id=doc_id,
        )
        indexed = await self._send_to_shard(spec, shard, "add", chunk_ids, vectors, [meta] * len(chunk_ids))
        self.documents_added += 1
        took_ms = (time.perf_counter() - started) * 1000
        result = {
            "id": doc_id,
            "index": spec.name,
            "shard": shard,
            "chunks": len(chunk_ids),
            "chunk_ids": chunk_ids,
            "title": parsed.title,
            "format": parsed.format.value,
            "chars": len(parsed.text),
            "indexed": indexed,
            "took_ms": round(took_ms, 2),
        }
        self.publish(TOPIC, "document_added", {k: v for k, v in result.items() if k != "chunk_ids"})
        return result

    async def delete_document(self, document_id: str) -> dict[str, Any]:
        deleted = await sql.delete_document(self.db, document_id)
        if deleted is None:
            raise KnowledgeError(KnowledgeErrorCode.NOT_FOUND, f"id: no document '{document_id}'", "id", 404)
        spec = await self._spec(deleted["index"])
        await self._send_to_shard(spec, deleted["shard"], "remove", deleted["chunk_ids"])
        self.publish(TOPIC, "document_deleted", {"id": document_id, "index": spec.name})
        return {"id": document_id, "deleted": True, "index": spec.name, "chunks": len(deleted["chunk_ids"])}

    async def get_document(self, document_id: str) -> dict[str, Any]:
        found = await sql.get_document(self.db, document_id)
        if found is None:
            raise KnowledgeError(KnowledgeErrorCode.NOT_FOUND, f"id: no document '{document_id}'", "id", 404)
        return found

    async def _send_to_shard(self, spec: IndexSpec, shard: int, op: str, *args: Any) -> bool:
        """Best effort: a shard that is away rebuilds from the rows we just committed."""
        address = shard_address(spec.name, shard)
        try:
            await self.runtime.call(address, op, *args, timeout_s=self.config.shard_timeout_s, wait_s=0.0)
            return True
        except Exception as exc:
            log.info("%s: %s %s skipped (%s); it rebuilds from the database", self.address, op, address, exc)
            return False

    async def _embed(self, texts: list[str]) -> np.ndarray:
        out: list[list[float]] = []
        step = 512
        for start in range(0, len(texts), step):
            out.extend(await embed_texts(self.settings, self.runtime, texts[start : start + step]))
        return np.asarray(out, dtype=np.float32)

    # ---- search (the pipeline: search_pipeline.py) ---------------------------------

    async def search(
        self,
        query: str,
        index: str = "default",
        k: int = 5,
        mode: str = "hybrid",
        filters: dict[str, Any] | None = None,
        backend: str | None = None,
        weights: list[float] | None = None,
    ) -> dict[str, Any]:
        return (await self.search_batch([query], index, k, mode, filters, backend, weights, field="query"))[0]

    async def search_batch(
        self,
        queries: list[str],
        index: str = "default",
        k: int = 5,
        mode: str = "hybrid",
        filters: dict[str, Any] | None = None,
        backend: str | None = None,
        weights: list[float] | None = None,
        field: str = "queries",
    ) -> list[dict[str, Any]]:
        """Many queries in one go: one embed call, one call per shard with all the vectors."""
        return await self.pipeline.search_batch(queries, index, k, mode, filters, backend, weights, field)

    async def search_vectors(
        self, index: str, vectors: np.ndarray, k: int, backend: str | None = None, ef_search: int | None = None
    ) -> dict[str, Any]:
        """Vector search without embedding or row lookup (benchmarks, recall checks)."""
        return await self.pipeline.search_vectors(index, vectors, k, backend, ef_search)

    # ---- stats ------------------------------------------------------------------

    async def stats(self, recall_sample: int | None = None) -> dict[str, Any]:
        sample = self.config.recall_sample if recall_sample is None else max(0, min(200, recall_sample))
        indexes = await sql.list_indexes(self.db)
        for row in indexes:
            spec = IndexSpec.model_validate(row)
            row["shard_status"] = await self._shard_status(spec)
            row["recall_at_10"] = await self._recall_estimate(spec, sample) if sample and row["chunks"] else None
        return {
            "indexes": indexes,
            "documents": sum(r["documents"] for r in indexes),
            "chunks": sum(r["chunks"] for r in indexes),
            "sizes": await sql.index_sizes(self.db),
            "latency_ms": self.pipeline.latency_percentiles(),
            "documents_added": self.documents_added,
        }

    async def _shard_status(self, spec: IndexSpec) -> list[dict[str, Any]]:
        out = []
        for n in range(spec.shards):
            address = shard_address(spec.name, n)
            try:
                out.append(
                    await self.runtime.call(
                        address, "status_dict", timeout_s=self.config.shard_timeout_s, wait_s=0.0, idempotent=True
                    )
                )
            except Exception as exc:
                out.append({"address": address, "state": "unavailable", "detail": type(exc).__name__})
        return out

    async def _recall_estimate(self, spec: IndexSpec, sample: int) -> float | None:
        """Stored vectors as queries: the shards' top-10 against an exact scan in PostgreSQL."""
        queries = await sql.sample_embeddings(self.db, spec.name, sample)
        if len(queries) == 0:
            return None
        k = 10
        _, ids, _ = await self.pipeline.fan_out(spec, queries, k, {})
        exact = await sql.pgvector_search(self.db, spec.name, queries, k, {}, exact=True)
        found = []
        for got, truth in zip(ids, exact, strict=True):
            want = {h.id for h in truth}
            if want:
                found.append(len(want & {int(i) for i in got if i >= 0}) / len(want))
        return round(float(np.mean(found)), 4) if found else None

    # ---- bus tools ----------------------------------------------------------------

    @tool(
        name="search",
        description="Search an index: mode 'hybrid' (vector + keyword, fused), 'semantic' or 'keyword'; "
        "filters match metadata values. Returns results (text, score, document_id, metadata) and partial.",
    )
    async def tool_search(
        self,
        query: str,
        index: str = "default",
        k: int = 5,
        mode: str = "hybrid",
        filters: dict[str, Any] | None = None,
        backend: str | None = None,
    ) -> dict[str, Any]:
        return await as_rpc(self.search(query, index, k, mode, filters, backend))

    @tool(name="add_document", description="Add a document (text, Markdown or HTML) to an index; returns its id.")
    async def tool_add_document(
        self, content: str, index: str = "default", metadata: dict[str, Any] | None = None, format: str | None = None
    ) -> dict[str, Any]:
        return await as_rpc(self.add_document(content, index, metadata, format))

    @tool(name="delete_document", description="Remove a document and its chunks from its index.")
    async def tool_delete_document(self, id: str) -> dict[str, Any]:
        return await as_rpc(self.delete_document(id))

    @tool(name="list_indexes", description="The search indexes with their type, parameters, shards and counts.")
    async def tool_list_indexes(self) -> dict[str, Any]:
        return {"indexes": await self.list_indexes()}

    @tool(name="create_index", description="Create an index: name, type (flat|hnsw|ivf), params, shards, backend.")
    async def tool_create_index(
        self,
        name: str,
        type: str | None = None,
        params: dict[str, Any] | None = None,
        shards: int | None = None,
        backend: str | None = None,
    ) -> dict[str, Any]:
        body = {"name": name, "type": type, "params": params, "shards": shards, "backend": backend}
        return await as_rpc(self.create_index({k: v for k, v in body.items() if v is not None}))
