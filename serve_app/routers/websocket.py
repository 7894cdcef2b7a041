"""/ws: the WebSocket protocol, one typed handler per client message type.

Frames are JSON text, or msgpack binary (`?encoding=msgpack` switches the server's frames
to msgpack; clients may send either). A frame that is not JSON/msgpack answers
`connection_error`; an unknown type or an invalid payload answers `error` naming the field.
The socket stays open either way.

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgpack
import ray
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from configs.settings import Settings
from protocols.addresses import BUS, EVOLUTION_MANAGER, MCP_MANAGER, MONITOR, REASONING_MANAGER
from protocols.auth import Principal
from protocols.errors import InvalidText, PlatformError
from protocols.events import WsServerMessage
from protocols.models import ChatRequest
from protocols.rest import HttpErrorCode
from protocols.rest_evolution import StartEvolutionBody, run_topic
from protocols.rest_reasoning import StartReasoningBody, session_topic
from protocols.text import check_storable, unstorable_reason
from protocols.ws import (
    WsChat,
    WsIn,
    WsMcpServerAction,
    WsPing,
    WsRequest,
    WsRequestSystemMetrics,
    WsStartEvolution,
    WsStartReasoning,
    WsStop,
    WsStopEvolution,
    WsStopReasoning,
    WsTopics,
)
from serve_app.access import ws_refusal
from serve_app.deps import SettingsDep, actor_ref, ask, shared
from serve_app.errors import as_platform_error, short_message
from serve_app.ownership import EventAudience, check_access
from serve_app.relay import TopicRelay
from serve_app.routers.chat import ws_agent_chat, ws_stop_agent_chat
from serve_app.routers.mcp import server_action
from serve_app.routers.models import as_model_error, resolve
from serve_app.routers.system import metrics_of
from serve_app.security import current_principal

router = APIRouter()
log = logging.getLogger(__name__)

Send = Callable[[WsServerMessage], Awaitable[None]]


@dataclass
class WsState:
    """What the gateway's sockets share: the topic relay and the running generations."""

    relay: TopicRelay
    streams: dict[tuple[str, Any], "asyncio.Task[None]"] = field(default_factory=dict)
    agent_runs: dict[tuple[str, Any], Any] = field(default_factory=dict)  # chat_message -> (agent, run id)
    audience: EventAudience | None = None  # who may receive which event (made on first use)

    def audience_for(self, settings: Settings) -> EventAudience:
        if self.audience is None:
            self.audience = EventAudience(settings)
        return self.audience


@dataclass
class WsSession:
    """One connected client."""

    settings: Settings
    state: WsState
    client_id: str
    send: Send
    principal: Principal | None = None  # who connected (serve_app/security.py checked it)

    def error(self, message: WsIn | None, err: PlatformError) -> Awaitable[None]:
        return self.send(WsServerMessage(type="error", ref=message.ref if message else None, data=err.to_dict()))


Handler = Callable[[WsSession, Any], Awaitable[None]]


async def on_ping(session: WsSession, message: WsPing) -> None:
    await session.send(WsServerMessage(type="pong", ref=message.ref))


async def _set_topics(session: WsSession, message: WsTopics, topics: set[str]) -> None:
    await session.state.relay.set_topics(session.client_id, topics)
    await session.send(WsServerMessage(type="subscribed", data={"topics": sorted(topics)}, ref=message.ref))


async def on_subscribe(session: WsSession, message: WsTopics) -> None:
    await _set_topics(session, message, session.state.relay.topics_of(session.client_id) | set(message.topics))


async def on_unsubscribe(session: WsSession, message: WsTopics) -> None:
    await _set_topics(session, message, session.state.relay.topics_of(session.client_id) - set(message.topics))


async def on_request(session: WsSession, message: WsRequest) -> None:
    timeout = (message.timeout_s or session.settings.bus.request_timeout_s) + 5.0
    bus = actor_ref(session.settings, BUS)
    response = await ask(bus, "request", message.to, message.message, message.timeout_s, timeout_s=timeout, wait_s=0)
    await session.send(WsServerMessage(type="response", data=response or {}, ref=message.ref))


