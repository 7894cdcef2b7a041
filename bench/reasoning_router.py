"""ADAPTIVE calibrated on a model's own outcomes, measured on questions it was not calibrated on.

Adaptive-RAG (Jeong et al. 2024) trains its complexity classifier on labels collected by
running the strategies with the model that will serve: the simplest strategy that answered
right gives a query its label. This bench does that with the rows of a `bench.reasoning_rag`
run (every mode's answer to every question):

1. the run's whole questions are split in two, stratified by complexity and seeded: a train
   split and a held-out test split;
2. the train split's outcomes label its questions (actors/reasoning/calibration.py; a question
   no mode got right is left out) and the labels are stored on the platform as the model's
   calibration (`POST /reasoning/modes`, `calibrations`);
3. the test split is asked again in ADAPTIVE mode, now routed by its k nearest labelled
   questions; the fixed modes' and uncalibrated ADAPTIVE's answers to the same test questions
   come from the rows, so every mode is compared on the same held-out questions.

The goal is reasoning_rag's: ADAPTIVE within 2 accuracy points of the best fixed mode at no
more than half its mean latency. Run: `python -m bench.reasoning_router --rows FILE`
(FILE: a reasoning_rag rows file; the index is ingested again, as the run ingested it).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from rich.table import Table

from bench.common import Stopwatch, console, progress_bar, write_results
from bench.python_docs_qa import (
    COMPLEXITIES,
    DEFAULT_CORPUS,
    QUESTIONS_FILE,
    Question,
    bench_settings,
    choose_pages,
    content_pages,
    load_questions,
)
from bench.reasoning_backends import Backend, BenchError, EngineBackend, PlatformBackend, opened
from bench.reasoning_rag import (
    FIXED,
    MODES,
    answered_by_every_mode,
    ask,
    best_fixed,
    goal,
    load_rows,
    pct,
    tot_budget,
)
from bench.reasoning_rag import parse_args as rag_defaults
from bench.reasoning_rag import summarise as summarise_rows

NAMESPACE = "pygent-bench-router"
CALIBRATED = "adaptive_calibrated"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", required=True, help="a bench.reasoning_rag rows file (every mode's answers)")
    parser.add_argument("--backend", choices=("platform", "engine"), default="platform")
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--questions", default=str(QUESTIONS_FILE))
    parser.add_argument("--pages", type=int, default=300, help="pages ingested (as the run that made the rows)")
    parser.add_argument("--seed", type=int, default=0, help="the rows' run seed (its page sample) and the split's")
    parser.add_argument("--train-share", type=float, default=0.5, help="share of each complexity calibrated on")
    parser.add_argument("--k", type=int, default=7, help="neighbours that vote")
    parser.add_argument("--model", default=None)
    parser.add_argument("--index", default="bench-pydocs")
    parser.add_argument("--session-timeout-s", type=float, default=1800.0)
    args = parser.parse_args(argv)
    if not 0 < args.train_share < 1:
        parser.error("--train-share: between 0 and 1")
    return args


def split(questions: Sequence[Question], train_share: float, seed: int) -> tuple[list[Question], list[Question]]:
    """Train and test, each complexity split in the same proportion (seeded)."""
    by_label: dict[str, list[Question]] = defaultdict(list)
    for question in sorted(questions, key=lambda q: q.id):
        by_label[question.complexity].append(question)
    train: list[Question] = []
    test: list[Question] = []
    rng = random.Random(seed)
    for label in sorted(by_label):
        group = by_label[label]
        rng.shuffle(group)
        cut = round(len(group) * train_share)
        train += group[:cut]
        test += group[cut:]
    return train, test


def outcomes(rows: Sequence[dict[str, Any]], questions: Sequence[Question]) -> list[Any]:
    """Each question's fixed modes and whether each answered right."""
    from actors.reasoning.calibration import Outcome
    from protocols.reasoning import ReasoningMode

    correct: dict[str, dict[ReasoningMode, bool]] = defaultdict(dict)
    for row in rows:
        if row["mode"] in FIXED:
            correct[row["id"]][ReasoningMode(row["mode"])] = bool(row["correct"])
    return [Outcome(q.question, correct[q.id]) for q in questions if q.id in correct]


