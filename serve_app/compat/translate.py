"""OpenAI's chat shapes to and from the platform's (Ollama-shaped) model requests and chunks.

Plain functions and small classes, no I/O: an OpenAI chat request becomes a ChatRequest for
a model actor; what a target produces (`Delta` text pieces, then one `Finish` with the
counts) becomes OpenAI's answer, whole or as server-sent `chat.completion.chunk` events.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from protocols.models import ChatMessage, ChatRequest, GenerationOptions
from protocols.openai_api import (
    OpenAIAnswerMessage,
    OpenAIChatCompletion,
    OpenAIChatRequest,
    OpenAIChoice,
    OpenAIChunk,
    OpenAIChunkChoice,
    OpenAIChunkToolCall,
    OpenAIContentPart,
    OpenAIDelta,
    OpenAIMessage,
    OpenAIToolCall,
    OpenAIUsage,
)
from serve_app.compat.tool_calls import ToolPlan, call_as_text, decision_schema, instructions, invalid, plan_tools

# ---- what a target produces ----------------------------------------------------------------


@dataclass(frozen=True)
class Delta:
    """A piece of the answer's text."""

    text: str


@dataclass(frozen=True)
class Finish:
    """The end of an answer: why it ended (OpenAI's finish_reason), the token counts when
    known, the function calls (finish_reason tool_calls), and the whole text when the target
    knows it better than the pieces add up (an agent's answer with its notes)."""

    reason: str = "stop"
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    tool_calls: tuple[OpenAIToolCall, ...] = ()
    content: str | None = None


Piece = Delta | Finish


def finish_reason(done_reason: str | None) -> str:
    """Ollama's done_reason as OpenAI's finish_reason."""
    return "length" if done_reason == "length" else "stop"


def usage(prompt_tokens: int | None, completion_tokens: int | None) -> OpenAIUsage:
    prompt, completion = int(prompt_tokens or 0), int(completion_tokens or 0)
    return OpenAIUsage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion)


def finish_of(chunk: dict[str, Any]) -> Finish:
    """A model's last chunk (done true) as a Finish."""
    return Finish(
        reason=finish_reason(chunk.get("done_reason")),
        prompt_tokens=chunk.get("prompt_eval_count"),
        completion_tokens=chunk.get("eval_count"),
    )


# ---- the request -----------------------------------------------------------------------------


def text_of(content: str | list[OpenAIContentPart] | None, param: str) -> str:
    """A message's text; parts that are not text are refused (no model here reads them)."""
    if content is None or isinstance(content, str):
        return content or ""
    texts = []
    for index, part in enumerate(content):
        if part.type != "text":
            raise invalid(
                f"{param}.{index}.type", f"{param}: content of type '{part.type}' is not supported (text only)"
            )
        texts.append(part.text or "")
    return "".join(texts)


def last_user_text(body: OpenAIChatRequest) -> str:
    """The message an agent answers: the request's last message, which must be the user's."""
    last = len(body.messages) - 1
    message = body.messages[last]
    if message.role != "user":
        raise invalid(f"messages.{last}.role", "the last message must be the user's (role 'user') for an agent")
    text = text_of(message.content, f"messages.{last}.content")
    if not text.strip():
        raise invalid(f"messages.{last}.content", "the user's message is empty")
    return text


def model_messages(messages: list[OpenAIMessage], plan: ToolPlan | None) -> list[ChatMessage]:
    """OpenAI messages as the model's: developer is system, an assistant's earlier function
    calls are written as the decisions the model writes, a tool result names its function."""
    called: dict[str, str] = {}  # tool_call_id -> function name
    out: list[ChatMessage] = []
    for index, message in enumerate(messages):
        text = text_of(message.content, f"messages.{index}.content")
        if message.role in ("system", "developer"):
            out.append(ChatMessage(role="system", content=text))
        elif message.role == "user":
            out.append(ChatMessage(role="user", content=text))
        elif message.role == "assistant":
            calls = message.tool_calls or []
            for call in calls:
                called[call.id] = call.function.name
            written = [call_as_text(c.function.name, c.function.arguments) for c in calls]
            out.append(ChatMessage(role="assistant", content="\n".join([text, *written]).strip()))
        else:  # tool (or the older function): a function's result
            name = called.get(message.tool_call_id or "") or message.name
            out.append(ChatMessage(role="tool", content=f"Result of {name}: {text}" if name else text))
    if plan is not None:
        # After the client's own system messages, so theirs still come first.
        at = next((i for i, m in enumerate(out) if m.role != "system"), len(out))
        out.insert(at, ChatMessage(role="system", content=instructions(plan)))
    return out


def answer_format(body: OpenAIChatRequest) -> str | dict[str, Any] | None:
    """response_format as the model's `format`: "json", a JSON schema, or None (text)."""
    wanted = body.response_format
    if wanted is None or wanted.type == "text":
        return None
    if wanted.type == "json_object":
        return "json"
    if wanted.json_schema is None or wanted.json_schema.schema_ is None:
        raise invalid("response_format.json_schema.schema", "response_format json_schema needs json_schema.schema")
    return wanted.json_schema.schema_


