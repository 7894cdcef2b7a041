"""The books of a chaos run: what each client was told, checked against what was stored.

Plain Python (no Ray, no HTTP), shared by bench/chaos.py and the integration chaos test.
Each chat request goes to a conversation of its own, so a conversation read back after the
run must hold exactly one user message and one answer. The verdicts (issue 13):

- answered: the client was told success and the answer it was given is stored;
- clear error: the client was told failure with a JSON body naming a code;
- unclear error: a failure without one (plain-text 500, a cut connection, a timeout);
- lost: the client was told success but the answer (or its question) is not stored;
- duplicated: a conversation holds a user message or an answer more than once;
- dangling: a stored user message with no answer after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Outcome:
    """What one client request was told."""

    kind: str  # "rest" or "ws"
    ok: bool
    conversation_id: str | None = None
    answer_id: str | None = None
    code: str | None = None  # the error's code when not ok (None: no clear code)
    detail: str = ""
    seconds: float = 0.0


@dataclass
class Verdict:
    requests: int = 0
    answered: int = 0
    clear_errors: int = 0
    unclear_errors: int = 0
    lost: int = 0
    duplicated: int = 0
    dangling: int = 0
    error_codes: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    @property
    def answered_share(self) -> float:
        return self.answered / self.requests if self.requests else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "answered": self.answered,
            "answered_share": self.answered_share,
            "clear_errors": self.clear_errors,
            "unclear_errors": self.unclear_errors,
            "lost": self.lost,
            "duplicated": self.duplicated,
            "dangling": self.dangling,
            "error_codes": self.error_codes,
            "examples": self.examples[:20],
        }


def _note(verdict: Verdict, text: str) -> None:
    if len(verdict.examples) < 20:
        verdict.examples.append(text)


def audit(outcomes: Sequence[Outcome], conversations: Mapping[str, Iterable[dict[str, Any]]]) -> Verdict:
    """`conversations`: every conversation of the run's agents, id -> its messages in order
    (each with `id`, `role`, `status`)."""
    verdict = Verdict(requests=len(outcomes))
    stored_ids = {cid: [m["id"] for m in messages] for cid, messages in conversations.items()}
    for outcome in outcomes:
        if outcome.ok:
            ids = stored_ids.get(outcome.conversation_id or "", [])
            if outcome.answer_id in ids:
                verdict.answered += 1
            else:
                verdict.lost += 1
                _note(verdict, f"lost: {outcome.kind} {outcome.conversation_id} answer {outcome.answer_id}")
        elif outcome.code:
            verdict.clear_errors += 1
            verdict.error_codes[outcome.code] = verdict.error_codes.get(outcome.code, 0) + 1
        else:
            verdict.unclear_errors += 1
            _note(verdict, f"unclear: {outcome.kind} {outcome.detail[:200]}")
    for cid, listed in conversations.items():
        messages = list(listed)
        users = [m for m in messages if m["role"] == "user"]
        answers = [m for m in messages if m["role"] == "assistant"]
        if len(users) > 1 or len(answers) > 1:
            verdict.duplicated += 1
            _note(verdict, f"duplicated: {cid} {[m['role'] for m in messages]}")
        for index, message in enumerate(messages):
            if message["role"] != "user":
                continue
            if not any(m["role"] == "assistant" for m in messages[index + 1 :]):
                verdict.dangling += 1
                _note(verdict, f"dangling: {cid} user message {message['id']}")
    return verdict
