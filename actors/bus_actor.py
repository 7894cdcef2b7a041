"""The message bus actor, at `bus/main`: routes JSON-RPC (MCP) requests between addresses,
and carries topic events.

The logic (routes, redelivery, subscriptions, what supervision events teach) is the
plain-Python `BusEngine` (actors/bus_engine.py); this actor hosts it on the Ray runtime.

Every failure is an answer: a malformed message, an unknown address, a timeout
or a crashed target each comes back as a JSON-RPC error with a stable code.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import ray

from actors.base import SupervisedActor, tool
from actors.bus_engine import DEATH_EVENT_WAIT_S, BusConfig, BusEngine
from configs.settings import get_settings
from protocols.addresses import ROOT
from supervisors.runtime import RayRuntime

log = logging.getLogger(__name__)

# How long the bus waits for the root's tree when it (re)starts.
_LEARN_TREE_TIMEOUT_S = 10.0


class MessageBus(SupervisedActor):
    """Request/response between addresses, and publish/subscribe on topics."""

    def __init__(self, address: str) -> None:
        super().__init__(address)
        settings = get_settings().bus
        self.namespace = ray.get_runtime_context().namespace
        self.runtime = RayRuntime(self.namespace)
        config = BusConfig(
            request_timeout_s=settings.request_timeout_s,
            restart_wait_s=settings.restart_wait_s,
            subscriber_queue_size=settings.subscriber_queue_size,
            subscriber_ttl_s=settings.subscriber_ttl_s,
        )
        self.engine = BusEngine(address, self.runtime, config, self.handle_rpc)
        self._janitor: asyncio.Task[None] | None = None
        self._learner: asyncio.Task[None] | None = None

    async def on_start(self) -> None:
        self._janitor = asyncio.create_task(self.engine.run_janitor())
        # After a restart of the bus, relearn which addresses exist from the tree.
        self._learner = asyncio.create_task(self._learn_tree())

    async def on_stop(self) -> None:
        if self._janitor is not None:
            self._janitor.cancel()

    # The bus is where every actor's `publish` and `request` land: its own take the wire
    # form (a JSON-RPC message, a topic event), so their signatures differ from the base's.
    async def request(  # type: ignore[override]
        self, to: str, message: Any, timeout_s: float | None = None
    ) -> dict[str, Any] | None:
        """Deliver one JSON-RPC message to `to` and return its answer (None for notifications)."""
        return await self.engine.request(to, message, timeout_s)

    async def sent_after_death(self, to: str, sent_at: float, timeout_s: float = DEATH_EVENT_WAIT_S) -> bool:
        """For a caller whose one-hop request found `to` dead (supervisors/one_hop.py):
        whether the supervisor saw it die before `sent_at`, so the request never reached it
        and may be delivered again."""
        return await self.engine.sent_after_death(to, sent_at, time.monotonic() + timeout_s)

    async def notify(self, to: str, message: dict[str, Any]) -> None:
        """Deliver a notification (a message without id); no answer."""
        await self.engine.request(to, message, None)

    async def publish(  # type: ignore[override]
        self, topic: str, event_type: str, data: dict[str, Any] | None = None, source: str | None = None
    ) -> int:
        """Publish an event to every subscriber of `topic`. Returns its sequence number."""
        return self.engine.publish(topic, event_type, data, source)

    async def poll(
        self, subscriber_id: str, topics: list[str], timeout_s: float = 20.0, max_events: int = 500
    ) -> dict[str, Any]:
        """Long-poll: wait up to `timeout_s` for events on `topics` (re-declares the subscription)."""
        return await self.engine.poll(subscriber_id, topics, timeout_s, max_events)

    async def unsubscribe(self, subscriber_id: str) -> bool:
        return self.engine.unsubscribe(subscriber_id)

    async def _learn_tree(self) -> None:
        try:
            tree = await self.runtime.call(ROOT, "describe", timeout_s=_LEARN_TREE_TIMEOUT_S, wait_s=0.0)
        except Exception:
            return  # no root yet (tests, or the root is starting us): learn from events
        addresses = []
        stack = [tree]
        while stack:
            node = stack.pop()
            addresses.append(node["address"])
            stack.extend(node.get("children", []))
        self.engine.know(addresses)

    # ---- the bus's own tools ---------------------------------------------------

    @tool(description="Counters of the bus: requests, errors by code, events published and delivered.")
    async def bus_stats(self) -> dict[str, Any]:
        return self.info()

    @tool(description="Addresses the bus knows and whether each is up.")
    async def routes(self) -> dict[str, Any]:
        return self.engine.route_table()

    def info(self) -> dict[str, Any]:
        return self.engine.info()
