"""The base of every supervised actor: the supervision protocol and an MCP endpoint.

A subclass is a plain Python class (no `@ray.remote`): its supervisor turns it
into an actor. It overrides `on_start` / `on_stop` and marks the methods it
offers to peers with `@tool`; those become its MCP tools on the bus
(`tools/list`, `tools/call`), so any actor is an MCP server to the others.

Reaching others: `self.ref(address)` is an ActorRef (supervisors/refs.py);
`self.publish(topic, event_type, data)` sends an event to the bus (best effort) and
`await self.request(address, method, params)` sends a JSON-RPC request through it.

The start gate: Ray registers an actor's name before its supervisor has run
`on_start`, so a peer can reach it early. Bus messages (`handle_rpc`) wait, bounded,
until `on_start` has finished; a method of a subclass that needs its started state
awaits `self.started()` first.

The supervision protocol, called only by supervisors:
- `supervision_ready()` runs `on_start` once and reports pid and node;
- `supervision_promote()` is the same for a warm standby taking over its address;
- `supervision_wait_exit()` stays outstanding for the actor's whole life. It
  returns when the actor exits cleanly and fails with RayActorError the moment
  the process dies, which is how a supervisor learns of a crash without polling;
- `supervision_stop()` runs `on_stop` and resolves the exit watch.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import os
import time
import types
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from protocols.addresses import BUS
from protocols.errors import InvalidText
from protocols.jsonrpc import (
    ErrorCode,
    RpcError,
    make_error,
    make_request,
    make_result,
    parse_message,
    preload,
    request_id_of,
)
from protocols.supervision import ExitKind
from protocols.text import check_storable
from supervisors.logs import configure_process_logging
from supervisors.refs import ActorRef, configure
from supervisors.stall import StallReport

if TYPE_CHECKING:
    from mcp.server.mcpserver.tools.base import Tool as McpTool

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

_TOOL_MARK = "__pygent_tool__"


def tool(name: str | None = None, description: str | None = None) -> Callable[[F], F]:
    """Mark a method as an MCP tool of its actor. The input schema comes from its signature."""

    def mark(fn: F) -> F:
        setattr(fn, _TOOL_MARK, {"name": name or fn.__name__, "description": description, "fn": fn})
        return fn

    return mark


RpcHandler = Callable[[dict[str, Any]], Awaitable[Any]]

A = TypeVar("A", bound=Callable[..., Awaitable[Any]])


def after_start(fn: A) -> A:
    """Mark an actor method that needs the started state: a call that arrives before
    `on_start` finished (the name is reachable before then) waits for it, bounded by the
    start gate, instead of seeing half-made state."""

    @functools.wraps(fn)
    async def gated(self: SupervisedActor, *args: Any, **kwargs: Any) -> Any:
        await self.started()
        return await fn(self, *args, **kwargs)

    return gated  # type: ignore[return-value]


def _configure_refs() -> None:
    """Actor references in this process wait as long as configured for a restarting actor."""
    try:
        from configs.settings import get_settings

        configure(restart_wait_s=get_settings().supervision.ref_restart_wait_s)
    except Exception:  # settings that do not load leave the default
        pass


def _warm_process() -> None:
    _configure_refs()
    preload()


_stall_report: StallReport | None = None
_process_set_up = False


def _set_up_process() -> None:
    """Once per actor process: its log lines at `logging.level` (supervisors/logs.py) and its
    stall report (faulthandler has one timer per process)."""
    global _stall_report, _process_set_up
    if _process_set_up:
        return
    _process_set_up = True
    try:
        from configs.settings import get_settings

        settings = get_settings()
    except Exception:  # settings that do not load: Ray's defaults, the actor still runs
        return
    configure_process_logging(settings.logging.level)
    if settings.supervision.stall_report_s > 0:
        _stall_report = StallReport(settings.supervision.stall_report_s)
        _stall_report.start()


def _inside_ray_actor() -> bool:
    try:
        import ray

        return bool(ray.is_initialized() and ray.get_runtime_context().get_actor_id() is not None)
    except Exception:
        return False


def _pristine(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A copy of `fn` without the `__signature__` that ray.remote's tracing hook adds
    (a `_ray_trace_ctx` parameter), so the tool's schema shows only its own parameters."""
    copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__kwdefaults__ = fn.__kwdefaults__
    copy.__annotations__ = dict(fn.__annotations__)
    copy.__doc__ = fn.__doc__
    copy.__qualname__ = fn.__qualname__
    copy.__module__ = fn.__module__
    return copy


