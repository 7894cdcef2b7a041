"""IndexShard: one shard of one search index, at `index/<index>.<shard>`.

It holds a FAISS index (actors/knowledge/faiss_index.py) of its chunks and rebuilds it
at every start: from a snapshot on disk when the snapshot matches PostgreSQL (same
count, max and sum of chunk ids), else from the chunks table. The rebuild runs in the
background; until it is done the shard answers searches with `ShardNotReady`, so the
coordinator answers from the other shards and says the result is partial. Adds and
removes that arrive during the rebuild are replayed on the new index.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from actors.base import SupervisedActor, tool
from actors.knowledge import sql
from actors.knowledge.connect import open_database
from actors.knowledge.faiss_index import VectorIndex
from actors.knowledge.filters import matches, validate_filters
from actors.knowledge.sharding import snapshot_path
from actors.store.database import Database
from configs.settings import get_settings
from protocols.knowledge import IndexSpec

log = logging.getLogger(__name__)

TOPIC = "knowledge"


class ShardNotReady(RuntimeError):
    pass


class IndexShard(SupervisedActor):
    def __init__(self, address: str, spec: dict[str, Any], shard: int) -> None:
        super().__init__(address)
        self.spec = IndexSpec.model_validate(spec)
        self.shard = shard
        self.settings = get_settings()
        self.config = self.settings.knowledge
        self.index: VectorIndex | None = None
        self.state = "starting"
        self.source: str | None = None
        self.rebuild_s: float | None = None
        self._db: Database | None = None
        self._pending: list[tuple[str, Any]] | None = []  # ops queued while rebuilding
        self._changes = 0
        self._rebuild_task: asyncio.Task[None] | None = None
        self._snapshot_task: asyncio.Task[None] | None = None
        # FAISS indexes are not safe to change while another thread reads them: changes
        # (on the event loop) wait for batch searches and snapshots (in threads), and back.
        self._lock = asyncio.Lock()
        self.searches = 0
        self.threads = 1

    @property
    def snapshot_path(self) -> Path:
        return snapshot_path(self.settings.state_path, self.spec.name, self.shard)

    async def on_start(self) -> None:
        import faiss
        import ray

        self.namespace = ray.get_runtime_context().namespace
        self.threads = self.config.faiss_threads or os.cpu_count() or 1
        faiss.omp_set_num_threads(self.threads)
        self._db = await open_database(self.settings, self.namespace, max_size=2)
        self._rebuild_task = asyncio.create_task(self._rebuild())

    async def on_stop(self) -> None:
        if self._rebuild_task is not None:
            self._rebuild_task.cancel()
        if self.index is not None and self.config.snapshots:
            await self._save(self.index)
        if self._db is not None:
            await self._db.close()

    # ---- rebuild ----------------------------------------------------------------

    async def _rebuild(self) -> None:
        assert self._db is not None
        started = time.perf_counter()
        self.state = "rebuilding"
        self._announce()
        try:
            index, source = await self._load_snapshot()
            if index is None:
                ids, vectors, metas = await sql.shard_rows(self._db, self.spec.name, self.shard)
                index = VectorIndex(self.spec.dimensions, self.spec.type, self.spec.params, use_gpu=self.config.use_gpu)
                if ids:
                    await asyncio.to_thread(self._in_thread, index.add, ids, vectors, metas)
                source = "database"
        except Exception:
            # Without its index the shard is useless: crash, so the supervisor restarts it
            # (with backoff) and the rebuild is tried again.
            log.exception("%s: rebuild failed", self.address)
            os._exit(1)
        pending, self._pending = self._pending or [], None
        for op, payload in pending:
            self._apply(index, op, payload)
        self.index = index
        self.source = source
        self.rebuild_s = time.perf_counter() - started
        self.state = "ready"
        log.info("%s: ready with %d vectors from %s in %.2f s", self.address, index.ntotal, source, self.rebuild_s)
        self._announce()
        if source == "database" and self.config.snapshots:
            self._schedule_snapshot()

    async def _load_snapshot(self) -> tuple[VectorIndex | None, str]:
        assert self._db is not None
        path = self.snapshot_path
        if not self.config.snapshots or not path.exists() or not path.with_suffix(".json").exists():
            return None, ""
        try:
            index = await asyncio.to_thread(VectorIndex.load, path)
        except Exception as exc:
            log.warning("%s: unreadable snapshot %s (%s); rebuilding from the database", self.address, path, exc)
            return None, ""
        if index.kind is not self.spec.type or index.params != self.spec.params or index.dim != self.spec.dimensions:
            return None, ""
        ids = index.ids()
        mine = (len(ids), max(ids, default=0), sum(ids))
        theirs = await sql.shard_fingerprint(self._db, self.spec.name, self.shard)
        if mine != theirs:
            log.info("%s: snapshot %s does not match the database %s; rebuilding", self.address, mine, theirs)
            return None, ""
        return index, "snapshot"

    def _schedule_snapshot(self) -> None:
        if self._snapshot_task is not None and not self._snapshot_task.done():
            return
        index = self.index
        if index is None:
            return
        self._changes = 0
        self._snapshot_task = asyncio.create_task(self._save(index))

    async def _save(self, index: VectorIndex) -> None:
        async with self._lock:
            try:
                await asyncio.to_thread(index.save, self.snapshot_path)
            except Exception:  # a snapshot is an optimisation; the database has the data
                log.exception("%s: snapshot failed", self.address)

    def _announce(self) -> None:
        self.publish(TOPIC, "index_shard_status", self.status_dict())

    # ---- changes ------------------------------------------------------------------

    @staticmethod
    def _apply(index: VectorIndex, op: str, payload: Any) -> None:
        if op == "add":
            ids, vectors, metas = payload
            index.add(ids, vectors, metas)
        else:
            index.remove(payload)

    def _change(self, op: str, payload: Any) -> int:
        if self._pending is not None or self.index is None:
            if self._pending is not None:
                self._pending.append((op, payload))
            return 0
        before = self.index.ntotal
        self._apply(self.index, op, payload)
        self._changes += 1
        if self.config.snapshots and self._changes >= self.config.snapshot_every:
            self._schedule_snapshot()
        return abs(self.index.ntotal - before)

    async def add(self, ids: list[int], vectors: np.ndarray, metadata: list[dict[str, Any]]) -> int:
        async with self._lock:
            return self._change("add", (ids, vectors, metadata))

    async def remove(self, ids: list[int]) -> int:
        async with self._lock:
            return self._change("remove", list(ids))

    # ---- search -------------------------------------------------------------------

    async def search(
        self, vectors: np.ndarray, k: int, filters: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of shape (q, k) for a batch of query vectors."""
        if self.index is None:
            raise ShardNotReady(f"{self.address} is {self.state}")
        self.searches += len(vectors)
        wanted = validate_filters(filters)
        allowed = (lambda meta: matches(meta, wanted)) if wanted else None
        index = self.index
        if len(vectors) > 4:  # a batch: FAISS releases the GIL, keep the loop answering
            async with self._lock:
                return await asyncio.to_thread(self._in_thread, index.search, vectors, k, allowed)
        return index.search(vectors, k, allowed)  # on the loop: no change can run meanwhile

    def _in_thread(self, work: Any, *args: Any) -> Any:
        import faiss

        # OpenMP's thread count is per calling thread, and a new thread starts from
        # OMP_NUM_THREADS, which Ray sets to 1 in its workers.
        faiss.omp_set_num_threads(self.threads)
        return work(*args)

    async def wait_ready(self, timeout_s: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while self.index is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return self.status_dict()

    def status_dict(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "address": self.address,
            "pid": os.getpid(),
            "index": self.spec.name,
            "shard": self.shard,
            "state": self.state,
            "source": self.source,
            "rebuild_s": self.rebuild_s,
            "searches": self.searches,
        }
        if self.index is not None:
            info.update(self.index.describe())
        return info

    @tool(description="This shard's state (starting, rebuilding, ready), vector count, index type and size.")
    async def status(self) -> dict[str, Any]:
        return self.status_dict()
