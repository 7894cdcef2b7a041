"""The agent factory: checks a create request (type, model, tools) and fills in defaults.

Plain Python: the checks that need the platform (does this model exist? does this
tool?) are passed in as async callables, so the rules are unit-tested without Ray.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from actors.agents.tools import InvalidToolRef, parse_tool_ref
from protocols.agents import AgentType, CreateAgentRequest
from protocols.errors import PlatformError

# Each returns None when the thing exists, else why not (a sentence).
ModelCheck = Callable[[str], Awaitable[str | None]]
ToolCheck = Callable[[str], Awaitable[str | None]]


class AgentSpecError(PlatformError, ValueError):
    """A create request the factory refuses; `field` names the request field at fault."""

    def __init__(self, field: str | None, message: str, status: int = 422, code: str = "validation_error") -> None:
        super().__init__(code, message, field, status)

    def __reduce__(self) -> tuple[object, ...]:
        # Raised in an actor and pickled by Ray: keep every field across the trip.
        return (AgentSpecError, (self.field, self.message, self.status, self.code))

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "field": self.field}


def not_found(field: str, what: str) -> AgentSpecError:
    return AgentSpecError(field, f"{what} does not exist", 404, "not_found")


@dataclass(frozen=True)
class AgentSpec:
    name: str
    type: str
    model: str
    tools: tuple[str, ...]
    reasoning_mode: str | None = None


class AgentFactory:
    def __init__(
        self,
        types: Mapping[str, AgentType],
        default_model: str | None,
        model_check: ModelCheck,
        tool_check: ToolCheck,
    ) -> None:
        self.types = types
        self.default_model = default_model
        self.model_check = model_check
        self.tool_check = tool_check

    async def build(self, request: CreateAgentRequest, agent_id: str) -> AgentSpec:
        agent_type = self.types.get(request.type)
        if agent_type is None:
            raise AgentSpecError("body.type", f"unknown agent type '{request.type}' (known: {', '.join(self.types)})")
        model = request.model or agent_type.model or self.default_model
        if not model:
            raise AgentSpecError("body.model", "no model given and no default model is configured")
        problem = await self.model_check(model)
        if problem is not None:
            raise AgentSpecError("body.model", f"model '{model}': {problem}")
        tools = await self.check_tools(request.tools, "body.tools")
        # Defaults of the type are not checked: one whose server is not running yet
        # answers "not available" at run time instead of blocking the agent's creation.
        chosen = tuple(tools) if request.tools is not None else tuple(agent_type.tools)
        if request.reasoning_mode is not None and agent_type.reasoning_mode is None:
            raise AgentSpecError("body.reasoning_mode", f"agents of type '{request.type}' do not reason in modes")
        mode = request.reasoning_mode.value if request.reasoning_mode is not None else None
        return AgentSpec(
            name=request.name or f"{request.type}-{agent_id[:8]}",
            type=request.type,
            model=model,
            tools=chosen,
            reasoning_mode=mode,
        )

    async def check_tools(self, tools: list[str] | None, field: str) -> list[str]:
        """Every tool must parse and exist; the first that does not is the error."""
        seen: list[str] = []
        for index, name in enumerate(tools or []):
            where = f"{field}.{index}"
            try:
                parse_tool_ref(name)
            except InvalidToolRef as exc:
                raise AgentSpecError(where, str(exc)) from None
            problem = await self.tool_check(name)
            if problem is not None:
                raise AgentSpecError(where, f"tool '{name}': {problem}")
            if name not in seen:
                seen.append(name)
        return seen
