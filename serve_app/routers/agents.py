"""/api/v1/agents: agent types, create/list/get/delete, execute, message, status, memory, tools.

The registry answers at AGENT_REGISTRY (protocols/addresses.py); each agent is an actor
at `agent/<id>`. Refusals name the field at fault (unknown type, model or tool -> 4xx).

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncGenerator
from typing import Annotated, Any

import ray
from fastapi import APIRouter, Depends, Path, Query
from ray.exceptions import RayActorError

from actors.agents.bus_calls import as_step, result_value, tools_call
from configs.settings import Settings
from protocols.addresses import AGENT_REGISTRY, MEMORY, agent_address
from protocols.agents import ChatMessageRequest, CreateAgentRequest
from protocols.errors import ActorUnavailable, PlatformError
from protocols.rest import HttpErrorCode
from protocols.rest_agents import (
    AgentChatAnswer,
    AgentDeleted,
    AgentList,
    AgentLiveStatus,
    AgentMemory,
    AgentRow,
    AgentTypes,
    ExecuteBody,
    ExecuteResult,
    MessageBody,
    ToolsBody,
)
from serve_app.deps import Bus, CurrentPrincipal, Registry, SettingsDep, actor_ref
from serve_app.deps import ask as actor_ask
from serve_app.errors import ApiError
from serve_app.ownership import check_owner, claim, visible
from supervisors.refs import ActorRef

log = logging.getLogger(__name__)
router = APIRouter(tags=["agents"])
AgentId = Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


async def _owned_agent(settings: SettingsDep, principal: CurrentPrincipal, agent_id: str = AgentId) -> None:
    """Another user's agent is a 404 (serve_app/ownership.py)."""
    await check_owner(settings, principal, "agent", agent_id, "path.agent_id")


OwnedAgent = Annotated[None, Depends(_owned_agent)]
CALL_TIMEOUT_S = 60.0


async def ask(
    ref: ActorRef,
    method: str,
    *args: Any,
    timeout_s: float = CALL_TIMEOUT_S,
    wait_s: float = 0,
    idempotent: bool | None = None,
) -> Any:
    """A call to the registry or an agent. The registry refuses a request it cannot parse
    with a ValueError: a 422 here (the other failures are mapped in serve_app/errors.py)."""
    try:
        return await actor_ask(ref, method, *args, timeout_s=timeout_s, wait_s=wait_s, idempotent=idempotent)
    except ValueError as exc:
        if isinstance(exc, PlatformError):
            raise
        message = str(exc).splitlines()[0] if str(exc) else ref.address
        raise ApiError(422, HttpErrorCode.VALIDATION_ERROR, message) from None


def agent_ref(settings: Settings, agent_id: str) -> ActorRef:
    return actor_ref(settings, agent_address(agent_id))


async def prepare_turn(
    settings: Settings,
    message: str,
    conversation_id: str | None,
    agent_id: str | None,
    *,
    create_missing: bool = False,
    conversation_field: str = "body.conversation_id",
) -> dict[str, Any]:
    """Which agent answers, in which conversation (the registry's `prepare_chat`). A new
    conversation's id is chosen here, so the call is idempotent: a registry that dies during
    it is asked again and its successor finds the conversation the first call created
    instead of making a second one. A registry that is restarting is waited for (bounded,
    chat.redeliver_wait_s), not refused: nothing was sent to an agent yet."""
    if conversation_id is None:
        conversation_id, create_missing = uuid.uuid4().hex[:16], True
    registry = actor_ref(settings, AGENT_REGISTRY)
    wait_s = settings.chat.redeliver_wait_s
    args = (message, conversation_id, agent_id, create_missing, conversation_field)
    plan: dict[str, Any] = await ask(
        registry, "prepare_chat", *args, timeout_s=120.0 + wait_s, wait_s=wait_s, idempotent=True
    )
    return plan


