"""Children lost together: how long until all of them answer again, against one lost alone.

What is measured. One supervisor (one_for_one, no backoff, intensity high enough never to
escalate) runs `--children` Counters, each of which takes `--start-delay` seconds in its
`on_start` (what loading a model or opening a pool costs a real child). Per round (default 5):

- alone: one child killed (`ray.kill`); the time until its supervisor has it running again
  (a new incarnation whose `on_start` is done; `which_children` polled every 20 ms): the
  baseline, measured in the same run;
- together: every child killed at once, as when the node they ran on is lost; the time until
  the last of them is running again.

A supervisor that restarts one child after another makes "together" cost about `children`
times "alone"; one that restarts them side by side, about one "alone" plus the machine's
cost of creating that many processes at once. The ratio is printed, with the same at no start
delay (pure process creation, which 2 cores do not parallelise much).

    python -m bench.restart_burst [--children 4] [--start-delay 2] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import ray
from rich.table import Table

from bench.common import (
    COUNTER_ACTOR,
    NAMESPACE,
    Stopwatch,
    actor_at,
    console,
    local_cluster,
    progress_bar,
    spawn_supervisor,
    stop_supervisor,
    write_results,
)
from protocols.supervision import BackoffPolicy, ChildSpec, Strategy, SupervisorFlags

POLL_GAP_S = 0.02
ANSWER_TIMEOUT_S = 120.0


def _restarts(supervisor: Any) -> dict[str, tuple[int, str]]:
    """Each child's restart count and state, as its supervisor reports them."""
    return {c["address"]: (int(c["restarts"]), c["state"]) for c in ray.get(supervisor.which_children.remote())}


def kill_and_wait(supervisor: Any, addresses: list[str]) -> float:
    """Kill these children at once; seconds until the supervisor has the last of them
    running again (its `on_start` done: ready, not merely created)."""
    before = _restarts(supervisor)
    handles = [actor_at(a, namespace=NAMESPACE) for a in addresses]
    t0 = time.perf_counter()
    for handle in handles:
        ray.kill(handle, no_restart=True)
    while True:
        now = _restarts(supervisor)
        if all(now[a][0] > before[a][0] and now[a][1] == "running" for a in addresses):
            return time.perf_counter() - t0
        if time.perf_counter() - t0 > ANSWER_TIMEOUT_S:
            raise TimeoutError(f"not running again within {ANSWER_TIMEOUT_S:g} s: {now}")
        time.sleep(POLL_GAP_S)


def run_case(children: int, start_delay_s: float, rounds: int, spacing_s: float) -> dict[str, Any]:
    flags = SupervisorFlags(
        strategy=Strategy.ONE_FOR_ONE,
        intensity=10_000,
        period_s=1.0,
        start_timeout_s=60.0,
        backoff=BackoffPolicy(initial_s=0.0, base_s=0.0, max_s=0.0, jitter=0.0),
    )
    addresses = [f"counter/burst-{i}" for i in range(children)]
    specs = [
        ChildSpec(id=a, actor=COUNTER_ACTOR, kwargs={"start_delay_s": start_delay_s}, shutdown_timeout_s=2.0)
        for a in addresses
    ]
    _, supervisor = spawn_supervisor(flags, specs)
    alone: list[float] = []
    together: list[float] = []
    try:
        time.sleep(1.0)
        with progress_bar() as progress:
            task = progress.add_task(f"{children} children, start {start_delay_s:g} s", total=2 * rounds)
            for i in range(rounds):
                alone.append(kill_and_wait(supervisor, [addresses[i % children]]))
                progress.advance(task)
                time.sleep(spacing_s)
                together.append(kill_and_wait(supervisor, addresses))
                progress.advance(task)
                time.sleep(spacing_s)
    finally:
        stop_supervisor(supervisor)
    a, t = statistics.median(alone), statistics.median(together)
    return {
        "children": children,
        "start_delay_s": start_delay_s,
        "alone_s": alone,
        "together_s": together,
        "alone_p50_s": a,
        "together_p50_s": t,
        "ratio": t / a,
        "one_after_another_s": children * a,  # what restarting them in turn would cost at least
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=4)
    parser.add_argument("--start-delay", type=float, default=2.0, help="seconds each child's on_start takes")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--spacing", type=float, default=1.0, help="seconds between kills")
    args = parser.parse_args()
    watch = Stopwatch()
    results: dict[str, Any] = {"args": vars(args), "cases": []}
    with local_cluster():
        for delay in (args.start_delay, 0.0):
            results["cases"].append(run_case(args.children, delay, args.rounds, args.spacing))
    results["runtime_s"] = watch.elapsed_s
    table = Table(title=f"{args.children} children killed together vs one alone (p50 of {args.rounds} rounds)")
    for column in ("start delay", "one alone", "all together", "ratio", "one after another would be"):
        table.add_column(column, justify="right")
    for case in results["cases"]:
        table.add_row(
            f"{case['start_delay_s']:g} s",
            f"{case['alone_p50_s']:.2f} s",
            f"{case['together_p50_s']:.2f} s",
            f"{case['ratio']:.2f}x",
            f">= {case['one_after_another_s']:.2f} s",
        )
    console.print(table)
    path = write_results("restart_burst", results)
    console.print(f"results: {path}  (runtime {results['runtime_s']:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
