"""REST schemas of /api/v1/mcp (no Ray, no I/O). Server entries are the MCP manager's dicts:
the models name what clients read and allow the rest."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ExecuteBody(BaseModel):
    arguments: dict[str, Any] = Field(default_factory=dict)
    timeout_s: float | None = Field(None, gt=0, le=3600)


class InstallBody(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="a catalogue entry's name (or its server id)")


class AddServerBody(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    transport: str = "stdio"
    command: str | None = Field(None, max_length=1000)
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    url: str | None = Field(None, max_length=2000)
    description: str = ""
    call_timeout_s: float | None = Field(None, gt=0, le=3600)


class McpServer(_Open):
    """A server: id, status, restarts, tool_count, transport, command/url, error, history."""

    id: str
    status: str | None = None
    transport: str | None = None
    restarts: int | None = None
    tool_count: int | None = None
    enabled: bool | None = None
    command: str | list[str] | None = None
    args: list[str] | None = None
    url: str | None = None
    error: str | None = None
    last_ping_ms: float | None = None


class McpServerList(BaseModel):
    servers: list[McpServer]


class McpServerChange(_Open):
    """The outcome of a run-time change (add, install, remove, start, stop, restart)."""


class McpTool(_Open):
    name: str
    description: str | None = None
    inputSchema: dict[str, Any] | None = None


class McpToolList(BaseModel):
    tools: list[McpTool]


class McpServerHealth(_Open):
    id: str
    status: str
    ok: bool
    restarts: int
    last_ping_ms: float | None = None
    restart_history: list[dict[str, Any]] = Field(default_factory=list)
    error: str | None = None


class CallToolResult(_Open):
    """MCP's CallToolResult: content, structuredContent?, isError."""

    content: list[dict[str, Any]] = Field(default_factory=list)
    isError: bool | None = None


class DiscoveredServer(_Open):
    name: str
    title: str | None = None
    description: str | None = None
    source: str | None = None
    installed: bool | None = None
    configured: bool | None = None
    server_id: str | None = None


class Discovered(BaseModel):
    servers: list[DiscoveredServer]
    age_s: float
