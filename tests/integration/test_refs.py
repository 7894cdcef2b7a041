"""Actor references on a real Ray cluster: resolve, follow a restart, one typed error."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest
import ray

from protocols.errors import ActorTimeout, ActorUnavailable
from protocols.supervision import BackoffPolicy, ChildSpec, Strategy, SupervisorFlags
from supervisors import refs
from supervisors.refs import ActorRef, lookup
from supervisors.runtime import RayRuntime
from supervisors.supervisor import DEFAULT_ACTOR_OPTIONS, remote_class

pytestmark = pytest.mark.integration

COUNTER = "tests.integration.workers:Counter"


def _supervised_counter(
    client: Any, backoff_s: float = 0.0, standby: bool = False, standby_delay_s: float = 0.0
) -> tuple[str, Any]:
    """A counter under a supervisor of the test's own; returns (counter address, supervisor)."""
    tag = uuid.uuid4().hex[:8]
    name, sup_address = f"counter/ref-{tag}", f"supervisor/ref-{tag}"
    flags = SupervisorFlags(
        strategy=Strategy.ONE_FOR_ONE,
        intensity=10,
        period_s=10.0,
        backoff=BackoffPolicy(initial_s=backoff_s, base_s=backoff_s, max_s=max(backoff_s, 0.5), jitter=0.0),
        ping_interval_s=0.5,
        ping_timeout_s=1.5,
        standby_delay_s=standby_delay_s,
    )
    child = ChildSpec(id=name, actor=COUNTER, shutdown_timeout_s=2.0, standby=standby)
    sup = (
        remote_class("supervisors.supervisor:Supervisor")
        .options(**DEFAULT_ACTOR_OPTIONS, name=sup_address, namespace=client.namespace)
        .remote(sup_address, flags.model_dump(mode="json"), [child.model_dump(mode="json")], client.namespace)
    )
    ray.get(sup.supervision_ready.remote(), timeout=60)
    return name, sup


def _stop(sup: Any) -> None:
    ray.get(sup.supervision_stop.remote(), timeout=30)
    ray.kill(sup, no_restart=True)


def test_a_reference_follows_its_actor_through_a_restart(client: Any) -> None:
    name, sup = _supervised_counter(client, backoff_s=0.5)
    try:

        async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
            ref = ActorRef(name, client.namespace, wait_s=15.0)
            before = await ref.call("increment", timeout_s=10)
            with pytest.raises(ActorUnavailable) as died:
                await ref.call("crash", timeout_s=10)  # not idempotent: one typed error
            assert died.value.died_during_call and died.value.status == 503
            # The next call waits out the backoff and reaches the new incarnation.
            after = await ref.call("increment", timeout_s=15)
            return before, after

        before, after = asyncio.run(scenario())
        assert after["pid"] != before["pid"]
        assert after["count"] == 1  # a fresh incarnation, reached under the same address
    finally:
        _stop(sup)


def test_an_idempotent_call_is_delivered_again_to_the_successor(client: Any) -> None:
    name, sup = _supervised_counter(client)
    try:

        async def scenario() -> Any:
            ref = ActorRef(name, client.namespace, wait_s=15.0)
            first = await ref.call("pid", timeout_s=10)
            dead = await ref.resolve()
            ray.kill(dead, no_restart=True)
            # ray.kill is asynchronous: a call sent at once can still be served by the dying
            # incarnation. Wait until it answers no more; the reference still caches it.
            for _ in range(200):
                try:
                    await asyncio.wait_for(dead.ping.remote(), 2)
                except Exception:
                    break
                await asyncio.sleep(0.05)
            assert ref.cached() is dead
            second = await ref.call("pid", timeout_s=20, idempotent=True)
            return first, second

        first, second = asyncio.run(scenario())
        assert first != second
    finally:
        _stop(sup)


def test_a_missing_actor_and_a_slow_one_each_raise_one_typed_error(client: Any) -> None:
    name, sup = _supervised_counter(client)
    try:

        async def scenario() -> None:
            with pytest.raises(ActorUnavailable) as missing:
                await ActorRef(f"counter/none-{uuid.uuid4().hex[:6]}", client.namespace).call("ping", wait_s=0.3)
            assert missing.value.code == "unavailable" and not missing.value.died_during_call
            with pytest.raises(ActorTimeout) as slow:
                await ActorRef(name, client.namespace).call("slow", 5.0, timeout_s=0.3)
            assert slow.value.status == 504 and isinstance(slow.value, TimeoutError)

        asyncio.run(scenario())
    finally:
        _stop(sup)


def test_a_stream_whose_actor_died_before_it_sent_goes_to_the_successor(client: Any) -> None:
    """The first try finds the corpse; the retry waits out the restart (0.5 s backoff here)
    instead of giving up on a name that is empty or still held by the dead incarnation."""
    name, sup = _supervised_counter(client, backoff_s=0.5)
    try:

        async def scenario() -> tuple[int, list[dict[str, Any]]]:
            runtime = RayRuntime(client.namespace)
            ref = ActorRef(name, client.namespace, wait_s=15.0)
            first = await ref.call("pid", timeout_s=10)
            dead = await ref.resolve()
            ray.kill(dead, no_restart=True)
            for _ in range(200):  # until the corpse answers no more; its handle stays cached
                try:
                    await asyncio.wait_for(dead.ping.remote(), 2)
                except Exception:
                    break
                await asyncio.sleep(0.05)
            return first, [value async for value in runtime.stream(name, "count_to", 3)]

        first, values = asyncio.run(scenario())
        assert [v["i"] for v in values] == [0, 1, 2]
        assert {v["pid"] for v in values} != {first}
    finally:
        _stop(sup)


