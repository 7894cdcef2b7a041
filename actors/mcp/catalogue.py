"""The installable catalogue: MCP Registry `server.json` entries kept in configs/.

Each entry is a server.json document (its `$schema` pinned). PyGent's own hints
(category, priority, the server id and console command to use) sit where the format
keeps publisher data: `_meta["io.modelcontextprotocol.registry/publisher-provided"]`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

SERVER_SCHEMA = "https://static.modelcontextprotocol.io/schemas/2025-10-17/server.schema.json"
PUBLISHER_META = "io.modelcontextprotocol.registry/publisher-provided"


class CatalogueError(ValueError):
    pass


class Transport(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: Literal["stdio", "streamable-http", "sse"]
    url: str | None = None


class Argument(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: Literal["positional", "named"] = "positional"
    name: str | None = None
    value: str | None = None
    valueHint: str | None = None


class Package(BaseModel):
    model_config = ConfigDict(extra="allow")
    registryType: Literal["pypi", "npm", "oci", "nuget", "mcpb"]
    identifier: str
    version: str | None = None
    transport: Transport
    packageArguments: list[Argument] = Field(default_factory=list)


class CatalogueEntry(BaseModel):
    """One server.json document."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    schema_: str = Field(alias="$schema")
    name: str
    title: str | None = None
    description: str = ""
    version: str
    packages: list[Package] = Field(default_factory=list)
    meta: dict[str, Any] = Field(default_factory=dict, alias="_meta")

    @property
    def hints(self) -> dict[str, Any]:
        value = self.meta.get(PUBLISHER_META, {})
        return value if isinstance(value, dict) else {}

    @property
    def category(self) -> str:
        return str(self.hints.get("category", "other"))

    @property
    def priority(self) -> int:
        return int(self.hints.get("priority", 0))

    @property
    def server_id(self) -> str:
        """The id it gets when installed: the hint, else the last part of its name."""
        return str(self.hints.get("server_id") or self.name.rsplit("/", 1)[-1])

    @property
    def command(self) -> str | None:
        """The console command the package installs (pip: a script; npm: a bin)."""
        hint = self.hints.get("command")
        if hint:
            return str(hint)
        package = self.package
        return package.identifier.rsplit("/", 1)[-1] if package else None

    @property
    def package(self) -> Package | None:
        """The first package PyGent knows how to install (pypi or npm, over stdio)."""
        for package in self.packages:
            if package.registryType in ("pypi", "npm") and package.transport.type == "stdio":
                return package
        return None


def load_catalogue(path: Path) -> list[CatalogueEntry]:
    """`{"servers": [server.json, ...]}`; every entry must pin the server.json schema."""
    if not path.is_file():
        return []
    try:
        raw = json.loads(path.read_text())
    except ValueError as exc:
        raise CatalogueError(f"{path}: not JSON: {exc}") from None
    entries: list[CatalogueEntry] = []
    for index, item in enumerate(raw.get("servers", [])):
        try:
            entry = CatalogueEntry.model_validate(item)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            raise CatalogueError(f"{path}: servers[{index}].{loc}: {first['msg']}") from None
        if entry.schema_ != SERVER_SCHEMA:
            raise CatalogueError(f"{path}: servers[{index}] must pin $schema {SERVER_SCHEMA}")
        entries.append(entry)
    return entries
