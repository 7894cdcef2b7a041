"""The bus's engine on the in-memory runtime: routing, waiting for a restart, redelivery
only when it is safe, TARGET_CRASHED otherwise, timeouts, subscriptions, drops and TTL."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from actors.bus_engine import BusConfig, BusEngine
from protocols.events import TOPIC_SUPERVISION
from protocols.jsonrpc import ErrorCode, make_request, make_result
from supervisors.runtime import InMemoryRuntime

TARGET = "counter/a"


class Target:
    """An actor endpoint: answers at once, or holds `tools/call` until released."""

    def __init__(self, name: str, hold: bool = False) -> None:
        self.name = name
        self.hold = hold
        self.release = asyncio.Event()
        self.received: list[str] = []

    async def handle_rpc(self, message: dict[str, Any]) -> dict[str, Any] | None:
        self.received.append(message["method"])
        if self.hold:
            await self.release.wait()
        return None if "id" not in message else make_result(message["id"], {"from": self.name})


def engine(runtime: InMemoryRuntime, **config: Any) -> BusEngine:
    settings: dict[str, Any] = {
        "request_timeout_s": 2.0,
        "restart_wait_s": 1.0,
        "subscriber_queue_size": 3,
        "subscriber_ttl_s": 5.0,
    }
    settings.update(config)

    async def local(message: dict[str, Any]) -> dict[str, Any]:
        return make_result(message["id"], {"from": "bus"})

    return BusEngine("bus/main", runtime, BusConfig(**settings), local)


def code_of(answer: dict[str, Any] | None) -> int:
    assert answer is not None and "error" in answer, answer
    return int(answer["error"]["code"])


def result_of(answer: dict[str, Any] | None) -> Any:
    assert answer is not None and "result" in answer, answer
    return answer["result"]


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


# ---- routing -------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_request_reaches_its_target_and_the_handle_is_cached() -> None:
    runtime = InMemoryRuntime()
    runtime.register(TARGET, Target("one"))
    bus = engine(runtime)
    assert result_of(await bus.request(TARGET, make_request("tools/list", {}))) == {"from": "one"}
    assert bus.route_table()[TARGET] == {"up": True, "cached": True, "removed": False}
    assert result_of(await bus.request("bus/main", make_request("ping"))) == {"from": "bus"}
    assert bus.info()["requests"] == 2


@pytest.mark.asyncio
async def test_unknown_and_invalid_addresses_and_bad_messages_are_answers() -> None:
    bus = engine(InMemoryRuntime())
    assert code_of(await bus.request("nobody/here", make_request("ping"))) == ErrorCode.UNKNOWN_ADDRESS
    assert code_of(await bus.request("no-slash", make_request("ping"))) == ErrorCode.INVALID_ADDRESS
    assert code_of(await bus.request(TARGET, {"id": 1})) == ErrorCode.INVALID_REQUEST
    assert code_of(await bus.request(TARGET, make_request("ping"), timeout_s=0)) == ErrorCode.INVALID_PARAMS
    assert bus.info()["errors_by_code"][str(int(ErrorCode.UNKNOWN_ADDRESS))] == 1
    # a notification to nowhere answers nothing
    assert await bus.request("nobody/here", {"jsonrpc": "2.0", "method": "ping"}) is None


@pytest.mark.asyncio
async def test_a_restarting_target_is_served_once_it_is_back() -> None:
    runtime = InMemoryRuntime()
    bus = engine(runtime, restart_wait_s=2.0)
    bus.know([TARGET])  # the tree says it exists; it is not registered (restarting)
    asyncio.get_running_loop().call_later(0.1, runtime.register, TARGET, Target("back"))
    started = time.monotonic()
    assert result_of(await bus.request(TARGET, make_request("tools/call", {}))) == {"from": "back"}
    assert time.monotonic() - started >= 0.09


@pytest.mark.asyncio
async def test_a_target_not_back_within_the_wait_is_unavailable() -> None:
    bus = engine(InMemoryRuntime(), restart_wait_s=0.1)
    bus.observe_supervision("supervision_event", {"child": TARGET, "action": "restart", "detected_at": time.time()})
    assert code_of(await bus.request(TARGET, make_request("ping"))) == ErrorCode.TARGET_UNAVAILABLE


@pytest.mark.asyncio
async def test_a_removed_child_is_an_unknown_address() -> None:
    runtime = InMemoryRuntime()
    runtime.register(TARGET, Target("one"))
    bus = engine(runtime)
    result_of(await bus.request(TARGET, make_request("ping")))
    runtime.kill(TARGET)
    bus.observe_supervision("child_removed", {"child": TARGET})
    assert bus.route_table()[TARGET]["removed"]
    assert code_of(await bus.request(TARGET, make_request("ping"))) == ErrorCode.UNKNOWN_ADDRESS


@pytest.mark.asyncio
async def test_a_slow_target_times_out_and_the_call_is_cancelled() -> None:
    runtime = InMemoryRuntime()
    target = Target("slow", hold=True)
    runtime.register(TARGET, target)
    bus = engine(runtime)
    answer = await bus.request(TARGET, make_request("tools/call", {}), timeout_s=0.05)
    assert code_of(answer) == ErrorCode.REQUEST_TIMEOUT
    assert answer is not None and answer["error"]["data"]["method"] == "tools/call"


# ---- redelivery ------------------------------------------------------------------------


async def crash_during(bus: BusEngine, runtime: InMemoryRuntime, method: str, event_before_send: bool = False) -> Any:
    """Send `method` to a target that holds it, kill the target, restart it; the answer."""
    first = Target("old")
    incarnation = runtime.register(TARGET, first)
    result_of(await bus.request(TARGET, make_request("ping"), timeout_s=1.0))  # cache the handle
    first.hold = True
    if event_before_send:
        # The supervisor saw the death before this request was sent, but the bus still
        # holds the dead incarnation's handle (a stale name look-up).
        runtime.kill(TARGET)
        bus.observe_supervision("supervision_event", {"child": TARGET, "action": "restart", "at": time.time()})
        bus.routes[TARGET].handle = incarnation
    call = asyncio.create_task(bus.request(TARGET, make_request(method, {}), timeout_s=2.0))
    await settle()
    if not event_before_send:
        runtime.kill(TARGET)
        await settle()
    runtime.register(TARGET, Target("new"))
    bus.observe_supervision("child_started", {"child": TARGET})
    return await call


@pytest.mark.asyncio
async def test_an_idempotent_request_is_redelivered_after_a_crash() -> None:
    runtime = InMemoryRuntime()
    bus = engine(runtime)
    assert result_of(await crash_during(bus, runtime, "tools/list")) == {"from": "new"}


@pytest.mark.asyncio
async def test_a_request_that_may_have_reached_the_dead_target_answers_target_crashed() -> None:
    runtime = InMemoryRuntime()
    bus = engine(runtime)
    answer = await crash_during(bus, runtime, "tools/call")
    assert code_of(answer) == ErrorCode.TARGET_CRASHED
    assert answer["error"]["data"]["retryable"] is True


@pytest.mark.asyncio
async def test_a_request_sent_after_the_death_was_seen_is_redelivered() -> None:
    runtime = InMemoryRuntime()
    bus = engine(runtime)
    assert result_of(await crash_during(bus, runtime, "tools/call", event_before_send=True)) == {"from": "new"}


@pytest.mark.asyncio
async def test_a_death_event_that_comes_after_the_request_was_sent_does_not_redeliver() -> None:
    runtime = InMemoryRuntime()
    bus = engine(runtime)
    first = Target("old", hold=True)
    runtime.register(TARGET, first)
    call = asyncio.create_task(bus.request(TARGET, make_request("tools/call", {})))
    await settle()
    runtime.kill(TARGET)
    # the supervisor's event follows the failed call, saying it died after the send
    bus.observe_supervision("supervision_event", {"child": TARGET, "action": "restart", "at": time.time() + 1})
    runtime.register(TARGET, Target("new"))
    assert code_of(await call) == ErrorCode.TARGET_CRASHED


# ---- subscriptions ------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_poll_gets_events_of_its_topics_in_order() -> None:
    bus = engine(InMemoryRuntime())
    first = await bus.poll("s1", ["agents", "mcp.*"], timeout_s=0)
    assert first["events"] == [] and first["dropped"] == 0
    bus.publish("agents", "a", {"n": 1}, "x/1")
    bus.publish("other", "b", {}, None)
    bus.publish("agents", "c", {"n": 2}, "x/1")
    got = await bus.poll("s1", ["agents"], timeout_s=0)
    assert [e["type"] for e in got["events"]] == ["a", "c"]
    assert got["events"][0]["seq"] < got["events"][1]["seq"]
    assert got["bus_id"] == bus.bus_id


@pytest.mark.asyncio
async def test_a_waiting_poll_wakes_on_publish() -> None:
    bus = engine(InMemoryRuntime())
    await bus.poll("s1", ["t"], timeout_s=0)
    waiting = asyncio.create_task(bus.poll("s1", ["t"], timeout_s=5))
    await settle()
    bus.publish("t", "hello", {}, None)
    got = await asyncio.wait_for(waiting, 1)
    assert [e["type"] for e in got["events"]] == ["hello"]


@pytest.mark.asyncio
async def test_a_full_queue_drops_the_oldest_and_counts_them() -> None:
    bus = engine(InMemoryRuntime(), subscriber_queue_size=3)
    await bus.poll("s1", ["t"], timeout_s=0)
    for n in range(5):
        bus.publish("t", f"e{n}", {}, None)
    got = await bus.poll("s1", ["t"], timeout_s=0)
    assert [e["type"] for e in got["events"]] == ["e2", "e3", "e4"]
    assert got["dropped"] == 2
    assert (await bus.poll("s1", ["t"], timeout_s=0))["dropped"] == 0


@pytest.mark.asyncio
async def test_idle_subscribers_are_forgotten_after_the_ttl_and_unsubscribe_works() -> None:
    bus = engine(InMemoryRuntime(), subscriber_ttl_s=5.0)
    await bus.poll("idle", ["t"], timeout_s=0)
    await bus.poll("busy", ["t"], timeout_s=0)
    bus.subscribers["idle"].last_poll -= 10
    assert bus.forget_idle_subscribers() == ["idle"]
    assert set(bus.subscribers) == {"busy"}
    assert bus.unsubscribe("busy") is True
    assert bus.unsubscribe("busy") is False
    assert bus.info()["subscribers"] == 0


@pytest.mark.asyncio
async def test_supervision_events_are_delivered_and_teach_the_routes() -> None:
    bus = engine(InMemoryRuntime())
    await bus.poll("s1", [TOPIC_SUPERVISION], timeout_s=0)
    bus.publish(TOPIC_SUPERVISION, "child_stopped", {"child": TARGET}, "supervisor/x")
    assert bus.route_table()[TARGET] == {"up": False, "cached": False, "removed": False}
    bus.publish(TOPIC_SUPERVISION, "child_started", {"child": TARGET}, "supervisor/x")
    assert bus.route_table()[TARGET]["up"] is True
    bus.publish(TOPIC_SUPERVISION, "supervision_event", {"child": TARGET, "action": "stop"}, "supervisor/x")
    assert bus.route_table()[TARGET]["removed"] is True
    got = await bus.poll("s1", [TOPIC_SUPERVISION], timeout_s=0)
    assert len(got["events"]) == 3


@pytest.mark.asyncio
async def test_the_runtime_routes_requests_through_a_bus_engine_registered_at_the_bus_address() -> None:
    runtime = InMemoryRuntime()
    bus = engine(runtime)
    runtime.register("bus/main", bus)
    runtime.register(TARGET, Target("one"))
    assert result_of(await runtime.request(TARGET, make_request("tools/list", {}), 1.0)) == {"from": "one"}
    assert code_of(await runtime.request("nobody/here", make_request("ping"), 1.0)) == ErrorCode.UNKNOWN_ADDRESS
    assert bus.info()["requests"] == 2
