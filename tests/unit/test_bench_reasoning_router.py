"""bench/reasoning_router.py's bookkeeping: the stratified train/test split and the outcomes
the calibration is labelled from (the ADAPTIVE runs themselves need a platform)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from actors.reasoning.calibration import calibrate, label_counts
from bench.python_docs_qa import load_questions
from bench.reasoning_rag import MODES, pick_questions
from bench.reasoning_router import outcomes, split
from protocols.reasoning import ReasoningMode

QUESTIONS = Path(__file__).resolve().parents[2] / "bench" / "data" / "python_docs_qa.jsonl"


def test_the_split_is_seeded_disjoint_and_keeps_each_complexitys_share() -> None:
    questions = pick_questions(load_questions(QUESTIONS), 100, 0)
    train, test = split(questions, 0.5, 0)
    assert {q.id for q in train}.isdisjoint({q.id for q in test})
    assert len(train) + len(test) == len(questions)
    every, trained = Counter(q.complexity for q in questions), Counter(q.complexity for q in train)
    assert all(abs(trained[label] - every[label] / 2) <= 0.5 for label in every)
    again, _ = split(list(reversed(questions)), 0.5, 0)  # the order given does not matter
    assert [q.id for q in again] == [q.id for q in train]
    assert [q.id for q in split(questions, 0.5, 1)[0]] != [q.id for q in train]


def test_outcomes_come_from_the_fixed_modes_rows_and_label_the_train_split() -> None:
    questions = pick_questions(load_questions(QUESTIONS), 4, 0)
    right = {  # question -> the modes that answered it right
        questions[0].id: {"direct", "rag_only"},
        questions[1].id: {"rag_only", "adaptive"},
        questions[2].id: {"s3_rag"},
        questions[3].id: set(),
    }
    rows = [{"id": q, "mode": m, "correct": m in modes} for q, modes in right.items() for m in MODES]
    found = {o.query: o for o in outcomes(rows, questions)}
    first = found[questions[0].question]
    assert ReasoningMode.ADAPTIVE not in first.correct  # ADAPTIVE's own answer is not a label
    assert first.correct[ReasoningMode.DIRECT] and first.correct[ReasoningMode.RAG_ONLY]
    calibration = calibrate(list(found.values()))
    assert label_counts(calibration) == {"simple": 1, "moderate": 1, "complex": 1}
