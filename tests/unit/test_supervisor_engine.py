"""SupervisorEngine: strategies, restart types, intensity, backoff (fake clock, seeded rng, no Ray)."""

from __future__ import annotations

import random

import pytest

from protocols.supervision import (
    BackoffPolicy,
    ChildSpec,
    ChildState,
    ExitKind,
    ExitReason,
    RestartType,
    Strategy,
    SupervisorFlags,
)
from supervisors.engine import (
    Escalate,
    Ignore,
    Restart,
    SupervisorEngine,
    SupervisorError,
)

ABNORMAL = [k for k in ExitKind if k.abnormal]
ALL_KINDS = list(ExitKind)


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def spec(child_id: str, restart: RestartType = RestartType.PERMANENT) -> ChildSpec:
    return ChildSpec(id=child_id, actor="tests.integration.workers:Counter", restart=restart)


def exit_(kind: ExitKind = ExitKind.CRASH, detail: str = "") -> ExitReason:
    return ExitReason(kind=kind, detail=detail)


def make(
    strategy: Strategy = Strategy.ONE_FOR_ONE,
    children: list[ChildSpec] | None = None,
    *,
    intensity: int = 100,
    period_s: float = 5.0,
    backoff: BackoffPolicy | None = None,
    clock: FakeClock | None = None,
    seed: int = 7,
    start: bool = True,
) -> SupervisorEngine:
    flags = SupervisorFlags(strategy=strategy, intensity=intensity, period_s=period_s, backoff=backoff)
    engine = SupervisorEngine(
        flags,
        children if children is not None else [],
        clock=clock or FakeClock(),
        rng=random.Random(seed),
    )
    if start:
        for cid in engine.start_order():
            engine.mark_started(cid)
    return engine


def ids(*names: str) -> list[ChildSpec]:
    return [spec(n) for n in names]


# ---- children bookkeeping -----------------------------------------------------------


def test_children_keep_start_order_and_stop_in_reverse() -> None:
    engine = make(children=ids("a", "b", "c"), start=False)
    assert engine.child_ids == ["a", "b", "c"]
    assert engine.start_order() == ["a", "b", "c"]
    assert engine.stop_order() == ["c", "b", "a"]
    # a subset comes back in reverse start order, whatever order it was given in
    assert engine.stop_order(["a", "c"]) == ["c", "a"]
    assert engine.stop_order(["c", "a"]) == ["c", "a"]
    assert engine.stop_order([]) == []


def test_new_children_start_in_starting_state_with_no_restarts() -> None:
    engine = make(children=ids("a"), start=False)
    record = engine.child("a")
    assert record.state is ChildState.STARTING
    assert record.restarts == 0
    assert record.consecutive_restarts == 0
    assert record.started_at is None
    assert record.last_exit is None


def test_mark_started_sets_running_and_start_time_from_clock() -> None:
    clock = FakeClock(42.0)
    engine = make(children=ids("a"), clock=clock, start=False)
    engine.mark_started("a")
    assert engine.child("a").state is ChildState.RUNNING
    assert engine.child("a").started_at == 42.0
    engine.mark_state("a", ChildState.STOPPING)
    assert engine.child("a").state is ChildState.STOPPING


def test_add_child_appends_to_start_order() -> None:
    engine = make(children=ids("a", "b"))
    record = engine.add_child(spec("c"))
    assert record.spec.id == "c"
    assert engine.child_ids == ["a", "b", "c"]
    assert engine.stop_order() == ["c", "b", "a"]
    assert engine.has_child("c")


def test_remove_child_forgets_it_and_returns_its_record() -> None:
    engine = make(children=ids("a", "b", "c"))
    record = engine.remove_child("b")
    assert record.spec.id == "b"
    assert not engine.has_child("b")
    assert engine.child_ids == ["a", "c"]


def test_duplicate_child_id_in_the_spec_is_rejected() -> None:
    with pytest.raises(SupervisorError, match="'a' already exists"):
        make(children=ids("a", "b", "a"))


def test_add_child_with_duplicate_id_is_rejected_and_leaves_the_original() -> None:
    engine = make(children=ids("a"))
    original = engine.child("a")
    with pytest.raises(SupervisorError, match="'a' already exists"):
        engine.add_child(spec("a", RestartType.TEMPORARY))
    assert engine.child("a") is original
    assert engine.child_ids == ["a"]


