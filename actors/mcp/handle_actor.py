"""MCPServerHandle: one actor per MCP server, at bus address `mcp/<server_id>`.

It owns the client session (the official SDK's `mcp.Client`, initialize handshake),
keeps the server's tools, resources and prompts, runs its tool calls with a per-call
timeout (a timed-out or abandoned call is cancelled with notifications/cancelled by
the SDK), forwards progress notifications as events on topic `mcp`, and pings.

It never restarts the server itself: when the server process exits, stops answering
pings or cannot be started, the handle exits abnormally and its supervisor
(`supervisor/mcp-servers`) restarts it with exponential backoff. Its bus endpoint
answers `tools/list` and `tools/call` with the *server's* tools.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import warnings
from typing import TYPE_CHECKING, Any

import ray
from pydantic import ValidationError

from actors.base import SupervisedActor
from actors.mcp.config import ServerConfig, parse_server, resolve_command
from actors.mcp.status import ServerStatus, StatusMachine
from configs.settings import get_settings
from protocols.addresses import MCP_SERVERS_SUPERVISOR
from protocols.events import TOPIC_MCP
from protocols.jsonrpc import ErrorCode, RpcError
from protocols.supervision import ExitKind

if TYPE_CHECKING:
    from mcp import Client

log = logging.getLogger(__name__)

TIMEOUT_META_KEY = "pygent/timeout_s"


class MCPServerHandle(SupervisedActor):
    def __init__(self, address: str, config: dict[str, Any]) -> None:
        super().__init__(address)
        self.config: ServerConfig = parse_server(config)
        self.settings = get_settings().mcp
        self.namespace = ray.get_runtime_context().namespace if ray.is_initialized() else "pygent"
        self.machine = StatusMachine()
        self.client: Client | None = None
        self.pid: int | None = None
        self.restarts = 0
        self.last_ping_ms: float | None = None
        self.connected_at: float | None = None
        self.calls = 0
        self.call_errors = 0
        self.server_info: dict[str, Any] = {}
        self.server_tools: dict[str, dict[str, Any]] = {}
        self.resources: list[dict[str, Any]] = []
        self.prompts: list[dict[str, Any]] = []
        self._validators: dict[str, Any] = {}
        self._ready = asyncio.Event()
        # Set when this incarnation failed or stopped: it will never be ready, so callers
        # waiting for it are answered at once (the supervisor starts a new incarnation).
        self._ended = asyncio.Event()
        self._stop = asyncio.Event()
        self._session_task: asyncio.Task[None] | None = None
        self._rpc_methods.update(
            {
                "tools/list": self._rpc_server_tools_list,
                "tools/call": self._rpc_server_tools_call,
                "resources/list": self._rpc_resources_list,
                "prompts/list": self._rpc_prompts_list,
            }
        )

    # ---- lifetime --------------------------------------------------------------

    async def on_start(self) -> None:
        # Connect in the background: a server that is slow or broken must not hold up
        # its supervisor's start; calls wait (bounded) for readiness instead. The events
        # stay those made in __init__: the bus can deliver a call to a restarted handle
        # before its supervisor has called on_start, and that call waits on `_ready`.
        self._session_task = asyncio.create_task(self._session_main())
        self._session_task.add_done_callback(self._session_ended)

    def _session_ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self._fail(ExitKind.CRASH, f"session failed: {_describe(task.exception())}")  # type: ignore[arg-type]

    async def on_stop(self) -> None:
        self._stop.set()
        if self._session_task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._session_task), 4.0)
        self._set_status(ServerStatus.STOPPED)

    async def _session_main(self) -> None:
        """Connect, serve until the server dies or we are stopped, then close the session."""
        from mcp import Client

        self.restarts = await self._restart_count()
        self._publish_status()
        before = _child_pids()
        client = Client(self._target(), mode="legacy", cache=None, read_timeout_seconds=None)
        try:
            await asyncio.wait_for(client.__aenter__(), self.settings.connect_timeout_s)
            self.pid = _new_child(before)
            await self._load_catalogue(client)
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                raise
            detail = f"could not start: {_describe(exc)}"
            log.warning("%s: %s", self.address, detail)
            with contextlib.suppress(BaseException):
                await client.__aexit__(None, None, None)
            self._fail(ExitKind.START_FAILED, detail)
            return
        self.client = client
        self.connected_at = time.time()
        self._set_status(ServerStatus.READY)
        self._ready.set()
        kind, detail = ExitKind.SHUTDOWN, "stopped"
        try:
            kind, detail = await self._watch(client)
        finally:
            self._ready.clear()
            self.client = None
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(client.__aexit__(None, None, None), 5.0)
        if kind is not ExitKind.SHUTDOWN:
            self._fail(kind, detail)

    def _target(self) -> Any:
        from mcp import StdioServerParameters

        if self.config.transport == "streamable-http":
            return self.config.url
        assert self.config.command is not None
        return StdioServerParameters(
            command=resolve_command(self.config.command),
            args=list(self.config.args),
            env=dict(self.config.env) or None,
            cwd=self.config.cwd,
        )

    async def _load_catalogue(self, client: Client) -> None:
        info = client.server_info
        self.server_info = info.model_dump(mode="json", exclude_none=True) if info is not None else {}
        caps = client.server_capabilities
        tools: dict[str, dict[str, Any]] = {}
        if caps.tools is not None:
            cursor: str | None = None
            while True:
                page = await client.list_tools(cursor=cursor)
                for t in page.tools:
                    tools[t.name] = t.model_dump(by_alias=True, exclude_none=True, mode="json")
                cursor = page.next_cursor
                if not cursor:
                    break
        self.server_tools = tools
        self._validators = {}
        if caps.resources is not None:
            with contextlib.suppress(Exception):
                listed = await client.list_resources()
                self.resources = [r.model_dump(by_alias=True, exclude_none=True, mode="json") for r in listed.resources]
        if caps.prompts is not None:
            with contextlib.suppress(Exception):
                listed_p = await client.list_prompts()
                self.prompts = [p.model_dump(by_alias=True, exclude_none=True, mode="json") for p in listed_p.prompts]

    async def _watch(self, client: Client) -> tuple[ExitKind, str]:
        """Returns why the session ends: stopped, the process exited, or pings failed."""
        stop = asyncio.create_task(self._stop.wait())
        watchers = [asyncio.create_task(self._ping_until_dead(client))]
        if self.pid is not None:
            watchers.append(asyncio.create_task(self._process_until_exit(self.pid)))
        try:
            done, _ = await asyncio.wait([stop, *watchers], return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            for w in watchers:
                w.cancel()
        for watcher in watchers:
            if watcher in done:
                return watcher.result()
        return ExitKind.SHUTDOWN, "stopped"

    async def _process_until_exit(self, pid: int) -> tuple[ExitKind, str]:
        import psutil

        while True:
            await asyncio.sleep(self.settings.process_check_interval_s)
            try:
                if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                    break
            except psutil.NoSuchProcess:
                break
        return ExitKind.CRASH, f"server process {pid} exited"

    async def _ping_until_dead(self, client: Client) -> tuple[ExitKind, str]:
        from mcp import MCPError

        failures = 0
        while True:
            await asyncio.sleep(self.settings.ping_interval_s)
            started = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    await asyncio.wait_for(client.send_ping(), self.settings.ping_timeout_s)
            except (TimeoutError, MCPError, Exception) as exc:
                if isinstance(exc, MCPError) and exc.code == ErrorCode.CONNECTION_CLOSED:
                    return ExitKind.CRASH, "connection to the server closed"
                failures += 1
                self.last_ping_ms = None
                self._publish("mcp_server_health", {"id": self.config.id, "ok": False, "latency_ms": None})
                if failures >= self.settings.ping_failures:
                    return ExitKind.HANG, f"{failures} pings in a row failed ({_describe(exc)})"
                self._set_status(ServerStatus.DEGRADED, f"ping failed: {_describe(exc)}")
                continue
            failures = 0
            self.last_ping_ms = round((time.perf_counter() - started) * 1000, 3)
            self._publish("mcp_server_health", {"id": self.config.id, "ok": True, "latency_ms": self.last_ping_ms})
            self._set_status(ServerStatus.READY)

    def _fail(self, kind: ExitKind, detail: str) -> None:
        """Give up on this incarnation: its supervisor restarts it (with backoff)."""
        self._set_status(ServerStatus.FAILED, detail)
        self._resolve_exit(kind.value, detail)

    # ---- public API (Ray methods, used by the REST routes) -----------------------

    async def status(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "id": self.config.id,
            "status": self.machine.status.value,
            "restarts": self.restarts,
            "tool_count": len(self.server_tools),
            "transport": self.config.transport,
            "pid": self.pid,
            "actor_pid": os.getpid(),
            "last_ping_ms": self.last_ping_ms,
            "connected_at": self.connected_at,
            "calls": self.calls,
            "call_errors": self.call_errors,
            "server_info": self.server_info,
            "resource_count": len(self.resources),
            "prompt_count": len(self.prompts),
        }
        if self.config.transport == "stdio":
            entry["command"] = self.config.command
            entry["args"] = list(self.config.args)
        else:
            entry["url"] = self.config.url
        if self.machine.error:
            entry["error"] = self.machine.error
        return entry

    async def list_tools(self) -> list[dict[str, Any]]:
        await self._wait_ready()
        return list(self.server_tools.values())

    async def call_tool(
        self, name: str, arguments: dict[str, Any] | None = None, timeout_s: float | None = None
    ) -> dict[str, Any]:
        """Run one tool; JSON-RPC errors (RpcError) for unknown tool, bad arguments, timeout."""
        from mcp import MCPError

        client = await self._wait_ready()
        if name not in self.server_tools:
            raise RpcError(
                ErrorCode.TOOL_NOT_FOUND,
                f"{self.address} has no tool '{name}'",
                {"address": self.address, "tool": name, "tools": sorted(self.server_tools)},
            )
        args = arguments or {}
        self._validate(name, args)
        timeout = timeout_s or self.config.call_timeout_s or self.settings.call_timeout_s
        self.calls += 1
        progress_token = f"{self.config.id}:{self.calls}"

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            self._publish(
                "mcp_progress",
                {
                    "id": self.config.id,
                    "tool": name,
                    "call": progress_token,
                    "progress": progress,
                    "total": total,
                    "message": message,
                },
            )

        try:
            result = await client.call_tool(name, args, read_timeout_seconds=timeout, progress_callback=on_progress)
        except MCPError as exc:
            self.call_errors += 1
            if exc.code == ErrorCode.REQUEST_TIMEOUT:
                raise RpcError(
                    ErrorCode.REQUEST_TIMEOUT,
                    f"{self.address}: tool '{name}' did not finish within {timeout:g} s; it was cancelled",
                    {"address": self.address, "tool": name, "timeout_s": timeout, "cancelled": True},
                ) from None
            if exc.code == ErrorCode.CONNECTION_CLOSED:
                raise RpcError(
                    ErrorCode.TARGET_CRASHED,
                    f"{self.address}: the server went away during '{name}'; it is being restarted",
                    {"address": self.address, "tool": name, "retryable": True},
                ) from None
            raise RpcError(exc.code, f"{self.address}: {exc.message}", exc.data) from None
        return result.model_dump(by_alias=True, exclude_none=True, mode="json")

    async def list_resources(self) -> list[dict[str, Any]]:
        await self._wait_ready()
        return self.resources

    async def list_prompts(self) -> list[dict[str, Any]]:
        await self._wait_ready()
        return self.prompts

    # ---- the bus endpoint: the server's own tools ----------------------------------

    async def _rpc_server_tools_list(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"tools": await self.list_tools()}

    async def _rpc_server_tools_call(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params.get("name")
        if not isinstance(name, str):
            raise RpcError(ErrorCode.INVALID_PARAMS, "tools/call needs params.name (a string)")
        arguments = params.get("arguments") or {}
        if not isinstance(arguments, dict):
            raise RpcError(ErrorCode.INVALID_PARAMS, "tools/call params.arguments must be an object")
        meta = params.get("_meta") or {}
        timeout = meta.get(TIMEOUT_META_KEY) if isinstance(meta, dict) else None
        if timeout is not None and (not isinstance(timeout, (int, float)) or timeout <= 0):
            raise RpcError(ErrorCode.INVALID_PARAMS, f"params._meta.{TIMEOUT_META_KEY} must be a positive number")
        return await self.call_tool(name, arguments, timeout)

    async def _rpc_resources_list(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"resources": await self.list_resources()}

    async def _rpc_prompts_list(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"prompts": await self.list_prompts()}

    # ---- internals -------------------------------------------------------------

    async def _wait_ready(self) -> Client:
        if self.client is None or not self._ready.is_set():
            waits = [asyncio.ensure_future(self._ready.wait()), asyncio.ensure_future(self._ended.wait())]
            try:
                await asyncio.wait(waits, timeout=self.settings.ready_wait_s, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for wait in waits:
                    wait.cancel()
            if self.client is None or not self._ready.is_set():
                status = self.machine.status.value
                why = "" if self._ended.is_set() else f" and was not ready within {self.settings.ready_wait_s:g} s"
                raise RpcError(
                    ErrorCode.TARGET_UNAVAILABLE,
                    f"{self.address} is {status}{why}" + (f": {self.machine.error}" if self.machine.error else ""),
                    {"address": self.address, "status": status, "retryable": True},
                )
        assert self.client is not None
        return self.client

    def _validate(self, name: str, arguments: dict[str, Any]) -> None:
        """Check the arguments against the tool's inputSchema, naming the bad field."""
        import jsonschema

        validator = self._validators.get(name)
        if validator is None:
            schema = self.server_tools[name].get("inputSchema") or {"type": "object"}
            cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
            validator = cls(schema)
            self._validators[name] = validator
        error = jsonschema.exceptions.best_match(validator.iter_errors(arguments))
        if error is not None:
            field = ".".join(str(p) for p in error.absolute_path) or (
                error.validator_value[0] if error.validator == "required" and error.validator_value else "arguments"
            )
            if error.validator == "required":
                missing = [k for k in error.validator_value if k not in arguments]
                field = missing[0] if missing else field
            raise RpcError(
                ErrorCode.INVALID_PARAMS,
                f"bad arguments for tool '{name}': {field}: {error.message}",
                {"address": self.address, "tool": name, "field": f"arguments.{field}"},
            )

    def _set_status(self, status: ServerStatus, error: str | None = None) -> None:
        try:
            changed = self.machine.set(status, error)
        except ValueError:
            return  # e.g. a late ping result after the handle failed
        if self.machine.status in (ServerStatus.FAILED, ServerStatus.STOPPED):
            self._ended.set()
        if changed:
            self._publish_status()

    def _publish_status(self) -> None:
        self._publish(
            "mcp_server_status",
            {
                "id": self.config.id,
                "status": self.machine.status.value,
                "restarts": self.restarts,
                "tool_count": len(self.server_tools),
                **({"error": self.machine.error} if self.machine.error else {}),
            },
        )

    def _publish(self, event_type: str, data: dict[str, Any]) -> None:
        if not ray.is_initialized():  # outside Ray (unit tests): a look-up would start a cluster
            return
        self.publish(TOPIC_MCP, event_type, data)  # best effort

    async def _restart_count(self) -> int:
        """How often this handle's supervisor restarted it (it counts, not the handle)."""
        if not ray.is_initialized():
            return 0
        try:
            states = await self.ref(MCP_SERVERS_SUPERVISOR).call("child_states", timeout_s=2.0, wait_s=0)
            return int(states.get(self.address, {}).get("restarts", 0))
        except Exception:
            return 0


def _child_pids() -> set[int]:
    import psutil

    try:
        return {p.pid for p in psutil.Process().children()}
    except psutil.Error:
        return set()


def _new_child(before: set[int]) -> int | None:
    """The server process: the child of this actor that appeared while connecting."""
    new = sorted(_child_pids() - before)
    return new[0] if new else None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        return _describe(exc.exceptions[0])
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, ValidationError):  # the server answered outside the MCP schema: say where
        first = exc.errors()[0] if exc.errors() else None
        where = ".".join(str(p) for p in first["loc"]) if first else ""
        return (
            f"the server's answer does not follow the MCP schema ({exc.error_count()} errors in {exc.title}; "
            f"first: {where}: {first['msg'] if first else ''})"
        )[:300]
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__
