"""/api/v1/chat: a message routed to an agent, conversations, history, export; the WS chat.

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

import asyncio
import contextlib
from typing import Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import ValidationError

from configs.settings import Settings
from protocols.agents import ChatMessageRequest, Conversation, RouteDecision
from protocols.auth import Principal
from protocols.events import WsServerMessage
from protocols.rest_agents import (
    AgentChatAnswer,
    ConversationBody,
    ConversationDeleted,
    ConversationHistory,
    ConversationList,
)
from protocols.ws import WsChat
from serve_app.deps import CurrentPrincipal, Registry, SettingsDep
from serve_app.errors import as_platform_error, short_message
from serve_app.ownership import check_owner, claim, visible
from serve_app.routers.agents import ask, collect_chat, prepare_turn, turn_events
from supervisors.refs import await_ref

router = APIRouter(tags=["chat"])
ConversationId = Query(min_length=1, max_length=64)
_TEXT = {"schema": {"type": "string"}}
EXPORT_MEDIA = {"text/markdown": _TEXT, "application/json": {"schema": {"type": "object"}}, "text/plain": _TEXT}


@router.post("/chat/message", response_model=AgentChatAnswer, response_model_exclude_unset=True)
async def chat_message(settings: SettingsDep, body: ChatMessageRequest, principal: CurrentPrincipal) -> dict[str, Any]:
    """Route the message to an agent (agent_id overrides the router), answer, store both. A new
    conversation is yours; another user's conversation or agent is a 404."""
    await _check_chat(settings, principal, body)
    plan = await prepare_turn(settings, body.message, body.conversation_id, body.agent_id)
    # claimed before the turn runs: what the turn starts (a reasoning session, a workflow) is the user's
    await claim(settings, principal, "conversation", plan["conversation_id"])
    return await collect_chat(settings, plan, body.message)


async def _check_chat(settings: Settings, principal: Principal, body: ChatMessageRequest) -> None:
    if body.conversation_id is not None:
        await check_owner(settings, principal, "conversation", body.conversation_id, "body.conversation_id")
    if body.agent_id is not None:
        await check_owner(settings, principal, "agent", body.agent_id, "body.agent_id")


@router.get("/chat/route", response_model=RouteDecision)
async def chat_route(registry: Registry, message: str = Query(min_length=1, max_length=50_000)) -> dict[str, Any]:
    """Which agent type the router would pick for this message, and why (nothing is stored)."""
    return dict(await ask(registry, "route", message))


@router.get("/chat/conversations", response_model=ConversationList, response_model_exclude_unset=True)
async def conversations(
    registry: Registry, settings: SettingsDep, principal: CurrentPrincipal, limit: int = Query(100, ge=1, le=1000)
) -> dict[str, Any]:
    """Your conversations (admins: all)."""
    rows = await ask(registry, "conversations", limit)
    return {"conversations": await visible(settings, principal, "conversation", rows)}


