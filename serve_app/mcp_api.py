"""/api/v1/mcp/*: the MCP servers PyGent runs, their tools, discovery and install.

Server state lives in `supervisor/mcp-servers` (status, run-time changes, install) and
in each server's handle at `mcp/<id>` (tools, calls). Discovery is computed here from
the config files and this machine's console scripts, cached per gateway replica.

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field
from ray.exceptions import RayActorError, RayTaskError

from actors.mcp.catalogue import CatalogueError, load_catalogue
from actors.mcp.config import SERVER_ID_RE, ConfigError, bin_dirs
from actors.mcp.discovery import Discovery
from actors.mcp.handle import TIMEOUT_META_KEY
from actors.mcp.install import InstallRejected, find_entry
from actors.mcp.specs import catalogue_path, configured_servers
from actors.refs import await_ref
from configs.settings import Settings
from protocols.addresses import MCP_MANAGER as MCP_SERVERS
from protocols.jsonrpc import ErrorCode as RpcCode
from protocols.jsonrpc import RpcError, make_request
from protocols.rest import ErrorCode
from serve_app.errors import ApiError
from serve_app.lookup import actor_or_none, settings_of

router = APIRouter(prefix="/mcp", tags=["mcp"])
TIMEOUT_S = 30.0
ServerId = Annotated[str, Path(min_length=1, max_length=64, pattern=SERVER_ID_RE.pattern)]


class ExecuteBody(BaseModel):
    arguments: dict[str, Any] = Field(default_factory=dict)
    timeout_s: float | None = Field(None, gt=0, le=3600)


class InstallBody(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="a catalogue entry's name (or its server id)")


class AddServerBody(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    transport: str = "stdio"
    command: str | None = Field(None, max_length=1000)
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    url: str | None = Field(None, max_length=2000)
    description: str = ""
    call_timeout_s: float | None = Field(None, gt=0, le=3600)


def _supervisor(settings: Settings) -> Any:
    sup = actor_or_none(settings, MCP_SERVERS)
    if sup is None:
        raise ApiError(503, ErrorCode.UNAVAILABLE, f"{MCP_SERVERS} is not running")
    return sup


async def _ask_supervisor(request: Request, method: str, server_id: str) -> dict[str, Any]:
    """One server-lifecycle call on the MCP supervisor (remove, start, stop, restart)."""
    supervisor = _supervisor(settings_of(request))
    result: dict[str, Any] = await _call(getattr(supervisor, method).remote(server_id), 60.0)
    return result


async def _call(ref: Any, timeout_s: float = TIMEOUT_S) -> Any:
    """Await a Ray call; the errors an actor raises become 4xx/5xx answers."""
    try:
        return await asyncio.wait_for(await_ref(ref), timeout_s)
    except TimeoutError:
        raise ApiError(504, ErrorCode.TIMEOUT, f"no answer within {timeout_s:g} s") from None
    except RayActorError:
        raise ApiError(503, ErrorCode.UNAVAILABLE, "the MCP supervisor is restarting; retry") from None
    except RayTaskError as exc:
        cause = exc.cause if isinstance(exc.cause, BaseException) else exc
        if isinstance(cause, ConfigError):
            status = 404 if str(cause).startswith("no MCP server") else 409 if "already exists" in str(cause) else 422
            code = ErrorCode.NOT_FOUND if status == 404 else ErrorCode.VALIDATION_ERROR
            raise ApiError(status, code, str(cause), cause.field) from None
        if isinstance(cause, InstallRejected):
            raise ApiError(422, ErrorCode.VALIDATION_ERROR, str(cause), cause.field) from None
        if isinstance(cause, RpcError):
            raise _rpc_error(cause) from None
        message = str(cause).strip().splitlines()[-1] if str(cause).strip() else type(cause).__name__
        raise ApiError(502, ErrorCode.INTERNAL_ERROR, message[:500]) from None


def _rpc_error(err: RpcError) -> ApiError:
    data = err.data if isinstance(err.data, dict) else {}
    if err.code == RpcCode.TOOL_NOT_FOUND:
        return ApiError(404, ErrorCode.NOT_FOUND, err.message, "tool")
    if err.code == RpcCode.INVALID_PARAMS:
        return ApiError(422, ErrorCode.VALIDATION_ERROR, err.message, data.get("field", "arguments"))
    if err.code == RpcCode.REQUEST_TIMEOUT:
        return ApiError(504, ErrorCode.TIMEOUT, err.message)
    if err.code in (RpcCode.TARGET_UNAVAILABLE, RpcCode.TARGET_CRASHED):
        return ApiError(503, ErrorCode.UNAVAILABLE, err.message)
    return ApiError(502, ErrorCode.INTERNAL_ERROR, err.message)


async def _server(settings: Settings, server_id: str) -> dict[str, Any]:
    entry: dict[str, Any] = await _call(_supervisor(settings).server.remote(server_id))
    return entry


def _handle(settings: Settings, server_id: str) -> Any:
    handle = actor_or_none(settings, f"mcp/{server_id}")
    if handle is None:
        raise ApiError(503, ErrorCode.UNAVAILABLE, f"mcp/{server_id} is not running (stopped or restarting)")
    return handle


@router.get("/servers")
async def list_servers(request: Request) -> dict[str, Any]:
    """Every known server: id, status, restarts, tool_count, transport, command/url, error."""
    settings = settings_of(request)
    return {"servers": await _call(_supervisor(settings).servers.remote())}


@router.get("/tools")
async def all_tools(request: Request) -> dict[str, Any]:
    """Every ready server's tools, named `<server_id>/<tool>` as agents name them."""
    settings = settings_of(request)
    servers = await _call(_supervisor(settings).servers.remote())
    ready = [s["id"] for s in servers if s["status"] in ("ready", "degraded")]

    async def tools_of(server_id: str) -> list[dict[str, Any]]:
        handle = actor_or_none(settings, f"mcp/{server_id}")
        if handle is None:
            return []
        try:
            result = await _rpc(handle.handle_rpc.remote(make_request("tools/list", {}, "rest")), 10.0)
        except ApiError:
            return []  # restarting right now: left out, not an error
        return [
            {**tool, "name": f"{server_id}/{tool['name']}", "server": server_id, "tool": tool["name"]}
            for tool in result["tools"]
        ]

    lists = await asyncio.gather(*(tools_of(sid) for sid in ready))
    return {"tools": [tool for tools in lists for tool in tools]}


