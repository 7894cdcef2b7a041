"""The reasoning manager, `manager/reasoning`: which sessions exist and run, and the defaults.

A worker next to the sessions' pool (`supervisor/reasoning-sessions`, simple_one_for_one; see
children.py). Starting a session validates the request, applies the defaults, records it in
PostgreSQL (with ADAPTIVE's routing decision and the tree's root, so the first
`reasoning_update` goes out before the session's actor is even up), then asks the pool to start
`reasoning/<id>`. A session that finishes tells the manager, which terminates its actor. At its
start (the platform's start, or a restart of the pool, which restarts the manager after it) it
starts again every session recorded as running: they resume from their stored nodes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from typing import Any

from actors.models.catalog import model_problem
from actors.reasoning import sql
from actors.reasoning.adapters import RuntimeEmbedder
from actors.reasoning.classifier import ComplexityClassifier
from actors.reasoning.config import load_reasoning_config
from actors.reasoning.pipeline import task_for
from actors.reasoning.session_actor import complete_event
from actors.reasoning.tot import new_node_id
from actors.store.database import Database
from actors.store.pool import open_store_pool
from configs.settings import get_settings
from protocols.addresses import KNOWLEDGE, OLLAMA, REASONING_POOL_SUPERVISOR, embedder_address, reasoning_address
from protocols.reasoning import (
    NodeStatus,
    ReasoningConfig,
    ReasoningMode,
    ReasoningRequest,
    ReasoningResult,
    SessionStatus,
    TaskKind,
    ThoughtNode,
)
from protocols.rest_reasoning import (
    SESSION_ID_PATTERN,
    TOPIC_REASONING,
    ReasoningDefaults,
    ReasoningDefaultsUpdate,
    ReasoningError,
    ReasoningHistory,
    ReasoningResultView,
    ReasoningStatusView,
    ReasoningTree,
    SessionSummary,
    StartReasoningBody,
    session_not_found,
    session_topic,
)
from supervisors.actor import SupervisedActor, after_start, tool
from supervisors.refs import current_namespace
from supervisors.runtime import RayRuntime

log = logging.getLogger(__name__)

_TREE_MODES = {ReasoningMode.TOT_ONLY, ReasoningMode.TOT_ENHANCED_RAG}
_RETRIEVAL_MODES = {
    ReasoningMode.RAG_ONLY,
    ReasoningMode.S3_RAG,
    ReasoningMode.TOT_ENHANCED_RAG,
    ReasoningMode.ADAPTIVE,
}

MODE_DESCRIPTIONS = {
    ReasoningMode.DIRECT.value: "One model call, no retrieval (what ADAPTIVE runs for a simple query).",
    ReasoningMode.TOT_ONLY.value: "Tree of thoughts: propose/sample steps, value/vote states, BFS beam or DFS.",
    ReasoningMode.RAG_ONLY.value: "One hybrid retrieval, then an answer citing the passages it used.",
    ReasoningMode.S3_RAG.value: "Iterative search (s3): propose a query, retrieve, keep what matters; then answer.",
    ReasoningMode.TOT_ENHANCED_RAG.value: "Tree of thoughts with retrieval at each expansion.",
    ReasoningMode.ADAPTIVE.value: "A complexity classifier picks direct, RAG, s3 or a tree per query (Adaptive-RAG).",
}


def merge_defaults(base: ReasoningConfig, overrides: dict[str, Any]) -> ReasoningConfig:
    """configs/reasoning.yaml with the stored POST /reasoning/modes overrides on top. Stored
    calibrations go into the classifier's, model by model (a stored null removes one)."""
    data = base.model_dump(mode="json")
    data.update({k: v for k, v in overrides.items() if v is not None and k != "calibrations"})
    calibrations = {**data["classifier"]["calibrations"], **(overrides.get("calibrations") or {})}
    data["classifier"]["calibrations"] = {model: c for model, c in calibrations.items() if c is not None}
    return ReasoningConfig.model_validate(data)


