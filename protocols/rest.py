"""REST schemas of the gateway: errors, health, system control."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class HttpErrorCode(StrEnum):
    """Stable error codes in HTTP error bodies; clients may switch on them."""

    VALIDATION_ERROR = "validation_error"
    INVALID_TEXT = "invalid_text"  # a NUL or lone surrogate (protocols/text.py): 422
    BAD_REQUEST = "bad_request"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    UNKNOWN_ADDRESS = "unknown_address"
    INVALID_ADDRESS = "invalid_address"
    TIMEOUT = "timeout"
    UNAVAILABLE = "unavailable"
    DATABASE_UNAVAILABLE = "database_unavailable"  # the database did not answer: 503
    INTERNAL_ERROR = "internal_error"


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None  # the request field at fault, dotted (e.g. "body.timeout_s")
    details: list[dict[str, Any]] = Field(default_factory=list)


HealthStatus = Literal["ok", "degraded", "down"]


class ComponentHealth(BaseModel):
    status: HealthStatus
    state: str
    address: str
    restarts: int = 0
    uptime_s: float | None = None
    detail: str | None = None


class HealthReport(BaseModel):
    status: HealthStatus
    components: dict[str, ComponentHealth]
    checked_at: float


class NodeView(BaseModel):
    """One Ray node as an operator sees it (GET /api/v1/health/nodes, `pygent status`)."""

    node_id: str
    address: str
    alive: bool
    head: bool
    resources: dict[str, float]  # what the node offers (Ray's bookkeeping entries left out)
    actors: list[str]  # the alive named actors on this node, sorted


class DatabaseHealth(BaseModel):
    status: HealthStatus
    mode: Literal["embedded", "external"] | None = None
    server_version: str | None = None
    pgvector_version: str | None = None
    latency_ms: float | None = None
    pool: dict[str, Any] = Field(default_factory=dict)
    migrations: list[str] = Field(default_factory=list)
    detail: str | None = None


class KillRequest(BaseModel):
    address: str
    how: Literal["kill", "exit"] = "kill"  # ray.kill, or os._exit inside the actor


class KillResponse(BaseModel):
    address: str
    killed: bool
    how: str


class SubsystemHealth(BaseModel):
    """One part of the platform (agents, MCP, memory, RAG): its actors' supervision states
    and what its service answered when asked (`checks`), within a bounded time."""

    status: HealthStatus
    components: dict[str, ComponentHealth] = Field(default_factory=dict)
    checks: dict[str, Any] = Field(default_factory=dict)
    detail: str | None = None
    checked_at: float


class SystemEvents(BaseModel):
    events: list[dict[str, Any]]


class SystemMetrics(BaseModel):
    """The monitor's sample: the machine's CPU and memory and the Ray nodes'."""

    model_config = ConfigDict(extra="allow")


class BusRequestBody(BaseModel):
    to: str = Field(description="Target address, `type/key`")
    message: dict[str, Any] = Field(description="A JSON-RPC 2.0 request (MCP method names)")
    timeout_s: float | None = Field(None, gt=0, le=600)


class JsonRpcResponse(BaseModel):
    """A JSON-RPC 2.0 response: `result` or `error` ({code, message, data?})."""

    model_config = ConfigDict(extra="allow")

    jsonrpc: str = "2.0"
    id: int | str | None = None


class PublishBody(BaseModel):
    topic: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1, max_length=200)
    data: dict[str, Any] = Field(default_factory=dict)


class PublishResponse(BaseModel):
    seq: int | None = None


class UiConfig(BaseModel):
    base_path: str
    dashboard_url: str | None = None
    version: str