@router.post("/servers", status_code=201)
async def add_server(request: Request, body: AddServerBody) -> dict[str, Any]:
    """Register a server at run time (persisted) and start it."""
    settings = settings_of(request)
    config = body.model_dump(exclude_none=True)
    result: dict[str, Any] = await _call(_supervisor(settings).add_server.remote(config), 60.0)
    return result


@router.post("/servers/install")
async def install_server(request: Request, body: InstallBody) -> dict[str, Any]:
    """Install a catalogue server (pip or npm, no shell) and register it."""
    settings = settings_of(request)
    try:
        find_entry(body.name, load_catalogue(catalogue_path(settings)))
    except InstallRejected as exc:
        raise ApiError(404, ErrorCode.NOT_FOUND, str(exc), "name") from None
    timeout = settings.mcp.install_timeout_s + 30
    result: dict[str, Any] = await _call(_supervisor(settings).install.remote(body.name), timeout)
    return result


@router.get("/servers/{server_id}")
async def get_server(request: Request, server_id: ServerId) -> dict[str, Any]:
    return await _server(settings_of(request), server_id)


@router.delete("/servers/{server_id}")
async def delete_server(request: Request, server_id: ServerId) -> dict[str, Any]:
    return await _ask_supervisor(request, "remove_server", server_id)


@router.post("/servers/{server_id}/start")
async def start_server(request: Request, server_id: ServerId) -> dict[str, Any]:
    return await _ask_supervisor(request, "start_server", server_id)


