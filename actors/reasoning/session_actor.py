"""One reasoning session, `reasoning/<id>`, a child of `supervisor/reasoning-sessions`.

The manager records the session (its request, defaults applied; ADAPTIVE's routing; the
tree's root) and asks the pool to start this actor. On start it reads all of that back, plus
every node already stored, and runs the pipeline (pipeline.py) in the background: a session
actor killed mid-search is started again by its supervisor and resumes from its stored
nodes, making none of them again. Each node goes to the store before it is published
(`reasoning_update` on the bus topic `reasoning.<id>`); the outcome is recorded once (only a
running session can finish) and published as `reasoning_complete`; then the manager is told,
and it terminates this actor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from actors.models.catalog import chat_address
from actors.reasoning import sql
from actors.reasoning.adapters import (
    KnowledgeRetriever,
    PublishedNodeSink,
    RuntimeEmbedder,
    RuntimeModel,
    StoredNodeSink,
)
from actors.reasoning.config import load_reasoning_config
from actors.reasoning.pipeline import ReasoningPipeline
from actors.reasoning.session import FanOutSink, ReasoningSession
from actors.store.database import Database
from actors.store.pool import open_store_pool
from configs.settings import get_settings
from protocols.addresses import KNOWLEDGE, REASONING_MANAGER, embedder_address
from protocols.reasoning import (
    Passage,
    ReasoningRequest,
    ReasoningResult,
    RoutingDecision,
    SessionStatus,
    ThoughtNode,
)
from protocols.rest_reasoning import session_topic
from supervisors.actor import SupervisedActor, after_start, tool
from supervisors.refs import current_namespace
from supervisors.runtime import RayRuntime

log = logging.getLogger(__name__)


class SessionGone(RuntimeError):
    """The session's row is missing: this actor has nothing to run."""


def complete_event(session_id: str, result: ReasoningResult) -> dict[str, Any]:
    """The `reasoning_complete` event's data."""
    return {
        "session_id": session_id,
        "status": result.status.value,
        "answer": result.answer,
        "confidence": result.confidence,
        "solved": result.solved,
        "resolved_mode": result.mode.value,
        "best_path": result.best_path,
        "metrics": result.metrics.model_dump(mode="json"),
        "stop_reason": result.stop_reason,
        "error": result.error,
    }


class ReasoningSessionActor(SupervisedActor):
    def __init__(self, address: str, session_id: str) -> None:
        super().__init__(address)
        self.session_id = session_id
        self.settings = get_settings()
        self.db: Database | None = None
        self.runtime: RayRuntime | None = None
        self.session: ReasoningSession | None = None
        self._runner: asyncio.Task[None] | None = None
        self._finished = asyncio.Event()

    # ---- lifetime ------------------------------------------------------------------

    async def on_start(self) -> None:
        self.runtime = RayRuntime(current_namespace())
        self.db = await open_store_pool(self.settings, current_namespace(), max_size=2)
        row = await sql.session_row(self.db, self.session_id)
        if row is None:
            raise SessionGone(f"reasoning session {self.session_id} is not recorded")
        if row["status"] != SessionStatus.RUNNING.value:
            # finished before a restart reached it: only the manager's clean-up is left
            self._finished.set()
            self._tell_manager()
            return
        stored = await sql.nodes(self.db, self.session_id)
        if row["restarts"] or any(n.parent_id is not None for n in stored):
            await sql.count_restart(self.db, self.session_id)
        request = ReasoningRequest.model_validate(row["request"])
        routing = RoutingDecision.model_validate(row["routing"]) if row["routing"] else None
        self.session = ReasoningSession(
            self._pipeline(row["model"], row["index_name"]),
            request,
            sink=FanOutSink(
                StoredNodeSink(self._store_node),
                PublishedNodeSink(self.runtime, self.session_id, self.address),
            ),
            stored=stored,
            routing=routing,
        )
        self._runner = asyncio.create_task(self._run())

    async def on_stop(self) -> None:
        if self._runner is not None and not self._runner.done():
            # an orderly stop of the tree: the session stays `running` in the store and
            # resumes when the manager starts it again
            self._runner.cancel()
            with contextlib.suppress(BaseException):
                await self._runner
        db, self.db = self.db, None
        if db is not None:
            await db.close()

    def _pipeline(self, model: str, index: str) -> ReasoningPipeline:
        assert self.runtime is not None
        s = self.settings
        config = load_reasoning_config(s.resolve_path(s.reasoning.config_file))
        return ReasoningPipeline(
            RuntimeModel(self.runtime, chat_address(s, model), model),
            config,
            retriever=KnowledgeRetriever(self.runtime, KNOWLEDGE, index, self._store_passages),
            embedder=RuntimeEmbedder(self.runtime, embedder_address(s.embeddings.name)),
        )

    @property
    def _db(self) -> Database:
        if self.db is None:
            raise RuntimeError(f"{self.address} is not started")
        return self.db

    async def _store_node(self, node: ThoughtNode) -> None:
        await sql.upsert_node(self._db, self.session_id, node)

    async def _store_passages(self, passages: Sequence[Passage]) -> None:
        await sql.add_passages(self._db, self.session_id, passages)

    # ---- the run -------------------------------------------------------------------

    async def _run(self) -> None:
        assert self.session is not None
        try:
            try:
                result = await self.session.result()
            except asyncio.CancelledError:
                if self.session.status is SessionStatus.RUNNING:
                    raise  # this actor is stopping, not the session
                result = ReasoningResult(mode=self.session.request.mode, status=SessionStatus.STOPPED)
            await self._record(result)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("%s: the session failed", self.address)
            error = f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"
            with contextlib.suppress(Exception):
                await sql.fail_session(self._db, self.session_id, SessionStatus.FAILED, error)
            self.publish(
                session_topic(self.session_id),
                "reasoning_complete",
                {"session_id": self.session_id, "status": SessionStatus.FAILED.value, "error": error},
            )
        self._finished.set()
        self._tell_manager()

    async def _record(self, result: ReasoningResult) -> None:
        await sql.add_passages(self._db, self.session_id, result.passages)
        if await sql.finish_session(self._db, self.session_id, result):
            event = complete_event(self.session_id, result)
            await self.publish_in_order(session_topic(self.session_id), "reasoning_complete", event)

    def _tell_manager(self) -> None:
        self.ref(REASONING_MANAGER).tell("session_finished", self.session_id)

    # ---- for the manager and peers -------------------------------------------------------

    @after_start
    async def stop(self) -> dict[str, Any]:
        """Cancel the model calls in flight; the session ends `stopped` with its partial tree."""
        if self.session is not None and self._runner is not None and not self._finished.is_set():
            task = self.session.start()
            task.cancel()
            await self._finished.wait()
        return {"session_id": self.session_id, "stopped": True}

    @tool(description="Where this reasoning session stands: status, nodes so far, metrics.")
    async def status(self) -> dict[str, Any]:
        await self.started()
        found = await sql.get_session(self._db, self.session_id)
        return found.model_dump(mode="json") if found is not None else {"session_id": self.session_id}

    @tool(description="The thought tree of this session so far (nodes with parent, depth, value, status).")
    async def tree(self) -> dict[str, Any]:
        await self.started()
        nodes = await sql.nodes(self._db, self.session_id)
        return {"session_id": self.session_id, "nodes": [n.model_dump(mode="json") for n in nodes]}

    @tool(description="Stop this reasoning session; it ends as `stopped` with its partial tree.")
    async def stop_session(self) -> dict[str, Any]:
        await self.started()
        return await self.stop()