def refuse_unsupported(body: OpenAIChatRequest) -> None:
    """Fields whose values cannot be honoured: a 400 naming them, never a silent change."""
    if body.logprobs:
        raise invalid("logprobs", "logprobs are not supported")
    if body.top_logprobs:
        raise invalid("top_logprobs", "logprobs are not supported")


def options_of(body: OpenAIChatRequest) -> GenerationOptions:
    stop = [body.stop] if isinstance(body.stop, str) else body.stop
    if stop is not None and len(stop) > 4:
        raise invalid("stop", "stop: at most 4 sequences")
    return GenerationOptions(
        temperature=body.temperature,
        top_p=body.top_p,
        num_predict=body.max_completion_tokens or body.max_tokens,
        seed=body.seed,
        stop=stop or None,
        presence_penalty=body.presence_penalty,
        frequency_penalty=body.frequency_penalty,
    )


def model_request(body: OpenAIChatRequest, model: str) -> tuple[ChatRequest, ToolPlan | None]:
    """The model actor's request for an OpenAI chat request, and the tool plan when the model
    may call the client's functions (then the answer is a JSON decision: see tool_calls.py)."""
    refuse_unsupported(body)
    fmt = answer_format(body)
    answer_schema = {"type": "object"} if fmt == "json" else fmt if isinstance(fmt, dict) else None
    plan = plan_tools(body, answer_schema)
    request = ChatRequest(
        model=model,
        messages=model_messages(body.messages, plan),
        stream=True,
        format=decision_schema(plan) if plan is not None else fmt,
        options=options_of(body),
    )
    return request, plan


# ---- the answer -------------------------------------------------------------------------------


def completion_id() -> str:
    return "chatcmpl-" + uuid.uuid4().hex[:24]


@dataclass
class AnswerShape:
    """Who answers (the id, the model name the client asked for, the time) and the answer so far."""

    model: str
    id: str = field(default_factory=completion_id)
    created: int = field(default_factory=lambda: int(time.time()))
    texts: list[str] = field(default_factory=list)

    # ---- whole ----

    def completion(self, finish: Finish) -> OpenAIChatCompletion:
        """The non-streamed answer."""
        content = finish.content if finish.content is not None else "".join(self.texts)
        calls = list(finish.tool_calls) or None
        message = OpenAIAnswerMessage(content=None if calls and not content else content, tool_calls=calls)
        return OpenAIChatCompletion(
            id=self.id,
            created=self.created,
            model=self.model,
            choices=[OpenAIChoice(message=message, finish_reason="tool_calls" if calls else finish.reason)],  # type: ignore[arg-type]
            usage=usage(finish.prompt_tokens, finish.completion_tokens),
        )

    # ---- streamed ----

    def _chunk(self, delta: OpenAIDelta, reason: str | None = None) -> OpenAIChunk:
        return OpenAIChunk(
            id=self.id,
            created=self.created,
            model=self.model,
            choices=[OpenAIChunkChoice(delta=delta, finish_reason=reason)],  # type: ignore[arg-type]
        )

    def first_chunk(self) -> OpenAIChunk:
        """OpenAI's first chunk: the role, no text yet."""
        return self._chunk(OpenAIDelta(role="assistant", content=""))

    def text_chunk(self, text: str) -> OpenAIChunk:
        self.texts.append(text)
        return self._chunk(OpenAIDelta(content=text))

    def tool_calls_chunk(self, calls: tuple[OpenAIToolCall, ...]) -> OpenAIChunk:
        deltas = [
            OpenAIChunkToolCall(
                index=i,
                id=call.id,
                type="function",
                function={"name": call.function.name, "arguments": call.function.arguments},
            )
            for i, call in enumerate(calls)
        ]
        return self._chunk(OpenAIDelta(tool_calls=deltas))

    def finish_chunk(self, finish: Finish) -> OpenAIChunk:
        return self._chunk(OpenAIDelta(), "tool_calls" if finish.tool_calls else finish.reason)

    def usage_chunk(self, finish: Finish) -> OpenAIChunk:
        """The last chunk with `stream_options.include_usage`: no choices, the usage."""
        return OpenAIChunk(
            id=self.id,
            created=self.created,
            model=self.model,
            choices=[],
            usage=usage(finish.prompt_tokens, finish.completion_tokens),
        )


def chunk_json(chunk: OpenAIChunk) -> dict[str, Any]:
    """A chunk as OpenAI writes it: unset fields left out, but every choice's finish_reason
    (null until the last) and logprobs present."""
    body = chunk.model_dump(mode="json", exclude_none=True)
    for choice, model in zip(body["choices"], chunk.choices, strict=True):
        choice["finish_reason"] = model.finish_reason
        choice["logprobs"] = None
    return body


def sse(payload: OpenAIChunk | dict[str, Any]) -> str:
    """One server-sent event."""
    body = chunk_json(payload) if isinstance(payload, OpenAIChunk) else payload
    return f"data: {json.dumps(body, separators=(',', ':'))}\n\n"


SSE_DONE = "data: [DONE]\n\n"
