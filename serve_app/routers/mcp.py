"""/api/v1/mcp/*: the MCP servers PyGent runs, their tools, discovery and install.

Server state lives in the MCP manager at MCP_MANAGER (status, run-time changes, install) and
in each server's handle at `mcp/<id>` (tools, calls). Discovery is computed here from
the manager's server configs, the catalogue and this machine's console scripts, cached per
gateway replica.

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from actors.mcp.catalogue import CatalogueError, load_catalogue
from actors.mcp.config import SERVER_ID_RE, ConfigError, ServerConfig, bin_dirs, parse_server
from actors.mcp.discovery import Discovery
from actors.mcp.handle_actor import TIMEOUT_META_KEY
from actors.mcp.install import InstallRejected, find_entry
from actors.mcp.specs import catalogue_path, configured_servers
from configs.settings import Settings
from protocols.errors import PlatformError
from protocols.jsonrpc import RpcError, make_request
from protocols.rest import HttpErrorCode
from protocols.rest_mcp import (
    AddServerBody,
    CallToolResult,
    Discovered,
    ExecuteBody,
    InstallBody,
    McpServer,
    McpServerChange,
    McpServerHealth,
    McpServerList,
    McpToolList,
)
from serve_app.deps import McpManager, SettingsDep, actor_ref, ask
from serve_app.errors import ApiError, as_platform_error, rpc_error
from supervisors.refs import ActorRef

router = APIRouter(prefix="/mcp", tags=["mcp"])
TIMEOUT_S = 30.0
ServerId = Annotated[str, Path(min_length=1, max_length=64, pattern=SERVER_ID_RE.pattern)]
EXCLUDE_UNSET: dict[str, Any] = {"response_model_exclude_unset": True}


async def manager_call(manager: ActorRef, method: str, *args: Any, timeout_s: float = TIMEOUT_S) -> Any:
    """A call to the MCP manager. Its configuration refusals (ValueErrors naming a field)
    become 404/409/422; an unexpected failure inside it, a 502 with its last line."""
    try:
        return await ask(manager, method, *args, timeout_s=timeout_s, wait_s=0)
    except ConfigError as exc:
        status = 404 if str(exc).startswith("no MCP server") else 409 if "already exists" in str(exc) else 422
        code = HttpErrorCode.NOT_FOUND if status == 404 else HttpErrorCode.VALIDATION_ERROR
        raise ApiError(status, code, str(exc), exc.field) from None
    except InstallRejected as exc:
        raise ApiError(422, HttpErrorCode.VALIDATION_ERROR, str(exc), exc.field) from None
    except (RpcError, PlatformError):
        raise
    except Exception as exc:
        if as_platform_error(exc) is not None:
            raise
        message = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise ApiError(502, HttpErrorCode.INTERNAL_ERROR, message[:500]) from None


async def _server(manager: ActorRef, server_id: str) -> dict[str, Any]:
    entry: dict[str, Any] = await manager_call(manager, "server", server_id)
    return entry


def _handle(settings: Settings, server_id: str) -> ActorRef:
    return actor_ref(settings, f"mcp/{server_id}")


async def _rpc(handle: ActorRef, message: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    """A JSON-RPC answer from a handle's endpoint: its result, or its error as an HTTP error."""
    # a stopped or restarting server: ActorUnavailable, a 503 (serve_app/errors.py)
    response = await ask(handle, "handle_rpc", message, timeout_s=timeout_s, wait_s=0)
    error = response.get("error") if isinstance(response, dict) else None
    if error:
        raise rpc_error(RpcError(error.get("code", 0), error.get("message", ""), error.get("data")))
    result: dict[str, Any] = response["result"]
    return result


@router.get("/servers", response_model=McpServerList, **EXCLUDE_UNSET)
async def list_servers(manager: McpManager) -> dict[str, Any]:
    """Every known server: id, status, restarts, tool_count, transport, command/url, error."""
    return {"servers": await manager_call(manager, "servers")}


@router.get("/tools", response_model=McpToolList, **EXCLUDE_UNSET)
async def all_tools(settings: SettingsDep, manager: McpManager) -> dict[str, Any]:
    """Every ready server's tools, named `<server_id>/<tool>` as agents name them."""
    servers = await manager_call(manager, "servers")
    ready = [s["id"] for s in servers if s["status"] in ("ready", "degraded")]

    async def tools_of(server_id: str) -> list[dict[str, Any]]:
        try:
            result = await _rpc(_handle(settings, server_id), make_request("tools/list", {}, "rest"), 10.0)
        except Exception:
            return []  # restarting right now: left out, not an error
        return [
            {**tool, "name": f"{server_id}/{tool['name']}", "server": server_id, "tool": tool["name"]}
            for tool in result["tools"]
        ]

    lists = await asyncio.gather(*(tools_of(sid) for sid in ready))
    return {"tools": [tool for tools in lists for tool in tools]}


@router.post("/servers", status_code=201, response_model=McpServerChange)
async def add_server(manager: McpManager, body: AddServerBody) -> dict[str, Any]:
    """Register a server at run time (persisted) and start it."""
    config = body.model_dump(exclude_none=True)
    result: dict[str, Any] = await manager_call(manager, "add_server", config, timeout_s=60.0)
    return result


@router.post("/servers/install", response_model=McpServerChange)
async def install_server(settings: SettingsDep, manager: McpManager, body: InstallBody) -> dict[str, Any]:
    """Install a catalogue server (pip or npm, no shell) and register it."""
    try:
        find_entry(body.name, load_catalogue(catalogue_path(settings)))
    except InstallRejected as exc:
        raise ApiError(404, HttpErrorCode.NOT_FOUND, str(exc), "name") from None
    timeout = settings.mcp.install_timeout_s + 30
    result: dict[str, Any] = await manager_call(manager, "install", body.name, timeout_s=timeout)
    return result


