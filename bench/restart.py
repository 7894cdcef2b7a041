"""Restart latency: from killing a supervised actor to its address answering again.

What is measured. One supervisor (one_for_one, intensity 1000 per 1 s, backoff with
zero delays so it never kicks in) runs `bus/main` and a Counter at `counter/bench`.
For each kill (default 25, alternating the two kinds; each new incarnation runs
`--spacing` = 1 s before the next kill):

- `ray.kill`: `ray.kill(ray.get_actor("counter/bench"))` from the driver;
- `chaos_exit`: `handle.chaos_exit.remote()`, os._exit inside the actor (a crash);

the script records t0 and then, concurrently:

- kill -> answer (direct): the driver polls `ray.get_actor(name).ping.remote()`,
  looking the name up again on every attempt, 5 ms between failed attempts, until
  the *new* incarnation answers (an answer whose uptime says it started after t0);
- kill -> answer (bus): one `bus.request("counter/bench", ping)` sent right after
  the kill; the bus finds out about the restart and waits for it by itself
  (timed by a driver thread that blocks on the answer);
- detection: the `at` (wall clock) of the supervisor's `restart` event in its
  history minus t0 (wall clock): how long the supervisor took to learn of the death;
- running: when the supervisor marked the new incarnation running (its started_at,
  after `supervision_ready` returned to it) minus t0. The first answer can come a
  little before this: a ping is served as soon as the actor exists.

Baseline, in the same run: the bare cost of creating a fresh actor of the same class
(same actor options, from the driver) and getting its first ping answered, the floor
that a restart, which also has to detect the death and create a replacement, cannot
beat. Measured before the kills, with the same spacing.

Two children take the same kills in turn: `counter/bench`, restarted as a fresh actor, and
`counter/standby` (ChildSpec.standby), whose supervisor promotes a warm standby, an
incarnation constructed in advance, and constructs the next one in the background.

How to read it. The table gives p50/p90/p99/max per child, kill kind and combined; the goals
from the issues: kill -> answer p50 under 0.7 s for a fresh restart, under 0.1 s with a standby.
Kill -> answer minus the baseline is what supervision itself costs (detection, bookkeeping,
name hand-over).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
import time
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
    NAMESPACE,
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
# The same Counter with a warm standby (ChildSpec.standby): the supervisor promotes it.
STANDBY_TARGET = "counter/standby"
GOAL_STANDBY_P50_S = 0.1
GOAL_P50_S = 0.7
KINDS = ("ray.kill", "chaos_exit")
POLL_GAP_S = 0.005
ANSWER_TIMEOUT_S = 30.0


def wait_new_incarnation(target: str, t0: float, t0_wall: float) -> tuple[float, int]:
    """Poll name lookup + ping until an incarnation started after t0 answers.

    Returns (seconds since t0, attempts)."""
    attempts = 0
    while True:
        attempts += 1
        if time.perf_counter() - t0 > ANSWER_TIMEOUT_S:
            raise TimeoutError(f"{target} did not answer within {ANSWER_TIMEOUT_S} s of the kill")
        try:
            handle = actor_at(target, namespace=NAMESPACE)
            answer: Any = ray.get(handle.ping.remote(), timeout=ANSWER_TIMEOUT_S)
            now = time.perf_counter()
            # the old incarnation may still answer in the instant before the kill lands
            if time.time() - float(answer["uptime_s"]) >= t0_wall - 0.002:
                return now - t0, attempts
        except Exception:  # not registered yet, dead handle, still starting...
            pass
        time.sleep(POLL_GAP_S)


class BusProbe:
    """One bus `ping` to the target, timed by a thread that blocks on its answer."""

    def __init__(self, bus: Any, target: str, t0: float) -> None:
        self.t0 = t0
        self.elapsed_s: float | None = None
        self.answer: Any = None
        self.error: str | None = None
        self._ref = bus.request.remote(target, make_request("ping", request_id=1), ANSWER_TIMEOUT_S)
        self._thread = threading.Thread(target=self._wait, daemon=True)
        self._thread.start()

    def _wait(self) -> None:
        try:
            self.answer = ray.get(self._ref, timeout=ANSWER_TIMEOUT_S + 5)
            self.elapsed_s = time.perf_counter() - self.t0
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"

    def join(self) -> None:
        self._thread.join(ANSWER_TIMEOUT_S + 10)
        if self.answer is not None and "result" not in self.answer:
            self.error = f"bus answered an error: {self.answer.get('error')}"
            self.elapsed_s = None


def restart_event_after(supervisor: Any, target: str, t0_wall: float, timeout_s: float = 5.0) -> dict[str, Any] | None:
    """The supervisor's `restart` event of TARGET recorded after t0."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for event in reversed(ray.get(supervisor.history.remote(20))):
            if event["child"] == target and event["action"] == "restart" and event["at"] >= t0_wall - 0.01:
                return dict(event)
        time.sleep(0.02)
    return None


