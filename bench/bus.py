"""Bus overhead: a JSON-RPC `tools/call` through the MessageBus versus a direct Ray actor call.

What is measured. One supervisor (one_for_one) runs `bus/main` (actors.bus_actor:MessageBus)
and a Counter test actor at `counter/bench`. The same message, a `tools/call` of the
trivial `echo` tool, goes to the same Counter incarnation along two paths:

- direct: `counter.handle_rpc.remote(msg)`              (one Ray actor call)
- bus:    `bus.request.remote("counter/bench", msg)`    (driver -> bus -> counter)

in three modes, each run for both paths in the same run:

1. sequential: one request at a time from the driver, the two paths interleaved
   request by request (so drift hits both alike); p50/p99 latency;
2. driver throughput: the driver keeps C requests in flight (a sliding window of
   ObjectRefs with `ray.wait`), N in all; requests/s;
3. caller throughput: K caller actors, each keeping C/K requests in flight, N in all,
   so the driver's own loop is not the bottleneck; requests/s.

Throughput runs are repeated (`--repeats`) with the path order alternating; the rate
of a path is all its requests over all its time. Every answer is checked (a JSON-RPC
result with the echoed text); errors are counted and reported.

One hop (supervisors/one_hop.py): a caller that resolved the target sends to it itself, the
bus only for unresolved addresses, errors and waiting. Measured as a third path, in the
caller actors (`one-hop`, from an OneHop in each caller's process) and from the driver's
own event loop against awaited direct calls (mode `driver asyncio`).

How to read it. `one-hop/direct` is the throughput ratio of a caller's path to a peer (the
issue's goal: >= 0.8 in both modes); `bus/direct` is the bus path itself (two hops);
"added" latency is bus minus direct at the same percentile. On a 2-core machine all
actors, the raylet and the driver share two CPUs, so the bus path, which costs two
actor calls and a pass through the bus's event loop per request, pays for its extra
hop in CPU as well as in latency. The verdict line says whether the goal was met,
with the numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # run as a file (`python bench/x.py`): Python put bench/ first on sys.path, where these
    # files would shadow packages of the same name (and Ray would hand it to its workers);
    # the repository root takes its place, so `bench` and the platform import as packages
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import ray
from rich.table import Table

from bench.common import (
    BUS_ACTOR,
    BUS_ADDRESS,
    COUNTER_ACTOR,
    CpuMonitor,
    Stopwatch,
    actor_at,
    console,
    fmt_ms,
    local_cluster,
    print_cpu,
    progress_bar,
    spawn_supervisor,
    stop_supervisor,
    summarize,
    write_results,
)
from protocols.jsonrpc import make_request
from protocols.supervision import BackoffPolicy, ChildSpec, Strategy, SupervisorFlags

TARGET = "counter/bench"
ECHO_TEXT = "bench"
GOAL_RATIO = 0.8
PATHS = ("direct", "bus")
ANSWER_TIMEOUT_S = 30.0
# Callers that resolved the target send to it themselves (supervisors/one_hop.py).
HOP_PATHS = ("direct", "one-hop")
CALLER_PATHS = ("direct", "bus", "one-hop")


def echo_message() -> dict[str, Any]:
    return make_request("tools/call", {"name": "echo", "arguments": {"text": ECHO_TEXT}}, request_id=1)


def answer_ok(answer: Any) -> bool:
    """A JSON-RPC result of the echo tool that carries the echoed text."""
    if not isinstance(answer, dict) or "result" not in answer:
        return False
    result = answer["result"]
    return (
        isinstance(result, dict)
        and not result.get("isError", False)
        and ECHO_TEXT in str(result.get("content") or result.get("structuredContent"))
    )


class Caller:
    """A load generator in its own worker process (an async Ray actor)."""

    def __init__(self) -> None:
        from supervisors.one_hop import OneHop

        self.hop = OneHop(ANSWER_TIMEOUT_S)

    async def ready(self) -> bool:
        return True

    async def run(
        self,
        path: str,
        target: Any,
        bus: Any,
        message: dict[str, Any],
        n: int,
        concurrency: int,
        start_at: float,
    ) -> dict[str, Any]:
        """Send `n` requests along `path` with `concurrency` in flight; start at wall time `start_at`."""
        await asyncio.sleep(max(0.0, start_at - time.time()))
        latencies: list[float] = []
        errors = 0
        remaining = n

        async def worker() -> None:
            nonlocal errors, remaining
            while remaining > 0:
                remaining -= 1
                t = time.perf_counter()
                if path == "bus":
                    answer = await bus.request.remote(TARGET, message)
                elif path == "one-hop":
                    answer = await self.hop.request(TARGET, message)
                else:
                    answer = await target.handle_rpc.remote(message)
                latencies.append(time.perf_counter() - t)
                if not answer_ok(answer):
                    errors += 1

        began = time.time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return {"began": began, "ended": time.time(), "latencies": latencies, "errors": errors}


# ---- the three modes ---------------------------------------------------------------


def submitters(bus: Any, target: Any, message: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    return {
        "direct": lambda: target.handle_rpc.remote(message),
        "bus": lambda: bus.request.remote(TARGET, message),
    }


def sequential(submit: dict[str, Callable[[], Any]], n: int) -> dict[str, dict[str, Any]]:
    """One request at a time, the two paths interleaved (alternating which goes first)."""
    latencies: dict[str, list[float]] = {p: [] for p in PATHS}
    errors = dict.fromkeys(PATHS, 0)
    with progress_bar() as progress:
        task = progress.add_task("sequential (direct + bus, interleaved)", total=n)
        for i in range(n):
            order = PATHS if i % 2 == 0 else PATHS[::-1]
            for path in order:
                t = time.perf_counter()
                answer = ray.get(submit[path]())
                latencies[path].append(time.perf_counter() - t)
                if not answer_ok(answer):
                    errors[path] += 1
            progress.advance(task)
    return {p: {"latency": summarize(latencies[p]), "errors": errors[p], "requests": n} for p in PATHS}


def drive_window(submit: Callable[[], Any], n: int, concurrency: int, label: str) -> dict[str, Any]:
    """The driver keeps `concurrency` requests in flight until `n` have been answered."""
    pending: dict[Any, float] = {}
    latencies: list[float] = []
    errors = 0
    sent = 0
    with progress_bar() as progress:
        task = progress.add_task(label, total=n)
        start = time.perf_counter()
        while len(latencies) < n:
            while sent < n and len(pending) < concurrency:
                pending[submit()] = time.perf_counter()
                sent += 1
            refs = list(pending)
            ready, rest = ray.wait(refs, num_returns=1)
            if rest:  # harvest everything else that is done as well
                more, _ = ray.wait(rest, num_returns=len(rest), timeout=0)
                ready += more
            now = time.perf_counter()
            for ref, answer in zip(ready, ray.get(ready), strict=True):
                latencies.append(now - pending.pop(ref))
                if not answer_ok(answer):
                    errors += 1
            progress.update(task, completed=len(latencies))
        elapsed = time.perf_counter() - start
    return {"requests": n, "elapsed_s": elapsed, "latencies": latencies, "errors": errors}


def drive_callers(
    callers: list[Any],
    path: str,
    bus: Any,
    target: Any,
    message: dict[str, Any],
    n: int,
    concurrency: int,
    label: str,
) -> dict[str, Any]:
    """K caller actors share `n` requests and `concurrency` in-flight slots, starting together."""
    k = len(callers)
    shares = [n // k + (1 if i < n % k else 0) for i in range(k)]
    slots = [max(1, concurrency // k + (1 if i < concurrency % k else 0)) for i in range(k)]
    start_at = time.time() + 0.3
    refs = [
        c.run.remote(path, target, bus, message, share, slot, start_at)
        for c, share, slot in zip(callers, shares, slots, strict=True)
    ]
    with progress_bar() as progress:
        task = progress.add_task(label, total=k)
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            progress.advance(task, len(done))
    outcomes = ray.get(refs)
    began = min(o["began"] for o in outcomes)
    ended = max(o["ended"] for o in outcomes)
    latencies = [x for o in outcomes for x in o["latencies"]]
    return {
        "requests": n,
        "elapsed_s": ended - began,
        "latencies": latencies,
        "errors": sum(o["errors"] for o in outcomes),
        "per_caller_rps": [len(o["latencies"]) / (o["ended"] - o["began"]) for o in outcomes],
    }


def drive_async(
    path: str, target: Any, message: dict[str, Any], n: int, concurrency: int, label: str
) -> dict[str, Any]:
    """The driver's own event loop keeps `concurrency` requests in flight: awaited direct
    calls, or one-hop requests (whose first request goes through the bus). The same load
    loop as the caller actors', run here in the driver."""
    caller = Caller()

    async def run() -> dict[str, Any]:
        await caller.hop.request(TARGET, message)  # resolve it once, as a caller would have
        out = await caller.run(path, target, None, message, n, concurrency, 0.0)
        return {
            "requests": n,
            "elapsed_s": out["ended"] - out["began"],
            "latencies": out["latencies"],
            "errors": out["errors"],
        }

    with progress_bar() as progress:
        task = progress.add_task(label, total=1)
        result = asyncio.run(run())
        progress.advance(task)
    return result


