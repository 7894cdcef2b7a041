"""/api/v1/agents: agent types, create/list/get/delete, execute, message, status, memory, tools.

The registry is the agents supervisor (`supervisor/agents`); each agent is an actor at
`agent/<id>`. Refusals name the field at fault (unknown type, model or tool -> 4xx).

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

import asyncio
import uuid
from typing import Any

import ray
from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field
from ray.exceptions import RayActorError, RayTaskError

from actors.agents.bus_calls import as_step, result_value, tools_call
from actors.agents.factory import AgentSpecError
from actors.refs import await_ref
from configs.settings import Settings
from protocols.addresses import AGENT_REGISTRY as AGENTS
from protocols.addresses import BUS
from protocols.agents import ChatMessageRequest, CreateAgentRequest
from protocols.rest import ErrorCode
from serve_app.errors import ApiError

router = APIRouter()
TAG = "agents"
AgentId = Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class ExecuteBody(BaseModel):
    task: str = Field(min_length=1, max_length=50_000)


class MessageBody(BaseModel):
    message: str = Field(min_length=1, max_length=50_000)
    conversation_id: str | None = Field(None, min_length=1, max_length=64)


class ToolsBody(BaseModel):
    tools: list[str] = Field(min_length=1, max_length=64)


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _unwrap(exc: BaseException) -> BaseException:
    while isinstance(exc, RayTaskError) and getattr(exc, "cause", None) is not None:
        exc = exc.cause  # type: ignore[assignment]
    return exc


def api_error(exc: BaseException, what: str) -> ApiError:
    """A failure of a call to the registry or an agent, as an HTTP error naming the field."""
    exc = _unwrap(exc)
    if isinstance(exc, AgentSpecError):
        return ApiError(exc.status, ErrorCode(exc.code), exc.message, exc.field)
    if isinstance(exc, RayActorError):
        return ApiError(503, ErrorCode.UNAVAILABLE, f"{what} died during this request; it is being restarted, retry")
    if isinstance(exc, TimeoutError):
        return ApiError(504, ErrorCode.TIMEOUT, f"{what} did not answer in time")
    if isinstance(exc, ValueError):
        return ApiError(422, ErrorCode.VALIDATION_ERROR, str(exc).splitlines()[0] if str(exc) else what)
    return ApiError(
        503,
        ErrorCode.UNAVAILABLE,
        f"{what} failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
    )


async def call(ref: Any, what: str, timeout_s: float = 60.0) -> Any:
    try:
        return await asyncio.wait_for(await_ref(ref), timeout_s)
    except Exception as exc:
        raise api_error(exc, what) from None


def registry(settings: Settings) -> Any:
    try:
        return ray.get_actor(AGENTS, namespace=settings.ray.namespace)
    except ValueError:
        raise ApiError(503, ErrorCode.UNAVAILABLE, "the agents supervisor is not running (restarting?)") from None


async def agent_handle(settings: Settings, agent_id: str, wait_s: float = 15.0) -> Any:
    """The agent's actor; waits while its supervisor restarts it."""
    deadline = asyncio.get_running_loop().time() + wait_s
    while True:
        try:
            return ray.get_actor(f"agent/{agent_id}", namespace=settings.ray.namespace)
        except ValueError:
            if asyncio.get_running_loop().time() > deadline:
                raise ApiError(503, ErrorCode.UNAVAILABLE, f"agent/{agent_id} is not running (restarting?)") from None
            await asyncio.sleep(0.1)


async def collect_chat(settings: Settings, plan: dict[str, Any], message: str) -> dict[str, Any]:
    """Run one chat turn on the agent and wait for the stored answer."""
    agent = await agent_handle(settings, plan["agent_id"])
    final: dict[str, Any] = {}
    user_message_id = None
    stream = agent.chat_stream.remote(plan["conversation_id"], message, uuid.uuid4().hex)
    try:
        async with asyncio.timeout(settings.chat.timeout_s):
            async for ref in stream:
                event = await ref
                if event["event"] == "stored":
                    user_message_id = event["message_id"]
                elif event["event"] in ("final", "error"):
                    final = event
    except Exception as exc:
        ray.cancel(stream)
        raise api_error(exc, f"agent/{plan['agent_id']}") from None
    if final.get("event") != "final":
        raise ApiError(503, ErrorCode.UNAVAILABLE, f"agent/{plan['agent_id']}: {final.get('message', 'no answer')}")
    return {
        "conversation_id": plan["conversation_id"],
        "response": final["content"],
        "agent_id": plan["agent_id"],
        "agent_type": plan["agent_type"],
        "message_id": final["message_id"],
        "route_reason": plan["route_reason"],
        "user_message_id": user_message_id,
        "status": final["status"],
        "notes": final["notes"],
        "tool_steps": final["steps"],
        "eval_count": final.get("eval_count"),
    }


@router.get("/agents/types", tags=[TAG])
async def agent_types(request: Request) -> dict[str, Any]:
    """The six agent types: description, capabilities, default model and tools."""
    return {"types": await call(registry(settings_of(request)).agent_types.remote(), AGENTS)}


