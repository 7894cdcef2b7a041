"""State every node of a cluster needs lives in PostgreSQL, not in one node's state directory.

MCP servers added at run time: a restarted `supervisor/mcp-servers` (on whichever node) and
`manager/mcp` rebuild them from the table, and a JSON file of an earlier version in the state
directory is imported once, then renamed `.imported`. The JWT signing secret is the stored one."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
import ray

from protocols.addresses import AUTH, MCP_MANAGER, MCP_SERVERS_SUPERVISOR, MCP_SUPERVISOR, STORE
from tests.integration import authed

pytestmark = pytest.mark.integration

API = "api/v1/mcp"


def _entry(platform: str, server_id: str) -> dict[str, Any] | None:
    response = authed.get(f"{platform}{API}/servers/{server_id}", timeout=60)
    return response.json() if response.status_code == 200 else None


def _ready(platform: str, server_id: str, timeout_s: float = 90.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    entry = None
    while time.monotonic() < deadline:
        try:
            entry = _entry(platform, server_id)
        except Exception:  # the manager is restarting
            entry = None
        if entry is not None and entry["status"] == "ready":
            return entry
        time.sleep(0.3)
    raise AssertionError(f"{server_id} not ready within {timeout_s} s (last: {entry!r})")


def _restart(client: Any, child: str) -> None:
    ray.get(client.actor(MCP_SUPERVISOR).restart_child.remote(child), timeout=120)


def test_added_servers_come_back_after_a_restart_and_a_legacy_file_is_imported(
    platform: str, client: Any, settings: Any
) -> None:
    kept = {"id": "kept", "command": "mcp-server-time", "args": ["--local-timezone", "UTC"]}
    r = authed.post(f"{platform}{API}/servers", json=kept, timeout=90)
    assert r.status_code == 201, r.text
    legacy_file = Path(settings.state_path) / settings.mcp.added_servers_file
    legacy = {"id": "legacy", "command": "mcp-server-time", "description": "from an earlier version"}
    legacy_file.write_text(json.dumps({"servers": [legacy, {"id": "bad id!", "command": "x"}]}))
    try:
        _ready(platform, "kept")
        # The servers' supervisor restarts with only configs/ in its spec: the table gives it
        # `kept` back, and the legacy file `legacy`, which it imports and renames.
        _restart(client, MCP_SERVERS_SUPERVISOR)
        servers = client.actor(MCP_SERVERS_SUPERVISOR)
        assert ray.get(servers.has_child.remote("mcp/kept"), timeout=30)
        assert ray.get(servers.has_child.remote("mcp/legacy"), timeout=30)
        assert not legacy_file.exists()
        assert legacy_file.with_name(legacy_file.name + ".imported").is_file()
        # the manager rebuilds its list from the table too
        _restart(client, MCP_MANAGER)
        assert _ready(platform, "kept")["command"].endswith("mcp-server-time")
        assert _ready(platform, "legacy")["args"] == []
        listed = {s["id"] for s in authed.get(f"{platform}{API}/servers", timeout=60).json()["servers"]}
        assert {"time", "kept", "legacy"} <= listed and "bad id!" not in listed
        answer = client.call_tool("mcp/kept", "get_current_time", {"timezone": "UTC"})
        assert answer["timezone"] == "UTC"
        # a removed server stays removed across a restart
        assert authed.delete(f"{platform}{API}/servers/legacy", timeout=90).status_code == 200
        _restart(client, MCP_SERVERS_SUPERVISOR)
        servers = client.actor(MCP_SERVERS_SUPERVISOR)
        assert not ray.get(servers.has_child.remote("mcp/legacy"), timeout=30)
        assert ray.get(servers.has_child.remote("mcp/kept"), timeout=30)
        _ready(platform, "kept")
    finally:
        for server_id in ("kept", "legacy"):
            authed.delete(f"{platform}{API}/servers/{server_id}", timeout=90)


def test_the_signing_secret_is_the_one_stored_for_every_node(platform: str, client: Any) -> None:
    dsn = ray.get(client.actor(STORE).dsn.remote(), timeout=30)
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT value FROM platform_secrets WHERE name = 'jwt'").fetchall()
    assert len(rows) == 1 and len(rows[0][0]) >= 32
    assert ray.get(client.actor(AUTH).signing_key.remote(), timeout=30) == rows[0][0].encode()
