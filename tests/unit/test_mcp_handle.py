"""MCPServerHandle without Ray, against real MCP servers: mcp-server-time over stdio and a
streamable-HTTP MCPServer of the test's own. (Under supervision: tests/integration/test_mcp.py.)"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Iterator

import pytest

from actors.mcp.handle_actor import MCPServerHandle
from configs.settings import get_settings
from protocols.jsonrpc import ErrorCode, RpcError, make_request
from tests.conftest import free_port
from tests.mcp_servers import HttpTestServer, start_http_server


@pytest.fixture(autouse=True)
def fast_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PYGENT_MCP_PING_INTERVAL_S", "0.3")
    monkeypatch.setenv("PYGENT_MCP_PROCESS_CHECK_INTERVAL_S", "0.1")
    monkeypatch.setenv("PYGENT_MCP_READY_WAIT_S", "60")  # a loaded 2-core machine starts servers slowly
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def http_server() -> Iterator[HttpTestServer]:
    server = start_http_server(free_port())
    yield server
    server.stop()


async def _started(config: dict[str, object]) -> MCPServerHandle:
    handle = MCPServerHandle(f"mcp/{config['id']}", config)
    await handle.supervision_ready()
    await handle._wait_ready()
    return handle


async def _exit(handle: MCPServerHandle, timeout_s: float = 10.0) -> dict[str, object]:
    return await asyncio.wait_for(handle.supervision_wait_exit(), timeout_s)


def test_stdio_time_server_lists_and_calls_tools() -> None:
    async def scenario() -> None:
        handle = await _started({"id": "time", "command": "mcp-server-time", "args": ["--local-timezone", "UTC"]})
        status = await handle.status()
        assert status["status"] == "ready" and status["tool_count"] >= 2 and isinstance(status["pid"], int)
        tools = {t["name"]: t for t in await handle.list_tools()}
        assert "get_current_time" in tools and "inputSchema" in tools["get_current_time"]

        result = await handle.call_tool("get_current_time", {"timezone": "Europe/Paris"})
        assert result["isError"] is False and result["structuredContent"]["timezone"] == "Europe/Paris"

        # the same through the bus endpoint (JSON-RPC in, JSON-RPC out)
        answer = await handle.handle_rpc(
            make_request("tools/call", {"name": "get_current_time", "arguments": {"timezone": "UTC"}}, 7)
        )
        assert answer is not None and answer["id"] == 7
        assert answer["result"]["structuredContent"]["timezone"] == "UTC"
        listed = await handle.handle_rpc(make_request("tools/list", {}, 8))
        assert listed is not None and {t["name"] for t in listed["result"]["tools"]} == set(tools)

        # clear errors: unknown tool, missing and mistyped arguments, a server-side error
        bad = await handle.handle_rpc(make_request("tools/call", {"name": "nope", "arguments": {}}, 9))
        assert bad is not None and bad["error"]["code"] == ErrorCode.TOOL_NOT_FOUND
        assert "get_current_time" in bad["error"]["data"]["tools"]
        with pytest.raises(RpcError) as err:
            await handle.call_tool("get_current_time", {})
        assert err.value.code == ErrorCode.INVALID_PARAMS and "timezone" in err.value.message
        with pytest.raises(RpcError) as err:
            await handle.call_tool("get_current_time", {"timezone": 5})
        assert err.value.code == ErrorCode.INVALID_PARAMS and err.value.data["field"] == "arguments.timezone"
        result = await handle.call_tool("get_current_time", {"timezone": "Nowhere/Special"})
        assert result["isError"] is True and "Nowhere/Special" in result["content"][0]["text"]

        await handle.supervision_stop()
        assert (await handle.status())["status"] == "stopped"
        assert handle.pid is not None
        await asyncio.sleep(0.5)
        with pytest.raises(ProcessLookupError):
            os.kill(handle.pid, 0)  # the server process is gone with its session

    asyncio.run(scenario())


def test_server_process_exit_fails_the_handle() -> None:
    async def scenario() -> None:
        handle = await _started({"id": "time", "command": "mcp-server-time"})
        assert handle.pid is not None
        os.kill(handle.pid, signal.SIGKILL)
        exit_info = await _exit(handle)
        assert exit_info["kind"] == "crash" and str(handle.pid) in str(exit_info["detail"])
        assert (await handle.status())["status"] == "failed"

    asyncio.run(scenario())


def test_a_command_that_fails_at_start_exits_as_start_failed() -> None:
    async def scenario() -> None:
        for command in ("mcp-server-does-not-exist", "false"):
            handle = MCPServerHandle("mcp/broken", {"id": "broken", "command": command})
            started = time.monotonic()
            await handle.supervision_ready()  # never blocks its supervisor
            assert time.monotonic() - started < 1.0
            exit_info = await _exit(handle)
            assert exit_info["kind"] == "start_failed" and "could not start" in str(exit_info["detail"])
            status = await handle.status()
            assert status["status"] == "failed" and status["error"].startswith("could not start")
            with pytest.raises(RpcError) as err:
                await handle.call_tool("anything", {})
            # answered at once with the reason: a failed incarnation is never ready, so the
            # call does not wait out mcp.ready_wait_s (60 s here) first
            assert err.value.code == ErrorCode.TARGET_UNAVAILABLE and "not ready within" not in err.value.message
            assert err.value.data["status"] == "failed" and "could not start" in err.value.message

    asyncio.run(scenario())


def test_http_server_slow_tool_times_out_and_is_cancelled(http_server: HttpTestServer) -> None:
    async def scenario() -> None:
        handle = await _started({"id": "web", "transport": "streamable-http", "url": http_server.url})
        assert (await handle.status())["pid"] is None
        assert (await handle.call_tool("echo", {"text": "hi"}))["content"][0]["text"] == "hi"
        started = time.monotonic()
        with pytest.raises(RpcError) as err:
            await handle.call_tool("slow", {"seconds": 30, "tag": "t1"}, timeout_s=0.5)
        assert time.monotonic() - started < 5
        assert err.value.code == ErrorCode.REQUEST_TIMEOUT and err.value.data["cancelled"] is True
        deadline = time.monotonic() + 5
        while "t1" not in http_server.cancelled and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert "t1" in http_server.cancelled and "t1" not in http_server.finished

        # a caller that goes away (the bus timing out) cancels the call on the server too
        task = asyncio.create_task(handle.call_tool("slow", {"seconds": 30, "tag": "t2"}))
        await asyncio.sleep(0.5)
        task.cancel()
        deadline = time.monotonic() + 5
        while "t2" not in http_server.cancelled and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert "t2" in http_server.cancelled

        # the session still works, and pings succeed
        assert (await handle.call_tool("slow", {"seconds": 0.01, "tag": "t3"}))["isError"] is False
        await asyncio.sleep(0.8)
        assert (await handle.status())["last_ping_ms"] is not None
        await handle.supervision_stop()

    asyncio.run(scenario())


def test_progress_notifications_reach_the_handle(http_server: HttpTestServer) -> None:
    async def scenario() -> None:
        handle = await _started({"id": "web2", "transport": "streamable-http", "url": http_server.url})
        seen: list[tuple[str, dict[str, object]]] = []
        handle._publish = lambda event_type, data: seen.append((event_type, data))  # type: ignore[method-assign]
        result = await handle.call_tool("count", {"steps": 3})
        assert result["structuredContent"] == {"result": 3}
        progress = [d for t, d in seen if t == "mcp_progress"]
        assert [p["progress"] for p in progress] == [1, 2, 3]
        assert progress[0]["tool"] == "count" and progress[0]["total"] == 3 and progress[0]["id"] == "web2"
        await handle.supervision_stop()

    asyncio.run(scenario())


def test_a_server_that_stops_answering_pings_fails_the_handle() -> None:
    server = start_http_server(free_port())

    async def scenario() -> None:
        handle = await _started({"id": "gone", "transport": "streamable-http", "url": server.url})
        await asyncio.sleep(0.5)
        assert (await handle.status())["last_ping_ms"] is not None
        await asyncio.to_thread(server.stop)  # the server goes away; its port stops answering
        exit_info = await _exit(handle, 20.0)
        assert exit_info["kind"] in ("hang", "crash")
        if exit_info["kind"] == "hang":
            assert "pings in a row failed" in str(exit_info["detail"])
            assert "degraded" in handle.machine.history
        assert (await handle.status())["status"] == "failed"

    try:
        asyncio.run(scenario())
    finally:
        server.stop()


def test_a_hung_server_goes_degraded_then_fails_as_hung(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYGENT_MCP_PING_TIMEOUT_S", "0.3")
    get_settings.cache_clear()

    async def scenario() -> None:
        handle = await _started({"id": "time", "command": "mcp-server-time"})
        assert handle.pid is not None
        os.kill(handle.pid, signal.SIGSTOP)  # alive, but answers nothing
        try:
            exit_info = await _exit(handle, 20.0)
        finally:
            with contextlib.suppress(ProcessLookupError):  # closing the session may have killed it
                os.kill(handle.pid, signal.SIGKILL)
        assert exit_info["kind"] == "hang" and "pings in a row failed" in str(exit_info["detail"])
        assert handle.machine.history == ["starting", "ready", "degraded", "failed"]

    asyncio.run(scenario())


def test_an_answer_outside_the_mcp_schema_is_described_with_where() -> None:
    """Seen for real: @modelcontextprotocol/server-filesystem 2025.8.21, installed today, lists
    tools whose inputSchema lacks "type"; the SDK's wire model (mcp_types, protocol
    2025-11-25) refuses the whole tools/list answer. The same shape, in a model of our own:"""
    from typing import Literal

    from pydantic import BaseModel, ValidationError

    from actors.mcp.handle_actor import _describe

    class InputSchema(BaseModel):
        type: Literal["object"]

    class Tool(BaseModel):
        name: str
        inputSchema: InputSchema

    class ListToolsResult(BaseModel):
        tools: list[Tool]

    with pytest.raises(ValidationError) as err:
        ListToolsResult.model_validate({"tools": [{"name": "read_file", "inputSchema": {"$schema": "x"}}]})
    text = _describe(err.value)
    assert "does not follow the MCP schema" in text and "ListToolsResult" in text
    assert "tools.0.inputSchema.type" in text


def test_a_call_that_arrives_before_on_start_waits_and_runs() -> None:
    """The bus finds a restarted handle by name as soon as Ray registers it, which can be
    before its supervisor calls supervision_ready (seen in a clean-clone CI run: the call
    timed out while the handle reported "ready")."""

    async def scenario() -> None:
        handle = MCPServerHandle("mcp/time", {"id": "time", "command": "mcp-server-time", "args": []})
        early = asyncio.create_task(handle.call_tool("get_current_time", {"timezone": "UTC"}))
        await asyncio.sleep(0.2)
        assert not early.done()
        await handle.supervision_ready()
        result = await asyncio.wait_for(early, 30)
        assert result["isError"] is False and result["structuredContent"]["timezone"] == "UTC"
        await handle.supervision_stop()

    asyncio.run(scenario())
