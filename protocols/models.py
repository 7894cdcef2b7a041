"""Language-model and embedding requests and answers, in Ollama's own shapes.

The HTTP API under /api/v1/ollama/* speaks Ollama's JSON (so Ollama users feel at
home), and the model actors take and return the same models whichever backend
(embedded llama.cpp or Ollama) serves them.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from protocols.errors import PlatformError


class Backend(StrEnum):
    EMBEDDED = "embedded"  # llama.cpp (llama-cpp-python) in a ModelWorker actor
    OLLAMA = "ollama"  # an Ollama server through the official `ollama` client


class ModelErrorCode(StrEnum):
    """Stable codes of model failures (HTTP bodies and JSON-RPC error data)."""

    MODEL_NOT_FOUND = "model_not_found"
    BACKEND_UNAVAILABLE = "backend_unavailable"  # Ollama unreachable, or no worker running
    NOT_SUPPORTED = "not_supported"  # e.g. pull on the embedded backend
    INVALID_REQUEST = "invalid_request"
    WORKER_CRASHED = "worker_crashed"  # the worker died mid-request; it is being restarted
    CANCELLED = "cancelled"
    TIMEOUT = "timeout"
    GENERATION_FAILED = "generation_failed"


class ModelError(PlatformError):
    """A model failure with a stable code and the backend it came from."""

    def __init__(
        self, code: ModelErrorCode, message: str, backend: Backend | str | None = None, status: int = 400
    ) -> None:
        super().__init__(code, message, None, status)
        self.code: ModelErrorCode = ModelErrorCode(code)  # type: ignore[assignment]
        self.backend = str(backend) if backend is not None else None

    def __reduce__(self) -> tuple[Any, ...]:
        # Ray pickles exceptions raised in actors; keep every field across the trip.
        return (ModelError, (self.code, self.message, self.backend, self.status))

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code.value, "message": self.message}
        if self.backend:
            body["backend"] = self.backend
        return body


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool"]
    content: str = ""


class GenerationOptions(BaseModel):
    """The subset of Ollama's `options` both backends honour."""

    model_config = ConfigDict(extra="allow")

    temperature: float | None = Field(None, ge=0, le=5)
    top_p: float | None = Field(None, gt=0, le=1)
    top_k: int | None = Field(None, ge=0)
    num_predict: int | None = Field(None, ge=-1, le=32768)  # max new tokens; -1 = no limit
    seed: int | None = None
    stop: list[str] | None = None
    repeat_penalty: float | None = Field(None, ge=0)
    presence_penalty: float | None = Field(None, ge=-2, le=2)
    frequency_penalty: float | None = Field(None, ge=-2, le=2)


class ChatRequest(BaseModel):
    """POST /api/chat, Ollama's shape. `format` is "json" or a JSON schema."""

    model: str = Field(min_length=1, max_length=200)
    messages: list[ChatMessage] = Field(min_length=1, max_length=1000)
    stream: bool = True
    format: Literal["json"] | dict[str, Any] | None = None
    options: GenerationOptions | None = None
    keep_alive: str | float | None = None

    @field_validator("format", mode="before")
    @classmethod
    def _no_format(cls, value: Any) -> Any:
        return None if value == "" else value  # Ollama's clients send "" for none

    @field_validator("messages")
    @classmethod
    def _not_too_long(cls, messages: list[ChatMessage]) -> list[ChatMessage]:
        if sum(len(m.content) for m in messages) > 200_000:
            raise ValueError("messages total more than 200000 characters")
        return messages


class GenerateRequest(BaseModel):
    """POST /api/generate, Ollama's shape."""

    model: str = Field(min_length=1, max_length=200)
    prompt: str = Field(max_length=200_000)
    system: str | None = Field(None, max_length=50_000)
    stream: bool = True
    format: Literal["json"] | dict[str, Any] | None = None
    options: GenerationOptions | None = None
    raw: bool = False
    keep_alive: str | float | None = None

    @field_validator("format", mode="before")
    @classmethod
    def _no_format(cls, value: Any) -> Any:
        return None if value == "" else value

    def as_chat(self) -> ChatRequest:
        messages = [ChatMessage(role="system", content=self.system)] if self.system else []
        messages.append(ChatMessage(role="user", content=self.prompt))
        return ChatRequest(
            model=self.model, messages=messages, stream=self.stream, format=self.format, options=self.options
        )


class ChatChunk(BaseModel):
    """One streamed piece of an answer (Ollama's /api/chat stream line).

    The last chunk has done=True and carries the counts and durations (nanoseconds,
    as Ollama reports them)."""

    model: str
    created_at: str = Field(default_factory=now_iso)
    message: ChatMessage = Field(default_factory=lambda: ChatMessage(role="assistant"))
    done: bool = False
    done_reason: str | None = None
    total_duration: int | None = None
    load_duration: int | None = None
    prompt_eval_count: int | None = None
    prompt_eval_duration: int | None = None
    eval_count: int | None = None
    eval_duration: int | None = None

    def as_generate(self) -> dict[str, Any]:
        """The same chunk in /api/generate's shape (`response` instead of `message`)."""
        body = self.model_dump(exclude_none=True, exclude={"message"})
        body["response"] = self.message.content
        return body


class EmbedRequest(BaseModel):
    """POST /api/embed, Ollama's shape."""

    model: str = Field(min_length=1, max_length=200)
    input: str | list[str]
    truncate: bool = True

    def texts(self) -> list[str]:
        return [self.input] if isinstance(self.input, str) else list(self.input)


class EmbedResponse(BaseModel):
    model: str
    embeddings: list[list[float]]
    total_duration: int | None = None
    prompt_eval_count: int | None = None


class ModelInfo(BaseModel):
    """A model a backend can serve (an entry of GET /api/tags)."""

    name: str
    backend: Backend
    model: str | None = None  # Ollama's `model` field (same as name)
    size: int | None = None  # bytes
    digest: str | None = None
    modified_at: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    path: str | None = None  # embedded: the GGUF file
    loaded: bool = False  # a worker holds it in memory now
    workers: list[str] = Field(default_factory=list)  # addresses of the workers serving it


class CallRecord(BaseModel):
    """One model call, as stored in `model_calls`."""

    model: str
    backend: Backend
    kind: Literal["chat", "generate", "embed"]
    worker: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0
    time_to_first_token_ms: float | None = None
    tokens_per_s: float | None = None
    outcome: Literal["ok", "error", "cancelled"] = "ok"
    error_code: str | None = None
    task_kind: str | None = None  # what it was used for (chat, reasoning, coding, ...)
    at: float = Field(default_factory=time.time)