@pytest.mark.parametrize(
    "call",
    [
        lambda e: e.child("ghost"),
        lambda e: e.remove_child("ghost"),
        lambda e: e.mark_started("ghost"),
        lambda e: e.mark_state("ghost", ChildState.RUNNING),
        lambda e: e.on_exit("ghost", exit_()),
    ],
    ids=["child", "remove_child", "mark_started", "mark_state", "on_exit"],
)
def test_unknown_child_raises_supervisor_error_naming_it(call) -> None:
    engine = make(children=ids("a"))
    with pytest.raises(SupervisorError, match="ghost"):
        call(engine)
    assert engine.child_ids == ["a"]


def test_removing_a_child_twice_fails_the_second_time() -> None:
    engine = make(children=ids("a"))
    engine.remove_child("a")
    with pytest.raises(SupervisorError):
        engine.remove_child("a")


# ---- strategies -----------------------------------------------------------------


def test_one_for_one_restarts_only_the_failed_child() -> None:
    engine = make(Strategy.ONE_FOR_ONE, ids("a", "b", "c"))
    decision = engine.on_exit("b", exit_())
    assert decision == Restart(failed="b", stop=[], start=["b"], remove=[], delay_s=0.0)
    assert engine.child("a").state is ChildState.RUNNING
    assert engine.child("c").state is ChildState.RUNNING
    assert engine.child("b").state is ChildState.RESTARTING
    assert [engine.child(c).restarts for c in "abc"] == [0, 1, 0]


def test_one_for_all_stops_others_in_reverse_and_restarts_all_in_start_order() -> None:
    engine = make(Strategy.ONE_FOR_ALL, ids("a", "b", "c", "d"))
    decision = engine.on_exit("c", exit_())
    assert isinstance(decision, Restart)
    assert decision.failed == "c"
    assert decision.stop == ["d", "b", "a"]  # the failed child is already dead: not stopped
    assert decision.start == ["a", "b", "c", "d"]
    assert decision.remove == []
    assert all(engine.child(c).state is ChildState.RESTARTING for c in "abcd")


@pytest.mark.parametrize(
    ("failed", "stop", "start"),
    [
        ("a", ["d", "c", "b"], ["a", "b", "c", "d"]),
        ("b", ["d", "c"], ["b", "c", "d"]),
        ("c", ["d"], ["c", "d"]),
        ("d", [], ["d"]),
    ],
)
def test_rest_for_one_restarts_the_failed_child_and_those_started_after_it(
    failed: str, stop: list[str], start: list[str]
) -> None:
    engine = make(Strategy.REST_FOR_ONE, ids("a", "b", "c", "d"))
    decision = engine.on_exit(failed, exit_())
    assert isinstance(decision, Restart)
    assert decision.stop == stop
    assert decision.start == start
    for cid in "abcd":
        expected = ChildState.RESTARTING if cid in start else ChildState.RUNNING
        assert engine.child(cid).state is expected, cid
        assert engine.child(cid).restarts == (1 if cid in start else 0), cid


def test_simple_one_for_one_rejects_static_children() -> None:
    flags = SupervisorFlags(strategy=Strategy.SIMPLE_ONE_FOR_ONE)
    with pytest.raises(SupervisorError, match="simple_one_for_one"):
        SupervisorEngine(flags, [spec("agent/a")], clock=FakeClock(), rng=random.Random(0))


def test_simple_one_for_one_takes_children_at_run_time_and_restarts_one_by_one() -> None:
    engine = make(Strategy.SIMPLE_ONE_FOR_ONE)
    assert engine.child_ids == []
    for cid in ("agent/1", "agent/2", "agent/3"):
        engine.add_child(spec(cid))
        engine.mark_started(cid)
    decision = engine.on_exit("agent/2", exit_(ExitKind.KILLED))
    assert decision == Restart(failed="agent/2", stop=[], start=["agent/2"], remove=[], delay_s=0.0)
    assert engine.child("agent/1").state is ChildState.RUNNING
    assert engine.child("agent/3").state is ChildState.RUNNING
    # a temporary dynamic child is forgotten, the others stay
    engine.add_child(spec("agent/t", RestartType.TEMPORARY))
    assert engine.on_exit("agent/t", exit_()) == Ignore(child="agent/t", remove=True)
    assert engine.child_ids == ["agent/1", "agent/2", "agent/3"]


