"""Island NSGA-II through the platform's population actors against pymoo's NSGA2 on ZDT1
(n = 30) and ZDT3, the same evaluation budget, several seeds: hypervolume at (1.1, 1.1)
(the analytic optimum for ZDT1 is about 0.877) and wall time. The in-process engine
(actors/evolution/run.py LocalRun, the same islands without actors) runs beside them, so
the actors' own cost shows. Then an evaluation that costs 20 ms of CPU: wall time with 1 vs 2
islands (each island is its own process, so two islands can use two cores).

Run from the repository root:
    python -m bench.evolution_zdt            # 25,000 evaluations, 5 seeds (long)
    python -m bench.evolution_zdt --quick    # 3,000 evaluations, 2 seeds, small cost phase
    python -m bench.evolution_zdt --no-platform   # pymoo and the in-process engine only
Results: bench/results/evolution_zdt.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rich.table import Table

from bench.common import console, write_results

REFERENCE = (1.1, 1.1)
NAMESPACE = "pygent-bench-evolution"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", nargs="+", default=["zdt1", "zdt3"])
    parser.add_argument("--evals", type=int, default=25_000, help="evaluation budget of every run")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--pop", type=int, default=100, help="population, all islands together (pymoo's pop_size)")
    parser.add_argument("--islands", type=int, default=2, help="islands of the platform's runs")
    parser.add_argument("--migration-interval", type=int, default=5)
    parser.add_argument("--migration-rate", type=float, default=0.1)
    parser.add_argument("--cost-ms", type=int, default=20, help="CPU per evaluation in the cost phase")
    parser.add_argument("--cost-evals", type=int, default=1_000, help="evaluations of each cost-phase run")
    parser.add_argument("--cost-pop", type=int, default=20)
    parser.add_argument("--no-platform", action="store_true", help="skip the actors (pymoo and in-process only)")
    parser.add_argument("--quick", action="store_true", help="3,000 evaluations, 2 seeds, 400-evaluation cost phase")
    args = parser.parse_args(argv)
    if args.quick:
        args.evals, args.seeds, args.cost_evals = 3_000, 2, 400
    return args


def hypervolume(F: np.ndarray) -> float:
    from actors.evolution.objectives import hypervolume_of

    return hypervolume_of(np.asarray(F, dtype=float), np.array(REFERENCE))


# ---- pymoo ------------------------------------------------------------------------------------


def run_pymoo(problem: str, evals: int, pop: int, seed: int) -> dict[str, Any]:
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.optimize import minimize
    from pymoo.problems import get_problem

    started = time.perf_counter()
    result = minimize(get_problem(problem), NSGA2(pop_size=pop), ("n_eval", evals), seed=seed, verbose=False)
    wall = time.perf_counter() - started
    return {"hypervolume": hypervolume(result.F), "wall_s": wall, "evaluations": int(result.algorithm.evaluator.n_eval)}


# ---- the engine in process ---------------------------------------------------------------------


def run_config(task: str, evals: int, pop: int, islands: int, seed: int, args: argparse.Namespace) -> dict[str, Any]:
    """The start request of a run (the REST body; the in-process run validates the same)."""
    return {
        "task": task,
        "population_size": max(2, pop // islands),
        "islands": islands,
        "generations": 100_000,
        "patience": 100_000,
        "migration_interval": args.migration_interval,
        "migration_rate": args.migration_rate,
        "budget": {"metric_calls": evals, "wall_time_s": 36_000},
        "cascade": {"minibatch_size": 0},
        "seed": seed,
    }


def run_local(problem: str, evals: int, pop: int, islands: int, seed: int, args: argparse.Namespace) -> dict[str, Any]:
    from actors.evolution.problems import ProblemEvaluator
    from actors.evolution.run import LocalRun
    from protocols.evolution import RunConfig

    evaluator = ProblemEvaluator(problem)
    body = run_config(evaluator.task, evals, pop, islands, seed, args)
    config = RunConfig.model_validate(
        {
            **body,
            "space": evaluator.space().model_dump(mode="json"),
            "objectives": [o.model_dump(mode="json") for o in evaluator.objectives()],
        }
    )
    started = time.perf_counter()
    progress = asyncio.run(LocalRun(config, evaluator).run())
    wall = time.perf_counter() - started
    F = np.array([[m.objectives["f1"], m.objectives["f2"]] for m in progress.front])
    return {"hypervolume": hypervolume(F), "wall_s": wall, "evaluations": progress.evaluations}


# ---- the platform -------------------------------------------------------------------------------


class Platform:
    """The evolution part of the platform in a private Ray cluster and state directory: the
    root supervisor with the store (embedded PostgreSQL), the bus and `supervisor/evolution`
    (its pools of coordinators and islands, and `manager/evolution`), the same actors a full
    platform runs, without the model workers, knowledge and gateway a numeric run needs none
    of. The driver talks to `manager/evolution` as the REST router does."""

    def __enter__(self) -> Platform:
        from bench.models import platform_env

        self.state_dir = Path(tempfile.mkdtemp(prefix="pge-", dir="/tmp"))
        platform_env(self.state_dir)
        os.environ["PYGENT_RAY_NAMESPACE"] = NAMESPACE
        from configs.settings import get_settings, load_settings

        get_settings.cache_clear()
        self.settings = load_settings()
        import ray

        from protocols.addresses import BUS, EVOLUTION_SUPERVISOR, ROOT, STORE
        from serve_app.platform import init_ray
        from serve_app.tree import root_children, root_flags
        from supervisors.supervisor import DEFAULT_ACTOR_OPTIONS, remote_class

        init_ray(self.settings)
        children = [c for c in root_children(self.settings) if c.id in (STORE, BUS, EVOLUTION_SUPERVISOR)]
        self.root = (
            remote_class("supervisors.supervisor:Supervisor")
            .options(**DEFAULT_ACTOR_OPTIONS, name=ROOT, namespace=NAMESPACE)
            .remote(
                ROOT,
                root_flags(self.settings).model_dump(mode="json"),
                [c.model_dump(mode="json") for c in children],
                NAMESPACE,
            )
        )
        ray.get(self.root.supervision_ready.remote(), timeout=600)
        return self

    def __exit__(self, *exc: object) -> None:
        import ray

        try:
            ray.get(self.root.supervision_stop.remote(), timeout=120)
        finally:
            ray.kill(self.root, no_restart=True)
            ray.shutdown()
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def ask(self, method: str, *args: Any, timeout_s: float = 120.0) -> Any:
        from protocols.addresses import EVOLUTION_MANAGER
        from supervisors.refs import ActorRef

        ref = ActorRef(EVOLUTION_MANAGER, NAMESPACE)
        return asyncio.run(ref.call(method, *args, timeout_s=timeout_s))

    def run(self, body: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        run_id = self.ask("start", body)["run_id"]
        while True:
            view = self.ask("results", run_id, 60.0, timeout_s=180.0)
            if view["run"]["status"] != "running":
                break
        wall = time.perf_counter() - started
        if view["run"]["status"] != "completed":
            raise RuntimeError(f"run {run_id} ended {view['run']['status']}: {view['run']['error']}")
        detail = self.ask("run_view", run_id)
        F = np.array([[m["objectives"]["f1"], m["objectives"]["f2"]] for m in view["front"]])
        return {
            "run_id": run_id,
            "hypervolume": hypervolume(F),
            "wall_s": wall,
            "run_elapsed_s": detail["progress"]["elapsed_s"],
            "evaluations": view["run"]["evaluations"],
            "generations": view["run"]["generation"],
            "duplicates": detail["duplicates"],
        }


# ---- the report ------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for problem in args.problems:
        rows[problem] = {"pymoo": [], "engine": []}
        for seed in range(args.seeds):
            console.print(f"{problem} seed {seed}: pymoo NSGA2, in-process islands")
            rows[problem]["pymoo"].append(run_pymoo(problem, args.evals, args.pop, seed))
            rows[problem]["engine"].append(run_local(problem, args.evals, args.pop, args.islands, seed, args))
    cost: dict[str, Any] = {}
    if not args.no_platform:
        with Platform() as platform:
            for problem in args.problems:
                rows[problem]["actors"] = []
                for seed in range(args.seeds):
                    console.print(f"{problem} seed {seed}: island NSGA-II through the population actors")
                    body = run_config(f"pymoo:{problem}", args.evals, args.pop, args.islands, seed, args)
                    rows[problem]["actors"].append(platform.run(body))
            task = f"pymoo:zdt1@{args.cost_ms}ms"
            for islands in (1, 2):
                console.print(f"{task}: {args.cost_evals} evaluations, {islands} island(s)")
                body = run_config(task, args.cost_evals, args.cost_pop, islands, 0, args)
                cost[f"{islands}_islands"] = platform.run(body)
    report(args, rows, cost)
    return 0


def report(args: argparse.Namespace, rows: dict[str, dict[str, list[dict[str, Any]]]], cost: dict[str, Any]) -> None:
    table = Table(title=f"ZDT, {args.evals:,} evaluations, {args.seeds} seeds, hypervolume at {REFERENCE}")
    for column in ("problem", "method", "HV median", "HV min..max", "HV ratio vs pymoo (median)", "wall s median"):
        table.add_column(column, justify="right")
    summary: dict[str, Any] = {}
    for problem, methods in rows.items():
        base = [r["hypervolume"] for r in methods["pymoo"]]
        for method, runs in methods.items():
            hv = [r["hypervolume"] for r in runs]
            ratios = [h / b if b > 0 else float("nan") for h, b in zip(hv, base, strict=True)]
            summary[f"{problem}/{method}"] = {
                "hv_median": median(hv),
                "hv_min": min(hv),
                "hv_max": max(hv),
                "ratio_median": median(ratios),
                "wall_median_s": median([r["wall_s"] for r in runs]),
            }
            s = summary[f"{problem}/{method}"]
            table.add_row(
                problem,
                method,
                f"{s['hv_median']:.4f}",
                f"{s['hv_min']:.4f}..{s['hv_max']:.4f}",
                f"{s['ratio_median']:.4f}",
                f"{s['wall_median_s']:.1f}",
            )
    console.print(table)
    if cost:
        one, two = cost["1_islands"]["wall_s"], cost["2_islands"]["wall_s"]
        console.print(
            f"{args.cost_ms} ms of CPU per evaluation, {args.cost_evals} evaluations: "
            f"1 island {one:.1f} s, 2 islands {two:.1f} s (speed-up {one / two:.2f}x on {os.cpu_count()} cores)"
        )
        summary["cost"] = {"cost_ms": args.cost_ms, "evaluations": args.cost_evals, **cost, "speedup": one / two}
    path = write_results("evolution_zdt", {"args": vars(args), "runs": rows, "summary": summary})
    console.print(f"results: {path}")


if __name__ == "__main__":
    raise SystemExit(main())
