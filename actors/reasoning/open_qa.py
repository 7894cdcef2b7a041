"""Open-ended questions: thoughts are reasoning steps, the model evaluates (no checker).

The state is the reasoning so far, one step a line; a step that starts with "Answer:"
ends its branch.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from protocols.reasoning import Passage, ThoughtNode

from .tasks import Step, Verdict, numbered_passages

_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)]|step\s*\d+\s*[:.)-])\s*", re.IGNORECASE)
_ANSWER = re.compile(r"^\s*(?:final\s+)?answer\s*:\s*", re.IGNORECASE)


def _context(passages: Sequence[Passage]) -> str:
    return f"Passages:\n{numbered_passages(passages)}\n" if passages else ""


class OpenQuestionTask:
    kind = "open"

    def __init__(self, max_step_chars: int = 400) -> None:
        self.max_step_chars = max_step_chars

    def initial_state(self, query: str) -> str:
        return ""

    def _step(self, line: str, state: str) -> Step | None:
        text = _BULLET.sub("", line).strip()[: self.max_step_chars]
        if not text:
            return None
        terminal = bool(_ANSWER.match(text))
        return Step(text, f"{state}\n{text}".strip(), terminal=terminal)

    def propose_prompt(self, query: str, state: str, passages: Sequence[Passage]) -> str:
        so_far = state or "(nothing yet)"
        return (
            f"Question: {query}\n{_context(passages)}Reasoning so far:\n{so_far}\n"
            "List a few different possible next reasoning steps, one per line. "
            'A step that settles the question starts with "Answer:".\n'
        )

    def parse_proposals(self, text: str, state: str) -> list[Step]:
        steps: list[Step] = []
        for line in text.splitlines():
            step = self._step(line, state)
            if step and all(step.thought != s.thought for s in steps):
                steps.append(step)
        return steps

    def sample_prompt(self, query: str, state: str, passages: Sequence[Passage]) -> str:
        so_far = state or "(nothing yet)"
        return (
            f"Question: {query}\n{_context(passages)}Reasoning so far:\n{so_far}\n"
            'Write the next reasoning step in one line (start it with "Answer:" if it settles the question):\n'
        )

    def parse_sample(self, text: str, state: str) -> Step | None:
        for line in text.splitlines():
            step = self._step(line, state)
            if step:
                return step
        return None

    def value_prompt(self, query: str, state: str, passages: Sequence[Passage]) -> str:
        return (
            f"Question: {query}\n{_context(passages)}Reasoning:\n{state}\n"
            "Will this reasoning lead to a correct answer? End with one word: sure, likely or impossible.\n"
        )

    def vote_prompt(self, query: str, states: Sequence[str], passages: Sequence[Passage]) -> str:
        choices = "\n".join(f"Choice {i}:\n{s}" for i, s in enumerate(states, start=1))
        return (
            f"Question: {query}\n{_context(passages)}{choices}\n"
            "Which line of reasoning is most promising? Conclude with 'The best choice is N'.\n"
        )

    def value_key(self, state: str) -> str:
        return state

    def checker_label(self, query: str, state: str) -> str | None:
        return None

    def check(self, query: str, path: Sequence[ThoughtNode]) -> Verdict | None:
        return None

    def answer(self, query: str, path: Sequence[ThoughtNode]) -> str | None:
        if path and _ANSWER.match(path[-1].thought):
            return _ANSWER.sub("", path[-1].thought).strip() or None
        return None

    def answer_prompt(self, query: str, path: Sequence[ThoughtNode], passages: Sequence[Passage]) -> str:
        steps = "\n".join(n.thought for n in path if n.thought)
        cite = " Cite the passages you use as [n]." if passages else ""
        return f"Question: {query}\n{_context(passages)}Reasoning:\n{steps}\nWrite the final answer.{cite}\nAnswer:"
