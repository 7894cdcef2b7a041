"""Database recovery: from `kill -9` of the embedded PostgreSQL server to the platform
answering again, with nobody doing anything (issue 13: before, it never came back).

What is measured, on the whole platform (as the integration tests start it), for each of
`--kills` rounds (each after the platform is fully healthy again, `--spacing` apart):

- postgres kill -9 -> answer: SIGKILL of the server's postmaster (its pid from the state
  dir's postmaster.pid), then `GET /api/v1/chat/conversations` one request after another
  until one answers 200 (a request sent during the outage may wait in the agent registry's
  pool and answer 200 once the server is back: that counts, its answer time is taken);
- health noticed: the first `GET /api/v1/health` (a second client, polling) that is not ok;
- restart event: the `at` of the root supervisor's `restart` event for store/main minus the
  kill's wall time: how long the Store took to notice the death and its supervisor to act.

- database ok: the first `GET /api/v1/health/database` that says ok after one that did not.

Baseline, in the same run: `ray.kill` of the Store alone (the server keeps running; the
restarted Store adopts it): the issue's "`pygent kill store/main` brings everything back in
about 1 s". Its "database ok" is the Store's own restart, the floor of recovering from the
server's death (which adds starting the server); its chat column stays fast because the
agent registry keeps its own pool on the running server.

    python bench/db_recovery.py [--kills 5] [--spacing 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import httpx
import ray
from rich.table import Table

from bench.common import (
    NAMESPACE,
    CpuMonitor,
    Stopwatch,
    auth_headers,
    console,
    fmt_ms,
    print_cpu,
    summarize,
    write_results,
)
from bench.models import free_port, platform_env, wait_http

ANSWER_TIMEOUT_S = 60.0
GOAL_S = 5.0  # the server's death recovered by itself within a few seconds


def _first_200(url: str, timeout_s: float) -> tuple[float, int]:
    """Seconds until a GET answers 200 (requests one after another), and the failures seen."""
    started = time.monotonic()
    failures = 0
    with httpx.Client(timeout=timeout_s, headers=auth_headers()) as http:
        while time.monotonic() - started < timeout_s:
            try:
                if http.get(url).status_code == 200:
                    return time.monotonic() - started, failures
            except httpx.HTTPError:
                pass
            failures += 1
            time.sleep(0.01)
    raise TimeoutError(f"{url} did not answer 200 within {timeout_s:g} s")


class HealthWatch(threading.Thread):
    """Polls a health route from its own client: when it first says not ok, and when it says
    ok again after that."""

    def __init__(self, url: str, timeout_s: float = ANSWER_TIMEOUT_S) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.timeout_s = timeout_s
        self.started = time.monotonic()
        self.noticed_s: float | None = None
        self.back_s: float | None = None

    def run(self) -> None:
        with httpx.Client(timeout=10, headers=auth_headers()) as http:
            while self.back_s is None and time.monotonic() - self.started < self.timeout_s:
                try:
                    ok = http.get(self.url).json()["status"] == "ok"
                except (httpx.HTTPError, ValueError, KeyError):
                    ok = False
                now = time.monotonic() - self.started
                if not ok and self.noticed_s is None:
                    self.noticed_s = now
                elif ok and self.noticed_s is not None:
                    self.back_s = now
                time.sleep(0.02)


def _wait_healthy(url: str, timeout_s: float = ANSWER_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            body = httpx.get(url + "api/v1/health", timeout=10).json()
            if body["status"] == "ok" and body["components"]["database"]["status"] == "ok":
                return
        except (httpx.HTTPError, ValueError, KeyError):
            pass
        time.sleep(0.1)
    raise TimeoutError("the platform did not become healthy again")


def _restart_event_s(client: Any, killed_wall: float) -> float | None:
    events = client.actor("supervisor/root")
    for event in reversed(ray.get(events.history.remote(20), timeout=30)):
        if event["child"] == "store/main" and event["action"] == "restart" and event["at"] >= killed_wall:
            return float(event["at"] - killed_wall)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=5, help="rounds of each kind")
    parser.add_argument("--spacing", type=float, default=3.0, help="seconds of health between rounds")
    args = parser.parse_args()
    watch = Stopwatch()

    state_dir = Path(tempfile.mkdtemp(prefix="pgd-", dir="/tmp"))
    platform_env(state_dir)
    os.environ["PYGENT_RAY_NAMESPACE"] = NAMESPACE
    from actors.store.embedded import PostmasterPid, data_dir_for
    from configs.settings import get_settings, load_settings
    from serve_app.client import connect
    from serve_app.platform import init_ray, start_serve, start_tree, stop_platform

    get_settings.cache_clear()
    settings = load_settings()
    data_dir = data_dir_for(settings.state_path)
    results: dict[str, list[dict[str, Any]]] = {"store ray.kill (baseline)": [], "postgres kill -9": []}
    cpu: dict[str, float] = {}
    init_ray(settings)
    try:
        start_tree(settings)
        settings.serve.port = free_port()
        url = start_serve(settings)
        wait_http(url + "api/v1/health")
        client = connect(settings=settings)
        target = url + "api/v1/chat/conversations"
        _first_200(target, ANSWER_TIMEOUT_S)
        _wait_healthy(url)
        monitor = CpuMonitor()
        for kind in results:
            for _ in range(args.kills):
                time.sleep(args.spacing)
                health = HealthWatch(url + "api/v1/health")
                database = HealthWatch(url + "api/v1/health/database")
                before = PostmasterPid.read(data_dir)
                assert before is not None
                killed_wall = time.time()
                if kind.startswith("postgres"):
                    os.kill(before.pid, signal.SIGKILL)
                else:
                    ray.kill(client.actor("store/main"), no_restart=True)
                health.start()
                database.start()
                answered_s, failures = _first_200(target, ANSWER_TIMEOUT_S)
                database.join()
                health.join()
                _wait_healthy(url)
                after = PostmasterPid.read(data_dir)
                results[kind].append(
                    {
                        "answer_s": answered_s,
                        "failed_requests": failures,
                        "health_noticed_s": health.noticed_s,
                        "database_back_s": database.back_s,
                        "restart_event_s": _restart_event_s(client, killed_wall),
                        "new_server": after is not None and after.pid != before.pid,
                    }
                )
                console.print(
                    f"{kind}: /chat/conversations 200 after {answered_s:.2f} s ({failures} failed requests),"
                    f" /health/database ok after {database.back_s or float('nan'):.2f} s"
                )
        cpu = monitor.stop()
    finally:
        stop_platform(settings, owns_cluster=True)
        shutil.rmtree(state_dir, ignore_errors=True)

    table = Table(title="kill -> answering again, no manual action (seconds)")
    columns = (
        "kind",
        "n",
        "chat 200 p50",
        "chat 200 max",
        "failed requests",
        "health not ok p50",
        "restart event p50",
        "database ok p50",
    )
    for column in columns:
        table.add_column(column, justify="right")
    summary: dict[str, Any] = {}

    def p50(stats: dict[str, float]) -> str:
        return fmt_ms(stats["p50_ms"] / 1000) if stats["n"] else "-"

    for kind, rounds in results.items():
        answer = summarize([r["answer_s"] for r in rounds])
        noticed = summarize([r["health_noticed_s"] for r in rounds if r["health_noticed_s"] is not None])
        event = summarize([r["restart_event_s"] for r in rounds if r["restart_event_s"] is not None])
        back = summarize([r["database_back_s"] for r in rounds if r["database_back_s"] is not None])
        summary[kind] = {"answer": answer, "health_noticed": noticed, "restart_event": event, "database_back": back}
        table.add_row(
            kind,
            str(answer["n"]),
            p50(answer),
            fmt_ms(answer.get("max_ms", 0) / 1000),
            str(sum(r["failed_requests"] for r in rounds)),
            p50(noticed),
            p50(event),
            p50(back),
        )
    console.print(table)
    server_p50 = summary["postgres kill -9"]["answer"]["p50_ms"] / 1000
    baseline = summary["store ray.kill (baseline)"]["database_back"]
    console.print(
        f"postgres kill -9 -> /chat/conversations 200 p50 {server_p50:.2f} s (goal: within {GOAL_S:g} s: "
        f"{'met' if server_p50 <= GOAL_S else 'NOT met'}); the Store's own restart (database health ok "
        f"again, the server adopted): p50 {p50(baseline)} s"
    )
    print_cpu(cpu)
    path = write_results(
        "db_recovery",
        {"args": vars(args), "rounds": results, "summary": summary, "elapsed_s": watch.elapsed_s},
    )
    console.print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
