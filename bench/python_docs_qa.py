"""The question set of bench/reasoning_rag.py: questions about the Python 3.11 documentation
(the HTML of Debian's python3.11-doc, `make bench-data`), each with gold answer strings and the
pages that hold them, and a label of how hard it is (simple, moderate, complex).

The set (bench/data/python_docs_qa.jsonl) was written by reading the pages. It measures; it
must not be used to tune prompts, the classifier or retrieval. Every gold answer must occur
in one of its gold pages as the platform's own HTML parser extracts them (case and
whitespace aside): `python -m bench.python_docs_qa` checks that, and so does
tests/unit/test_python_docs_qa.py when the corpus is installed.

    python -m bench.python_docs_qa [--corpus /usr/share/doc/python3.11/html]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

QUESTIONS_FILE = Path(__file__).resolve().parent / "data" / "python_docs_qa.jsonl"
DEFAULT_CORPUS = "/usr/share/doc/python3.11/html"  # Debian's python3.11-doc (make bench-data)
COMPLEXITIES = ("simple", "moderate", "complex")
# Index and listing pages, not documentation: left out of the sample of other pages.
_NOT_CONTENT = re.compile(r"^(genindex.*|contents|search|py-modindex)\.html$")


@dataclass(frozen=True)
class Question:
    id: str
    complexity: str
    question: str
    answers: tuple[str, ...]  # any of them in the answer counts as correct
    pages: tuple[str, ...]  # relative paths under the corpus; an answer occurs in one of them

    def correct(self, answer: str | None) -> bool:
        """Is any gold string in the answer (case and whitespace aside)?"""
        text = normalise(answer or "")
        return any(normalise(gold) in text for gold in self.answers)


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def load_questions(path: Path = QUESTIONS_FILE) -> list[Question]:
    questions = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        try:
            questions.append(
                Question(
                    id=row["id"],
                    complexity=row["complexity"],
                    question=row["question"],
                    answers=tuple(row["answers"]),
                    pages=tuple(row["pages"]),
                )
            )
        except KeyError as missing:
            raise ValueError(f"{path}:{number}: no {missing}") from None
    return questions


def check_shape(questions: Sequence[Question]) -> list[str]:
    """What is wrong with the set itself (no corpus needed)."""
    problems = []
    ids = Counter(q.id for q in questions)
    problems += [f"{qid}: the id is used {n} times" for qid, n in ids.items() if n > 1]
    texts = Counter(normalise(q.question) for q in questions)
    problems += [f"the question {text!r} is asked {n} times" for text, n in texts.items() if n > 1]
    for q in questions:
        if q.complexity not in COMPLEXITIES:
            problems.append(f"{q.id}: complexity {q.complexity!r} is not one of {COMPLEXITIES}")
        if not q.question.strip() or not q.answers or not q.pages:
            problems.append(f"{q.id}: needs a question, at least one answer and at least one page")
        if any(not a.strip() for a in q.answers):
            problems.append(f"{q.id}: an empty answer")
        if any(p.startswith("/") or ".." in p.split("/") or not p.endswith(".html") for p in q.pages):
            problems.append(f"{q.id}: pages must be relative paths of .html files ({q.pages})")
    return problems


def page_text(corpus: Path, page: str) -> str:
    """The page's text as the platform's knowledge service extracts it."""
    from actors.knowledge.parsing import parse

    return parse((corpus / page).read_text(errors="replace"), "html").text


def check_against_corpus(questions: Sequence[Question], corpus: Path) -> list[str]:
    """Every gold page exists and every gold answer occurs in one of its gold pages."""
    problems = []
    texts: dict[str, str] = {}
    for q in questions:
        for page in q.pages:
            if page not in texts:
                path = corpus / page
                texts[page] = normalise(page_text(corpus, page)) if path.is_file() else ""
                if not path.is_file():
                    problems.append(f"{q.id}: no page {page} under {corpus}")
        for answer in q.answers:
            if not any(normalise(answer) in texts[page] for page in q.pages):
                problems.append(f"{q.id}: {answer!r} occurs in none of {list(q.pages)}")
    return problems


def content_pages(corpus: Path, max_bytes: int | None = None) -> list[str]:
    """Every documentation page under the corpus (relative paths, sorted), index pages and
    pages over `max_bytes` left out."""
    pages = []
    for path in sorted(corpus.rglob("*.html")):
        relative = path.relative_to(corpus).as_posix()
        if relative.startswith("_") or _NOT_CONTENT.match(relative):
            continue
        if max_bytes is not None and path.stat().st_size > max_bytes:
            continue
        pages.append(relative)
    return pages


def choose_pages(questions: Sequence[Question], available: Sequence[str], total: int, seed: int) -> list[str]:
    """The gold pages, then a fixed random sample of the other pages up to `total` in all."""
    gold = sorted({page for q in questions for page in q.pages})
    others = sorted(set(available) - set(gold))
    room = max(0, total - len(gold))
    return gold + sorted(random.Random(seed).sample(others, min(room, len(others))))


def bench_settings(corpus: Path, model: str | None) -> tuple[Any, str]:
    """What a bench over the docs needs first: the corpus there, the settings, the model named
    or the platform's default; SystemExit saying what is missing otherwise."""
    if not corpus.is_dir():
        raise SystemExit(f"no corpus at {corpus}: `make bench-data` installs python3.11-doc (or pass --corpus)")
    from configs.settings import load_settings

    settings = load_settings()
    chosen = model or settings.models.default_model
    if chosen is None:
        raise SystemExit("--model: no model named and no models.default_model in the settings")
    return settings, chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=DEFAULT_CORPUS, help="the Python 3.11 HTML documentation")
    parser.add_argument("--questions", default=str(QUESTIONS_FILE))
    args = parser.parse_args(argv)
    questions = load_questions(Path(args.questions))
    problems = check_shape(questions)
    corpus = Path(args.corpus)
    if corpus.is_dir():
        problems += check_against_corpus(questions, corpus)
    else:
        problems.append(f"no corpus at {corpus} (make bench-data installs python3.11-doc)")
    by_label = Counter(q.complexity for q in questions)
    print(f"{len(questions)} questions: " + ", ".join(f"{by_label[c]} {c}" for c in COMPLEXITIES))
    for problem in problems:
        print(f"  {problem}")
    print("ok" if not problems else f"{len(problems)} problem(s)")
    return 0 if not problems else 1


if __name__ == "__main__":
    if __package__ in (None, ""):
        sys.path[0] = str(Path(__file__).resolve().parent.parent)
    raise SystemExit(main())
