"""REST schemas of /api/v1/ollama (Ollama's own shapes) and /api/v1/models (no Ray, no I/O).

Ollama's answers are passed through: the models name the known fields and allow the rest.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

NDJSON = "application/x-ndjson"
SSE = "text/event-stream"


def sse_event_schema(data: str) -> dict[str, Any]:
    """The schema of one server-sent event as a client parses it (OpenAPI 3.0/3.1 put the
    per-event schema of `text/event-stream` under `schema`): `data` is the payload text, here
    one JSON document (or the closing `[DONE]`)."""
    return {
        "type": "object",
        "required": ["data"],
        "properties": {
            "data": {"type": "string", "description": data},
            "event": {"type": "string"},
            "id": {"type": "string"},
            "retry": {"type": "integer"},
        },
    }


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class PullBody(BaseModel):
    model: str | None = Field(None, min_length=1, max_length=200)
    name: str | None = Field(None, min_length=1, max_length=200, description="alias of model (older Ollama)")
    stream: bool = True


class CreateBody(BaseModel):
    model: str = Field(min_length=1, max_length=200)
    from_: str = Field(alias="from", min_length=1, max_length=200)
    system: str | None = Field(None, max_length=50_000)
    stream: bool = True


class BackendsStatus(BaseModel):
    """The embedded workers (per model) and whether Ollama is reachable."""

    embedded: list[dict[str, Any]]
    ollama: dict[str, Any]


class ModelTags(BaseModel):
    """Ollama's /api/tags shape plus each model's `backend`; `errors` per backend."""

    models: list[dict[str, Any]]
    errors: dict[str, Any] = Field(default_factory=dict)


class ModelDetails(_Open):
    """Ollama's /api/show answer, or an embedded model's info and parameters."""


class Progress(_Open):
    """A pull/create progress object (the last one when `stream` is false)."""

    status: str | None = None


class Deleted(_Open):
    """Ollama's answer to a delete."""


class ChatAnswer(_Open):
    """Ollama's /api/chat answer (one object; NDJSON chunks of the same shape when streaming)."""

    model: str | None = None
    message: dict[str, Any] | None = None
    done: bool | None = None


class GenerateAnswer(_Open):
    """Ollama's /api/generate answer (`response` text)."""

    model: str | None = None
    response: str | None = None
    done: bool | None = None


class Embeddings(BaseModel):
    model: str
    embeddings: list[list[float]]


class ModelMetrics(BaseModel):
    models: list[dict[str, Any]]
    backends: BackendsStatus


class ModelRow(BaseModel):
    name: str
    available: bool
    entry: dict[str, Any] | None = None
    performance: dict[str, Any] | None = None


class ModelsList(BaseModel):
    models: list[ModelRow]


class ModelsSummary(BaseModel):
    models: int
    calls: int
    errors: int
    cancelled: int
    prompt_tokens: int
    completion_tokens: int
    success_rate: float | None = None
    by_backend: dict[str, dict[str, Any]]
    busiest: list[str]


class TrackedModel(_Open):
    """A tracked model entry (what it is for)."""

    name: str


class PerformanceRow(_Open):
    """One model's recorded performance (protocols.model_stats.ModelPerformance)."""

    model: str


class RatingAnswer(_Open):
    id: Any = None
    model: str


class ModelDeleted(BaseModel):
    deleted: str


def streaming(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` of a route that answers NDJSON (or SSE) chunks of `model` when
    streaming, else one JSON object."""
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {
        200: {
            "description": f"one {model.__name__} (stream false), else NDJSON lines or SSE events of it",
            "content": {NDJSON: {"schema": schema}, SSE: {"schema": sse_event_schema(f"one {model.__name__} as JSON")}},
        }
    }
