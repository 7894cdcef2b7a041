"""Health of one subsystem from the supervision tree and its service's answer, and the
database's part in the platform's health (plain Python)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from protocols.addresses import STORE
from protocols.rest import ComponentHealth, DatabaseHealth, HealthReport, HealthStatus, SubsystemHealth
from protocols.supervision import ChildStatus
from supervisors.health import health_from_tree


def subsystem_health(
    tree: ChildStatus | None,
    owns: Callable[[str], bool],
    required: tuple[str, ...],
    checks: dict[str, Any],
    failure: str | None,
) -> SubsystemHealth:
    """ok: every actor it owns runs and its service answered. degraded: something is
    (re)starting or failed but the service answered. down: no tree, a required actor is
    missing or failed, or the service did not answer (`failure`)."""
    now = time.time()
    if tree is None:
        return SubsystemHealth(status="down", detail="root supervisor unreachable", checks=checks, checked_at=now)
    report = health_from_tree(tree)
    components = {a: c for a, c in report.components.items() if owns(a)}
    missing = [a for a in required if a not in components]
    status: HealthStatus = "ok"
    if any(c.status != "ok" for c in components.values()):
        status = "degraded"
    details = []
    if missing:
        details.append(f"not in the supervision tree: {', '.join(missing)}")
    if any(components[a].status == "down" for a in required if a in components) or missing or failure:
        status = "down"
    if failure:
        details.append(failure)
    return SubsystemHealth(
        status=status, components=components, checks=checks, detail="; ".join(details) or None, checked_at=now
    )


_RANK: dict[HealthStatus, int] = {"ok": 0, "degraded": 1, "down": 2}


def with_database(report: HealthReport, database: DatabaseHealth) -> HealthReport:
    """The report with a `database` component (the store's live answer). The platform is
    never ok while its database is not: the overall status is the worse of the two, as
    the tree alone cannot see a server that died under a running Store."""
    reachable = database.status != "down"
    report.components["database"] = ComponentHealth(
        status=database.status,
        state="reachable" if reachable else "unreachable",
        address=STORE,
        detail=database.detail
        or (f"{database.mode}, {database.latency_ms:.1f} ms" if database.latency_ms is not None else database.mode),
    )
    if _RANK[database.status] > _RANK[report.status]:
        report.status = database.status
    return report
