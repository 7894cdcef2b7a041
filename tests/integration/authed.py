"""HTTP and WebSocket for the integration tests, as the session's admin: httpx's functions and
websockets' connect with the credentials the `platform` fixture made (an admin API key).

A test that checks what an anonymous or other caller gets passes its own `headers` (they win
over these), or uses httpx directly."""

from __future__ import annotations

from typing import Any

import httpx
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as _ws_connect

# Set once per session by tests/integration/conftest.py (`platform`).
HEADERS: dict[str, str] = {}


def _with(kwargs: dict[str, Any]) -> dict[str, Any]:
    kwargs["headers"] = {**HEADERS, **(kwargs.get("headers") or {})}
    return kwargs


def get(url: str, **kwargs: Any) -> httpx.Response:
    return httpx.get(url, **_with(kwargs))


def post(url: str, **kwargs: Any) -> httpx.Response:
    return httpx.post(url, **_with(kwargs))


def put(url: str, **kwargs: Any) -> httpx.Response:
    return httpx.put(url, **_with(kwargs))


def patch(url: str, **kwargs: Any) -> httpx.Response:
    return httpx.patch(url, **_with(kwargs))


def delete(url: str, **kwargs: Any) -> httpx.Response:
    return httpx.delete(url, **_with(kwargs))


def request(method: str, url: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, url, **_with(kwargs))


def stream(method: str, url: str, **kwargs: Any) -> Any:
    return httpx.stream(method, url, **_with(kwargs))


def client(**kwargs: Any) -> httpx.Client:
    return httpx.Client(**_with(kwargs))


def ws_connect(url: str, **kwargs: Any) -> ClientConnection:
    kwargs["additional_headers"] = {**HEADERS, **(kwargs.get("additional_headers") or {})}
    return _ws_connect(url, **kwargs)


def mcp_client(url: str, headers: dict[str, str] | None = None) -> Any:
    """The official MCP SDK client on PyGent's /mcp, sending these headers (default: the admin's)."""
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    http = create_mcp_http_client(headers=HEADERS if headers is None else headers)
    return Client(streamable_http_client(url, http_client=http))
