"""What every model actor shares: a streamed answer collected whole, and the bus tool's request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from protocols.jsonrpc import ErrorCode, RpcError
from protocols.models import ChatMessage, ChatRequest, GenerationOptions


async def collect(chunks: AsyncIterator[dict[str, Any]]) -> dict[str, Any]:
    """Ollama's stream=false answer: the final chunk, with the whole text as its message."""
    text: list[str] = []
    final: dict[str, Any] = {}
    async for chunk in chunks:
        if chunk.get("done"):
            final = chunk
        else:
            text.append(chunk["message"]["content"])
    final["message"] = {"role": "assistant", "content": "".join(text)}
    return final


def tool_request(
    model: str,
    messages: list[dict[str, str]],
    format: str | dict[str, Any] | None,
    max_tokens: int | None,
    temperature: float | None,
) -> dict[str, Any]:
    """The `generate` tool's arguments as a chat request; bad ones are INVALID_PARAMS."""
    try:
        request = ChatRequest(
            model=model,
            messages=[ChatMessage.model_validate(m) for m in messages],
            stream=False,
            format=format,  # type: ignore[arg-type]
            options=GenerationOptions(num_predict=max_tokens, temperature=temperature),
        )
    except ValueError as exc:
        raise RpcError(ErrorCode.INVALID_PARAMS, f"bad request: {exc}") from None
    return request.model_dump()


def tool_answer(answer: dict[str, Any]) -> dict[str, Any]:
    return {"content": answer["message"]["content"], "eval_count": answer.get("eval_count")}
