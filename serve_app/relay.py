"""Fan-out of bus topics to the WebSocket clients of one gateway replica.

One long-poll loop per replica asks the bus for the union of the topics its
clients want, and hands each event to the clients that asked for its topic.
If the bus restarts, the loop finds it again by name and polls on: clients
notice nothing but a gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

from protocols.events import topic_matches
from serve_app.deps import ask
from supervisors.refs import ActorRef

log = logging.getLogger(__name__)


class TopicRelay:
    def __init__(self, bus_address: str, namespace: str, queue_size: int = 1000) -> None:
        self.bus_address = bus_address
        self.namespace = namespace
        self.bus = ActorRef(bus_address, namespace)
        self.queue_size = queue_size
        self.subscriber_id = f"gateway-{uuid.uuid4().hex[:12]}"
        self._clients: dict[str, tuple[set[str], asyncio.Queue[dict[str, Any]]]] = {}
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def add_client(self) -> tuple[str, asyncio.Queue[dict[str, Any]]]:
        client_id = uuid.uuid4().hex
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=self.queue_size)
        self._clients[client_id] = (set(), queue)
        return client_id, queue

    def remove_client(self, client_id: str) -> None:
        self._clients.pop(client_id, None)
        self._changed.set()

    async def set_topics(self, client_id: str, topics: set[str]) -> None:
        """Change a client's topics; returns once the bus knows, so no event is missed after."""
        if client_id not in self._clients:
            return
        self._clients[client_id] = (set(topics), self._clients[client_id][1])
        self._changed.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        await self._declare()

    def topics_of(self, client_id: str) -> set[str]:
        return set(self._clients.get(client_id, (set(), None))[0])

    def _union(self) -> list[str]:
        union: set[str] = set()
        for topics, _ in self._clients.values():
            union |= topics
        return sorted(union)

    async def _declare(self) -> None:
        """A poll that does not wait: (re)declares the topic set to the bus at once. The
        long poll in flight shares the subscription, so it sees the new topics too."""
        try:
            batch = await ask(self.bus, "poll", self.subscriber_id, self._union(), 0.0, timeout_s=10.0, wait_s=0)
        except Exception as exc:  # the bus is restarting: the loop will declare again
            log.debug("relay declare failed: %s", exc)
            return
        for event in batch.get("events", []):
            self._dispatch(event)

    async def _run(self) -> None:
        backoff = 0.05
        while True:
            topics = self._union()
            if not topics:
                self._changed.clear()
                await self._changed.wait()
                continue
            try:
                batch = await ask(self.bus, "poll", self.subscriber_id, topics, 15.0, timeout_s=30.0, wait_s=0)
                backoff = 0.05
            except Exception as exc:  # bus restarting or gone: the reference finds it again
                log.debug("relay poll failed: %s", exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                continue
            for event in batch.get("events", []):
                self._dispatch(event)

    def _dispatch(self, event: dict[str, Any]) -> None:
        topic = event.get("topic", "")
        for topics, queue in list(self._clients.values()):
            if any(topic_matches(p, topic) for p in topics):
                if queue.full():
                    with contextlib.suppress(asyncio.QueueEmpty):
                        queue.get_nowait()  # drop the oldest for a slow browser
                queue.put_nowait(event)
