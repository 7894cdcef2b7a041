"""Addresses name actors: `type/key`, after AutoGen's AgentId(type, key)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

_TYPE_RE = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$")


class InvalidAddress(ValueError):
    """A string that is not a `type/key` address."""


class Address(BaseModel):
    """The name of an actor on the bus, e.g. `agent/researcher-1` or `mcp/time`."""

    model_config = ConfigDict(frozen=True)

    type: str
    key: str

    @field_validator("type")
    @classmethod
    def _check_type(cls, value: str) -> str:
        if not _TYPE_RE.match(value):
            raise ValueError(
                f"address type {value!r} must be lower-case letters, digits, '-' or '_' and start with a letter"
            )
        return value

    @field_validator("key")
    @classmethod
    def _check_key(cls, value: str) -> str:
        if not _KEY_RE.match(value):
            raise ValueError(
                f"address key {value!r} must be letters, digits or '_.:@-' and start with a letter or digit"
            )
        return value

    @classmethod
    def parse(cls, text: str) -> Address:
        """Parse `type/key`; raises InvalidAddress with a readable message."""
        if not isinstance(text, str) or text.count("/") != 1:
            raise InvalidAddress(f"address {text!r} is not of the form 'type/key'")
        type_, key = text.split("/")
        try:
            return cls(type=type_, key=key)
        except ValidationError as exc:
            message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
            raise InvalidAddress(message) from None

    def __str__(self) -> str:
        return f"{self.type}/{self.key}"


def parse_address(text: str) -> str:
    """Validate an address string and return it in canonical form."""
    return str(Address.parse(text))


# ---- well-known addresses ----------------------------------------------------------
# The names the parts find each other by. Addresses are names, not configuration: they
# are the Ray actor names of the actors, fixed here once for every layer.

ROOT = "supervisor/root"
STORE = "store/main"
BUS = "bus/main"
MONITOR = "monitor/main"
OLLAMA = "ollama/main"
KNOWLEDGE = "knowledge/main"
MEMORY = "memory/main"
WORKFLOWS = "workflows/main"  # the durable workflow runtime (DBOS), under supervisor/workflows

# Component supervisors under the root.
MODELS_SUPERVISOR = "supervisor/models"
INDEX_SUPERVISOR = "supervisor/index"
MCP_SUPERVISOR = "supervisor/mcp"
MCP_SERVERS_SUPERVISOR = "supervisor/mcp-servers"
AGENTS_SUPERVISOR = "supervisor/agents"
AGENT_POOL_SUPERVISOR = "supervisor/agent-pool"  # under supervisor/agents: the agent actors
REASONING_SUPERVISOR = "supervisor/reasoning"
REASONING_POOL_SUPERVISOR = "supervisor/reasoning-sessions"  # under supervisor/reasoning: one actor per session
EVOLUTION_SUPERVISOR = "supervisor/evolution"
EVOLUTION_RUNS_SUPERVISOR = "supervisor/evolution-runs"  # under supervisor/evolution: one coordinator per run
POPULATIONS_SUPERVISOR = "supervisor/populations"  # under supervisor/evolution: one actor per island
WORKFLOWS_SUPERVISOR = "supervisor/workflows"

# The workers that decide what their supervisor runs (OTP: the supervisor runs no
# application code; a registry or manager asks it to start and stop children). Callers
# reach the agent registry's and the MCP manager's methods through these names only.
AGENT_REGISTRY = "registry/agents"  # under supervisor/agents, after the pool
MCP_MANAGER = "manager/mcp"  # under supervisor/mcp, next to supervisor/mcp-servers
REASONING_MANAGER = "manager/reasoning"  # under supervisor/reasoning, after the sessions' pool
EVOLUTION_MANAGER = "manager/evolution"  # under supervisor/evolution, after its two pools


def agent_address(agent_id: str) -> str:
    return f"agent/{agent_id}"


def reasoning_address(session_id: str) -> str:
    return f"reasoning/{session_id}"


def evolution_address(run_id: str) -> str:
    """A run's coordinator."""
    return f"evolution/{run_id}"


def population_address(run_id: str, island: int) -> str:
    """One island of a run."""
    return f"population/{run_id}.{island}"


def model_router_address(model: str) -> str:
    """The router in front of an embedded model's workers."""
    return f"model/{model}"


def model_worker_address(model: str, index: int) -> str:
    return f"llm/{model}.{index}"


def embedder_address(name: str) -> str:
    return f"embedder/{name}"


def shard_address(index: str, shard: int) -> str:
    return f"index/{index}.{shard}"