async def on_chat(session: WsSession, message: WsChat) -> None:
    key = (session.client_id, message.ref)
    streams = session.state.streams
    if key in streams:
        await session.send(
            WsServerMessage(
                type="chat_error",
                ref=message.ref,
                data={"code": "invalid_request", "message": "a generation with this ref is running"},
            )
        )
        return
    if message.type == "chat_message":
        runs = session.state.agent_runs
        task = asyncio.create_task(ws_agent_chat(session.settings, message, session.send, runs, key, session.principal))
    else:
        task = asyncio.create_task(model_chat(session, message))
    streams[key] = task
    task.add_done_callback(lambda _: streams.pop(key, None))


async def on_stop(session: WsSession, message: WsStop) -> None:
    running = session.state.streams.get((session.client_id, message.ref))
    agent_run = session.state.agent_runs.get((session.client_id, message.ref))
    if agent_run is not None:
        await ws_stop_agent_chat(agent_run)  # the agent stores the partial answer, then ends
    elif running is not None:
        running.cancel()
    await session.send(WsServerMessage(type="chat_stopped", ref=message.ref, data={"stopped": running is not None}))


async def on_mcp_server_action(session: WsSession, message: WsMcpServerAction) -> None:
    manager = actor_ref(session.settings, MCP_MANAGER)
    status = await server_action(manager, message.action, message.server_id)
    await session.send(WsServerMessage(type="mcp_server_status", ref=message.ref, data=status))


async def on_request_system_metrics(session: WsSession, message: WsRequestSystemMetrics) -> None:
    metrics = await metrics_of(actor_ref(session.settings, MONITOR))
    await session.send(WsServerMessage(type="system_metrics", ref=message.ref, data=metrics))


async def on_start_reasoning(session: WsSession, message: WsStartReasoning) -> None:
    fields = message.model_dump(exclude={"type", "ref"})
    try:
        body = StartReasoningBody.model_validate(fields)
    except ValidationError as exc:
        await session.error(message, _invalid(exc))
        return
    principal = _principal(session)
    if body.index is not None:
        await check_access(session.settings, principal, "index", body.index, "index")
    session_id = uuid.uuid4().hex[:16]
    session.state.audience_for(session.settings).remember("reasoning_session", session_id, principal.user_id)
    topics = session.state.relay.topics_of(session.client_id) | {session_topic(session_id)}
    await session.state.relay.set_topics(session.client_id, topics)
    manager = actor_ref(session.settings, REASONING_MANAGER)
    body_json = body.model_dump(mode="json", exclude_none=True)
    summary = await ask(manager, "start", body_json, session_id, principal.user_id, timeout_s=60.0)
    await session.send(WsServerMessage(type="reasoning_started", ref=message.ref, data=summary))


async def on_stop_reasoning(session: WsSession, message: WsStopReasoning) -> None:
    await check_access(
        session.settings, _principal(session), "reasoning_session", message.session_id, "session_id", write=True
    )
    manager = actor_ref(session.settings, REASONING_MANAGER)
    summary = await ask(manager, "stop", message.session_id, timeout_s=60.0)
    await session.send(WsServerMessage(type="reasoning_stopped", ref=message.ref, data=summary))


async def on_start_evolution(session: WsSession, message: WsStartEvolution) -> None:
    fields = message.model_dump(exclude={"type", "ref"})
    try:
        body = StartEvolutionBody.model_validate(fields)
    except ValidationError as exc:
        await session.error(message, _invalid(exc))
        return
    principal = _principal(session)
    run_id = body.run_id or uuid.uuid4().hex[:16]
    topics = session.state.relay.topics_of(session.client_id) | {run_topic(run_id)}
    await session.state.relay.set_topics(session.client_id, topics)
    manager = actor_ref(session.settings, EVOLUTION_MANAGER)
    body_json = body.model_dump(mode="json", exclude_none=True)
    summary = await ask(manager, "start", body_json, run_id, principal.user_id, timeout_s=120.0)
    await session.send(WsServerMessage(type="evolution_started", ref=message.ref, data=summary))