def started_at_of(supervisor: Any, target: str) -> tuple[float | None, int]:
    children = ray.get(supervisor.which_children.remote())
    status = next(c for c in children if c["address"] == target)
    return status.get("started_at"), int(status["restarts"])


def one_kill(index: int, kind: str, target: str, supervisor: Any, bus: Any) -> dict[str, Any]:
    handle = actor_at(target, namespace=NAMESPACE)
    ray.get(handle.ping.remote(), timeout=30)
    # The bus has a cached handle of the current incarnation, as it would in use.
    warm = ray.get(bus.request.remote(target, make_request("ping", request_id=1)))
    assert warm is not None and "result" in warm, warm
    exit_ref = None
    t0_wall = time.time()
    t0 = time.perf_counter()
    if kind == "ray.kill":
        ray.kill(handle, no_restart=True)
    else:
        exit_ref = handle.chaos_exit.remote()
    probe = BusProbe(bus, target, t0)
    direct_s, attempts = wait_new_incarnation(target, t0, t0_wall)
    probe.join()
    event = restart_event_after(supervisor, target, t0_wall)
    started_wall, restarts = started_at_of(supervisor, target)
    if exit_ref is not None:
        with contextlib.suppress(Exception):  # the call dies with the actor, as intended
            ray.get(exit_ref, timeout=5)
    return {
        "index": index,
        "target": target,
        "kind": kind,
        "t0_wall": t0_wall,
        "answer_direct_s": direct_s,
        "poll_attempts": attempts,
        "answer_bus_s": probe.elapsed_s,
        "bus_error": probe.error,
        "detect_s": None if event is None else event["at"] - t0_wall,
        "ready_s": None if started_wall is None else started_wall - t0_wall,
        "reason": None if event is None else event["reason"],
        "delay_s": None if event is None else event["delay_s"],
        "restarts": restarts,
    }


def fresh_actor_baseline(runs: int, spacing_s: float) -> list[float]:
    """Create an actor of the same class with the same options; time until its first ping answers."""
    from supervisors.supervisor import DEFAULT_ACTOR_OPTIONS, remote_class

    cls = remote_class(COUNTER_ACTOR)
    samples: list[float] = []
    with progress_bar() as progress:
        task = progress.add_task("baseline: fresh actor create -> ping", total=runs)
        for i in range(runs):
            name = f"counter/fresh-{i}"
            t0 = time.perf_counter()
            handle = cls.options(**DEFAULT_ACTOR_OPTIONS, name=name, namespace=NAMESPACE).remote(name)
            ray.get(handle.ping.remote(), timeout=60)
            elapsed = time.perf_counter() - t0
            samples.append(elapsed)
            ray.kill(handle, no_restart=True)
            progress.advance(task)
            time.sleep(spacing_s)
    return samples


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=25, help="kills in all (alternating the two kinds)")
    parser.add_argument("--baseline", type=int, default=10, help="fresh-actor baseline runs")
    parser.add_argument(
        "--spacing", type=float, default=1.0, help="seconds between an answer and the next kill (or create)"
    )
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    if args.quick:
        args.kills, args.baseline = 4, 3
    return args


def main() -> int:
    args = parse_args()
    watch = Stopwatch()
    flags = SupervisorFlags(
        strategy=Strategy.ONE_FOR_ONE,
        intensity=1000,
        period_s=1.0,
        # zero delays: every restart is immediate, however many in a row
        backoff=BackoffPolicy(initial_s=0.0, base_s=0.0, max_s=0.0, jitter=0.0),
    )
    children = [
        ChildSpec(id=BUS_ADDRESS, actor=BUS_ACTOR),
        ChildSpec(id=TARGET, actor=COUNTER_ACTOR),
        ChildSpec(id=STANDBY_TARGET, actor=COUNTER_ACTOR, standby=True),
    ]
    results: dict[str, Any] = {"args": vars(args), "flags": flags.model_dump(mode="json")}
    kills: list[dict[str, Any]] = []
    with local_cluster():
        console.print("[bold]restart benchmark[/bold]: starting the supervisor, bus/main and counter/bench")
        _, supervisor = spawn_supervisor(flags, children)
        try:
            bus = actor_at(BUS_ADDRESS, namespace=NAMESPACE)
            time.sleep(1.0)  # let the worker pool settle after the start
            cpu = CpuMonitor()
            results["baseline_s"] = fresh_actor_baseline(args.baseline, args.spacing)
            with progress_bar() as progress:
                task = progress.add_task("kill -> answer", total=2 * args.kills)
                for i in range(args.kills):
                    kind = KINDS[i % len(KINDS)]
                    # both targets in turn, so drifting machine load hits both alike
                    for target in (TARGET, STANDBY_TARGET):
                        kills.append(one_kill(i, kind, target, supervisor, bus))
                        progress.advance(task)
                        # the new incarnation (and the next standby) runs a while before the next kill
                        time.sleep(args.spacing)
            results["kills"] = kills
            results["supervisor_history"] = ray.get(supervisor.history.remote(200))
            results["cpu"] = cpu.stop()
        finally:
            stop_supervisor(supervisor)
    results["runtime_s"] = watch.elapsed_s
    report(results)
    path = write_results("restart", results)
    console.print(f"results: {path}  (runtime {results['runtime_s']:.1f} s)")
    return 0


