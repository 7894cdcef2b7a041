"""What the agent registry and the MCP manager compute from their supervisors' answers,
without Ray: an agent's state, which agents to start again, a server's entry and the
status event of a restart; and the servers' supervisor's initial children."""

from __future__ import annotations

from pathlib import Path

import pytest

from actors.agents.registry_actor import not_running, with_state
from actors.mcp.config import parse_server
from actors.mcp.entries import server_entry, status_event
from actors.mcp.specs import configured_servers, handle_spec, mcp_children, with_added_servers
from configs.settings import load_settings
from protocols.addresses import MCP_SERVERS_SUPERVISOR


def _child(state: str = "running", restarts: int = 0, consecutive: int = 0, last_exit: dict | None = None) -> dict:
    return {"state": state, "restarts": restarts, "consecutive_restarts": consecutive, "last_exit": last_exit}


# ---- the agent registry ------------------------------------------------------------


def test_an_agent_has_its_actors_state_or_stopped() -> None:
    row = {"id": "a1", "name": "n", "type": "research"}
    assert with_state(row, {"agent/a1": _child("restarting", 2)}) == {**row, "restarts": 2, "state": "restarting"}
    assert with_state(row, {}) == {**row, "restarts": 0, "state": "stopped"}


def test_the_registry_starts_again_only_the_agents_the_pool_lacks() -> None:
    rows = [{"id": "a1"}, {"id": "a2"}, {"id": "a3"}]
    assert not_running(rows, {"agent/a2": _child()}) == ["a1", "a3"]
    assert not_running(rows, {f"agent/{r['id']}": _child() for r in rows}) == []
    assert not_running([], {}) == []


# ---- the MCP manager ----------------------------------------------------------------


TIME = parse_server({"id": "time", "command": "uvx", "args": ["mcp-server-time"]})


def test_a_running_server_shows_its_handles_status() -> None:
    handle = {"status": "ready", "tool_count": 2, "pid": 42, "last_ping_ms": 1.5, "calls": 3, "error": None}
    entry = server_entry(TIME, _child("running", 1), [], handle, fail_after=3)
    assert entry["status"] == "ready" and entry["tool_count"] == 2 and entry["pid"] == 42
    assert entry["restarts"] == 1 and entry["command"] == "uvx" and entry["args"] == ["mcp-server-time"]
    assert "error" not in entry and entry["restart_history"] == []


def test_a_server_that_keeps_failing_to_start_shows_failed_with_the_reason() -> None:
    last = {"kind": "start_failed", "detail": "could not start: false exited"}
    history = [
        {"child": "mcp/time", "action": "restart", "at": float(n), "delay_s": 0.1234 * n, "reason": "start_failed"}
        for n in range(12)
    ] + [{"child": "mcp/other", "action": "restart", "at": 99.0, "delay_s": 0, "reason": "crash"}]
    entry = server_entry(TIME, _child("restarting", 12, consecutive=4, last_exit=last), history, None, fail_after=3)
    assert entry["status"] == "failed" and entry["error"] == last["detail"]
    assert len(entry["restart_history"]) == 10 and entry["restart_history"][-1]["at"] == 11.0
    assert entry["restart_history"][-1]["delay_s"] == round(0.1234 * 11, 3)
    assert entry["last_exit"] == last


def test_a_server_without_a_handle_is_stopped() -> None:
    assert server_entry(TIME, None, [], None, fail_after=3)["status"] == "stopped"
    http = parse_server({"id": "web", "transport": "streamable-http", "url": "http://x/mcp"})
    entry = server_entry(http, None, [], None, fail_after=3)
    assert entry["url"] == "http://x/mcp" and "command" not in entry


def test_a_restart_becomes_a_restarting_status_event() -> None:
    event = {"supervisor": MCP_SERVERS_SUPERVISOR, "child": "mcp/time", "action": "restart", "reason": "crash"}
    data = status_event({**event, "restarts": 3, "detail": "died"}, {"time"}, _child("running", 3, 1), 3)
    assert data == {"id": "time", "status": "restarting", "restarts": 3, "tool_count": 0, "error": "died"}
    # a start that failed fail_after times in a row shows as failed while it waits
    failing = {**event, "reason": "start_failed", "restarts": 5}
    assert status_event(failing, {"time"}, _child("restarting", 5, 3), 3)["status"] == "failed"  # type: ignore[index]
    assert status_event({**event, "action": "stop"}, {"time"}, _child("stopped"), 3)["status"] == "stopped"  # type: ignore[index]


def test_events_about_unknown_or_removed_servers_are_not_relayed() -> None:
    event = {"child": "mcp/time", "action": "restart", "reason": "crash"}
    assert status_event(event, {"git"}, _child(), 3) is None
    assert status_event(event, {"time"}, None, 3) is None  # removed
    assert status_event({**event, "action": "remove"}, {"time"}, _child(), 3) is None


def test_the_servers_supervisor_starts_the_servers_added_at_run_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYGENT_STATE_DIR", str(tmp_path))
    settings = load_settings()
    (servers,) = mcp_children(settings)
    specs = list(servers.children)
    assert with_added_servers(specs, [], settings) == specs  # nothing added
    extra = parse_server({"id": "extra", "command": "uvx", "args": ["x"]})
    composed = with_added_servers(specs, [extra], settings)
    assert [s.id for s in composed] == [*(s.id for s in specs), "mcp/extra"]
    assert composed[-1] == handle_spec(extra, settings)
    # one already in the spec is not doubled
    assert with_added_servers(composed, [extra], settings) == composed
    # an added server replaces a configured one with its id; a disabled one drops it
    (first, *_) = specs
    server_id = first.id.partition("/")[2]
    replacement = parse_server({"id": server_id, "command": "other"})
    replaced = with_added_servers(specs, [replacement], settings)
    assert [s.id for s in replaced] == [s.id for s in specs]
    assert replaced[0] == handle_spec(replacement, settings)
    disabled = parse_server({"id": server_id, "command": "other", "enabled": False})
    assert [s.id for s in with_added_servers(specs, [disabled], settings)] == [s.id for s in specs[1:]]
    assert configured_servers(settings, [replacement])[0].command == "other"
