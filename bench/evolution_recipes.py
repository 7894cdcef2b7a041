"""Recipe evolution on the Python-docs question set within a metric-call budget, against GEPA.

What is measured, in one run:

- a private platform (`--namespace`-free: its own Ray namespace, state directory and port),
  driven over REST like bench/reasoning_rag.py; the corpus pages the task's questions need
  (every gold page of its examples, then a fixed random sample of other pages up to `--pages`)
  ingested into a fresh index (`--index`), which the run's recipe space names;
- the seed recipe: the model (`--model`), mode `--seed-mode` (rag_only) over that index, the
  seed system prompt (`--seed-prompt`), the rest the recipe defaults;
- ours: one evolution run (`POST /api/v1/evolution/start` on `--task` with the seed recipe,
  `budget.metric_calls` = `--budget`, `--population`, `--islands`, `--seed`; generations and
  patience set so that the budget is what stops it), watched with `GET /evolution/runs/{id}`,
  then `GET /evolution/results`: the final front's val objectives and its test objectives
  (scored by the run's islands after it stopped), the hypervolume history, metric calls used;
- GEPA (`gepa.optimize`, bench/gepa_recipes.py): the same seed prompt, the same train split
  (reflection) and val split (selection), the same metric-call budget; its adapter runs the
  seed recipe with the candidate prompt through the evaluator the islands use
  (actors/evolution/platform.py `evaluator_for`: the reasoning pipeline over the platform's
  model workers and knowledge index, from this driver over Ray), and its reflection LM is the
  same model through the same router;
- the held-out test split for the seed recipe and GEPA's best candidate (by val, as GEPA picks
  it), scored through that evaluator the same way the islands score the front on test.

Quality is the task's metric (a gold string in the answer), latency p50 the session's wall
time (median over the examples), tokens prompt + completion per example. Which front member
is "ours" beside GEPA's one candidate: the best on val quality (ties: lower val latency),
never the best on test.

Our run checks its budget between generations, so a generation under way finishes: it can go
past `--budget` by up to one generation's evaluations (the table shows the calls used).

    python -m bench.evolution_recipes [--task python_docs_qa] [--budget 300] [--model NAME]
    python -m bench.evolution_recipes --task python_docs_qa_quick --budget 20 --pages 20   # a smoke run
    python -m bench.evolution_recipes --no-gepa   /   --no-ours   # the two halves in separate sittings
Results: bench/results/evolution_recipes.json.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
import time
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from rich.table import Table

from bench.common import CpuMonitor, Stopwatch, console, print_cpu, progress_bar, write_results
from bench.python_docs_qa import (
    DEFAULT_CORPUS,
    QUESTIONS_FILE,
    bench_settings,
    choose_pages,
    content_pages,
    load_questions,
)
from protocols.evolution import (
    PRESET_OBJECTIVES,
    Evaluation,
    ObjectiveSpec,
    ReasoningGene,
    Recipe,
    RetrievalGene,
    Split,
)

NAMESPACE = "pygent-bench-evolution-recipes"
OBJECTIVES = ("quality", "latency_p50", "tokens")
SEED_PROMPT = (
    "You answer questions about Python 3.11 and its standard library from the documentation "
    "passages you are given. Answer in one short sentence that names the exact function, class, "
    "module, parameter or value asked for."
)
T = TypeVar("T")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="python_docs_qa", help="a QA task of configs/evolution_tasks.yaml")
    parser.add_argument("--budget", type=int, default=300, help="metric calls (one example evaluated once)")
    parser.add_argument("--seed", type=int, default=0, help="the run's, GEPA's and the page sample's seed")
    parser.add_argument("--model", default=None, help="an embedded or Ollama model (default: models.default_model)")
    parser.add_argument("--corpus", default=DEFAULT_CORPUS, help="the Python 3.11 HTML documentation")
    parser.add_argument("--questions", default=str(QUESTIONS_FILE))
    parser.add_argument("--pages", type=int, default=100, help="pages ingested in all (the task's gold pages first)")
    parser.add_argument("--index", default="bench-evo-pydocs", help="the knowledge index made for the run")
    parser.add_argument("--seed-mode", choices=("direct", "rag_only"), default="rag_only")
    parser.add_argument("--seed-prompt", default=SEED_PROMPT)
    parser.add_argument("--population", type=int, default=4, help="per island (a full val pass costs val-size calls)")
    parser.add_argument("--islands", type=int, default=1)
    halves = parser.add_mutually_exclusive_group()  # both off would ingest and compare nothing
    halves.add_argument("--no-gepa", action="store_true", help="ours only")
    halves.add_argument(
        "--no-ours", action="store_true", help="GEPA and the seed only (the two halves fit separate sittings)"
    )
    parser.add_argument(
        "--start-timeout-s",
        type=float,
        default=300.0,
        help="supervision.start_timeout_s (a loaded machine starts slowly)",
    )
    parser.add_argument("--run-timeout-s", type=float, default=4 * 3600.0, help="the run's wall-time budget")
    return parser.parse_args(argv)


# ---- plain parts (unit-tested) ------------------------------------------------------------------


def seed_recipe(model: str, prompt: str, mode: str, index: str) -> Recipe:
    return Recipe(
        model=model,
        system_prompt=prompt,
        reasoning=ReasoningGene(mode=mode),  # type: ignore[arg-type]
        retrieval=RetrievalGene(index=index),
    )


def start_body(args: argparse.Namespace, seed: Recipe, model: str) -> dict[str, Any]:
    """Our run's POST /evolution/start: the budget, not generations or patience, stops it."""
    return {
        "task": args.task,
        "objectives": list(OBJECTIVES),
        "population_size": args.population,
        "islands": args.islands,
        "generations": 100_000,
        "patience": 100_000,
        "budget": {"metric_calls": args.budget, "wall_time_s": args.run_timeout_s},
        "seed": args.seed,
        "space": {"models": [model], "indexes": [args.index]},
        "seeds": [seed.model_dump(mode="json")],
    }