def build_request(body: StartReasoningBody, config: ReasoningConfig) -> ReasoningRequest:
    """The request a session runs: every parameter the body leaves out from the defaults, so a
    restarted session runs exactly what was asked even if the defaults changed meanwhile."""
    return ReasoningRequest(
        query=body.query,
        mode=body.mode or config.default_mode,
        task=body.task,
        tot=body.tot or config.tot,
        rag=body.rag or config.rag,
        s3=body.s3 or config.s3,
    )


class ReasoningManager(SupervisedActor):
    def __init__(self, address: str) -> None:
        super().__init__(address)
        self.settings = get_settings()
        s = self.settings.supervision
        self._pool_timeout_s = s.shutdown_timeout_s + s.start_timeout_s + 10.0
        self.db: Database | None = None
        self.runtime: RayRuntime | None = None
        self.base_config = ReasoningConfig()
        self.config = ReasoningConfig()
        self.classifier: ComplexityClassifier | None = None
        self._finished: dict[str, asyncio.Event] = {}
        self._restore: asyncio.Task[None] | None = None
        self._cleanups: set[asyncio.Task[None]] = set()

    async def on_start(self) -> None:
        s = self.settings
        self.runtime = RayRuntime(current_namespace())
        self.base_config = load_reasoning_config(s.resolve_path(s.reasoning.config_file))
        self.db = await open_store_pool(s, current_namespace(), max_size=4)
        self.config = merge_defaults(self.base_config, await sql.default_overrides(self.db))
        self.classifier = self._classifier()
        if s.reasoning.restore_on_start:
            self._restore = asyncio.create_task(self._restore_sessions())

    def _classifier(self) -> ComplexityClassifier:
        assert self.runtime is not None
        embedder = RuntimeEmbedder(self.runtime, embedder_address(self.settings.embeddings.name))
        return ComplexityClassifier(self.config.classifier, embedder)

    async def on_stop(self) -> None:
        if self._restore is not None:
            self._restore.cancel()
        db, self.db = self.db, None
        if db is not None:
            await db.close()

    @property
    def _db(self) -> Database:
        if self.db is None:
            raise RuntimeError(f"{self.address} is not started")
        return self.db

    @property
    def _pool(self) -> Any:
        return self.ref(REASONING_POOL_SUPERVISOR)

    async def _restore_sessions(self) -> None:
        try:
            running = await sql.running_session_ids(self._db)
            states = await self._pool.call("child_states", timeout_s=10.0, idempotent=True)
        except Exception:
            log.exception("%s: the running sessions could not be listed; none resumed", self.address)
            return
        for session_id in running:
            if reasoning_address(session_id) in states:
                continue
            try:
                await self._start_actor(session_id)
            except Exception as exc:
                log.error("%s: session %s did not resume: %s", self.address, session_id, exc)

    async def _start_actor(self, session_id: str) -> None:
        address = reasoning_address(session_id)
        await self._pool.call("start_child", address, [session_id], timeout_s=self._pool_timeout_s)

    # ---- starting ------------------------------------------------------------------------

    async def _model(self, requested: str | None, field: str = "model") -> str:
        """The model a session runs on (`requested` or the configured one); 422 naming `field`
        when it cannot run."""
        s = self.settings
        model = requested or s.reasoning.model or s.models.default_model
        if model is None:
            raise ReasoningError("validation_error", "no model given and none configured", field, 422)

        async def ollama_models() -> list[dict[str, Any]]:
            listed: list[dict[str, Any]] = await self.ref(OLLAMA).call("list_models", timeout_s=15, wait_s=0)
            return listed

        problem = await model_problem(s, model, ollama_models)
        if problem is not None:
            raise ReasoningError("validation_error", f"model '{model}': {problem}", field, 422)
        return model

    async def _index(self, body: StartReasoningBody, mode: ReasoningMode) -> str:
        index = body.index or self.settings.reasoning.index or self.settings.knowledge.default_index
        if body.index is not None and mode in _RETRIEVAL_MODES:
            names = {i["name"] for i in await self.ref(KNOWLEDGE).call("list_indexes", timeout_s=10.0, idempotent=True)}
            if index not in names:
                raise ReasoningError("not_found", f"knowledge index '{index}' does not exist", "index", 404)
        return index

    async def _prepare(self, session_id: str, request: ReasoningRequest, model: str) -> None:
        """Before the actor starts: ADAPTIVE's decision, and a tree's root (the first update)."""
        mode, kind = request.mode, request.task
        if mode is ReasoningMode.ADAPTIVE:
            assert self.classifier is not None
            decision = await self.classifier.classify(request.query, request.task, model)
            await sql.set_routing(self._db, session_id, decision)
            routed = {"session_id": session_id, **decision.model_dump(mode="json")}
            self.publish(session_topic(session_id), "reasoning_routed", routed)
            mode = decision.mode
            kind = TaskKind.GAME24 if decision.task_kind == TaskKind.GAME24.value else request.task
        if mode in _TREE_MODES:
            root = ThoughtNode(
                id=new_node_id(), state=task_for(kind).initial_state(request.query), status=NodeStatus.SELECTED
            )
            await sql.upsert_node(self._db, session_id, root)
            data = {"session_id": session_id, "event": root.status.value, "node": root.model_dump(mode="json")}
            self.publish(session_topic(session_id), "reasoning_update", data)

    @after_start
    async def start(
        self, body: dict[str, Any], session_id: str | None = None, owner: str | None = None
    ) -> dict[str, Any]:
        """Validate, record and start a session: its summary (status `running`). A caller that
        subscribes to the session's topic first (the /ws handler) picks its id. `owner`: the
        user it belongs to (None: the platform's, admins only)."""
        start = StartReasoningBody.model_validate(body)
        if session_id is not None and not re.fullmatch(SESSION_ID_PATTERN, session_id):
            raise ReasoningError("validation_error", "session_id: letters, digits, _ and - only", "session_id", 422)
        request = build_request(start, self.config)
        if request.task.value == "game24" or request.mode in _TREE_MODES:
            try:
                task_for(request.task).initial_state(request.query)
            except ValueError as exc:
                raise ReasoningError("validation_error", str(exc), "query", 422) from None
        model = await self._model(start.model)
        index = await self._index(start, request.mode)
        running = len(await sql.running_session_ids(self._db))
        if running >= self.settings.reasoning.max_running:
            raise ReasoningError(
                "too_many_sessions",
                f"{running} sessions are running (reasoning.max_running); stop one or wait",
                None,
                429,
            )
        session_id = session_id or sql.new_session_id()
        if await sql.get_session(self._db, session_id) is not None:
            raise ReasoningError("conflict", f"reasoning session '{session_id}' exists", "session_id", 409)
        await sql.insert_session(self._db, session_id, request, model, index, owner)
        self._finished[session_id] = asyncio.Event()
        self.publish(
            session_topic(session_id),
            "reasoning_created",
            {"session_id": session_id, "query": request.query, "mode": request.mode.value, "task": request.task.value},
        )
        try:
            await self._prepare(session_id, request, model)
            await self._start_actor(session_id)
        except Exception as exc:
            message = getattr(exc, "message", None) or str(exc)
            await sql.fail_session(self._db, session_id, SessionStatus.FAILED, f"did not start: {message}")
            self._finished.pop(session_id, None)
            raise ReasoningError("unavailable", f"session {session_id} did not start: {message}", None, 503) from None
        return (await self._summary(session_id)).model_dump(mode="json")

    # ---- stopping and finishing ---------------------------------------------------------------

    async def _summary(self, session_id: str) -> SessionSummary:
        found = await sql.get_session(self._db, session_id)
        if found is None:
            raise session_not_found(session_id)
        return found

    @after_start
    async def stop(self, session_id: str) -> dict[str, Any]:
        """Stop a running session (its model calls are cancelled; it ends `stopped` with its
        partial tree). A finished session is answered as it is."""
        summary = await self._summary(session_id)
        if summary.status is not SessionStatus.RUNNING:
            return summary.model_dump(mode="json")
        address = reasoning_address(session_id)
        stopped = False
        if await self._pool.call("has_child", address, timeout_s=10.0, idempotent=True):
            with contextlib.suppress(Exception):
                await self.ref(address).call("stop", timeout_s=30.0)
                stopped = True
        # its actor gone or restarting: end it in the store (a restarted actor then finds it
        # finished and only asks to be cleaned up)
        still_running = not stopped or (await self._summary(session_id)).status is SessionStatus.RUNNING
        if still_running and await sql.fail_session(self._db, session_id, SessionStatus.STOPPED, None):
            result = ReasoningResult(mode=summary.mode, status=SessionStatus.STOPPED, stop_reason="stopped")
            self.publish(TOPIC_REASONING, "reasoning_complete", complete_event(session_id, result))
        await self.session_finished(session_id)
        return (await self._summary(session_id)).model_dump(mode="json")

    async def session_finished(self, session_id: str) -> None:
        """A session ended (its actor tells; stop calls it too): wake the waiters, and
        terminate its actor in the background (the actor may be the caller)."""
        event = self._finished.pop(session_id, None)
        if event is not None:
            event.set()
        task = asyncio.create_task(self._terminate(session_id))
        self._cleanups.add(task)
        task.add_done_callback(self._cleanups.discard)

    async def _terminate(self, session_id: str) -> None:
        address = reasoning_address(session_id)
        try:
            if await self._pool.call("has_child", address, timeout_s=10.0, idempotent=True):
                await self._pool.call("terminate_child", address, timeout_s=self._pool_timeout_s)
        except Exception as exc:
            log.warning("%s: %s was not terminated: %s", self.address, address, exc)

    # ---- reading -----------------------------------------------------------------------------

    @after_start
    async def status(self, session_id: str | None = None, owner: str | None = None) -> dict[str, Any]:
        """`owner` set: that user's sessions and totals only."""
        if session_id is not None:
            sessions = [await self._summary(session_id)]
        else:
            sessions, _ = await sql.list_sessions(
                self._db, limit=1000, offset=0, status=SessionStatus.RUNNING.value, owner=owner
            )
        totals = await sql.status_totals(self._db, owner)
        view = ReasoningStatusView(
            sessions=sessions,
            running=totals.get(SessionStatus.RUNNING.value, 0),
            totals=totals,
            default_mode=self.config.default_mode,
        )
        return view.model_dump(mode="json")

    @after_start
    async def history(
        self,
        limit: int = 50,
        offset: int = 0,
        status: str | None = None,
        mode: str | None = None,
        owner: str | None = None,
    ) -> dict[str, Any]:
        sessions, total = await sql.list_sessions(
            self._db, limit=limit, offset=offset, status=status, mode=mode, owner=owner
        )
        return ReasoningHistory(sessions=sessions, total=total, limit=limit, offset=offset).model_dump(mode="json")

    async def _wait_finished(self, session_id: str, wait_s: float) -> SessionSummary:
        deadline = time.monotonic() + min(wait_s, self.settings.reasoning.max_wait_s)
        while True:
            summary = await self._summary(session_id)
            left = deadline - time.monotonic()
            if summary.status is not SessionStatus.RUNNING or left <= 0:
                return summary
            event = self._finished.setdefault(session_id, asyncio.Event())
            # woken by session_finished; polled too, in case that message was lost in a restart
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(left, 1.0))

    @after_start
    async def result(self, session_id: str, wait_s: float = 0.0) -> dict[str, Any]:
        summary = await self._wait_finished(session_id, wait_s)
        row = await sql.session_row(self._db, session_id)
        result = None
        if row is not None and row["result"]:
            result = ReasoningResult.model_validate(row["result"])
            result.nodes = await sql.nodes(self._db, session_id)
        return ReasoningResultView(session=summary, result=result).model_dump(mode="json")

    @after_start
    async def tree(self, session_id: str) -> dict[str, Any]:
        summary = await self._summary(session_id)
        row = await sql.session_row(self._db, session_id)
        assert row is not None
        routing = row["routing"]
        view = ReasoningTree(
            session_id=session_id,
            status=summary.status,
            nodes=await sql.nodes(self._db, session_id),
            best_path=list((row["result"] or {}).get("best_path", [])),
            passages=await sql.passages(self._db, session_id),
            routing=routing,
        )
        return view.model_dump(mode="json")

    @after_start
    async def run(
        self, body: dict[str, Any], timeout_s: float | None = None, owner: str | None = None
    ) -> dict[str, Any]:
        """Start a session and wait for its result (agents, `reasoning:*` models, the MCP tool).
        At the timeout the session is stopped and its partial result returned."""
        started = await self.start(body, None, owner)
        session_id = started["session_id"]
        wait = timeout_s if timeout_s is not None else self.settings.reasoning.run_timeout_s
        summary = await self._wait_finished(session_id, wait)
        if summary.status is SessionStatus.RUNNING:
            await self.stop(session_id)
        return await self.result(session_id)

    # ---- defaults ----------------------------------------------------------------------------

    def _defaults(self) -> ReasoningDefaults:
        c = self.config
        return ReasoningDefaults(
            default_mode=c.default_mode,
            tot=c.tot,
            rag=c.rag,
            s3=c.s3,
            modes=MODE_DESCRIPTIONS,
            classifier=c.classifier,
        )

    @after_start
    async def defaults(self) -> dict[str, Any]:
        return self._defaults().model_dump(mode="json")

    @after_start
    async def set_defaults(self, update: dict[str, Any]) -> dict[str, Any]:
        body = ReasoningDefaultsUpdate.model_validate(update)
        change = body.model_dump(mode="json", exclude_none=True, exclude={"calibrations"})
        stored = await sql.default_overrides(self._db)
        overrides = {**stored, **change}
        if body.calibrations is not None:
            for model, calibration in body.calibrations.items():
                if calibration is not None:
                    await self._model(model, field=f"calibrations.{model}")
            overrides["calibrations"] = {
                **(stored.get("calibrations") or {}),
                **{m: c.model_dump(mode="json") if c else None for m, c in body.calibrations.items()},
            }
        config = merge_defaults(self.base_config, overrides)
        await sql.set_default_overrides(self._db, overrides)
        self.config = config
        self.classifier = self._classifier()  # new calibrations: their examples are embedded again
        self.publish(TOPIC_REASONING, "reasoning_defaults", {"default_mode": config.default_mode.value})
        return self._defaults().model_dump(mode="json")

    # ---- bus tools ---------------------------------------------------------------------------

    @tool(
        description="Run a reasoning session and wait for its answer. mode: direct, tot_only, rag_only, s3_rag, "
        "tot_enhanced_rag or adaptive (default: the configured one); task: open or game24."
    )
    async def reason(
        self, query: str, mode: str | None = None, task: str = "open", index: str | None = None
    ) -> dict[str, Any]:
        await self.started()
        view = await self.run({"query": query, "mode": mode, "task": task, "index": index})
        return _tool_view(view)

    @tool(description="Start a reasoning session without waiting: its id and status.")
    async def start_session(
        self, query: str, mode: str | None = None, task: str = "open", index: str | None = None
    ) -> dict[str, Any]:
        await self.started()
        return await self.start({"query": query, "mode": mode, "task": task, "index": index})

    @tool(description="A reasoning session's result (waits up to wait_s seconds for it to finish).")
    async def session_result(self, session_id: str, wait_s: float = 0.0) -> dict[str, Any]:
        await self.started()
        return _tool_view(await self.result(session_id, wait_s))

    @tool(description="Stop a running reasoning session.")
    async def stop_session(self, session_id: str) -> dict[str, Any]:
        await self.started()
        return await self.stop(session_id)

    @tool(description="The latest reasoning sessions, newest first.")
    async def list_sessions(self, limit: int = 20) -> dict[str, Any]:
        await self.started()
        return await self.history(limit=max(1, min(limit, 200)))


def _tool_view(view: dict[str, Any]) -> dict[str, Any]:
    """A result for a tool caller: the answer and how it was reached, without the whole tree."""
    session = view["session"]
    result = view.get("result") or {}
    return {
        "session_id": session["session_id"],
        "status": session["status"],
        "mode": session["resolved_mode"] or session["mode"],
        "answer": session["answer"],
        "confidence": session["confidence"],
        "solved": session["solved"],
        "cited": result.get("cited", []),
        "passages": [{"id": p["id"], "source": p.get("source")} for p in result.get("passages", [])],
        "metrics": session["metrics"],
        "error": session["error"],
    }
