"""The tool-calling loop: the model decides (structured output), the agent calls, feeds back.

At each step the model is asked, with a JSON schema as `format`, for
`{"action": "answer"|"call_tool", "tool", "arguments", "answer"}`. A tool call is made
through `call_tool` and its result goes back to the model as the next user turn; an
answer ends the loop. After `max_steps` decisions the model is asked once more, without tools, to
answer from what it has. Malformed output or an unknown tool is fed back to the model
as an error instead of failing the request: small models get it wrong often.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from pydantic import ValidationError

from protocols.agents import ExecuteResult, ToolDecision, ToolStep

# (messages, format) -> the model's whole answer text
AskModel = Callable[[list[dict[str, Any]], dict[str, Any] | None], Awaitable[str]]
# (tool name, arguments) -> what happened
CallTool = Callable[[str, dict[str, Any]], Awaitable[ToolStep]]


def decision_schema(tools: Sequence[str]) -> dict[str, Any]:
    """The JSON schema of one decision; `tool` is limited to the agent's tools."""
    tool_field: dict[str, Any] = {"type": "string", "enum": list(tools)} if tools else {"type": "string"}
    return {
        "type": "object",
        "properties": {
            "action": {"type": "string", "enum": ["call_tool", "answer"] if tools else ["answer"]},
            "tool": tool_field,
            "arguments": {"type": "object"},
            "answer": {"type": "string"},
        },
        "required": ["action"],
    }


def tools_prompt(tools: Sequence[tuple[str, str]]) -> str:
    lines = [f"- {name}: {description}" for name, description in tools]
    return (
        "You can call these tools:\n"
        + "\n".join(lines)
        + '\nReply with JSON only: {"action": "call_tool", "tool": "<name>", "arguments": {...}} to call '
        'a tool, or {"action": "answer", "answer": "<your answer>"} when you can answer.'
    )


def parse_decision(text: str) -> ToolDecision:
    """The model's JSON as a decision; raises ValueError with what is wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    try:
        decision = ToolDecision.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ValueError(f"{'.'.join(str(p) for p in first['loc']) or 'value'}: {first['msg']}") from None
    if decision.action == "call_tool" and not decision.tool:
        raise ValueError("action call_tool needs 'tool'")
    return decision


class ToolLoop:
    def __init__(self, ask_model: AskModel, call_tool: CallTool, max_steps: int, result_chars: int = 2000) -> None:
        self.ask_model = ask_model
        self.call_tool = call_tool
        self.max_steps = max_steps
        self.result_chars = result_chars

    async def run(
        self, messages: list[dict[str, Any]], tools: Sequence[tuple[str, str]], final_answer: bool = True
    ) -> ExecuteResult:
        """final_answer=False: when the steps run out, return what was gathered without asking again."""
        names = [name for name, _ in tools]
        conversation = list(messages)
        if tools:
            conversation.insert(
                1 if conversation and conversation[0]["role"] == "system" else 0,
                {"role": "system", "content": tools_prompt(tools)},
            )
        schema = decision_schema(names)
        steps: list[ToolStep] = []
        notes: list[str] = []
        for _ in range(self.max_steps):
            text = await self.ask_model(conversation, schema)
            conversation.append({"role": "assistant", "content": text})
            try:
                decision = parse_decision(text)
            except ValueError as exc:
                conversation.append(
                    {"role": "user", "content": f"That was not a valid decision: {exc}. Reply with JSON."}
                )
                continue
            if decision.action == "answer":
                return ExecuteResult(answer=(decision.answer or "").strip(), steps=steps, notes=notes)
            tool = decision.tool or ""
            if tool not in names:
                conversation.append(
                    {
                        "role": "user",
                        "content": f"There is no tool '{tool}'. Choose one of: {', '.join(names) or 'none'}.",
                    }
                )
                continue
            step = await self.call_tool(tool, decision.arguments)
            steps.append(step)
            if step.unavailable and step.result not in notes:
                notes.append(step.result)
            # As a user turn: not every chat template knows a `tool` role.
            conversation.append(
                {"role": "user", "content": f"Result of {tool}: {step.result[: self.result_chars]}\nNext decision?"}
            )
        if not final_answer:
            return ExecuteResult(answer="", steps=steps, notes=notes, finished=False)
        # Out of steps: answer with what was gathered, in plain text.
        conversation.append({"role": "user", "content": "Answer now, in plain text, with what you have."})
        answer = await self.ask_model(conversation, None)
        return ExecuteResult(answer=answer.strip(), steps=steps, notes=notes, finished=False)