def report(results: dict[str, Any]) -> None:
    kills: list[dict[str, Any]] = results["kills"]
    metrics = (
        ("answer_direct_s", "kill -> answer (name + ping)"),
        ("answer_bus_s", "kill -> answer (bus ping)"),
        ("detect_s", "kill -> detected (restart event)"),
        ("ready_s", "kill -> supervisor marks it running"),
    )
    table = Table(title="Restart latency (ms): a fresh incarnation vs a promoted warm standby")
    for col in ("measure", "child", "kills", "n", "mean", "p50", "p90", "p99", "max"):
        table.add_column(col, justify="left" if col in ("measure", "child", "kills") else "right")
    summary: dict[str, dict[str, Any]] = {}
    for target, label_of_target in ((TARGET, "fresh"), (STANDBY_TARGET, "standby")):
        rows_of = [k for k in kills if k.get("target", TARGET) == target]
        groups = {kind: [k for k in rows_of if k["kind"] == kind] for kind in KINDS}
        groups["combined"] = rows_of
        for key, label in metrics:
            for group, rows in groups.items():
                stats = summarize([r[key] for r in rows if r[key] is not None])
                summary.setdefault(label_of_target, {}).setdefault(key, {})[group] = stats
                table.add_row(
                    label if group == KINDS[0] else "",
                    label_of_target if group == KINDS[0] else "",
                    group,
                    str(stats.get("n", 0)),
                    *(fmt_ms(stats.get(k), 0) for k in ("mean_ms", "p50_ms", "p90_ms", "p99_ms", "max_ms")),
                    style="bold" if group == "combined" else None,
                    end_section=group == "combined",
                )
    base = summarize(results["baseline_s"])
    summary["baseline"] = {"fresh": base}
    table.add_row(
        "baseline: fresh actor create -> ping",
        "-",
        "-",
        str(base["n"]),
        *(fmt_ms(base[k], 0) for k in ("mean_ms", "p50_ms", "p90_ms", "p99_ms", "max_ms")),
    )
    console.print(table)
    results["summary"] = summary

    problems = [k for k in kills if k["bus_error"] or k["detect_s"] is None]
    delays = {k["delay_s"] for k in kills if k["delay_s"] is not None}
    console.print(f"backoff delays: {sorted(delays)}; kills with a bus error or no restart event: {len(problems)}")
    for k in problems:
        console.print(f"  kill {k['index']} ({k['target']}, {k['kind']}): bus={k['bus_error']} detect={k['detect_s']}")

    print_cpu(results["cpu"])
    verdict: dict[str, Any] = {}
    for label_of_target, goal in (("fresh", GOAL_P50_S), ("standby", GOAL_STANDBY_P50_S)):
        stats = summary[label_of_target]
        p50 = stats["answer_direct_s"]["combined"]["p50_ms"] / 1000
        bus_p50 = stats["answer_bus_s"]["combined"].get("p50_ms", float("nan")) / 1000
        met = p50 < goal
        colour = "green" if met else "red"
        console.print(
            f"[bold {colour}]{label_of_target}: goal kill -> answer p50 < {goal} s "
            f"{'MET' if met else 'NOT MET'}[/bold {colour}]: p50 {p50:.3f} s direct, {bus_p50:.3f} s via the bus "
            f"(ray.kill {stats['answer_direct_s']['ray.kill']['p50_ms'] / 1000:.3f} s, "
            f"chaos_exit {stats['answer_direct_s']['chaos_exit']['p50_ms'] / 1000:.3f} s); "
            f"detection p50 {stats['detect_s']['combined'].get('p50_ms', float('nan')) / 1000:.3f} s"
        )
        verdict[label_of_target] = {"goal_p50_s": goal, "met": met, "p50_s": p50, "bus_p50_s": bus_p50}
    console.print(f"floor (fresh actor create -> ping) p50 {base['p50_ms'] / 1000:.3f} s")
    results["verdict"] = verdict


if __name__ == "__main__":
    raise SystemExit(main())
