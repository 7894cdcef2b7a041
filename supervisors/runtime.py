"""The runtime an engine runs against, after AutoGen core's `AgentRuntime`.

An engine (the bus's routing, the search pipeline, an agent's chat turn) reaches other
actors only through a `Runtime`: call a method, publish an event, send a JSON-RPC
request through the bus, read a streamed answer. Two implementations:

- `RayRuntime`: actors reached by name through `ActorRef` (supervisors/refs.py);
- `InMemoryRuntime`: plain Python objects registered at addresses in this process, events
  collected in a list, and a way to kill or restart an address, so engines are unit-tested
  without Ray.

The bus itself routes by name with its own route cache, so it also needs the raw delivery
steps (`Delivery`: look up a handle, send, wait, cancel, and which errors mean "the target
died"). They are kept apart from `Runtime` because they are the bus's hot path: one
`send` and one awaited `wait` per request, nothing more.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from protocols.addresses import BUS
from protocols.errors import ActorTimeout, ActorUnavailable
from protocols.jsonrpc import ErrorCode, make_error, request_id_of


class Runtime(Protocol):
    """How an engine reaches other actors."""

    async def call(
        self,
        address: str,
        method: str,
        *args: Any,
        timeout_s: float | None = None,
        idempotent: bool = False,
        wait_s: float | None = None,
        **kwargs: Any,
    ) -> Any:
        """`method(*args, **kwargs)` on the actor at `address`; its own exceptions come back
        as themselves, a dead or missing actor as ActorUnavailable, no answer as ActorTimeout."""
        ...

    def publish(self, topic: str, event_type: str, data: dict[str, Any] | None, source: str | None) -> bool:
        """An event on a bus topic, fire and forget (best effort)."""
        ...

    async def request(
        self, address: str, message: dict[str, Any], timeout_s: float | None = None
    ) -> dict[str, Any] | None:
        """One JSON-RPC message to `address` through the bus: its answer (errors included)."""
        ...

    def stream(
        self, address: str, method: str, *args: Any, wait_s: float | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        """The values of a streaming method (an async generator on the actor), in order.
        Closing the iterator early stops the stream at the actor. A target that is restarting
        is waited for up to `wait_s` (default: the configured restart wait)."""
        ...


class Delivery(Protocol):
    """The bus's raw delivery steps (its hot path): no waiting, no retries of its own."""

    # What waiting on a call to an actor that died raises.
    died: tuple[type[BaseException], ...]

    def lookup(self, address: str) -> Any:
        """The current handle of `address`, or None. Blocking: call it off the event loop."""
        ...

    def send(self, handle: Any, message: dict[str, Any]) -> Any:
        """Send a JSON-RPC message to the handle's `handle_rpc`: a pending answer."""
        ...

    async def wait(self, pending: Any) -> Any:
        """The answer of a pending send."""
        ...

    def cancel(self, pending: Any) -> None:
        """Give up on a pending send."""
        ...


# ---- Ray ------------------------------------------------------------------------------