def main(argv: Sequence[str] | None = None) -> int:
    from actors.reasoning.calibration import calibrate, label_counts

    args = parse_args(argv)
    watch = Stopwatch()
    corpus = Path(args.corpus)
    settings, model = bench_settings(corpus, args.model)
    every = load_questions(Path(args.questions))
    rows = load_rows(Path(args.rows))
    whole = answered_by_every_mode(rows, MODES)
    questions = [q for q in every if q.id in whole]
    if not questions:
        raise SystemExit(f"{args.rows}: no question answered by every mode")
    rows = [r for r in rows if r["id"] in whole and r["mode"] in MODES]
    train, test = split(questions, args.train_share, args.seed)
    source = f"{Path(args.rows).name}: {len(train)} train questions, seed {args.seed}"
    calibration = calibrate(outcomes(rows, train), k=args.k, source=source)
    counts = label_counts(calibration)
    console.print(
        f"{len(questions)} questions answered by every mode in {args.rows}: {len(train)} train, {len(test)} test; "
        f"labels from the train outcomes: {counts} ({len(train) - sum(counts.values())} no mode got right)"
    )
    available = content_pages(corpus, settings.knowledge.max_document_bytes)
    pages = choose_pages(every, available, args.pages, args.seed)
    documents = [(page, (corpus / page).read_text(errors="replace")) for page in pages]
    results: dict[str, Any] = {
        "model": model,
        "train": [q.id for q in train],
        "test": [q.id for q in test],
        "labels": counts,
        "calibration": calibration.model_dump(mode="json"),
    }
    tot = tot_budget(settings, rag_defaults([]))  # a question routed to a tree gets reasoning_rag's budget
    asked: list[dict[str, Any]] = []
    try:
        backend: Backend
        if args.backend == "engine":
            backend = EngineBackend(retrieval=True)
        else:
            backend = PlatformBackend(namespace=NAMESPACE, session_timeout_s=args.session_timeout_s)
        with opened(backend):
            ingest = backend.ingest(args.index, documents)
            results["ingest"] = ingest
            console.print(f"ingested {ingest['documents']} pages, {ingest['chunks']} chunks, {ingest['seconds']:.0f} s")
            backend.calibrate(model, calibration.model_dump(mode="json"))
            with progress_bar() as bar:
                task = bar.add_task("test questions, calibrated adaptive", total=len(test))
                for question in test:
                    row = ask(backend, question, "adaptive", model, args.index, tot)
                    asked.append({**row, "mode": CALIBRATED})
                    bar.advance(task)
    except BenchError as error:
        console.print(f"[red]{error}[/red]")
        return 2
    test_ids = {q.id for q in test}
    results["rows"] = [r for r in rows if r["id"] in test_ids] + asked
    return report(args, test, results, watch)


def report(args: argparse.Namespace, test: list[Question], results: dict[str, Any], watch: Stopwatch) -> int:
    rows = results["rows"]
    modes = [*MODES, CALIBRATED]
    summaries = {mode: summarise_rows([r for r in rows if r["mode"] == mode]) for mode in modes}
    results["summaries"] = summaries
    title = f"ADAPTIVE calibrated on {len(results['train'])} questions, {len(test)} held out, {results['model']}"
    table = Table(title=title)
    for column in ("mode", "acc", *COMPLEXITIES, "mean s", "p50 s", "err"):
        table.add_column(column, justify="left" if column == "mode" else "right")

    for mode, s in summaries.items():
        table.add_row(
            mode,
            pct(s["accuracy"]),
            *(pct(s[f"accuracy_{c}"]) for c in COMPLEXITIES),
            f"{s['latency_mean_s']:.1f}",
            f"{s['latency_p50_s']:.1f}",
            str(s["errors"]),
        )
    console.print(table)
    routes = Counter(r.get("resolved_mode") for r in rows if r["mode"] == CALIBRATED)
    console.print(f"calibrated adaptive ran: {dict(routes)}")
    best_mode, best = best_fixed(summaries)
    verdicts: dict[str, Any] = {"best_fixed": best_mode}
    for mode in ("adaptive", CALIBRATED):
        s = summaries[mode]
        points, share, met = goal(best, s)
        verdicts[mode] = {"points_behind": points, "latency_share": share, "goal_met": met}
        console.print(
            f"{mode} vs the best fixed mode ({best_mode}, {best['accuracy']:.0%}): {points:+.1f} points behind, "
            f"{share:.2f}x its mean latency: goal {'met' if met else 'not met'}"
        )
    path = write_results(
        "reasoning_router", {"args": vars(args), "results": results, "verdicts": verdicts, "elapsed_s": watch.elapsed_s}
    )
    console.print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
