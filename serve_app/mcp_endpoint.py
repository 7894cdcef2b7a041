"""PyGent as an MCP server: streamable HTTP at `/mcp`, for any MCP client (Claude Desktop,
the MCP Inspector, the SDK's `mcp.Client`).

Its tools reach the platform through Ray and the bus: the supervision tree, the knowledge
base (`knowledge/main` `search`), an agent (`agent/<id>` `ask`), and the managed MCP
servers (`mcp/<id>`), reasoning sessions (`manager/reasoning`), research workflows
(`workflows/main`) and evolution runs (`manager/evolution`). An address that does not exist
(yet) answers a clear
"not available" tool error, never a crash.

The SDK's session manager needs its `run()` context for as long as it serves; Serve
does not run a mounted app's lifespan, so the first request starts it in the replica's
event loop and it lives as long as the replica.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import Context

from protocols.addresses import BUS, EVOLUTION_MANAGER, KNOWLEDGE, MCP_MANAGER, REASONING_MANAGER, ROOT, WORKFLOWS
from protocols.auth import Principal
from protocols.errors import ActorUnavailable, PlatformError
from protocols.jsonrpc import ErrorCode, make_request
from serve_app.access import mcp_refusal
from serve_app.deps import ask as actor_ask
from serve_app.deps import current_settings
from serve_app.ownership import check_access, owner_filter
from serve_app.security import current_principal
from supervisors.refs import ActorRef

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from configs.settings import Settings

_ids = itertools.count(1)


class Unavailable(Exception):
    pass


def caller(ctx: Context, tool: str) -> Principal:
    """Who calls this tool (serve_app/security.py authenticated the request); a JSON-RPC error
    FORBIDDEN when the caller's role or key scopes do not allow it (serve_app/access.py)."""
    from mcp.shared.exceptions import MCPError

    request = ctx.request_context.request
    principal = current_principal(request.scope) if request is not None else None
    reason = mcp_refusal(principal, tool)
    if reason is not None or principal is None:
        raise MCPError(int(ErrorCode.FORBIDDEN), f"{tool}: {reason}", {"code": "forbidden", "tool": tool})
    return principal


