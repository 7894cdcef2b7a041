"""The in-memory runtime: calls, deaths and restarts, events, requests, streams."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from protocols.errors import ActorTimeout, ActorUnavailable
from protocols.jsonrpc import ErrorCode, make_request, make_result
from supervisors.runtime import ActorDied, InMemoryRuntime, RayRuntime, Runtime


class Echo:
    def __init__(self, name: str = "one") -> None:
        self.name = name
        self.release = asyncio.Event()
        self.calls = 0

    async def echo(self, text: str, suffix: str = "") -> str:
        self.calls += 1
        return f"{self.name}:{text}{suffix}"

    async def slow(self) -> str:
        self.calls += 1
        await self.release.wait()
        return self.name

    def boom(self) -> None:
        raise KeyError("nope")

    async def handle_rpc(self, message: dict[str, Any]) -> dict[str, Any]:
        return make_result(message["id"], {"from": self.name, "method": message["method"]})

    async def count(self, n: int) -> AsyncIterator[int]:
        for i in range(n):
            yield i


def test_both_runtimes_satisfy_the_protocol() -> None:
    runtime: Runtime = InMemoryRuntime()
    assert runtime is not None
    assert callable(RayRuntime.call) and callable(RayRuntime.stream)


@pytest.mark.asyncio
async def test_call_passes_arguments_and_the_actors_own_errors() -> None:
    runtime = InMemoryRuntime()
    runtime.register("echo/a", Echo())
    assert await runtime.call("echo/a", "echo", "hi", suffix="!") == "one:hi!"
    with pytest.raises(KeyError):
        await runtime.call("echo/a", "boom")


@pytest.mark.asyncio
async def test_call_to_an_unknown_address_is_unavailable_after_the_wait() -> None:
    runtime = InMemoryRuntime(restart_wait_s=0.05)
    with pytest.raises(ActorUnavailable) as info:
        await runtime.call("echo/none", "echo", "x")
    assert info.value.address == "echo/none"


@pytest.mark.asyncio
async def test_call_times_out() -> None:
    runtime = InMemoryRuntime()
    runtime.register("echo/a", Echo())
    with pytest.raises(ActorTimeout):
        await runtime.call("echo/a", "slow", timeout_s=0.05)


@pytest.mark.asyncio
async def test_a_call_waits_for_a_restarting_actor() -> None:
    runtime = InMemoryRuntime(restart_wait_s=2.0)
    runtime.register("echo/a", Echo("old"))
    runtime.kill("echo/a")
    assert runtime.lookup("echo/a") is None
    asyncio.get_running_loop().call_later(0.05, runtime.register, "echo/a", Echo("new"))
    assert await runtime.call("echo/a", "echo", "x") == "new:x"


@pytest.mark.asyncio
async def test_death_during_a_call_retries_only_idempotent_calls() -> None:
    runtime = InMemoryRuntime(restart_wait_s=2.0)
    first = Echo("old")
    runtime.register("echo/a", first)
    call = asyncio.create_task(runtime.call("echo/a", "slow"))
    await asyncio.sleep(0.01)
    runtime.kill("echo/a")
    with pytest.raises(ActorUnavailable) as info:
        await call
    assert info.value.died_during_call

    runtime.register("echo/a", Echo("old"))
    retried = asyncio.create_task(runtime.call("echo/a", "slow", idempotent=True, timeout_s=2.0))
    await asyncio.sleep(0.01)
    runtime.kill("echo/a")
    successor = Echo("new")
    successor.release.set()
    runtime.register("echo/a", successor)
    assert await retried == "new"


@pytest.mark.asyncio
async def test_kill_fails_pending_sends_with_the_died_error() -> None:
    runtime = InMemoryRuntime()
    handle = runtime.register("echo/a", Echo())
    pending = runtime.send(handle, make_request("slow", {}))
    runtime.kill("echo/a")
    with pytest.raises(ActorDied):
        await runtime.wait(pending)
    dead = runtime.send(handle, make_request("ping", {}))
    with pytest.raises(runtime.died):
        await runtime.wait(dead)


@pytest.mark.asyncio
async def test_publish_collects_events_in_order() -> None:
    runtime = InMemoryRuntime()
    runtime.publish("t", "a", {"n": 1}, "x/1")
    runtime.publish("u", "b", None, None)
    runtime.publish("t", "c", {"n": 2}, "x/1")
    assert [(e.type, e.data) for e in runtime.events_on("t")] == [("a", {"n": 1}), ("c", {"n": 2})]


@pytest.mark.asyncio
async def test_request_goes_to_the_target_or_answers_unknown_address() -> None:
    runtime = InMemoryRuntime()
    runtime.register("echo/a", Echo())
    message = make_request("tools/list", {}, request_id=7)
    assert await runtime.request("echo/a", message) == make_result(7, {"from": "one", "method": "tools/list"})
    missing = await runtime.request("echo/b", message)
    assert missing is not None and missing["error"]["code"] == ErrorCode.UNKNOWN_ADDRESS


@pytest.mark.asyncio
async def test_stream_yields_in_order_and_closes() -> None:
    runtime = InMemoryRuntime()
    runtime.register("echo/a", Echo())
    assert [v async for v in runtime.stream("echo/a", "count", 4)] == [0, 1, 2, 3]
