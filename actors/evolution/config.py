"""Reads configs/evolution.yaml (settings `evolution.config_file`) and builds a run's RunConfig
from those defaults and a start request (the request wins, key by key; `space` merges too)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from protocols.evolution import EvolutionDefaults, RunConfig


def load_evolution_defaults(path: str | Path) -> EvolutionDefaults:
    data = yaml.safe_load(Path(path).read_text()) or {}
    return EvolutionDefaults.model_validate(data)


def run_config(defaults: EvolutionDefaults, request: dict[str, Any], default_model: str | None = None) -> RunConfig:
    """The run's configuration; pydantic's ValidationError names the offending field."""
    data = defaults.model_dump(mode="json")
    space = dict(data.pop("space"))
    for key, value in request.items():
        if key == "space" and isinstance(value, dict):
            space.update(value)
        else:
            data[key] = value
    if isinstance(request.get("space"), dict) and request["space"].get("kind") == "real":
        space = dict(request["space"])
    elif space.get("kind", "recipe") == "recipe" and not space.get("models") and default_model:
        space["models"] = [default_model]
    data["space"] = space
    return RunConfig.model_validate(data)