@router.post("/chat/conversations", status_code=201, response_model=Conversation, response_model_exclude_unset=True)
async def create_conversation(
    registry: Registry, body: ConversationBody, settings: SettingsDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    if body.agent_id is not None:
        await check_owner(settings, principal, "agent", body.agent_id, "body.agent_id")
    row = dict(await ask(registry, "create_conversation", body.title, body.agent_id))
    await claim(settings, principal, "conversation", row["id"])
    return row


@router.delete("/chat/conversations/{conversation_id}", response_model=ConversationDeleted)
async def delete_conversation(
    registry: Registry,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    conversation_id: str = Path(min_length=1, max_length=64),
) -> dict[str, Any]:
    await check_owner(settings, principal, "conversation", conversation_id, "path.conversation_id")
    return dict(await ask(registry, "delete_conversation", conversation_id))


@router.get("/chat/history", response_model=ConversationHistory, response_model_exclude_unset=True)
async def history(
    registry: Registry, settings: SettingsDep, principal: CurrentPrincipal, conversation_id: str = ConversationId
) -> dict[str, Any]:
    await check_owner(settings, principal, "conversation", conversation_id, "query.conversation_id")
    return dict(await ask(registry, "conversation_history", conversation_id))


@router.get(
    "/chat/export",
    response_class=Response,
    responses={200: {"description": "the conversation file", "content": EXPORT_MEDIA}},
)
async def export(
    registry: Registry,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    conversation_id: str = ConversationId,
    format: str = Query("markdown", pattern="^(markdown|json|text)$"),
) -> Response:
    """The conversation as Markdown, JSON or plain text (a download)."""
    await check_owner(settings, principal, "conversation", conversation_id, "query.conversation_id")
    exported = await ask(registry, "export", conversation_id, format)
    extension = {"markdown": "md", "json": "json", "text": "txt"}[format]
    return Response(
        exported["content"],
        media_type=exported["media_type"],
        headers={"content-disposition": f'attachment; filename="conversation-{conversation_id}.{extension}"'},
    )


# ---- WebSocket chat ----------------------------------------------------------------------


async def ws_agent_chat(
    settings: Settings, message: WsChat, send: Any, runs: dict[Any, Any], key: Any, principal: Principal | None = None
) -> None:
    """`chat_message` on /ws: typing_indicator, chat_response chunks, the final chat_response
    (done true), or chat_error. `stop` with the same ref stops the agent (partial kept)."""
    ref = message.ref
    events: Any = None
    try:
        body = ChatMessageRequest.model_validate(message.message or {})
        if principal is not None:
            await _check_chat(settings, principal, body)
        plan = await prepare_turn(settings, body.message, body.conversation_id, body.agent_id)
        if principal is not None:
            await claim(settings, principal, "conversation", plan["conversation_id"])
        ids = {"conversation_id": plan["conversation_id"], "agent_id": plan["agent_id"]}
        await send(
            WsServerMessage(
                type="typing_indicator",
                ref=ref,
                data={**ids, "typing": True, "agent_type": plan["agent_type"], "route_reason": plan["route_reason"]},
            )
        )
        events = turn_events(settings, plan, body.message, runs, key)
        async for event in events:
            if event["event"] == "redelivered":
                # the agent died mid-answer: what was streamed is void, the answer comes again
                data = {**ids, "message_id": event["message_id"], "reason": event["reason"]}
                await send(WsServerMessage(type="chat_redelivered", ref=ref, data=data))
            elif event["event"] == "delta":
                await send(
                    WsServerMessage(type="chat_response", ref=ref, data={**ids, "delta": event["delta"], "done": False})
                )
            elif event["event"] == "stored":
                ids_user = event["message_id"]
                await send(WsServerMessage(type="chat_message_stored", ref=ref, data={**ids, "message_id": ids_user}))
            elif event["event"] == "final":
                await send(
                    WsServerMessage(
                        type="chat_response",
                        ref=ref,
                        data={
                            **ids,
                            "message_id": event["message_id"],
                            "content": event["content"],
                            "done": True,
                            "status": event["status"],
                            "notes": event["notes"],
                            "agent_type": plan["agent_type"],
                            "eval_count": event.get("eval_count"),
                        },
                    )
                )
            elif event["event"] == "error":
                await send(
                    WsServerMessage(
                        type="chat_error", ref=ref, data={"code": event["code"], "message": event["message"]}
                    )
                )
    except asyncio.CancelledError:
        raise
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        await send(
            WsServerMessage(
                type="chat_error",
                ref=ref,
                data={
                    "code": "validation_error",
                    "message": f"message.{field}: {first['msg']}",
                    "field": f"message.{field}",
                },
            )
        )
    except Exception as exc:
        error = as_platform_error(exc)
        data = (
            error.to_dict()
            if error is not None
            else {"code": "unavailable", "message": f"chat failed: {short_message(exc)}"}
        )
        await send(WsServerMessage(type="chat_error", ref=ref, data=data))
    finally:
        runs.pop(key, None)
        if events is not None:  # the socket went away: the agent keeps the partial answer, stopped
            with contextlib.suppress(Exception):
                await events.aclose()


async def ws_stop_agent_chat(run: Any) -> None:
    agent, run_id = run
    with contextlib.suppress(Exception):
        await asyncio.wait_for(await_ref(agent.stop_run.remote(run_id)), 10.0)
