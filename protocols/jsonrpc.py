"""JSON-RPC 2.0 envelopes for the bus, built on the `mcp` package's own types.

The bus speaks MCP: method names are MCP's (`ping`, `tools/list`, `tools/call`,
...). Error codes below are stable: clients may switch on them.
"""

from __future__ import annotations

import importlib
from enum import IntEnum
from types import ModuleType
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

# The message models are the MCP SDK's own (`mcp_types`, what `mcp.types` re-exports).
# They are imported on first use, not at import: every actor process imports this module,
# and the 0.16 s the SDK's types take would otherwise add to every restart. Actors warm
# them in a background thread once they are up (`preload`).
if TYPE_CHECKING:
    from mcp_types import (  # noqa: F401  (re-exported lazily by __getattr__ below)
        ErrorData,
        JSONRPCError,
        JSONRPCNotification,
        JSONRPCRequest,
        JSONRPCResponse,
    )

_MCP_NAMES = ("JSONRPCRequest", "JSONRPCNotification", "JSONRPCResponse", "JSONRPCError", "ErrorData")


def _mcp() -> ModuleType:
    return importlib.import_module("mcp_types")


def preload() -> None:
    """Import the SDK's types now (call from a background thread)."""
    _mcp()


def __getattr__(name: str) -> Any:
    if name in _MCP_NAMES:
        return getattr(_mcp(), name)
    raise AttributeError(name)


class ErrorCode(IntEnum):
    """Stable JSON-RPC error codes used by the bus and by every actor endpoint."""

    # JSON-RPC 2.0 standard codes (the same numbers as mcp_types; a unit test checks).
    PARSE_ERROR = -32700
    INVALID_REQUEST = -32600
    METHOD_NOT_FOUND = -32601
    INVALID_PARAMS = -32602
    INTERNAL_ERROR = -32603
    # MCP's own codes.
    CONNECTION_CLOSED = -32000
    REQUEST_TIMEOUT = -32001
    # PyGent bus codes (server-error range -32002..-32019, clear of MCP's -32020+).
    UNKNOWN_ADDRESS = -32002
    TARGET_UNAVAILABLE = -32003  # known address, not back within the bounded wait
    TARGET_CRASHED = -32004  # the target died while handling this request
    INVALID_ADDRESS = -32005
    TOOL_NOT_FOUND = -32006
    FORBIDDEN = -32007  # /mcp: the caller's role or key scopes do not allow this tool


# Methods that may safely be delivered again after the target restarts mid-request.
IDEMPOTENT_METHODS = frozenset({"ping", "tools/list", "resources/list", "resources/templates/list", "prompts/list"})


class RpcError(Exception):
    """Raised inside an endpoint to answer with a JSON-RPC error instead of a result."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = int(code)
        self.message = message
        self.data = data

    def __reduce__(self) -> tuple[Any, ...]:
        # Ray pickles an exception raised in an actor: keep code, message and data across
        return (type(self), (self.code, self.message, self.data))

    def to_error_data(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


def make_request(method: str, params: dict[str, Any] | None = None, request_id: int | str = 1) -> dict[str, Any]:
    """A JSON-RPC request as a plain dict (what travels over Ray and the wire)."""
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
    if params is not None:
        message["params"] = params
    return message


def make_result(request_id: int | str | None, result: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "result": result}


def make_error(request_id: int | str | None, code: int, message: str, data: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": int(code), "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "id": request_id, "error": error}


def request_id_of(message: Any) -> int | str | None:
    """The id of a message, if it has a usable one (for error replies to bad messages)."""
    if isinstance(message, dict):
        rid = message.get("id")
        if isinstance(rid, (int, str)) and not isinstance(rid, bool):
            return rid
    return None


def parse_message(message: Any) -> JSONRPCRequest | JSONRPCNotification:
    """Validate an incoming request or notification.

    Raises RpcError(INVALID_REQUEST) naming what is wrong. This is on the bus's
    hot path, so the common checks are done by hand before pydantic sees it.
    """
    if not isinstance(message, dict):
        raise RpcError(ErrorCode.INVALID_REQUEST, "a JSON-RPC message must be an object")
    if message.get("jsonrpc") != "2.0":
        raise RpcError(ErrorCode.INVALID_REQUEST, "field 'jsonrpc' must be \"2.0\"")
    method = message.get("method")
    if not isinstance(method, str) or not method:
        raise RpcError(ErrorCode.INVALID_REQUEST, "field 'method' must be a non-empty string")
    params = message.get("params")
    if params is not None and not isinstance(params, dict):
        raise RpcError(ErrorCode.INVALID_REQUEST, "field 'params' must be an object")
    mcp = _mcp()
    try:
        if "id" in message:
            return mcp.JSONRPCRequest.model_validate(message)  # type: ignore[no-any-return]
        return mcp.JSONRPCNotification.model_validate(message)  # type: ignore[no-any-return]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "message"
        raise RpcError(ErrorCode.INVALID_REQUEST, f"field '{field}': {first['msg']}") from None


def is_error(response: dict[str, Any]) -> bool:
    return "error" in response


class BusRequest(BaseModel):
    """A request addressed on the bus: the target and the JSON-RPC message."""

    to: str
    message: dict[str, Any]
    timeout_s: float | None = None
