"""OpenAI tool calls on models that have no tool API of their own: the model is asked for a
JSON decision, constrained by a JSON schema (a llama.cpp grammar, or Ollama's `format`), so
what it writes always parses into either an answer or a call of one of the client's functions.

Plain functions, no I/O: the request's tools become a plan, the plan a schema and a system
message, the model's text a decision. One call per answer (parallel calls are not produced).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from protocols.errors import PlatformError
from protocols.openai_api import (
    OpenAIChatRequest,
    OpenAIFunction,
    OpenAIToolCall,
    OpenAIToolCallFunction,
    OpenAIToolChoice,
)

ANY_OBJECT: dict[str, Any] = {"type": "object"}


def invalid(param: str, message: str) -> PlatformError:
    """A refused request field (400; `param` as the request names it, dotted)."""
    return PlatformError("invalid_request", message, f"body.{param}", 400)


@dataclass(frozen=True)
class ToolPlan:
    """Which functions the model may call, and whether it must."""

    functions: tuple[OpenAIFunction, ...]
    choice: Literal["auto", "required", "named"]
    answer_schema: dict[str, Any] | None = None  # the answer's own schema (response_format), if any

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.functions]


def plan_tools(body: OpenAIChatRequest, answer_schema: dict[str, Any] | None = None) -> ToolPlan | None:
    """The request's tools as a plan; None when no function may be called."""
    if not body.tools or body.tool_choice == "none":
        return None
    functions = [tool.function for tool in body.tools]
    names = [f.name for f in functions]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise invalid(f"tools.{index}.function.name", f"tools: the function name '{name}' is given twice")
    choice = body.tool_choice
    if isinstance(choice, OpenAIToolChoice):
        wanted = choice.function.name
        if wanted not in names:
            raise invalid(
                "tool_choice.function.name", f"tool_choice names '{wanted}', which is not in tools ({', '.join(names)})"
            )
        return ToolPlan((functions[names.index(wanted)],), "named", answer_schema)
    return ToolPlan(tuple(functions), "required" if choice == "required" else "auto", answer_schema)


def _call_schema(function: OpenAIFunction) -> dict[str, Any]:
    parameters = function.parameters or ANY_OBJECT
    return {
        "type": "object",
        "properties": {"tool": {"const": function.name}, "arguments": parameters},
        "required": ["tool", "arguments"],
        "additionalProperties": False,
    }


def decision_schema(plan: ToolPlan) -> dict[str, Any]:
    """The JSON schema the model's whole answer must follow."""
    calls = [_call_schema(f) for f in plan.functions]
    options = list(calls)
    if plan.choice == "auto":
        answer = {
            "type": "object",
            "properties": {"answer": plan.answer_schema or {"type": "string"}},
            "required": ["answer"],
            "additionalProperties": False,
        }
        options.insert(0, answer)
    return options[0] if len(options) == 1 else {"anyOf": options}


def instructions(plan: ToolPlan) -> str:
    """The system message that tells the model its functions and how to answer."""
    lines = []
    if plan.choice == "named":
        lines.append(
            f'Call the function {plan.functions[0].name} now: answer with JSON {{"tool": ..., "arguments": ...}}.'
        )
    elif plan.choice == "required":
        lines.append('Call one of these functions: answer with JSON {"tool": <name>, "arguments": {...}}.')
    else:
        lines.append(
            'You can call these functions. To call one, answer with JSON {"tool": <name>, "arguments": {...}}; '
            'to answer the user yourself, answer with JSON {"answer": <your answer>}.'
        )
    lines.append("Functions:")
    for function in plan.functions:
        described = f"- {function.name}"
        if function.description:
            described += f": {function.description}"
        described += f" Arguments (JSON schema): {json.dumps(function.parameters or ANY_OBJECT, sort_keys=True)}"
        lines.append(described)
    return "\n".join(lines)


def call_as_text(name: str, arguments: str) -> str:
    """A call the assistant made earlier, written as the decision the model would write."""
    try:
        parsed: Any = json.loads(arguments) if arguments.strip() else {}
    except json.JSONDecodeError:
        parsed = arguments
    return json.dumps({"tool": name, "arguments": parsed})


def new_call_id() -> str:
    return "call_" + uuid.uuid4().hex[:24]


@dataclass(frozen=True)
class Decision:
    """What the model decided: an answer (`content`) or function calls."""

    content: str | None = None
    tool_calls: tuple[OpenAIToolCall, ...] = ()


def parse_decision(text: str, plan: ToolPlan) -> Decision:
    """The model's text as a decision. Text that does not parse (cut short by max_tokens)
    is the answer as it stands."""
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        return Decision(content=text)
    if not isinstance(parsed, dict):
        return Decision(content=text)
    tool = parsed.get("tool")
    if isinstance(tool, str) and tool in plan.names:
        arguments = parsed.get("arguments")
        arguments = arguments if isinstance(arguments, dict) else {}
        call = OpenAIToolCall(
            id=new_call_id(),
            function=OpenAIToolCallFunction(name=tool, arguments=json.dumps(arguments)),
        )
        return Decision(tool_calls=(call,))
    if "answer" in parsed:
        answer = parsed["answer"]
        return Decision(content=answer if isinstance(answer, str) else json.dumps(answer))
    return Decision(content=text)
