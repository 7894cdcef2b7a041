"""SupervisedActor without Ray: its MCP endpoint (handle_rpc) and the supervision protocol."""

from __future__ import annotations

import asyncio
import inspect
import os
import sys
import types
from collections.abc import Iterator
from typing import Any

# The MCP server package is imported lazily on the first tools/* call (~0.6 s);
# importing it here moves that cost to collection so each test stays fast.
import mcp.server.mcpserver.tools.base  # noqa: F401
import pytest

from actors.base import SupervisedActor, tool
from protocols.jsonrpc import ErrorCode, RpcError, make_request

ADDRESS = "agent/calc"


class Calculator(SupervisedActor):
    """A small actor with sync and async tools, typed params and defaults."""

    def __init__(self, address: str = ADDRESS) -> None:
        super().__init__(address)
        self.starts = 0
        self.stops = 0
        self.fail_on_stop = False
        self._rpc_methods["custom/explode"] = self._rpc_explode
        self._rpc_methods["custom/refuse"] = self._rpc_refuse

    async def on_start(self) -> None:
        await asyncio.sleep(0)  # let concurrent callers pile up on the lock
        await asyncio.sleep(0)
        self.starts += 1

    async def on_stop(self) -> None:
        self.stops += 1
        if self.fail_on_stop:
            raise RuntimeError("on_stop failed")

    @tool(description="Add two integers.")
    def add(self, a: int, b: int = 2) -> int:
        return a + b

    @tool(name="greet", description="Greet someone.")
    async def say_hello(self, name: str, punctuation: str = "!") -> str:
        await asyncio.sleep(0)
        return f"hello {name}{punctuation}"

    @tool()
    async def scale(self, values: list[float], factor: float = 1.0) -> dict[str, list[float]]:
        """Multiply every value by factor."""
        return {"values": [v * factor for v in values]}

    @tool(description="Always fails.")
    async def explode(self) -> None:
        raise ValueError("kaboom")

    async def not_a_tool(self, x: int) -> int:
        return x

    async def _rpc_explode(self, params: dict[str, Any]) -> Any:
        raise KeyError("missing")

    async def _rpc_refuse(self, params: dict[str, Any]) -> Any:
        raise RpcError(ErrorCode.INVALID_PARAMS, "refused", {"why": "test"})


