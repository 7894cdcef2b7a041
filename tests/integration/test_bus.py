"""The message bus on a real cluster: routing, errors as values, restarts of targets and of the bus."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
import ray

from protocols.jsonrpc import ErrorCode
from protocols.supervision import BackoffPolicy, ChildSpec, Strategy, SupervisorFlags
from supervisors.supervisor import DEFAULT_ACTOR_OPTIONS, remote_class

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def target(client: Any) -> Any:
    """A counter under a supervisor of its own, addressable as counter/bus-<id>."""
    name = f"counter/bus-{uuid.uuid4().hex[:6]}"
    sup_name = f"supervisor/bus-{uuid.uuid4().hex[:6]}"
    flags = SupervisorFlags(
        strategy=Strategy.ONE_FOR_ONE,
        intensity=20,
        period_s=10,
        backoff=BackoffPolicy(initial_s=0.0, jitter=0.0),
        ping_interval_s=0.5,
        ping_timeout_s=2.0,
    )
    spec = ChildSpec(id=name, actor="tests.integration.workers:Counter")
    sup = (
        remote_class("supervisors.supervisor:Supervisor")
        .options(**DEFAULT_ACTOR_OPTIONS, name=sup_name, namespace=client.namespace)
        .remote(sup_name, flags.model_dump(mode="json"), [spec.model_dump(mode="json")], client.namespace)
    )
    ray.get(sup.supervision_ready.remote(), timeout=60)
    yield name
    ray.get(sup.supervision_stop.remote(), timeout=60)
    ray.kill(sup)


def test_request_and_tools(client: Any, target: str) -> None:
    tools = client.call(target, "tools/list")["tools"]
    names = {t["name"] for t in tools}
    assert {"increment", "echo", "slow", "crash", "hang"} <= names
    echo = next(t for t in tools if t["name"] == "echo")
    assert echo["inputSchema"]["required"] == ["text"]
    assert client.call_tool(target, "echo", {"text": "hello"}) == "hello"


@pytest.mark.parametrize(
    ("to", "message", "code"),
    [
        ("counter/nobody", {"jsonrpc": "2.0", "id": 1, "method": "ping"}, ErrorCode.UNKNOWN_ADDRESS),
        ("not an address", {"jsonrpc": "2.0", "id": 2, "method": "ping"}, ErrorCode.INVALID_ADDRESS),
        (None, "garbage", ErrorCode.INVALID_REQUEST),
        (None, {"jsonrpc": "1.0", "id": 3, "method": "ping"}, ErrorCode.INVALID_REQUEST),
        (None, {"jsonrpc": "2.0", "id": 4, "method": "no/such"}, ErrorCode.METHOD_NOT_FOUND),
        (
            None,
            {"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "nope"}},
            ErrorCode.TOOL_NOT_FOUND,
        ),
        (
            None,
            {
                "jsonrpc": "2.0",
                "id": 6,
                "method": "tools/call",
                "params": {"name": "slow", "arguments": {"seconds": "x"}},
            },
            ErrorCode.INVALID_PARAMS,
        ),
    ],
)
def test_bad_messages_get_jsonrpc_errors_and_the_bus_keeps_working(
    client: Any, target: str, to: str | None, message: Any, code: int
) -> None:
    answer = client.send(to or target, message)
    assert answer["error"]["code"] == code, answer
    assert answer["error"]["message"]
    assert client.request(target, "ping")["result"] == {}


def test_timeout_is_an_error_with_a_stable_code(client: Any, target: str) -> None:
    started = time.monotonic()
    answer = client.request(target, "tools/call", {"name": "slow", "arguments": {"seconds": 5}}, timeout_s=0.5)
    assert answer["error"]["code"] == ErrorCode.REQUEST_TIMEOUT
    assert time.monotonic() - started < 4
    assert client.request(target, "ping")["result"] == {}


def test_request_sent_while_the_target_restarts_is_delivered_after(client: Any, target: str) -> None:
    with client.subscribe(["supervision"], timeout_s=20) as events:
        client.kill(target)
        next(e for e in events if e["type"] == "supervision_event" and e["data"]["child"] == target)
    # the supervisor has seen the death and is restarting it: this call waits, then runs
    answer = client.call_tool(target, "increment")
    assert answer["count"] == 1


def test_bus_restart_is_transparent_to_callers_and_subscribers(client: Any, target: str) -> None:
    sub = client.subscribe(["test.bus-restart"])
    try:
        old_bus = client.tree().find("bus/main")
        assert old_bus is not None
        client.kill("bus/main")
        # the caller does nothing special: the client finds the new bus by name
        assert client.call_tool(target, "echo", {"text": "after"}) == "after"
        client.wait_until_running("bus/main", min_restarts=old_bus.restarts + 1)
        deadline = time.monotonic() + 15
        received: list[dict[str, Any]] = []
        while time.monotonic() < deadline and not received:
            client.publish("test.bus-restart", "ping_event", {"n": 1})
            received = [e for e in sub.poll(0.5) if e["topic"] == "test.bus-restart"]
        assert received and received[0]["data"] == {"n": 1}
    finally:
        sub.close()


def test_notifications_get_no_answer(client: Any, target: str) -> None:
    answer = client.send(target, {"jsonrpc": "2.0", "method": "ping"})
    assert answer == {}


def test_one_hop_goes_straight_to_a_resolved_target_and_answers_as_the_bus_would(client: Any, target: str) -> None:
    """supervisors/one_hop.py: the first request goes through the bus (which resolves the
    address), the next ones straight to the target (the bus's counters do not move); a
    crash during a non-repeatable request is TARGET_CRASHED, an idempotent request after it
    reaches the successor, and a slow answer is REQUEST_TIMEOUT, as through the bus."""
    import asyncio

    from supervisors.one_hop import OneHop

    bus = client.actor("bus/main")
    hop = OneHop(10.0, client.namespace)

    def call(name: str, arguments: dict[str, Any], n: int) -> dict[str, Any]:
        return {"jsonrpc": "2.0", "id": n, "method": "tools/call", "params": {"name": name, "arguments": arguments}}

    async def scenario() -> dict[str, Any]:
        first = await hop.request(target, call("echo", {"text": "one"}, 1))
        before = ray.get(bus.info.remote())["requests"]
        second = await hop.request(target, call("echo", {"text": "two"}, 2))
        after = ray.get(bus.info.remote())["requests"]
        crashed = await hop.request(target, call("crash", {}, 3))
        pinged = await hop.request(target, {"jsonrpc": "2.0", "id": 4, "method": "ping"})
        slow = await hop.request(target, call("slow", {"seconds": 5}, 5), timeout_s=0.5)
        return {
            "first": first,
            "second": second,
            "bus_delta": after - before,
            "crashed": crashed,
            "pinged": pinged,
            "slow": slow,
        }

    out = asyncio.run(scenario())
    assert "one" in str(out["first"]["result"]) and "two" in str(out["second"]["result"])
    assert out["bus_delta"] == 0  # the second request did not pass through the bus
    assert out["crashed"]["error"]["code"] == ErrorCode.TARGET_CRASHED
    assert out["pinged"] == {"jsonrpc": "2.0", "id": 4, "result": {}}
    assert out["slow"]["error"]["code"] == ErrorCode.REQUEST_TIMEOUT
