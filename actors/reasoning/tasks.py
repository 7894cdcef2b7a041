"""What a task plugs into the thought tree: its prompts, its parsers and, optionally, a checker.

A state is a string the task can continue from (Game of 24: the numbers left); a step is
one thought with the state it leads to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from protocols.reasoning import Passage, ThoughtNode


@dataclass(frozen=True)
class Step:
    thought: str
    state: str
    terminal: bool = False


@dataclass(frozen=True)
class Verdict:
    """A checker's judgement of a finished path."""

    solved: bool
    answer: str | None
    reason: str


class ThoughtTask(Protocol):
    kind: str

    def initial_state(self, query: str) -> str: ...

    def propose_prompt(self, query: str, state: str, passages: Sequence[Passage]) -> str: ...

    def parse_proposals(self, text: str, state: str) -> list[Step]: ...

    def sample_prompt(self, query: str, state: str, passages: Sequence[Passage]) -> str: ...

    def parse_sample(self, text: str, state: str) -> Step | None: ...

    def value_prompt(self, query: str, state: str, passages: Sequence[Passage]) -> str: ...

    def vote_prompt(self, query: str, states: Sequence[str], passages: Sequence[Passage]) -> str: ...

    def value_key(self, state: str) -> str:
        """States with one key share one cached value."""
        ...

    def checker_label(self, query: str, state: str) -> str | None:
        """A value label from the task's own checker; None where it has none."""
        ...

    def check(self, query: str, path: Sequence[ThoughtNode]) -> Verdict | None:
        """Judge a terminal path; None where the task has no checker (the model evaluates)."""
        ...

    def answer(self, query: str, path: Sequence[ThoughtNode]) -> str | None:
        """The answer a path spells out, or None when the model must write it."""
        ...

    def answer_prompt(self, query: str, path: Sequence[ThoughtNode], passages: Sequence[Passage]) -> str: ...


_LABEL = re.compile(r"[a-z]+")
_VOTE = re.compile(r"best\s+choice\s+is\s*:?\s*\(?(\d+)", re.IGNORECASE)


def parse_value_label(text: str, labels: Sequence[str]) -> str | None:
    """The last known label in the reply (the model reasons first, concludes last)."""
    wanted = {label.lower() for label in labels}
    words = [w for w in _LABEL.findall(text.lower()) if w in wanted]
    return words[-1] if words else None


def parse_vote(text: str, n_choices: int) -> int | None:
    """The 0-based index of 'The best choice is N', or None."""
    match = _VOTE.search(text)
    if not match:
        return None
    index = int(match.group(1)) - 1
    return index if 0 <= index < n_choices else None


def numbered_passages(passages: Sequence[Passage], limit_chars: int = 600) -> str:
    return "\n".join(f"[{i}] {p.text[:limit_chars]}" for i, p in enumerate(passages, start=1))


_CITATION = re.compile(r"\[(\d+)\]")


def cited_passages(answer: str, passages: Sequence[Passage]) -> list[str]:
    """Ids of the passages an answer cites as [n], first citation first, each once."""
    cited: list[str] = []
    for number in _CITATION.findall(answer):
        index = int(number) - 1
        if 0 <= index < len(passages) and passages[index].id not in cited:
            cited.append(passages[index].id)
    return cited
