"""The OpenAI-compatible API under /v1, in OpenAI's own shapes (chat completions, models,
embeddings, errors), so the `openai` SDK and the tools built on it talk to PyGent unchanged.

What answers is named by `model` (see serve_app/compat/targets.py): a model
(`smollm2:135m`, any Ollama model), an agent (`agent:<id or name>`) or a reasoning mode
(`reasoning:<mode>`). Fields the platform does not act on are accepted and ignored, as
OpenAI-compatible servers do, so clients that send vendor extras keep working; fields whose
value it cannot honour (n > 1, logprobs, images) are refused with a 400 naming them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# The request header (and the response header) that names an agent's conversation: a
# client sends it back to continue the conversation (part of the API contract, like a path).
CONVERSATION_HEADER = "X-PyGent-Conversation-Id"
# The agent that answered, on the response (useful when a client asked by name).
AGENT_HEADER = "X-PyGent-Agent-Id"
# On a `reasoning:<mode>` answer: the reasoning session that made it (GET /api/v1/reasoning/results/{id}).
REASONING_HEADER = "X-PyGent-Reasoning-Session"

# `model` prefixes of what is not a plain model.
AGENT_PREFIX = "agent:"
REASONING_PREFIX = "reasoning:"

# A conversation id a client may choose (a header or the `user` field).
CONVERSATION_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$"


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


# ---- chat completions: the request ---------------------------------------------------------


class OpenAIContentPart(_Lenient):
    """A part of a message's content; only text parts can be answered."""

    type: str = Field(max_length=64)
    text: str | None = None


class OpenAIToolCallFunction(_Lenient):
    name: str = Field(min_length=1, max_length=64)
    arguments: str = Field("{}", max_length=100_000)  # JSON text, as OpenAI sends it


class OpenAIToolCall(_Lenient):
    id: str = Field(min_length=1, max_length=128)
    type: Literal["function"] = "function"
    function: OpenAIToolCallFunction


class OpenAIMessage(_Lenient):
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[OpenAIContentPart] | None = None
    name: str | None = Field(None, max_length=64)
    tool_calls: list[OpenAIToolCall] | None = Field(None, max_length=128)
    tool_call_id: str | None = Field(None, max_length=128)


class OpenAIFunction(_Lenient):
    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    description: str | None = Field(None, max_length=10_000)
    parameters: dict[str, Any] | None = None  # a JSON schema
    strict: bool | None = None


class OpenAITool(_Lenient):
    type: Literal["function"]
    function: OpenAIFunction


class OpenAINamedFunction(_Lenient):
    name: str = Field(min_length=1, max_length=64)


class OpenAIToolChoice(_Lenient):
    """Call this function: `{"type": "function", "function": {"name": ...}}`."""

    type: Literal["function"]
    function: OpenAINamedFunction


class OpenAIJsonSchema(_Lenient):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    name: str = Field(min_length=1, max_length=64)
    description: str | None = None
    schema_: dict[str, Any] | None = Field(None, alias="schema")
    strict: bool | None = None


class OpenAIResponseFormat(_Lenient):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: OpenAIJsonSchema | None = None


class OpenAIStreamOptions(_Lenient):
    include_usage: bool = False


class OpenAIChatRequest(_Lenient):
    """POST /v1/chat/completions."""

    model: str | None = Field(None, min_length=1, max_length=200, description="None: configs compat.default_model")
    messages: list[OpenAIMessage] = Field(min_length=1, max_length=1000)
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, gt=0, le=1)
    max_tokens: int | None = Field(None, ge=1, le=32768)
    max_completion_tokens: int | None = Field(None, ge=1, le=32768)
    stop: str | list[str] | None = None
    stream: bool = False
    stream_options: OpenAIStreamOptions | None = None
    response_format: OpenAIResponseFormat | None = None
    tools: list[OpenAITool] | None = Field(None, max_length=128)
    tool_choice: Literal["none", "auto", "required"] | OpenAIToolChoice | None = None
    parallel_tool_calls: bool | None = None
    seed: int | None = None
    n: int | None = Field(None, ge=1, le=1, description="one choice per request")
    presence_penalty: float | None = Field(None, ge=-2, le=2)
    frequency_penalty: float | None = Field(None, ge=-2, le=2)
    logprobs: bool | None = None
    top_logprobs: int | None = Field(None, ge=0, le=20)
    user: str | None = Field(None, max_length=256)


# ---- chat completions: the answer ----------------------------------------------------------


class OpenAIUsage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class OpenAIAnswerMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[OpenAIToolCall] | None = None


class OpenAIChoice(BaseModel):
    index: int = 0
    message: OpenAIAnswerMessage
    logprobs: None = None
    finish_reason: Literal["stop", "length", "tool_calls", "content_filter"] | None = None


class OpenAIChatCompletion(BaseModel):
    """The answer when `stream` is false."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[OpenAIChoice]
    usage: OpenAIUsage | None = None
    system_fingerprint: str | None = None


class OpenAIChunkToolCall(BaseModel):
    index: int = 0
    id: str | None = None
    type: Literal["function"] | None = None
    function: dict[str, str] | None = None  # {"name", "arguments"}


class OpenAIDelta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None
    tool_calls: list[OpenAIChunkToolCall] | None = None


class OpenAIChunkChoice(BaseModel):
    index: int = 0
    delta: OpenAIDelta
    logprobs: None = None
    finish_reason: Literal["stop", "length", "tool_calls", "content_filter"] | None = None


class OpenAIChunk(BaseModel):
    """One server-sent event of a streamed answer (`data: {...}`; the stream ends with
    `data: [DONE]`). With `stream_options.include_usage`, a last chunk has no choices and
    the usage."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[OpenAIChunkChoice]
    usage: OpenAIUsage | None = None
    system_fingerprint: str | None = None


# ---- models ----------------------------------------------------------------------------


class OpenAIModel(BaseModel):
    """One entry of GET /v1/models. `owned_by` says which kind it is: `pygent` (embedded),
    `ollama`, `pygent-agent`, `pygent-reasoning`."""

    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str


class OpenAIModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[OpenAIModel]


# ---- embeddings ----------------------------------------------------------------------------


class OpenAIEmbeddingRequest(_Lenient):
    """POST /v1/embeddings. `input`: a text or a list of texts (token arrays are refused)."""

    model: str | None = Field(None, min_length=1, max_length=200, description="None: configs embeddings.name")
    input: str | list[str] | list[int] | list[list[int]]
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: int | None = Field(None, ge=1, le=65536)
    user: str | None = Field(None, max_length=256)


class OpenAIEmbedding(BaseModel):
    object: Literal["embedding"] = "embedding"
    index: int
    embedding: list[float] | str  # base64 of little-endian float32 when asked


class OpenAIEmbeddingUsage(BaseModel):
    prompt_tokens: int = 0
    total_tokens: int = 0


class OpenAIEmbeddingList(BaseModel):
    object: Literal["list"] = "list"
    data: list[OpenAIEmbedding]
    model: str
    usage: OpenAIEmbeddingUsage


# ---- errors ------------------------------------------------------------------------------


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str  # invalid_request_error, authentication_error, not_found_error, server_error, ...
    param: str | None = None
    code: str | None = None


class OpenAIErrorBody(BaseModel):
    """Every /v1 refusal or failure: `{"error": {"message", "type", "param", "code"}}`."""

    error: OpenAIErrorDetail
