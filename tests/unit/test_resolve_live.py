"""ActorRef.resolve_live without Ray: fake handles stand for the actors a name leads to.

The case it exists for: a call failed on an actor whose node is gone, and the name still
leads to that same actor (Ray has not declared it dead yet); the next holder of the name
must be waited for, not the corpse called again."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from ray.exceptions import ActorDiedError

from protocols.errors import ActorUnavailable
from supervisors import refs
from supervisors.refs import ActorRef

pytestmark = pytest.mark.asyncio


class Handle:
    """An actor handle whose ping answers, hangs (unreachable or starting) or says it died."""

    def __init__(self, actor_id: str, ping: str) -> None:
        self._actor_id = actor_id
        self.pinged = 0
        outer = self

        class Ping:
            def remote(self) -> Any:
                outer.pinged += 1
                return outer._ping(ping)

        self.ping = Ping()

    async def _ping(self, how: str) -> dict[str, Any]:
        if how == "hangs":
            await asyncio.sleep(60)
        if how == "dead":
            raise ActorDiedError()
        return {"started_at": 0.0}


@pytest.fixture
def names(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """What each look-up of the name returns, in turn (the last one repeats)."""
    answers: list[Any] = []

    def lookup(address: str, namespace: str) -> Any:
        return answers.pop(0) if len(answers) > 1 else answers[0]

    monkeypatch.setattr(refs, "lookup", lookup)
    monkeypatch.setattr(refs, "_kill_now", lambda handle: None)
    yield answers
    refs._handles.clear()


async def test_the_failed_actor_is_passed_over_until_its_successor_holds_the_name(names: list[Any]) -> None:
    corpse, successor = Handle("a1", "hangs"), Handle("a2", "ok")
    names += [corpse, corpse, successor]
    found = await ActorRef("agent/x", "ns").resolve_live(5.0, ping_timeout_s=0.05, failed=corpse)
    assert found is successor and corpse.pinged == 2


async def test_the_failed_actor_is_taken_again_when_it_answers(names: list[Any]) -> None:
    blip = Handle("a1", "ok")  # it was only unreachable for a moment
    names.append(blip)
    assert await ActorRef("agent/x", "ns").resolve_live(5.0, ping_timeout_s=0.05, failed=blip) is blip


async def test_a_new_actor_that_does_not_answer_yet_is_the_current_one(names: list[Any]) -> None:
    corpse, starting = Handle("a1", "hangs"), Handle("a2", "hangs")
    names.append(starting)
    assert await ActorRef("agent/x", "ns").resolve_live(5.0, ping_timeout_s=0.05, failed=corpse) is starting


async def test_no_successor_within_the_wait_is_unavailable(names: list[Any]) -> None:
    corpse = Handle("a1", "hangs")
    names.append(corpse)
    with pytest.raises(ActorUnavailable, match=r"not back within 0\.3 s"):
        await ActorRef("agent/x", "ns").resolve_live(0.3, ping_timeout_s=0.05, failed=corpse)


async def test_a_dead_handle_is_dropped_and_the_name_looked_up_again_even_without_a_wait(names: list[Any]) -> None:
    dead, successor = Handle("a1", "dead"), Handle("a2", "ok")
    names += [dead, successor]
    assert await ActorRef("agent/x", "ns").resolve_live(0.0, ping_timeout_s=0.05) is successor


async def test_two_dead_handles_past_the_wait_are_unavailable(names: list[Any]) -> None:
    names += [Handle("a1", "dead"), Handle("a2", "dead")]
    with pytest.raises(ActorUnavailable, match="no successor"):
        await ActorRef("agent/x", "ns").resolve_live(0.0, ping_timeout_s=0.05)