async def turn_events(
    settings: Settings,
    plan: dict[str, Any],
    message: str,
    runs: dict[Any, Any] | None = None,
    key: Any = None,
) -> AsyncGenerator[dict[str, Any]]:
    """The events of one chat turn on the agent (ChatTurns.chat_stream), delivered again once
    when the agent dies mid-turn: the turn is keyed by its user message's id, chosen here,
    so the restarted agent stores nothing twice and answers once (or returns the answer it
    had already stored). Between the two a `{"event": "redelivered"}` says what happened.
    A message for an agent that is restarting waits for it (chat.redeliver_wait_s). Given
    up (a second death, or no successor within the wait), the turn ends with an error answer
    so its message does not dangle, and the caller gets a clear 503."""
    message_id = uuid.uuid4().hex[:16]
    wait_s = settings.chat.redeliver_wait_s
    reference = agent_ref(settings, plan["agent_id"])
    began = time.monotonic()
    failed = None  # the incarnation that died under the first attempt
    for attempt in range(2):
        try:
            agent = await reference.resolve_live(wait_s, failed=failed)
        except ActorUnavailable as exc:
            if attempt == 1:
                await _close_turn(settings, plan, message_id, f"{reference.address} did not come back: {exc.message}")
            raise
        if attempt == 1:  # where a redelivered turn's time goes (node loss: see the README)
            log.info(
                "%s: turn %s redelivered, successor found %.1f s into the turn",
                reference.address,
                message_id,
                time.monotonic() - began,
            )
        run_id = uuid.uuid4().hex
        if runs is not None:
            runs[key] = (agent, run_id)
        stream = agent.chat_stream.remote(plan["conversation_id"], message, run_id, message_id)
        finished = False
        try:
            async for item in stream:
                event = await item
                if attempt == 1 and event.get("event") in ("final", "error"):
                    log.info(
                        "%s: redelivered turn %s answered %.1f s into the turn",
                        reference.address,
                        message_id,
                        time.monotonic() - began,
                    )
                if event.get("event") == "error":
                    # the agent stores an error answer itself, unless the database was away
                    # at that moment: then the registry does (it writes only where none is)
                    await _close_turn(settings, plan, message_id, f"{reference.address}: {event.get('message')}")
                yield event
            finished = True
            return
        except RayActorError as exc:
            finished = True  # the actor is gone: nothing to cancel
            reference.forget(agent, exc)
            failed = agent
            log.info(
                "%s: died during turn %s, seen %.1f s into the turn",
                reference.address,
                message_id,
                time.monotonic() - began,
            )
            if attempt == 1:
                reason = f"{reference.address} died twice during this message"
                await _close_turn(settings, plan, message_id, reason)
                raise ActorUnavailable(reference.address, reason, died_during_call=True) from None
            yield {
                "event": "redelivered",
                "message_id": message_id,
                "reason": f"{reference.address} died during the answer; delivered again to its successor",
            }
        finally:
            if not finished:  # the caller went away or stopped: the agent keeps its partial answer
                with contextlib.suppress(Exception):
                    ray.cancel(stream)


async def _close_turn(settings: Settings, plan: dict[str, Any], message_id: str, reason: str) -> None:
    """The agent that had the turn is dead and no successor takes it: an error answer (unless
    one is stored), so every stored user message ends with an answer."""
    registry = actor_ref(settings, AGENT_REGISTRY)
    args = (plan["conversation_id"], message_id, plan["agent_id"], reason)
    try:
        # idempotent (it writes only where no answer is stored): a registry killed during
        # the call is asked again, so the answer does not wait for the agent's sweep
        wait_s = settings.chat.redeliver_wait_s
        await registry.call("close_turn", *args, timeout_s=30.0 + wait_s, wait_s=wait_s, idempotent=True)
    except Exception:
        log.warning("%s: turn %s not closed here; the agent's sweep will", registry.address, message_id, exc_info=True)


async def collect_chat(settings: Settings, plan: dict[str, Any], message: str) -> dict[str, Any]:
    """Run one chat turn on the agent and wait for the stored answer."""
    final: dict[str, Any] = {}
    user_message_id = None
    events = turn_events(settings, plan, message)
    try:
        async with asyncio.timeout(settings.chat.timeout_s):
            async for event in events:
                if event["event"] == "stored":
                    user_message_id = event["message_id"]
                elif event["event"] in ("final", "error"):
                    final = event
    finally:
        await events.aclose()
    if final.get("event") != "final":
        raise ApiError(503, HttpErrorCode.UNAVAILABLE, f"agent/{plan['agent_id']}: {final.get('message', 'no answer')}")
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


@router.get("/agents/types", response_model=AgentTypes)
async def agent_types(registry: Registry) -> dict[str, Any]:
    """The six agent types: description, capabilities, default model and tools."""
    return {"types": await ask(registry, "agent_types")}


