"""/api/v1/reasoning: start, stop, status, history, modes (defaults), results, and a session's tree.

`manager/reasoning` (protocols/addresses.py) answers all of it; each session runs in its own
actor `reasoning/<id>`. Its live events go out on the bus topic `reasoning` (the /ws
`start_reasoning` message subscribes its socket). Refusals name the field at fault.

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from protocols.reasoning import ReasoningMode, SessionStatus
from protocols.rest_reasoning import (
    ReasoningDefaults,
    ReasoningDefaultsUpdate,
    ReasoningHistory,
    ReasoningResultView,
    ReasoningStatusView,
    ReasoningTree,
    SessionSummary,
    StartReasoningBody,
    StopReasoningBody,
)
from serve_app.deps import CurrentPrincipal, Reasoning, SettingsDep, ask
from serve_app.ownership import check_access, owner_filter

router = APIRouter(tags=["reasoning"])
SessionId = Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
CALL_TIMEOUT_S = 60.0
SESSION = "reasoning_session"


async def _owned_session(settings: SettingsDep, principal: CurrentPrincipal, session_id: str = SessionId) -> None:
    """Another user's session is a 404 (serve_app/ownership.py)."""
    await check_access(settings, principal, SESSION, session_id, "path.session_id")


OwnedSession = Annotated[None, Depends(_owned_session)]


@router.post("/reasoning/start", status_code=202, response_model=SessionSummary)
async def start(
    settings: SettingsDep, principal: CurrentPrincipal, manager: Reasoning, body: StartReasoningBody
) -> dict[str, Any]:
    """Start a session (any mode; left-out parameters take the defaults of /reasoning/modes).
    It runs in the background: follow it on /ws or poll /reasoning/results/{id}. It belongs to
    the caller."""
    if body.index is not None:
        await check_access(settings, principal, "index", body.index, "body.index")
    answer: dict[str, Any] = await ask(
        manager,
        "start",
        body.model_dump(mode="json", exclude_none=True),
        None,
        principal.user_id,
        timeout_s=CALL_TIMEOUT_S,
    )
    return answer


@router.post("/reasoning/stop", response_model=SessionSummary)
async def stop(
    settings: SettingsDep, principal: CurrentPrincipal, manager: Reasoning, body: StopReasoningBody
) -> dict[str, Any]:
    """Stop a running session: it ends `stopped` with its partial tree. A finished session is
    answered as it is."""
    await check_access(settings, principal, SESSION, body.session_id, "body.session_id", write=True)
    answer: dict[str, Any] = await ask(manager, "stop", body.session_id, timeout_s=CALL_TIMEOUT_S)
    return answer


@router.get("/reasoning/status", response_model=ReasoningStatusView)
async def status(
    settings: SettingsDep,
    principal: CurrentPrincipal,
    manager: Reasoning,
    session_id: str | None = Query(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$"),
) -> dict[str, Any]:
    """The running sessions (or the one asked for), totals per status and the default mode:
    the caller's own (an admin's: all)."""
    if session_id is not None:
        await check_access(settings, principal, SESSION, session_id, "query.session_id")
    answer: dict[str, Any] = await ask(manager, "status", session_id, owner_filter(principal), timeout_s=CALL_TIMEOUT_S)
    return answer


@router.get("/reasoning/history", response_model=ReasoningHistory)
async def history(
    principal: CurrentPrincipal,
    manager: Reasoning,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    status: SessionStatus | None = None,
    mode: ReasoningMode | None = None,
) -> dict[str, Any]:
    """Sessions, newest first (filter by status or by mode, asked or resolved): the caller's own
    (an admin's: all)."""
    answer: dict[str, Any] = await ask(
        manager,
        "history",
        limit,
        offset,
        status.value if status else None,
        mode.value if mode else None,
        owner_filter(principal),
        timeout_s=CALL_TIMEOUT_S,
    )
    return answer


@router.get("/reasoning/modes", response_model=ReasoningDefaults)
async def modes(manager: Reasoning) -> dict[str, Any]:
    """The modes and the defaults a session gets when its request leaves them out."""
    answer: dict[str, Any] = await ask(manager, "defaults", timeout_s=CALL_TIMEOUT_S)
    return answer


@router.post("/reasoning/modes", response_model=ReasoningDefaults)
async def configure_modes(manager: Reasoning, body: ReasoningDefaultsUpdate) -> dict[str, Any]:
    """Change the defaults (default mode; ToT, RAG and s3 parameters). Stored: they outlive
    restarts. Running sessions keep what they started with."""
    answer: dict[str, Any] = await ask(
        manager, "set_defaults", body.model_dump(mode="json", exclude_none=True), timeout_s=CALL_TIMEOUT_S
    )
    return answer


@router.get("/reasoning/results/{session_id}", response_model=ReasoningResultView)
async def results(
    settings: SettingsDep,
    manager: Reasoning,
    _owned: OwnedSession,
    session_id: str = SessionId,
    wait_s: float = Query(0.0, ge=0, le=600, description="wait up to this long for a running session to finish"),
) -> dict[str, Any]:
    """The session and, once it finished, its whole result (answer, confidence, best path,
    nodes, passages, citations, metrics, routing)."""
    wait = min(wait_s, settings.reasoning.max_wait_s)
    answer: dict[str, Any] = await ask(manager, "result", session_id, wait, timeout_s=wait + CALL_TIMEOUT_S)
    return answer


@router.get("/reasoning/sessions/{session_id}/tree", response_model=ReasoningTree)
async def tree(manager: Reasoning, _owned: OwnedSession, session_id: str = SessionId) -> dict[str, Any]:
    """The thought tree so far: nodes (parent, depth, value, status), the winning path once
    known, and the passages any node retrieved."""
    answer: dict[str, Any] = await ask(manager, "tree", session_id, timeout_s=CALL_TIMEOUT_S)
    return answer
