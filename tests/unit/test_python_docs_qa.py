"""The question set of bench/reasoning_rag.py: its shape always, and, where the Python 3.11
documentation is installed (`make bench-data`), that every gold answer is in a gold page."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bench.python_docs_qa import (
    COMPLEXITIES,
    DEFAULT_CORPUS,
    Question,
    check_against_corpus,
    check_shape,
    choose_pages,
    content_pages,
    load_questions,
)


def test_the_set_has_enough_well_formed_questions_of_every_complexity() -> None:
    questions = load_questions()
    assert len(questions) >= 100
    assert check_shape(questions) == []
    by_label = Counter(q.complexity for q in questions)
    assert all(by_label[label] >= 20 for label in COMPLEXITIES), by_label
    assert any(len(q.pages) >= 2 for q in questions if q.complexity == "complex")


def test_shape_problems_are_named() -> None:
    ok = Question("a", "simple", "Which module?", ("json",), ("library/json.html",))
    problems = check_shape(
        [
            ok,
            ok,
            Question("b", "hard", "Other?", ("x",), ("library/x.html",)),
            Question("c", "simple", "Third?", ("x",), ("../etc/passwd",)),
        ]
    )
    assert any("a: the id is used 2 times" in p for p in problems)
    assert any("asked 2 times" in p for p in problems)
    assert any("b: complexity 'hard'" in p for p in problems)
    assert any("c: pages must be relative" in p for p in problems)


def test_an_answer_counts_when_a_gold_string_is_in_it_whatever_the_case_and_spacing() -> None:
    question = Question("a", "simple", "?", ("JSONDecodeError", "global interpreter lock"), ("x.html",))
    assert question.correct("It raises json.JSONDecodeError [1].")
    assert question.correct("the Global\n  Interpreter lock")
    assert not question.correct("ValueError")
    assert not question.correct(None)


def test_the_page_sample_keeps_every_gold_page_and_is_fixed_by_its_seed(tmp_path: Path) -> None:
    for name in ("library/a.html", "library/b.html", "c.html", "genindex-A.html", "_static/x.html", "big.html"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("<p>text</p>" * (1000 if name == "big.html" else 1))
    available = content_pages(tmp_path, max_bytes=5000)
    assert available == ["c.html", "library/a.html", "library/b.html"]
    questions = [Question("q", "simple", "?", ("x",), ("library/b.html",))]
    chosen = choose_pages(questions, available, total=2, seed=0)
    assert chosen[0] == "library/b.html" and len(chosen) == 2
    assert chosen == choose_pages(questions, available, total=2, seed=0)
    assert set(choose_pages(questions, available, total=10, seed=1)) == set(available)


def test_every_gold_answer_occurs_in_its_gold_page() -> None:
    corpus = Path(DEFAULT_CORPUS)
    if not corpus.is_dir():
        pytest.skip(f"{corpus} is not installed (make bench-data)")
    assert check_against_corpus(load_questions(), corpus) == []