@router.get("/servers/{server_id}", response_model=McpServer, **EXCLUDE_UNSET)
async def get_server(manager: McpManager, server_id: ServerId) -> dict[str, Any]:
    return await _server(manager, server_id)


@router.delete("/servers/{server_id}", response_model=McpServerChange)
async def delete_server(manager: McpManager, server_id: ServerId) -> dict[str, Any]:
    return dict(await manager_call(manager, "remove_server", server_id, timeout_s=60.0))


async def server_action(manager: ActorRef, action: str, server_id: str) -> dict[str, Any]:
    """start | stop | restart a server; its entry afterwards (also the WS mcp_server_action)."""
    return dict(await manager_call(manager, f"{action}_server", server_id, timeout_s=60.0))


@router.post("/servers/{server_id}/start", response_model=McpServer, **EXCLUDE_UNSET)
async def start_server(manager: McpManager, server_id: ServerId) -> dict[str, Any]:
    return await server_action(manager, "start", server_id)


@router.post("/servers/{server_id}/stop", response_model=McpServer, **EXCLUDE_UNSET)
async def stop_server(manager: McpManager, server_id: ServerId) -> dict[str, Any]:
    return await server_action(manager, "stop", server_id)


@router.post("/servers/{server_id}/restart", response_model=McpServer, **EXCLUDE_UNSET)
async def restart_server(manager: McpManager, server_id: ServerId) -> dict[str, Any]:
    return await server_action(manager, "restart", server_id)


@router.get("/servers/{server_id}/health", response_model=McpServerHealth, **EXCLUDE_UNSET)
async def server_health(manager: McpManager, server_id: ServerId) -> dict[str, Any]:
    """Status plus a live ping through the handle (round trip, ms)."""
    entry = await _server(manager, server_id)
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


@router.get("/servers/{server_id}/tools", response_model=McpToolList, **EXCLUDE_UNSET)
async def server_tools(settings: SettingsDep, manager: McpManager, server_id: ServerId) -> dict[str, Any]:
    await _server(manager, server_id)  # 404 for an unknown id
    message = make_request("tools/list", {}, "rest")
    result = await _rpc(_handle(settings, server_id), message, settings.mcp.ready_wait_s + 5)
    return {"tools": result["tools"]}


@router.post("/servers/{server_id}/tools/{tool}/execute", response_model=CallToolResult, **EXCLUDE_UNSET)
async def execute_tool(
    settings: SettingsDep,
    manager: McpManager,
    body: ExecuteBody,
    server_id: ServerId,
    tool: Annotated[str, Path(min_length=1, max_length=200)],
) -> dict[str, Any]:
    """Run a tool; answers the MCP CallToolResult (content, structuredContent?, isError)."""
    await _server(manager, server_id)
    timeout = body.timeout_s or settings.mcp.call_timeout_s
    params: dict[str, Any] = {"name": tool, "arguments": body.arguments}
    if body.timeout_s is not None:
        params["_meta"] = {TIMEOUT_META_KEY: body.timeout_s}
    message = make_request("tools/call", params, "rest")
    return await _rpc(_handle(settings, server_id), message, timeout + settings.mcp.ready_wait_s + 5)


async def _discovery(request: Request, settings: Settings, manager: ActorRef) -> Discovery:
    discovery: Discovery | None = getattr(request.app.state, "mcp_discovery", None)
    if discovery is None:
        discovery = Discovery(
            configured=lambda: _configured(request, settings),
            catalogue=lambda: load_catalogue(catalogue_path(settings)),
            script_dirs=bin_dirs,
            ttl_s=settings.mcp.discovery_ttl_s,
        )
        request.app.state.mcp_discovery = discovery
    # The servers added at run time live in the database, known to the manager; while it is
    # away, discovery shows configs/ alone rather than failing.
    try:
        request.app.state.mcp_configured = [
            parse_server(c) for c in await ask(manager, "server_configs", timeout_s=TIMEOUT_S, wait_s=0)
        ]
    except Exception:
        request.app.state.mcp_configured = None
    return discovery


def _configured(request: Request, settings: Settings) -> list[ServerConfig]:
    known: list[ServerConfig] | None = getattr(request.app.state, "mcp_configured", None)
    return known if known is not None else configured_servers(settings)


def _discovered(discovery: Discovery, refresh: bool) -> dict[str, Any]:
    try:
        servers = discovery.servers(refresh=refresh)
    except (CatalogueError, ConfigError) as exc:
        raise ApiError(500, HttpErrorCode.INTERNAL_ERROR, f"MCP configuration is invalid: {exc}") from None
    return {"servers": [s.to_dict() for s in servers], "age_s": round(discovery.age_s or 0.0, 3)}


@router.get("/discovery", response_model=Discovered, **EXCLUDE_UNSET)
async def discovery(request: Request, settings: SettingsDep, manager: McpManager) -> dict[str, Any]:
    """Servers in the config, the catalogue and installed here; cached (see /discovery/refresh)."""
    return _discovered(await _discovery(request, settings, manager), refresh=False)


@router.post("/discovery/refresh", response_model=Discovered, **EXCLUDE_UNSET)
async def discovery_refresh(request: Request, settings: SettingsDep, manager: McpManager) -> dict[str, Any]:
    return _discovered(await _discovery(request, settings, manager), refresh=True)
