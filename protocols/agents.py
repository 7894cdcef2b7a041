"""Agents and chat: agent types, agents, conversations, messages, tool steps (no Ray, no I/O)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from protocols.reasoning import ReasoningMode

AGENT_TYPES = ("reasoning", "search", "general", "evolution", "coding", "research")


class AgentStatus(StrEnum):
    IDLE = "idle"
    PROCESSING = "processing"
    COMPLETED = "completed"
    ERROR = "error"


class MessageStatus(StrEnum):
    COMPLETE = "complete"
    STOPPED = "stopped"  # the user stopped it; the partial answer is kept
    ERROR = "error"


class AgentType(BaseModel):
    """One agent type from configs/agents.yaml."""

    type: str
    description: str
    capabilities: list[str] = Field(default_factory=list)
    system_prompt: str
    model: str | None = None  # None: the platform's default model
    tools: list[str] = Field(default_factory=list)
    keywords: dict[str, float] = Field(default_factory=dict)  # chat routing: word -> weight
    # Set: the agent answers chat through the reasoning pipeline in this mode (null: the model).
    reasoning_mode: ReasoningMode | None = None
    # Set: the agent answers chat by running this durable workflow (`research-analysis`: a
    # research analysis of the message; the answer is its report).
    workflow: str | None = None


class CreateAgentRequest(BaseModel):
    type: str = Field(min_length=1, max_length=64)
    name: str | None = Field(None, min_length=1, max_length=200)
    model: str | None = Field(None, min_length=1, max_length=200)
    tools: list[str] | None = Field(None, max_length=64)
    # Only for types that reason (configs/agents.yaml `reasoning_mode`): this agent's mode instead.
    reasoning_mode: ReasoningMode | None = None
    # A stored recipe (POST /evolution/recipes, or one a run evolved): the agent runs it: its
    # model, system prompt, temperature, token limit and (for types that reason) reasoning mode.
    recipe_id: str | None = Field(None, pattern=r"^[0-9a-f]{24}$")


class Agent(BaseModel):
    """An agent as the API shows it (the registry's row, with its bus address)."""

    id: str
    name: str
    type: str
    model: str
    tools: list[str] = Field(default_factory=list)
    status: AgentStatus = AgentStatus.IDLE
    address: str
    created_at: str
    restarts: int = 0


class ChatMessageRequest(BaseModel):
    message: str = Field(min_length=1, max_length=50_000)
    conversation_id: str | None = Field(None, min_length=1, max_length=64)
    agent_id: str | None = Field(None, min_length=1, max_length=64)


class RouteDecision(BaseModel):
    """Which agent type the chat router picked for a message, and why."""

    agent_type: str
    reason: str
    scores: dict[str, float] = Field(default_factory=dict)


class StoredMessage(BaseModel):
    id: str
    conversation_id: str
    role: Literal["user", "assistant", "system", "tool"]
    content: str
    agent_id: str | None = None
    status: MessageStatus = MessageStatus.COMPLETE
    created_at: str
    # What the platform keeps about a message (an answer's `reply_to`, a turn's progress);
    # not part of what the API shows.
    metadata: dict[str, Any] = Field(default_factory=dict, exclude=True)


class Conversation(BaseModel):
    id: str
    title: str
    agent_id: str | None = None
    created_at: str
    updated_at: str
    message_count: int = 0


class ToolDecision(BaseModel):
    """What the model answered at one step of the tool loop (the JSON-schema output)."""

    action: Literal["answer", "call_tool"]
    tool: str | None = None
    arguments: dict[str, Any] = Field(default_factory=dict)
    answer: str | None = None


class ToolStep(BaseModel):
    """One tool call the loop made, and what came back."""

    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    ok: bool
    result: str
    unavailable: bool = False  # the tool's address does not exist (yet): "not available"


class ExecuteResult(BaseModel):
    answer: str
    steps: list[ToolStep] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # e.g. "knowledge/main is not available"
    finished: bool = True  # False: the step budget ran out before the model answered
