"""REST schemas of the gateway: errors, health, system control."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field


class ErrorCode(StrEnum):
    """Stable error codes in HTTP error bodies; clients may switch on them."""

    VALIDATION_ERROR = "validation_error"
    BAD_REQUEST = "bad_request"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    UNKNOWN_ADDRESS = "unknown_address"
    INVALID_ADDRESS = "invalid_address"
    TIMEOUT = "timeout"
    UNAVAILABLE = "unavailable"
    INTERNAL_ERROR = "internal_error"


class ErrorBody(BaseModel):
    code: ErrorCode
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