# ---- restart types ----------------------------------------------------------------


@pytest.mark.parametrize("kind", [k for k in ALL_KINDS if k is not ExitKind.SHUTDOWN])
def test_permanent_child_restarts_after_any_exit_but_shutdown(kind: ExitKind) -> None:
    engine = make(children=ids("a"))
    decision = engine.on_exit("a", exit_(kind))
    assert isinstance(decision, Restart)
    assert decision.start == ["a"]
    assert engine.child("a").last_exit == exit_(kind)


def test_permanent_child_is_not_restarted_after_shutdown() -> None:
    engine = make(children=ids("a", "b"), intensity=0)
    decision = engine.on_exit("a", exit_(ExitKind.SHUTDOWN))
    assert decision == Ignore(child="a", remove=False)
    assert engine.has_child("a")
    assert engine.child("a").state is ChildState.STOPPED
    assert engine.child("a").restarts == 0
    assert engine.child("b").state is ChildState.RUNNING
    assert engine.restarts_in_window() == 0  # an ignored exit is not a restart


@pytest.mark.parametrize("kind", ABNORMAL)
def test_transient_child_restarts_after_an_abnormal_exit(kind: ExitKind) -> None:
    engine = make(children=[spec("a", RestartType.TRANSIENT)])
    decision = engine.on_exit("a", exit_(kind))
    assert isinstance(decision, Restart)
    assert decision.start == ["a"]
    assert engine.child("a").restarts == 1


@pytest.mark.parametrize("kind", [ExitKind.NORMAL, ExitKind.SHUTDOWN])
def test_transient_child_stays_stopped_after_a_normal_exit(kind: ExitKind) -> None:
    engine = make(Strategy.ONE_FOR_ALL, [spec("a", RestartType.TRANSIENT), spec("b")])
    decision = engine.on_exit("a", exit_(kind, "work finished"))
    assert decision == Ignore(child="a", remove=False)
    assert engine.has_child("a")  # kept, as OTP keeps a finished transient child's spec
    assert engine.child("a").state is ChildState.STOPPED
    assert engine.child("a").last_exit == exit_(kind, "work finished")
    assert engine.child("b").state is ChildState.RUNNING  # no one_for_all restart either


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_temporary_child_is_never_restarted_and_is_removed(kind: ExitKind) -> None:
    engine = make(Strategy.ONE_FOR_ALL, [spec("a"), spec("t", RestartType.TEMPORARY), spec("c")], intensity=0)
    decision = engine.on_exit("t", exit_(kind))
    assert decision == Ignore(child="t", remove=True)
    assert not engine.has_child("t")
    assert engine.child_ids == ["a", "c"]
    assert engine.child("a").state is ChildState.RUNNING
    assert engine.restarts_in_window() == 0


def test_one_for_all_temporary_sibling_is_stopped_and_removed_not_restarted() -> None:
    engine = make(
        Strategy.ONE_FOR_ALL,
        [spec("a"), spec("t", RestartType.TEMPORARY), spec("b", RestartType.TRANSIENT), spec("c")],
    )
    decision = engine.on_exit("a", exit_())
    assert isinstance(decision, Restart)
    assert decision.remove == ["t"]
    assert "t" not in decision.start
    assert decision.stop == ["c", "b", "t"]  # it still has to be stopped
    assert decision.start == ["a", "b", "c"]  # a transient sibling is restarted (as in OTP)
    assert engine.child("t").state is ChildState.STOPPING
    assert engine.child("t").restarts == 0


def test_rest_for_one_temporary_sibling_before_the_failed_child_is_left_alone() -> None:
    children = [spec("t", RestartType.TEMPORARY), spec("a"), spec("u", RestartType.TEMPORARY)]
    engine = make(Strategy.REST_FOR_ONE, children)
    decision = engine.on_exit("a", exit_())
    assert isinstance(decision, Restart)
    assert decision.stop == ["u"]
    assert decision.remove == ["u"]
    assert decision.start == ["a"]
    assert engine.child("t").state is ChildState.RUNNING


