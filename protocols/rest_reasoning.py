"""The REST, WebSocket and bus shapes of reasoning sessions (`/api/v1/reasoning/*`).

The engine's own shapes (modes, nodes, results) are in protocols/reasoning.py; these add what
a session is to its users: an id, who asked what, when, where it stands.

Events of a session go on the bus topic `reasoning.<session_id>` (`reasoning.*` is every
session's; browsers subscribe over /ws; `start_reasoning` on /ws subscribes its socket to its
own session before the session starts, so it sees every event):
- `reasoning_created`  {session_id, query, mode, task}
- `reasoning_routed`   {session_id, complexity, mode, task_kind, method, scores, features} (ADAPTIVE)
- `reasoning_update`   {session_id, event: created|evaluated|pruned|selected, node: ThoughtNode}
- `reasoning_complete` {session_id, status, answer, confidence, solved, resolved_mode, metrics, error}
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from protocols.errors import PlatformError
from protocols.reasoning import (
    ClassifierConfig,
    Passage,
    RagConfig,
    ReasoningMode,
    ReasoningResult,
    RouterCalibration,
    RoutingDecision,
    S3Config,
    SessionMetrics,
    SessionStatus,
    TaskKind,
    ThoughtNode,
    TreeOfThoughtsConfig,
)

TOPIC_REASONING = "reasoning"  # POST /reasoning/modes publishes `reasoning_defaults` here
TOPIC_REASONING_ALL = "reasoning.*"
SESSION_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


def session_topic(session_id: str) -> str:
    return f"reasoning.{session_id}"


class ReasoningError(PlatformError):
    """A reasoning request refused (a bad field, an unknown session, too many running)."""

    default_code = "validation_error"
    default_status = 422


def session_not_found(session_id: str) -> ReasoningError:
    return ReasoningError("not_found", f"reasoning session '{session_id}' does not exist", "session_id", 404)


class NodeEvent(StrEnum):
    CREATED = "created"
    EVALUATED = "evaluated"
    PRUNED = "pruned"
    SELECTED = "selected"


class StartReasoningBody(BaseModel):
    """POST /reasoning/start (and the /ws `start_reasoning` message, and the `reasoning` MCP tool)."""

    query: str = Field(min_length=1, max_length=20_000)
    mode: ReasoningMode | None = None  # None: the configured default (POST /reasoning/modes)
    task: TaskKind = TaskKind.OPEN
    tot: TreeOfThoughtsConfig | None = None  # None: the configured defaults
    rag: RagConfig | None = None
    s3: S3Config | None = None
    index: str | None = Field(None, min_length=1, max_length=200)  # knowledge index; None: the configured default
    model: str | None = Field(None, min_length=1, max_length=200)  # None: settings reasoning.model or the default model


class StopReasoningBody(BaseModel):
    session_id: str = Field(min_length=1, max_length=64)


class SessionSummary(BaseModel):
    """One session as lists show it."""

    session_id: str
    query: str
    mode: ReasoningMode  # as asked
    resolved_mode: ReasoningMode | None = None  # what ran (ADAPTIVE's choice), once known
    task: TaskKind
    status: SessionStatus
    model: str
    index: str
    answer: str | None = None
    confidence: float = 0.0
    solved: bool | None = None
    metrics: SessionMetrics = Field(default_factory=SessionMetrics)
    nodes: int = 0  # nodes stored so far
    restarts: int = 0  # times its actor was started again mid-session
    error: str | None = None
    created_at: datetime
    finished_at: datetime | None = None


class ReasoningStatusView(BaseModel):
    """GET /reasoning/status: the running sessions (or the one asked for) and the totals."""

    sessions: list[SessionSummary]
    running: int
    totals: dict[str, int] = Field(default_factory=dict)  # per status, all time
    default_mode: ReasoningMode


class ReasoningHistory(BaseModel):
    """GET /reasoning/history: newest first."""

    sessions: list[SessionSummary]
    total: int
    limit: int
    offset: int


class ReasoningResultView(BaseModel):
    """GET /reasoning/results/{session_id}: the session and its whole result (nodes included)."""

    session: SessionSummary
    result: ReasoningResult | None = None  # None while it runs


class ReasoningTree(BaseModel):
    """GET /reasoning/sessions/{id}/tree: the nodes so far, the winning path once known, and
    the passages any node retrieved (by id)."""

    session_id: str
    status: SessionStatus
    nodes: list[ThoughtNode]
    best_path: list[str] = Field(default_factory=list)
    passages: dict[str, Passage] = Field(default_factory=dict)
    routing: RoutingDecision | None = None


class ReasoningDefaults(BaseModel):
    """GET/POST /reasoning/modes: the defaults a session gets when its request leaves them out."""

    default_mode: ReasoningMode
    tot: TreeOfThoughtsConfig
    rag: RagConfig
    s3: S3Config
    modes: dict[str, str] = Field(default_factory=dict)  # mode -> what it does (read-only)
    classifier: ClassifierConfig | None = None  # configs/reasoning.yaml; its calibrations also by POST


class ReasoningDefaultsUpdate(BaseModel):
    """POST /reasoning/modes: only the fields given change (stored, so they outlive restarts)."""

    default_mode: ReasoningMode | None = None
    tot: TreeOfThoughtsConfig | None = None
    rag: RagConfig | None = None
    s3: S3Config | None = None
    # ADAPTIVE's per-model calibrations: model name -> its labelled queries (null removes it);
    # the models not named keep theirs
    calibrations: dict[Annotated[str, Field(min_length=1, max_length=200)], RouterCalibration | None] | None = None