def throughput(
    runner: Callable[[str, str], dict[str, Any]], repeats: int, mode: str, paths: tuple[str, ...] = PATHS
) -> dict[str, dict[str, Any]]:
    """Run every path `repeats` times, rotating the order; aggregate per path."""
    runs: dict[str, list[dict[str, Any]]] = {p: [] for p in paths}
    for r in range(repeats):
        order = paths[r % len(paths) :] + paths[: r % len(paths)]
        for path in order:
            runs[path].append(runner(path, f"{mode} {path} (repeat {r + 1}/{repeats})"))
    out: dict[str, dict[str, Any]] = {}
    for path, rs in runs.items():
        total = sum(x["requests"] for x in rs)
        elapsed = sum(x["elapsed_s"] for x in rs)
        out[path] = {
            "requests": total,
            "elapsed_s": elapsed,
            "rps": total / elapsed,
            "rps_per_repeat": [x["requests"] / x["elapsed_s"] for x in rs],
            "latency": summarize([v for x in rs for v in x["latencies"]]),
            "errors": sum(x["errors"] for x in rs),
            **({"per_caller_rps": [x.get("per_caller_rps") for x in rs]} if "per_caller_rps" in rs[0] else {}),
        }
    return out


# ---- main ------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=5000, help="requests per throughput run and path")
    parser.add_argument("--sequential", type=int, default=2000, help="sequential requests per path")
    parser.add_argument("--warmup", type=int, default=200, help="warm-up requests per path")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight (all callers)")
    parser.add_argument("--callers", type=int, default=4, help="caller actors in the caller mode")
    parser.add_argument("--repeats", type=int, default=2, help="throughput repeats per path")
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    if args.quick:
        args.requests, args.sequential, args.warmup, args.repeats = 500, 200, 50, 1
    return args


