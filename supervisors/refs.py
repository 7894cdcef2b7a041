"""One way to reach an actor: `ActorRef(address)`, after pykka's ActorRef.

A reference resolves its address (the Ray actor name) once and caches the handle; every
reference in a process shares that cache. When a call finds the actor dead, the cached
handle is dropped and the address resolved again, waiting (bounded) while the actor's
supervisor restarts it. When the actor does not come back, or died during a call that is
not safe to repeat, the caller gets one typed error: `ActorUnavailable` (a 503 at the
HTTP edge). A call that outlives its timeout raises `ActorTimeout` (a 504).

This is the only module that calls `ray.get_actor` (the supervisor, which creates its
children, holds their handles itself).

Awaiting: an ObjectRef is awaitable but not a coroutine, and `asyncio.wait_for`, `gather`
with timeouts and `create_task` want one: `await_ref` is that coroutine.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import logging
import threading
import time
import uuid
from typing import Any

import ray
from ray.exceptions import ActorDiedError, RayActorError, RayTaskError

from protocols.addresses import Address
from protocols.errors import ActorTimeout, ActorUnavailable

log = logging.getLogger(__name__)

# How long a reference waits for an actor that is restarting, unless told otherwise.
# Set from configuration (`refs.restart_wait_s`) by `configure()` at process start.
_defaults = {"restart_wait_s": 10.0, "poll_s": 0.02}

# (namespace, address) -> handle, shared by every reference in this process.
_handles: dict[tuple[str, str], Any] = {}
_lock = threading.Lock()
# An idempotent call follows an actor through at most this many deaths.
_MAX_ATTEMPTS = 20


def configure(*, restart_wait_s: float | None = None) -> None:
    """Process-wide defaults (from settings): how long a call waits for a restarting actor."""
    if restart_wait_s is not None:
        _defaults["restart_wait_s"] = float(restart_wait_s)


# `ray.kill` waits for the GCS's answer, and for an actor on a lost node the GCS waits out
# its calls to the dead raylet: a multi-node run measured the caller stalled 4.5 s and more.
# On an event loop that stall silences the whole actor (a supervisor missed its pings and was
# restarted as hung), so kills run on threads of their own.
_killer = concurrent.futures.ThreadPoolExecutor(max_workers=16, thread_name_prefix="ray-kill")


def _kill_now(handle: Any) -> None:
    with contextlib.suppress(Exception):  # already dead, or its node gone: nothing to kill
        ray.kill(handle, no_restart=True)


def kill_soon(handle: Any) -> concurrent.futures.Future[None]:
    """Kill the actor (no restart by Ray) on a killer thread; returns at once."""
    return _killer.submit(_kill_now, handle)


async def kill(handle: Any) -> None:
    """Kill the actor (no restart by Ray) without blocking the event loop."""
    await asyncio.wrap_future(kill_soon(handle))


async def await_ref(ref: Any) -> Any:
    """The value of a Ray ObjectRef, as a coroutine."""
    return await ref


async def call(handle_method: Any, *args: Any, timeout_s: float, **kwargs: Any) -> Any:
    """`handle.method.remote(*args, **kwargs)`, awaited for at most `timeout_s` seconds."""
    return await asyncio.wait_for(await_ref(handle_method.remote(*args, **kwargs)), timeout_s)


def unwrap(exc: BaseException) -> BaseException:
    """The error an actor's method raised, out of Ray's RayTaskError wrappers."""
    while isinstance(exc, RayTaskError) and getattr(exc, "cause", None) is not None:
        exc = exc.cause
    return exc


def current_namespace() -> str:
    return str(ray.get_runtime_context().namespace)


def lookup(address: str, namespace: str) -> Any:
    """The handle of the actor at `address`, or None when nothing answers to it.

    An address is the Ray actor name of its actor, except for a child with a warm standby:
    each of its incarnations has a name of its own (a standby is created before its
    predecessor dies, and Ray cannot rename an actor), and its supervisor records which
    one holds the address in an alias (`publish_alias`).

    Outside a Ray process (an in-process gateway in a unit test) nothing answers: Ray's
    look-up would start a cluster, or join whichever one runs on this machine."""
    if not ray.is_initialized():
        return None
    try:
        return ray.get_actor(address, namespace=namespace)
    except ValueError:
        pass
    name = alias_of(address, namespace)
    if name is None:
        return None
    try:
        return ray.get_actor(name, namespace=namespace)
    except ValueError:
        return None  # the aliased incarnation died; its supervisor is promoting the next


# An incarnation of a child with a warm standby is named `<address>~<suffix>`.
_INCARNATION_SEPARATOR = "~"


def incarnation_name(address: str) -> str:
    """The Ray name of one incarnation of a child with a standby (its address is an alias)."""
    return f"{address}{_INCARNATION_SEPARATOR}{uuid.uuid4().hex[:8]}"


def address_of(actor_name: str) -> str:
    """The address an actor's Ray name stands for (an incarnation's name folded to it)."""
    return actor_name.split(_INCARNATION_SEPARATOR, 1)[0]


# Aliases live in Ray's GCS key-value store: every process of the cluster, on any node,
# reads the same one, and it goes with the cluster.
_ALIAS_KV_NAMESPACE = "pygent-alias"


def _alias_key(address: str, namespace: str) -> str:
    return f"{namespace}/{address}"


def alias_of(address: str, namespace: str) -> str | None:
    """The Ray actor name that holds `address`, when its supervisor published one."""
    from ray.experimental import internal_kv

    if not internal_kv._internal_kv_initialized():
        return None
    value = internal_kv._internal_kv_get(_alias_key(address, namespace), namespace=_ALIAS_KV_NAMESPACE)
    return value.decode() if value else None


def publish_alias(address: str, namespace: str, name: str) -> None:
    """`address` is now held by the actor named `name` (a supervisor, after a start)."""
    from ray.experimental import internal_kv

    internal_kv._internal_kv_put(_alias_key(address, namespace), name, overwrite=True, namespace=_ALIAS_KV_NAMESPACE)
    with _lock:
        _handles.pop((namespace, address), None)


def forget(address: str, namespace: str, handle: Any = None, error: BaseException | None = None) -> None:
    """Drop a cached handle. For a dead actor's handle, also drop Ray's own per-process
    cache of the name: Ray 2.60 can otherwise keep returning the dead incarnation from
    `get_actor` after its successor took the name."""
    with _lock:
        cached = _handles.get((namespace, address))
        if handle is None or cached is handle:
            _handles.pop((namespace, address), None)
    if handle is not None and isinstance(error, ActorDiedError):
        # At once, not on a killer thread: the look-up that follows must not get the dead
        # one back. Ray has declared it dead, so the GCS answers without calling its node.
        _kill_now(handle)


class ActorRef:
    """A reference to the actor at `address`; survives the actor's restarts.

    `call` for a request with an answer, `tell` for fire-and-forget, `handle()` when a
    caller needs the raw Ray handle (streaming generators, ObjectRef plumbing).
    """

    __slots__ = ("address", "namespace_", "wait_s")

    def __init__(self, address: str | Address, namespace: str | None = None, wait_s: float | None = None) -> None:
        self.address = str(address)
        self.namespace_ = namespace
        self.wait_s = wait_s

    def __repr__(self) -> str:
        return f"ActorRef({self.address!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ActorRef) and (other.address, other.namespace) == (self.address, self.namespace)

    def __hash__(self) -> int:
        return hash((self.address, self.namespace))

    @property
    def namespace(self) -> str:
        if self.namespace_ is None:
            self.namespace_ = current_namespace()
        return self.namespace_

    # ---- resolving -----------------------------------------------------------------------

    def cached(self) -> Any:
        """The cached handle, or None."""
        return _handles.get((self.namespace, self.address))

    def handle(self) -> Any:
        """The handle now, without waiting: cached, else looked up. Raises ActorUnavailable."""
        found = self.cached() or self._lookup()
        if found is None:
            raise ActorUnavailable(self.address, f"no actor at address '{self.address}'")
        return found

    def try_handle(self) -> Any:
        """The handle now, or None when nothing has the name."""
        return self.cached() or self._lookup()

    async def resolve(self, wait_s: float | None = None) -> Any:
        """The current handle; waits up to `wait_s` (default: the configured restart wait)
        for an actor that is not there yet (restarting, or being started)."""
        found = self.cached()
        if found is not None:
            return found
        wait = self._wait(wait_s)
        deadline = time.monotonic() + wait
        while True:
            # A GCS round trip, off the event loop: under load it can take 100+ ms.
            found = await asyncio.to_thread(self._lookup)
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                raise ActorUnavailable(
                    self.address,
                    f"{self.address} is not running" + (f" and was not back within {wait:g} s" if wait > 0 else ""),
                )
            await asyncio.sleep(_defaults["poll_s"])

    async def resolve_live(self, wait_s: float | None = None, ping_timeout_s: float = 2.0, failed: Any = None) -> Any:
        """Like `resolve`, and checks the handle with a ping: a dead incarnation's handle
        (which Ray can hand out after a restart) is dropped and the name looked up again.

        `failed`: the handle a call just failed on. The name can still lead to that same
        actor while Ray has not yet declared it dead (its node is gone: Ray first says
        "unavailable", and a ping to it times out). It is taken again only if it answers;
        otherwise the name is looked up again, within `wait_s`, until its successor holds it."""
        deadline = time.monotonic() + self._wait(wait_s)
        looked_again = False
        while True:
            found = await self.resolve(max(0.0, deadline - time.monotonic()))
            try:
                await asyncio.wait_for(await_ref(found.ping.remote()), ping_timeout_s)
                return found
            except ActorDiedError as exc:
                self.forget(found, exc)  # the name is looked up again at once (once past the wait)
                if looked_again:
                    if time.monotonic() >= deadline:
                        raise ActorUnavailable(
                            self.address, f"{self.address} is dead and no successor holds it"
                        ) from None
                    await asyncio.sleep(_defaults["poll_s"])  # not a tight loop of look-ups
                looked_again = True
            except Exception:
                if failed is None or _actor_id(found) != _actor_id(failed):
                    return found  # alive but busy, or starting: it is the current one
                self.forget(found)  # the one that failed, still not answering
                if time.monotonic() >= deadline:
                    raise ActorUnavailable(
                        self.address, f"{self.address} was not back within {self._wait(wait_s):g} s"
                    ) from None
                await asyncio.sleep(_defaults["poll_s"])

    def forget(self, handle: Any = None, error: BaseException | None = None) -> None:
        """Drop the cached handle (after a death, or when the caller knows it is stale)."""
        forget(self.address, self.namespace, handle, error)

    # ---- calling ---------------------------------------------------------------------------

    async def call(
        self,
        method: str,
        *args: Any,
        timeout_s: float | None = None,
        idempotent: bool = False,
        wait_s: float | None = None,
        **kwargs: Any,
    ) -> Any:
        """`method(*args, **kwargs)` on the actor, awaited.

        The actor's own exceptions come back as themselves (unwrapped from Ray's wrapper).
        If the actor dies during the call, an `idempotent` call is sent again to its
        successor (within the timeout); any other raises ActorUnavailable with
        `died_during_call`. No answer within `timeout_s` raises ActorTimeout."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        for _attempt in range(_MAX_ATTEMPTS):
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            resolve_wait = self._wait(wait_s) if remaining is None else min(self._wait(wait_s), remaining)
            found = await self.resolve(resolve_wait)
            sent_at = time.time()
            try:
                ref = getattr(found, method).remote(*args, **kwargs)
            except RayActorError as exc:  # the handle knows it is dead already
                self.forget(found, exc)
                continue
            try:
                remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
                return await asyncio.wait_for(await_ref(ref), remaining)
            except TimeoutError:
                with contextlib.suppress(Exception):
                    ray.cancel(ref)
                raise ActorTimeout(
                    "timeout",
                    f"{self.address} did not answer '{method}' within {timeout_s:g} s",
                    extra={"address": self.address, "method": method},
                ) from None
            except RayTaskError as exc:
                raise unwrap(exc) from None
            except RayActorError as exc:
                self.forget(found, exc)
                if deadline is not None and time.monotonic() >= deadline:
                    pass
                elif idempotent or await self._successor_predates(found, sent_at):
                    continue
                raise ActorUnavailable(
                    self.address,
                    f"{self.address} died during '{method}'; it is being restarted",
                    died_during_call=True,
                ) from exc
        raise ActorUnavailable(self.address, f"{self.address} kept dying; gave up after {_MAX_ATTEMPTS} tries")

    def tell(self, method: str, *args: Any, **kwargs: Any) -> bool:
        """Fire and forget. Returns False (and does nothing) when the actor is not there:
        a missing recipient of a best-effort message is not the sender's problem.

        A send to a cached handle cannot tell at once that its actor died: when the answer
        says so, the handle is dropped (so the next send resolves the successor) and this
        message goes once to the successor if one already holds the name."""
        found = self.try_handle()
        if found is None:
            return False
        try:
            sent = getattr(found, method).remote(*args, **kwargs)
        except Exception as exc:
            self.forget(found, exc)
            return False

        def answered(done: Any) -> None:
            # Ray's callback thread: no Ray call may run here (it would wait on this very
            # thread), and not on the sender's event loop either: the follow-up asks the GCS
            # for the successor, which takes seconds while the GCS handles a lost node's
            # actors. A thread of its own (a failed tell is rare).
            try:
                error = done.exception()
            except BaseException:  # cancelled
                return
            if not isinstance(error, RayActorError):
                return
            follow_up = functools.partial(self._after_failed_tell, error, found, method, args, kwargs)
            threading.Thread(target=follow_up, daemon=True, name=f"tell-again-{self.address}").start()

        sent.future().add_done_callback(answered)
        return True

    def _after_failed_tell(self, error: BaseException, sent_to: Any, method: str, args: Any, kwargs: Any) -> None:
        self.forget(sent_to, error)
        successor = self._lookup()
        if successor is not None and _actor_id(successor) != _actor_id(sent_to):
            with contextlib.suppress(Exception):
                getattr(successor, method).remote(*args, **kwargs)

    # ---- internals -------------------------------------------------------------------------

    async def _successor_predates(self, dead: Any, sent_at: float) -> bool:
        """Whether the actor now at this address already existed when a call that failed on
        `dead` was sent. A name is taken only after its old holder died, so then the call
        was sent to a corpse (a handle cached before a restart) and never ran: it is safe
        to send again, idempotent or not."""
        successor = self.try_handle()
        if successor is None or _actor_id(successor) == _actor_id(dead):
            return False
        try:
            info = await asyncio.wait_for(await_ref(successor.ping.remote()), 5.0)
            # Its own clock's start time: "now - uptime" on this side would add the reply's
            # latency and could place a successor that was already up after the send.
            started_at = float(info["started_at"])
        except Exception:  # no ping, or not answering: cannot tell, so do not repeat
            return False
        return started_at < sent_at

    def _wait(self, wait_s: float | None) -> float:
        if wait_s is not None:
            return max(0.0, wait_s)
        if self.wait_s is not None:
            return self.wait_s
        return _defaults["restart_wait_s"]

    def _lookup(self) -> Any:
        found = lookup(self.address, self.namespace)
        if found is not None:
            with _lock:
                _handles[(self.namespace, self.address)] = found
        return found


def _actor_id(handle: Any) -> Any:
    return getattr(handle, "_actor_id", None) or id(handle)


def ref(address: str | Address, namespace: str | None = None) -> ActorRef:
    """Shorthand for ActorRef(address, namespace)."""
    return ActorRef(address, namespace)
