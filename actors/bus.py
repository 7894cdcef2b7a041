"""The message bus: routes JSON-RPC (MCP) requests between addresses, and carries topic events.

Routes are not state the bus must keep: an address is the Ray actor name of its
target, so the bus resolves it by name and caches the handle. It learns which
addresses exist, and which are restarting, from the supervision events it
carries, so a request for a restarting target waits (bounded) and is delivered
when the target is back. Subscriptions are re-declared by every poll, so when
the bus itself restarts, subscribers carry on without doing anything special.

Every failure is an answer: a malformed message, an unknown address, a timeout
or a crashed target each comes back as a JSON-RPC error with a stable code.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import ray
from ray.exceptions import RayActorError

from actors.base import SupervisedActor, tool
from actors.refs import await_ref
from configs.settings import get_settings
from protocols.addresses import Address, InvalidAddress
from protocols.events import TOPIC_SUPERVISION, topic_matches
from protocols.jsonrpc import (
    IDEMPOTENT_METHODS,
    ErrorCode,
    RpcError,
    make_error,
    parse_message,
    request_id_of,
)

log = logging.getLogger(__name__)

ROOT_ADDRESS = "supervisor/root"


@dataclass
class _Subscriber:
    topics: set[str]
    queue: deque[dict[str, Any]]
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    last_poll: float = field(default_factory=time.monotonic)
    dropped: int = 0

    def wants(self, topic: str) -> bool:
        return any(topic_matches(pattern, topic) for pattern in self.topics)


@dataclass
class _Route:
    """What the bus knows of one address."""

    handle: Any = None
    up: asyncio.Event = field(default_factory=asyncio.Event)  # set while the target is running
    removed: bool = False
    # When its supervisor saw it die (wall clock). A request sent after that moment
    # cannot have been delivered to the dead incarnation, so it is safe to redeliver.
    down_at: float | None = None
    down_seen: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class BusStats:
    requests: int = 0
    errors: int = 0
    published: int = 0
    delivered: int = 0
    by_code: dict[int, int] = field(default_factory=dict)


class MessageBus(SupervisedActor):
    """Request/response between addresses, and publish/subscribe on topics."""

    def __init__(self, address: str) -> None:
        super().__init__(address)
        settings = get_settings()
        self.namespace = ray.get_runtime_context().namespace
        self.default_timeout_s = settings.bus.request_timeout_s
        self.restart_wait_s = settings.bus.restart_wait_s
        self.queue_size = settings.bus.subscriber_queue_size
        self.subscriber_ttl_s = settings.bus.subscriber_ttl_s
        self._routes: dict[str, _Route] = {}
        self._subscribers: dict[str, _Subscriber] = {}
        self._seq = 0
        self.stats = BusStats()
        self._janitor: asyncio.Task[None] | None = None

    async def on_start(self) -> None:
        self._janitor = asyncio.create_task(self._forget_idle_subscribers())
        # After a restart of the bus, relearn which addresses exist from the tree.
        self._learner = asyncio.create_task(self._learn_tree())

    async def on_stop(self) -> None:
        if self._janitor is not None:
            self._janitor.cancel()

    # ---- request / response ----------------------------------------------------

    # The bus is where every actor's `publish` and `request` land: its own take the wire
    # form (a JSON-RPC message, a topic event), so their signatures differ from the base's.
    async def request(  # type: ignore[override]
        self, to: str, message: Any, timeout_s: float | None = None
    ) -> dict[str, Any] | None:
        """Deliver one JSON-RPC message to `to` and return its answer (None for notifications)."""
        self.stats.requests += 1
        response = await self._request(to, message, timeout_s)
        if response is not None and "error" in response:
            self.stats.errors += 1
            code = response["error"].get("code", 0)
            self.stats.by_code[code] = self.stats.by_code.get(code, 0) + 1
        return response

    async def _request(self, to: Any, message: Any, timeout_s: float | None) -> dict[str, Any] | None:
        request_id = request_id_of(message)
        try:
            request = parse_message(message)
        except RpcError as err:
            return make_error(request_id, err.code, err.message, err.data)
        is_notification = "id" not in message
        try:
            target = self._check_address(to)
        except RpcError as err:
            return None if is_notification else make_error(request_id, err.code, err.message, err.data)
        if target == self.address:
            return await self.handle_rpc(message)

        timeout = self.default_timeout_s if timeout_s is None else float(timeout_s)
        if timeout <= 0:
            return make_error(request_id, ErrorCode.INVALID_PARAMS, "timeout_s must be positive")
        deadline = time.monotonic() + timeout
        retry_ok = request.method in IDEMPOTENT_METHODS
        while True:
            try:
                handle = await self._resolve(target, deadline)
            except RpcError as err:
                return None if is_notification else make_error(request_id, err.code, err.message, err.data)
            sent_at = time.time()
            ref = handle.handle_rpc.remote(message)
            if is_notification:
                return None
            try:
                remaining = max(0.0, deadline - time.monotonic())
                return await asyncio.wait_for(await_ref(ref), remaining)  # type: ignore[no-any-return]
            except TimeoutError:
                ray.cancel(ref)
                return make_error(
                    request_id,
                    ErrorCode.REQUEST_TIMEOUT,
                    f"{target} did not answer '{request.method}' within {timeout:g} s",
                    {"address": target, "method": request.method, "timeout_s": timeout},
                )
            except RayActorError as exc:
                self._mark_down(target, handle)
                if retry_ok and time.monotonic() < deadline:
                    continue  # safe to deliver again once it is back
                if await self._sent_after_death(target, sent_at, deadline):
                    continue  # never reached the dead incarnation: deliver to the new one
                return make_error(
                    request_id,
                    ErrorCode.TARGET_CRASHED,
                    f"{target} died while handling '{request.method}'; it is being restarted",
                    {
                        "address": target,
                        "method": request.method,
                        "retryable": True,
                        "cause": str(exc).splitlines()[0][:200],
                    },
                )

    async def notify(self, to: str, message: dict[str, Any]) -> None:
        """Deliver a notification (a message without id); no answer."""
        await self._request(to, message, None)

    def _check_address(self, to: Any) -> str:
        try:
            return str(Address.parse(to))
        except InvalidAddress as exc:
            raise RpcError(ErrorCode.INVALID_ADDRESS, str(exc), {"address": to}) from None

    async def _resolve(self, target: str, deadline: float) -> Any:
        """The target's current handle; waits (bounded) while it restarts."""
        route = self._routes.get(target)
        if route is not None and route.handle is not None:
            return route.handle
        wait_until = min(deadline, time.monotonic() + self.restart_wait_s)
        while True:
            # a GCS round trip, off the event loop: under load it can take 100+ ms
            handle = await asyncio.to_thread(self._lookup, target)
            if handle is not None:
                route = self._routes.setdefault(target, _Route())
                route.handle = handle
                route.up.set()
                route.removed = False
                return handle
            route = self._routes.get(target)
            if route is None or route.removed:
                raise RpcError(
                    ErrorCode.UNKNOWN_ADDRESS,
                    f"no actor at address '{target}'",
                    {"address": target},
                )
            remaining = wait_until - time.monotonic()
            if remaining <= 0:
                raise RpcError(
                    ErrorCode.TARGET_UNAVAILABLE,
                    f"{target} is restarting and was not back within {self.restart_wait_s:g} s",
                    {"address": target, "retryable": True},
                )
            route.up.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(route.up.wait(), min(remaining, 0.05))

    async def _sent_after_death(self, target: str, sent_at: float, deadline: float) -> bool:
        """Whether the supervisor saw `target` die before this request was sent."""
        route = self._routes.setdefault(target, _Route())
        if route.down_at is None:
            # the supervisor's event is normally milliseconds behind the failed call
            try:
                wait = max(0.0, min(0.5, deadline - time.monotonic()))
                await asyncio.wait_for(route.down_seen.wait(), wait)
            except TimeoutError:
                return False
        return route.down_at is not None and route.down_at <= sent_at

    def _lookup(self, target: str) -> Any:
        try:
            return ray.get_actor(target, namespace=self.namespace)
        except ValueError:
            return None

    def _mark_down(self, target: str, handle: Any = None) -> None:
        route = self._routes.setdefault(target, _Route())
        if handle is None or route.handle is handle:
            route.handle = None
            route.up.clear()

    # ---- publish / subscribe ---------------------------------------------------

    async def publish(  # type: ignore[override]
        self, topic: str, event_type: str, data: dict[str, Any] | None = None, source: str | None = None
    ) -> int:
        """Publish an event to every subscriber of `topic`. Returns its sequence number."""
        self._seq += 1
        event = {
            "topic": topic,
            "type": event_type,
            "data": data or {},
            "source": source,
            "ts": time.time(),
            "seq": self._seq,
        }
        self.stats.published += 1
        if topic == TOPIC_SUPERVISION:
            self._observe_supervision(event_type, data or {})
        for sub in self._subscribers.values():
            if sub.wants(topic):
                if len(sub.queue) == sub.queue.maxlen:
                    sub.dropped += 1
                sub.queue.append(event)
                sub.wakeup.set()
                self.stats.delivered += 1
        return self._seq

    async def poll(
        self,
        subscriber_id: str,
        topics: list[str],
        timeout_s: float = 20.0,
        max_events: int = 500,
    ) -> dict[str, Any]:
        """Long-poll: wait up to `timeout_s` for events on `topics`.

        The call (re)declares the subscription, so a subscriber survives a bus restart
        by simply polling again.
        """
        sub = self._subscribers.get(subscriber_id)
        if sub is None:
            sub = _Subscriber(topics=set(topics), queue=deque(maxlen=self.queue_size))
            self._subscribers[subscriber_id] = sub
        else:
            sub.topics = set(topics)
        sub.last_poll = time.monotonic()
        if not sub.queue and timeout_s > 0:
            sub.wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(sub.wakeup.wait(), timeout_s)
        sub.last_poll = time.monotonic()
        events = [sub.queue.popleft() for _ in range(min(max_events, len(sub.queue)))]
        dropped, sub.dropped = sub.dropped, 0
        return {"events": events, "dropped": dropped, "bus_id": self._bus_id}

    async def unsubscribe(self, subscriber_id: str) -> bool:
        sub = self._subscribers.pop(subscriber_id, None)
        if sub is not None:
            sub.wakeup.set()
        return sub is not None

    @property
    def _bus_id(self) -> str:
        # Lets a subscriber notice that the bus restarted (events may have been missed).
        if not hasattr(self, "_instance_id"):
            self._instance_id = uuid.uuid4().hex[:12]
        return self._instance_id

    # ---- what the bus learns from supervision events -----------------------------

    def _observe_supervision(self, event_type: str, data: dict[str, Any]) -> None:
        child = data.get("child")
        if not isinstance(child, str):
            return
        route = self._routes.setdefault(child, _Route())
        if event_type == "child_started":
            route.down_seen.clear()
            route.down_at = None
            route.removed = False
            route.handle = None  # a new incarnation: resolve it afresh
            route.up.set()
        elif event_type in ("child_stopped",):
            route.handle = None
            route.up.clear()
        elif event_type == "child_removed":
            route.handle = None
            route.up.clear()
            route.removed = True
        elif event_type == "supervision_event":
            action = data.get("action")
            route.handle = None
            route.up.clear()
            route.removed = action in ("remove", "stop")
            detected_at = data.get("detected_at") or data.get("at")
            if isinstance(detected_at, (int, float)):
                route.down_at = float(detected_at)
                route.down_seen.set()

    async def _learn_tree(self) -> None:
        try:
            root = ray.get_actor(ROOT_ADDRESS, namespace=self.namespace)
            tree = await asyncio.wait_for(await_ref(root.describe.remote()), 10.0)
        except Exception:
            return  # no root yet (tests, or the root is starting us): learn from events
        stack = [tree]
        while stack:
            node = stack.pop()
            self._routes.setdefault(node["address"], _Route())
            stack.extend(node.get("children", []))

    async def _forget_idle_subscribers(self) -> None:
        while True:
            await asyncio.sleep(max(1.0, self.subscriber_ttl_s / 4))
            now = time.monotonic()
            for sub_id, sub in list(self._subscribers.items()):
                if now - sub.last_poll > self.subscriber_ttl_s:
                    del self._subscribers[sub_id]

    # ---- the bus's own tools ---------------------------------------------------

    @tool(description="Counters of the bus: requests, errors by code, events published and delivered.")
    async def bus_stats(self) -> dict[str, Any]:
        return self.info()

    @tool(description="Addresses the bus knows and whether each is up.")
    async def routes(self) -> dict[str, Any]:
        return {
            addr: {"up": r.up.is_set(), "cached": r.handle is not None, "removed": r.removed}
            for addr, r in sorted(self._routes.items())
        }

    def info(self) -> dict[str, Any]:
        return {
            "requests": self.stats.requests,
            "errors": self.stats.errors,
            "errors_by_code": {str(k): v for k, v in self.stats.by_code.items()},
            "published": self.stats.published,
            "delivered": self.stats.delivered,
            "subscribers": len(self._subscribers),
            "routes": len(self._routes),
        }