async def on_stop_evolution(session: WsSession, message: WsStopEvolution) -> None:
    await check_access(session.settings, _principal(session), "evolution_run", message.run_id, "run_id", write=True)
    manager = actor_ref(session.settings, EVOLUTION_MANAGER)
    summary = await ask(manager, "stop", message.run_id, timeout_s=120.0)
    await session.send(WsServerMessage(type="evolution_stopping", ref=message.ref, data=summary))


def _principal(session: WsSession) -> Principal:
    if session.principal is None:  # dispatch refused it already (access.ws_refusal)
        raise PlatformError("unauthenticated", "not authenticated", None, 401)
    return session.principal


# client message type -> (its model, its handler)
HANDLERS: dict[str, tuple[type[WsIn], Handler]] = {
    "ping": (WsPing, on_ping),
    "subscribe": (WsTopics, on_subscribe),
    "unsubscribe": (WsTopics, on_unsubscribe),
    "request": (WsRequest, on_request),
    "chat": (WsChat, on_chat),
    "chat_message": (WsChat, on_chat),
    "stop": (WsStop, on_stop),
    "mcp_server_action": (WsMcpServerAction, on_mcp_server_action),
    "request_system_metrics": (WsRequestSystemMetrics, on_request_system_metrics),
    "start_reasoning": (WsStartReasoning, on_start_reasoning),
    "stop_reasoning": (WsStopReasoning, on_stop_reasoning),
    "start_evolution": (WsStartEvolution, on_start_evolution),
    "stop_evolution": (WsStopEvolution, on_stop_evolution),
}


def _invalid(exc: ValidationError) -> PlatformError:
    first = exc.errors()[0]
    field_name = ".".join(str(p) for p in first["loc"]) or None
    return PlatformError(HttpErrorCode.VALIDATION_ERROR, short_message(exc), field_name, 422)


async def dispatch(session: WsSession, incoming: Any) -> None:
    """Validate one decoded client message against its type's model and run its handler;
    every refusal or failure is an `error` message to this client."""
    if not isinstance(incoming, dict):
        await session.error(
            None, PlatformError(HttpErrorCode.VALIDATION_ERROR, "a message must be an object", None, 422)
        )
        return
    ref = incoming.get("ref") if isinstance(incoming.get("ref"), str | int) else None
    try:
        check_storable(incoming, "")  # a NUL or lone surrogate anywhere: refused, naming the field
    except InvalidText as bad:
        echo = ref if not isinstance(ref, str) or unstorable_reason(ref) is None else None
        await session.send(WsServerMessage(type="error", ref=echo, data=bad.to_dict()))
        return
    kind = incoming.get("type")
    entry = HANDLERS.get(kind) if isinstance(kind, str) else None
    if entry is None:
        known = ", ".join(sorted(HANDLERS))
        err = PlatformError(
            HttpErrorCode.VALIDATION_ERROR, f"type: unknown message type {kind!r} (known: {known})", "type", 422
        )
        await session.send(WsServerMessage(type="error", ref=ref, data=err.to_dict()))
        return
    model, handler = entry
    reason = ws_refusal(session.principal, str(kind))
    if reason is not None:
        err = PlatformError("forbidden", f"{kind}: {reason}", "type", 403)
        await session.send(WsServerMessage(type="error", ref=ref, data=err.to_dict()))
        return
    try:
        message = model.model_validate(incoming)
    except ValidationError as exc:
        await session.send(WsServerMessage(type="error", ref=ref, data=_invalid(exc).to_dict()))
        return
    try:
        await handler(session, message)
    except Exception as exc:
        found = as_platform_error(exc)
        if found is None:  # a bug: logged here, an internal_error to the client, the socket stays
            log.exception("ws %s failed", message.type)
            found = PlatformError(HttpErrorCode.INTERNAL_ERROR, f"internal error ({type(exc).__name__})", None, 500)
        await session.error(message, found)


