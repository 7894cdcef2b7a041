"""Retrieval-augmented reasoning on the Python 3.11 documentation: answer accuracy, retrieval
recall, cost and latency of every mode, and how ADAPTIVE routes compared with hindsight.

What is measured, in one run:

- corpus: the HTML pages of the Python 3.11 documentation (Debian's python3.11-doc,
  `make bench-data`; `--corpus`): every gold page of the question set plus a fixed random
  sample of the other pages (`--pages` in all, `--seed`), index and listing pages left out,
  ingested into a fresh knowledge index (`POST /api/v1/search/indexes`, then one
  `POST /api/v1/search/documents` per page, the page's relative path as metadata `source`).
- questions: bench/data/python_docs_qa.jsonl (see bench/python_docs_qa.py), all of them or a
  fixed random sample of `--n` (`--seed`); each has gold answer strings, gold pages and a
  complexity label (simple, moderate, complex).
- per question, every mode of `--modes` (direct, rag_only, s3_rag, tot_enhanced_rag,
  adaptive), in a rotating order so drifting machine load hits every mode alike: one
  reasoning session (`POST /api/v1/reasoning/start`, `GET /api/v1/reasoning/results/{id}`),
  task `open`, the configured RAG and s3 parameters, and the configured ToT parameters with a
  smaller budget (`--tot-*`, printed: the defaults cost minutes per question on a small CPU).

Per mode: accuracy (a gold string in the answer, case-insensitive; also per complexity),
recall of the gold page (any passage the answer was given comes from a gold page; `seen`:
any passage the session retrieved at all, from the session's tree), retrieval calls, model
calls, tokens, latency (client side, start to result: mean and p50).

ADAPTIVE against each fixed mode, and the goal: ADAPTIVE's accuracy within 2 points of the
best fixed mode's, at no more than half that mode's mean latency. Routing against hindsight:
for each question the hindsight mode is the fastest fixed mode that answered it correctly
(direct when none did: nothing was gained by spending more); the table counts ADAPTIVE's
choices against it, and its complexity label against the question's.

`--backend engine` runs ReasoningPipeline in this process (the GGUF through LlamaCppEngine,
an in-process semantic retriever over the same pages): a development path.

    python -m bench.reasoning_rag [--n 30] [--pages 300] [--modes direct,rag_only,...] [--model NAME]

Questions are asked in a seeded shuffled order, so a run cut short has asked a random sample
of every complexity. Each answered question's rows are kept as they come (ROWS_FILE);
`--from-rows FILE` reports them, `--resume FILE` goes on with the questions they lack (the
index is ingested again).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # run as a file (`python bench/x.py`): the repository root takes bench/'s place on sys.path
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from rich.table import Table

from bench.common import RESULTS_DIR, CpuMonitor, Stopwatch, console, print_cpu, progress_bar, write_results
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
from bench.reasoning_backends import Backend, BenchError, EngineBackend, Outcome, PlatformBackend, opened

NAMESPACE = "pygent-bench-reasoning"
MODES = ("direct", "rag_only", "s3_rag", "tot_enhanced_rag", "adaptive")
FIXED = tuple(m for m in MODES if m != "adaptive")
GOAL_POINTS = 2.0  # ADAPTIVE within this many accuracy points of the best fixed mode
GOAL_LATENCY = 0.5  # at no more than this share of that mode's mean latency
ROWS_FILE = RESULTS_DIR / "reasoning_rag.rows.jsonl"  # every answered question's rows, as they come


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("platform", "engine"), default="platform")
    parser.add_argument("--corpus", default=DEFAULT_CORPUS, help="the Python 3.11 HTML documentation")
    parser.add_argument("--questions", default=str(QUESTIONS_FILE))
    parser.add_argument("--n", type=int, default=None, help="a fixed random sample of this many questions")
    parser.add_argument("--pages", type=int, default=300, help="pages ingested in all (the gold pages first)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the question and page samples")
    parser.add_argument("--modes", default=",".join(MODES), help=f"any of {','.join(MODES)}")
    parser.add_argument("--model", default=None, help="an embedded or Ollama model (default: models.default_model)")
    parser.add_argument("--index", default="bench-pydocs", help="the knowledge index made for the run")
    parser.add_argument("--tot-beam", type=int, default=2, help="ToT beam width (configured: 5)")
    parser.add_argument("--tot-depth", type=int, default=2, help="ToT depth (configured: 4)")
    parser.add_argument("--tot-proposals", type=int, default=3, help="ToT proposals kept (configured: 16)")
    parser.add_argument("--tot-samples", type=int, default=1, help="ToT value samples per state (configured: 3)")
    parser.add_argument("--session-timeout-s", type=float, default=1800.0)
    parser.add_argument("--from-rows", default=None, help=f"report the rows a run kept ({ROWS_FILE.name})")
    parser.add_argument(
        "--resume",
        default=None,
        help=f"go on with a run cut short: the questions its kept rows ({ROWS_FILE.name}) answered are not asked again",
    )
    args = parser.parse_args(argv)
    unknown = set(args.modes.split(",")) - set(MODES)
    if unknown:
        parser.error(f"--modes: unknown {sorted(unknown)}")
    return args


def pick_questions(questions: list[Question], n: int | None, seed: int) -> list[Question]:
    if n is None or n >= len(questions):
        return questions
    return sorted(random.Random(seed).sample(questions, n), key=lambda q: q.id)


def run_order(questions: Sequence[Question], seed: int) -> list[Question]:
    """The order the questions are asked in: shuffled (seeded), so that a run cut short has
    asked a random sample of every complexity, not the first ids (grouped by complexity)."""
    order = list(questions)
    random.Random(seed + 1).shuffle(order)
    return order


def load_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def bench_failed(row: dict[str, Any]) -> bool:
    """A row the benchmark's own client failed to get (a refused request, a session it lost
    track of): no answer of the mode, so a resumed run asks that question again. A session
    that failed on the platform is an answer (a wrong one) and is kept."""
    return bool(row.get("bench_error")) or " HTTP 429 " in str(row.get("error") or "")


def answered_by_every_mode(rows: Sequence[dict[str, Any]], modes: Sequence[str]) -> set[str]:
    """The questions that kept rows hold an answer of every mode for."""
    seen: dict[str, set[str]] = {}
    failed: set[str] = set()
    for row in rows:
        seen.setdefault(row["id"], set()).add(row["mode"])
        if bench_failed(row):
            failed.add(row["id"])
    return {qid for qid, got in seen.items() if set(modes) <= got and qid not in failed}


def sources(passages: Sequence[Any]) -> set[str]:
    return {p.source for p in passages if p.source}


def ask(backend: Backend, question: Question, mode: str, model: str, index: str, tot: dict[str, Any]) -> dict[str, Any]:
    body = {"query": question.question, "mode": mode, "task": "open", "model": model, "index": index, "tot": tot}
    try:
        outcome: Outcome = backend.reason(body)
    except BenchError as error:
        return {
            "id": question.id,
            "complexity": question.complexity,
            "mode": mode,
            "error": str(error),
            "bench_error": True,
            "correct": False,
            "wall_s": None,
        }
    result = outcome.result
    gold = set(question.pages)
    given = sources(result.passages)
    seen = given | sources(outcome.retrieved)
    metrics = result.metrics
    return {
        "id": question.id,
        "complexity": question.complexity,
        "mode": mode,
        "resolved_mode": result.mode.value,
        "routed_complexity": result.routing.complexity.value if result.routing else None,
        "answer": result.answer,
        "correct": question.correct(result.answer),
        "status": result.status.value,
        "error": result.error,
        "recall_given": bool(gold & given),
        "recall_given_all": gold <= given,
        "recall_seen": bool(gold & seen),
        "sources": sorted(given),
        "retrieval_calls": metrics.retrieval_calls,
        "model_calls": metrics.model_calls,
        "prompt_tokens": metrics.prompt_tokens,
        "completion_tokens": metrics.completion_tokens,
        "session_wall_s": metrics.wall_time_s,
        "wall_s": outcome.wall_s,
        "session_id": outcome.session_id,
    }


def mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in rows if r.get("wall_s") is not None]
    walls = [r["wall_s"] for r in ok]
    out: dict[str, Any] = {
        "n": len(rows),
        "accuracy": mean([float(r["correct"]) for r in rows]),
        "recall_given": mean([float(r.get("recall_given", False)) for r in ok]),
        "recall_seen": mean([float(r.get("recall_seen", False)) for r in ok]),
        "retrieval_calls": mean([r["retrieval_calls"] for r in ok]),
        "model_calls": mean([r["model_calls"] for r in ok]),
        "tokens": mean([r["prompt_tokens"] + r["completion_tokens"] for r in ok]),
        "answer_words": mean([len((r.get("answer") or "").split()) for r in ok]),
        "latency_mean_s": mean(walls),
        "latency_p50_s": statistics.median(walls) if walls else float("nan"),
        "errors": sum(1 for r in rows if r.get("error") or r.get("status") == "failed"),
    }
    for label in COMPLEXITIES:
        some = [r for r in rows if r.get("complexity") == label]
        out[f"accuracy_{label}"] = mean([float(r["correct"]) for r in some]) if some else None
    return out


def hindsight(rows: list[dict[str, Any]], questions: list[Question]) -> dict[str, Any]:
    """ADAPTIVE's routes against the fastest fixed mode that was right, question by question."""
    by_q: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        by_q.setdefault(row["id"], {})[row["mode"]] = row
    choices: Counter[tuple[str, str]] = Counter()
    labels: Counter[tuple[str, str]] = Counter()
    agree = routed_right = answerable = 0
    oracle_correct = 0
    oracle_walls: list[float] = []
    for question in questions:
        runs = by_q.get(question.id, {})
        adaptive = runs.get("adaptive")
        right = [runs[m] for m in FIXED if m in runs and runs[m]["correct"] and runs[m].get("wall_s") is not None]
        best = min(right, key=lambda r: r["wall_s"]) if right else None
        oracle = best["mode"] if best else "direct"
        if best:
            oracle_correct += 1
            oracle_walls.append(best["wall_s"])
        elif "direct" in runs and runs["direct"].get("wall_s") is not None:
            oracle_walls.append(runs["direct"]["wall_s"])
        if adaptive is None or adaptive.get("resolved_mode") is None:
            continue
        chosen = adaptive["resolved_mode"]
        choices[(chosen, oracle)] += 1
        labels[(question.complexity, adaptive.get("routed_complexity") or "?")] += 1
        agree += chosen == oracle
        if right:
            answerable += 1
            routed_right += any(r["mode"] == chosen for r in right)
    routed = sum(choices.values())
    return {
        "routed": routed,
        "agreement": agree / routed if routed else None,
        "answerable": answerable,
        "routed_to_a_right_mode": routed_right / answerable if answerable else None,
        "oracle_accuracy": oracle_correct / len(questions) if questions else None,
        "oracle_latency_mean_s": mean(oracle_walls),
        "choices": {f"{c}->{o}": n for (c, o), n in sorted(choices.items())},
        "complexity_labels": {f"{g}->{r}": n for (g, r), n in sorted(labels.items())},
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    watch = Stopwatch()
    corpus = Path(args.corpus)
    settings, model = bench_settings(corpus, args.model)
    every = load_questions(Path(args.questions))
    questions = pick_questions(every, args.n, args.seed)
    available = content_pages(corpus, settings.knowledge.max_document_bytes)
    missing = sorted({p for q in questions for p in q.pages} - set(available))
    if missing:
        raise SystemExit(f"gold pages missing from {corpus} (or over knowledge.max_document_bytes): {missing}")
    pages = choose_pages(every, available, args.pages, args.seed)
    modes = [m for m in MODES if m in args.modes.split(",")]
    tot = tot_budget(settings, args)
    mix = Counter(q.complexity for q in questions)
    console.print(
        f"{len(questions)} questions ({', '.join(f'{mix[c]} {c}' for c in COMPLEXITIES)}; seed {args.seed}), "
        f"{len(pages)} pages of {len(available)} ({corpus}), model {model}, backend {args.backend}"
    )
    console.print(
        f"ToT budget: beam {tot['beam_width']}, depth {tot['max_depth']}, {tot['max_proposals']} proposals, "
        f"{tot['n_evaluate_sample']} value sample(s), {tot['max_tokens']} tokens a call"
    )
    if args.from_rows:  # report a run whose rows were kept (ROWS_FILE) without running it again
        saved = load_rows(Path(args.from_rows))
        whole = answered_by_every_mode(saved, modes)  # a question the client failed on is left out
        saved = [r for r in saved if r["id"] in whole and r["mode"] in modes]
        kept = [q for q in questions if q.id in whole]
        kept_run = {"model": model, "rows": saved, "tot": tot, "from_rows": args.from_rows}
        return report(args, kept, modes, kept_run, watch)
    # a resumed run keeps the whole questions its rows answered, and asks only the others
    kept_rows = load_rows(Path(args.resume)) if args.resume else []
    done = answered_by_every_mode(kept_rows, modes)
    kept_rows = [r for r in kept_rows if r["id"] in done and r["mode"] in modes]
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    ROWS_FILE.write_text("".join(json.dumps(r) + "\n" for r in kept_rows))
    documents = [(page, (corpus / page).read_text(errors="replace")) for page in pages]
    results: dict[str, Any] = {"model": model, "questions": [q.id for q in questions], "pages": pages, "tot": tot}
    if args.resume:
        results["resumed"] = {"from": args.resume, "questions": len(done)}
        console.print(f"resuming: {len(done)} questions already answered by every mode ({args.resume})")
    rows: list[dict[str, Any]] = list(kept_rows)
    answered: list[Question] = [q for q in questions if q.id in done]
    todo = [q for q in run_order(questions, args.seed) if q.id not in done]
    try:
        backend: Backend
        if args.backend == "engine":
            backend = EngineBackend(retrieval=True)
        else:
            backend = PlatformBackend(namespace=NAMESPACE, session_timeout_s=args.session_timeout_s)
            results["platform_start_s"] = backend.start_s
        with opened(backend):
            results["ingest"] = backend.ingest(args.index, documents)
            ingest = results["ingest"]
            console.print(
                f"ingested {ingest['documents']} pages, {ingest['chunks']} chunks in {ingest['seconds']:.0f} s"
            )
            cpu = CpuMonitor()
            try:
                with progress_bar() as bar:
                    task = bar.add_task("questions x modes", total=len(todo) * len(modes))
                    for number, question in enumerate(todo):
                        order = modes[number % len(modes) :] + modes[: number % len(modes)]
                        runs = []
                        for mode in order:
                            bar.update(task, description=f"{question.id} {mode}")
                            runs.append(ask(backend, question, mode, model, args.index, tot))
                            bar.advance(task)
                        rows.extend(runs)
                        answered.append(question)
                        # kept as it goes: a run of hours survives a crash of its own ending
                        with ROWS_FILE.open("a") as rows_file:
                            rows_file.writelines(json.dumps(r) + "\n" for r in runs)
            except KeyboardInterrupt:  # a long run cut short still reports its whole questions
                console.print(f"[yellow]interrupted: reporting the {len(answered)} questions every mode answered[/]")
                results["interrupted"] = True
            results["cpu"] = cpu.stop()
    except BenchError as error:
        console.print(f"[red]{error}[/red]")
        return 2
    results["rows"] = rows
    results["questions"] = [q.id for q in answered]
    return report(args, answered, modes, results, watch)


def tot_budget(settings: Any, args: argparse.Namespace) -> dict[str, Any]:
    from actors.reasoning.config import load_reasoning_config

    base = load_reasoning_config(settings.resolve_path(settings.reasoning.config_file)).tot.model_dump(mode="json")
    return {
        **base,
        "beam_width": args.tot_beam,
        "max_depth": args.tot_depth,
        "max_proposals": args.tot_proposals,
        "n_evaluate_sample": args.tot_samples,
    }


def pct(value: float | None) -> str:
    return "-" if value is None or value != value else f"{value:.0%}"


def best_fixed(summaries: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """The most accurate fixed mode (the faster on a tie) and its summary."""
    fixed = {m: s for m, s in summaries.items() if m in FIXED}
    return max(fixed.items(), key=lambda kv: (kv[1]["accuracy"], -kv[1]["latency_mean_s"]))


def goal(best: dict[str, Any], adaptive: dict[str, Any]) -> tuple[float, float, bool]:
    """Accuracy points behind the best fixed mode, share of its mean latency, and whether
    that meets the goal (GOAL_POINTS, GOAL_LATENCY)."""
    points = (best["accuracy"] - adaptive["accuracy"]) * 100
    share = adaptive["latency_mean_s"] / best["latency_mean_s"] if best["latency_mean_s"] else float("nan")
    return points, share, points <= GOAL_POINTS and share <= GOAL_LATENCY


def report(
    args: argparse.Namespace, questions: list[Question], modes: list[str], results: dict[str, Any], watch: Stopwatch
) -> int:
    rows = results["rows"]
    summaries = {mode: summarise([r for r in rows if r["mode"] == mode]) for mode in modes}
    results["summaries"] = summaries
    table = Table(title=f"Python docs QA, {len(questions)} questions, {results['model']}, {args.backend} backend")
    columns = ["mode", "acc", *COMPLEXITIES, "recall", "seen", "retr", "calls", "tokens", "words", "mean s", "p50 s"]
    columns += ["err"]
    for column in columns:
        table.add_column(column, justify="left" if column == "mode" else "right")

    for mode, s in summaries.items():
        table.add_row(
            mode,
            pct(s["accuracy"]),
            *(pct(s[f"accuracy_{c}"]) for c in COMPLEXITIES),
            pct(s["recall_given"]),
            pct(s["recall_seen"]),
            f"{s['retrieval_calls']:.1f}",
            f"{s['model_calls']:.1f}",
            f"{s['tokens']:.0f}",
            f"{s['answer_words']:.0f}",
            f"{s['latency_mean_s']:.1f}",
            f"{s['latency_p50_s']:.1f}",
            str(s["errors"]),
        )
    console.print(table)
    if "cpu" in results:
        print_cpu(results["cpu"])
    verdicts: dict[str, Any] = {}
    fixed = {m: s for m, s in summaries.items() if m in FIXED}
    if "adaptive" in summaries and fixed:
        adaptive = summaries["adaptive"]
        best_mode, best = best_fixed(summaries)
        points, share, met = goal(best, adaptive)
        for mode, s in fixed.items():
            console.print(
                f"adaptive vs {mode}: accuracy {s['accuracy'] * 100 - adaptive['accuracy'] * 100:+.1f} points "
                f"for {mode}, latency {adaptive['latency_mean_s'] / s['latency_mean_s']:.2f}x of {mode}'s"
            )
        console.print(
            f"goal: adaptive within {GOAL_POINTS:.0f} points of the best fixed mode ({best_mode}, "
            f"{best['accuracy']:.0%}) at <= {GOAL_LATENCY}x its latency: {points:+.1f} points behind, "
            f"{share:.2f}x its mean latency: {'met' if met else 'not met'}"
        )
        routing = hindsight(rows, questions)
        results["routing"] = routing
        console.print(
            f"routing vs hindsight (the fastest fixed mode that was right, else direct): agreement "
            f"{pct(routing['agreement'])} of {routing['routed']}; routed to a mode that was right on "
            f"{pct(routing['routed_to_a_right_mode'])} of the {routing['answerable']} questions some mode got right; "
            f"a hindsight router would reach {pct(routing['oracle_accuracy'])} at "
            f"{routing['oracle_latency_mean_s']:.1f} s mean"
        )
        console.print(f"  adaptive's mode -> hindsight mode: {routing['choices']}")
        console.print(f"  question's complexity -> adaptive's: {routing['complexity_labels']}")
        verdicts = {"best_fixed": best_mode, "points_behind": points, "latency_share": share, "goal_met": met}
    path = write_results(
        "reasoning_rag", {"args": vars(args), "results": results, "verdicts": verdicts, "elapsed_s": watch.elapsed_s}
    )
    console.print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
