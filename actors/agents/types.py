"""Agent types from configs/agents.yaml (plain Python, no Ray)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from protocols.agents import AgentType


class AgentTypesError(ValueError):
    """The agent types file is missing or malformed."""


def parse_agent_types(document: Any, source: str = "agent types") -> dict[str, AgentType]:
    """`{"types": {name: {...}}}` -> AgentType by name, in file order."""
    if not isinstance(document, dict) or not isinstance(document.get("types"), dict):
        raise AgentTypesError(f"{source}: expected a mapping with a 'types' mapping")
    types: dict[str, AgentType] = {}
    for name, body in document["types"].items():
        if not isinstance(body, dict):
            raise AgentTypesError(f"{source}: type '{name}' must be a mapping")
        try:
            types[str(name)] = AgentType.model_validate({**body, "type": str(name)})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise AgentTypesError(f"{source}: type '{name}': {where}: {first['msg']}") from None
    if not types:
        raise AgentTypesError(f"{source}: no agent types defined")
    return types


def load_agent_types(path: Path) -> dict[str, AgentType]:
    if not path.is_file():
        raise AgentTypesError(f"agent types file {path} does not exist")
    return parse_agent_types(yaml.safe_load(path.read_text()), str(path))