@router.post("/agents", tags=[TAG], status_code=201)
async def create_agent(request: Request, body: CreateAgentRequest) -> dict[str, Any]:
    """Create and start an agent. Unknown type, model or tool: 4xx naming the field."""
    return dict(await call(registry(settings_of(request)).create_agent.remote(body.model_dump()), AGENTS, 120.0))


@router.get("/agents", tags=[TAG])
async def list_agents(request: Request) -> dict[str, Any]:
    return {"agents": await call(registry(settings_of(request)).list_agents.remote(), AGENTS)}


@router.get("/agents/{agent_id}", tags=[TAG])
async def get_agent(request: Request, agent_id: str = AgentId) -> dict[str, Any]:
    return dict(await call(registry(settings_of(request)).get_agent.remote(agent_id), AGENTS))


@router.delete("/agents/{agent_id}", tags=[TAG])
async def delete_agent(request: Request, agent_id: str = AgentId) -> dict[str, Any]:
    """Stop the agent's actor and remove it from the registry (its conversations stay)."""
    return dict(await call(registry(settings_of(request)).delete_agent.remote(agent_id), AGENTS))


@router.post("/agents/{agent_id}/execute", tags=[TAG])
async def execute(request: Request, body: ExecuteBody, agent_id: str = AgentId) -> dict[str, Any]:
    """Carry out a task with the agent's tools (the tool-calling loop): answer and steps."""
    settings = settings_of(request)
    await call(registry(settings).get_agent.remote(agent_id), AGENTS)
    agent = await agent_handle(settings, agent_id)
    result = await call(agent.execute.remote(body.task), f"agent/{agent_id}", settings.chat.timeout_s)
    return {"agent_id": agent_id, **result}


@router.post("/agents/{agent_id}/message", tags=[TAG])
async def message(request: Request, body: MessageBody, agent_id: str = AgentId) -> dict[str, Any]:
    """A chat message to this agent (as POST /chat/message with agent_id)."""
    settings = settings_of(request)
    chat = ChatMessageRequest(message=body.message, conversation_id=body.conversation_id, agent_id=agent_id)
    plan = await call(registry(settings).prepare_chat.remote(chat.message, chat.conversation_id, agent_id), AGENTS)
    return await collect_chat(settings, plan, chat.message)


@router.get("/agents/{agent_id}/status", tags=[TAG])
async def status(request: Request, agent_id: str = AgentId) -> dict[str, Any]:
    """Live status (idle, processing, completed, error), with restarts and supervision state."""
    settings = settings_of(request)
    row = await call(registry(settings).get_agent.remote(agent_id), AGENTS)
    try:
        agent = await agent_handle(settings, agent_id, wait_s=2.0)
        info = await call(agent.info.remote(), f"agent/{agent_id}", 10.0)
    except ApiError:
        info = {"status": "error", "last_error": "the agent's actor is not running"}
    return {
        "id": agent_id,
        "status": info["status"],
        "state": row["state"],
        "restarts": row["restarts"],
        "last_error": info.get("last_error"),
        "tasks_done": info.get("tasks_done", 0),
        "running": info.get("running", []),
        "uptime_s": info.get("uptime_s"),
    }


@router.get("/agents/{agent_id}/memory", tags=[TAG])
async def memory(
    request: Request,
    agent_id: str = AgentId,
    query: str | None = Query(None, max_length=2000, description="recall long-term memories like this"),
    limit: int = Query(20, ge=1, le=500),
) -> dict[str, Any]:
    """Short-term memory (the agent's latest messages) and long-term memories (memory/main)."""
    settings = settings_of(request)
    reg = registry(settings)
    row = await call(reg.get_agent.remote(agent_id), AGENTS)
    short_term = await call(reg.agent_memory.remote(agent_id, limit), AGENTS)
    bus = ray.get_actor(BUS, namespace=settings.ray.namespace)
    arguments = {"query": query or row["name"], "agent_id": agent_id, "k": min(limit, 50)}
    response = await call(bus.request.remote("memory/main", tools_call("recall", arguments), 30.0), BUS, 40.0)
    step = as_step("memory/main/recall", "memory/main", arguments, response)
    long_term: list[Any] = []
    if step.ok:
        value = result_value((response or {}).get("result") or {})
        long_term = value.get("memories", []) if isinstance(value, dict) else []
    return {
        "agent_id": agent_id,
        "short_term": short_term,
        "long_term": long_term,
        "long_term_available": not step.unavailable,
        "note": None if step.ok else step.result,
    }


@router.post("/agents/{agent_id}/tools", tags=[TAG])
async def add_tools(request: Request, body: ToolsBody, agent_id: str = AgentId) -> dict[str, Any]:
    """Give the agent more tools (each must exist: an MCP server's or an actor's tool)."""
    return dict(await call(registry(settings_of(request)).add_tools.remote(agent_id, body.tools), AGENTS))