# ---- restart intensity ------------------------------------------------------------


def test_exactly_intensity_restarts_within_the_period_are_allowed_the_next_escalates() -> None:
    clock = FakeClock()
    engine = make(children=ids("a", "b"), intensity=3, period_s=5.0, clock=clock)
    for n in range(3):
        assert isinstance(engine.on_exit("a", exit_()), Restart), n
        engine.mark_started("a")
        clock.advance(1.0)
    assert engine.restarts_in_window() == 3
    decision = engine.on_exit("a", exit_(ExitKind.HANG, "no answer to ping"))
    assert isinstance(decision, Escalate)
    assert decision.failed == "a"
    assert decision.stop == ["b"]
    assert "exceed intensity 3" in decision.reason
    assert "a hang" in decision.reason
    assert "no answer to ping" in decision.reason


def test_intensity_counts_restarts_of_all_children_together() -> None:
    engine = make(children=ids("a", "b", "c"), intensity=2)
    assert isinstance(engine.on_exit("a", exit_()), Restart)
    assert isinstance(engine.on_exit("b", exit_()), Restart)
    assert isinstance(engine.on_exit("c", exit_()), Escalate)


def test_children_that_die_together_count_once_toward_the_intensity() -> None:
    # a lost node: its 4 children exit within the burst window, twice (their first restarts
    # are tried before Ray has declared the node dead, and fail together)
    clock = FakeClock()
    flags = SupervisorFlags(intensity=2, period_s=10.0, burst_s=1.0, backoff=None)
    engine = SupervisorEngine(flags, ids("a", "b", "c", "d"), clock=clock)
    for cid in engine.start_order():
        engine.mark_started(cid)
    for _ in range(2):
        for cid in ("a", "b", "c", "d"):
            assert isinstance(engine.on_exit(cid, exit_()), Restart), cid
            clock.advance(0.1)
        clock.advance(3.0)
    assert engine.restarts_in_window() == 2
    # a third burst within the period is more than the intensity
    assert isinstance(engine.on_exit("a", exit_()), Escalate)


def test_a_child_crash_looping_inside_a_burst_window_counts_every_time() -> None:
    clock = FakeClock()
    flags = SupervisorFlags(intensity=2, period_s=10.0, burst_s=1.0, backoff=None)
    engine = SupervisorEngine(flags, ids("a", "b"), clock=clock)
    engine.mark_started("a")
    assert isinstance(engine.on_exit("a", exit_()), Restart)
    clock.advance(0.1)
    assert isinstance(engine.on_exit("b", exit_()), Restart)  # with a's burst: not counted
    clock.advance(0.1)
    assert isinstance(engine.on_exit("a", exit_()), Restart)  # a again: counted
    clock.advance(0.1)
    assert isinstance(engine.on_exit("a", exit_()), Escalate)


def test_a_burst_ends_after_its_window() -> None:
    clock = FakeClock()
    flags = SupervisorFlags(intensity=1, period_s=10.0, burst_s=1.0, backoff=None)
    engine = SupervisorEngine(flags, ids("a", "b"), clock=clock)
    assert isinstance(engine.on_exit("a", exit_()), Restart)
    clock.advance(1.5)
    assert isinstance(engine.on_exit("b", exit_()), Escalate)


def test_a_one_for_all_restart_counts_once_however_many_children_restart() -> None:
    engine = make(Strategy.ONE_FOR_ALL, ids("a", "b", "c", "d"), intensity=1)
    assert isinstance(engine.on_exit("a", exit_()), Restart)
    assert engine.restarts_in_window() == 1
    assert isinstance(engine.on_exit("b", exit_()), Escalate)