class SupervisedActor:
    """Base class for actors that live under a supervisor and answer on the bus."""

    # How long a call that arrives before on_start finished waits for it.
    start_gate_s: float = 30.0

    def __init__(self, address: str) -> None:
        self.address = address
        self.started_at = time.time()
        self._started = False
        self._started_event: asyncio.Event | None = None
        # Only an actor hosted by Ray is started by a supervisor; an engine test that
        # builds one in-process calls it directly, so the gate stays open there.
        self._gated = _inside_ray_actor()
        self._start_lock: asyncio.Lock | None = None
        self._exit: asyncio.Future[dict[str, Any]] | None = None
        self._tool_cache: dict[str, McpTool] | None = None
        # JSON-RPC methods this actor answers; subclasses may add more.
        self._rpc_methods: dict[str, RpcHandler] = {
            "ping": self._rpc_ping,
            "tools/list": self._rpc_tools_list,
            "tools/call": self._rpc_tools_call,
        }

    # ---- hooks for subclasses --------------------------------------------------

    async def on_start(self) -> None:
        """Open resources and recover state (from the store) before serving."""

    async def on_stop(self) -> None:
        """Release resources; called on an orderly shutdown only (a crash skips it)."""

    # ---- supervision protocol --------------------------------------------------

    async def supervision_ready(self) -> dict[str, Any]:
        """Run on_start once; report where this actor runs."""
        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            if not self._started:
                _configure_refs()
                if self._gated:  # a Ray actor's process, not a test's
                    _set_up_process()
                await self.on_start()
                self._started = True
                self._started_flag().set()
                # Ready now; import what the first bus message needs in the background.
                asyncio.get_running_loop().run_in_executor(None, preload)
        return self._whereabouts()

    async def supervision_warm(self) -> dict[str, Any]:
        """A warm standby, constructed and waiting: do now the process-wide set-up that
        `supervision_ready` would (settings, the MCP SDK's imports), so its promotion costs
        only `on_start`."""
        await asyncio.get_running_loop().run_in_executor(None, _warm_process)
        return self._whereabouts()  # its node: a standby lost with its node is not promoted

    async def supervision_promote(self) -> dict[str, Any]:
        """A warm standby takes over its address: from now on it is the current
        incarnation (its start time is now, not its construction, so a caller can tell that
        a call sent to its dead predecessor never reached it), then it starts as any child."""
        self.started_at = time.time()
        return await self.supervision_ready()

    async def supervision_wait_exit(self) -> dict[str, Any]:
        """Outstanding for the actor's life: returns on a clean exit, fails when it dies."""
        return await asyncio.shield(self._exit_future())

    async def supervision_stop(self, reason: str = ExitKind.SHUTDOWN.value) -> dict[str, Any]:
        """Orderly stop: on_stop, then resolve the exit watch. The supervisor kills the process."""
        try:
            if self._started:
                await self.on_stop()
        except Exception:  # an on_stop failure must not turn a stop into a hang
            log.exception("%s: on_stop failed", self.address)
        self._resolve_exit(reason, "stopped by its supervisor")
        return {"address": self.address, "stopped": True}

    def exit_normally(self, detail: str = "") -> None:
        """A worker that finished its job calls this; a transient child is then not restarted."""
        self._resolve_exit(ExitKind.NORMAL.value, detail)

    async def ping(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "ok": True,
            "uptime_s": time.time() - self.started_at,
            "started_at": self.started_at,
        }

    async def chaos_exit(self, code: int = 1) -> None:
        """Chaos testing: the process exits at once, as a crash inside a method would."""
        log.warning("%s: chaos_exit(%s) requested", self.address, code)
        os._exit(code)

    # ---- the start gate --------------------------------------------------------

    async def started(self, timeout_s: float | None = None) -> None:
        """Return once on_start has finished (at once outside Ray). Raises
        RpcError(TARGET_UNAVAILABLE) when it has not within the gate's bound."""
        if self._started or not self._gated:
            return
        bound = self.start_gate_s if timeout_s is None else timeout_s
        try:
            await asyncio.wait_for(self._started_flag().wait(), bound)
        except TimeoutError:
            raise RpcError(
                ErrorCode.TARGET_UNAVAILABLE,
                f"{self.address} is starting and was not ready within {bound:g} s",
                {"address": self.address, "retryable": True},
            ) from None

    def _started_flag(self) -> asyncio.Event:
        if self._started_event is None:
            self._started_event = asyncio.Event()
            if self._started:
                self._started_event.set()
        return self._started_event

    # ---- reaching others -------------------------------------------------------

    def ref(self, address: str) -> ActorRef:
        """A reference to the actor at `address`, in this actor's namespace."""
        return ActorRef(address, getattr(self, "namespace", None))

    def publish(self, topic: str, event_type: str, data: dict[str, Any] | None = None) -> bool:
        """An event on a bus topic, fire and forget: a bus that is restarting loses it
        (events are best effort; state lives in the store). Returns whether it was sent."""
        return self.ref(BUS).tell("publish", topic, event_type, data or {}, self.address)

    async def publish_in_order(
        self, topic: str, event_type: str, data: dict[str, Any] | None = None, timeout_s: float = 5.0
    ) -> bool:
        """An event on a bus topic, awaited, so a series of them arrives in order."""
        try:
            await self.ref(BUS).call("publish", topic, event_type, data or {}, self.address, timeout_s=timeout_s)
        except Exception:
            return False
        return True

    async def request(
        self, address: str, method: str, params: dict[str, Any] | None = None, timeout_s: float | None = None
    ) -> Any:
        """A JSON-RPC request to `address` (one hop once resolved, else through the bus:
        supervisors/one_hop.py); the result, or RpcError."""
        from supervisors.one_hop import one_hop

        message = make_request(method, params or {})
        try:
            response = await one_hop().request(address, message, timeout_s)
        except RpcError:
            raise
        except Exception as exc:
            raise RpcError(
                ErrorCode.TARGET_UNAVAILABLE, f"the bus could not deliver to {address}: {exc}", {"address": address}
            ) from None
        if response is None:
            return None
        if "error" in response:
            err = response["error"]
            raise RpcError(int(err.get("code", ErrorCode.INTERNAL_ERROR)), str(err.get("message", "")), err.get("data"))
        return response.get("result")

    # ---- the bus endpoint ------------------------------------------------------

    async def handle_rpc(self, message: dict[str, Any]) -> dict[str, Any] | None:
        """Answer one JSON-RPC message. Never raises: errors become JSON-RPC errors."""
        try:
            request = parse_message(message)
        except RpcError as err:
            return make_error(request_id_of(message), err.code, err.message, err.data)
        if not self._started and self._gated:
            try:
                await self.started()
            except RpcError as err:
                rid = getattr(request, "id", None)
                return None if rid is None else make_error(rid, err.code, err.message, err.data)
        handler = self._rpc_methods.get(request.method)
        request_id = getattr(request, "id", None)
        try:
            # Text the store could not keep (a NUL, a lone surrogate) is refused here, for
            # every method and tool, before any handler sees it.
            check_storable(request.params or {}, "params")
        except InvalidText as err:
            if request_id is None:
                return None
            return make_error(request_id, ErrorCode.INVALID_PARAMS, err.message, {"field": err.field, "code": err.code})
        if handler is None:
            if request_id is None:
                return None
            return make_error(
                request_id,
                ErrorCode.METHOD_NOT_FOUND,
                f"{self.address} does not implement method '{request.method}'",
                {"address": self.address, "method": request.method},
            )
        try:
            result = await handler(request.params or {})
        except RpcError as err:
            return None if request_id is None else make_error(request_id, err.code, err.message, err.data)
        except Exception as exc:  # a bug in a handler answers as an error, never a crash
            log.exception("%s: %s failed", self.address, request.method)
            if request_id is None:
                return None
            return make_error(
                request_id,
                ErrorCode.INTERNAL_ERROR,
                f"{self.address}: {request.method} failed: {type(exc).__name__}: {exc}",
            )
        return None if request_id is None else make_result(request_id, result)

    async def _rpc_ping(self, params: dict[str, Any]) -> dict[str, Any]:
        return {}  # MCP's ping answers an empty result

    async def _rpc_tools_list(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"tools": [self._tool_descriptor(t) for t in self._tools.values()]}

    async def _rpc_tools_call(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params.get("name")
        if not isinstance(name, str):
            raise RpcError(ErrorCode.INVALID_PARAMS, "tools/call needs params.name (a string)")
        tool_ = self._tools.get(name)
        if tool_ is None:
            raise RpcError(
                ErrorCode.TOOL_NOT_FOUND,
                f"{self.address} has no tool '{name}'",
                {"address": self.address, "tool": name, "tools": sorted(self._tools)},
            )
        arguments = params.get("arguments") or {}
        if not isinstance(arguments, dict):
            raise RpcError(ErrorCode.INVALID_PARAMS, "tools/call params.arguments must be an object")
        try:
            validated = tool_.fn_metadata.validate_arguments(arguments)
        except Exception as exc:
            raise RpcError(ErrorCode.INVALID_PARAMS, f"bad arguments for tool '{name}': {exc}") from None
        value = tool_.fn(**validated)
        if inspect.isawaitable(value):
            value = await value
        result = tool_.fn_metadata.convert_result(value)
        return result.model_dump(by_alias=True, exclude_none=True, mode="json")

    # ---- internals -------------------------------------------------------------

    @property
    def _tools(self) -> dict[str, McpTool]:
        # Built on first use: the mcp server package costs ~0.6 s to import, which
        # would otherwise be paid on every (re)start of every actor.
        if self._tool_cache is None:
            self._tool_cache = self._collect_tools()
        return self._tool_cache

    def _collect_tools(self) -> dict[str, McpTool]:
        from mcp.server.mcpserver.tools.base import Tool as McpTool

        tools: dict[str, McpTool] = {}
        for attr in dir(type(self)):
            member = getattr(type(self), attr, None)
            mark = getattr(member, _TOOL_MARK, None)
            if mark is None:
                continue
            bound = types.MethodType(_pristine(mark["fn"]), self)
            tools[mark["name"]] = McpTool.from_function(bound, name=mark["name"], description=mark["description"])
        return tools

    @staticmethod
    def _tool_descriptor(tool_: McpTool) -> dict[str, Any]:
        descriptor: dict[str, Any] = {
            "name": tool_.name,
            "description": tool_.description,
            "inputSchema": tool_.parameters,
        }
        if tool_.output_schema is not None:
            descriptor["outputSchema"] = tool_.output_schema
        return descriptor

    def _exit_future(self) -> asyncio.Future[dict[str, Any]]:
        if self._exit is None:
            self._exit = asyncio.get_running_loop().create_future()
        return self._exit

    def _resolve_exit(self, kind: str, detail: str) -> None:
        future = self._exit_future()
        if not future.done():
            future.set_result({"kind": kind, "detail": detail, "address": self.address})

    def _whereabouts(self) -> dict[str, Any]:
        info: dict[str, Any] = {"address": self.address, "pid": os.getpid()}
        try:
            import ray

            if not ray.is_initialized():  # get_runtime_context() would start a cluster
                return info
            ctx = ray.get_runtime_context()
            info["node_id"] = ctx.get_node_id()
            info["node_ip"] = ray.util.get_node_ip_address()
        except Exception:  # outside Ray (unit tests) there is no node
            pass
        return info
