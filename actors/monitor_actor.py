"""The monitor: system metrics on the bus, and alerts when supervision gives up."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import psutil
import ray

from actors.base import SupervisedActor, tool
from configs.settings import get_settings
from protocols.addresses import BUS
from protocols.events import TOPIC_SUPERVISION, TOPIC_SYSTEM_ALERT, TOPIC_SYSTEM_METRICS

log = logging.getLogger(__name__)


def node_metrics() -> dict[str, Any]:
    """CPU and memory of the node this runs on (psutil)."""
    memory = psutil.virtual_memory()
    load1, load5, load15 = psutil.getloadavg()
    return {
        "cpu_percent": psutil.cpu_percent(interval=None),
        "cpu_count": psutil.cpu_count(),
        "load_avg": [load1, load5, load15],
        "memory_total": memory.total,
        "memory_used": memory.used,
        "memory_percent": memory.percent,
    }


class Monitor(SupervisedActor):
    """Publishes `system_metrics` every few seconds and turns escalations into `system_alert`s."""

    def __init__(self, address: str) -> None:
        super().__init__(address)
        settings = get_settings()
        self.interval_s = settings.monitor.metrics_interval_s
        self.namespace = ray.get_runtime_context().namespace
        self._tasks: list[asyncio.Task[None]] = []
        self._last: dict[str, Any] = {}
        self._alerts: list[dict[str, Any]] = []

    async def on_start(self) -> None:
        psutil.cpu_percent(interval=None)  # prime the counter
        self._tasks = [
            asyncio.create_task(self._publish_metrics_forever()),
            asyncio.create_task(self._watch_supervision()),
        ]

    async def on_stop(self) -> None:
        for task in self._tasks:
            task.cancel()

    @tool(description="Current CPU and memory of each Ray node and of this machine.")
    async def metrics(self) -> dict[str, Any]:
        return self._collect()

    @tool(description="Recent system alerts (supervisors that gave up).")
    async def alerts(self, limit: int = 20) -> list[dict[str, Any]]:
        return self._alerts[-limit:]

    def _collect(self) -> dict[str, Any]:
        nodes = []
        for node in ray.nodes():
            nodes.append(
                {
                    "node_id": node.get("NodeID"),
                    "ip": node.get("NodeManagerAddress"),
                    "alive": node.get("Alive"),
                    "resources": node.get("Resources", {}),
                }
            )
        self._last = {"at": time.time(), "host": node_metrics(), "nodes": nodes}
        return self._last

    async def _publish_metrics_forever(self) -> None:
        while True:
            with contextlib.suppress(Exception):  # metrics are best effort
                self.publish(TOPIC_SYSTEM_METRICS, "system_metrics", self._collect())
            await asyncio.sleep(self.interval_s)

    async def _watch_supervision(self) -> None:
        subscriber = f"{self.address}:{id(self)}"
        bus = self.ref(BUS)
        while True:
            try:
                batch = await bus.call("poll", subscriber, [TOPIC_SUPERVISION], 10.0, timeout_s=20.0, wait_s=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                await asyncio.sleep(0.5)
                continue
            for event in batch["events"]:
                data = event.get("data", {})
                if event.get("type") == "supervision_event" and data.get("action") == "escalate":
                    alert = {
                        "severity": "critical",
                        "message": f"{data.get('supervisor')} gave up: {data.get('detail')}",
                        "event": data,
                        "at": time.time(),
                    }
                    self._alerts.append(alert)
                    del self._alerts[:-100]
                    self.publish(TOPIC_SYSTEM_ALERT, "system_alert", alert)
