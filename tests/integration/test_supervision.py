"""Supervision on a real Ray cluster: kills, crashes, hangs, strategies, intensity, escalation."""

from __future__ import annotations

import itertools
import time
import uuid
from typing import Any

import pytest
import ray

from protocols.jsonrpc import ErrorCode
from protocols.supervision import (
    BackoffPolicy,
    ChildKind,
    ChildSpec,
    RestartType,
    Strategy,
    SupervisorFlags,
)
from supervisors.supervisor import DEFAULT_ACTOR_OPTIONS, remote_class

pytestmark = pytest.mark.integration

COUNTER = "tests.integration.workers:Counter"


def _flags(strategy: Strategy, intensity: int = 10, period_s: float = 10.0, **extra: Any) -> SupervisorFlags:
    return SupervisorFlags(
        strategy=strategy,
        intensity=intensity,
        period_s=period_s,
        backoff=extra.pop("backoff", BackoffPolicy(initial_s=0.0, base_s=0.05, max_s=0.5, jitter=0.0)),
        ping_interval_s=0.5,
        # Long enough that a loaded machine (CI: 2 cores, a platform beside) does not make
        # a healthy child look hung and turn a strategy test into a hang test; the hang
        # tests set their own.
        ping_timeout_s=extra.pop("ping_timeout_s", 6.0),
        **extra,
    )


def _counter(address: str, restart: RestartType = RestartType.PERMANENT, **kwargs: Any) -> ChildSpec:
    return ChildSpec(id=address, actor=COUNTER, restart=restart, kwargs=kwargs, shutdown_timeout_s=2.0)


def spawn(client: Any, flags: SupervisorFlags, children: list[ChildSpec]) -> tuple[str, Any]:
    """A supervisor of the test's own (owned by the test driver), started and ready."""
    address = f"supervisor/t-{uuid.uuid4().hex[:8]}"
    handle = (
        remote_class("supervisors.supervisor:Supervisor")
        .options(**DEFAULT_ACTOR_OPTIONS, name=address, namespace=client.namespace)
        .remote(
            address,
            flags.model_dump(mode="json"),
            [c.model_dump(mode="json") for c in children],
            client.namespace,
        )
    )
    ray.get(handle.supervision_ready.remote(), timeout=120)
    return address, handle


def stop(handle: Any) -> None:
    ray.get(handle.supervision_stop.remote(), timeout=60)
    ray.kill(handle)


def pid_of(client: Any, address: str) -> int:
    return int(ray.get(client.actor(address).pid.remote(), timeout=30))


def status_of(handle: Any, address: str) -> dict[str, Any]:
    children = ray.get(handle.which_children.remote())
    return next(c for c in children if c["address"] == address)