def objectives_of(evaluations: Sequence[Evaluation], split: Split) -> dict[str, float]:
    """Quality, latency p50 and tokens over one split, aggregated as the run aggregates them."""
    from actors.evolution.objectives import aggregate

    specs: list[ObjectiveSpec] = [PRESET_OBJECTIVES[name] for name in OBJECTIVES]
    return aggregate(evaluations, specs, split=split)


def pick_by_val(front: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """Our one recipe beside GEPA's: the front's best on val quality, then val latency."""
    if not front:
        return None
    return max(front, key=lambda m: (m["objectives"]["quality"], -m["objectives"]["latency_p50"]))


def front_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The final front from GET /evolution/results: each member's genes, val and test objectives."""
    test = {t["key"]: t["objectives"] for t in results.get("test") or []}
    rows = []
    for member in results.get("front") or []:
        genome = member["genome"]
        rows.append(
            {
                "key": member["key"],
                "mode": genome["reasoning"]["mode"],
                "k": genome["retrieval"]["k"],
                "temperature": genome["temperature"],
                "max_tokens": genome["max_tokens"],
                "prompt_chars": len(genome["system_prompt"]),
                "operators": member.get("lineage", {}).get("operators", []),
                "generation": member.get("lineage", {}).get("generation", 0),
                "val": member["objectives"],
                "test": test.get(member["key"]),
                "system_prompt": genome["system_prompt"],
            }
        )
    return rows


def gepa_summary(result: Any, log_calls: int) -> dict[str, Any]:
    """GEPA's result as the report keeps it (a GEPAResult, read by attribute)."""
    best = result.best_idx
    return {
        "candidates": len(result.candidates),
        "best_idx": best,
        "best_val_quality": float(result.val_aggregate_scores[best]),
        "val_quality": [float(s) for s in result.val_aggregate_scores],
        "metric_calls": int(result.total_metric_calls or log_calls),
        "adapter_metric_calls": log_calls,
        "best_prompt": result.candidates[best]["system_prompt"],
        "parents": [list(p) if p else [] for p in (result.parents or [])],
        "full_val_evals": result.num_full_val_evals,
    }


# ---- a loop for the async clients, callable from sync code (GEPA calls its adapter synchronously) --


class LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="bench-loop", daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout_s: float | None = None) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout_s)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class PlatformScoring:
    """The evaluator the platform's islands use (the same code, the same model workers and
    index), and the same model as GEPA's reflection LM, from this driver over Ray."""

    def __init__(self, settings: Any, task: str, model: str) -> None:
        from actors.evolution.platform import evaluator_for
        from actors.models.catalog import chat_address
        from actors.reasoning.adapters import RuntimeModel
        from supervisors.runtime import RayRuntime

        self.loop = LoopThread()
        runtime = RayRuntime(NAMESPACE)
        self.evaluator = evaluator_for(task, settings, runtime)
        self.model = RuntimeModel(runtime, chat_address(settings, model), model, task_kind="evolution")
        self.reflection_calls = 0
        self.reflection_tokens = 0

    def evaluate(self, recipe: Recipe, key: str, split: Split, examples: list[str]) -> list[Evaluation]:
        return self.loop.run(self.evaluator.evaluate(recipe, key, split, examples))

    def test(self, recipe: Recipe) -> dict[str, Any]:
        from protocols.evolution import genome_key

        examples = self.evaluator.examples(Split.TEST)
        got = self.evaluate(recipe, genome_key(recipe), Split.TEST, examples)
        return {"objectives": objectives_of(got, Split.TEST), "scores": {e.example: e.score for e in got}}

    def reflect(self, prompt: str, temperature: float, max_tokens: int) -> str:
        replies = self.loop.run(self.model.generate(prompt, n=1, temperature=temperature, max_tokens=max_tokens))
        self.reflection_calls += 1
        self.reflection_tokens += sum(r.prompt_tokens + r.completion_tokens for r in replies)
        return replies[0].text if replies else ""

    def close(self) -> None:
        self.loop.close()