@pytest.fixture(autouse=True)
def no_ray(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make `import ray` fail: outside a Ray worker, ray.get_runtime_context() would
    start a whole local Ray cluster (see test_whereabouts_do_not_start_ray)."""
    monkeypatch.setitem(sys.modules, "ray", None)
    yield


def rpc(actor: SupervisedActor, message: Any) -> Any:
    return asyncio.run(actor.handle_rpc(message))


def call(actor: SupervisedActor, name: str, arguments: Any = None, request_id: int | str = 1) -> Any:
    params: dict[str, Any] = {"name": name}
    if arguments is not None:
        params["arguments"] = arguments
    return rpc(actor, make_request("tools/call", params, request_id))


def tools_by_name(actor: SupervisedActor) -> dict[str, dict[str, Any]]:
    response = rpc(actor, make_request("tools/list", request_id=1))
    return {t["name"]: t for t in response["result"]["tools"]}


# ---- tools/list ----------------------------------------------------------------------


def test_tools_list_names_each_tool_once() -> None:
    tools = tools_by_name(Calculator())
    assert set(tools) == {"add", "greet", "scale", "explode"}
    assert "not_a_tool" not in tools
    assert "say_hello" not in tools  # listed under its given name


def test_tools_list_descriptions() -> None:
    tools = tools_by_name(Calculator())
    assert tools["add"]["description"] == "Add two integers."
    assert tools["greet"]["description"] == "Greet someone."
    assert tools["scale"]["description"] == "Multiply every value by factor."  # from the docstring


def test_input_schema_lists_only_the_methods_own_parameters() -> None:
    tools = tools_by_name(Calculator())
    add = tools["add"]["inputSchema"]
    assert add["type"] == "object"
    assert set(add["properties"]) == {"a", "b"}
    assert add["properties"]["a"]["type"] == "integer"
    assert add["properties"]["b"]["default"] == 2
    assert add["required"] == ["a"]
    greet = tools["greet"]["inputSchema"]
    assert set(greet["properties"]) == {"name", "punctuation"}
    assert greet["required"] == ["name"]
    scale = tools["scale"]["inputSchema"]
    assert scale["properties"]["values"]["type"] == "array"
    assert scale["required"] == ["values"]
    assert tools["explode"]["inputSchema"]["properties"] == {}
    assert not tools["explode"]["inputSchema"].get("required")
    for t in tools.values():
        assert "self" not in t["inputSchema"]["properties"]


def test_input_schema_ignores_a_signature_added_by_ray_tracing() -> None:
    # ray.remote's tracing hook sets __signature__ with an extra `_ray_trace_ctx`
    # parameter on every method; the schema must come from the function itself.
    class Traced(SupervisedActor):
        @tool(description="Echo.")
        def echo(self, text: str) -> str:
            return text

    original = inspect.signature(Traced.echo)
    Traced.echo.__signature__ = original.replace(  # type: ignore[attr-defined]
        parameters=[
            *original.parameters.values(),
            inspect.Parameter("_ray_trace_ctx", inspect.Parameter.KEYWORD_ONLY, default=None),
        ]
    )
    tools = tools_by_name(Traced("agent/traced"))
    assert set(tools["echo"]["inputSchema"]["properties"]) == {"text"}
    assert call(Traced("agent/traced"), "echo", {"text": "hi"})["result"]["structuredContent"] == {"result": "hi"}


def test_tools_are_bound_to_their_own_instance() -> None:
    class Named(SupervisedActor):
        @tool(description="Who am I?")
        def whoami(self) -> str:
            return self.address

    one, two = Named("agent/one"), Named("agent/two")
    assert call(one, "whoami")["result"]["structuredContent"] == {"result": "agent/one"}
    assert call(two, "whoami")["result"]["structuredContent"] == {"result": "agent/two"}


# ---- tools/call ----------------------------------------------------------------------


def test_tools_call_sync_tool_returns_a_call_tool_result() -> None:
    response = call(Calculator(), "add", {"a": 40}, request_id=9)
    assert response["jsonrpc"] == "2.0"
    assert response["id"] == 9
    result = response["result"]
    assert result["isError"] is False
    assert result["structuredContent"] == {"result": 42}
    assert result["content"] == [{"type": "text", "text": "42"}]


def test_tools_call_async_tool_with_a_default_overridden() -> None:
    result = call(Calculator(), "greet", {"name": "Ada", "punctuation": "?"})["result"]
    assert result["isError"] is False
    assert result["structuredContent"] == {"result": "hello Ada?"}
    assert result["content"][0]["text"] == "hello Ada?"


def test_tools_call_coerces_json_arguments_to_the_annotations() -> None:
    result = call(Calculator(), "add", {"a": "1", "b": "5"})["result"]
    assert result["structuredContent"] == {"result": 6}


def test_tools_call_structured_dict_result() -> None:
    result = call(Calculator(), "scale", {"values": [1, 2.5], "factor": 2})["result"]
    assert result["isError"] is False
    assert result["structuredContent"] == {"values": [2.0, 5.0]}


def test_tools_call_without_arguments_uses_defaults() -> None:
    class Defaults(SupervisedActor):
        @tool(description="d")
        def hello(self, who: str = "world") -> str:
            return f"hello {who}"

    result = call(Defaults("agent/d"), "hello")["result"]
    assert result["structuredContent"] == {"result": "hello world"}


def test_tools_call_unknown_tool_is_tool_not_found() -> None:
    response = call(Calculator(), "subtract", {"a": 1}, request_id="r1")
    assert response["id"] == "r1"
    error = response["error"]
    assert error["code"] == ErrorCode.TOOL_NOT_FOUND
    assert "subtract" in error["message"]
    assert error["data"]["tool"] == "subtract"
    assert error["data"]["address"] == ADDRESS
    assert error["data"]["tools"] == ["add", "explode", "greet", "scale"]


def test_tools_call_not_a_tool_method_is_not_callable() -> None:
    assert call(Calculator(), "not_a_tool", {"x": 1})["error"]["code"] == ErrorCode.TOOL_NOT_FOUND


@pytest.mark.parametrize(
    ("arguments", "needle"),
    [
        ({}, "a"),  # missing required
        ({"a": "not a number"}, "a"),
        ({"a": 1, "b": [1]}, "b"),
    ],
)
def test_tools_call_bad_arguments_are_invalid_params(arguments: dict[str, Any], needle: str) -> None:
    error = call(Calculator(), "add", arguments)["error"]
    assert error["code"] == ErrorCode.INVALID_PARAMS
    assert "'add'" in error["message"]
    assert needle in error["message"]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"name": 5},
        {"name": "add", "arguments": [1, 2]},
        {"name": "add", "arguments": "a=1"},
    ],
)
def test_tools_call_malformed_params_are_invalid_params(params: dict[str, Any]) -> None:
    error = rpc(Calculator(), make_request("tools/call", params, 3))["error"]
    assert error["code"] == ErrorCode.INVALID_PARAMS


def test_tools_call_without_params_is_invalid_params() -> None:
    error = rpc(Calculator(), make_request("tools/call", None, 3))["error"]
    assert error["code"] == ErrorCode.INVALID_PARAMS
    assert "name" in error["message"]


# ---- other methods and errors -------------------------------------------------------------


def test_ping_answers_an_empty_result() -> None:
    assert rpc(Calculator(), make_request("ping", request_id=4)) == {"jsonrpc": "2.0", "id": 4, "result": {}}


def test_unknown_method_is_method_not_found() -> None:
    response = rpc(Calculator(), make_request("resources/read", {"uri": "x"}, 5))
    assert response["id"] == 5
    error = response["error"]
    assert error["code"] == ErrorCode.METHOD_NOT_FOUND
    assert "resources/read" in error["message"]
    assert error["data"] == {"address": ADDRESS, "method": "resources/read"}


@pytest.mark.parametrize(
    "message",
    [
        {"jsonrpc": "2.0", "method": "ping"},
        {"jsonrpc": "2.0", "method": "tools/call", "params": {"name": "add", "arguments": {"a": 1}}},
        {"jsonrpc": "2.0", "method": "tools/call", "params": {"name": "nope"}},  # error, unanswered
        {"jsonrpc": "2.0", "method": "tools/call", "params": {"name": "explode"}},
        {"jsonrpc": "2.0", "method": "custom/explode"},
        {"jsonrpc": "2.0", "method": "no/such/method"},
    ],
)
def test_a_notification_gets_no_answer(message: dict[str, Any]) -> None:
    assert rpc(Calculator(), message) is None


def test_a_notification_still_runs_its_handler() -> None:
    class Recorder(SupervisedActor):
        seen: list[int]

        @tool(description="record")
        def record(self, n: int) -> int:
            self.seen.append(n)
            return n

    actor = Recorder("agent/rec")
    actor.seen = []
    message = {"jsonrpc": "2.0", "method": "tools/call", "params": {"name": "record", "arguments": {"n": 3}}}
    assert rpc(actor, message) is None
    assert actor.seen == [3]


def test_a_failing_tool_is_an_internal_error_and_the_actor_keeps_answering() -> None:
    actor = Calculator()

    async def scenario() -> list[Any]:
        return [
            await actor.handle_rpc(make_request("tools/call", {"name": "explode"}, 1)),
            await actor.handle_rpc(make_request("tools/call", {"name": "add", "arguments": {"a": 1}}, 2)),
            await actor.handle_rpc(make_request("ping", request_id=3)),
        ]

    failed, after, ping = asyncio.run(scenario())
    assert failed["id"] == 1
    assert failed["error"]["code"] == ErrorCode.INTERNAL_ERROR
    assert "ValueError" in failed["error"]["message"]
    assert "kaboom" in failed["error"]["message"]
    assert ADDRESS in failed["error"]["message"]
    assert after["result"]["structuredContent"] == {"result": 3}
    assert ping["result"] == {}


def test_a_failing_rpc_handler_is_an_internal_error() -> None:
    actor = Calculator()
    response = rpc(actor, make_request("custom/explode", request_id=8))
    assert response["id"] == 8
    assert response["error"]["code"] == ErrorCode.INTERNAL_ERROR
    assert "custom/explode" in response["error"]["message"]
    assert "KeyError" in response["error"]["message"]
    assert rpc(actor, make_request("ping", request_id=9))["result"] == {}


def test_an_rpc_error_raised_by_a_handler_keeps_its_code_and_data() -> None:
    error = rpc(Calculator(), make_request("custom/refuse", request_id=8))["error"]
    assert error == {"code": ErrorCode.INVALID_PARAMS, "message": "refused", "data": {"why": "test"}}


@pytest.mark.parametrize(
    ("message", "expected_id"),
    [
        ([], None),
        ("ping", None),
        (None, None),
        ({"id": 7, "method": "ping"}, 7),  # no jsonrpc
        ({"jsonrpc": "1.0", "id": "r", "method": "ping"}, "r"),
        ({"jsonrpc": "2.0", "id": 8}, 8),  # no method
        ({"jsonrpc": "2.0", "id": 9, "method": ""}, 9),
        ({"jsonrpc": "2.0", "id": 10, "method": "ping", "params": [1]}, 10),
        ({"jsonrpc": "2.0", "id": True, "method": "ping"}, None),  # a bool id is not usable
        ({"jsonrpc": "2.0", "id": 1.5, "method": "ping"}, None),
        ({"jsonrpc": "2.0", "id": None, "method": "ping"}, None),
    ],
)
def test_malformed_messages_are_invalid_request_echoing_a_usable_id(message: Any, expected_id: Any) -> None:
    response = rpc(Calculator(), message)
    assert response["jsonrpc"] == "2.0"
    assert response["id"] == expected_id
    assert response["error"]["code"] == ErrorCode.INVALID_REQUEST
    assert response["error"]["message"]


def test_ping_method_and_health() -> None:
    actor = Calculator()
    info = asyncio.run(actor.ping())
    assert info["address"] == ADDRESS
    assert info["ok"] is True
    assert info["uptime_s"] >= 0


# ---- supervision protocol ----------------------------------------------------------------


def test_supervision_ready_runs_on_start_once_even_when_called_concurrently() -> None:
    actor = Calculator()

    async def scenario() -> list[dict[str, Any]]:
        first = await asyncio.gather(*(actor.supervision_ready() for _ in range(5)))
        again = await actor.supervision_ready()
        return [*first, again]

    answers = asyncio.run(scenario())
    assert actor.starts == 1
    for info in answers:
        assert info["address"] == ADDRESS
        assert info["pid"] == os.getpid()
        assert "node_id" not in info  # outside Ray there is no node


def test_supervision_stop_then_wait_exit_reports_shutdown() -> None:
    actor = Calculator()

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        await actor.supervision_ready()
        stopped = await actor.supervision_stop()
        exited = await asyncio.wait_for(actor.supervision_wait_exit(), 1.0)
        return stopped, exited

    stopped, exited = asyncio.run(scenario())
    assert stopped == {"address": ADDRESS, "stopped": True}
    assert exited["kind"] == "shutdown"
    assert exited["address"] == ADDRESS
    assert actor.stops == 1


def test_wait_exit_outstanding_before_the_stop_is_resolved_by_it() -> None:
    actor = Calculator()

    async def scenario() -> dict[str, Any]:
        await actor.supervision_ready()
        watch = asyncio.ensure_future(actor.supervision_wait_exit())
        await asyncio.sleep(0)
        assert not watch.done()
        await actor.supervision_stop()
        return await asyncio.wait_for(watch, 1.0)

    assert asyncio.run(scenario())["kind"] == "shutdown"


def test_cancelling_one_exit_watch_does_not_cancel_the_exit() -> None:
    actor = Calculator()

    async def scenario() -> dict[str, Any]:
        first = asyncio.ensure_future(actor.supervision_wait_exit())
        await asyncio.sleep(0)
        first.cancel()
        await asyncio.sleep(0)
        second = asyncio.ensure_future(actor.supervision_wait_exit())
        actor.exit_normally("done")
        return await asyncio.wait_for(second, 1.0)

    assert asyncio.run(scenario())["kind"] == "normal"


def test_stop_without_start_skips_on_stop() -> None:
    actor = Calculator()

    async def scenario() -> dict[str, Any]:
        await actor.supervision_stop()
        return await asyncio.wait_for(actor.supervision_wait_exit(), 1.0)

    assert asyncio.run(scenario())["kind"] == "shutdown"
    assert actor.stops == 0


def test_a_failing_on_stop_still_resolves_the_exit_watch() -> None:
    actor = Calculator()
    actor.fail_on_stop = True

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        await actor.supervision_ready()
        stopped = await actor.supervision_stop()
        return stopped, await asyncio.wait_for(actor.supervision_wait_exit(), 1.0)

    stopped, exited = asyncio.run(scenario())
    assert stopped["stopped"] is True
    assert exited["kind"] == "shutdown"
    assert actor.stops == 1


def test_exit_normally_resolves_the_exit_watch_with_normal() -> None:
    actor = Calculator()

    async def scenario() -> dict[str, Any]:
        await actor.supervision_ready()
        watch = asyncio.ensure_future(actor.supervision_wait_exit())
        await asyncio.sleep(0)
        actor.exit_normally("work finished")
        return await asyncio.wait_for(watch, 1.0)

    exited = asyncio.run(scenario())
    assert exited == {"kind": "normal", "detail": "work finished", "address": ADDRESS}


def test_the_first_exit_wins() -> None:
    actor = Calculator()

    async def scenario() -> dict[str, Any]:
        await actor.supervision_ready()
        actor.exit_normally("done")
        await actor.supervision_stop()
        return await asyncio.wait_for(actor.supervision_wait_exit(), 1.0)

    assert asyncio.run(scenario())["kind"] == "normal"


def test_whereabouts_do_not_start_ray(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def get_runtime_context() -> Any:
        calls.append("get_runtime_context")  # the real one would ray.init() here
        raise RuntimeError("Ray would have been started")

    fake_ray = types.ModuleType("ray")
    fake_ray.is_initialized = lambda: False  # type: ignore[attr-defined]
    fake_ray.get_runtime_context = get_runtime_context  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ray", fake_ray)
    info = asyncio.run(Calculator().supervision_ready())
    assert info["address"] == ADDRESS
    assert calls == []