def wait_restarts(handle: Any, address: str, restarts: int, timeout_s: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = status_of(handle, address)
        if status["restarts"] >= restarts and status["state"] == "running":
            return status
        time.sleep(0.05)
    raise AssertionError(f"{address} did not reach {restarts} restarts: {status_of(handle, address)}")


def uid() -> str:
    return uuid.uuid4().hex[:6]


def test_ray_kill_restarts_child_at_same_address(client: Any) -> None:
    name = f"counter/k-{uid()}"
    _, sup = spawn(client, _flags(Strategy.ONE_FOR_ONE), [_counter(name)])
    try:
        first = pid_of(client, name)
        client.kill(name)
        # answered at its address as soon as it is back (the bus waits for it)
        assert client.request(name, "ping")["result"] == {}
        status = wait_restarts(sup, name, 1)
        assert pid_of(client, name) != first
        assert status["last_exit"]["kind"] in ("killed", "crash")
        history = ray.get(sup.history.remote())
        assert history[-1]["child"] == name and history[-1]["action"] == "restart"
    finally:
        stop(sup)


def test_os_exit_inside_a_method_is_a_crash_and_the_next_call_works(client: Any) -> None:
    name = f"counter/x-{uid()}"
    _, sup = spawn(client, _flags(Strategy.ONE_FOR_ONE), [_counter(name)])
    try:
        first = pid_of(client, name)
        answer = client.request(name, "tools/call", {"name": "crash"})
        assert answer["error"]["code"] == ErrorCode.TARGET_CRASHED
        assert answer["error"]["data"]["retryable"] is True
        after = client.call_tool(name, "increment")
        assert after["pid"] != first and after["count"] == 1
        status = wait_restarts(sup, name, 1)
        assert status["last_exit"]["kind"] == "crash"
    finally:
        stop(sup)


def test_one_for_all_restarts_every_sibling(client: Any) -> None:
    names = [f"counter/a{i}-{uid()}" for i in range(3)]
    _, sup = spawn(client, _flags(Strategy.ONE_FOR_ALL), [_counter(n) for n in names])
    try:
        before = {n: pid_of(client, n) for n in names}
        client.kill(names[1])
        for n in names:
            wait_restarts(sup, n, 1)
        after = {n: pid_of(client, n) for n in names}
        assert all(after[n] != before[n] for n in names)
    finally:
        stop(sup)


def test_rest_for_one_restarts_the_failed_child_and_later_ones(client: Any) -> None:
    names = [f"counter/r{i}-{uid()}" for i in range(3)]
    _, sup = spawn(client, _flags(Strategy.REST_FOR_ONE), [_counter(n) for n in names])
    try:
        before = {n: pid_of(client, n) for n in names}
        client.kill(names[1])
        wait_restarts(sup, names[1], 1)
        wait_restarts(sup, names[2], 1)
        after = {n: pid_of(client, n) for n in names}
        assert after[names[0]] == before[names[0]], ray.get(sup.history.remote())
        assert after[names[1]] != before[names[1]]
        assert after[names[2]] != before[names[2]]
        assert status_of(sup, names[0])["restarts"] == 0
    finally:
        stop(sup)


def test_exceeding_intensity_escalates_to_the_parent(client: Any) -> None:
    worker = f"counter/e-{uid()}"
    child_sup = f"supervisor/c-{uid()}"
    inner = ChildSpec(
        id=child_sup,
        actor="supervisors.supervisor:Supervisor",
        kind=ChildKind.SUPERVISOR,
        supervisor=_flags(Strategy.ONE_FOR_ONE, intensity=1, period_s=30.0),
        children=(_counter(worker),),
        shutdown_timeout_s=5.0,
    )
    _, parent = spawn(client, _flags(Strategy.ONE_FOR_ONE, intensity=5), [inner])
    try:
        first_worker = pid_of(client, worker)
        client.kill(worker)  # restart 1: within intensity
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if pid_of(client, worker) != first_worker:
                    break
            except Exception:
                pass
            time.sleep(0.05)
        client.kill(worker)  # restart 2 within 30 s > intensity 1: the child supervisor gives up
        status = wait_restarts(parent, child_sup, 1)
        assert status["last_exit"]["kind"] == "crash"
        # the parent restarted the whole subtree: the worker answers again, fresh
        assert client.call_tool(worker, "increment")["count"] == 1
        history = ray.get(parent.history.remote())
        assert any(e["child"] == child_sup and e["action"] == "restart" for e in history)
    finally:
        stop(parent)


def test_transient_normal_exit_is_not_restarted_but_a_crash_is(client: Any) -> None:
    done_name = f"counter/tn-{uid()}"
    crash_name = f"counter/tc-{uid()}"
    _, sup = spawn(
        client,
        _flags(Strategy.ONE_FOR_ONE),
        [_counter(done_name, RestartType.TRANSIENT), _counter(crash_name, RestartType.TRANSIENT)],
    )
    try:
        ray.get(client.actor(done_name).finish.remote())
        deadline = time.monotonic() + 10
        while status_of(sup, done_name)["state"] != "stopped" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert status_of(sup, done_name)["state"] == "stopped"
        assert status_of(sup, done_name)["restarts"] == 0
        client.kill(crash_name)
        wait_restarts(sup, crash_name, 1)
    finally:
        stop(sup)


def test_temporary_child_is_never_restarted(client: Any) -> None:
    name = f"counter/tmp-{uid()}"
    _, sup = spawn(client, _flags(Strategy.ONE_FOR_ONE), [_counter(name, RestartType.TEMPORARY)])
    try:
        client.kill(name)
        deadline = time.monotonic() + 10
        while ray.get(sup.which_children.remote()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ray.get(sup.which_children.remote()) == []
        answer = client.request(name, "ping")
        assert answer["error"]["code"] == ErrorCode.UNKNOWN_ADDRESS
    finally:
        stop(sup)


def test_a_hung_child_counts_as_dead(client: Any) -> None:
    name = f"counter/h-{uid()}"
    _, sup = spawn(client, _flags(Strategy.ONE_FOR_ONE, ping_timeout_s=1.5), [_counter(name)])
    try:
        client.actor(name).hang.remote(30)  # blocks its event loop: pings go unanswered
        status = wait_restarts(sup, name, 1, timeout_s=20)
        assert status["last_exit"]["kind"] == "hang"
        assert client.call_tool(name, "echo", {"text": "back"}) == "back"
    finally:
        stop(sup)


def test_a_child_that_misses_one_ping_but_answers_the_next_is_not_restarted(client: Any) -> None:
    # Its loop blocked for longer than a ping's interval and timeout (so one ping is surely
    # missed) and shorter than two timeouts: the second ping is answered. One missed ping
    # used to restart it; a supervisor whose own process stalls misses answers the same way.
    name = f"counter/m-{uid()}"
    flags = _flags(Strategy.ONE_FOR_ONE).model_copy(update={"ping_interval_s": 0.5, "ping_timeout_s": 3.0})
    _, sup = spawn(client, flags, [_counter(name)])
    try:
        client.actor(name).hang.remote(4.0)
        deadline = time.monotonic() + 9.0  # a hang is declared by 7 s at the latest (one missed ping + 3 s)
        while time.monotonic() < deadline:
            assert status_of(sup, name)["restarts"] == 0, status_of(sup, name)
            time.sleep(0.2)
        assert status_of(sup, name)["state"] == "running"
        assert client.call_tool(name, "echo", {"text": "still me"}) == "still me"
    finally:
        stop(sup)


def test_an_exception_that_cannot_cross_to_the_caller_arrives_named(client: Any) -> None:
    name = f"counter/u-{uid()}"
    _, sup = spawn(client, _flags(Strategy.ONE_FOR_ONE), [_counter(name)])
    try:
        with pytest.raises(ray.exceptions.RayTaskError) as raised:
            ray.get(client.actor(name).raise_unsendable.remote(), timeout=30)
        cause = raised.value.cause
        assert type(cause).__name__ == "UnsendableError" and cause.code == "internal_error"
        assert cause.message == "_NeedsKeyword: went wrong"
        assert client.call_tool(name, "increment")["count"] == 1  # and the actor lives on
    finally:
        stop(sup)


def test_a_subtree_of_slow_children_is_given_their_start_time_too(client: Any) -> None:
    # Three children each slow to start (8 s) under a supervisor whose start timeout (20 s)
    # is shorter than their sum: the parent waits for the whole subtree, not one timeout.
    # (Each child's 20 s leave 12 s for its process to start on a loaded machine.)
    workers = [f"counter/slow-{uid()}" for _ in range(3)]
    inner = ChildSpec(
        id=f"supervisor/s-{uid()}",
        actor="supervisors.supervisor:Supervisor",
        kind=ChildKind.SUPERVISOR,
        supervisor=_flags(Strategy.ONE_FOR_ONE, start_timeout_s=20.0),
        children=tuple(_counter(w, start_delay_s=8.0) for w in workers),
        shutdown_timeout_s=5.0,
    )
    _, parent = spawn(client, _flags(Strategy.ONE_FOR_ONE, start_timeout_s=20.0), [inner])
    try:
        assert status_of(parent, inner.id)["restarts"] == 0
        assert all(client.call_tool(w, "increment")["count"] == 1 for w in workers)
    finally:
        stop(parent)


@pytest.mark.parametrize("strategy", [Strategy.ONE_FOR_ONE, Strategy.REST_FOR_ONE])
def test_children_are_created_together_and_started_in_order(client: Any, strategy: Strategy) -> None:
    # Three children, each 1 s in on_start. Their processes are created at once (a process
    # takes seconds to start on a loaded node), their starts still run one after another,
    # at the supervisor's start and when rest_for_one restarts the later ones.
    workers = [f"counter/order-{uid()}" for _ in range(3)]
    _, sup = spawn(client, _flags(strategy), [_counter(w, start_delay_s=1.0) for w in workers])

    def check_order() -> None:
        times = [ray.get(client.actor(w).lifetime.remote(), timeout=30) for w in workers]
        for before, after in itertools.pairwise(times):
            assert after["start_began"] >= before["start_ended"], times  # starts in order
            assert after["constructed"] < before["start_ended"], times  # created ahead

    try:
        check_order()
        if strategy is Strategy.REST_FOR_ONE:
            ray.kill(client.actor(workers[0]))  # restarts all three, in order
            for w in workers:
                wait_restarts(sup, w, 1)
            check_order()
    finally:
        stop(sup)


def test_expected_children_are_created_ahead_and_those_not_asked_for_are_killed(client: Any) -> None:
    # As the agent pool after a restart: the children it expects (the recorded agents) are
    # constructed in the background, detached like the agents; `start_child` then starts
    # the constructed one instead of creating another. One nobody asks for is killed
    # after the start timeout.
    asked, unasked = f"counter/ahead-{uid()}", f"counter/ahead-{uid()}"
    template = ChildSpec(
        id="counter/template", actor=COUNTER, shutdown_timeout_s=2.0, outlives_supervisor=True
    ).model_dump(mode="json")
    flags = _flags(Strategy.SIMPLE_ONE_FOR_ONE, child_template=template, start_timeout_s=15.0)
    address = f"supervisor/t-{uuid.uuid4().hex[:8]}"
    sup = (
        remote_class("tests.integration.workers:ExpectingSupervisor")
        .options(**DEFAULT_ACTOR_OPTIONS, name=address, namespace=client.namespace)
        .remote(address, flags.model_dump(mode="json"), [], client.namespace, expected=[asked, unasked])
    )
    try:
        ray.get(sup.supervision_ready.remote(), timeout=60)
        deadline = time.monotonic() + 30.0
        while not all(_exists(client, name) for name in (asked, unasked)):
            assert time.monotonic() < deadline, "the expected children were not created ahead"
            time.sleep(0.1)
        # The name is registered as the actor is created (its constructor runs once its
        # process is up): the same actor id after start_child is the one created ahead.
        created = ray.get_actor(asked, namespace=client.namespace)._actor_id
        ray.get(sup.start_child.remote(asked, []), timeout=60)
        assert ray.get_actor(asked, namespace=client.namespace)._actor_id == created  # that one, started
        assert client.call_tool(asked, "increment")["count"] == 1
        deadline = time.monotonic() + 45.0
        while _exists(client, unasked):  # not asked for within the start timeout
            assert time.monotonic() < deadline, f"{unasked} was left running"
            time.sleep(0.2)
        assert _exists(client, asked) and status_of(sup, asked)["state"] == "running"
    finally:
        stop(sup)
        for name in (asked, unasked):
            if _exists(client, name):
                ray.kill(ray.get_actor(name, namespace=client.namespace))


def _exists(client: Any, name: str) -> bool:
    try:
        ray.get_actor(name, namespace=client.namespace)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("strategy", [Strategy.ONE_FOR_ONE, Strategy.SIMPLE_ONE_FOR_ONE])
def test_children_lost_together_are_restarted_together(client: Any, strategy: Strategy) -> None:
    # Three children, each 4 s to start, killed at once (as a node's children are). One
    # after another, each would be ready at least 4 s after the one before; restarted
    # side by side, they are ready within one start of each other.
    delay = 4.0
    workers = [f"counter/lost-{uid()}" for _ in range(3)]
    if strategy is Strategy.SIMPLE_ONE_FOR_ONE:
        template = ChildSpec(id="counter/template", actor=COUNTER, shutdown_timeout_s=2.0)
        _, sup = spawn(client, _flags(strategy, child_template=template, start_timeout_s=20.0), [])
        for worker in workers:
            ray.get(sup.start_child.remote(worker, kwargs={"start_delay_s": delay}), timeout=60)
    else:
        children = [_counter(w, start_delay_s=delay) for w in workers]
        _, sup = spawn(client, _flags(strategy, start_timeout_s=20.0), children)
    try:
        for worker in workers:
            client.kill(worker)
        restarted = [wait_restarts(sup, w, 1, timeout_s=60.0) for w in workers]
        ready_at = sorted(s["started_at"] for s in restarted)
        assert ready_at[-1] - ready_at[0] < delay, f"restarted one after another: {ready_at}"
        assert all(client.call_tool(w, "increment")["count"] == 1 for w in workers)
    finally:
        stop(sup)


def test_a_child_stopped_while_it_restarts_stays_stopped(client: Any) -> None:
    # A lone restart starts without the supervisor's lock: terminating the child meanwhile
    # kills the incarnation under way, and nothing of it is adopted afterwards.
    template = ChildSpec(id="counter/template", actor=COUNTER, shutdown_timeout_s=2.0)
    _, sup = spawn(client, _flags(Strategy.SIMPLE_ONE_FOR_ONE, child_template=template, start_timeout_s=20.0), [])
    name = f"counter/gone-{uid()}"
    try:
        ray.get(sup.start_child.remote(name, kwargs={"start_delay_s": 3.0}), timeout=60)
        client.kill(name)
        deadline = time.monotonic() + 30
        while status_of(sup, name)["state"] not in ("starting", "restarting") and time.monotonic() < deadline:
            time.sleep(0.05)
        ray.get(sup.terminate_child.remote(name), timeout=30)
        assert ray.get(sup.which_children.remote()) == []
        time.sleep(4.0)  # past the start that was under way
        assert ray.get(sup.which_children.remote()) == []
        with pytest.raises(ValueError):
            ray.get_actor(name, namespace=client.namespace)
    finally:
        stop(sup)


def test_dynamic_children_and_start_failure(client: Any) -> None:
    template = ChildSpec(id="counter/template", actor=COUNTER, restart=RestartType.TRANSIENT)
    _, sup = spawn(client, _flags(Strategy.SIMPLE_ONE_FOR_ONE, child_template=template), [])
    try:
        name = f"counter/dyn-{uid()}"
        ray.get(sup.start_child.remote(name))
        assert client.call_tool(name, "increment")["count"] == 1
        bad = f"counter/bad-{uid()}"
        with pytest.raises(Exception, match="failed to start"):
            ray.get(sup.start_child.remote(bad, kwargs={"fail_start": True}))
        assert [c["address"] for c in ray.get(sup.which_children.remote())] == [name]
        ray.get(sup.terminate_child.remote(name))
        assert ray.get(sup.which_children.remote()) == []
    finally:
        stop(sup)


@pytest.mark.parametrize("attempts", [1, 2])
def test_a_child_that_fails_its_first_start_is_tried_again_with_start_attempts(
    client: Any, tmp_path: Any, attempts: int
) -> None:
    first, second = f"counter/s1-{uid()}", f"counter/s2-{uid()}"
    children = [_counter(first), _counter(second, fail_once_marker=str(tmp_path / "failed"))]
    flags = _flags(Strategy.ONE_FOR_ONE, start_attempts=attempts)
    if attempts == 1:  # OTP: the first failure fails the supervisor's start
        with pytest.raises(Exception, match=f"child {second} failed to start"):
            spawn(client, flags, children)
        return
    _, sup = spawn(client, flags, children)
    try:
        assert [c["state"] for c in ray.get(sup.which_children.remote())] == ["running", "running"]
        assert client.call_tool(second, "echo", {"text": "started"}) == "started"
        assert (tmp_path / "failed").exists()  # its first start did fail
    finally:
        stop(sup)


def test_backoff_spaces_out_repeated_restarts(client: Any) -> None:
    name = f"counter/b-{uid()}"
    backoff = BackoffPolicy(initial_s=0.0, base_s=0.4, max_s=2.0, multiplier=2.0, jitter=0.0)
    _, sup = spawn(client, _flags(Strategy.ONE_FOR_ONE, backoff=backoff), [_counter(name)])
    try:
        for n in range(1, 4):
            client.kill(name)
            wait_restarts(sup, name, n)
        delays = [e["delay_s"] for e in ray.get(sup.history.remote()) if e["child"] == name]
        assert delays == [0.0, 0.4, 0.8]
    finally:
        stop(sup)


def test_a_child_waiting_out_its_backoff_does_not_hold_up_the_supervisor(client: Any) -> None:
    """OTP's supervisor blocks during a restart; ours must not block for a whole backoff
    delay: other children are started and stopped meanwhile, and a child terminated
    while it waits is not started again."""
    template = ChildSpec(id="counter/template", actor=COUNTER, restart=RestartType.PERMANENT)
    backoff = BackoffPolicy(initial_s=12.0, base_s=12.0, max_s=12.0, jitter=0.0)
    _, sup = spawn(client, _flags(Strategy.SIMPLE_ONE_FOR_ONE, backoff=backoff, child_template=template), [])
    try:
        waiting = f"counter/wait-{uid()}"
        ray.get(sup.start_child.remote(waiting), timeout=30)
        client.kill(waiting)
        deadline = time.monotonic() + 10
        while status_of(sup, waiting)["state"] != "restarting" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert status_of(sup, waiting)["state"] == "restarting"
        other = f"counter/other-{uid()}"
        ray.get(sup.start_child.remote(other), timeout=30)
        assert client.call_tool(other, "increment")["count"] == 1
        # No clock: a supervisor that held its lock through the backoff would have started
        # `waiting` again before it could start `other`.
        assert status_of(sup, waiting)["state"] == "restarting", "start_child waited for the backoff"
        ray.get(sup.terminate_child.remote(waiting), timeout=30)
        assert [c["address"] for c in ray.get(sup.which_children.remote())] == [other]
        time.sleep(12.5)  # past the backoff: the terminated child must stay gone
        assert [c["address"] for c in ray.get(sup.which_children.remote())] == [other]
        try:  # Ray may still hand out the dead actor's handle for a moment; it must be dead
            leftover = ray.get_actor(waiting, namespace=client.namespace)
        except ValueError:
            leftover = None
        if leftover is not None:
            with pytest.raises(ray.exceptions.RayActorError):
                ray.get(leftover.ping.remote(), timeout=10)
    finally:
        stop(sup)


def test_restart_is_recorded_in_the_store_and_published(client: Any) -> None:
    name = f"counter/ev-{uid()}"
    _, sup = spawn(client, _flags(Strategy.ONE_FOR_ONE), [_counter(name)])
    try:
        with client.subscribe(["supervision"], timeout_s=20) as events:
            client.kill(name)
            seen = next(e for e in events if e["type"] == "supervision_event" and e["data"]["child"] == name)
        assert seen["data"]["action"] == "restart"
        deadline = time.monotonic() + 10
        rows: list[dict[str, Any]] = []
        while time.monotonic() < deadline and not rows:
            rows = ray.get(client.actor("store/main").supervision_events.remote(name, 10))
            time.sleep(0.1)
        assert rows and rows[-1]["action"] == "restart" and rows[-1]["child"] == name
    finally:
        stop(sup)


def test_platform_tree_names_every_component(client: Any) -> None:
    tree = client.tree()
    addresses = {n.address for n in tree.walk()}
    for expected in (
        "supervisor/root",
        "store/main",
        "bus/main",
        "supervisor/models",
        "supervisor/index",
        "supervisor/mcp",
        "supervisor/agents",
        "supervisor/evolution",
        "monitor/main",
    ):
        assert expected in addresses
    assert all(n.state.value == "running" for n in tree.walk())
    assert client.health().status == "ok"


def test_a_child_that_outlives_its_supervisor_is_adopted_by_the_next_one(client: Any) -> None:
    """`outlives_supervisor` (the agents' pool): a crash of the supervisor leaves the child
    running, and the supervisor's next incarnation adopts it instead of starting another; it
    is watched again (a kill restarts it), and an orderly stop still stops it."""
    child = ChildSpec(
        id=f"counter/o-{uuid.uuid4().hex[:8]}", actor=COUNTER, shutdown_timeout_s=2.0, outlives_supervisor=True
    )
    _, first = spawn(client, _flags(Strategy.ONE_FOR_ONE), [child])
    pid = pid_of(client, child.id)
    ray.kill(first, no_restart=True)  # the supervisor crashes
    time.sleep(1.0)
    assert pid_of(client, child.id) == pid  # the child did not die with it
    _, successor = spawn(client, _flags(Strategy.ONE_FOR_ONE), [child])
    assert pid_of(client, child.id) == pid  # adopted, not started again
    assert status_of(successor, child.id)["restarts"] == 0
    ray.kill(client.actor(child.id), no_restart=True)  # watched by its new supervisor
    wait_restarts(successor, child.id, 1)
    assert pid_of(client, child.id) != pid
    stop(successor)  # an orderly stop stops it too
    with pytest.raises(KeyError):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            client.actor(child.id)
            time.sleep(0.2)
