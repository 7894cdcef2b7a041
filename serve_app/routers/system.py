"""/api/v1/system/*: the supervision tree, recorded supervision events, metrics, chaos kill.

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

from typing import Any

from fastapi import APIRouter, Query

from protocols.addresses import ROOT, Address, InvalidAddress
from protocols.errors import ActorUnavailable
from protocols.rest import HttpErrorCode, KillRequest, KillResponse, SystemEvents, SystemMetrics
from protocols.supervision import ChildStatus
from serve_app.deps import Monitor, Root, SettingsDep, Store, actor_ref, ask
from serve_app.errors import ApiError
from serve_app.routers.health import tree_of
from supervisors.refs import ActorRef, kill

router = APIRouter(tags=["system"])
CALL_TIMEOUT_S = 10.0


def valid_address(text: str, field: str) -> str:
    try:
        return str(Address.parse(text))
    except InvalidAddress as exc:
        raise ApiError(422, HttpErrorCode.INVALID_ADDRESS, str(exc), field) from None


@router.get("/system/tree", response_model=ChildStatus)
async def system_tree(root: Root) -> ChildStatus:
    """The supervision tree: every supervisor and child with state and restarts."""
    tree = await tree_of(root)
    if tree is None:
        raise ApiError(503, HttpErrorCode.UNAVAILABLE, "the root supervisor is not reachable")
    return tree


@router.get("/system/events", response_model=SystemEvents)
async def system_events(
    store: Store,
    child: str | None = Query(None, description="only events of this address"),
    limit: int = Query(100, ge=1, le=1000),
) -> dict[str, Any]:
    """Recorded supervision events (restarts, escalations), newest last."""
    events = await ask(store, "supervision_events", child, limit, timeout_s=CALL_TIMEOUT_S, wait_s=0)
    return {"events": events}


async def metrics_of(monitor: ActorRef) -> dict[str, Any]:
    """What the monitor measures now (GET /system/metrics and the WS request_system_metrics)."""
    return dict(await ask(monitor, "metrics", timeout_s=CALL_TIMEOUT_S, wait_s=0))


@router.get("/system/metrics", response_model=SystemMetrics)
async def system_metrics(monitor: Monitor) -> dict[str, Any]:
    """CPU and memory of the machine and the Ray nodes."""
    return await metrics_of(monitor)


@router.post("/system/kill", response_model=KillResponse)
async def system_kill(settings: SettingsDep, body: KillRequest) -> KillResponse:
    """Chaos testing: kill the actor at an address; its supervisor restarts it."""
    address = valid_address(body.address, "body.address")
    if address == ROOT:
        raise ApiError(
            400,
            HttpErrorCode.BAD_REQUEST,
            "the root supervisor cannot be killed from here; use `pygent down`",
            "body.address",
        )
    try:
        # the live incarnation: a second kill must not hit the first one's stale handle
        actor = await actor_ref(settings, address).resolve_live(wait_s=0)
    except ActorUnavailable:
        raise ApiError(404, HttpErrorCode.UNKNOWN_ADDRESS, f"no actor at address '{address}'", "body.address") from None
    if body.how == "exit":
        actor.chaos_exit.remote(1)
    else:
        await kill(actor)
    return KillResponse(address=address, killed=True, how=body.how)
