"""Idle platform memory: the USS of every process of a running platform, with and without
warm standbys, and where it goes.

What is measured. For each configuration (`supervision.standbys` as configured, and `[]`),
in one run and one after the other, a child process of this script starts the whole
platform on its embedded defaults in a private Ray cluster (`init_ray` + `start_tree` +
`start_serve`, as `pygent up` does), lets it settle (`--settle`, default 20 s: standbys
are constructed in the background), then sums the unique set size (USS: the memory that
would be freed if the process exited) of every process under it: Ray's own (GCS, raylet,
dashboard agents, workers), every actor's worker process, the embedded PostgreSQL, the MCP
servers, the Ray dashboard (on, as configured). The driver process itself (this
benchmark's code) is reported apart, not summed.

Processes are grouped by what they run: a Ray worker by its process title
(`ray::MessageBus`, `ray::Store`...: one row per actor class, with the count), any other
process by its executable name.

The goal from issue 13: with standbys on, the idle platform's USS must not exceed 2.85 GiB.

    python -m bench.memory [--settle 20] [--configs standbys,none]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import psutil
from rich.table import Table

from bench.common import Stopwatch, console, write_results

GOAL_GIB = 2.85
CONFIGS = {"standbys": None, "none": "[]"}  # None: the configured list
MIB = 1024 * 1024


def group_of(process: psutil.Process) -> str:
    """`ray::Class` for an actor's worker, else the executable's name."""
    try:
        cmdline = process.cmdline()
        name = process.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return "?"
    title = cmdline[0] if cmdline else name
    if title.startswith("ray::"):
        return title.split()[0].split(".")[0]  # `ray::Supervisor.ping`: the class, not its task
    if "postgres" in title or name.startswith("postgres"):
        return "postgres"
    for part in cmdline[:3]:
        base = os.path.basename(part)
        if base.endswith(".py") or base in ("gcs_server", "raylet"):
            return base
        if "-m" in cmdline[:2]:
            return cmdline[cmdline.index("-m") + 1]
    return os.path.basename(title)


def platform_processes(state_dir: Path) -> list[psutil.Process]:
    """Every descendant of this process, and the embedded PostgreSQL server (pg_ctl
    daemonises it: it is no descendant) with its backends: the processes whose command line
    names the state directory, and their descendants."""
    me = psutil.Process()
    found = {p.pid: p for p in me.children(recursive=True)}
    for process in psutil.process_iter(["cmdline"]):
        if process.pid in found or process.pid == me.pid:
            continue
        if any(str(state_dir) in part for part in process.info["cmdline"] or ()):
            found[process.pid] = process
            for child in process.children(recursive=True):
                found[child.pid] = child
    return list(found.values())


def measure_tree(state_dir: Path) -> dict[str, Any]:
    """USS of every process of the platform, grouped."""
    me = psutil.Process()
    groups: dict[str, dict[str, float]] = defaultdict(lambda: {"count": 0, "uss_mib": 0.0})
    total = 0.0
    denied = 0
    for child in platform_processes(state_dir):
        try:
            uss = child.memory_full_info().uss / MIB
        except psutil.NoSuchProcess:
            continue
        except psutil.AccessDenied:
            denied += 1
            continue
        group = groups[group_of(child)]
        group["count"] += 1
        group["uss_mib"] += uss
        total += uss
    driver = me.memory_full_info().uss / MIB
    return {"total_mib": total, "driver_mib": driver, "groups": dict(groups), "access_denied": denied}


def run_one(config: str, settle_s: float) -> dict[str, Any]:
    """In this (child) process: start the platform, settle, measure, stop."""
    state_dir = Path(tempfile.mkdtemp(prefix="pgm-", dir="/tmp"))  # short: Ray's socket paths
    os.environ.update(
        {
            "RAY_AUTH_MODE": "disabled",
            "PYGENT_STATE_DIR": str(state_dir),
            "PYGENT_RAY_NAMESPACE": f"pygent-bench-memory-{config}",
        }
    )
    if CONFIGS[config] is not None:
        os.environ["PYGENT_SUPERVISION_STANDBYS"] = str(CONFIGS[config])
    from configs.settings import get_settings, load_settings
    from serve_app.platform import init_ray, start_serve, start_tree, stop_platform

    get_settings.cache_clear()
    settings = load_settings()
    from bench.models import free_port, wait_http

    settings.serve.port = free_port()
    settings.ray.dashboard_port = free_port()  # the dashboard stays on, as `pygent up` runs it
    started = time.perf_counter()
    owns = init_ray(settings)
    try:
        start_tree(settings)
        url = start_serve(settings)
        wait_http(url + "api/v1/health")
        start_s = time.perf_counter() - started
        time.sleep(settle_s)
        out = measure_tree(state_dir)
        out["start_s"] = start_s
        out["standbys"] = settings.supervision.standbys
        return out
    finally:
        stop_platform(settings, owns_cluster=owns)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--settle", type=float, default=20.0, help="seconds idle after the start before measuring")
    parser.add_argument("--configs", default=",".join(CONFIGS), help=f"any of {','.join(CONFIGS)}")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one configuration here
    args = parser.parse_args()
    if args.one:
        print("RESULT " + json.dumps(run_one(args.one, args.settle)), flush=True)
        return 0

    watch = Stopwatch()
    results: dict[str, Any] = {"args": vars(args), "goal_gib": GOAL_GIB, "configs": {}}
    for config in args.configs.split(","):
        console.print(f"[bold]{config}[/bold]: starting the platform (settle {args.settle:g} s)")
        done = subprocess.run(
            [sys.executable, "-m", "bench.memory", "--one", config, "--settle", str(args.settle)],
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            console.print(done.stdout[-3000:], done.stderr[-3000:])
            raise SystemExit(f"{config}: the measurement failed (rc {done.returncode})")
        results["configs"][config] = json.loads(line[len("RESULT ") :])
    results["runtime_s"] = watch.elapsed_s
    report(results)
    path = write_results("memory", results)
    console.print(f"results: {path}  (runtime {results['runtime_s']:.1f} s)")
    return 0


def report(results: dict[str, Any]) -> None:
    configs: dict[str, dict[str, Any]] = results["configs"]
    names = sorted(
        {g for c in configs.values() for g in c["groups"]},
        key=lambda g: -max(c["groups"].get(g, {}).get("uss_mib", 0.0) for c in configs.values()),
    )
    table = Table(title="Idle platform memory: USS (MiB) by process group")
    table.add_column("process group")
    for config in configs:
        table.add_column(f"{config}: n", justify="right")
        table.add_column(f"{config}: MiB", justify="right")
    for name in names:
        row = [name]
        for c in configs.values():
            group = c["groups"].get(name)
            row += ["-", "-"] if group is None else [str(int(group["count"])), f"{group['uss_mib']:.0f}"]
        table.add_row(*row)
    table.add_row("total (driver excluded)", *[x for c in configs.values() for x in ("", f"{c['total_mib']:.0f}")])
    table.add_row("driver (this benchmark)", *[x for c in configs.values() for x in ("", f"{c['driver_mib']:.0f}")])
    console.print(table)
    verdict = {}
    for config, c in configs.items():
        gib = c["total_mib"] / 1024
        verdict[config] = {"total_gib": gib, "met": gib <= GOAL_GIB}
        colour = "green" if gib <= GOAL_GIB else "red"
        console.print(
            f"[{colour}]{config}: {gib:.2f} GiB "
            f"({'within' if gib <= GOAL_GIB else 'over'} the {GOAL_GIB} GiB goal)[/{colour}]"
            + (f"; {c['access_denied']} processes not readable" if c["access_denied"] else "")
        )
    if "standbys" in configs and "none" in configs:
        extra = configs["standbys"]["total_mib"] - configs["none"]["total_mib"]
        console.print(f"standbys cost {extra:.0f} MiB ({configs['standbys']['standbys']})")
        verdict["standby_cost_mib"] = extra
    results["verdict"] = verdict


if __name__ == "__main__":
    raise SystemExit(main())
