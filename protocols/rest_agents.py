"""REST schemas of /api/v1/agents and /api/v1/chat (no Ray, no I/O).

Answers are the registry's and the agents' dicts: the models name the fields clients
read and allow the rest (`extra="allow"`), so the JSON stays exactly what the actors return.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from protocols.agents import AgentType, Conversation, RouteDecision


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ExecuteBody(BaseModel):
    task: str = Field(min_length=1, max_length=50_000)


class MessageBody(BaseModel):
    message: str = Field(min_length=1, max_length=50_000)
    conversation_id: str | None = Field(None, min_length=1, max_length=64)


class ToolsBody(BaseModel):
    tools: list[str] = Field(min_length=1, max_length=64)


class ConversationBody(BaseModel):
    title: str | None = Field(None, max_length=500)
    agent_id: str | None = Field(None, min_length=1, max_length=64)


class AgentTypes(BaseModel):
    types: list[AgentType]


class AgentRow(_Open):
    """An agent as the registry stores it, with its supervision state and restarts."""

    id: str
    name: str
    type: str
    model: str | None = None
    tools: list[str] = Field(default_factory=list)
    reasoning_mode: str | None = None  # a reasoning agent's mode (null: its type's)
    recipe: dict[str, Any] | None = None  # the recipe it runs (POST /agents {recipe_id}), with its `recipe_id`
    status: str = ""  # the stored status (active, deleted)
    address: str = ""
    created_at: str = ""  # ISO 8601
    state: str
    restarts: int


class AgentList(BaseModel):
    agents: list[AgentRow]


class AgentDeleted(_Open):
    id: str | None = None


class ExecuteResult(_Open):
    """The tool-calling loop's answer and steps."""

    agent_id: str


class AgentChatAnswer(_Open):
    """One chat turn: the stored answer, who gave it and why."""

    conversation_id: str
    response: str
    agent_id: str
    agent_type: str
    message_id: str | None = None
    route_reason: str
    user_message_id: str | None = None
    status: str
    notes: Any = None
    tool_steps: list[Any] = Field(default_factory=list)
    eval_count: int | None = None


class AgentLiveStatus(BaseModel):
    id: str
    status: str
    state: str
    restarts: int
    last_error: str | None = None
    tasks_done: int = 0
    running: list[Any] = Field(default_factory=list)
    uptime_s: float | None = None


class AgentMemory(BaseModel):
    agent_id: str
    short_term: list[dict[str, Any]]
    long_term: list[Any]
    long_term_available: bool
    note: str | None = None


class ConversationList(BaseModel):
    conversations: list[Conversation]


class ConversationDeleted(BaseModel):
    id: str
    deleted: bool


class ConversationHistory(_Open):
    conversation_id: str
    title: str
    messages: list[dict[str, Any]]


__all__ = ["AgentChatAnswer", "AgentTypes", "RouteDecision"]
