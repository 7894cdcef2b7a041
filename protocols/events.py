"""Events on bus topics, and the messages of the /ws WebSocket."""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import BaseModel, Field

# Topics named by the design; any string is a valid topic, these are the known ones.
TOPIC_SUPERVISION = "supervision"
TOPIC_SYSTEM_METRICS = "system_metrics"
TOPIC_SYSTEM_ALERT = "system_alert"
TOPIC_MCP = "mcp"
TOPIC_AGENTS = "agents"  # agent_status {id, status, type, name}, agent_created, agent_deleted
WILDCARD = "*"


class Event(BaseModel):
    """Something that happened, published on a topic.

    `type` is what browsers switch on (`supervision_event`, `system_metrics`,
    `chat_response`, ...); `topic` is what subscribers choose.
    """

    topic: str
    type: str
    data: dict[str, Any] = Field(default_factory=dict)
    source: str | None = None
    ts: float = Field(default_factory=time.time)
    seq: int | None = None  # set by the bus: per-bus monotonic sequence number


def topic_matches(pattern: str, topic: str) -> bool:
    """`*` matches all; `prefix.*` matches `prefix.anything`; otherwise exact."""
    if pattern in (WILDCARD, topic):
        return True
    return pattern.endswith(".*") and topic.startswith(pattern[:-1])


# ---- WebSocket (/ws) ----------------------------------------------------------


class WsClientMessage(BaseModel):
    """A message from a browser. `type` picks the action."""

    type: Literal["ping", "subscribe", "unsubscribe", "request", "chat", "stop", "chat_message"]
    topics: list[str] = Field(default_factory=list)
    # for type == "request": a JSON-RPC message for an address on the bus;
    # for type == "chat": an Ollama-shaped chat request, answered by streamed chat_response
    # messages with the same ref; "stop" with that ref stops the generation;
    # for type == "chat_message": {"message", "conversation_id"?, "agent_id"?} for an agent,
    # answered by typing_indicator, chat_response chunks and a final chat_response (done)
    to: str | None = None
    message: dict[str, Any] | None = None
    timeout_s: float | None = None
    # echoed back so a client can match replies
    ref: str | int | None = None


class WsServerMessage(BaseModel):
    """A message to a browser: pong, connection_status, an event, a response, or an error."""

    type: str
    topic: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    ts: float = Field(default_factory=time.time)
    ref: str | int | None = None
