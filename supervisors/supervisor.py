"""The supervisor actor: starts, watches and restarts its children on Ray, as the engine decides.

Death is detected without polling: each child has a `supervision_wait_exit`
call outstanding for its whole life, which fails with RayActorError the moment
the child's process dies. A separate ping loop catches children that are alive
but hung. A restarted child is created under the same Ray actor name (its
address), so callers that go by name or through the bus find it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
import time
from collections import deque
from dataclasses import dataclass, replace
from typing import Any

import ray
from ray.actor import ActorHandle
from ray.exceptions import RayActorError

from protocols.supervision import (
    ChildKind,
    ChildSpec,
    ChildState,
    ChildStatus,
    EventSinkSpec,
    ExitKind,
    ExitReason,
    RestartType,
    Strategy,
    SupervisionEvent,
    SupervisorFlags,
)
from supervisors.actor import SupervisedActor, tool
from supervisors.engine import Escalate, Ignore, Restart, SupervisorEngine, SupervisorError
from supervisors.events import EventSink, sink_for
from supervisors.lost_nodes import exclude_nodes, lost_node_ids, raylet_unreachable, report_lost
from supervisors.refs import await_ref, incarnation_name, kill, kill_soon, publish_alias, unwrap
from supervisors.sendable import with_sendable_errors
from supervisors.specs import start_budget_s

log = logging.getLogger(__name__)

# Every supervised actor is long-lived and mostly waits: it takes no CPU slot, it
# serves many calls at once (async), and Ray itself never restarts it: we do.
DEFAULT_ACTOR_OPTIONS: dict[str, Any] = {
    "num_cpus": 0,
    "max_concurrency": 1000,
    "max_restarts": 0,
    "max_task_retries": 0,
}

_remote_classes: dict[str, Any] = {}


def remote_class(import_path: str) -> Any:
    """`pkg.module:Class` -> the ray.remote-wrapped class (cached per process)."""
    cls = _remote_classes.get(import_path)
    if cls is None:
        module_name, _, attr = import_path.partition(":")
        if not attr:
            raise SupervisorError(f"actor '{import_path}' must be 'package.module:ClassName'")
        target = getattr(importlib.import_module(module_name), attr)
        cls = ray.remote(with_sendable_errors(target))
        _remote_classes[import_path] = cls
    return cls


async def remote_class_off_loop(import_path: str) -> Any:
    """`remote_class`, with a first import on a thread. A child's module can take seconds to
    import on a loaded node (psycopg, faiss, torch), and a supervisor's loop must keep
    answering pings and watching its other children meanwhile (a restart after a node loss
    imports several at once)."""
    cls = _remote_classes.get(import_path)
    if cls is not None:
        return cls
    return await asyncio.to_thread(remote_class, import_path)


class ChildStartError(Exception):
    pass


@dataclass(frozen=True)
class _Launched:
    """A child's incarnation that answered ready, not yet recorded as the running child
    (with what its standby needs)."""

    handle: ActorHandle
    name: str
    info: dict[str, Any]
    uses_standby: bool
    cls: Any
    options: dict[str, Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


class Supervisor(SupervisedActor):
    """An OTP-style supervisor. Itself a supervised actor, so supervisors nest.

    It runs no application code. Extension points for a subclass (none reach into the
    internals): `initial_children(specs)` composes the children each start begins with;
    `on_child_started(child_id)` and `on_child_exit(child_id, reason)` are
    called after the fact; `child_state(child_id)` and `child_restart_count(child_id)` read
    the bookkeeping; `child_handle(child_id)` is the running child's Ray handle.
    A worker that decides what runs (a registry, a manager) is a sibling that calls
    `start_child` / `terminate_child` / `restart_child`.
    """

    def __init__(
        self,
        address: str,
        flags: dict[str, Any] | SupervisorFlags,
        children: list[dict[str, Any]] | list[ChildSpec] = (),  # type: ignore[assignment]
        namespace: str | None = None,
    ) -> None:
        super().__init__(address)
        self.flags = flags if isinstance(flags, SupervisorFlags) else SupervisorFlags.model_validate(flags)
        specs = [c if isinstance(c, ChildSpec) else ChildSpec.model_validate(c) for c in children]
        self.engine = SupervisorEngine(self.flags, specs)
        self.namespace = namespace or ray.get_runtime_context().namespace
        self._handles: dict[str, ActorHandle] = {}
        self._whereabouts_of: dict[str, dict[str, Any]] = {}
        self._generation: dict[str, int] = {}
        self._watchers: dict[str, asyncio.Task[None]] = {}
        self._starting: dict[str, ActorHandle] = {}  # incarnations waited for (a lone restart)
        self._lock: asyncio.Lock | None = None
        self._shutting_down = False
        self._history: deque[SupervisionEvent] = deque(maxlen=200)
        self._outbox: deque[SupervisionEvent] = deque(maxlen=10_000)
        self._flusher: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        # Warm standbys: child id -> (handle, Ray name, node id) of a constructed, unstarted incarnation.
        self._standbys: dict[str, tuple[ActorHandle, str, str | None]] = {}
        self._standby_tasks: dict[str, asyncio.Task[None]] = {}
        # Children created ahead of their start (`_prelaunch`): child id -> handle.
        self._prelaunched: dict[str, ActorHandle] = {}
        # When a child's start last began or ended (monotonic): standbys wait for calm.
        self._last_start_at = time.monotonic()
        self.events: EventSink = sink_for(self._sink_spec(), self.namespace)

    def _sink_spec(self) -> EventSinkSpec | None:
        """The flags' sink, else the configured one (`supervision.events_*`)."""
        if self.flags.event_sink is not None:
            return self.flags.event_sink
        try:
            from configs.settings import get_settings

            s = get_settings().supervision
            return EventSinkSpec(publish_to=s.events_publish_to, record_to=s.events_record_to)
        except Exception:  # settings that do not load must not stop a supervisor
            return None

    # ---- lifetime --------------------------------------------------------------

    async def on_start(self) -> None:
        """Ordered start. If a child fails to start, stop the started ones and fail."""
        specs = [self.engine.child(cid).spec for cid in self.engine.child_ids]
        composed = await self.initial_children(specs)
        if composed != specs:  # nothing runs yet: a fresh engine holds the composed children
            self.engine = SupervisorEngine(self.flags, composed)
        self._lock = asyncio.Lock()
        self._flusher = asyncio.create_task(self._flush_events_forever())
        started: list[str] = []
        async with self._lock:
            order = self.engine.start_order()
            await self._prelaunch(order)
            for child_id in order:
                try:
                    await self._start_child_with_retries(child_id)
                except ChildStartError as exc:
                    self._drop_prelaunched(order)
                    for done in reversed(started):
                        await self._stop_child(done)
                    raise RuntimeError(f"{self.address}: child {child_id} failed to start: {exc}") from exc
                started.append(child_id)
        if self.flags.strategy is Strategy.SIMPLE_ONE_FOR_ONE and self.flags.child_template is not None:
            task = asyncio.create_task(self._prelaunch_expected())
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _start_child_with_retries(self, child_id: str) -> None:
        """A child's start at this supervisor's start: one that failed at once (its actor
        died, a dependency died during its start) is tried again, up to `start_attempts`
        tries, so one unlucky child does not fail (and restart) all its siblings. A start
        that timed out is not tried again: it already had its whole budget."""
        for attempt in range(1, self.flags.start_attempts + 1):
            try:
                await self._start_child(child_id)
                return
            except ChildStartError as exc:
                if attempt == self.flags.start_attempts or isinstance(exc.__cause__, TimeoutError):
                    raise
                log.warning("%s: %s failed to start (%s); trying again", self.address, child_id, exc)
                await asyncio.sleep(self.engine.backoff_delay(attempt))

    async def expected_children(self) -> list[tuple[str, list[Any]]]:
        """simple_one_for_one: the children (id, args) this supervisor expects to be asked to
        start soon, e.g. those recorded in the database that another actor starts again
        after a restart. Their processes are created in the background as this supervisor
        has started, so `start_child` finds them constructed (a subclass says which; none
        by default). Raising means none."""
        return []

    async def initial_children(self, specs: list[ChildSpec]) -> list[ChildSpec]:
        """The children this start begins with, given those of the spec (a subclass may add
        some kept elsewhere, e.g. in the database). Raising fails the start."""
        return specs

    async def on_stop(self) -> None:
        """Reverse-ordered shutdown, each child within its shutdown timeout."""
        self._shutting_down = True
        assert self._lock is not None
        async with self._lock:
            for child_id in self.engine.stop_order():
                await self._stop_child(child_id)
                self._drop_standby(child_id)
            self._drop_prelaunched(list(self._prelaunched))
        await self._flush_events_once()
        if self._flusher is not None:
            self._flusher.cancel()

    # ---- public API (Ray handle and bus tools) ---------------------------------

    async def describe(self) -> dict[str, Any]:
        """This supervisor's subtree as nested ChildStatus dicts."""
        return (await self._describe()).model_dump(mode="json")

    async def which_children(self) -> list[dict[str, Any]]:
        """Direct children, without recursion (OTP's which_children)."""
        return [self._status_of(cid).model_dump(mode="json") for cid in self.engine.child_ids]

    async def start_child(
        self,
        child_id: str,
        args: list[Any] | None = None,
        kwargs: dict[str, Any] | None = None,
        spec: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Add and start a child at run time.

        simple_one_for_one: from the template, with this id and args. Others: from `spec`.
        """
        if self.flags.strategy is Strategy.SIMPLE_ONE_FOR_ONE:
            child_spec = self._from_template(child_id, args, kwargs)
        else:
            if spec is None:
                raise SupervisorError(f"{self.address} needs a full child spec")
            child_spec = ChildSpec.model_validate({**spec, "id": child_id})
        lock = self._require_lock()
        async with lock:
            self.engine.add_child(child_spec)
            try:
                await self._start_child(child_id)
            except ChildStartError as exc:
                self.engine.remove_child(child_id)
                raise SupervisorError(f"child {child_id} failed to start: {exc}") from exc
        return self._status_of(child_id).model_dump(mode="json")

    def _from_template(
        self, child_id: str, args: list[Any] | None = None, kwargs: dict[str, Any] | None = None
    ) -> ChildSpec:
        """simple_one_for_one: the spec of a child made from the template."""
        template = self.flags.child_template
        if template is None:
            raise SupervisorError(f"{self.address} has no child template")
        return template.model_copy(update={"id": child_id, "args": tuple(args or ()), "kwargs": kwargs or {}})

    async def terminate_child(self, child_id: str) -> dict[str, Any]:
        """Stop a child in order and forget it (OTP terminate_child + delete_child)."""
        lock = self._require_lock()
        async with lock:
            self.engine.child(child_id)
            await self._stop_child(child_id)
            self._drop_standby(child_id)
            self.engine.remove_child(child_id)
        self._publish_lifecycle("child_removed", child_id)
        return {"address": child_id, "terminated": True}

    async def restart_child(self, child_id: str) -> dict[str, Any]:
        """Stop and start one child on request (does not count toward intensity)."""
        lock = self._require_lock()
        async with lock:
            self.engine.child(child_id)
            await self._stop_child(child_id)
            await self._start_child(child_id)
        return self._status_of(child_id).model_dump(mode="json")

    async def standby_of(self, child_id: str) -> str | None:
        """The Ray name of `child_id`'s constructed standby, or None (none, or not ready yet)."""
        standby = self._standbys.get(child_id)
        return None if standby is None else standby[1]

    async def history(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest supervision events of this supervisor (newest last)."""
        return [e.model_dump(mode="json") for e in list(self._history)[-limit:]]

    @tool(description="The supervision tree under this supervisor: addresses, states, restart counts.")
    async def tree(self) -> dict[str, Any]:
        return await self.describe()

    @tool(description="Recent restarts and escalations recorded by this supervisor.")
    async def restarts(self, limit: int = 50) -> list[dict[str, Any]]:
        return await self.history(limit)

    # ---- starting and stopping children ----------------------------------------

    async def _start_child(self, child_id: str) -> None:
        """Start a child and take it under watch (the lock held throughout)."""
        self._adopt(child_id, await self._launch(child_id))

    async def _launch(self, child_id: str, generation: int | None = None) -> _Launched:
        """Create a child's incarnation (or promote its standby) and wait until it is ready;
        nothing is recorded as running yet (`_adopt` does). May run without the lock (a lone
        restart): `generation`, if given, is the child's generation this start is for, and a
        stop meanwhile (which kills the incarnation starting here) ends it with no retry."""
        record = self.engine.child(child_id)
        spec = record.spec
        self.engine.mark_state(child_id, ChildState.STARTING)
        self._last_start_at = time.monotonic()
        cls, options, args, kwargs = await self._creation(spec)
        uses_standby = spec.standby and spec.kind is ChildKind.WORKER
        outlives = spec.outlives_supervisor and spec.kind is ChildKind.WORKER and not uses_standby
        lost = await self._lost_nodes()
        options = exclude_nodes(options, lost)
        standby = self._standbys.pop(child_id, None) if uses_standby else None
        if standby is not None and standby[2] in lost:  # it went down with its node
            kill_soon(standby[0])
            standby = None
        made = self._prelaunched.pop(child_id, None)
        orphan = await self._orphan(spec.id) if outlives and made is None else None
        if standby is not None:
            handle, name, _node = standby
            ready: Any = handle.supervision_promote
        elif orphan is not None:  # it outlived our predecessor: adopted as it runs
            handle, name = orphan, spec.id
            ready = handle.supervision_ready  # answers at once: its on_start ran long ago
            log.info("%s: adopted %s, which outlived this supervisor's predecessor", self.address, spec.id)
        else:
            name = incarnation_name(spec.id) if uses_standby else spec.id
            if outlives:
                options = {**options, "lifetime": "detached"}
            handle = made or await self._create_named(cls, {**options, "name": name}, args, kwargs)
            ready = handle.supervision_ready
        self._starting[child_id] = handle
        try:
            info = await asyncio.wait_for(await_ref(ready.remote()), start_budget_s(spec, self.flags.start_timeout_s))
        except (TimeoutError, Exception) as exc:
            await kill(handle)
            superseded = generation is not None and self._generation.get(child_id, 0) != generation
            if standby is not None and not superseded:  # the standby died waiting: a fresh incarnation instead
                log.warning("%s: standby of %s failed (%s)", self.address, child_id, _describe_error(exc))
                return await self._launch(child_id, generation)
            if self.engine.has_child(child_id) and not superseded:
                self.engine.mark_state(child_id, ChildState.STOPPED)
            raise ChildStartError(_describe_error(exc)) from exc
        finally:
            if self._starting.get(child_id) is handle:
                del self._starting[child_id]
        return _Launched(handle, name, info, uses_standby, cls, options, args, kwargs)

    async def _creation(self, spec: ChildSpec) -> tuple[Any, dict[str, Any], tuple[Any, ...], dict[str, Any]]:
        """How a fresh incarnation of `spec` is created: its actor class, Ray options (under
        the child's own name), and constructor arguments."""
        options = {**DEFAULT_ACTOR_OPTIONS, **spec.ray_options, "name": spec.id, "namespace": self.namespace}
        if spec.kind is ChildKind.SUPERVISOR:
            flags = spec.supervisor or SupervisorFlags()
            if flags.event_sink is None and self.flags.event_sink is not None:
                flags = flags.model_copy(update={"event_sink": self.flags.event_sink})
            args: tuple[Any, ...] = (
                spec.id,
                flags.model_dump(mode="json"),
                [c.model_dump(mode="json") for c in spec.children],
                self.namespace,
            )
            return await remote_class_off_loop(spec.actor or "supervisors.supervisor:Supervisor"), options, args, {}
        return await remote_class_off_loop(spec.actor), options, (spec.id, *spec.args), dict(spec.kwargs)

    async def _prelaunch(self, child_ids: list[str]) -> None:
        """Create the processes of children about to start in order, all at once, before the
        first of them starts. A process takes seconds to start on a loaded node (Python, Ray,
        the actor's imports), and a subtree that starts its children one after another would
        otherwise pay that once per child: a restarted `supervisor/agents` waited for its
        pool's process, then its registry's. Their starts (`on_start`, through
        `supervision_ready`) still run one at a time, in order, in `_launch`; until then each
        waits, constructed, as any child does between its creation and its start. Only the
        plain case: a standby is promoted and an orphan adopted instead, and a child that
        outlives its supervisor is created when its turn comes (it may be adopted then)."""
        lost = await self._lost_nodes()  # one GCS read for the lot
        for child_id in child_ids:
            if child_id in self._prelaunched or not self.engine.has_child(child_id):
                continue
            spec = self.engine.child(child_id).spec
            if spec.kind is ChildKind.WORKER and (spec.standby or spec.outlives_supervisor):
                continue
            try:
                self._prelaunched[child_id] = await self._create_ahead(spec, lost)
            except Exception as exc:  # its turn creates it afresh and reports the failure
                log.warning("%s: could not create %s ahead (%s)", self.address, child_id, _describe_error(exc))
                return

    async def _create_ahead(self, spec: ChildSpec, lost: list[str]) -> ActorHandle:
        """Create `spec`'s process now, off the lost nodes, for `_launch` to start later (it
        pops it from `_prelaunched`). A worker that outlives its supervisor is detached, as
        `_launch` would make it."""
        cls, options, args, kwargs = await self._creation(spec)
        options = exclude_nodes(options, lost)
        if spec.outlives_supervisor and spec.kind is ChildKind.WORKER:
            options = {**options, "lifetime": "detached"}
        return await self._create_named(cls, options, args, kwargs)

    def _drop_prelaunched(self, child_ids: list[str]) -> None:
        """Kill those of these children's processes created ahead whose start did not come
        (a sibling failed, or nobody asked for them)."""
        for child_id in child_ids:
            handle = self._prelaunched.pop(child_id, None)
            if handle is not None:
                kill_soon(handle)

    async def _prelaunch_expected(self) -> None:
        """Create the processes of `expected_children` (simple_one_for_one), one at a time
        under the lock, so a `start_child` meanwhile either finds its child constructed or
        creates it itself; never both. After a node loss this overlaps the agents'
        process starts with their registry's, which asks for them once it runs. One that
        outlives this supervisor and is still alive is left to be adopted. Those not
        asked for within the start timeout are killed."""
        try:
            expected = await self.expected_children()
        except Exception as exc:
            log.warning("%s: no children created ahead (%s)", self.address, _describe_error(exc))
            return
        template = self.flags.child_template
        if not expected or template is None or (template.standby and template.kind is ChildKind.WORKER):
            return  # a standby child's incarnations have names of their own: `_launch` makes them
        lost = await self._lost_nodes()
        made: list[str] = []
        for child_id, args in expected:
            async with self._require_lock():
                if self._shutting_down:
                    break
                if self.engine.has_child(child_id) or child_id in self._prelaunched:
                    continue
                spec = self._from_template(child_id, args)
                try:
                    outlives = spec.outlives_supervisor and spec.kind is ChildKind.WORKER
                    if outlives and await self._named(child_id) is not None:
                        continue  # it outlived our predecessor: its start adopts it
                    handle = await self._create_ahead(spec, lost)
                    handle.supervision_warm.remote()  # its process-wide set-up, before it is asked for
                    self._prelaunched[child_id] = handle
                    made.append(child_id)
                except Exception as exc:  # its start creates it afresh
                    log.warning("%s: could not create %s ahead (%s)", self.address, child_id, _describe_error(exc))
        if made:
            log.info("%s: created %d expected children ahead", self.address, len(made))
            await asyncio.sleep(self.flags.start_timeout_s)
            async with self._require_lock():
                self._drop_prelaunched(made)

    def _adopt(self, child_id: str, launched: _Launched) -> None:
        """A ready incarnation becomes the running child: its address, watch and standby."""
        spec = self.engine.child(child_id).spec
        self._last_start_at = time.monotonic()
        if launched.uses_standby:
            publish_alias(spec.id, self.namespace, launched.name)
            self._prepare_standby(child_id, launched.cls, launched.options, launched.args, launched.kwargs)
        generation = self._generation.get(child_id, 0) + 1
        self._generation[child_id] = generation
        self._handles[child_id] = launched.handle
        self._whereabouts_of[child_id] = launched.info
        self.engine.mark_started(child_id)
        self._watchers[child_id] = asyncio.create_task(self._watch(child_id, generation, launched.handle))
        self._publish_lifecycle("child_started", child_id)
        self.on_child_started(child_id)

    def _prepare_standby(
        self, child_id: str, cls: Any, options: dict[str, Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        """In the background: construct the next incarnation of `child_id`, unstarted, under
        a name of its own, to be promoted when the current one dies."""
        running = self._standby_tasks.get(child_id)
        if child_id in self._standbys or (running is not None and not running.done()):
            return

        async def construct() -> None:
            await self._until_calm()
            if self._shutting_down or not self.engine.has_child(child_id):
                return
            name = incarnation_name(child_id)
            try:
                handle = await self._create_named(cls, {**options, "name": name}, args, kwargs)
                # Its answer means the constructor has run; the set-up all actors share is done too.
                warm = await asyncio.wait_for(await_ref(handle.supervision_warm.remote()), self.flags.start_timeout_s)
            except Exception as exc:  # no standby this time: the next restart creates afresh
                log.warning("%s: no standby for %s (%s)", self.address, child_id, _describe_error(exc))
                return
            if self._shutting_down or not self.engine.has_child(child_id):
                await kill(handle)
                return
            self._standbys[child_id] = (handle, name, warm.get("node_id"))

        task = asyncio.create_task(construct())
        self._standby_tasks[child_id] = task

    async def _until_calm(self) -> None:
        """Until this supervisor has started no child for `standby_delay_s` and starts none
        now. A standby is for the next failure; built during a burst of restarts (a node
        lost, the platform starting) its process would take CPU from the children that
        are down now."""
        delay_s = self.flags.standby_delay_s
        while delay_s > 0:
            quiet_for = time.monotonic() - self._last_start_at
            if quiet_for >= delay_s and not self._starting:
                return
            await asyncio.sleep(max(delay_s - quiet_for, 0.2))

    def _drop_standby(self, child_id: str) -> None:
        """Kill `child_id`'s standby (the child is gone for good, or the tree shuts down)."""
        task = self._standby_tasks.pop(child_id, None)
        if task is not None and not task.done():
            task.cancel()
        standby = self._standbys.pop(child_id, None)
        if standby is not None:
            kill_soon(standby[0])

    async def _named(self, name: str) -> ActorHandle | None:
        """The live actor under `name` in this namespace, or None. A GCS lookup (and maybe
        the class's import): off the loop."""
        try:
            return await asyncio.to_thread(ray.get_actor, name, namespace=self.namespace)
        except ValueError:
            return None

    async def _orphan(self, name: str) -> ActorHandle | None:
        """A live actor already under `name` (a child that outlived this supervisor's
        predecessor), or None. One that does not answer its ping in time is killed: a
        fresh incarnation takes the name."""
        handle = await self._named(name)
        if handle is None:
            return None
        try:
            await asyncio.wait_for(await_ref(handle.ping.remote()), self.flags.ping_timeout_s)
        except Exception as exc:
            log.warning("%s: %s outlived its supervisor but does not answer (%s)", self.address, name, exc)
            await kill(handle)
            return None
        return handle

    async def _create_named(
        self, cls: Any, options: dict[str, Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> ActorHandle:
        """Create the actor under its name. The old holder's name is freed as soon as
        Ray marks it dead, which can trail the kill by a few milliseconds.

        On a thread: Ray registers a named actor with the GCS before `.remote()` returns
        (to refuse a taken name), a wait that can grow right after a node loss, when the
        GCS is busy with the node's dead actors and the restarts of all of them; on the
        loop it would hold up the supervisor's answers to its own pings meanwhile."""
        deadline = time.monotonic() + 10.0
        while True:
            try:
                created: ActorHandle = await asyncio.to_thread(lambda: cls.options(**options).remote(*args, **kwargs))
                return created
            except ValueError as exc:
                if "already" not in str(exc) or time.monotonic() > deadline:
                    raise ChildStartError(str(exc)) from exc
                await asyncio.sleep(0.01)

    async def _stop_child(self, child_id: str) -> None:
        """Orderly stop within the shutdown timeout, then kill (OTP's shutdown => brutal_kill)."""
        record = self.engine.child(child_id)
        handle = self._handles.pop(child_id, None)
        watcher = self._watchers.pop(child_id, None)
        self._generation[child_id] = self._generation.get(child_id, 0) + 1  # silences the watcher
        if watcher is not None:
            watcher.cancel()
        starting = self._starting.pop(child_id, None)
        if starting is not None:  # a lone restart under way: its start fails, and it gives up
            await kill(starting)
        if handle is None:
            if starting is not None:
                self.engine.mark_state(child_id, ChildState.STOPPED)
            return
        self.engine.mark_state(child_id, ChildState.STOPPING)
        try:
            await asyncio.wait_for(
                await_ref(handle.supervision_stop.remote(ExitKind.SHUTDOWN.value)),
                record.spec.shutdown_timeout_s,
            )
        except Exception as exc:  # timeout or already dead: kill regardless
            log.info("%s: %s did not stop cleanly (%s); killing", self.address, child_id, _describe_error(exc))
        await kill(handle)
        self.engine.mark_state(child_id, ChildState.STOPPED)
        self._publish_lifecycle("child_stopped", child_id)

    # ---- watching --------------------------------------------------------------

    async def _watch(self, child_id: str, generation: int, handle: ActorHandle) -> None:
        exit_task = asyncio.ensure_future(await_ref(handle.supervision_wait_exit.remote()))
        hung: str | None = None
        try:
            while hung is None and not exit_task.done():
                silent = asyncio.ensure_future(self._ping_until_silent(handle))
                try:
                    await asyncio.wait({exit_task, silent}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    silent.cancel()  # also when this watcher is cancelled: no pinging on
                if not exit_task.done():
                    hung = await self._confirm_hang(handle, exit_task)
        except asyncio.CancelledError:
            exit_task.cancel()
            raise
        if exit_task.done():
            reason = _exit_reason(exit_task)
            # Finish it off if it asked to stop; for a dead one this also drops Ray's
            # local cache of its name, which could otherwise keep the name "taken".
            await kill(handle)
        else:
            exit_task.cancel()
            reason = ExitReason(kind=ExitKind.HANG, detail=hung or "")
            await kill(handle)
        if self._shutting_down or self._generation.get(child_id) != generation:
            return  # we stopped it ourselves
        node_lost = reason.kind is ExitKind.CRASH and await self._check_node_of(child_id)
        # A separate task: the restart must not be cancelled along with this watcher.
        task = asyncio.create_task(self._on_child_exit(child_id, reason, node_lost=node_lost))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _check_node_of(self, child_id: str) -> bool:
        """After a crash on another node: is that node lost? If so, say so cluster-wide, so
        that no supervisor restarts a child there before Ray declares it dead
        (supervisors/lost_nodes.py), and return True. A probe of its raylet's port, on a thread."""
        node_id = self._whereabouts_of.get(child_id, {}).get("node_id")
        timeout_s = self.flags.node_probe_timeout_s
        if not node_id or timeout_s <= 0 or node_id == self._whereabouts().get("node_id"):
            return False
        try:
            if await asyncio.to_thread(raylet_unreachable, node_id, timeout_s):
                await asyncio.to_thread(report_lost, node_id)
                return True
        except Exception as exc:  # no verdict: the restart goes wherever Ray places it
            log.warning("%s: could not check node %s (%s)", self.address, node_id, _describe_error(exc))
        return False

    async def _lost_nodes(self) -> list[str]:
        """The nodes found lost (by any supervisor) that Ray may not have declared dead yet."""
        if self.flags.node_probe_timeout_s <= 0:
            return []
        try:
            return await asyncio.to_thread(lost_node_ids)
        except Exception as exc:
            log.warning("%s: could not read the lost nodes (%s)", self.address, _describe_error(exc))
            return []

    async def _ping_until_silent(self, handle: ActorHandle) -> None:
        """Returns when the child fails to answer a ping in time."""
        while await self._answers_ping(handle):
            await asyncio.sleep(self.flags.ping_interval_s)

    async def _answers_ping(self, handle: ActorHandle) -> bool:
        """Whether the child answers one ping within the ping timeout. A dead child waits
        here for good: its exit watch reports it."""
        try:
            await asyncio.wait_for(await_ref(handle.ping.remote()), self.flags.ping_timeout_s)
            return True
        except TimeoutError:
            return False
        except RayActorError:
            await asyncio.sleep(3600)  # dead, not hung: the exit watch reports it
            return False

    async def _confirm_hang(self, handle: ActorHandle, exit_task: asyncio.Future[Any]) -> str | None:
        """A child that missed a ping is hung only if it misses a second one too, and Ray
        reports no death meanwhile: a process that died is silent as well (on a loaded
        machine Ray can take longer than the ping timeout to say so), and a ping can go
        unanswered because this supervisor's own process stalled (after a node loss, Ray
        has stopped delivering a process's calls for seconds while its children were
        fine), not the child. None: it answered, and watching goes on."""
        second = asyncio.ensure_future(self._answers_ping(handle))
        try:
            await asyncio.wait({exit_task, second}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            second.cancel()  # a no-op once it is done
        if exit_task.done():
            return None
        if second.result():
            log.info("%s: a child missed a ping, then answered one: not hung", self.address)
            return None
        return f"no answer to two pings within {self.flags.ping_timeout_s:g} s each"

    async def _on_child_exit(self, child_id: str, reason: ExitReason, *, node_lost: bool = False) -> None:
        """Apply the engine's decision; a restart that fails to start is another exit.
        `node_lost`: the child died with its node; a child whose spec says so
        (`node_loss_delay_s`) is restarted that much later, after the others lost with it.

        The lock is held throughout except during a backoff delay and while a child that is
        restarted alone (one_for_one, simple_one_for_one) starts: while one child waits or
        starts, the supervisor still starts, stops and restarts its other children, so the
        children lost together (a node's) come back together, not one start after another."""
        lock = self._require_lock()
        async with lock:
            if self._shutting_down or not self.engine.has_child(child_id):
                return
            self._handles.pop(child_id, None)
            self._watchers.pop(child_id, None)
            pending: list[tuple[str, ExitReason]] = [(child_id, reason)]
            defer_s = self._node_loss_delay(child_id) if node_lost else 0.0
            while pending:
                failed, why = pending.pop(0)
                if not self.engine.has_child(failed):
                    continue
                restart = await self._decide(failed, why, defer_s)
                defer_s = 0.0  # only the restart for the loss waits; a failed start backs off as usual
                if restart is None:
                    continue
                # Whoever stops or restarts one of these during the delay bumps its generation.
                planned = {cid: self._generation.get(cid, 0) for cid in restart.start}
                if restart.delay_s > 0:
                    lock.release()
                    try:
                        await asyncio.sleep(restart.delay_s)
                    finally:
                        await lock.acquire()
                    if self._shutting_down:
                        return
                if self._restarts_alone(restart):
                    await self._restart_alone(failed, planned[failed], pending, lock)
                else:
                    await self._start_all(restart.start, planned, pending)

    def _node_loss_delay(self, child_id: str) -> float:
        """How long the restart of a child lost with its node waits: its spec's
        `node_loss_delay_s`, unless a standby on another node takes over (no process to start)."""
        standby = self._standbys.get(child_id)
        lost_node = self._whereabouts_of.get(child_id, {}).get("node_id")
        if standby is not None and standby[2] is not None and standby[2] != lost_node:
            return 0.0
        return self.engine.child(child_id).spec.node_loss_delay_s

    async def _decide(self, failed: str, why: ExitReason, defer_s: float = 0.0) -> Restart | None:
        """Record and carry out the engine's decision, up to the restart itself (lock held);
        the restart waits at least `defer_s`."""
        decision = self.engine.on_exit(failed, why)
        if isinstance(decision, Restart) and defer_s > decision.delay_s:
            decision = replace(decision, delay_s=defer_s)
        self.on_child_exit(failed, why)
        if isinstance(decision, Ignore):
            action = "remove" if decision.remove else "stop"
            self._record(failed, action, why)
            self._drop_standby(failed)
            if decision.remove:
                self._generation.pop(failed, None)
                self._publish_lifecycle("child_removed", failed)
            return None
        if isinstance(decision, Escalate):
            self._record(failed, "escalate", why, detail=decision.reason)
            await self._escalate(decision)
            return None
        assert isinstance(decision, Restart)
        self._record(
            failed,
            "restart",
            why,
            delay_s=decision.delay_s,
            siblings=[c for c in decision.start if c != failed],
        )
        for sibling in decision.stop:
            await self._stop_child(sibling)
        for removed in decision.remove:
            self._drop_standby(removed)
            self.engine.remove_child(removed)
            self._generation.pop(removed, None)
            self._publish_lifecycle("child_removed", removed)
        return decision

    def _restarts_alone(self, restart: Restart) -> bool:
        """A restart that touches no other child (the strategy restarts only the failed one)."""
        one = self.flags.strategy in (Strategy.ONE_FOR_ONE, Strategy.SIMPLE_ONE_FOR_ONE)
        return one and restart.start == [restart.failed] and not restart.stop and not restart.remove

    async def _restart_alone(
        self, child_id: str, planned: int, pending: list[tuple[str, ExitReason]], lock: asyncio.Lock
    ) -> None:
        """Start one child with the lock released (taken again to record the outcome). A stop,
        restart or removal of that child meanwhile bumps its generation and kills the
        incarnation starting here: then the outcome is dropped."""
        if not self.engine.has_child(child_id) or self._generation.get(child_id, 0) != planned:
            return
        launched: _Launched | None = None
        failure: ChildStartError | None = None
        lock.release()
        try:
            launched = await self._launch(child_id, planned)
        except ChildStartError as exc:
            failure = exc
        finally:
            await lock.acquire()
        current = self.engine.has_child(child_id) and self._generation.get(child_id, 0) == planned
        if self._shutting_down or not current:
            if launched is not None:
                await kill(launched.handle)
            return
        if failure is not None:
            pending.append((child_id, ExitReason(kind=ExitKind.START_FAILED, detail=str(failure))))
            return
        assert launched is not None
        self._adopt(child_id, launched)

    async def _start_all(
        self, child_ids: list[str], planned: dict[str, int], pending: list[tuple[str, ExitReason]]
    ) -> None:
        """Start children in order (lock held); skip any that were removed, stopped or
        restarted since `planned` (their generations) was taken; the first that fails to
        start is an exit."""
        current = [c for c in child_ids if self.engine.has_child(c) and self._generation.get(c, 0) == planned[c]]
        await self._prelaunch(current)
        try:
            for cid in current:
                try:
                    await self._start_child(cid)
                except ChildStartError as exc:
                    pending.append((cid, ExitReason(kind=ExitKind.START_FAILED, detail=str(exc))))
                    break
        finally:
            self._drop_prelaunched(current)

    async def _escalate(self, decision: Escalate) -> None:
        """Stop every child in reverse order, then die so the parent's strategy applies."""
        self._shutting_down = True
        log.error("%s: escalating: %s", self.address, decision.reason)
        for child_id in decision.stop:
            await self._stop_child(child_id)
        await self._flush_events_once(timeout_s=2.0)
        # A supervisor that gives up exits abnormally: its parent sees a crash.
        os._exit(1)

    # ---- events ----------------------------------------------------------------

    def _record(
        self,
        child_id: str,
        action: str,
        reason: ExitReason,
        *,
        detail: str = "",
        delay_s: float = 0.0,
        siblings: list[str] | None = None,
    ) -> None:
        restarts = self.engine.child(child_id).restarts if self.engine.has_child(child_id) else 0
        event = SupervisionEvent(
            supervisor=self.address,
            child=child_id,
            action=action,
            reason=reason.kind,
            detail=detail or reason.detail,
            restarts=restarts,
            delay_s=delay_s,
            siblings=siblings or [],
        )
        log.warning(
            "%s: %s %s after %s%s",
            self.address,
            action,
            child_id,
            reason.kind.value,
            f" ({event.detail})" if event.detail else "",
        )
        self._history.append(event)
        self._outbox.append(event)
        self._publish("supervision_event", event.model_dump(mode="json"))

    def _publish_lifecycle(self, kind: str, child_id: str) -> None:
        state = self.engine.child(child_id).state.value if self.engine.has_child(child_id) else "removed"
        self._publish(kind, {"supervisor": self.address, "child": child_id, "state": state})

    def _publish(self, event_type: str, data: dict[str, Any]) -> None:
        """Live report to the event sink; best effort."""
        with contextlib.suppress(Exception):
            self.events.publish(event_type, data, self.address)

    async def _flush_events_forever(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            await self._flush_events_once()

    async def _flush_events_once(self, timeout_s: float = 5.0) -> None:
        """Write buffered supervision events to the store; keep them if it is away."""
        if not self._outbox:
            return
        batch = list(self._outbox)
        if not await self.events.record(batch, timeout_s):
            return  # the recorder is starting or restarting; try again later
        for _ in batch:
            self._outbox.popleft()

    # ---- extension points ------------------------------------------------------

    def on_child_started(self, child_id: str) -> None:
        """Called after a child (re)started and answered supervision_ready."""

    def on_child_exit(self, child_id: str, reason: ExitReason) -> None:
        """Called when a child exited, before the restart decision is carried out."""

    def child_state(self, child_id: str) -> ChildState | None:
        """The child's state, or None when this supervisor has no such child."""
        return self.engine.child(child_id).state if self.engine.has_child(child_id) else None

    def child_restart_count(self, child_id: str) -> int:
        return self.engine.child(child_id).restarts if self.engine.has_child(child_id) else 0

    def child_handle(self, child_id: str) -> ActorHandle | None:
        return self._handles.get(child_id)

    async def child_states(self) -> dict[str, dict[str, Any]]:
        """Every child's state, restart counts and last exit, by address (for the sibling
        worker that decides what runs: a registry, a manager)."""
        return {cid: self._child_summary(cid) for cid in self.engine.child_ids}

    def _child_summary(self, child_id: str) -> dict[str, Any]:
        record = self.engine.child(child_id)
        return {
            "state": record.state.value,
            "restarts": record.restarts,
            "consecutive_restarts": record.consecutive_restarts,
            "last_exit": record.last_exit.model_dump(mode="json") if record.last_exit is not None else None,
        }

    async def has_child(self, child_id: str) -> bool:
        return self.engine.has_child(child_id)

    # ---- status ----------------------------------------------------------------

    def _status_of(self, child_id: str) -> ChildStatus:
        record = self.engine.child(child_id)
        info = self._whereabouts_of.get(child_id, {})
        started = info.get("started_wall")
        uptime = None
        if record.state is ChildState.RUNNING and record.started_at is not None:
            uptime = time.monotonic() - record.started_at
            started = time.time() - uptime
        return ChildStatus(
            address=child_id,
            kind=record.spec.kind,
            state=record.state,
            restarts=record.restarts,
            restart_type=record.spec.restart,
            strategy=(record.spec.supervisor or SupervisorFlags()).strategy
            if record.spec.kind is ChildKind.SUPERVISOR
            else None,
            started_at=started,
            uptime_s=uptime,
            node_id=info.get("node_id"),
            node_ip=info.get("node_ip"),
            pid=info.get("pid"),
            last_exit=record.last_exit,
        )

    async def _describe(self) -> ChildStatus:
        me = self._whereabouts()
        node = ChildStatus(
            address=self.address,
            kind=ChildKind.SUPERVISOR,
            state=ChildState.RUNNING,
            strategy=self.flags.strategy,
            started_at=self.started_at,
            uptime_s=time.time() - self.started_at,
            node_id=me.get("node_id"),
            node_ip=me.get("node_ip"),
            pid=me.get("pid"),
        )
        for child_id in self.engine.child_ids:
            status = self._status_of(child_id)
            handle = self._handles.get(child_id)
            if status.kind is ChildKind.SUPERVISOR and handle is not None and status.state is ChildState.RUNNING:
                try:
                    sub = await asyncio.wait_for(await_ref(handle.describe.remote()), 5.0)
                    status.children = ChildStatus.model_validate(sub).children
                except Exception:
                    pass  # it is restarting; show it without children
            node.children.append(status)
        return node

    def _require_lock(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock


def _exit_reason(exit_task: asyncio.Future[Any]) -> ExitReason:
    """Classify how a child went away from its exit watch."""
    exc = exit_task.exception()
    if exc is None:
        result = exit_task.result()
        return ExitReason(kind=ExitKind(result.get("kind", "normal")), detail=result.get("detail", ""))
    text = str(exc)
    if "ray.kill" in text:
        return ExitReason(kind=ExitKind.KILLED, detail=_first_line(text))
    return ExitReason(kind=ExitKind.CRASH, detail=_first_line(text))


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line[:300]
    return ""


def _describe_error(exc: BaseException) -> str:
    """One line on why a start failed: the child's own error, not Ray's wrapper around it
    (whose first line names only the method and the process)."""
    if isinstance(exc, TimeoutError):
        return "timed out"
    cause = unwrap(exc)
    return f"{type(cause).__name__}: {_first_line(str(cause))}"


__all__ = ["RestartType", "Supervisor", "remote_class"]
