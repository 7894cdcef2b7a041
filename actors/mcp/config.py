"""MCP server configurations: a stdio command or a streamable-HTTP URL, from configs/mcp_servers.yaml
and from servers added at run time (kept in PostgreSQL: actors/mcp/added.py)."""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

# Server ids become the key of the bus address `mcp/<id>`, so they follow the address key rule.
SERVER_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ConfigError(ValueError):
    """A server configuration that cannot be used; `field` names the culprit."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ServerConfig(BaseModel):
    """One MCP server. Either `command` (stdio) or `url` (streamable HTTP)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    transport: Literal["stdio", "streamable-http"] = "stdio"
    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    enabled: bool = True
    description: str = ""
    # Per-server override of mcp.call_timeout_s.
    call_timeout_s: float | None = Field(None, gt=0, le=3600)
    # The catalogue entry it was installed from, if any.
    source: str | None = None

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not SERVER_ID_RE.match(value):
            raise ValueError("id must be letters, digits, '_', '.' or '-', start with a letter or digit, <= 64 chars")
        return value

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s]+$", value):
            raise ValueError("url must be an http:// or https:// URL")
        return value

    @model_validator(mode="after")
    def _transport_fields(self) -> ServerConfig:
        if self.transport == "stdio":
            if not self.command:
                raise ValueError("a stdio server needs a command")
            if self.url is not None:
                raise ValueError("a stdio server takes no url")
        else:
            if not self.url:
                raise ValueError("a streamable-http server needs a url")
            if self.command is not None:
                raise ValueError("a streamable-http server takes no command")
        return self

    @property
    def address(self) -> str:
        return f"mcp/{self.id}"


def parse_server(data: Any) -> ServerConfig:
    """Validate one server config; ConfigError names the first bad field."""
    try:
        return ServerConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{field}: {message}" if field else message, field) from None


def load_servers_file(path: Path) -> list[ServerConfig]:
    """`servers:` mapping id -> config (the id may be omitted inside). Missing file: none."""
    if not path.is_file():
        return []
    raw = yaml.safe_load(path.read_text()) or {}
    servers = raw.get("servers") or {}
    if not isinstance(servers, dict):
        raise ConfigError(f"{path}: 'servers' must be a mapping of id to server", "servers")
    configs = []
    for server_id, body in servers.items():
        configs.append(parse_server({"id": str(server_id), **(body or {})}))
    return configs


def bin_dirs() -> list[Path]:
    """Where console scripts of the platform's environment live: the interpreter's bin dir
    (a venv's scripts sit next to its python), then the dedicated MCP venv if any."""
    dirs = [Path(sys.executable).parent]
    scripts = Path(sys.prefix) / ("Scripts" if os.name == "nt" else "bin")
    if scripts not in dirs:
        dirs.append(scripts)
    return dirs


def resolve_command(command: str, extra_dirs: list[Path] | None = None) -> str:
    """A bare command name is looked up in the platform's bin dirs first, then PATH;
    a path is used as given. Unresolvable names are returned unchanged (the spawn fails
    and the handle reports it)."""
    if os.sep in command:
        return command
    for directory in [*(extra_dirs or []), *bin_dirs()]:
        candidate = directory / command
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(command)
    return found or command
