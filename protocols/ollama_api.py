"""Ollama's own paths at the root (/api/chat, /api/tags, ...), the shapes that
/api/v1/ollama/* does not already have (protocols/models.py, protocols/rest_models.py), so
`ollama.Client(host="http://127.0.0.1:8000")` works unchanged.

Errors on these paths are Ollama's: `{"error": "<message>"}` with the HTTP status.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class _Named(BaseModel):
    """A body that names a model: `model`, or `name` as older Ollama clients send it."""

    model_config = ConfigDict(extra="ignore")

    model: str | None = Field(None, min_length=1, max_length=200)
    name: str | None = Field(None, min_length=1, max_length=200, description="alias of model (older Ollama)")

    @model_validator(mode="after")
    def _one_name(self) -> _Named:
        if not (self.model or self.name):
            raise ValueError("give the model in 'model'")
        return self

    @property
    def target(self) -> str:
        return str(self.model or self.name)


class ShowBody(_Named):
    """POST /api/show."""

    verbose: bool = False


class DeleteBody(_Named):
    """DELETE /api/delete."""


class LegacyEmbeddingsBody(BaseModel):
    """POST /api/embeddings (Ollama's older embeddings call: one prompt, one vector)."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(min_length=1, max_length=200)
    prompt: str = Field(max_length=200_000)


class LegacyEmbedding(BaseModel):
    embedding: list[float]


class OllamaVersion(BaseModel):
    """GET /api/version."""

    version: str


class ShowAnswer(_Open):
    """POST /api/show: modelfile, parameters (text), template, details, model_info, capabilities."""

    modelfile: str | None = None
    parameters: str | None = None
    template: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    model_info: dict[str, Any] | None = None
    capabilities: list[str] = Field(default_factory=list)


class RunningModel(_Open):
    """An entry of GET /api/ps: a model held in memory now."""

    name: str
    model: str
    size: int | None = None
    size_vram: int | None = None
    digest: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    expires_at: str | None = None
    context_length: int | None = None


class RunningModels(BaseModel):
    models: list[RunningModel]