@router.post("/agents", status_code=201, response_model=AgentRow, response_model_exclude_unset=True)
async def create_agent(
    registry: Registry, body: CreateAgentRequest, settings: SettingsDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Create and start an agent (yours: other users get 404 for it). Unknown type, model or
    tool: 4xx naming the field."""
    row = dict(await ask(registry, "create_agent", body.model_dump(), timeout_s=120.0))
    await claim(settings, principal, "agent", row["id"])
    return row


@router.get("/agents", response_model=AgentList, response_model_exclude_unset=True)
async def list_agents(registry: Registry, settings: SettingsDep, principal: CurrentPrincipal) -> dict[str, Any]:
    """Your agents (admins: every agent)."""
    return {"agents": await visible(settings, principal, "agent", await ask(registry, "list_agents"))}


@router.get("/agents/{agent_id}", response_model=AgentRow, response_model_exclude_unset=True)
async def get_agent(registry: Registry, owned: OwnedAgent, agent_id: str = AgentId) -> dict[str, Any]:
    return dict(await ask(registry, "get_agent", agent_id))


@router.delete("/agents/{agent_id}", response_model=AgentDeleted, response_model_exclude_unset=True)
async def delete_agent(registry: Registry, owned: OwnedAgent, agent_id: str = AgentId) -> dict[str, Any]:
    """Stop the agent's actor and remove it from the registry (its conversations stay)."""
    return dict(await ask(registry, "delete_agent", agent_id))


@router.post("/agents/{agent_id}/execute", response_model=ExecuteResult, response_model_exclude_unset=True)
async def execute(
    settings: SettingsDep, registry: Registry, body: ExecuteBody, owned: OwnedAgent, agent_id: str = AgentId
) -> dict[str, Any]:
    """Carry out a task with the agent's tools (the tool-calling loop): answer and steps."""
    await ask(registry, "get_agent", agent_id)
    agent = agent_ref(settings, agent_id)
    wait_s = settings.chat.redeliver_wait_s
    result = await ask(agent, "execute", body.task, timeout_s=settings.chat.timeout_s, wait_s=wait_s)
    return {"agent_id": agent_id, **result}


@router.post("/agents/{agent_id}/message", response_model=AgentChatAnswer, response_model_exclude_unset=True)
async def message(
    settings: SettingsDep,
    body: MessageBody,
    owned: OwnedAgent,
    principal: CurrentPrincipal,
    agent_id: str = AgentId,
) -> dict[str, Any]:
    """A chat message to this agent (as POST /chat/message with agent_id)."""
    if body.conversation_id is not None:
        await check_owner(settings, principal, "conversation", body.conversation_id, "body.conversation_id")
    chat = ChatMessageRequest(message=body.message, conversation_id=body.conversation_id, agent_id=agent_id)
    plan = await prepare_turn(settings, chat.message, chat.conversation_id, agent_id)
    # claimed before the turn runs: what the turn starts (a reasoning session, a workflow) is the user's
    await claim(settings, principal, "conversation", plan["conversation_id"])
    return await collect_chat(settings, plan, chat.message)


@router.get("/agents/{agent_id}/status", response_model=AgentLiveStatus)
async def status(
    settings: SettingsDep, registry: Registry, owned: OwnedAgent, agent_id: str = AgentId
) -> dict[str, Any]:
    """Live status (idle, processing, completed, error), with restarts and supervision state."""
    row = await ask(registry, "get_agent", agent_id)
    try:
        info = await ask(agent_ref(settings, agent_id), "info", timeout_s=10.0, wait_s=2.0)
    except ActorUnavailable:
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


@router.get("/agents/{agent_id}/memory", response_model=AgentMemory)
async def memory(
    registry: Registry,
    bus: Bus,
    owned: OwnedAgent,
    agent_id: str = AgentId,
    query: str | None = Query(None, max_length=2000, description="recall long-term memories like this"),
    limit: int = Query(20, ge=1, le=500),
) -> dict[str, Any]:
    """Short-term memory (the agent's latest messages) and long-term memories (memory/main)."""
    row = await ask(registry, "get_agent", agent_id)
    short_term = await ask(registry, "agent_memory", agent_id, limit)
    arguments = {"query": query or row["name"], "agent_id": agent_id, "k": min(limit, 50)}
    response = await ask(bus, "request", MEMORY, tools_call("recall", arguments), 30.0, timeout_s=40.0)
    step = as_step("memory/main/recall", MEMORY, arguments, response)
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


@router.post("/agents/{agent_id}/tools", response_model=AgentRow, response_model_exclude_unset=True)
async def add_tools(registry: Registry, body: ToolsBody, owned: OwnedAgent, agent_id: str = AgentId) -> dict[str, Any]:
    """Give the agent more tools (each must exist: an MCP server's or an actor's tool)."""
    return dict(await ask(registry, "add_tools", agent_id, body.tools))
