"""The chaos run's books (bench/chaos_ledger.py) without a platform."""

from __future__ import annotations

from bench.chaos_ledger import Outcome, audit


def _m(mid: str, role: str) -> dict[str, str]:
    return {"id": mid, "role": role, "status": "complete"}


def test_every_verdict_is_told_apart() -> None:
    outcomes = [
        Outcome("rest", True, "c1", "a1"),  # answered
        Outcome("ws", True, "c2", "a2"),  # told success, nothing stored: lost
        Outcome("rest", False, code="unavailable"),  # a clear error
        Outcome("rest", False, detail="Internal Server Error"),  # plain text: unclear
        Outcome("ws", True, "c4", "a4"),  # answered, but its conversation has two answers
    ]
    conversations = {
        "c1": [_m("u1", "user"), _m("a1", "assistant")],
        "c2": [_m("u2", "user")],  # also dangling
        "c3": [_m("u3", "user"), _m("e3", "assistant")],  # the clear error's turn, closed with an error answer
        "c4": [_m("u4", "user"), _m("a4", "assistant"), _m("a4b", "assistant")],
    }
    verdict = audit(outcomes, conversations)
    assert verdict.requests == 5
    assert (verdict.answered, verdict.lost, verdict.clear_errors, verdict.unclear_errors) == (2, 1, 1, 1)
    assert verdict.duplicated == 1 and verdict.dangling == 1
    assert verdict.error_codes == {"unavailable": 1}
    assert verdict.answered_share == 0.4
    assert any(e.startswith("lost: ws c2") for e in verdict.examples)


def test_a_clean_run_has_nothing_to_report() -> None:
    outcomes = [Outcome("rest", True, f"c{i}", f"a{i}") for i in range(3)]
    conversations = {f"c{i}": [_m(f"u{i}", "user"), _m(f"a{i}", "assistant")] for i in range(3)}
    verdict = audit(outcomes, conversations)
    assert verdict.as_dict()["answered_share"] == 1.0
    assert verdict.lost == verdict.duplicated == verdict.dangling == verdict.unclear_errors == 0