def test_a_call_on_a_handle_cached_before_a_restart_reaches_the_successor(client: Any) -> None:
    """Not idempotent, yet safe: the successor was up before the call was sent, so the call
    went to a corpse and never ran."""
    name, sup = _supervised_counter(client)
    try:

        async def scenario() -> tuple[Any, Any]:
            ref = ActorRef(name, client.namespace, wait_s=15.0)
            first = await ref.call("increment", timeout_s=10)
            stale = ref.cached()
            ray.kill(stale, no_restart=True)
            for _ in range(200):  # until the supervisor has a successor up
                await asyncio.sleep(0.05)
                successor = lookup(name, client.namespace)
                if successor is not None and successor._actor_id != stale._actor_id:
                    break
            await asyncio.wait_for(successor.ping.remote(), 10)
            refs._handles[(client.namespace, name)] = stale  # as if cached before the restart
            return first, await ref.call("increment", timeout_s=15)

        first, second = asyncio.run(scenario())
        assert second["pid"] != first["pid"] and second["count"] == 1
    finally:
        _stop(sup)


def test_a_warm_standby_takes_over_the_address_and_a_new_one_is_made(client: Any) -> None:
    """A child with a standby: each incarnation has a Ray name of its own, the address is an
    alias; a kill promotes the constructed standby (same address, new pid, state from
    on_start), the next standby is constructed in the background, and stopping the
    supervisor leaves no standby behind."""
    name, sup = _supervised_counter(client, standby=True)
    pids: list[int] = []
    try:

        async def scenario() -> None:
            ref = ActorRef(name, client.namespace, wait_s=15.0)
            for _ in range(3):  # three incarnations: two promotions in a row
                answer = await ref.call("increment", timeout_s=10)
                assert answer["count"] == 1  # a fresh incarnation each time
                pids.append(answer["pid"])
                for _ in range(200):  # until the next standby is constructed
                    if await asyncio.wait_for(sup.standby_of.remote(name), 10):
                        break
                    await asyncio.sleep(0.05)
                else:
                    raise AssertionError(f"no standby for {name} within 10 s")
                standby_name = await asyncio.wait_for(sup.standby_of.remote(name), 10)
                holder = refs.alias_of(name, client.namespace)
                assert holder is not None and holder.startswith(name + "~") and holder != standby_name
                with pytest.raises(ValueError):
                    ray.get_actor(name, namespace=client.namespace)  # the address is no Ray name
                dead = ref.cached()
                ray.kill(dead, no_restart=True)
                for _ in range(200):  # until the standby holds the address
                    await asyncio.sleep(0.05)
                    successor = lookup(name, client.namespace)
                    if successor is not None and successor._actor_id != dead._actor_id:
                        break
                await asyncio.wait_for(successor.ping.remote(), 10)
            await ref.call("increment", timeout_s=10)

        asyncio.run(scenario())
        assert len(set(pids)) == 3
        status = next(c for c in ray.get(sup.which_children.remote()) if c["address"] == name)
        assert status["restarts"] == 3
        standby_name = ray.get(sup.standby_of.remote(name))
    finally:
        _stop(sup)
    with pytest.raises(ValueError):
        ray.get_actor(standby_name, namespace=client.namespace)  # killed with its supervisor


def test_a_standby_is_built_only_once_its_supervisor_is_calm(client: Any) -> None:
    """With `standby_delay_s`, the next standby waits until the supervisor has started no
    child for that long (a node loss restarts many at once; a standby's process would
    share their CPU), then is built as usual."""
    name, sup = _supervised_counter(client, standby=True, standby_delay_s=6.0)
    try:
        # The counter started just before its supervisor answered ready: for the next few
        # seconds the supervisor is not yet calm, and no standby is built.
        ready_at = time.monotonic()
        while time.monotonic() - ready_at < 2.0:
            assert ray.get(sup.standby_of.remote(name), timeout=10) is None
            time.sleep(0.2)
        deadline = time.monotonic() + 40.0
        while ray.get(sup.standby_of.remote(name), timeout=10) is None:
            assert time.monotonic() < deadline, f"no standby for {name} within 40 s"
            time.sleep(0.2)
    finally:
        _stop(sup)


def test_a_tell_to_a_handle_cached_before_a_restart_goes_once_to_the_successor(client: Any) -> None:
    """A fire-and-forget send to a dead incarnation's handle: when Ray says it died, the
    handle is dropped and the message sent once to the successor (from a thread of its
    own, off the sender's event loop)."""
    name, sup = _supervised_counter(client)
    try:

        async def scenario() -> dict[str, Any]:
            ref = ActorRef(name, client.namespace, wait_s=15.0)
            await ref.call("increment", timeout_s=10)
            stale = ref.cached()
            ray.kill(stale, no_restart=True)
            successor = None
            for _ in range(200):  # until the supervisor has a successor up
                await asyncio.sleep(0.05)
                successor = lookup(name, client.namespace)
                if successor is not None and successor._actor_id != stale._actor_id:
                    break
            assert successor is not None
            await asyncio.wait_for(successor.ping.remote(), 10)
            refs._handles[(client.namespace, name)] = stale  # as if cached before the restart
            assert ref.tell("increment")  # sent to the corpse; its failure sends it again
            for _ in range(200):
                await asyncio.sleep(0.05)
                if ref.cached() is not stale:
                    break
            await asyncio.sleep(1.0)  # room for a (wrong) second delivery
            return await ref.call("increment", timeout_s=15)

        after = asyncio.run(scenario())
        assert after["count"] == 2, after  # the told increment arrived once, then this one
    finally:
        _stop(sup)
