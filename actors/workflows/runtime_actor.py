"""workflows/main: hosts DBOS Transact and the research-analysis workflow.

At its start it opens a pool on the store's database, installs the engine's ports (the model
at its address, the knowledge service, the reasoning pipeline, our tables) and launches DBOS on
the same PostgreSQL (DBOS's tables in the schema `workflows.system_schema`). `DBOS.launch()`
recovers the workflows left pending by a previous process: a restart of this actor by its
supervisor, or the platform's start after `pygent down`, resumes them from their last recorded
step. A process runs one DBOS, so this actor is the only one that hosts it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from dbos import DBOS, SetWorkflowID

from actors.models.catalog import chat_address, model_problem
from actors.reasoning.adapters import KnowledgeRetriever, RuntimeModel
from actors.reasoning.config import load_reasoning_config
from actors.store.database import Database
from actors.store.pool import open_store_pool
from configs.settings import get_settings
from protocols.addresses import KNOWLEDGE, OLLAMA
from protocols.jsonrpc import ErrorCode
from protocols.reasoning import ReasoningConfig, ReasoningMode
from protocols.rest_workflows import (
    RESEARCH_ANALYSIS,
    TOPIC_WORKFLOWS,
    StartResearchBody,
    StepView,
    WorkflowError,
    WorkflowList,
    WorkflowLogs,
    WorkflowResultView,
    WorkflowStatus,
    WorkflowStatusView,
    WorkflowSummary,
    workflow_not_found,
)
from protocols.workflows import IngestedDocument, Report, ResearchLimits, ResearchRequest, StepName, StoredReport
from supervisors.actor import SupervisedActor, after_start, tool
from supervisors.refs import current_namespace
from supervisors.runtime import RayRuntime

from . import durable, sql
from .breakpoints import BEFORE, Breakpoints
from .research import PipelineReasoner, ResearchAnalysis

log = logging.getLogger(__name__)

_RESEARCH_MODES = {ReasoningMode.S3_RAG, ReasoningMode.TOT_ENHANCED_RAG, ReasoningMode.RAG_ONLY}
_DBOS_STATUS = {
    "PENDING": WorkflowStatus.RUNNING,
    "ENQUEUED": WorkflowStatus.QUEUED,
    "DELAYED": WorkflowStatus.QUEUED,
    "SUCCESS": WorkflowStatus.COMPLETED,
    "ERROR": WorkflowStatus.FAILED,
    "MAX_RECOVERY_ATTEMPTS_EXCEEDED": WorkflowStatus.FAILED,
    "CANCELLED": WorkflowStatus.CANCELLED,
}
_RUNNING = {WorkflowStatus.RUNNING, WorkflowStatus.QUEUED}
# The breakpoint between recording a run and handing it to DBOS (`before:start`).
START_POINT = "start"


def dbos_url(dsn: str) -> str:
    """The store's libpq URI as SQLAlchemy's, on psycopg 3 (the driver the platform has)."""
    scheme, _, rest = dsn.partition("://")
    return f"postgresql+psycopg://{rest}" if scheme in ("postgres", "postgresql") else dsn


def _ms(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value / 1000, UTC) if value else None


def step_summary(name: str, output: Any) -> str | None:
    """What a recorded step produced, in a line."""
    if not isinstance(output, dict):
        return None
    if name == StepName.PLAN:
        return f"{len(output.get('sub_questions', []))} sub-question(s)"
    if name == StepName.GATHER:
        return f"{len(output.get('passages', []))} passage(s): {output.get('sub_question', '')}"
    if name == StepName.READ:
        return f"{len(output.get('facts', []))} fact(s): {output.get('sub_question', '')}"
    if name == StepName.REASON:
        return f"{len(output.get('cited', []))} citation(s): {output.get('sub_question', '')}"
    if name == StepName.SYNTHESISE:
        return f"{len(output.get('citations', []))} source(s), {len(output.get('markdown', ''))} chars"
    if name == StepName.STORE:
        return f"report {output.get('report_id')}"
    if name == StepName.INGEST:
        return f"{len(output.get('documents', []))} document(s)"
    return None


class KnowledgeDocuments:
    """A DocumentStore over the knowledge service (its add is idempotent by document id)."""

    def __init__(self, runtime: RayRuntime, workflow_source: str) -> None:
        self.runtime = runtime
        self.workflow_source = workflow_source

    async def add(self, document_id: str, index: str, content: str, fmt: str, source: str) -> IngestedDocument:
        answer = await self.runtime.call(
            KNOWLEDGE,
            "add_document",
            content,
            index,
            {"source": source, "added_by": self.workflow_source},
            fmt,
            None,
            None,
            document_id,
            timeout_s=300.0,
        )
        return IngestedDocument(
            document_id=answer["id"],
            source=source,
            chunks=int(answer.get("chunks") or 0),
            existed=bool(answer.get("existed")),
        )


class SqlReports:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def save(self, workflow_id: str, report: Report) -> StoredReport:
        return await sql.save_report(self.db, workflow_id, report)


# Bus errors after which a fetch is asked once more: the server (or its connection) died
# during the call. The bus does not redeliver a tools/call by itself (a tool may not be safe
# to run twice), but fetching a URL is a GET.
_FETCH_AGAIN = frozenset({ErrorCode.TARGET_CRASHED, ErrorCode.CONNECTION_CLOSED})


class McpFetcher:
    """A Fetcher over an MCP server's `fetch` tool, through the bus."""

    def __init__(self, runtime: RayRuntime, server: str, timeout_s: float = 60.0) -> None:
        self.runtime = runtime
        self.address = f"mcp/{server}"
        self.timeout_s = timeout_s

    async def fetch(self, url: str) -> str:
        for attempt in range(2):
            message = {
                "jsonrpc": "2.0",
                "id": uuid.uuid4().hex,
                "method": "tools/call",
                "params": {"name": "fetch", "arguments": {"url": url}},
            }
            answer = await self.runtime.request(self.address, message, timeout_s=self.timeout_s) or {}
            error = answer.get("error")
            if not error:
                break
            if attempt == 0 and error.get("code") in _FETCH_AGAIN:
                log.warning("%s: fetch of %s failed (%s); asking once more", self.address, url, error.get("message"))
                continue
            raise RuntimeError(f"{error.get('message')} (code {error.get('code')})")
        result = answer.get("result") or {}
        content = result.get("content") or []
        text = "\n".join(str(c.get("text", "")) for c in content if isinstance(c, dict))
        if result.get("isError"):  # the tool's own failure (unreachable, refused): its text says why
            raise RuntimeError(text or "the fetch tool failed")
        return text


