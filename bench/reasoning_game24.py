"""Game of 24: IO, chain of thought and tree of thoughts (b = 1, 5) on the same puzzles, a
scripted solver that checks the search itself, and ToT's wall time with 1 vs 2 model workers.

What is measured, in one run, on a fixed sample of `--n` puzzles of the ToT paper's dev split
(`--data`, drawn with `--seed`; printed):

- io:   one model call with the task's input-output prompt (Game24Task.io_prompt), the
        answer is the reply's last "Answer:" line (else its first line);
- cot:  one model call with the chain-of-thought prompt (Game24Task.cot_prompt), same answer rule;
- tot1, tot5: a reasoning session, mode tot_only, task game24, the configured ToT parameters
        (configs/reasoning.yaml: propose, value, BFS, depth 4, ...) with beam width b = 1 or 5
        and every parsed proposal kept (max_proposals 64: a 4-number state has at most 36
        legal steps).
Every answer is judged here by the task's checker (each input number exactly once, exact
fractions, equals 24), not by what the session says. Per method: success rate, model calls,
prompt and completion tokens, wall time per puzzle (mean, p50). IO and CoT go to the model
through `POST /api/v1/ollama/chat` (a session has no IO/CoT mode); ToT through
`POST /api/v1/reasoning/start` and `GET /api/v1/reasoning/results/{id}`.

- scripted: ToT b = 5 against a scripted Game-of-24 model served by a fake Ollama server
        (tests/fakes/ollama_server.py, reached by the platform's real Ollama client,
        settings `ollama.host`): it proposes every legal next step of the state it is asked
        about and values a state "sure" or "impossible" by an exact solver. A correct search
        must then solve every solvable puzzle of the sample; the run exits non-zero otherwise.
- workers: ToT b = 5 at temperature 0 (so both runs grow the same tree) on a platform with
        1 worker of the embedded model, then on a fresh platform with 2 (configs
        `models.embedded[].workers`). The goal: 2 workers <= 0.65x the wall time of 1.

`--backend engine` runs the same methods with ReasoningPipeline in this process (the GGUF
loaded through LlamaCppEngine; the scripted model in process; no worker comparison): a
development path, not the platform's figure.

    python -m bench.reasoning_game24 [--n 50 --seed 0] [--model smollm2:135m] [--backend engine]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # run as a file (`python bench/x.py`): the repository root takes bench/'s place on sys.path
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from rich.table import Table

from actors.reasoning.game24 import Game24Task, can_reach, check_expression, load_puzzles
from bench.common import REPO_ROOT, CpuMonitor, Stopwatch, console, print_cpu, progress_bar, write_results
from bench.reasoning_backends import Backend, BenchError, EngineBackend, PlatformBackend, opened

NAMESPACE = "pygent-bench-reasoning"
DEFAULT_DATA = "../shared/data/game24/24_dev.csv"  # relative to the repository root
SCRIPTED_MODEL = "scripted-game24:latest"
WORKERS_GOAL = 0.65
METHODS = ("io", "cot", "tot1", "tot5")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("platform", "engine"), default="platform")
    parser.add_argument("--data", default=DEFAULT_DATA, help="the dev split CSV (relative: to the repository root)")
    parser.add_argument("--n", type=int, default=50, help="puzzles in the sample")
    parser.add_argument("--seed", type=int, default=0, help="the sample's seed")
    parser.add_argument("--model", default=None, help="an embedded or Ollama model (default: models.default_model)")
    parser.add_argument("--methods", default=",".join(METHODS), help=f"any of {','.join(METHODS)}")
    parser.add_argument("--no-scripted", action="store_true", help="skip the scripted-solver check")
    parser.add_argument("--no-workers", action="store_true", help="skip the 1 vs 2 workers comparison")
    parser.add_argument("--workers-n", type=int, default=None, help="puzzles for the workers comparison (default: n)")
    parser.add_argument("--session-timeout-s", type=float, default=1800.0)
    args = parser.parse_args(argv)
    unknown = set(args.methods.split(",")) - set(METHODS)
    if unknown:
        parser.error(f"--methods: unknown {sorted(unknown)}")
    if args.n < 1:
        parser.error("--n must be at least 1")
    return args


def load_sample(data: str, n: int, seed: int) -> list[list[int]]:
    path = Path(data)
    path = path if path.is_absolute() else (REPO_ROOT / path).resolve()
    if not path.is_file():
        raise SystemExit(
            f"Game of 24 data not found: {path}\n"
            "The dev split (24_dev.csv, the Tree of Thoughts repository's data/24/24.csv) is not in this repository;"
            " on the development machine it is ../shared/data/game24/24_dev.csv. Pass --data PATH."
        )
    puzzles = load_puzzles(path)
    if n > len(puzzles):
        raise SystemExit(f"--n {n}: the file has {len(puzzles)} puzzles")
    return random.Random(seed).sample(puzzles, n)


def query_of(numbers: Sequence[int]) -> str:
    return " ".join(map(str, numbers))


def solvable(numbers: Sequence[int]) -> bool:
    return can_reach([Fraction(n) for n in numbers])


# ---- one puzzle, one method -----------------------------------------------------------------


def one_shot(backend: Backend, method: str, model: str, numbers: list[int], tot: dict[str, Any]) -> dict[str, Any]:
    task = Game24Task()
    query = query_of(numbers)
    prompt = task.io_prompt(query) if method == "io" else task.cot_prompt(query)
    reply = backend.chat(model, prompt, tot["temperature"], tot["max_tokens"])
    answer = task.extract_answer(reply.completion.text)
    ok, why = check_expression(answer, numbers) if answer else (False, "no answer")
    return {
        "puzzle": query,
        "answer": answer,
        "solved": ok,
        "why": why,
        "model_calls": 1,
        "prompt_tokens": reply.completion.prompt_tokens,
        "completion_tokens": reply.completion.completion_tokens,
        "wall_s": reply.wall_s,
    }


def tot_session(backend: Backend, model: str, numbers: list[int], tot: dict[str, Any]) -> dict[str, Any]:
    query = query_of(numbers)
    body = {"query": query, "mode": "tot_only", "task": "game24", "tot": tot, "model": model}
    outcome = backend.reason(body)
    result = outcome.result
    ok, why = check_expression(result.answer, numbers) if result.answer else (False, "no answer")
    if result.solved and not ok:
        why = f"the session said solved, the checker says: {why}"
    metrics = result.metrics
    return {
        "puzzle": query,
        "answer": result.answer,
        "solved": ok,
        "session_solved": result.solved,
        "why": why,
        "status": result.status.value,
        "stop_reason": result.stop_reason,
        "error": result.error,
        "session_id": outcome.session_id,
        "nodes": len(result.nodes),
        "model_calls": metrics.model_calls,
        "prompt_tokens": metrics.prompt_tokens,
        "completion_tokens": metrics.completion_tokens,
        "session_wall_s": metrics.wall_time_s,
        "wall_s": outcome.wall_s,
    }


def run_method(
    label: str, puzzles: list[list[int]], one: Callable[[list[int]], dict[str, Any]]
) -> tuple[list[dict[str, Any]], float]:
    rows = []
    started = time.perf_counter()
    with progress_bar() as bar:
        task = bar.add_task(label, total=len(puzzles))
        for numbers in puzzles:
            row = one(numbers)
            row["solvable"] = solvable(numbers)
            rows.append(row)
            bar.update(task, advance=1, description=f"{label} ({sum(r['solved'] for r in rows)} solved)")
    return rows, time.perf_counter() - started


def summary(rows: list[dict[str, Any]], total_s: float) -> dict[str, Any]:
    walls = [r["wall_s"] for r in rows]
    n = len(rows)
    return {
        "n": n,
        "solved": sum(r["solved"] for r in rows),
        "solvable": sum(r["solvable"] for r in rows),
        "success_rate": sum(r["solved"] for r in rows) / n if n else 0.0,
        "model_calls_mean": statistics.fmean(r["model_calls"] for r in rows) if n else 0.0,
        "prompt_tokens_mean": statistics.fmean(r["prompt_tokens"] for r in rows) if n else 0.0,
        "completion_tokens_mean": statistics.fmean(r["completion_tokens"] for r in rows) if n else 0.0,
        "wall_s_mean": statistics.fmean(walls) if n else 0.0,
        "wall_s_p50": statistics.median(walls) if n else 0.0,
        "total_s": total_s,
        "errors": sum(1 for r in rows if r.get("error") or r.get("status") == "failed"),
    }


# ---- the phases -----------------------------------------------------------------------------


def tot_config(base: dict[str, Any], beam_width: int, **changes: Any) -> dict[str, Any]:
    return {**base, "beam_width": beam_width, "max_proposals": 64, **changes}


def method_runner(backend: Backend, method: str, model: str, params: dict[str, Any]) -> Callable[[list[int]], Any]:
    if method in ("io", "cot"):
        return lambda numbers: one_shot(backend, method, model, numbers, params)
    return lambda numbers: tot_session(backend, model, numbers, params)


def run_methods(
    backend: Backend, model: str, puzzles: list[list[int]], methods: list[str], base: dict[str, Any]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for method in methods:
        params = tot_config(base, 1 if method in ("io", "cot") else int(method.removeprefix("tot")))
        rows, total = run_method(f"{method} on {model}", puzzles, method_runner(backend, method, model, params))
        out[method] = {"summary": summary(rows, total), "rows": rows, "tot": params}
    return out


def run_scripted(backend: Backend, model: str, puzzles: list[list[int]], base: dict[str, Any]) -> dict[str, Any]:
    params = tot_config(base, 5)
    rows, total = run_method(
        f"tot5 on the scripted solver ({model})", puzzles, lambda numbers: tot_session(backend, model, numbers, params)
    )
    stats = summary(rows, total)
    solved_solvable = sum(1 for r in rows if r["solvable"] and r["solved"])
    wrong = [r["puzzle"] for r in rows if r["solved"] and not r["solvable"]]
    missed = [r["puzzle"] for r in rows if r["solvable"] and not r["solved"]]
    return {
        "summary": {**stats, "solved_solvable": solved_solvable, "missed": missed, "wrongly_solved": wrong},
        "rows": rows,
        "tot": params,
        "ok": not missed and not wrong,
    }


def run_workers_phase(backend: Backend, model: str, puzzles: list[list[int]], base: dict[str, Any]) -> dict[str, Any]:
    params = tot_config(base, 5, temperature=0.0)
    cpu = CpuMonitor()  # other load on the machine distorts a parallel speed-up most of all
    rows, total = run_method(
        f"tot5, temperature 0 ({model})", puzzles, lambda numbers: tot_session(backend, model, numbers, params)
    )
    return {"summary": summary(rows, total), "rows": rows, "tot": params, "cpu": cpu.stop()}


# ---- main -----------------------------------------------------------------------------------


def make_scripted_fake(seed: int) -> Any:
    from tests.fakes.ollama_server import FakeOllama
    from tests.fakes.reasoning_models import game24_responder

    fake = FakeOllama(models=[SCRIPTED_MODEL], token_delay_s=0.0005)
    fake.responders[SCRIPTED_MODEL] = game24_responder(seed=seed)
    return fake.start()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    watch = Stopwatch()
    puzzles = load_sample(args.data, args.n, args.seed)
    methods = [m for m in METHODS if m in args.methods.split(",")]
    from actors.reasoning.config import load_reasoning_config
    from configs.settings import load_settings

    settings = load_settings()
    model = args.model or settings.models.default_model
    if model is None:
        raise SystemExit("--model: no model named and no models.default_model in the settings")
    embedded = {m.name for m in settings.models.embedded}
    base = load_reasoning_config(settings.resolve_path(settings.reasoning.config_file)).tot.model_dump(mode="json")
    n_solvable = sum(solvable(p) for p in puzzles)
    console.print(
        f"Game of 24: {len(puzzles)} puzzles of {args.data} (seed {args.seed}; {n_solvable} solvable), "
        f"model {model}, backend {args.backend}"
    )
    results: dict[str, Any] = {"sample": [query_of(p) for p in puzzles], "seed": args.seed, "model": model}
    workers_n = puzzles[: args.workers_n or len(puzzles)]
    do_workers = args.backend == "platform" and not args.no_workers
    if do_workers and model not in embedded:
        console.print(f"[yellow]workers: {model} is not an embedded model; its worker count is not ours to set[/]")
        do_workers = False

    fake = None
    try:
        if args.backend == "engine":
            from tests.fakes.reasoning_models import ScriptedGame24Model

            with opened(EngineBackend({SCRIPTED_MODEL: ScriptedGame24Model(seed=args.seed)})) as backend:
                if not args.no_scripted:
                    results["scripted"] = run_scripted(backend, SCRIPTED_MODEL, puzzles, base)
                results["methods"] = run_methods(backend, model, puzzles, methods, base)
        else:
            import os

            own_host = os.environ.get("PYGENT_OLLAMA_HOST")
            if not args.no_scripted and not own_host:
                fake = make_scripted_fake(args.seed)
            host = fake.url if fake is not None else None
            workers = {model: 1} if model in embedded else None
            with opened(PlatformBackend(namespace=NAMESPACE, ollama_host=host, workers=workers)) as backend:
                assert isinstance(backend, PlatformBackend)
                results["platform_start_s"] = backend.start_s
                if fake is not None:
                    results["scripted"] = run_scripted(backend, SCRIPTED_MODEL, puzzles, base)
                results["methods"] = run_methods(backend, model, puzzles, methods, base)
                if do_workers:
                    results["workers_1"] = run_workers_phase(backend, model, workers_n, base)
            if do_workers:
                with opened(PlatformBackend(namespace=NAMESPACE, workers={model: 2})) as backend:
                    results["workers_2"] = run_workers_phase(backend, model, workers_n, base)
            if not args.no_scripted and own_host:
                # PYGENT_OLLAMA_HOST names a real Ollama (for --model): the fake needs a platform of its own
                fake = make_scripted_fake(args.seed)
                with opened(PlatformBackend(namespace=NAMESPACE, ollama_host=fake.url)) as backend:
                    results["scripted"] = run_scripted(backend, SCRIPTED_MODEL, puzzles, base)
    except BenchError as error:
        console.print(f"[red]{error}[/red]")
        return 2
    finally:
        if fake is not None:
            fake.stop()
    return report(args, results, watch)


def report(args: argparse.Namespace, results: dict[str, Any], watch: Stopwatch) -> int:
    size = len(results["sample"])
    title = f"Game of 24, {size} puzzles (seed {args.seed}), {results['model']}, {args.backend} backend"
    table = Table(title=title)
    for column in (
        "method",
        "success",
        "solved",
        "model calls",
        "prompt tok",
        "completion tok",
        "wall s mean",
        "wall s p50",
        "errors",
    ):
        table.add_column(column, justify="left" if column == "method" else "right")

    def row(label: str, s: dict[str, Any]) -> None:
        table.add_row(
            label,
            f"{s['success_rate']:.0%}",
            f"{s['solved']}/{s['n']}",
            f"{s['model_calls_mean']:.1f}",
            f"{s['prompt_tokens_mean']:.0f}",
            f"{s['completion_tokens_mean']:.0f}",
            f"{s['wall_s_mean']:.2f}",
            f"{s['wall_s_p50']:.2f}",
            str(s["errors"]),
        )

    for method, data in results.get("methods", {}).items():
        row(method, data["summary"])
    scripted = results.get("scripted")
    if scripted:
        row("tot5 scripted", scripted["summary"])
    for key, label in (("workers_1", "tot5 T0 1 wk"), ("workers_2", "tot5 T0 2 wk")):
        if key in results:
            row(label, results[key]["summary"])
    console.print(table)

    verdicts: dict[str, Any] = {}
    status = 0
    if scripted:
        s = scripted["summary"]
        line = f"scripted solver: ToT b=5 solved {s['solved_solvable']}/{s['solvable']} solvable puzzles"
        if scripted["ok"]:
            console.print(f"[green]{line}: every one (and no unsolvable one)[/green]")
        else:
            console.print(f"[red]{line}; missed {s['missed']}, wrongly solved {s['wrongly_solved']}[/red]")
            status = 1
        verdicts["scripted_all_solved"] = scripted["ok"]
    if "workers_1" in results and "workers_2" in results:
        one, two = results["workers_1"]["summary"], results["workers_2"]["summary"]
        ratio = two["total_s"] / one["total_s"] if one["total_s"] else float("nan")
        calls = (one["model_calls_mean"], two["model_calls_mean"])
        met = ratio <= WORKERS_GOAL
        console.print(
            f"workers: ToT b=5 (T=0) took {one['total_s']:.1f} s with 1 worker, {two['total_s']:.1f} s with 2: "
            f"{ratio:.2f}x (goal <= {WORKERS_GOAL}x: {'met' if met else 'not met'}); "
            f"model calls per puzzle {calls[0]:.1f} vs {calls[1]:.1f}"
        )
        for key in ("workers_1", "workers_2"):
            print_cpu(results[key]["cpu"])
        verdicts["workers_ratio"] = ratio
        verdicts["workers_goal_met"] = met
    path = write_results(
        "reasoning_game24",
        {"args": vars(args), "results": results, "verdicts": verdicts, "elapsed_s": watch.elapsed_s},
    )
    console.print(f"results: {path}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
