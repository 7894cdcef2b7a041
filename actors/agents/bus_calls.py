"""Calls an agent makes on the bus: tools/call to a tool reference, and reading the result."""

from __future__ import annotations

import itertools
import json
from typing import Any

from actors.agents.tools import InvalidToolRef, parse_tool_ref
from protocols.agents import ToolStep
from protocols.jsonrpc import ErrorCode

_ids = itertools.count(1)


def tools_call(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": next(_ids),
        "method": "tools/call",
        "params": {"name": tool, "arguments": arguments},
    }


def tools_list() -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": next(_ids), "method": "tools/list", "params": {}}


def unavailable_note(address: str) -> str:
    return f"{address} is not available on this platform (nothing answers at that address)"


def result_value(result: dict[str, Any]) -> Any:
    """An MCP CallToolResult's value: its structured content, else its text (JSON when it parses)."""
    structured = result.get("structuredContent")
    if structured is not None:
        if isinstance(structured, dict) and set(structured) == {"result"}:
            return structured["result"]
        return structured
    texts = [c.get("text", "") for c in result.get("content") or [] if c.get("type") == "text"]
    text = "\n".join(texts)
    try:
        return json.loads(text)
    except (ValueError, TypeError):
        return text


def as_step(name: str, address: str, arguments: dict[str, Any], response: dict[str, Any] | None) -> ToolStep:
    """A bus answer to tools/call as one step of the tool loop."""
    if response is None:
        return ToolStep(tool=name, arguments=arguments, ok=False, result="no answer")
    error = response.get("error")
    if error is not None:
        if error.get("code") == ErrorCode.UNKNOWN_ADDRESS:
            return ToolStep(
                tool=name, arguments=arguments, ok=False, result=unavailable_note(address), unavailable=True
            )
        return ToolStep(
            tool=name, arguments=arguments, ok=False, result=f"error {error.get('code')}: {error.get('message')}"
        )
    result = response.get("result") or {}
    value = result_value(result)
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return ToolStep(tool=name, arguments=arguments, ok=not result.get("isError", False), result=text)


def tool_address(name: str) -> tuple[str, str]:
    """(address, tool) of a tool reference; ValueError when it is malformed."""
    try:
        ref = parse_tool_ref(name)
    except InvalidToolRef as exc:
        raise ValueError(str(exc)) from None
    return ref.address, ref.tool