class RayRuntime:
    """The runtime of actors hosted by Ray: everything goes through `ActorRef`."""

    def __init__(self, namespace: str | None = None) -> None:
        import ray.exceptions

        from supervisors import refs

        self._refs = refs
        self.namespace = namespace
        self.died: tuple[type[BaseException], ...] = (ray.exceptions.RayActorError,)
        self.wait = refs.await_ref  # a coroutine over an ObjectRef, as the bus awaited it before

    def ref(self, address: str) -> Any:
        return self._refs.ActorRef(address, self.namespace)

    async def call(
        self,
        address: str,
        method: str,
        *args: Any,
        timeout_s: float | None = None,
        idempotent: bool = False,
        wait_s: float | None = None,
        **kwargs: Any,
    ) -> Any:
        return await self.ref(address).call(
            method, *args, timeout_s=timeout_s, idempotent=idempotent, wait_s=wait_s, **kwargs
        )

    def publish(self, topic: str, event_type: str, data: dict[str, Any] | None, source: str | None) -> bool:
        return bool(self.ref(BUS).tell("publish", topic, event_type, data or {}, source))

    async def request(
        self, address: str, message: dict[str, Any], timeout_s: float | None = None
    ) -> dict[str, Any] | None:
        from supervisors.one_hop import one_hop

        # one hop to a target this process has resolved before; the bus otherwise
        answer: dict[str, Any] | None = await one_hop(self.namespace).request(address, message, timeout_s)
        return answer

    async def stream(
        self, address: str, method: str, *args: Any, wait_s: float | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        import ray

        target = self.ref(address)
        yielded = False
        for attempt in range(2):
            # An actor that is restarting is waited for (the configured restart wait). A retry
            # also pings what it finds: Ray can hand out the dead incarnation's handle for a while.
            handle = await (target.resolve(wait_s) if attempt == 0 else target.resolve_live(wait_s))
            finished = False
            generator = None
            try:
                generator = getattr(handle, method).remote(*args, **kwargs)
                async for ref in generator:
                    try:
                        value = await ref
                    except ray.exceptions.RayTaskError as exc:
                        raise self._refs.unwrap(exc) from None
                    yielded = True
                    yield value
                finished = True
                return
            except ray.exceptions.RayActorError as exc:
                target.forget(handle, exc)
                # A handle of an incarnation that died before it sent anything: its
                # successor (looked up afresh) gets the stream. After a first value, no.
                if yielded or attempt == 1:
                    message = f"{address} died during '{method}'"
                    raise ActorUnavailable(address, message, died_during_call=yielded) from None
            finally:
                if not finished and generator is not None:  # stopped early, or the caller went away
                    with contextlib.suppress(Exception):  # the actor stops too
                        ray.cancel(generator)

    # Delivery (the bus's hot path)

    def lookup(self, address: str) -> Any:
        namespace = self.namespace if self.namespace is not None else self._refs.current_namespace()
        return self._refs.lookup(address, namespace)

    def send(self, handle: Any, message: dict[str, Any]) -> Any:
        return handle.handle_rpc.remote(message)

    def cancel(self, pending: Any) -> None:
        import ray

        with contextlib.suppress(Exception):
            ray.cancel(pending)


# ---- in memory --------------------------------------------------------------------------


class ActorDied(RuntimeError):
    """In memory: the actor a call went to died (was killed) before it answered."""


class Event(NamedTuple):
    topic: str
    type: str
    data: dict[str, Any]
    source: str | None


@dataclass(eq=False)
class Incarnation:
    """One life of an object at an address: its handle in the in-memory runtime."""

    address: str
    obj: Any
    alive: bool = True
    pending: set[asyncio.Future[Any]] = field(default_factory=set)


class InMemoryRuntime:
    """Addresses registered to plain Python objects in this process; events in `events`.

    `kill(address)` is a crash: calls in flight fail with ActorDied and the address has no
    actor until `register` gives it one again (a restart). `lookup` of an address with no
    actor returns None, like Ray's name registry."""

    died: tuple[type[BaseException], ...] = (ActorDied,)

    def __init__(self, restart_wait_s: float = 1.0, poll_s: float = 0.01) -> None:
        self._live: dict[str, Incarnation] = {}
        self.events: list[Event] = []
        self.restart_wait_s = restart_wait_s
        self.poll_s = poll_s

    # ---- setting up ----------------------------------------------------------------

    def register(self, address: str, obj: Any) -> Incarnation:
        """Put `obj` at `address` (a start, or a restart after `kill`)."""
        incarnation = Incarnation(address, obj)
        self._live[address] = incarnation
        return incarnation

    def kill(self, address: str) -> None:
        """The actor at `address` dies: calls in flight fail, the address is empty."""
        incarnation = self._live.pop(address, None)
        if incarnation is None:
            return
        incarnation.alive = False
        for future in list(incarnation.pending):
            if not future.done():
                future.set_exception(ActorDied(f"{address} died"))

    def events_on(self, topic: str) -> list[Event]:
        return [e for e in self.events if e.topic == topic]

    # ---- Runtime ---------------------------------------------------------------------

    async def call(
        self,
        address: str,
        method: str,
        *args: Any,
        timeout_s: float | None = None,
        idempotent: bool = False,
        wait_s: float | None = None,
        **kwargs: Any,
    ) -> Any:
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            incarnation = await self._resolve(address, self.restart_wait_s if wait_s is None else wait_s)
            pending = self._invoke(incarnation, method, args, kwargs)
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return await asyncio.wait_for(pending, remaining)
            except TimeoutError:
                raise ActorTimeout("timeout", f"{address} did not answer '{method}' within {timeout_s:g} s") from None
            except ActorDied:
                if idempotent and (deadline is None or time.monotonic() < deadline):
                    continue
                raise ActorUnavailable(address, f"{address} died during '{method}'", died_during_call=True) from None

    def publish(self, topic: str, event_type: str, data: dict[str, Any] | None, source: str | None) -> bool:
        self.events.append(Event(topic, event_type, dict(data or {}), source))
        return True

    async def request(
        self, address: str, message: dict[str, Any], timeout_s: float | None = None
    ) -> dict[str, Any] | None:
        """Through a bus registered at `bus/main` when there is one, else straight to the target."""
        bus = self._live.get(BUS)
        if bus is not None and hasattr(bus.obj, "request") and address != BUS:
            answer: dict[str, Any] | None = await bus.obj.request(address, message, timeout_s)
            return answer
        incarnation = self._live.get(address)
        if incarnation is None:
            return make_error(request_id_of(message), ErrorCode.UNKNOWN_ADDRESS, f"no actor at address '{address}'")
        try:
            answer = await asyncio.wait_for(self._invoke(incarnation, "handle_rpc", (message,), {}), timeout_s)
        except TimeoutError:
            return make_error(request_id_of(message), ErrorCode.REQUEST_TIMEOUT, f"{address} did not answer")
        except ActorDied:
            return make_error(request_id_of(message), ErrorCode.TARGET_CRASHED, f"{address} died")
        return answer

    async def stream(
        self, address: str, method: str, *args: Any, wait_s: float | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        incarnation = await self._resolve(address, 0.0 if wait_s is None else wait_s)
        generator = getattr(incarnation.obj, method)(*args, **kwargs)
        try:
            async for value in generator:
                if not incarnation.alive:
                    raise ActorUnavailable(address, f"{address} died during '{method}'", died_during_call=True)
                yield value
        finally:
            await generator.aclose()

    # ---- Delivery ----------------------------------------------------------------------

    def lookup(self, address: str) -> Incarnation | None:
        return self._live.get(address)

    def send(self, handle: Incarnation, message: dict[str, Any]) -> asyncio.Future[Any]:
        return self._invoke(handle, "handle_rpc", (message,), {})

    async def wait(self, pending: asyncio.Future[Any]) -> Any:
        return await pending

    def cancel(self, pending: asyncio.Future[Any]) -> None:
        pending.cancel()

    # ---- internals ---------------------------------------------------------------------

    async def _resolve(self, address: str, wait_s: float) -> Incarnation:
        deadline = time.monotonic() + wait_s
        while True:
            incarnation = self._live.get(address)
            if incarnation is not None:
                return incarnation
            if time.monotonic() >= deadline:
                raise ActorUnavailable(address, f"{address} is not running")
            await asyncio.sleep(self.poll_s)

    def _invoke(
        self, incarnation: Incarnation, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> asyncio.Future[Any]:
        """Run the method as a task; the returned future fails with ActorDied if the
        incarnation is (or gets) killed before it answers."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Any] = loop.create_future()
        if not incarnation.alive:
            answer.set_exception(ActorDied(f"{incarnation.address} is dead"))
            return answer
        incarnation.pending.add(answer)
        fn: Callable[..., Any] = getattr(incarnation.obj, method)

        async def run() -> Any:
            value = fn(*args, **kwargs)
            return await value if inspect.isawaitable(value) else value

        task = loop.create_task(run())

        def settle(done: asyncio.Task[Any]) -> None:
            incarnation.pending.discard(answer)
            if answer.done():
                return
            if done.cancelled():
                answer.cancel()
            elif done.exception() is not None:
                answer.set_exception(done.exception())  # type: ignore[arg-type]
            else:
                answer.set_result(done.result())

        def abandon(fut: asyncio.Future[Any]) -> None:
            incarnation.pending.discard(fut)
            if not task.done():  # killed, cancelled or timed out: the work stops too
                task.cancel()

        task.add_done_callback(settle)
        answer.add_done_callback(abandon)
        return answer