class Journal:
    """A workflow's log: each line stored, then published on the `workflows` topic (with the
    workflow's owner, whom /ws delivers it to)."""

    def __init__(self, actor: WorkflowRuntime, workflow_id: str, owner_id: str | None) -> None:
        self.actor = actor
        self.workflow_id = workflow_id
        self.owner_id = owner_id

    async def log(self, step: str | None, message: str, level: str = "info") -> None:
        line = await sql.add_log(self.actor.db_, self.workflow_id, step, level, message)
        self.actor.publish(TOPIC_WORKFLOWS, "workflow_log", {**line.model_dump(mode="json"), "owner_id": self.owner_id})


class WorkflowRuntime(SupervisedActor):
    def __init__(self, address: str) -> None:
        super().__init__(address)
        self.settings = get_settings()
        self.db: Database | None = None
        self.runtime: RayRuntime | None = None
        self.reasoning_config = ReasoningConfig()
        self.launched = False
        self._noted: asyncio.Task[None] | None = None
        self.breakpoints = Breakpoints(None)
        self.owners: dict[str, str | None] = {}  # workflow id -> owner, for its events

    # ---- lifetime --------------------------------------------------------------------------

    async def on_start(self) -> None:
        s = self.settings
        self.runtime = RayRuntime(current_namespace())
        self.reasoning_config = load_reasoning_config(s.resolve_path(s.reasoning.config_file))
        self.db = await open_store_pool(s, current_namespace(), max_size=4)
        dsn = self.db.dsn  # the store's DSN, as open_store_pool asked for it
        gates = s.workflows.breakpoints_dir
        self.breakpoints = Breakpoints(s.state_path / gates if gates else None)
        durable.install(
            durable.Host(engine_for=self._engine, journal_for=self._journal, events=self, breakpoints=self.breakpoints)
        )
        DBOS(
            config={
                "name": "pygent",
                "system_database_url": dbos_url(dsn),
                "dbos_system_schema": s.workflows.system_schema,
                "application_version": s.workflows.application_version,
                "sys_db_pool_size": 4,
                "log_level": "WARNING",
            }
        )
        # On this actor's event loop (DBOS adopts the running loop): the workflows it recovers
        # and those it starts run here, where the Ray handles live. Blocks ~a second.
        DBOS.launch()
        self.launched = True
        log.info("%s: DBOS launched (schema %s)", self.address, s.workflows.system_schema)
        self._noted = asyncio.create_task(self._note_resumed())

    async def _note_resumed(self) -> None:
        """A log line in each workflow this launch resumed (DBOS recovers them itself), then
        the start of those recorded but never handed to DBOS."""
        try:
            for workflow_id in await self._running_ids():
                row = await sql.get_run(self.db_, workflow_id)
                if row is not None:
                    journal = Journal(self, workflow_id, row["owner_id"])
                    await journal.log(None, f"resumed by {self.address} from its last recorded step")
            await self._start_unstarted()
        except Exception:
            log.exception("%s: could not note the resumed workflows", self.address)

    async def _start_unstarted(self) -> None:
        """A run recorded by `start` whose runner died before DBOS had it (it would stay
        `queued` forever): start it now, with what it was asked, under its own id."""
        for row in await sql.unstarted_runs(self.db_, self.settings.workflows.system_schema):
            workflow_id = row["id"]
            request = ResearchRequest.model_validate(row["request"])
            await self._launch(workflow_id, request, row["owner_id"])
            await Journal(self, workflow_id, row["owner_id"]).log(
                None, f"started by {self.address}: recorded, but its runner died before it started"
            )

    async def on_stop(self) -> None:
        # Workflows still running stay PENDING in the database: the next launch resumes them.
        if self.launched:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(DBOS.destroy, workflow_completion_timeout_sec=0)
        durable.install(None)
        db, self.db = self.db, None
        if db is not None:
            await db.close()

    @property
    def db_(self) -> Database:
        if self.db is None:
            raise RuntimeError(f"{self.address} is not started")
        return self.db

    def _engine(self, request: ResearchRequest) -> ResearchAnalysis:
        assert self.runtime is not None
        runtime = self.runtime
        model = RuntimeModel(runtime, chat_address(self.settings, request.model), request.model, "workflow")

        def retriever_for(index: str) -> KnowledgeRetriever:
            return KnowledgeRetriever(runtime, KNOWLEDGE, index)

        fetch = self.settings.workflows.fetch_server
        return ResearchAnalysis(
            model,
            retriever_for,
            PipelineReasoner(model, retriever_for, self.reasoning_config),
            KnowledgeDocuments(runtime, self.address),
            SqlReports(self.db_),
            McpFetcher(runtime, fetch) if fetch else None,
        )

    def _journal(self, workflow_id: str, owner_id: str | None) -> Journal:
        self.owners[workflow_id] = owner_id
        return Journal(self, workflow_id, owner_id)

    # ---- durable.StepEvents ----------------------------------------------------------------

    def step(self, workflow_id: str, name: str, status: str, detail: str | None = None) -> None:
        owner = self.owners.get(workflow_id)
        data = {"workflow_id": workflow_id, "step": name, "status": status, "detail": detail, "owner_id": owner}
        self.publish(TOPIC_WORKFLOWS, "workflow_step", data)

    def finished(self, workflow_id: str, status: str, error: str | None = None) -> None:
        owner = self.owners.pop(workflow_id, None)
        data = {"workflow_id": workflow_id, "status": status, "error": error, "owner_id": owner}
        self.publish(TOPIC_WORKFLOWS, "workflow_finished", data)

    # ---- starting --------------------------------------------------------------------------

    async def _request(self, body: StartResearchBody) -> ResearchRequest:
        s = self.settings
        w = s.workflows
        model = body.model or w.model or s.reasoning.model or s.models.default_model
        if model is None:
            raise WorkflowError("validation_error", "no model given and none configured", "model", 422)

        async def ollama_models() -> list[dict[str, Any]]:
            listed: list[dict[str, Any]] = await self.ref(OLLAMA).call("list_models", timeout_s=15, wait_s=0)
            return listed

        problem = await model_problem(s, model, ollama_models)
        if problem is not None:
            raise WorkflowError("validation_error", f"model '{model}': {problem}", "model", 422)
        index = body.index or w.index or s.reasoning.index or s.knowledge.default_index
        names = {i["name"] for i in await self.ref(KNOWLEDGE).call("list_indexes", timeout_s=30.0, idempotent=True)}
        if index not in names:
            raise WorkflowError("not_found", f"knowledge index '{index}' does not exist", "index", 404)
        mode = body.mode or ReasoningMode(w.reasoning_mode)
        if mode not in _RESEARCH_MODES:
            allowed = ", ".join(sorted(m.value for m in _RESEARCH_MODES))
            raise WorkflowError("validation_error", f"mode must be one of {allowed}", "mode", 422)
        limits = body.limits or ResearchLimits(
            max_sub_questions=w.max_sub_questions,
            search_k=w.search_k,
            concurrency=w.concurrency,
            answer_max_tokens=w.answer_max_tokens,
        )
        return ResearchRequest(
            question=body.question,
            index=index,
            model=model,
            mode=mode,
            documents=body.documents,
            urls=body.urls,
            limits=limits,
        )

    @after_start
    async def start(self, body: dict[str, Any], owner_id: str | None = None) -> dict[str, Any]:
        """Validate, record and start a research analysis for `owner_id` (None: the platform's,
        the admins'); its summary. A `workflow_id` that exists answers that workflow (the id is
        the idempotency key), or 409 when it is another user's."""
        start = StartResearchBody.model_validate(body)
        if start.workflow_id is not None:
            existing = await sql.get_run(self.db_, start.workflow_id)
            if existing is not None:
                if existing["owner_id"] != owner_id:
                    message = f"workflow_id '{start.workflow_id}' is taken"
                    raise WorkflowError("conflict", message, "workflow_id", 409)
                return (await self._summary(start.workflow_id, existing)).model_dump(mode="json")
        running = len(await self._running_ids())
        if running >= self.settings.workflows.max_running:
            raise WorkflowError(
                "too_many_workflows", f"{running} workflows are running (workflows.max_running)", None, 429
            )
        request = await self._request(start)
        workflow_id = start.workflow_id or uuid.uuid4().hex[:16]
        await sql.insert_run(self.db_, workflow_id, RESEARCH_ANALYSIS, request, owner_id)
        # recorded, not yet DBOS's: a runner that dies here leaves it to `_start_unstarted`
        await self.breakpoints.wait(workflow_id, BEFORE, START_POINT)
        await self._launch(workflow_id, request, owner_id)
        journal = Journal(self, workflow_id, owner_id)
        await journal.log(None, f"started: {request.question} (index {request.index})")
        started = {
            "workflow_id": workflow_id,
            "name": RESEARCH_ANALYSIS,
            "question": request.question,
            "owner_id": owner_id,
        }
        self.publish(TOPIC_WORKFLOWS, "workflow_started", started)
        return (await self._summary(workflow_id)).model_dump(mode="json")

    async def _launch(self, workflow_id: str, request: ResearchRequest, owner_id: str | None) -> None:
        with SetWorkflowID(workflow_id):
            await DBOS.start_workflow_async(durable.research_analysis, request.model_dump(mode="json"), owner_id)

    async def _running_ids(self) -> list[str]:
        found = await DBOS.list_workflows_async(status=["PENDING", "ENQUEUED"], name=durable.WORKFLOW_NAME)
        return [w.workflow_id for w in found]

    # ---- reading ---------------------------------------------------------------------------

    async def _summary(
        self, workflow_id: str, row: dict[str, Any] | None = None, caller: str | None = None
    ) -> WorkflowSummary:
        """The workflow as `caller` sees it: a user (their id) sees only their own, as if
        another's did not exist; None (an admin, the platform) sees all."""
        row = row or await sql.get_run(self.db_, workflow_id)
        if row is None or (caller is not None and row["owner_id"] != caller):
            raise workflow_not_found(workflow_id)
        state = await DBOS.get_workflow_status_async(workflow_id)
        status = _DBOS_STATUS.get(state.status, WorkflowStatus.RUNNING) if state is not None else WorkflowStatus.QUEUED
        error = None
        if state is not None and state.error is not None:
            error = f"{type(state.error).__name__}: {state.error}"
        return WorkflowSummary(
            workflow_id=workflow_id,
            name=row["name"],
            status=status,
            question=row["question"],
            index=row["index_name"],
            model=row["model"],
            mode=row["mode"],
            created_at=row["created_at"],
            updated_at=_ms(state.updated_at) if state is not None else None,
            error=error,
            has_report=bool(row["has_report"]),
        )

    async def _steps(self, workflow_id: str) -> list[StepView]:
        out: list[StepView] = []
        for info in await DBOS.list_workflow_steps_async(workflow_id):
            name = info["function_name"]
            if name not in {s.value for s in StepName}:
                continue  # DBOS's own (e.g. getStatus)
            error = info.get("error")
            done = info.get("completed_at_epoch_ms") is not None or info.get("output") is not None
            out.append(
                StepView(
                    step_id=int(info["function_id"]),
                    name=name,
                    status="failed" if error is not None else "completed" if done else "running",
                    started_at=_ms(info.get("started_at_epoch_ms")),
                    completed_at=_ms(info.get("completed_at_epoch_ms")),
                    error=f"{type(error).__name__}: {error}" if error is not None else None,
                    summary=step_summary(name, info.get("output")),
                )
            )
        return out

    @after_start
    async def status(self, workflow_id: str, caller: str | None = None) -> dict[str, Any]:
        """Where a workflow stands. `caller` here and below: the user the call is made for
        (another user's workflow answers 404), None for an admin or the platform."""
        row = await sql.get_run(self.db_, workflow_id)
        summary = await self._summary(workflow_id, row, caller)
        assert row is not None
        steps = await self._steps(workflow_id)
        request = ResearchRequest.model_validate(row["request"])
        plan = next((s for s in steps if s.name == StepName.PLAN), None)
        subs = request.limits.max_sub_questions
        if plan is not None and plan.summary:
            subs = int(plan.summary.split()[0])
        planned = (1 if request.documents or request.urls else 0) + 1 + 3 * subs + 2
        completed = sum(1 for s in steps if s.status == "completed")
        current = None
        if summary.status in _RUNNING:
            current = next((s.name for s in steps if s.status == "running"), None) or _next_step(steps)
        view = WorkflowStatusView(
            workflow=summary,
            steps=steps,
            current_step=current,
            progress=1.0 if summary.status is WorkflowStatus.COMPLETED else min(1.0, completed / planned),
        )
        return view.model_dump(mode="json")

    @after_start
    async def result(self, workflow_id: str, wait_s: float = 0.0, caller: str | None = None) -> dict[str, Any]:
        summary = await self._summary(workflow_id, caller=caller)
        deadline = asyncio.get_running_loop().time() + min(wait_s, self.settings.workflows.max_wait_s)
        while summary.status in _RUNNING and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.5)
            summary = await self._summary(workflow_id)
        report = await sql.get_report(self.db_, workflow_id)
        return WorkflowResultView(workflow=summary, report=report).model_dump(mode="json")

    @after_start
    async def list_workflows(self, limit: int = 50, offset: int = 0, caller: str | None = None) -> dict[str, Any]:
        """Workflows newest first: the caller's own, or (None) all."""
        rows, total = await sql.list_runs(self.db_, limit, offset, caller)
        workflows = [await self._summary(r["id"], r) for r in rows]
        return WorkflowList(workflows=workflows, total=total).model_dump(mode="json")

    @after_start
    async def logs(
        self, workflow_id: str, after: int = 0, limit: int = 1000, caller: str | None = None
    ) -> dict[str, Any]:
        await self._summary(workflow_id, caller=caller)
        lines = await sql.logs(self.db_, workflow_id, after, limit)
        return WorkflowLogs(workflow_id=workflow_id, lines=lines).model_dump(mode="json")

    @after_start
    async def side_effects(self, workflow_id: str) -> dict[str, int]:
        """How many reports and citations this workflow stored (the durability tests)."""
        return await sql.count_side_effects(self.db_, workflow_id)

    # ---- stopping and retrying -------------------------------------------------------------

    @after_start
    async def stop(self, workflow_id: str, caller: str | None = None) -> dict[str, Any]:
        """Cancel: the step running now finishes, no other starts; the workflow ends
        `cancelled`. A finished workflow is answered as it is."""
        row = await sql.get_run(self.db_, workflow_id)
        summary = await self._summary(workflow_id, row, caller)
        assert row is not None
        if summary.status in _RUNNING:
            await DBOS.cancel_workflow_async(workflow_id)
            journal = Journal(self, workflow_id, row["owner_id"])
            await journal.log(None, "stop asked: cancelled at the next step boundary", "warning")
        return (await self._summary(workflow_id)).model_dump(mode="json")

    @after_start
    async def retry(self, workflow_id: str, caller: str | None = None) -> dict[str, Any]:
        """Run a failed workflow again from its failed step (the steps before it keep their
        recorded outputs), or a cancelled one from where it stopped."""
        row = await sql.get_run(self.db_, workflow_id)
        summary = await self._summary(workflow_id, row, caller)
        assert row is not None
        if summary.status is WorkflowStatus.FAILED:
            steps = await self._steps(workflow_id)
            failed = next((s for s in steps if s.status == "failed"), None)
            start_step = failed.step_id if failed is not None else (steps[-1].step_id + 1 if steps else 1)
            await DBOS.rewind_workflow_async(workflow_id, start_step=start_step)
            what = f"from step {start_step} ({failed.name if failed else 'after the last recorded step'})"
        elif summary.status is WorkflowStatus.CANCELLED:
            await DBOS.resume_workflow_async(workflow_id)
            what = "from where it was stopped"
        else:
            state = summary.status.value
            message = f"workflow '{workflow_id}' is {state}: only a failed or cancelled one can be retried"
            raise WorkflowError("conflict", message, "workflow_id", 409)
        await Journal(self, workflow_id, row["owner_id"]).log(None, f"retry {what}")
        return (await self._summary(workflow_id)).model_dump(mode="json")

    # ---- bus tools -------------------------------------------------------------------------

    @tool(
        name="research",
        description="Start a research analysis of a question over a knowledge index; returns the workflow's "
        "summary (follow it with `workflow_status`).",
    )
    async def tool_research(self, question: str, index: str | None = None) -> dict[str, Any]:
        await self.started()
        body: dict[str, Any] = {"question": question}
        if index is not None:
            body["index"] = index
        return await self.start(body)

    @tool(name="workflow_status", description="Where a workflow stands: its status, steps and progress.")
    async def tool_status(self, workflow_id: str) -> dict[str, Any]:
        await self.started()
        return await self.status(workflow_id)


def _next_step(steps: list[StepView]) -> str | None:
    if not steps:
        return StepName.PLAN.value
    order = [s.value for s in StepName]
    last = steps[-1].name
    return order[min(order.index(last) + 1, len(order) - 1)] if last in order else None
