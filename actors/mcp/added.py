"""Servers added at run time, kept in PostgreSQL by the Store (table `mcp_servers`), so that
`supervisor/mcp-servers` finds them again after a restart on any node.

Earlier versions kept them in `<state_dir>/<mcp.added_servers_file>` (JSON). The first load
imports such a file (servers added through the API since are kept) and renames it
`<name>.imported`, so it is imported once and stays for reference.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from actors.mcp.config import ConfigError, ServerConfig, parse_server
from configs.settings import Settings
from protocols.addresses import STORE
from supervisors.refs import ActorRef

log = logging.getLogger(__name__)

IMPORTED_SUFFIX = ".imported"


def read_servers_file(path: Path) -> list[ServerConfig]:
    """The servers of a JSON file `{"servers": [config, ...]}`. Missing or unreadable file:
    none; one bad entry is skipped (it must not hide the others)."""
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    return valid_servers(raw.get("servers", []) if isinstance(raw, dict) else [], str(path))


def valid_servers(items: list[Any], source: str) -> list[ServerConfig]:
    """The entries that validate as server configs; each one that does not is skipped with a
    warning naming `source` (one bad entry, e.g. written by another version, must not hide the
    others)."""
    configs = []
    for item in items:
        try:
            configs.append(parse_server(item))
        except ConfigError as exc:
            log.warning("%s: skipping a server that does not validate: %r (%s)", source, item, exc)
    return configs


def imported_path(path: Path) -> Path:
    return path.with_name(path.name + IMPORTED_SUFFIX)


async def import_servers_file(path: Path, send: Callable[[list[dict[str, Any]]], Awaitable[int]]) -> int | None:
    """Hand the servers of the JSON file at `path` to `send` (the Store's import), then rename
    the file `<name>.imported`. None when there is no file; else how many `send` added.
    A failed `send` leaves the file in place, to be imported at the next start."""
    if not path.is_file():
        return None
    configs = read_servers_file(path)
    added = await send([c.model_dump(mode="json") for c in configs])
    with contextlib.suppress(FileNotFoundError):  # another starter renamed it first
        os.replace(path, imported_path(path))
    log.info("imported %d of %d MCP servers from %s into the database", added, len(configs), path)
    return added


class AddedServers:
    """The servers added at run time, through the Store."""

    def __init__(self, settings: Settings, namespace: str | None) -> None:
        self._store = ActorRef(STORE, namespace)
        self._file = settings.state_path / settings.mcp.added_servers_file
        # The Store may be (re)starting: wait for it as a child start would.
        self._wait_s = settings.supervision.start_timeout_s
        self._timeout_s = 2 * self._wait_s

    async def load(self) -> list[ServerConfig]:
        """Every added server (a legacy JSON file of this node imported first)."""
        await import_servers_file(self._file, self._import)
        raw: list[dict[str, Any]] = await self._call("mcp_servers", idempotent=True)
        return valid_servers(raw, "table mcp_servers")

    async def put(self, config: ServerConfig) -> None:
        await self._call("put_mcp_server", config.model_dump(mode="json"), idempotent=True)

    async def remove(self, server_id: str) -> bool:
        return bool(await self._call("delete_mcp_server", server_id, idempotent=True))

    async def _import(self, configs: list[dict[str, Any]]) -> int:
        return int(await self._call("import_mcp_servers", configs, idempotent=True))

    async def _call(self, method: str, *args: Any, idempotent: bool) -> Any:
        return await self._store.call(
            method, *args, timeout_s=self._timeout_s, wait_s=self._wait_s, idempotent=idempotent
        )
