"""The client messages of the /ws WebSocket, one model per `type` (the server's messages are
`protocols.events.WsServerMessage`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class WsIn(BaseModel):
    """What every client message has: its `type`, and a `ref` echoed on the replies."""

    model_config = ConfigDict(extra="ignore")

    type: str
    ref: str | int | None = None


class WsPing(WsIn):
    """ping -> pong"""


class WsTopics(WsIn):
    """subscribe / unsubscribe -> subscribed {topics}: the client's topics after the change."""

    topics: list[str] = Field(default_factory=list)


class WsRequest(WsIn):
    """request -> response: a JSON-RPC message for an address on the bus."""

    to: str = Field(min_length=1)
    message: dict[str, Any]
    timeout_s: float | None = Field(None, gt=0, le=600)


class WsChat(WsIn):
    """chat: an Ollama-shaped chat request, answered by streamed chat_response messages;
    chat_message: {"message", "conversation_id"?, "agent_id"?} for an agent, answered by
    typing_indicator, chat_response chunks and a final chat_response (done)."""

    message: dict[str, Any] | None = None


class WsStop(WsIn):
    """stop -> chat_stopped: stops the generation with this ref."""


class WsMcpServerAction(WsIn):
    """mcp_server_action -> mcp_server_status: the server's status after the action."""

    server_id: str = Field(min_length=1, max_length=64)
    action: Literal["start", "stop", "restart"]


class WsRequestSystemMetrics(WsIn):
    """request_system_metrics -> system_metrics: what GET /api/v1/system/metrics answers."""


class WsStartReasoning(WsIn):
    """start_reasoning -> reasoning_started {session_id, ...}: the socket is subscribed to the
    session's topic first, so every reasoning_update and the reasoning_complete reach it.
    The other fields are POST /reasoning/start's body (protocols/rest_reasoning.py)."""

    model_config = ConfigDict(extra="allow")

    query: str = Field(min_length=1, max_length=20_000)


class WsStopReasoning(WsIn):
    """stop_reasoning -> reasoning_stopped {the session's summary}."""

    session_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class WsStartEvolution(WsIn):
    """start_evolution -> evolution_started {run_id, ...}: the socket is subscribed to the run's
    topic first, so every evolution_progress and the evolution_complete reach it. The other
    fields are POST /evolution/start's body (protocols/rest_evolution.py)."""

    model_config = ConfigDict(extra="allow")

    task: str = Field(min_length=1, max_length=100)


class WsStopEvolution(WsIn):
    """stop_evolution -> evolution_stopping {the run's summary}: it ends after the generation under way."""

    run_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