# ---- the runs -------------------------------------------------------------------------------------


def run_ours(backend: Any, body: dict[str, Any], budget: int) -> dict[str, Any]:
    from bench.reasoning_backends import BenchError

    started = time.perf_counter()
    run = backend._json(backend.http.post("evolution/start", json=body), "POST /evolution/start")
    run_id = run["run_id"]
    console.print(f"run {run_id}: {body['population_size']} x {body['islands']} island(s), budget {budget} calls")
    with progress_bar() as bar:
        task = bar.add_task("ours: metric calls", total=budget)
        while True:
            view = backend._json(backend.http.get(f"evolution/runs/{run_id}"), "GET /evolution/runs/{id}")
            summary = view["run"]
            bar.update(
                task,
                completed=min(summary["evaluations"], budget),
                description=f"ours: generation {summary['generation']}, HV {summary['hypervolume']:.4f}",
            )
            if summary["status"] != "running":
                break
            time.sleep(2.0)
    wall = time.perf_counter() - started
    results = backend._json(
        backend.http.get("evolution/results", params={"run_id": run_id, "wait_s": 60}, timeout=180),
        "GET /evolution/results",
    )
    if results["run"]["status"] not in ("completed", "stopped"):
        raise BenchError(f"run {run_id} ended {results['run']['status']}: {results['run'].get('error')}")
    return {
        "run_id": run_id,
        "status": results["run"]["status"],
        "stop_reason": results["run"]["stop_reason"],
        "generations": results["run"]["generation"],
        "metric_calls": results["run"]["evaluations"],
        "stored_evaluations": view["stored_evaluations"],
        "hypervolume": results["run"]["hypervolume"],
        "history": view["history"],
        "front": front_rows(results),
        "wall_s": wall,
    }


def run_gepa(scoring: PlatformScoring, seed: Recipe, args: argparse.Namespace, text: dict[str, Any]) -> dict[str, Any]:
    import gepa

    from bench.gepa_recipes import COMPONENT, AdapterLog, KeptLog, RecipePromptAdapter, as_text, items

    log = AdapterLog()
    messages = KeptLog()
    adapter = RecipePromptAdapter(seed, scoring.evaluate, log)
    trainset = items(Split.TRAIN, scoring.evaluator.examples(Split.TRAIN))
    valset = items(Split.VAL, scoring.evaluator.examples(Split.VAL))

    def reflection_lm(prompt: str | list[dict[str, Any]]) -> str:
        return scoring.reflect(as_text(prompt), text["temperature"], text["max_tokens"])

    started = time.perf_counter()
    with progress_bar() as bar:
        task = bar.add_task("GEPA: metric calls", total=args.budget)

        class Progress:  # a GEPA stopper that never stops: it only moves the bar
            def __call__(self, gepa_state: Any) -> bool:
                bar.update(task, completed=min(log.metric_calls, args.budget))
                return False

        result: Any = gepa.optimize(
            seed_candidate={COMPONENT: seed.system_prompt},
            trainset=trainset,
            valset=valset,
            adapter=adapter,  # type: ignore[arg-type]
            reflection_lm=reflection_lm,
            reflection_minibatch_size=min(text["minibatch_size"], len(trainset)),
            max_metric_calls=args.budget,
            stop_callbacks=[Progress()],
            seed=args.seed,
            raise_on_exception=False,  # a failed proposal is logged and skipped, as our run's fallback
            display_progress_bar=False,
            logger=messages,
        )
    out = gepa_summary(result, log.metric_calls)
    out["wall_s"] = time.perf_counter() - started
    out["reflection_calls"] = scoring.reflection_calls
    out["reflection_tokens"] = scoring.reflection_tokens
    out["log"] = messages.messages
    return out


