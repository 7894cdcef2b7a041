"""Discovery: which MCP servers this platform knows of, merged from three sources.

- config: servers in configs/mcp_servers.yaml and those added at run time;
- catalogue: installable server.json entries in configs/ (category and priority come from here);
- installed: console scripts named `mcp-server-*` in the platform's bin dirs.

One server found in several places is one row; `sources` lists where it was found.
Results are cached; `refresh` rescans.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actors.mcp.catalogue import CatalogueEntry
from actors.mcp.config import ServerConfig

SCRIPT_PREFIX = "mcp-server-"


@dataclass
class DiscoveredServer:
    name: str
    title: str
    description: str
    source: str  # the first of: config, catalogue, installed
    category: str = "other"
    priority: int = 0
    installed: bool = False
    configured: bool = False
    server_id: str | None = None
    command: str | None = None
    package: str | None = None
    registry_type: str | None = None
    sources: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "source": self.source,
            "sources": self.sources,
            "category": self.category,
            "priority": self.priority,
            "installed": self.installed,
            "configured": self.configured,
            "server_id": self.server_id,
            "command": self.command,
            "package": self.package,
            "registry_type": self.registry_type,
        }


def scan_scripts(dirs: Iterable[Path], prefix: str = SCRIPT_PREFIX) -> dict[str, Path]:
    """Executable files named `<prefix>*` in `dirs` (first dir wins), by name."""
    found: dict[str, Path] = {}
    for directory in dirs:
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        for name in names:
            path = directory / name
            if name.startswith(prefix) and name not in found and path.is_file() and os.access(path, os.X_OK):
                found[name] = path
    return found


def merge(
    configured: list[ServerConfig],
    catalogue: list[CatalogueEntry],
    scripts: dict[str, Path],
) -> list[DiscoveredServer]:
    """One row per server, highest priority first, then by name."""
    rows: dict[str, DiscoveredServer] = {}
    by_command: dict[str, str] = {}  # console command -> row key

    for entry in catalogue:
        package = entry.package
        row = DiscoveredServer(
            name=entry.name,
            title=entry.title or entry.server_id,
            description=entry.description,
            source="catalogue",
            category=entry.category,
            priority=entry.priority,
            server_id=entry.server_id,
            command=entry.command,
            package=package.identifier if package else None,
            registry_type=package.registryType if package else None,
            sources=["catalogue"],
        )
        rows[entry.name] = row
        if entry.command:
            by_command[entry.command] = entry.name

    for name, path in scripts.items():
        key = by_command.get(name)
        if key is not None:
            rows[key].installed = True
            rows[key].sources.append("installed")
            continue
        rows[name] = DiscoveredServer(
            name=name,
            title=name.removeprefix(SCRIPT_PREFIX),
            description=f"console script {path}",
            source="installed",
            installed=True,
            server_id=name.removeprefix(SCRIPT_PREFIX),
            command=name,
            sources=["installed"],
        )
        by_command[name] = name

    for config in configured:
        command = Path(config.command).name if config.command else None
        key = by_command.get(command) if command else None
        if key is None:
            # matched by id: a catalogue entry installed under its suggested id
            key = next((k for k, r in rows.items() if r.server_id == config.id and "catalogue" in r.sources), None)
        if key is not None:
            row = rows[key]
            row.configured = True
            row.server_id = config.id
            row.source = "config"
            row.sources.insert(0, "config")
            continue
        rows[f"config:{config.id}"] = DiscoveredServer(
            name=config.id,
            title=config.id,
            description=config.description or (config.url or config.command or ""),
            source="config",
            configured=True,
            installed=config.transport == "streamable-http" or (command in scripts if command else False),
            server_id=config.id,
            command=config.command,
            sources=["config"],
        )
    return sorted(rows.values(), key=lambda r: (-r.priority, r.name))


class Discovery:
    """Cached `merge` of the three sources; `servers(refresh=True)` rescans."""

    def __init__(
        self,
        configured: Callable[[], list[ServerConfig]],
        catalogue: Callable[[], list[CatalogueEntry]],
        script_dirs: Callable[[], list[Path]],
        ttl_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._configured = configured
        self._catalogue = catalogue
        self._script_dirs = script_dirs
        self.ttl_s = ttl_s
        self._clock = clock
        self._cached: list[DiscoveredServer] | None = None
        self._at = 0.0
        self.scans = 0

    def servers(self, refresh: bool = False) -> list[DiscoveredServer]:
        now = self._clock()
        if refresh or self._cached is None or now - self._at > self.ttl_s:
            self._cached = merge(self._configured(), self._catalogue(), scan_scripts(self._script_dirs()))
            self._at = now
            self.scans += 1
        return list(self._cached)

    @property
    def age_s(self) -> float | None:
        return None if self._cached is None else self._clock() - self._at
