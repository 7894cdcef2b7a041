"""/api/v1/chat: a message routed to an agent, conversations, history, export; the WS chat.

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

import asyncio
import contextlib
import uuid
from typing import Any

import ray
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError

from actors.refs import await_ref
from protocols.addresses import AGENT_REGISTRY as AGENTS
from protocols.agents import ChatMessageRequest
from protocols.events import WsClientMessage, WsServerMessage
from serve_app.agents_api import agent_handle, api_error, call, collect_chat, registry, settings_of
from serve_app.errors import ApiError

router = APIRouter()
TAG = "chat"
ConversationId = Query(min_length=1, max_length=64)


class ConversationBody(BaseModel):
    title: str | None = Field(None, max_length=500)
    agent_id: str | None = Field(None, min_length=1, max_length=64)


@router.post("/chat/message", tags=[TAG])
async def chat_message(request: Request, body: ChatMessageRequest) -> dict[str, Any]:
    """Route the message to an agent (agent_id overrides the router), answer, store both."""
    settings = settings_of(request)
    plan = await call(
        registry(settings).prepare_chat.remote(body.message, body.conversation_id, body.agent_id), AGENTS, 120.0
    )
    return await collect_chat(settings, plan, body.message)


@router.get("/chat/route", tags=[TAG])
async def chat_route(request: Request, message: str = Query(min_length=1, max_length=50_000)) -> dict[str, Any]:
    """Which agent type the router would pick for this message, and why (nothing is stored)."""
    return dict(await call(registry(settings_of(request)).route.remote(message), AGENTS))


@router.get("/chat/conversations", tags=[TAG])
async def conversations(request: Request, limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
    return {"conversations": await call(registry(settings_of(request)).conversations.remote(limit), AGENTS)}


@router.post("/chat/conversations", tags=[TAG], status_code=201)
async def create_conversation(request: Request, body: ConversationBody) -> dict[str, Any]:
    return dict(
        await call(registry(settings_of(request)).create_conversation.remote(body.title, body.agent_id), AGENTS)
    )


@router.delete("/chat/conversations/{conversation_id}", tags=[TAG])
async def delete_conversation(
    request: Request, conversation_id: str = Path(min_length=1, max_length=64)
) -> dict[str, Any]:
    return dict(await call(registry(settings_of(request)).delete_conversation.remote(conversation_id), AGENTS))


@router.get("/chat/history", tags=[TAG])
async def history(request: Request, conversation_id: str = ConversationId) -> dict[str, Any]:
    return dict(await call(registry(settings_of(request)).conversation_history.remote(conversation_id), AGENTS))


@router.get("/chat/export", tags=[TAG])
async def export(
    request: Request,
    conversation_id: str = ConversationId,
    format: str = Query("markdown", pattern="^(markdown|json|text)$"),
) -> Response:
    """The conversation as Markdown, JSON or plain text (a download)."""
    exported = await call(registry(settings_of(request)).export.remote(conversation_id, format), AGENTS)
    extension = {"markdown": "md", "json": "json", "text": "txt"}[format]
    return Response(
        exported["content"],
        media_type=exported["media_type"],
        headers={"content-disposition": f'attachment; filename="conversation-{conversation_id}.{extension}"'},
    )


# ---- WebSocket chat ----------------------------------------------------------------------


async def ws_agent_chat(settings: Any, message: WsClientMessage, send: Any, runs: dict[Any, Any], key: Any) -> None:
    """`chat_message` on /ws: typing_indicator, chat_response chunks, the final chat_response
    (done true), or chat_error. `stop` with the same ref stops the agent (partial kept)."""
    ref = message.ref
    stream: Any = None
    try:
        body = ChatMessageRequest.model_validate(message.message or {})
        plan = await call(
            registry(settings).prepare_chat.remote(body.message, body.conversation_id, body.agent_id), AGENTS, 120.0
        )
        agent = await agent_handle(settings, plan["agent_id"])
        run_id = uuid.uuid4().hex
        runs[key] = (agent, run_id)
        ids = {"conversation_id": plan["conversation_id"], "agent_id": plan["agent_id"]}
        await send(
            WsServerMessage(
                type="typing_indicator",
                ref=ref,
                data={**ids, "typing": True, "agent_type": plan["agent_type"], "route_reason": plan["route_reason"]},
            )
        )
        stream = agent.chat_stream.remote(plan["conversation_id"], body.message, run_id)
        async for item in stream:
            event = await item
            if event["event"] == "delta":
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
        stream = None
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
    except ApiError as exc:
        await send(
            WsServerMessage(type="chat_error", ref=ref, data=exc.body.model_dump(mode="json", exclude_none=True))
        )
    except Exception as exc:
        error = api_error(exc, "chat")
        await send(
            WsServerMessage(type="chat_error", ref=ref, data=error.body.model_dump(mode="json", exclude_none=True))
        )
    finally:
        runs.pop(key, None)
        if stream is not None:  # the socket went away: the agent keeps the partial answer, stopped
            with contextlib.suppress(Exception):
                ray.cancel(stream)


async def ws_stop_agent_chat(run: Any) -> None:
    agent, run_id = run
    with contextlib.suppress(Exception):
        await asyncio.wait_for(await_ref(agent.stop_run.remote(run_id)), 10.0)
