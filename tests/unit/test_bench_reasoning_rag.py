"""bench/reasoning_rag.py's bookkeeping for long runs: the order questions are asked in, and
what a resumed run keeps from the rows of one cut short."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from bench.python_docs_qa import COMPLEXITIES, load_questions
from bench.reasoning_rag import MODES, answered_by_every_mode, load_rows, pick_questions, run_order

QUESTIONS = Path(__file__).resolve().parents[2] / "bench" / "data" / "python_docs_qa.jsonl"


def test_questions_are_asked_in_a_seeded_shuffle_that_mixes_every_complexity() -> None:
    picked = pick_questions(load_questions(QUESTIONS), 100, 0)
    order = run_order(picked, 0)
    assert sorted(q.id for q in order) == sorted(q.id for q in picked)
    assert [q.id for q in order] == [q.id for q in run_order(picked, 0)]
    assert [q.id for q in order] != [q.id for q in picked]
    # a run cut short after a quarter has met every complexity
    assert set(Counter(q.complexity for q in order[:25])) == set(COMPLEXITIES)


def test_a_resumed_run_keeps_only_questions_every_mode_answered(tmp_path: Path) -> None:
    rows = [{"id": "q1", "mode": m} for m in MODES] + [{"id": "q2", "mode": m} for m in MODES[:2]]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "\n")
    kept = load_rows(path)
    assert kept == rows
    assert answered_by_every_mode(kept, MODES) == {"q1"}
    assert answered_by_every_mode(kept, MODES[:2]) == {"q1", "q2"}


def test_a_question_the_client_failed_on_is_asked_again_and_a_failed_session_is_an_answer() -> None:
    refused = 'POST /reasoning/start: HTTP 429 {"code": "rate_limited"}'
    rows = [{"id": "q1", "mode": m} for m in MODES]
    rows += [{"id": "q2", "mode": m, "error": refused if m == MODES[0] else None} for m in MODES]
    rows += [{"id": "q3", "mode": m, "error": "lost", "bench_error": m == MODES[1]} for m in MODES]
    rows += [{"id": "q4", "mode": m, "status": "failed", "error": "ModelError: gone"} for m in MODES]
    assert answered_by_every_mode(rows, MODES) == {"q1", "q4"}


def test_a_429_is_waited_for_as_long_as_it_asks() -> None:
    import httpx

    from bench.reasoning_backends import retry_after_s

    assert retry_after_s(httpx.Response(429, json={"code": "rate_limited", "retry_after_s": 6})) == 6.0
    assert retry_after_s(httpx.Response(429, headers={"Retry-After": "3"}, text="slow down")) == 3.0
    assert retry_after_s(httpx.Response(429, text="slow down")) == 1.0