# ---- main ---------------------------------------------------------------------------------------------


def task_pages(args: argparse.Namespace, settings: Any) -> list[str]:
    """The gold pages of the task's examples (every split), then other pages up to --pages."""
    from actors.evolution.tasks import load_task, load_task_specs
    from configs.settings import PROJECT_ROOT

    specs = load_task_specs(settings.resolve_path(settings.evolution.tasks_file))
    if args.task not in specs:
        raise SystemExit(f"--task: not a task of {settings.evolution.tasks_file}: {sorted(specs)}")
    task = load_task(args.task, specs[args.task], PROJECT_ROOT)
    ids = {e.id for split in Split for e in task.examples(split)}
    questions = [q for q in load_questions(Path(args.questions)) if q.id in ids]
    if len(questions) != len(ids):
        raise SystemExit(f"--task {args.task}: its examples are not all in {args.questions}")
    available = content_pages(Path(args.corpus), settings.knowledge.max_document_bytes)
    missing = sorted({p for q in questions for p in q.pages} - set(available))
    if missing:
        raise SystemExit(f"gold pages missing from {args.corpus}: {missing}")
    return choose_pages(questions, available, args.pages, args.seed)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    watch = Stopwatch()
    corpus = Path(args.corpus)
    settings, model = bench_settings(corpus, args.model)
    from actors.evolution.config import load_evolution_defaults
    from bench.reasoning_backends import BenchError, PlatformBackend, opened

    pages = task_pages(args, settings)
    defaults = load_evolution_defaults(settings.resolve_path(settings.evolution.config_file))
    text = defaults.text.model_dump(mode="json")
    seed = seed_recipe(model, args.seed_prompt, args.seed_mode, args.index)
    results: dict[str, Any] = {"model": model, "pages": pages, "seed_recipe": seed.model_dump(mode="json")}
    console.print(f"task {args.task}, budget {args.budget} metric calls, model {model}, {len(pages)} pages")
    try:
        env = {"PYGENT_SUPERVISION_START_TIMEOUT_S": str(args.start_timeout_s)}
        backend = PlatformBackend(namespace=NAMESPACE, env=env)
        results["platform_start_s"] = backend.start_s
        with opened(backend):
            documents = [(page, (corpus / page).read_text(errors="replace")) for page in pages]
            results["ingest"] = backend.ingest(args.index, documents)
            cpu = CpuMonitor()
            scoring = PlatformScoring(backend.settings, args.task, model)
            try:
                if not args.no_ours:
                    results["ours"] = run_ours(backend, start_body(args, seed, model), args.budget)
                if not args.no_gepa:
                    results["gepa"] = gepa_or_why(scoring, seed, args, text)
                with progress_bar() as bar:
                    todo = bar.add_task("test split: seed, GEPA's best", total=1 + ("gepa" in results))
                    results["seed_test"] = scoring.test(seed)
                    bar.advance(todo)
                    if "best_prompt" in results.get("gepa", {}):
                        best = seed.model_copy(update={"system_prompt": results["gepa"]["best_prompt"]})
                        results["gepa"]["test"] = scoring.test(best)
                        bar.advance(todo)
            finally:
                scoring.close()
                results["cpu"] = cpu.stop()
    except BenchError as error:
        console.print(f"[red]{error}[/red]")
        return 2
    return report(args, results, watch)