def main() -> int:
    args = parse_args()
    watch = Stopwatch()
    flags = SupervisorFlags(
        strategy=Strategy.ONE_FOR_ONE,
        intensity=10,
        period_s=10.0,
        backoff=BackoffPolicy(initial_s=0.0),
    )
    children = [
        ChildSpec(id=BUS_ADDRESS, actor=BUS_ACTOR),
        ChildSpec(id=TARGET, actor=COUNTER_ACTOR),
    ]
    results: dict[str, Any] = {"args": vars(args)}
    with local_cluster():
        console.print("[bold]bus benchmark[/bold]: starting the supervisor, bus/main and counter/bench")
        _, supervisor = spawn_supervisor(flags, children)
        try:
            bus = actor_at(BUS_ADDRESS)
            target = actor_at(TARGET)
            message = echo_message()
            submit = submitters(bus, target, message)

            # Both paths must reach the very same method of the very same incarnation.
            direct_answer = ray.get(submit["direct"]())
            bus_answer = ray.get(submit["bus"]())
            if direct_answer != bus_answer or not answer_ok(direct_answer):
                raise SystemExit(f"paths disagree: direct={direct_answer!r} bus={bus_answer!r}")
            pid_before: Any = ray.get(target.pid.remote())
            for _ in range(args.warmup):
                ray.get([submit["direct"](), submit["bus"]()])
            results["answer"] = direct_answer
            cpu = CpuMonitor()

            results["sequential"] = sequential(submit, args.sequential)

            results["driver"] = throughput(
                lambda path, label: drive_window(submit[path], args.requests, args.concurrency, label),
                args.repeats,
                f"driver C={args.concurrency}",
            )

            results["driver_async"] = throughput(
                lambda path, label: drive_async(path, target, message, args.requests, args.concurrency, label),
                args.repeats,
                f"driver asyncio C={args.concurrency}",
                HOP_PATHS,
            )

            caller_cls = ray.remote(num_cpus=0, max_concurrency=1000)(Caller)
            callers = [caller_cls.remote() for _ in range(args.callers)]
            ray.get([c.ready.remote() for c in callers])
            for path in CALLER_PATHS:  # warm each caller's connections (and resolve one hop)
                ray.get([c.run.remote(path, target, bus, message, 20, 4, 0.0) for c in callers])
            results["callers"] = throughput(
                lambda path, label: drive_callers(
                    callers, path, bus, target, message, args.requests, args.concurrency, label
                ),
                args.repeats,
                f"{args.callers} callers C={args.concurrency}",
                CALLER_PATHS,
            )
            for c in callers:
                ray.kill(c)

            results["bus_info"] = ray.get(bus.info.remote())
            results["same_incarnation"] = ray.get(target.pid.remote()) == pid_before
            results["supervisor_history"] = ray.get(supervisor.history.remote())
            results["cpu"] = cpu.stop()
        finally:
            stop_supervisor(supervisor)
    results["runtime_s"] = watch.elapsed_s
    report(results, args)
    path = write_results("bus", results)
    console.print(f"results: {path}  (runtime {results['runtime_s']:.1f} s)")
    return 0


