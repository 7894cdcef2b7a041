"""The prompt: system prompt, recalled memories, the latest turns within a budget, the message.

Turns are taken newest first until `recent_turns` or `budget_chars` is reached, then
put back in order, so the model always sees the end of the conversation. A turn too
long for what is left is cut from its start (its end is what the next turn answers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Turn:
    role: str  # user | assistant
    content: str


class ContextBuilder:
    def __init__(self, budget_chars: int, recent_turns: int) -> None:
        self.budget_chars = budget_chars
        self.recent_turns = recent_turns

    def build(
        self,
        system_prompt: str,
        history: Sequence[Turn],
        message: str,
        memories: Sequence[str] = (),
        notes: Sequence[str] = (),
    ) -> list[dict[str, Any]]:
        system = system_prompt.strip()
        if memories:
            system += "\n\nThings you remember from earlier conversations:\n" + "\n".join(f"- {m}" for m in memories)
        if notes:
            system += "\n\n" + "\n".join(notes)
        left = self.budget_chars - len(system) - len(message)
        kept: list[Turn] = []
        for turn in reversed(history[-self.recent_turns :] if self.recent_turns else []):
            if left <= 0:
                break
            content = turn.content if len(turn.content) <= left else "…" + turn.content[-(left - 1) :]
            kept.append(Turn(turn.role, content))
            left -= len(content)
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
        messages += [{"role": t.role, "content": t.content} for t in reversed(kept)]
        messages.append({"role": "user", "content": message})
        return messages