def test_restarts_older_than_the_period_are_forgotten() -> None:
    clock = FakeClock()
    engine = make(children=ids("a"), intensity=3, period_s=5.0, clock=clock)
    for _ in range(3):  # at t=0, 1, 2
        assert isinstance(engine.on_exit("a", exit_()), Restart)
        clock.advance(1.0)
    clock.advance(2.5)  # t=5.5: the restart at t=0 is out of the window
    assert engine.restarts_in_window() == 2
    assert isinstance(engine.on_exit("a", exit_()), Restart)  # window: 1, 2, 5.5
    clock.advance(0.1)  # t=5.6: window 1, 2, 5.5, 5.6 is one too many
    assert isinstance(engine.on_exit("a", exit_()), Escalate)


def test_a_restart_exactly_period_old_still_counts_like_otp() -> None:
    # OTP keeps restarts with R >= Now - Period, i.e. the window is inclusive.
    clock = FakeClock(100.0)
    engine = make(children=ids("a"), intensity=1, period_s=5.0, clock=clock)
    assert isinstance(engine.on_exit("a", exit_()), Restart)
    clock.advance(5.0)
    assert engine.restarts_in_window() == 1
    assert isinstance(engine.on_exit("a", exit_()), Escalate)


def test_a_restart_just_over_period_old_is_forgotten() -> None:
    clock = FakeClock(100.0)
    engine = make(children=ids("a"), intensity=1, period_s=5.0, clock=clock)
    assert isinstance(engine.on_exit("a", exit_()), Restart)
    clock.advance(5.25)
    assert engine.restarts_in_window() == 0
    assert isinstance(engine.on_exit("a", exit_()), Restart)


def test_many_slow_crashes_never_escalate() -> None:
    clock = FakeClock()
    engine = make(children=ids("a"), intensity=1, period_s=5.0, clock=clock)
    for _ in range(20):
        assert isinstance(engine.on_exit("a", exit_()), Restart)
        clock.advance(5.5)
    assert engine.child("a").restarts == 20


def test_intensity_zero_escalates_on_the_first_restart() -> None:
    engine = make(Strategy.ONE_FOR_ONE, ids("a", "b", "c"), intensity=0)
    decision = engine.on_exit("b", exit_(ExitKind.CRASH, "boom"))
    assert isinstance(decision, Escalate)
    assert decision.failed == "b"
    assert decision.stop == ["c", "a"]
    assert "intensity 0" in decision.reason
    assert "b crash (boom)" in decision.reason


@pytest.mark.parametrize("strategy", [Strategy.ONE_FOR_ONE, Strategy.ONE_FOR_ALL, Strategy.REST_FOR_ONE])
def test_escalate_stops_the_other_children_in_reverse_start_order(strategy: Strategy) -> None:
    engine = make(strategy, ids("a", "b", "c", "d", "e"), intensity=0)
    decision = engine.on_exit("c", exit_())
    assert isinstance(decision, Escalate)
    assert decision.stop == ["e", "d", "b", "a"]
    assert engine.child("c").state is ChildState.FAILED
    for cid in "abde":
        assert engine.child(cid).state is ChildState.STOPPING
    assert engine.child("c").restarts == 0  # it was not restarted


def test_restarts_in_window_drains_as_the_clock_moves() -> None:
    clock = FakeClock()
    engine = make(children=ids("a"), period_s=10.0, clock=clock)
    assert engine.restarts_in_window() == 0
    engine.on_exit("a", exit_())
    clock.advance(4.0)
    engine.on_exit("a", exit_())
    assert engine.restarts_in_window() == 2
    clock.advance(6.5)
    assert engine.restarts_in_window() == 1
    clock.advance(4.0)
    assert engine.restarts_in_window() == 0


# ---- backoff ------------------------------------------------------------------


NO_JITTER = BackoffPolicy(initial_s=0.05, base_s=0.1, multiplier=2.0, max_s=1.0, jitter=0.0, reset_after_s=10.0)


def test_backoff_delay_sequence_is_initial_then_base_times_multiplier_capped() -> None:
    engine = make(children=ids("a"), backoff=NO_JITTER)
    delays = [engine.backoff_delay(n) for n in range(8)]
    assert delays == pytest.approx([0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0])


def test_the_policy_alone_gives_the_same_delays_and_no_jitter_without_a_draw() -> None:
    assert [NO_JITTER.delay(n) for n in range(8)] == pytest.approx([0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0])
    assert JITTERY.delay(1) == 1.0  # no `uniform` given: the nominal delay
    assert JITTERY.delay(1, lambda a, b: b) == pytest.approx(1.2)


