"""Reads configs/reasoning.yaml (settings `reasoning.config_file`) into a ReasoningConfig."""

from __future__ import annotations

from pathlib import Path

import yaml

from protocols.reasoning import ReasoningConfig


def load_reasoning_config(path: str | Path) -> ReasoningConfig:
    data = yaml.safe_load(Path(path).read_text()) or {}
    return ReasoningConfig.model_validate(data)
