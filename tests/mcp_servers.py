"""A streamable-HTTP MCP server of the tests' own (the SDK's MCPServer under uvicorn, in a
thread): a slow tool that notices when it is cancelled, one that reports progress, an echo.
Used by the MCP tests and bench/mcp_calls.py.

No `from __future__ import annotations`: MCPServer reads the tools' annotations at run time."""

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from mcp.server.mcpserver import Context, MCPServer


@dataclass
class HttpTestServer:
    url: str
    cancelled: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    _server: Any = None
    _thread: threading.Thread | None = None

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)


def start_http_server(port: int, host: str = "127.0.0.1") -> HttpTestServer:
    import uvicorn

    state = HttpTestServer(url=f"http://{host}:{port}/mcp")
    app = MCPServer(name="pygent-test-server")

    @app.tool(description="Echo the text back.")
    def echo(text: str) -> str:
        return text

    @app.tool(description="Sleep for `seconds`; records whether it finished or was cancelled.")
    async def slow(seconds: float, tag: str = "") -> str:
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            state.cancelled.append(tag)
            raise
        state.finished.append(tag)
        return f"slept {seconds}"

    @app.tool(description="Report progress `steps` times, then answer.")
    async def count(steps: int, ctx: Context) -> int:
        for step in range(steps):
            await ctx.report_progress(step + 1, steps, f"step {step + 1}")
            await asyncio.sleep(0.01)
        return steps

    starlette_app = app.streamable_http_app(host=host)
    config = uvicorn.Config(starlette_app, host=host, port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="mcp-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test MCP server did not start")
        time.sleep(0.02)
    state._server = server
    state._thread = thread
    return state
