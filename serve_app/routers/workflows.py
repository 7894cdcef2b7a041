"""/api/v1/workflows: durable workflows (the research analysis): start, status, result (JSON or
Markdown), stop, list, logs, retry.

`workflows/main` (protocols/addresses.py) answers all of it; DBOS Transact runs the workflows
on the platform's PostgreSQL, so they survive a restart of that actor or of the platform. Live
progress and log lines go out on the bus topic `workflows` (subscribe over /ws). Refusals name
the field at fault; an unknown id is a 404.

A workflow belongs to the user who started it: another user gets 404 for it, as for one that
does not exist, and `GET /workflows` lists only one's own; admins see all (serve_app/access.py:
viewers may read, not start, stop or retry).

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

from typing import Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import PlainTextResponse

from protocols.rest_workflows import (
    StartResearchBody,
    WorkflowError,
    WorkflowList,
    WorkflowLogs,
    WorkflowResultView,
    WorkflowStatusView,
    WorkflowSummary,
)
from serve_app.deps import CurrentPrincipal, SettingsDep, Workflows, ask
from serve_app.ownership import owner_filter

router = APIRouter(tags=["workflows"])
WorkflowId = Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
CALL_TIMEOUT_S = 60.0


@router.post("/workflows/research-analysis", status_code=202, response_model=WorkflowSummary)
async def start_research(runtime: Workflows, body: StartResearchBody, principal: CurrentPrincipal) -> dict[str, Any]:
    """Start a research analysis: plan sub-questions, gather and read passages, answer each with
    the reasoning pipeline, and write a Markdown report citing its sources. It runs in the
    background; `workflow_id` (optional) is its idempotency key."""
    answer: dict[str, Any] = await ask(
        runtime, "start", body.model_dump(mode="json", exclude_none=True), principal.user_id, timeout_s=CALL_TIMEOUT_S
    )
    return answer


@router.get("/workflows/research-analysis/{workflow_id}/status", response_model=WorkflowStatusView)
async def research_status(
    runtime: Workflows, principal: CurrentPrincipal, workflow_id: str = WorkflowId
) -> dict[str, Any]:
    """Where a workflow stands: its status, the steps recorded so far, the step running now."""
    answer: dict[str, Any] = await ask(
        runtime, "status", workflow_id, owner_filter(principal), timeout_s=CALL_TIMEOUT_S
    )
    return answer


@router.get(
    "/workflows/research-analysis/{workflow_id}/result",
    response_model=WorkflowResultView,
    responses={200: {"content": {"text/markdown": {}}}},
)
async def research_result(
    settings: SettingsDep,
    runtime: Workflows,
    principal: CurrentPrincipal,
    workflow_id: str = WorkflowId,
    format: Literal["json", "markdown"] = Query("json", description="json: the view; markdown: the report itself"),
    wait_s: float = Query(0.0, ge=0, le=600, description="wait up to this long for a running workflow to finish"),
) -> Any:
    """The workflow and, once stored, its report (Markdown and citations). `format=markdown`
    answers the report's Markdown as a download (404 until it is stored)."""
    wait = min(wait_s, settings.workflows.max_wait_s)
    answer: dict[str, Any] = await ask(
        runtime, "result", workflow_id, wait, owner_filter(principal), timeout_s=wait + CALL_TIMEOUT_S
    )
    if format == "markdown":
        report = answer.get("report")
        if report is None:
            status = answer["workflow"]["status"]
            message = f"workflow '{workflow_id}' has no report yet ({status})"
            raise WorkflowError("not_found", message, "workflow_id", 404)
        headers = {"Content-Disposition": f'attachment; filename="research-{workflow_id}.md"'}
        return PlainTextResponse(report["markdown"], media_type="text/markdown", headers=headers)
    return answer


@router.post("/workflows/stop/{workflow_id}", response_model=WorkflowSummary)
async def stop(runtime: Workflows, principal: CurrentPrincipal, workflow_id: str = WorkflowId) -> dict[str, Any]:
    """Stop a workflow: the step running now finishes, no other starts, and it ends
    `cancelled`. A finished workflow is answered as it is."""
    answer: dict[str, Any] = await ask(runtime, "stop", workflow_id, owner_filter(principal), timeout_s=CALL_TIMEOUT_S)
    return answer


@router.post("/workflows/retry/{workflow_id}", status_code=202, response_model=WorkflowSummary)
async def retry(runtime: Workflows, principal: CurrentPrincipal, workflow_id: str = WorkflowId) -> dict[str, Any]:
    """Run a failed workflow again from its failed step (earlier steps keep their recorded
    outputs), or a cancelled one from where it stopped. 409 for any other state."""
    answer: dict[str, Any] = await ask(runtime, "retry", workflow_id, owner_filter(principal), timeout_s=CALL_TIMEOUT_S)
    return answer


@router.get("/workflows", response_model=WorkflowList)
async def list_workflows(
    runtime: Workflows,
    principal: CurrentPrincipal,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=1_000_000_000),
) -> dict[str, Any]:
    """Workflows, newest first, with their status: one's own (an admin: everyone's)."""
    answer: dict[str, Any] = await ask(
        runtime, "list_workflows", limit, offset, owner_filter(principal), timeout_s=CALL_TIMEOUT_S
    )
    return answer


@router.get("/workflows/{workflow_id}/logs", response_model=WorkflowLogs)
async def logs(
    runtime: Workflows,
    principal: CurrentPrincipal,
    workflow_id: str = WorkflowId,
    after: int = Query(0, ge=0, le=2**62, description="only lines after this sequence number"),
    limit: int = Query(1000, ge=1, le=10_000),
) -> dict[str, Any]:
    """A workflow's log lines in order (each step's what and when; resumes and retries)."""
    answer: dict[str, Any] = await ask(
        runtime, "logs", workflow_id, after, limit, owner_filter(principal), timeout_s=CALL_TIMEOUT_S
    )
    return answer
