"""Supervision vocabulary (after Erlang/OTP): strategies, child specs, exits, the tree."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Strategy(StrEnum):
    ONE_FOR_ONE = "one_for_one"
    ONE_FOR_ALL = "one_for_all"
    REST_FOR_ONE = "rest_for_one"
    SIMPLE_ONE_FOR_ONE = "simple_one_for_one"  # dynamic children, restarted one by one


class RestartType(StrEnum):
    PERMANENT = "permanent"  # always restarted
    TRANSIENT = "transient"  # restarted only after an abnormal exit
    TEMPORARY = "temporary"  # never restarted


class ChildKind(StrEnum):
    WORKER = "worker"
    SUPERVISOR = "supervisor"


class ExitKind(StrEnum):
    NORMAL = "normal"  # the child finished its work and asked to stop
    SHUTDOWN = "shutdown"  # its supervisor stopped it
    CRASH = "crash"  # the process died (exception in start, os._exit, OOM, node loss)
    KILLED = "killed"  # killed from outside (ray.kill, `pygent kill`)
    HANG = "hang"  # did not answer ping in time
    START_FAILED = "start_failed"  # constructor or start hook failed

    @property
    def abnormal(self) -> bool:
        return self not in (ExitKind.NORMAL, ExitKind.SHUTDOWN)


class ChildState(StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    RESTARTING = "restarting"
    STOPPING = "stopping"
    STOPPED = "stopped"  # exited and not restarted (transient/temporary, or shut down)
    FAILED = "failed"  # gave up: its supervisor escalated


class BackoffPolicy(BaseModel):
    """Delay before the n-th consecutive restart of one child (Akka's restartWithBackoff)."""

    model_config = ConfigDict(frozen=True)

    initial_s: float = Field(0.0, ge=0)  # before the first restart
    base_s: float = Field(0.1, ge=0)  # before the second; then x multiplier each time
    max_s: float = Field(5.0, ge=0)
    multiplier: float = Field(2.0, ge=1)
    jitter: float = Field(0.2, ge=0, le=1)  # +/- this fraction, at random
    reset_after_s: float = Field(10.0, ge=0)  # a child that ran this long starts over at 0

    def delay(self, consecutive: int, uniform: Callable[[float, float], float] | None = None) -> float:
        """Seconds to wait before try number `consecutive + 1` after `consecutive` failures
        in a row. `uniform(a, b)` draws the jitter (e.g. `random.Random().uniform`); without
        it, or with `jitter` 0, the delay is exact."""
        if consecutive == 0:
            base = min(self.max_s, self.initial_s)
        else:
            base = min(self.max_s, self.base_s * self.multiplier ** (consecutive - 1))
        if base == 0.0 or self.jitter == 0.0 or uniform is None:
            return base
        spread = base * self.jitter
        return max(0.0, min(self.max_s, base + uniform(-spread, spread)))


class ChildSpec(BaseModel):
    """How to start, restart and stop one child. Pure data: the actor class is an import path."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str  # the child's address, `type/key`; also its Ray actor name (unless `standby`)
    actor: str  # "package.module:ClassName" of a SupervisedActor subclass
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = Field(default_factory=dict)
    restart: RestartType = RestartType.PERMANENT
    kind: ChildKind = ChildKind.WORKER
    shutdown_timeout_s: float = Field(5.0, gt=0)
    # Ray actor options (num_cpus, resources, max_concurrency...). Long-lived actors
    # take num_cpus=0 so a 2-core machine can hold dozens of them.
    ray_options: dict[str, Any] = Field(default_factory=dict)
    # Workers only: keep a warm standby (an incarnation that has run its constructor) and
    # promote it when this child dies, so a restart skips Ray's process start.
    standby: bool = False
    # After a crash of this child with its whole node (a node loss), wait this long before
    # restarting it: on a small cluster the lost children's restarts compete for the same
    # cores, and those users wait on (agents, models, memory) come back first.
    node_loss_delay_s: float = Field(0.0, ge=0, le=300)
    # Workers only: the child outlives a crash of its supervisor (a detached Ray actor) and the
    # supervisor's next incarnation adopts it when asked to start it, instead of starting it
    # afresh: a killed pool of agents costs no agent its answer in flight. Unlike OTP, where
    # children die with their supervisor; an orderly stop still stops them.
    outlives_supervisor: bool = False
    # Supervisors only: the flags and children of the child supervisor.
    supervisor: SupervisorFlags | None = None
    children: tuple[ChildSpec, ...] = ()


class EventSinkSpec(BaseModel):
    """Where a supervisor sends its reports (supervisors/events.py): live events to
    `publish_to` on `topic`, the record of restarts to `record_to`. None: nowhere."""

    model_config = ConfigDict(frozen=True)

    publish_to: str | None = None
    record_to: str | None = None
    topic: str = "supervision"


class SupervisorFlags(BaseModel):
    """A supervisor's strategy and restart intensity."""

    model_config = ConfigDict(frozen=True)

    strategy: Strategy = Strategy.ONE_FOR_ONE
    intensity: int = Field(3, ge=0)  # more than this many restarts...
    period_s: float = Field(5.0, gt=0)  # ...within this many seconds: give up and escalate
    # Children that die together (a lost node's) are one failure: the exits of other children
    # within this many seconds of the first one count once toward the intensity. 0 (OTP):
    # every restart counts. A child's own restarts always count. The platform's tree sets it
    # from `supervision.restart_burst_s`.
    burst_s: float = Field(0.0, ge=0)
    backoff: BackoffPolicy | None = BackoffPolicy()
    ping_interval_s: float = Field(2.0, gt=0)
    ping_timeout_s: float = Field(5.0, gt=0)
    start_timeout_s: float = Field(60.0, gt=0)
    # Tries of each child's start when this supervisor starts. A child whose start failed
    # at once (not by timing out) is tried again before the supervisor fails its own start.
    # 1 (OTP): the first failure fails the supervisor.
    start_attempts: int = Field(1, ge=1)
    # After a child crashed on another node, how long a connection to that node's raylet
    # may take before the node counts as lost and restarts are kept off it
    # (supervisors/lost_nodes.py). 0: no check.
    node_probe_timeout_s: float = Field(1.0, ge=0)
    # A child's next warm standby is built once this supervisor has started no child for
    # this many seconds (and starts none): not during a burst of restarts, whose CPU it
    # would share. 0: at once, as the child is running.
    standby_delay_s: float = Field(0.0, ge=0)
    # simple_one_for_one: the template for children added at run time (id, args, kwargs
    # are given per child).
    child_template: ChildSpec | None = None
    # Where reports go; None: the configured default (`supervision.event_sink`). A child
    # supervisor inherits its parent's sink.
    event_sink: EventSinkSpec | None = None


ChildSpec.model_rebuild()


class ExitReason(BaseModel):
    kind: ExitKind
    detail: str = ""


class SupervisionEvent(BaseModel):
    """One thing a supervisor did: a restart, an escalation, a child giving up. Who, when, why."""

    supervisor: str
    child: str
    action: str  # restart | escalate | remove | stop | start_failed
    reason: ExitKind
    detail: str = ""
    restarts: int = 0  # the child's restart count after this action
    delay_s: float = 0.0  # backoff waited before the restart
    siblings: list[str] = Field(default_factory=list)  # also restarted (one_for_all, rest_for_one)
    at: float = Field(default_factory=time.time)
    # Made once, where the event happens: a batch sent again after a timed-out write (the
    # store wrote it, the answer did not arrive) is stored once.
    id: str = Field(default_factory=lambda: uuid.uuid4().hex, min_length=1, max_length=64)


class ChildStatus(BaseModel):
    """A node of the supervision tree as reported by `pygent status` and /api/v1/system/tree."""

    address: str
    kind: ChildKind
    state: ChildState
    restarts: int = 0
    restart_type: RestartType = RestartType.PERMANENT
    strategy: Strategy | None = None  # supervisors only
    started_at: float | None = None
    uptime_s: float | None = None
    node_id: str | None = None
    node_ip: str | None = None
    pid: int | None = None
    last_exit: ExitReason | None = None
    children: list[ChildStatus] = Field(default_factory=list)

    def walk(self) -> list[ChildStatus]:
        """This node and every descendant, depth first."""
        nodes = [self]
        for child in self.children:
            nodes.extend(child.walk())
        return nodes

    def find(self, address: str) -> ChildStatus | None:
        for node in self.walk():
            if node.address == address:
                return node
        return None
