"""MCP under supervision, on the whole platform: the reference servers mcp-server-time and
mcp-server-git over stdio, a streamable-HTTP MCPServer of the test's own, the REST API,
the bus, and PyGent's own MCP endpoint through the official SDK client."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.integration import authed
from tests.mcp_servers import HttpTestServer, start_http_server

pytestmark = pytest.mark.integration

API = "api/v1/mcp"


def _get(platform: str, path: str, **kw: Any) -> httpx.Response:
    return authed.get(f"{platform}{API}{path}", timeout=60, **kw)


def _post(platform: str, path: str, body: dict[str, Any] | None = None, timeout: float = 90) -> httpx.Response:
    return authed.post(f"{platform}{API}{path}", json=body or {}, timeout=timeout)


def _server(platform: str, server_id: str) -> dict[str, Any]:
    response = _get(platform, f"/servers/{server_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _wait(check: Callable[[], Any], timeout_s: float = 60.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"{what} not met within {timeout_s} s (last: {last!r})")


def _ready(platform: str, server_id: str, timeout_s: float = 60.0) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        entry = _server(platform, server_id)
        return entry if entry["status"] == "ready" else None

    return _wait(check, timeout_s, f"{server_id} ready")  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def http_server() -> Iterator[HttpTestServer]:
    server = start_http_server(free_port())
    yield server
    server.stop()


def test_configured_time_server_is_ready_with_its_tools(platform: str) -> None:
    entry = _ready(platform, "time")
    assert entry["transport"] == "stdio" and entry["command"] == "mcp-server-time"
    assert entry["tool_count"] >= 2 and isinstance(entry["pid"], int)
    listed = _get(platform, "/servers").json()["servers"]
    by_id = {s["id"]: s for s in listed}
    assert by_id["time"]["status"] == "ready"
    assert by_id["git"]["status"] == "stopped"  # configured, disabled by default
    for s in listed:
        assert {"id", "status", "restarts", "tool_count", "transport"} <= set(s)
    tools = _get(platform, "/servers/time/tools").json()["tools"]
    names = {t["name"] for t in tools}
    assert {"get_current_time", "convert_time"} <= names
    assert all({"name", "description", "inputSchema"} <= set(t) for t in tools)
    catalogue = {t["name"]: t for t in _get(platform, "/tools").json()["tools"]}
    assert catalogue["time/get_current_time"]["server"] == "time"
    assert catalogue["time/get_current_time"]["inputSchema"]["required"] == ["timezone"]


def test_time_tools_through_rest_and_the_bus(platform: str, client: Any) -> None:
    _ready(platform, "time")
    result = _post(platform, "/servers/time/tools/get_current_time/execute", {"arguments": {"timezone": "Asia/Tokyo"}})
    assert result.status_code == 200, result.text
    body = result.json()
    assert body["isError"] is False and body["structuredContent"]["timezone"] == "Asia/Tokyo"
    assert body["content"][0]["type"] == "text"

    listed = client.call("mcp/time", "tools/list")
    assert "get_current_time" in {t["name"] for t in listed["tools"]}
    answer = client.call_tool(
        "mcp/time", "convert_time", {"source_timezone": "UTC", "time": "12:00", "target_timezone": "Europe/Paris"}
    )
    assert answer["source"]["timezone"] == "UTC" and answer["target"]["timezone"] == "Europe/Paris"


def test_bad_tool_and_bad_arguments_are_clear_errors(platform: str, client: Any) -> None:
    _ready(platform, "time")
    response = client.request("mcp/time", "tools/call", {"name": "no_such_tool", "arguments": {}})
    assert response["error"]["code"] == -32006 and "no_such_tool" in response["error"]["message"]
    assert "get_current_time" in response["error"]["data"]["tools"]
    response = client.request("mcp/time", "tools/call", {"name": "get_current_time", "arguments": {}})
    assert response["error"]["code"] == -32602 and "timezone" in response["error"]["message"]
    response = client.request("mcp/time", "tools/call", {"name": "get_current_time", "arguments": {"timezone": 3}})
    assert response["error"]["code"] == -32602 and response["error"]["data"]["field"] == "arguments.timezone"

    r = _post(platform, "/servers/time/tools/no_such_tool/execute", {"arguments": {}})
    assert r.status_code == 404 and r.json()["field"] == "tool"
    r = _post(platform, "/servers/time/tools/get_current_time/execute", {"arguments": {"timezone": 3}})
    assert r.status_code == 422 and r.json()["field"] == "arguments.timezone"
    r = _post(platform, "/servers/time/tools/get_current_time/execute", {"arguments": {"timezone": "Not/AZone"}})
    assert r.status_code == 200 and r.json()["isError"] is True  # the server's own error, as MCP reports it
    assert _get(platform, "/servers/nope").status_code == 404
    assert _get(platform, "/servers/bad%20id").status_code == 422


def test_killed_server_process_is_restarted_and_the_next_call_works(platform: str, client: Any) -> None:
    before = _ready(platform, "time")
    call = {"name": "get_current_time", "arguments": {"timezone": "UTC"}}
    with client.subscribe(["mcp"], timeout_s=60) as events:
        os.kill(before["pid"], signal.SIGKILL)
        # a call racing the kill either runs or says clearly that the server is restarting
        response = client.request("mcp/time", "tools/call", call)
        if "error" in response:
            assert response["error"]["code"] in (-32003, -32004) and response["error"]["data"]["retryable"]

        # a call made while the server restarts waits for it, then runs
        _wait(
            lambda: (e := _server(platform, "time"))["restarts"] > before["restarts"] and e["status"] != "ready",
            30,
            "time restarting",
        )
        response = client.request("mcp/time", "tools/call", call)
        assert "error" not in response, response
        assert response["result"]["structuredContent"]["timezone"] == "UTC"

        after = _ready(platform, "time")
        assert after["restarts"] == before["restarts"] + 1 and after["pid"] != before["pid"]
        assert after["restart_history"][-1]["reason"] == "crash"
        seen: list[dict[str, Any]] = []
        for event in events:
            seen.append(event)
            data = event["data"]
            if event["type"] == "mcp_server_status" and data["id"] == "time" and data["status"] == "ready":
                break
    statuses = [e["data"]["status"] for e in seen if e["type"] == "mcp_server_status" and e["data"]["id"] == "time"]
    assert "restarting" in statuses and statuses[-1] == "ready"


def test_health_pings_the_server(platform: str, client: Any) -> None:
    _ready(platform, "time")
    with client.subscribe(["mcp"], timeout_s=30) as events:
        health = next(e for e in events if e["type"] == "mcp_server_health" and e["data"]["id"] == "time")
    assert health["data"]["ok"] is True and health["data"]["latency_ms"] > 0
    body = _get(platform, "/servers/time/health").json()
    assert body["ok"] is True and body["status"] == "ready" and body["last_ping_ms"] is not None


def test_a_command_that_fails_at_start_backs_off(platform: str) -> None:
    r = _post(platform, "/servers", {"id": "broken", "command": "false"})
    assert r.status_code == 201, r.text
    try:
        entry = _wait(lambda: (e := _server(platform, "broken"))["restarts"] >= 4 and e, 90, "four restarts of broken")
        history = entry["restart_history"]
        delays = [h["delay_s"] for h in history]
        times = [h["at"] for h in history]
        assert all(h["reason"] == "start_failed" for h in history)
        # exponential backoff: each delay longer than the last, and the restarts spaced at least that much
        assert all(later > earlier for earlier, later in itertools.pairwise(delays))
        # each restart waited its delay before the next attempt (which failed again)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert all(gap >= delay for gap, delay in zip(gaps, delays, strict=False))
        assert entry["status"] == "failed" and "could not start" in entry["error"]
        # the rest of the tree is untouched: its supervisor did not escalate
        assert _server(platform, "time")["status"] in ("ready", "degraded")
    finally:
        assert _post(platform, "/servers/broken/stop").status_code == 200
        assert authed.delete(f"{platform}{API}/servers/broken", timeout=90).status_code == 200
    assert _get(platform, "/servers/broken").status_code == 404


def test_http_server_slow_tool_times_out_and_is_cancelled(
    platform: str, client: Any, http_server: HttpTestServer
) -> None:
    r = _post(platform, "/servers", {"id": "web", "transport": "streamable-http", "url": http_server.url})
    assert r.status_code == 201, r.text
    assert _post(platform, "/servers", {"id": "web", "command": "x"}).status_code == 409
    try:
        entry = _ready(platform, "web")
        assert entry["transport"] == "streamable-http" and entry["url"] == http_server.url
        assert client.call_tool("mcp/web", "echo", {"text": "hello"}) == "hello"

        started = time.monotonic()
        response = client.request(
            "mcp/web",
            "tools/call",
            {"name": "slow", "arguments": {"seconds": 60, "tag": "bus"}, "_meta": {"pygent/timeout_s": 1.0}},
        )
        assert time.monotonic() - started < 10
        assert response["error"]["code"] == -32001 and response["error"]["data"]["cancelled"] is True
        _wait(lambda: "bus" in http_server.cancelled, 10, "the server saw the cancellation")

        r = _post(
            platform, "/servers/web/tools/slow/execute", {"arguments": {"seconds": 60, "tag": "rest"}, "timeout_s": 1}
        )
        assert r.status_code == 504 and "cancelled" in r.json()["message"]
        _wait(lambda: "rest" in http_server.cancelled, 10, "the server saw the REST cancellation")
        assert "bus" not in http_server.finished and "rest" not in http_server.finished
    finally:
        assert authed.delete(f"{platform}{API}/servers/web", timeout=90).status_code == 200


def test_git_server_runs_against_a_repository(platform: str, client: Any, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    (repo / "a.txt").write_text("hello\n")
    subprocess.run([*git, "add", "a.txt"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "first commit"], check=True)
    r = _post(platform, "/servers", {"id": "gitrepo", "command": "mcp-server-git", "args": ["--repository", str(repo)]})
    assert r.status_code == 201, r.text
    try:
        _ready(platform, "gitrepo")
        names = {t["name"] for t in client.call("mcp/gitrepo", "tools/list")["tools"]}
        assert {"git_status", "git_log"} <= names
        result = client.call("mcp/gitrepo", "tools/call", {"name": "git_log", "arguments": {"repo_path": str(repo)}})
        assert result["isError"] is False and "first commit" in result["content"][0]["text"]
    finally:
        assert authed.delete(f"{platform}{API}/servers/gitrepo", timeout=90).status_code == 200


def test_stop_and_start_a_server(platform: str, client: Any) -> None:
    _ready(platform, "time")
    stopped = _post(platform, "/servers/time/stop").json()
    assert stopped["status"] == "stopped"
    response = client.request("mcp/time", "tools/list")
    assert "error" in response
    started = _post(platform, "/servers/time/start").json()
    assert started["status"] in ("starting", "ready")
    _ready(platform, "time")
    assert client.call_tool("mcp/time", "get_current_time", {"timezone": "UTC"})["timezone"] == "UTC"
    restarted = _post(platform, "/servers/time/restart").json()
    assert restarted["id"] == "time"
    _ready(platform, "time")


def test_discovery_merges_config_catalogue_and_installed(platform: str) -> None:
    body = _get(platform, "/discovery").json()
    rows = {r["name"]: r for r in body["servers"]}
    time_row = rows["io.github.modelcontextprotocol/time"]
    assert time_row["installed"] and time_row["source"] == "config" and time_row["category"] == "utilities"
    assert rows["io.github.modelcontextprotocol/git"]["installed"]  # the console script is in the venv
    assert not rows["io.github.modelcontextprotocol/filesystem"]["installed"]
    for row in body["servers"]:
        assert {"name", "title", "description", "source", "category", "priority", "installed"} <= set(row)
    refreshed = _post(platform, "/discovery/refresh").json()
    assert refreshed["age_s"] < 1.0 and len(refreshed["servers"]) == len(body["servers"])


@pytest.mark.parametrize(
    "name", ["x; rm -rf /", "$(id)", "--index-url=https://evil.example/simple", "mcp-server-time; id", "requests"]
)
def test_install_rejects_injection(platform: str, name: str) -> None:
    before = {s["id"] for s in _get(platform, "/servers").json()["servers"]}
    r = _post(platform, "/servers/install", {"name": name})
    assert r.status_code == 404 and r.json()["field"] == "name"
    assert {s["id"] for s in _get(platform, "/servers").json()["servers"]} == before


def test_install_a_catalogue_server_already_present(platform: str) -> None:
    # mcp-server-git is in the venv, so pip has nothing to fetch; git is already configured
    r = _post(platform, "/servers/install", {"name": "io.github.modelcontextprotocol/git"}, timeout=600)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["package"] == "mcp-server-git" and body["registry_type"] == "pypi"
    assert body["server"]["id"] == "git"


def test_install_an_npm_server_from_the_registry(platform: str, client: Any) -> None:
    """A real install: npm fetches @modelcontextprotocol/server-filesystem, at the version the
    catalogue pins, from the npm registry; it registers, starts under its handle and answers."""
    name = "io.github.modelcontextprotocol/filesystem"
    try:
        with client.subscribe(["mcp"], timeout_s=600) as events:
            r = _post(platform, "/servers/install", {"name": name}, timeout=600)
            assert r.status_code == 200, r.text
            progress = []
            for event in events:  # npm's output went out as progress events, then "done"
                if event["type"] == "mcp_install" and event["data"]["name"] == name:
                    progress.append(event["data"])
                    if event["data"]["done"]:
                        break
        assert progress[-1]["done"] and any(not p["done"] and p["line"] for p in progress)
        body = r.json()
        assert body["registry_type"] == "npm" and body["package"] == "@modelcontextprotocol/server-filesystem"
        assert body["server"]["id"] == "filesystem"
        assert body["server"]["command"].endswith("node_modules/.bin/mcp-server-filesystem")
        entry = _ready(platform, "filesystem", timeout_s=120)
        assert entry["tool_count"] > 0
        tools = {t["name"] for t in _get(platform, "/servers/filesystem/tools").json()["tools"]}
        assert "list_allowed_directories" in tools
        answer = client.request("mcp/filesystem", "tools/call", {"name": "list_allowed_directories", "arguments": {}})
        assert "error" not in answer, answer
        assert "Allowed directories" in answer["result"]["content"][0]["text"]
    finally:
        authed.delete(f"{platform}{API}/servers/filesystem", timeout=60)


def test_sdk_client_uses_pygent_as_an_mcp_server(platform: str) -> None:
    async def scenario() -> dict[str, Any]:
        async with authed.mcp_client(platform + "mcp") as mcp_client:
            tools = {t.name for t in (await mcp_client.list_tools()).tools}
            tree = await mcp_client.call_tool("supervision_tree", {})
            search = await mcp_client.call_tool("search_knowledge", {"query": "supervision"})
            ask = await mcp_client.call_tool("ask_agent", {"agent_id": "nobody-here", "question": "hi"})
            via = await mcp_client.call_tool(
                "call_mcp_tool", {"server_id": "time", "tool": "get_current_time", "arguments": {"timezone": "UTC"}}
            )
            servers = await mcp_client.call_tool("list_mcp_servers", {})
            return {"tools": tools, "tree": tree, "search": search, "ask": ask, "via": via, "servers": servers}

    _ready(platform, "time")
    out = asyncio.run(scenario())
    assert {"supervision_tree", "search_knowledge", "ask_agent", "call_mcp_tool", "list_mcp_servers"} <= out["tools"]
    tree = out["tree"].structured_content
    assert tree["address"] == "supervisor/root"
    assert "supervisor/mcp-servers" in str(tree)
    assert out["ask"].is_error and "not available" in out["ask"].content[0].text
    search = out["search"]
    if search.is_error:  # the knowledge base (issue 5) is not in this build
        assert "not available" in search.content[0].text
    else:
        assert "results" in search.structured_content
    assert not out["via"].is_error and out["via"].structured_content["timezone"] == "UTC"
    assert any(s["id"] == "time" for s in out["servers"].structured_content["servers"])