def test_consecutive_restarts_of_one_child_back_off_exponentially() -> None:
    clock = FakeClock()
    engine = make(children=ids("a"), backoff=NO_JITTER, clock=clock)
    delays = []
    for _ in range(7):
        decision = engine.on_exit("a", exit_())
        assert isinstance(decision, Restart)
        delays.append(decision.delay_s)
        engine.mark_started("a")
        clock.advance(0.5)  # crashes again soon after each start
    assert delays == pytest.approx([0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.0])
    assert engine.child("a").consecutive_restarts == 7


def test_backoff_is_counted_per_child() -> None:
    engine = make(children=ids("a", "b"), backoff=NO_JITTER)
    for _ in range(3):
        engine.on_exit("a", exit_())
    decision = engine.on_exit("b", exit_())
    assert isinstance(decision, Restart)
    assert decision.delay_s == pytest.approx(0.05)


def test_default_policy_restarts_at_once_the_first_time() -> None:
    engine = make(children=ids("a"), backoff=BackoffPolicy())  # initial_s=0, jitter=0.2
    first = engine.on_exit("a", exit_())
    assert isinstance(first, Restart)
    assert first.delay_s == 0.0  # no jitter around a zero delay
    second = engine.on_exit("a", exit_())
    assert isinstance(second, Restart)
    assert 0.08 <= second.delay_s <= 0.12


def test_backoff_none_means_no_delay() -> None:
    engine = make(children=ids("a"), backoff=None)
    for n in range(6):
        decision = engine.on_exit("a", exit_())
        assert isinstance(decision, Restart)
        assert decision.delay_s == 0.0
        assert engine.backoff_delay(n) == 0.0


JITTERY = BackoffPolicy(initial_s=0.5, base_s=1.0, multiplier=2.0, max_s=3.0, jitter=0.2, reset_after_s=60)


@pytest.mark.parametrize("seed", range(5))
def test_jitter_stays_within_the_fraction_and_under_max(seed: int) -> None:
    engine = make(children=ids("a"), backoff=JITTERY, seed=seed)
    nominal = [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]  # 4.0 and up are capped at max_s
    for _ in range(20):
        for n, base in enumerate(nominal):
            delay = engine.backoff_delay(n)
            assert base * 0.8 - 1e-9 <= delay <= base * 1.2 + 1e-9, (n, delay)
            assert 0.0 <= delay <= JITTERY.max_s, (n, delay)


def test_jitter_actually_spreads_the_delays() -> None:
    engine = make(children=ids("a"), backoff=JITTERY)
    values = {engine.backoff_delay(1) for _ in range(50)}
    assert len(values) > 40
    assert min(values) < 1.0 < max(values)


def test_full_jitter_never_goes_negative_or_over_max() -> None:
    policy = BackoffPolicy(initial_s=1.0, base_s=1.0, multiplier=3.0, max_s=4.0, jitter=1.0)
    engine = make(children=ids("a"), backoff=policy, seed=3)
    samples = [engine.backoff_delay(n) for _ in range(100) for n in range(5)]
    assert all(0.0 <= d <= 4.0 for d in samples)


def test_jitter_is_deterministic_for_a_seeded_rng() -> None:
    def run(seed: int) -> list[float]:
        engine = make(children=ids("a", "b"), backoff=JITTERY, seed=seed)
        out = []
        for cid in ["a", "b", "a", "a", "b", "a"]:
            decision = engine.on_exit(cid, exit_())
            assert isinstance(decision, Restart)
            out.append(decision.delay_s)
        return out

    assert run(11) == run(11)
    assert run(11) != run(12)


def test_consecutive_counter_resets_after_a_stable_run() -> None:
    clock = FakeClock()
    engine = make(children=ids("a"), backoff=NO_JITTER, clock=clock)
    for expected in (0.05, 0.1, 0.2):
        decision = engine.on_exit("a", exit_())
        assert isinstance(decision, Restart)
        assert decision.delay_s == pytest.approx(expected)
        engine.mark_started("a")
        clock.advance(1.0)
    clock.advance(9.0)  # ran exactly reset_after_s (10 s) since its last start
    decision = engine.on_exit("a", exit_())
    assert isinstance(decision, Restart)
    assert decision.delay_s == pytest.approx(0.05)
    assert engine.child("a").consecutive_restarts == 1