def build_server(settings: Settings) -> MCPServer:
    """The MCPServer whose tools are PyGent's capabilities. Each tool runs as its caller: the
    role and key scopes decide which tools it may call, and it reaches only the caller's
    objects (another user's answers as one that does not exist)."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    async def owned(principal: Principal, kind: str, object_id: str, field: str, write: bool = False) -> None:
        try:
            await check_access(settings, principal, kind, object_id, field, write=write)
        except PlatformError as exc:
            raise ToolError(f"{exc.code} ({field}): {exc.message}") from None

    namespace = settings.ray.namespace
    timeout_s = settings.bus.request_timeout_s
    server = MCPServer(
        name="pygent-factory",
        title="PyGent Factory",
        instructions="Supervised AI agents on Ray: the supervision tree, the knowledge base, agents, MCP tools.",
    )

    async def ask(address: str, method: str, *args: Any, timeout: float) -> Any:
        try:
            return await actor_ask(ActorRef(address, namespace), method, *args, timeout_s=timeout, wait_s=0)
        except ActorUnavailable:
            raise ToolError(f"{address} is not running") from None

    async def bus_call(to: str, tool: str, arguments: dict[str, Any], what: str) -> dict[str, Any]:
        message = make_request("tools/call", {"name": tool, "arguments": arguments}, f"pygent-mcp-{next(_ids)}")
        response = await ask(BUS, "request", to, message, timeout_s, timeout=timeout_s + 5)
        error = (response or {}).get("error")
        if error:
            if error.get("code") == ErrorCode.UNKNOWN_ADDRESS:
                raise ToolError(f"{what} is not available: no actor at {to}")
            raise ToolError(f"{to}: {error.get('message')}")
        result = response["result"]
        if isinstance(result, dict) and result.get("isError"):
            texts = [c.get("text", "") for c in result.get("content", []) if isinstance(c, dict)]
            raise ToolError(f"{to}: {' '.join(texts) or 'tool error'}")
        structured = result.get("structuredContent") if isinstance(result, dict) else None
        if isinstance(structured, dict):
            return structured
        return {"result": result}

    @server.tool(description="The supervision tree: every actor's address, state, restart count and pid.")
    async def supervision_tree(ctx: Context) -> dict[str, Any]:
        caller(ctx, "supervision_tree")
        tree: dict[str, Any] = await ask(ROOT, "describe", timeout=10.0)
        return tree

    @server.tool(description="Search PyGent's knowledge base (hybrid vector + keyword search).")
    async def search_knowledge(ctx: Context, query: str, index: str = "default", k: int = 5) -> dict[str, Any]:
        await owned(caller(ctx, "search_knowledge"), "index", index, "index")
        return await bus_call(KNOWLEDGE, "search", {"query": query, "index": index, "k": k}, "the knowledge base")

    @server.tool(description="Ask a PyGent agent a question and get its answer.")
    async def ask_agent(ctx: Context, agent_id: str, question: str) -> dict[str, Any]:
        await owned(caller(ctx, "ask_agent"), "agent", agent_id, "agent_id")
        return await bus_call(f"agent/{agent_id}", "ask", {"question": question}, f"agent '{agent_id}'")

    @server.tool(description="The MCP servers PyGent runs, with status and tool counts.")
    async def list_mcp_servers(ctx: Context) -> dict[str, Any]:
        caller(ctx, "list_mcp_servers")
        return {"servers": await ask(MCP_MANAGER, "servers", timeout=10.0)}

    @server.tool(description="Call a tool of one of the MCP servers PyGent runs (see list_mcp_servers).")
    async def call_mcp_tool(
        ctx: Context, server_id: str, tool: str, arguments: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        caller(ctx, "call_mcp_tool")
        return await bus_call(f"mcp/{server_id}", tool, arguments or {}, f"MCP server '{server_id}'")

    run_timeout_s = settings.reasoning.run_timeout_s

    async def reasoning_call(method: str, *args: Any, timeout: float) -> dict[str, Any]:
        try:
            answer: dict[str, Any] = await ask(REASONING_MANAGER, method, *args, timeout=timeout)
        except PlatformError as exc:
            where = f" ({exc.field})" if exc.field else ""
            raise ToolError(f"{exc.code}{where}: {exc.message}") from None
        return answer

    @server.tool(
        description="Run a PyGent reasoning session: tree of thoughts, RAG, s3 search or ADAPTIVE (a classifier "
        "picks). mode: direct, tot_only, rag_only, s3_rag, tot_enhanced_rag, adaptive (default: configured); "
        "task: open or game24 (four numbers, reach 24). wait=false returns the session id at once."
    )
    async def reasoning(
        ctx: Context,
        query: str,
        mode: str | None = None,
        task: str = "open",
        index: str | None = None,
        wait: bool = True,
    ) -> dict[str, Any]:
        principal = caller(ctx, "reasoning")
        if index is not None:
            await owned(principal, "index", index, "index")
        body = {k: v for k, v in {"query": query, "mode": mode, "task": task, "index": index}.items() if v is not None}
        if not wait:
            return await reasoning_call("start", body, None, principal.user_id, timeout=60.0)
        view = await reasoning_call("run", body, run_timeout_s, principal.user_id, timeout=run_timeout_s + 30.0)
        return reasoning_answer(view)

    @server.tool(description="A reasoning session's result; waits up to wait_s seconds for it to finish.")
    async def reasoning_result(ctx: Context, session_id: str, wait_s: float = 0.0) -> dict[str, Any]:
        await owned(caller(ctx, "reasoning_result"), "reasoning_session", session_id, "session_id")
        view = await reasoning_call("result", session_id, wait_s, timeout=wait_s + 30.0)
        return reasoning_answer(view)

    async def workflow_call(method: str, *args: Any, timeout: float) -> dict[str, Any]:
        try:
            answer: dict[str, Any] = await ask(WORKFLOWS, method, *args, timeout=timeout)
        except PlatformError as exc:
            where = f" ({exc.field})" if exc.field else ""
            raise ToolError(f"{exc.code}{where}: {exc.message}") from None
        return answer

    async def evolution_call(method: str, *args: Any, timeout: float) -> dict[str, Any]:
        try:
            answer: dict[str, Any] = await ask(EVOLUTION_MANAGER, method, *args, timeout=timeout)
        except PlatformError as exc:
            where = f" ({exc.field})" if exc.field else ""
            raise ToolError(f"{exc.code}{where}: {exc.message}") from None
        return answer

    @server.tool(
        description="Run a durable research analysis: plan sub-questions, search the knowledge index, answer "
        "each with the reasoning pipeline and write a Markdown report citing its sources. wait_s: how long to "
        "wait for the report (0: return the workflow id at once; follow it with research_result)."
    )
    async def research(ctx: Context, question: str, index: str | None = None, wait_s: float = 300.0) -> dict[str, Any]:
        principal = caller(ctx, "research")
        if index is not None:
            await owned(principal, "index", index, "index")
        body = {k: v for k, v in {"question": question, "index": index}.items() if v is not None}
        started = await workflow_call("start", body, principal.user_id, timeout=60.0)
        if wait_s <= 0:
            return started
        view = await workflow_call("result", started["workflow_id"], wait_s, principal.user_id, timeout=wait_s + 30.0)
        return research_answer(view)

    @server.tool(description="A research workflow's status and report; waits up to wait_s seconds for it.")
    async def research_result(ctx: Context, workflow_id: str, wait_s: float = 0.0) -> dict[str, Any]:
        principal = caller(ctx, "research_result")
        # the workflow's owner (or an admin) only: anyone else is told it does not exist
        view = await workflow_call("result", workflow_id, wait_s, owner_filter(principal), timeout=wait_s + 30.0)
        return research_answer(view)

    @server.tool(
        description="Recipe evolution (NSGA-II islands over agent-pipeline recipes). action=start: start a run "
        "(task: game24, python_docs_qa, or pymoo:<problem>; objectives from quality, latency_p50, tokens; "
        "population_size, islands, generations, metric_calls); action=status / results / stop: of run_id "
        "(results waits up to wait_s seconds for the run to end and gives its Pareto front)."
    )
    async def evolution(
        ctx: Context,
        action: str = "status",
        run_id: str | None = None,
        task: str | None = None,
        objectives: list[str] | None = None,
        population_size: int | None = None,
        islands: int | None = None,
        generations: int | None = None,
        metric_calls: int | None = None,
        wait_s: float = 0.0,
    ) -> dict[str, Any]:
        if action not in ("start", "status", "results", "stop"):
            raise ToolError("validation_error (action): one of start, status, results, stop")
        principal = caller(ctx, f"evolution.{action}")
        if run_id is not None and action != "start":
            await owned(principal, "evolution_run", run_id, "run_id", write=action == "stop")
        if action == "start":
            if not task:
                raise ToolError("validation_error (task): action=start needs a task")
            body: dict[str, Any] = {
                k: v
                for k, v in {
                    "task": task,
                    "objectives": objectives,
                    "population_size": population_size,
                    "islands": islands,
                    "generations": generations,
                }.items()
                if v is not None
            }
            if metric_calls is not None:
                body["budget"] = {"metric_calls": metric_calls}
            return await evolution_call("start", body, run_id, principal.user_id, timeout=120.0)
        if action == "status":
            return await evolution_call("status", run_id, owner_filter(principal), timeout=30.0)
        if not run_id:
            raise ToolError(f"validation_error (run_id): action={action} needs a run_id")
        if action == "stop":
            return await evolution_call("stop", run_id, timeout=120.0)
        wait = max(0.0, min(wait_s, 600.0))
        return await evolution_call("results", run_id, wait, owner_filter(principal), timeout=wait + 30.0)

    return server


def research_answer(view: dict[str, Any]) -> dict[str, Any]:
    """A research workflow for an MCP client: its status and, once stored, the report."""
    workflow = view["workflow"]
    report = view.get("report") or {}
    return {
        "workflow_id": workflow["workflow_id"],
        "status": workflow["status"],
        "question": workflow["question"],
        "report": report.get("markdown"),
        "citations": report.get("citations", []),
        "error": workflow.get("error"),
    }


def reasoning_answer(view: dict[str, Any]) -> dict[str, Any]:
    """A session's result for an MCP client: the answer, how it was reached, no whole tree."""
    session = view["session"]
    result = view.get("result") or {}
    return {
        "session_id": session["session_id"],
        "status": session["status"],
        "mode": session.get("resolved_mode") or session["mode"],
        "answer": session.get("answer"),
        "confidence": session.get("confidence"),
        "solved": session.get("solved"),
        "best_path": [
            n["thought"]
            for n in result.get("nodes", [])
            if n["id"] in set(result.get("best_path", [])) and n["thought"]
        ],
        "cited": result.get("cited", []),
        "passages": [
            {"id": p["id"], "source": p.get("source"), "text": p["text"][:300]} for p in result.get("passages", [])
        ],
        "metrics": session.get("metrics"),
        "error": session.get("error"),
    }