def report(results: dict[str, Any], args: argparse.Namespace) -> None:
    seq = results["sequential"]
    table = Table(title="Sequential latency (one request at a time, ms)")
    for col in ("path", "n", "mean", "p50", "p90", "p99", "max", "errors"):
        table.add_column(col, justify="right" if col != "path" else "left")
    for path in PATHS:
        lat = seq[path]["latency"]
        table.add_row(
            path,
            str(lat["n"]),
            *(fmt_ms(lat[k]) for k in ("mean_ms", "p50_ms", "p90_ms", "p99_ms", "max_ms")),
            str(seq[path]["errors"]),
        )
    added = {k: seq["bus"]["latency"][k] - seq["direct"]["latency"][k] for k in ("p50_ms", "p99_ms")}
    table.add_row("bus - direct", "", "", fmt_ms(added["p50_ms"]), "", fmt_ms(added["p99_ms"]), "", "", style="bold")
    console.print(table)

    table = Table(title="Throughput (requests/s; latency under load in ms)")
    for col in ("mode", "path", "requests", "req/s", "per repeat", "p50", "p99", "errors"):
        table.add_column(col, justify="left" if col in ("mode", "path") else "right")
    ratios: dict[str, float] = {}
    for key, label, paths in (
        ("driver", f"driver C={args.concurrency}", PATHS),
        ("driver_async", f"driver asyncio C={args.concurrency}", HOP_PATHS),
        ("callers", f"{args.callers} callers C={args.concurrency}", CALLER_PATHS),
    ):
        mode = results[key]
        for path in paths:
            m = mode[path]
            table.add_row(
                label,
                path,
                str(m["requests"]),
                f"{m['rps']:.0f}",
                ", ".join(f"{x:.0f}" for x in m["rps_per_repeat"]),
                fmt_ms(m["latency"]["p50_ms"]),
                fmt_ms(m["latency"]["p99_ms"]),
                str(m["errors"]),
            )
        for path in paths[1:]:
            ratios[f"{key}:{path}"] = mode[path]["rps"] / mode["direct"]["rps"]
            table.add_row(label, f"{path}/direct", "", f"{ratios[f'{key}:{path}']:.2f}x", "", "", "", "", style="bold")
    console.print(table)
    results["ratios"] = ratios
    results["added_latency_ms"] = added

    info = results["bus_info"]
    errors = sum(results[m][p]["errors"] for m in ("driver", "driver_async", "callers") for p in results[m]) + sum(
        seq[p]["errors"] for p in PATHS
    )
    console.print(
        f"bus counters: {info['requests']} requests, {info['errors']} errors; "
        f"answers checked: {errors} bad; target restarted during the run: "
        f"{'no' if results['same_incarnation'] else 'YES'}"
    )
    print_cpu(results["cpu"])
    # The goal: a caller's path to a peer at >= 0.8x a direct Ray call. With one hop, a
    # resolved peer is called directly; the bus path itself (two hops) is shown beside it.
    hop_ratios = {"driver": ratios["driver_async:one-hop"], "callers": ratios["callers:one-hop"]}
    met = all(r >= GOAL_RATIO for r in hop_ratios.values())
    verdict = "MET" if met else "NOT MET"
    colour = "green" if met else "red"
    console.print(
        f"[bold {colour}]verdict: goal caller path >= {GOAL_RATIO}x direct throughput {verdict}[/bold {colour}]: "
        f"one hop {hop_ratios['driver']:.2f}x (driver asyncio), {hop_ratios['callers']:.2f}x ({args.callers} callers); "
        f"through the bus (two hops) {ratios['driver:bus']:.2f}x (driver), {ratios['callers:bus']:.2f}x (callers); "
        f"the bus adds {added['p50_ms']:.2f} ms at p50 and {added['p99_ms']:.2f} ms at p99 "
        f"({seq['direct']['latency']['p50_ms']:.2f} -> {seq['bus']['latency']['p50_ms']:.2f} ms p50)"
    )
    results["verdict"] = {"goal_ratio": GOAL_RATIO, "met": met, "one_hop": hop_ratios}


if __name__ == "__main__":
    raise SystemExit(main())