def gepa_or_why(
    scoring: PlatformScoring, seed: Recipe, args: argparse.Namespace, text: dict[str, Any]
) -> dict[str, Any]:
    """GEPA's run, or the exact error that kept it from running (recorded, not hidden)."""
    try:
        return run_gepa(scoring, seed, args, text)
    except Exception as exc:  # the bench reports ours either way; the error is the finding
        import traceback

        console.print(f"[red]GEPA could not run: {type(exc).__name__}: {exc}[/red]")
        return {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}


def report(args: argparse.Namespace, results: dict[str, Any], watch: Stopwatch) -> int:
    ours = results.get("ours")
    gepa_result = results.get("gepa", {})
    rows = comparison_rows(results)
    table = Table(title=f"{args.task}, budget {args.budget} metric calls, {results['model']}; test split")
    for column in ("recipe", "mode", "prompt chars", "val quality", "test quality", "test p50 s", "test tokens"):
        table.add_column(column, justify="left" if column in ("recipe", "mode") else "right")
    for row in rows:
        table.add_row(
            row["recipe"],
            row["mode"],
            str(row["prompt_chars"]),
            fmt(row["val_quality"], "{:.0%}"),
            fmt(row["test"].get("quality"), "{:.0%}"),
            fmt(row["test"].get("latency_p50"), "{:.1f}"),
            fmt(row["test"].get("tokens"), "{:.0f}"),
        )
    console.print(table)
    if ours is not None:
        history = ", ".join(f"g{h['generation']} {h['hypervolume']:.3f}" for h in ours["history"])
        console.print(
            f"ours: {ours['metric_calls']} metric calls of {args.budget} ({ours['stop_reason']}), "
            f"{ours['generations']} generations, {ours['wall_s']:.0f} s; hypervolume (val) by generation: {history}"
        )
    if "error" in gepa_result:
        console.print(f"GEPA: did not run: {gepa_result['error']}")
    elif gepa_result:
        console.print(
            f"GEPA: {gepa_result['metric_calls']} metric calls of {args.budget}, {gepa_result['candidates']} "
            f"candidates, {gepa_result['reflection_calls']} reflection calls, {gepa_result['wall_s']:.0f} s"
        )
    if "cpu" in results:
        print_cpu(results["cpu"])
    results["comparison"] = rows
    path = write_results("evolution_recipes", {"args": vars(args), "results": results, "elapsed_s": watch.elapsed_s})
    console.print(f"results: {path}")
    return 0


def comparison_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The seed, our front (ours: the member picked on val, marked) and GEPA's best, on test."""
    seed = results["seed_recipe"]
    rows = [
        {
            "recipe": "seed",
            "mode": seed["reasoning"]["mode"],
            "prompt_chars": len(seed["system_prompt"]),
            "val_quality": seed_val(results),
            "test": results.get("seed_test", {}).get("objectives", {}),
        }
    ]
    front = results["ours"]["front"] if "ours" in results else []
    picked = pick_by_val([{"objectives": r["val"], "key": r["key"]} for r in front])
    for number, member in enumerate(front):
        mark = " (ours: best val)" if picked and member["key"] == picked["key"] else ""
        rows.append(
            {
                "recipe": f"front {number} g{member['generation']}{mark}",
                "mode": member["mode"],
                "prompt_chars": member["prompt_chars"],
                "val_quality": member["val"]["quality"],
                "test": member["test"] or {},
            }
        )
    gepa_result = results.get("gepa", {})
    if "best_prompt" in gepa_result:
        rows.append(
            {
                "recipe": "GEPA best (by val)",
                "mode": seed["reasoning"]["mode"],
                "prompt_chars": len(gepa_result["best_prompt"]),
                "val_quality": gepa_result["best_val_quality"],
                "test": gepa_result.get("test", {}).get("objectives", {}),
            }
        )
    return rows


def seed_val(results: dict[str, Any]) -> float | None:
    """The seed's val quality: GEPA's first candidate is the seed, scored on the whole val split."""
    scores = results.get("gepa", {}).get("val_quality")
    return scores[0] if scores else None


def fmt(value: float | None, pattern: str) -> str:
    return "-" if value is None or value != value else pattern.format(value)


if __name__ == "__main__":
    raise SystemExit(main())