@router.post("/servers/{server_id}/stop")
async def stop_server(request: Request, server_id: ServerId) -> dict[str, Any]:
    return await _ask_supervisor(request, "stop_server", server_id)


@router.post("/servers/{server_id}/restart")
async def restart_server(request: Request, server_id: ServerId) -> dict[str, Any]:
    return await _ask_supervisor(request, "restart_server", server_id)


@router.get("/servers/{server_id}/health")
async def server_health(request: Request, server_id: ServerId) -> dict[str, Any]:
    """Status plus a live ping through the handle (round trip, ms)."""
    settings = settings_of(request)
    entry = await _server(settings, server_id)
    health: dict[str, Any] = {
        "id": server_id,
        "status": entry["status"],
        "ok": entry["status"] == "ready",
        "restarts": entry["restarts"],
        "last_ping_ms": entry.get("last_ping_ms"),
        "restart_history": entry.get("restart_history", []),
    }
    if entry.get("error"):
        health["error"] = entry["error"]
    return health


@router.get("/servers/{server_id}/tools")
async def server_tools(request: Request, server_id: ServerId) -> dict[str, Any]:
    settings = settings_of(request)
    await _server(settings, server_id)  # 404 for an unknown id
    message = make_request("tools/list", {}, "rest")
    result = await _rpc(_handle(settings, server_id).handle_rpc.remote(message), settings.mcp.ready_wait_s + 5)
    return {"tools": result["tools"]}


@router.post("/servers/{server_id}/tools/{tool}/execute")
async def execute_tool(
    request: Request,
    body: ExecuteBody,
    server_id: ServerId,
    tool: Annotated[str, Path(min_length=1, max_length=200)],
) -> dict[str, Any]:
    """Run a tool; answers the MCP CallToolResult (content, structuredContent?, isError)."""
    settings = settings_of(request)
    await _server(settings, server_id)
    timeout = body.timeout_s or settings.mcp.call_timeout_s
    params: dict[str, Any] = {"name": tool, "arguments": body.arguments}
    if body.timeout_s is not None:
        params["_meta"] = {TIMEOUT_META_KEY: body.timeout_s}
    ref = _handle(settings, server_id).handle_rpc.remote(make_request("tools/call", params, "rest"))
    return await _rpc(ref, timeout + settings.mcp.ready_wait_s + 5)


async def _rpc(ref: Any, timeout_s: float) -> dict[str, Any]:
    """A JSON-RPC answer from a handle's endpoint: its result, or its error as an HTTP error."""
    response = await _call(ref, timeout_s)
    error = response.get("error") if isinstance(response, dict) else None
    if error:
        raise _rpc_error(RpcError(error.get("code", 0), error.get("message", ""), error.get("data")))
    result: dict[str, Any] = response["result"]
    return result


def _discovery(request: Request) -> Discovery:
    discovery: Discovery | None = getattr(request.app.state, "mcp_discovery", None)
    if discovery is None:
        settings = settings_of(request)
        discovery = Discovery(
            configured=lambda: configured_servers(settings),
            catalogue=lambda: load_catalogue(catalogue_path(settings)),
            script_dirs=bin_dirs,
            ttl_s=settings.mcp.discovery_ttl_s,
        )
        request.app.state.mcp_discovery = discovery
    return discovery


def _discovered(discovery: Discovery, refresh: bool) -> dict[str, Any]:
    try:
        servers = discovery.servers(refresh=refresh)
    except (CatalogueError, ConfigError) as exc:
        raise ApiError(500, ErrorCode.INTERNAL_ERROR, f"MCP configuration is invalid: {exc}") from None
    return {"servers": [s.to_dict() for s in servers], "age_s": round(discovery.age_s or 0.0, 3)}


@router.get("/discovery")
async def discovery(request: Request) -> dict[str, Any]:
    """Servers in the config, the catalogue and installed here; cached (see /discovery/refresh)."""
    return _discovered(_discovery(request), refresh=False)


@router.post("/discovery/refresh")
async def discovery_refresh(request: Request) -> dict[str, Any]:
    return _discovered(_discovery(request), refresh=True)