def test_consecutive_counter_keeps_growing_for_a_short_run() -> None:
    clock = FakeClock()
    engine = make(children=ids("a"), backoff=NO_JITTER, clock=clock)
    engine.on_exit("a", exit_())
    engine.mark_started("a")
    clock.advance(9.9)  # just short of reset_after_s
    decision = engine.on_exit("a", exit_())
    assert isinstance(decision, Restart)
    assert decision.delay_s == pytest.approx(0.1)


def test_a_child_that_never_started_does_not_reset_its_backoff() -> None:
    clock = FakeClock()
    engine = make(children=ids("a"), backoff=NO_JITTER, clock=clock, start=False)
    engine.on_exit("a", exit_(ExitKind.START_FAILED))
    clock.advance(100.0)
    decision = engine.on_exit("a", exit_(ExitKind.START_FAILED))
    assert isinstance(decision, Restart)
    assert decision.delay_s == pytest.approx(0.1)


def test_repeated_start_failures_after_a_long_run_keep_backing_off() -> None:
    clock = FakeClock()
    engine = make(children=ids("a"), backoff=NO_JITTER, clock=clock)
    clock.advance(100.0)  # a long healthy run, then a crash
    first = engine.on_exit("a", exit_(ExitKind.CRASH))
    assert isinstance(first, Restart)
    assert first.delay_s == pytest.approx(0.05)
    # the restart fails; mark_started is never called for it
    clock.advance(0.1)
    second = engine.on_exit("a", exit_(ExitKind.START_FAILED))
    assert isinstance(second, Restart)
    assert second.delay_s == pytest.approx(0.1)


# ---- restart counts and states -----------------------------------------------------


def test_restart_count_of_the_failed_child_increments_each_time() -> None:
    engine = make(children=ids("a", "b"))
    for n in range(1, 4):
        engine.on_exit("a", exit_())
        engine.mark_started("a")
        assert engine.child("a").restarts == n
    assert engine.child("b").restarts == 0


def test_one_for_all_siblings_restart_counts_increment_too() -> None:
    engine = make(Strategy.ONE_FOR_ALL, ids("a", "b", "c"))
    engine.on_exit("b", exit_())
    assert [engine.child(c).restarts for c in "abc"] == [1, 1, 1]
    engine.on_exit("a", exit_())
    assert [engine.child(c).restarts for c in "abc"] == [2, 2, 2]


def test_ignored_exit_does_not_count_as_a_restart() -> None:
    engine = make(children=[spec("a", RestartType.TRANSIENT)])
    engine.on_exit("a", exit_(ExitKind.NORMAL))
    assert engine.child("a").restarts == 0
    assert engine.child("a").consecutive_restarts == 0


def test_children_to_start_are_restarting_until_marked_started() -> None:
    clock = FakeClock()
    engine = make(Strategy.REST_FOR_ONE, ids("a", "b", "c"), clock=clock)
    decision = engine.on_exit("b", exit_())
    assert isinstance(decision, Restart)
    assert [engine.child(c).state for c in "abc"] == [
        ChildState.RUNNING,
        ChildState.RESTARTING,
        ChildState.RESTARTING,
    ]
    clock.advance(2.0)
    for cid in decision.start:
        engine.mark_started(cid)
    assert all(engine.child(c).state is ChildState.RUNNING for c in "abc")
    assert engine.child("b").started_at == clock.now
    assert engine.child("b").last_exit == exit_()


def test_a_stopped_child_can_be_restarted_after_a_later_crash() -> None:
    engine = make(children=[spec("a", RestartType.TRANSIENT)])
    assert isinstance(engine.on_exit("a", exit_(ExitKind.NORMAL)), Ignore)
    assert engine.child("a").state is ChildState.STOPPED
    engine.mark_started("a")  # e.g. restart_child by an operator
    decision = engine.on_exit("a", exit_(ExitKind.CRASH))
    assert isinstance(decision, Restart)
    assert engine.child("a").state is ChildState.RESTARTING
