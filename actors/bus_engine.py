"""The bus's engine: routing with redelivery, subscriptions, and what supervision events teach.

Plain Python over a `Delivery` (supervisors/runtime.py): the Ray runtime in the
`MessageBus` actor (actors/bus_actor.py), the in-memory one in unit tests.

Routes are not state the bus must keep: an address is the name of its target, so the
engine resolves it by name and caches the handle. It learns which addresses exist, and
which are restarting, from the supervision events it carries, so a request for a
restarting target waits (bounded) and is delivered when the target is back.

Redelivery after the target died during a request: an idempotent method is sent again; a
request sent after the supervisor saw the target die never reached the dead incarnation
and is sent again; anything else answers TARGET_CRASHED (it may have had effects).

Subscriptions are re-declared by every poll, so when the bus itself restarts, subscribers
carry on without doing anything special.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

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
from supervisors.runtime import Delivery

# How long a failed call waits for the supervisor's event about the death (normally
# milliseconds behind the failure) before deciding the request may have been delivered.
DEATH_EVENT_WAIT_S = 0.5
# How often a waiter for a restarting target looks its name up again.
RESOLVE_POLL_S = 0.05


@dataclass
class BusConfig:
    request_timeout_s: float
    restart_wait_s: float
    subscriber_queue_size: int
    subscriber_ttl_s: float


@dataclass
class Subscriber:
    topics: set[str]
    queue: deque[dict[str, Any]]
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    last_poll: float = field(default_factory=time.monotonic)
    dropped: int = 0

    def wants(self, topic: str) -> bool:
        return any(topic_matches(pattern, topic) for pattern in self.topics)


@dataclass
class Route:
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


# Answers a message addressed to the bus itself.
LocalHandler = Callable[[dict[str, Any]], Awaitable[dict[str, Any] | None]]


class BusEngine:
    """Request/response between addresses, and publish/subscribe on topics."""

    def __init__(self, address: str, delivery: Delivery, config: BusConfig, local: LocalHandler) -> None:
        self.address = address
        self.config = config
        self.local = local
        self.routes: dict[str, Route] = {}
        self.subscribers: dict[str, Subscriber] = {}
        self.stats = BusStats()
        self.bus_id = uuid.uuid4().hex[:12]  # lets a subscriber notice that the bus restarted
        self._seq = 0
        # The delivery steps, bound once: the hot path pays no attribute look-ups for them.
        self._lookup = delivery.lookup
        self._send = delivery.send
        self._wait = delivery.wait
        self._cancel = delivery.cancel
        self._died = delivery.died

    # ---- request / response ----------------------------------------------------

    async def request(self, to: Any, message: Any, timeout_s: float | None = None) -> dict[str, Any] | None:
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
            target = self.check_address(to)
        except RpcError as err:
            return None if is_notification else make_error(request_id, err.code, err.message, err.data)
        if target == self.address:
            return await self.local(message)

        timeout = self.config.request_timeout_s if timeout_s is None else float(timeout_s)
        if timeout <= 0:
            return make_error(request_id, ErrorCode.INVALID_PARAMS, "timeout_s must be positive")
        deadline = time.monotonic() + timeout
        retry_ok = request.method in IDEMPOTENT_METHODS
        while True:
            route = self.routes.get(target)
            if route is not None and route.handle is not None:
                handle = route.handle  # the fast path: a cached handle, no await
            else:
                try:
                    handle = await self._resolve(target, deadline)
                except RpcError as err:
                    return None if is_notification else make_error(request_id, err.code, err.message, err.data)
            sent_at = time.time()
            pending = self._send(handle, message)
            if is_notification:
                return None
            try:
                remaining = max(0.0, deadline - time.monotonic())
                return await asyncio.wait_for(self._wait(pending), remaining)  # type: ignore[no-any-return]
            except TimeoutError:
                self._cancel(pending)
                return make_error(
                    request_id,
                    ErrorCode.REQUEST_TIMEOUT,
                    f"{target} did not answer '{request.method}' within {timeout:g} s",
                    {"address": target, "method": request.method, "timeout_s": timeout},
                )
            except self._died as exc:
                self.mark_down(target, handle)
                if retry_ok and time.monotonic() < deadline:
                    continue  # safe to deliver again once it is back
                if await self.sent_after_death(target, sent_at, deadline):
                    continue  # never reached the dead incarnation: deliver to the new one
                return make_error(
                    request_id,
                    ErrorCode.TARGET_CRASHED,
                    f"{target} died while handling '{request.method}'; it is being restarted",
                    {
                        "address": target,
                        "method": request.method,
                        "retryable": True,
                        "cause": (str(exc).splitlines() or [""])[0][:200],
                    },
                )

    @staticmethod
    def check_address(to: Any) -> str:
        try:
            return str(Address.parse(to))
        except InvalidAddress as exc:
            raise RpcError(ErrorCode.INVALID_ADDRESS, str(exc), {"address": to}) from None

    async def _resolve(self, target: str, deadline: float) -> Any:
        """The target's current handle; waits (bounded) while it restarts."""
        route = self.routes.get(target)
        if route is not None and route.handle is not None:
            return route.handle
        wait_until = min(deadline, time.monotonic() + self.config.restart_wait_s)
        while True:
            # a registry round trip, off the event loop: under load it can take 100+ ms
            handle = await asyncio.to_thread(self._lookup, target)
            if handle is not None:
                route = self.routes.setdefault(target, Route())
                route.handle = handle
                route.up.set()
                route.removed = False
                return handle
            route = self.routes.get(target)
            if route is None or route.removed:
                raise RpcError(ErrorCode.UNKNOWN_ADDRESS, f"no actor at address '{target}'", {"address": target})
            remaining = wait_until - time.monotonic()
            if remaining <= 0:
                raise RpcError(
                    ErrorCode.TARGET_UNAVAILABLE,
                    f"{target} is restarting and was not back within {self.config.restart_wait_s:g} s",
                    {"address": target, "retryable": True},
                )
            route.up.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(route.up.wait(), min(remaining, RESOLVE_POLL_S))

    async def sent_after_death(self, target: str, sent_at: float, deadline: float) -> bool:
        """Whether the supervisor saw `target` die before this request was sent."""
        route = self.routes.setdefault(target, Route())
        if route.down_at is None:
            try:
                wait = max(0.0, min(DEATH_EVENT_WAIT_S, deadline - time.monotonic()))
                await asyncio.wait_for(route.down_seen.wait(), wait)
            except TimeoutError:
                return False
        return route.down_at is not None and route.down_at <= sent_at

    def mark_down(self, target: str, handle: Any = None) -> None:
        """Forget the cached handle of a target that died (unless a newer one is cached)."""
        route = self.routes.setdefault(target, Route())
        if handle is None or route.handle is handle:
            route.handle = None
            route.up.clear()

    def know(self, addresses: Iterable[str]) -> None:
        """Addresses that exist (from the supervision tree), so a request for one of them
        while it is away waits for it instead of answering UNKNOWN_ADDRESS."""
        for address in addresses:
            self.routes.setdefault(address, Route())

    # ---- publish / subscribe ---------------------------------------------------

    def publish(
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
            self.observe_supervision(event_type, data or {})
        for sub in self.subscribers.values():
            if sub.wants(topic):
                if len(sub.queue) == sub.queue.maxlen:
                    sub.dropped += 1
                sub.queue.append(event)
                sub.wakeup.set()
                self.stats.delivered += 1
        return self._seq

    async def poll(
        self, subscriber_id: str, topics: list[str], timeout_s: float = 20.0, max_events: int = 500
    ) -> dict[str, Any]:
        """Long-poll: wait up to `timeout_s` for events on `topics`. The call (re)declares
        the subscription, so a subscriber survives a bus restart by simply polling again."""
        sub = self.subscribers.get(subscriber_id)
        if sub is None:
            sub = Subscriber(topics=set(topics), queue=deque(maxlen=self.config.subscriber_queue_size))
            self.subscribers[subscriber_id] = sub
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
        return {"events": events, "dropped": dropped, "bus_id": self.bus_id}

    def unsubscribe(self, subscriber_id: str) -> bool:
        sub = self.subscribers.pop(subscriber_id, None)
        if sub is not None:
            sub.wakeup.set()
        return sub is not None

    def forget_idle_subscribers(self, now: float | None = None) -> list[str]:
        """Drop the subscribers that have not polled within the TTL; returns their ids."""
        now = time.monotonic() if now is None else now
        idle = [s for s, sub in self.subscribers.items() if now - sub.last_poll > self.config.subscriber_ttl_s]
        for sub_id in idle:
            del self.subscribers[sub_id]
        return idle

    async def run_janitor(self) -> None:
        """Forever: forget idle subscribers a few times per TTL."""
        while True:
            await asyncio.sleep(max(1.0, self.config.subscriber_ttl_s / 4))
            self.forget_idle_subscribers()

    # ---- what the bus learns from supervision events -----------------------------

    def observe_supervision(self, event_type: str, data: dict[str, Any]) -> None:
        child = data.get("child")
        if not isinstance(child, str):
            return
        route = self.routes.setdefault(child, Route())
        if event_type == "child_started":
            route.down_seen.clear()
            route.down_at = None
            route.removed = False
            route.handle = None  # a new incarnation: resolve it afresh
            route.up.set()
        elif event_type == "child_stopped":
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

    # ---- views -----------------------------------------------------------------------

    def route_table(self) -> dict[str, Any]:
        return {
            addr: {"up": r.up.is_set(), "cached": r.handle is not None, "removed": r.removed}
            for addr, r in sorted(self.routes.items())
        }

    def info(self) -> dict[str, Any]:
        return {
            "requests": self.stats.requests,
            "errors": self.stats.errors,
            "errors_by_code": {str(k): v for k, v in self.stats.by_code.items()},
            "published": self.stats.published,
            "delivered": self.stats.delivered,
            "subscribers": len(self.subscribers),
            "routes": len(self.routes),
        }
