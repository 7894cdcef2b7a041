"""Where a supervisor's reports go: an event sink, injected, never hard-coded.

A supervisor reports two things: lifecycle and supervision events for live watchers
(published to a topic) and supervision events for the record (written in batches; kept
and retried while the recorder is away). Which actors receive them is configuration
(`supervision.event_sink` in configs/, or a supervisor's own flags): this module knows
only the two methods it calls, `publish(topic, type, data, source)` and
`record_supervision_events(events)`.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from protocols.supervision import EventSinkSpec, SupervisionEvent
from supervisors.refs import ActorRef


class EventSink(Protocol):
    def publish(self, event_type: str, data: dict[str, Any], source: str) -> None:
        """Best effort: a sink that is away loses live events."""

    async def record(self, events: list[SupervisionEvent], timeout_s: float) -> bool:
        """Whether the events were recorded (False: keep them and try again later)."""


class NullSink:
    """Reports go nowhere (a supervisor outside a platform, engine tests)."""

    def publish(self, event_type: str, data: dict[str, Any], source: str) -> None:
        return None

    async def record(self, events: list[SupervisionEvent], timeout_s: float) -> bool:
        return True


class ActorEventSink:
    """Publishes to the actor at `publish_to` and records with the actor at `record_to`."""

    def __init__(self, spec: EventSinkSpec, namespace: str | None = None) -> None:
        self.topic = spec.topic
        self._publish = ActorRef(spec.publish_to, namespace) if spec.publish_to else None
        self._record = ActorRef(spec.record_to, namespace) if spec.record_to else None

    def publish(self, event_type: str, data: dict[str, Any], source: str) -> None:
        if self._publish is not None:
            self._publish.tell("publish", self.topic, event_type, data, source)

    async def record(self, events: list[SupervisionEvent], timeout_s: float) -> bool:
        if self._record is None:
            return True
        try:
            await self._record.call(
                "record_supervision_events",
                [e.model_dump(mode="json") for e in events],
                timeout_s=timeout_s,
                wait_s=0,
            )
        except (Exception, asyncio.CancelledError):
            return False
        return True


def sink_for(spec: EventSinkSpec | None, namespace: str | None) -> EventSink:
    if spec is None or not (spec.publish_to or spec.record_to):
        return NullSink()
    return ActorEventSink(spec, namespace)
