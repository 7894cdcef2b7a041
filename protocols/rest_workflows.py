"""The REST and bus shapes of durable workflows (`/api/v1/workflows/*`).

The runtime is `workflows/main` (DBOS Transact on the platform's PostgreSQL); a workflow's id
is its idempotency key: starting one with an id that exists answers the existing workflow.

Events go on the bus topic `workflows` (browsers subscribe over /ws):
- `workflow_started`  {workflow_id, name, question}
- `workflow_log`      WorkflowLogLine (every log line: step started, did, finished, failed)
- `workflow_step`     {workflow_id, step, status: started|completed|failed, step_id}
- `workflow_finished` {workflow_id, status, error}
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from protocols.errors import PlatformError
from protocols.reasoning import ReasoningMode
from protocols.workflows import Citation, ResearchDocument, ResearchLimits

TOPIC_WORKFLOWS = "workflows"
WORKFLOW_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
RESEARCH_ANALYSIS = "research-analysis"


class WorkflowError(PlatformError):
    """A workflow request refused (a bad field, an unknown id, a state that forbids it)."""

    default_code = "validation_error"
    default_status = 422


def workflow_not_found(workflow_id: str) -> WorkflowError:
    return WorkflowError("not_found", f"workflow '{workflow_id}' does not exist", "workflow_id", 404)


class WorkflowStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class StartResearchBody(BaseModel):
    """POST /workflows/research-analysis (and the `research` MCP tool)."""

    question: str = Field(min_length=3, max_length=4000)
    index: str | None = Field(None, min_length=1, max_length=200)  # None: workflows.index or knowledge.default_index
    model: str | None = Field(None, min_length=1, max_length=200)  # None: workflows.model or models.default_model
    mode: ReasoningMode | None = None  # s3_rag or tot_enhanced_rag; None: workflows.reasoning_mode
    documents: list[ResearchDocument] = Field(default_factory=list, max_length=20)  # ingested first
    urls: list[str] = Field(default_factory=list, max_length=10)  # fetched through the MCP fetch server
    limits: ResearchLimits | None = None  # None: the configured limits
    workflow_id: str | None = Field(None, pattern=WORKFLOW_ID_PATTERN)  # the idempotency key; None: a new one


class StepView(BaseModel):
    step_id: int  # DBOS's function id: the order the steps were recorded in
    name: str  # plan, gather, read, reason, synthesise, store, ingest
    status: str  # completed, failed, running
    started_at: datetime | None = None
    completed_at: datetime | None = None
    error: str | None = None
    summary: str | None = None  # what it produced, in a line


class WorkflowSummary(BaseModel):
    workflow_id: str
    name: str
    status: WorkflowStatus
    question: str
    index: str
    model: str
    mode: ReasoningMode
    created_at: datetime
    updated_at: datetime | None = None
    error: str | None = None
    has_report: bool = False


class WorkflowStatusView(BaseModel):
    workflow: WorkflowSummary
    steps: list[StepView] = Field(default_factory=list)
    current_step: str | None = None  # the step running now (None when none is)
    progress: float = Field(0.0, ge=0, le=1)  # steps recorded over steps planned


class WorkflowList(BaseModel):
    workflows: list[WorkflowSummary]
    total: int


class WorkflowLogLine(BaseModel):
    workflow_id: str
    seq: int
    at: datetime
    step: str | None = None
    level: str = "info"
    message: str


class WorkflowLogs(BaseModel):
    workflow_id: str
    lines: list[WorkflowLogLine]


class ReportView(BaseModel):
    report_id: str
    title: str
    markdown: str
    citations: list[Citation]
    sub_questions: list[str]
    created_at: datetime


class WorkflowResultView(BaseModel):
    """GET .../{id}/result: the report once stored (None before), as JSON; `?format=markdown`
    answers the Markdown itself (text/markdown)."""

    workflow: WorkflowSummary
    report: ReportView | None = None