async def model_chat(session: WsSession, message: WsChat) -> None:
    """Stream a model's answer to this socket as chat_response messages (the last has
    data.done true); cancelling the task (a `stop`, or the socket closing) stops the model."""
    address = "?"
    refs: Any = None
    try:
        request = ChatRequest.model_validate({**(message.message or {}), "stream": True})
        _, address = resolve(session.settings, request.model)
        actor = await actor_ref(session.settings, address).resolve_live(wait_s=0)
        refs = actor.chat_stream.remote(request.model_dump(mode="json"), "chat")
        async for ref in refs:
            chunk = await ref
            await session.send(WsServerMessage(type="chat_response", ref=message.ref, data=chunk))
        refs = None
    except asyncio.CancelledError:
        raise
    except ValidationError as exc:
        await session.send(
            WsServerMessage(
                type="chat_error", ref=message.ref, data={"code": "invalid_request", "message": short_message(exc)}
            )
        )
    except Exception as exc:
        error = as_model_error(exc, address)
        await session.send(WsServerMessage(type="chat_error", ref=message.ref, data=error.to_dict()))
        refs = None
    finally:
        if refs is not None:
            with contextlib.suppress(Exception):
                ray.cancel(refs)


def _decode(raw: Mapping[str, Any]) -> Any:
    if raw.get("bytes") is not None:
        return msgpack.unpackb(raw["bytes"])
    return json.loads(raw.get("text") or "")


@router.websocket("/ws")
async def websocket(ws: WebSocket, settings: SettingsDep, encoding: str = "json") -> None:
    """ping -> pong; subscribe/unsubscribe to bus topics; request -> response; chat;
    mcp_server_action -> mcp_server_status; request_system_metrics -> system_metrics;
    start_reasoning -> reasoning_started (then the session's events); stop_reasoning -> reasoning_stopped;
    start_evolution -> evolution_started (then the run's events); stop_evolution -> evolution_stopping."""
    await ws.accept()
    state: WsState = shared("ws")
    binary = encoding == "msgpack"
    client_id, queue = state.relay.add_client()
    principal = current_principal(ws.scope)
    audience = state.audience_for(settings)

    async def send(message: WsServerMessage) -> None:
        payload = message.model_dump(mode="json", exclude_none=True)
        if binary:
            await ws.send_bytes(msgpack.packb(payload))
        else:
            await ws.send_json(payload)

    async def forward_events() -> None:
        while True:
            event = await queue.get()
            data = event.get("data") or {}
            if not await audience.may_receive(principal, str(event.get("topic", "")), data):
                continue  # another user's object, or an admin's topic (serve_app/ownership.py)
            await send(
                WsServerMessage(
                    type=event.get("type", "event"),
                    topic=event.get("topic"),
                    data=event.get("data", {}),
                    ts=event.get("ts", time.time()),
                )
            )

    session = WsSession(settings, state, client_id, send, principal)
    forwarder = asyncio.create_task(forward_events())
    await send(
        WsServerMessage(
            type="connection_status",
            data={"status": "connected", "client_id": client_id, "encoding": "msgpack" if binary else "json"},
        )
    )
    try:
        while True:
            raw = await ws.receive()
            if raw.get("type") == "websocket.disconnect":
                break
            try:
                incoming = _decode(raw)
            except (ValueError, msgpack.UnpackException) as exc:
                await send(
                    WsServerMessage(
                        type="connection_error",
                        data={"code": HttpErrorCode.VALIDATION_ERROR.value, "message": short_message(exc)},
                    )
                )
                continue
            await dispatch(session, incoming)
    except WebSocketDisconnect:
        pass
    finally:
        forwarder.cancel()
        state.relay.remove_client(client_id)
        for (owner, _), task in list(state.streams.items()):
            if owner == client_id:
                task.cancel()  # nobody is listening: stop generating
