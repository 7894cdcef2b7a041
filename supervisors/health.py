"""Health of the platform, computed from the supervision tree (plain function, no Ray)."""

from __future__ import annotations

import time

from protocols.addresses import BUS, ROOT, STORE
from protocols.rest import ComponentHealth, HealthReport, HealthStatus
from protocols.supervision import ChildState, ChildStatus

# Without these the platform cannot do anything useful.
CRITICAL = (STORE, BUS)

_STATE_STATUS: dict[ChildState, HealthStatus] = {
    ChildState.RUNNING: "ok",
    ChildState.STARTING: "degraded",
    ChildState.RESTARTING: "degraded",
    ChildState.STOPPING: "degraded",
    ChildState.STOPPED: "ok",  # a transient/temporary child that finished is fine
    ChildState.FAILED: "down",
}


def health_from_tree(tree: ChildStatus | None, detail: str | None = None) -> HealthReport:
    """ok: everything runs. degraded: something is (re)starting, or a non-critical
    part failed. down: no root, or a critical part (store, bus) is missing, stopped
    or failed; a critical part that is restarting is only degraded."""
    now = time.time()
    if tree is None:
        return HealthReport(
            status="down",
            components={ROOT: ComponentHealth(status="down", state="unreachable", address=ROOT, detail=detail)},
            checked_at=now,
        )
    components: dict[str, ComponentHealth] = {}
    for node in tree.walk():
        components[node.address] = ComponentHealth(
            status=_STATE_STATUS[node.state],
            state=node.state.value,
            address=node.address,
            restarts=node.restarts,
            uptime_s=node.uptime_s,
            detail=node.last_exit.detail if node.last_exit and node.state is not ChildState.RUNNING else None,
        )
    statuses = [c.status for c in components.values()]
    overall: HealthStatus = "ok"
    if any(s != "ok" for s in statuses):
        overall = "degraded"
    gone = (ChildState.STOPPED.value, ChildState.FAILED.value)
    critical_down = [a for a in CRITICAL if a not in components or components[a].state in gone]
    if tree.state is not ChildState.RUNNING or critical_down:
        overall = "down"
    return HealthReport(status=overall, components=components, checked_at=now)
