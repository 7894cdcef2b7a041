"""Supervisor bookkeeping, after Erlang/OTP's `supervisor`: no Ray, no I/O, no clock of its own.

The engine decides; the actor (`supervisors/supervisor.py`) acts. Given a child's
exit, `on_exit` answers what to do: nothing, restart a set of children (after a
backoff delay), or give up and escalate to the parent because the restart
intensity was exceeded. The engine keeps each child's state, restart count and
the sliding window of recent restarts.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

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


class SupervisorError(Exception):
    """A request the engine cannot honour (unknown child, duplicate id, wrong strategy)."""


@dataclass
class ChildRecord:
    """What the supervisor knows about one child."""

    spec: ChildSpec
    state: ChildState = ChildState.STARTING
    restarts: int = 0
    consecutive_restarts: int = 0  # drives the backoff; reset after a stable run
    started_at: float | None = None
    last_exit: ExitReason | None = None


@dataclass(frozen=True)
class Ignore:
    """Nothing to restart. `remove` is True when the child is forgotten (temporary)."""

    child: str
    remove: bool


@dataclass(frozen=True)
class Restart:
    """Stop `stop` (in this order: reverse start order), then start `start` in order.

    `failed` is the child whose exit caused this; it is already dead and is not in
    `stop`. `delay_s` is the backoff to wait before starting. Children listed in
    `remove` were temporary siblings: they are stopped and not started again.
    """

    failed: str
    stop: list[str]
    start: list[str]
    remove: list[str]
    delay_s: float


@dataclass(frozen=True)
class Escalate:
    """The restart intensity was exceeded: stop every child (reverse order) and fail."""

    failed: str
    reason: str
    stop: list[str] = field(default_factory=list)


Decision = Ignore | Restart | Escalate


class SupervisorEngine:
    """Strategy decisions, restart intensity and backoff for one supervisor."""

    def __init__(
        self,
        flags: SupervisorFlags,
        children: list[ChildSpec] | tuple[ChildSpec, ...] = (),
        *,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.flags = flags
        self._clock = clock
        self._rng = rng or random.Random()
        self._children: dict[str, ChildRecord] = {}
        self._restart_times: deque[float] = deque()
        self._burst: tuple[float, set[str]] | None = None  # (first exit, children) of the latest burst
        if flags.strategy is Strategy.SIMPLE_ONE_FOR_ONE and children:
            raise SupervisorError("simple_one_for_one children are added at run time, not in the spec")
        for spec in children:
            self._add(spec)

    # ---- children --------------------------------------------------------------

    @property
    def child_ids(self) -> list[str]:
        """Children in start order."""
        return list(self._children)

    def child(self, child_id: str) -> ChildRecord:
        try:
            return self._children[child_id]
        except KeyError:
            raise SupervisorError(f"no child '{child_id}'") from None

    def has_child(self, child_id: str) -> bool:
        return child_id in self._children

    def start_order(self) -> list[str]:
        return self.child_ids

    def stop_order(self, ids: list[str] | None = None) -> list[str]:
        """Reverse start order (of `ids`, or of every child)."""
        chosen = set(self._children if ids is None else ids)
        return [cid for cid in reversed(self._children) if cid in chosen]

    def add_child(self, spec: ChildSpec) -> ChildRecord:
        """Add a child at run time (dynamic supervisors, and `start_child` on the others)."""
        return self._add(spec)

    def remove_child(self, child_id: str) -> ChildRecord:
        record = self.child(child_id)
        del self._children[child_id]
        return record

    def mark_started(self, child_id: str) -> None:
        record = self.child(child_id)
        record.state = ChildState.RUNNING
        record.started_at = self._clock()

    def mark_state(self, child_id: str, state: ChildState) -> None:
        self.child(child_id).state = state

    # ---- the decision ----------------------------------------------------------

    def on_exit(self, child_id: str, reason: ExitReason) -> Decision:
        """A child exited (or was found dead or hung). Decide what happens next."""
        record = self.child(child_id)
        record.last_exit = reason
        now = self._clock()

        if not self._should_restart(record.spec.restart, reason.kind):
            record.state = ChildState.STOPPED
            forget = record.spec.restart is RestartType.TEMPORARY
            if forget:
                del self._children[child_id]
            return Ignore(child=child_id, remove=forget)

        # Restart intensity: count this restart in the sliding window first (OTP counts it),
        # unless it belongs to a burst of other children's exits (they died together).
        if self._starts_a_burst(child_id, now):
            self._restart_times.append(now)
        while self._restart_times and now - self._restart_times[0] > self.flags.period_s:
            self._restart_times.popleft()
        if len(self._restart_times) > self.flags.intensity:
            for rec in self._children.values():
                rec.state = ChildState.FAILED if rec is record else ChildState.STOPPING
            return Escalate(
                failed=child_id,
                reason=(
                    f"{len(self._restart_times)} restarts within {self.flags.period_s:g} s "
                    f"exceed intensity {self.flags.intensity}; last: {child_id} {reason.kind.value}"
                    + (f" ({reason.detail})" if reason.detail else "")
                ),
                stop=[cid for cid in self.stop_order() if cid != child_id],
            )

        # Backoff: a child that ran long enough starts over at the first delay.
        policy = self.flags.backoff
        ran_for = None if record.started_at is None else now - record.started_at
        if policy is not None and ran_for is not None and ran_for >= policy.reset_after_s:
            record.consecutive_restarts = 0
        delay = self.backoff_delay(record.consecutive_restarts)
        record.consecutive_restarts += 1

        affected = self._affected_siblings(child_id)
        remove = [cid for cid in affected if self._children[cid].spec.restart is RestartType.TEMPORARY]
        stop = self.stop_order(affected)
        start = [cid for cid in self.start_order() if cid == child_id or (cid in affected and cid not in remove)]

        record.restarts += 1
        for cid in start:
            self._children[cid].state = ChildState.RESTARTING
            # not running any more: a start that fails must not look like a stable run
            self._children[cid].started_at = None
            if cid != child_id:
                self._children[cid].restarts += 1
        for cid in remove:
            # the actor stops it first, then calls remove_child
            self._children[cid].state = ChildState.STOPPING
        return Restart(failed=child_id, stop=stop, start=start, remove=remove, delay_s=delay)

    def backoff_delay(self, consecutive_restarts: int) -> float:
        """Seconds to wait before restart number `consecutive_restarts + 1` of one child."""
        policy: BackoffPolicy | None = self.flags.backoff
        if policy is None:
            return 0.0
        return policy.delay(consecutive_restarts, self._rng.uniform)

    def restarts_in_window(self) -> int:
        now = self._clock()
        return sum(1 for t in self._restart_times if now - t <= self.flags.period_s)

    # ---- internals -------------------------------------------------------------

    def _add(self, spec: ChildSpec) -> ChildRecord:
        if spec.id in self._children:
            raise SupervisorError(f"a child with id '{spec.id}' already exists")
        record = ChildRecord(spec=spec)
        self._children[spec.id] = record
        return record

    def _starts_a_burst(self, child_id: str, now: float) -> bool:
        """True when this exit counts toward the intensity: it is not within `burst_s` of
        the first exit of a burst, or the burst already counted this child."""
        window = self.flags.burst_s
        if window > 0 and self._burst is not None:
            started, children = self._burst
            if now - started <= window and child_id not in children:
                children.add(child_id)
                return False
        self._burst = (now, {child_id})
        return True

    @staticmethod
    def _should_restart(restart: RestartType, kind: ExitKind) -> bool:
        if restart is RestartType.PERMANENT:
            return kind is not ExitKind.SHUTDOWN
        if restart is RestartType.TRANSIENT:
            return kind.abnormal
        return False

    def _affected_siblings(self, child_id: str) -> list[str]:
        """Other children the strategy restarts along with the failed one."""
        strategy = self.flags.strategy
        if strategy is Strategy.ONE_FOR_ALL:
            return [cid for cid in self._children if cid != child_id]
        if strategy is Strategy.REST_FOR_ONE:
            ids = list(self._children)
            return ids[ids.index(child_id) + 1 :]
        return []  # one_for_one, simple_one_for_one
