"""/api/v1/bus/*: JSON-RPC requests to addresses, and publishing events on topics.

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from protocols.rest import BusRequestBody, JsonRpcResponse, PublishBody, PublishResponse
from serve_app.deps import Bus, SettingsDep, ask

router = APIRouter(tags=["bus"])


@router.post("/bus/request", response_model=JsonRpcResponse)
async def bus_request(settings: SettingsDep, bus: Bus, body: BusRequestBody) -> JSONResponse:
    """Send a JSON-RPC request to an address; the answer is the JSON-RPC response.

    Bus-level failures (unknown address, timeout, ...) are JSON-RPC errors in a 200
    answer, as JSON-RPC over HTTP does; only a malformed HTTP body is a 4xx."""
    timeout = (body.timeout_s or settings.bus.request_timeout_s) + 5.0
    response = await ask(bus, "request", body.to, body.message, body.timeout_s, timeout_s=timeout, wait_s=0)
    return JSONResponse(response if response is not None else {"jsonrpc": "2.0", "result": None})


@router.post("/bus/publish", response_model=PublishResponse)
async def bus_publish(bus: Bus, body: PublishBody) -> dict[str, Any]:
    """Publish an event on a topic (WebSocket subscribers of the topic receive it)."""
    seq = await ask(bus, "publish", body.topic, body.type, body.data, "api", timeout_s=10.0, wait_s=0)
    return {"seq": seq}
