"""The actor base class's seams without Ray: the start gate and the one error type."""

from __future__ import annotations

import asyncio
import pickle

import pytest

from protocols.errors import ActorTimeout, ActorUnavailable, PlatformError
from protocols.jsonrpc import ErrorCode, make_request
from supervisors.actor import SupervisedActor


class Slow(SupervisedActor):
    def __init__(self, address: str) -> None:
        super().__init__(address)
        self.state: str | None = None

    async def on_start(self) -> None:
        await asyncio.sleep(0.2)
        self.state = "ready"


def test_a_bus_call_before_on_start_waits_for_it() -> None:
    async def scenario() -> dict[str, object] | None:
        actor = Slow("slow/one")
        actor._gated = True  # as when Ray hosts it
        early = asyncio.create_task(actor.handle_rpc(make_request("tools/list", {}, 7)))
        await asyncio.sleep(0.05)
        assert not early.done()  # held at the gate
        await actor.supervision_ready()
        return await early

    answer = asyncio.run(scenario())
    assert answer is not None and "result" in answer


def test_the_gate_gives_up_with_a_retryable_error() -> None:
    async def scenario() -> dict[str, object] | None:
        actor = Slow("slow/two")
        actor._gated = True
        actor.start_gate_s = 0.1
        return await actor.handle_rpc(make_request("ping", {}, 8))

    answer = asyncio.run(scenario())
    assert answer is not None
    error = answer["error"]
    assert isinstance(error, dict) and error["code"] == ErrorCode.TARGET_UNAVAILABLE


def test_outside_ray_the_gate_is_open() -> None:
    async def scenario() -> dict[str, object] | None:
        return await Slow("slow/three").handle_rpc(make_request("ping", {}, 9))

    answer = asyncio.run(scenario())
    assert answer is not None and answer["result"] == {}


@pytest.mark.parametrize(
    "error",
    [
        PlatformError("not_found", "agent 'x' does not exist", "agent_id", 404),
        ActorUnavailable("agent/x", "agent/x died during 'ask'", died_during_call=True),
        ActorTimeout("timeout", "agent/x did not answer", extra={"address": "agent/x"}),
    ],
)
def test_platform_errors_cross_a_process_boundary_intact(error: PlatformError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert copy.to_dict() == error.to_dict() and copy.status == error.status and str(copy) == str(error)