class LazyMCPEndpoint:
    """ASGI app for `/mcp`: builds the server and starts its session manager on first use."""

    def __init__(self) -> None:
        self._app: Any = None
        self._lock: asyncio.Lock | None = None
        self._runner: asyncio.Task[None] | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            settings = current_settings(scope.get("app"))
            if not settings.mcp.endpoint_enabled:
                from starlette.responses import JSONResponse

                body = {"code": "not_found", "message": "the MCP endpoint is disabled (mcp.endpoint_enabled)"}
                await JSONResponse(body, status_code=404)(scope, receive, send)
                return
            await self._start(settings)
        await self._app(scope, receive, send)

    async def _start(self, settings: Settings) -> None:
        from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager

        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._app is not None:
                return
            server = build_server(settings)
            # Stateless JSON answers: nothing to keep between requests, so any replica
            # can answer and Serve's proxy needs no long-lived streams.
            manager = StreamableHTTPSessionManager(app=server._lowlevel_server, json_response=True, stateless=True)
            running = asyncio.Event()

            async def run() -> None:
                async with manager.run():
                    running.set()
                    await asyncio.Event().wait()

            self._runner = asyncio.create_task(run())
            await running.wait()
            self._app = StreamableHTTPASGIApp(manager)


def mount(app: Any, path: str = "/mcp") -> None:
    """Route `path` to the MCP endpoint, ahead of the UI's catch-all route."""
    from starlette.routing import Route

    endpoint = LazyMCPEndpoint()
    app.router.routes.insert(0, Route(path, endpoint=endpoint, methods=["GET", "POST", "DELETE"]))
