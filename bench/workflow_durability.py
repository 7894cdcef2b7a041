"""Durable workflows: what durability costs per step, and how fast a killed runner runs again.

1. Per-step cost (no Ray). An embedded PostgreSQL of the bench's own and DBOS Transact in this
   process, as workflows/main runs it. The same workflow of `--steps` steps, each an async
   function returning a pydantic model of `--payload` bytes, runs `--workflows` times through
   the plain runner (the steps only: the baseline) and through the DBOS runner (each output
   recorded in PostgreSQL). The difference per step is what the record costs.

2. Kill -> running again (`--kills`, default 10; 0 skips it). A whole platform (real embedded
   model, a tiny index). For each kill: start a research analysis, wait until its plan is
   recorded, `ray.kill` workflows/main, and time
   - kill -> actor running: the supervisor has the new incarnation running;
   - kill -> workflow running again: the new incarnation's DBOS has resumed the workflow (its
     "resumed" log line, written right after `DBOS.launch()` recovered it);
   - kill -> next step recorded: the first step completed after the kill;
   then let it finish and check it completed with one report.

Run: `nice python -m bench.workflow_durability` (add `--kills 0` for part 1 only).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

if __package__ in (None, ""):
    import sys

    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import httpx
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


class Payload(BaseModel):
    step: int
    text: str


# ---- part 1: the per-step cost ------------------------------------------------------------


def per_step_cost(steps: int, workflows: int, payload: int) -> dict[str, Any]:
    from dbos import DBOS, SetWorkflowID

    from actors.store.embedded import EmbeddedPostgres
    from actors.workflows.durable import DbosSteps
    from actors.workflows.research import PlainSteps

    state = Path(tempfile.mkdtemp(prefix="pgw-", dir="/tmp"))
    server = EmbeddedPostgres(state)
    dsn = server.start()
    text = "x" * payload

    async def one_step(i: int) -> Payload:
        return Payload(step=i, text=text)

    async def run_steps(runner: Any) -> None:
        for i in range(steps):
            await runner.run(f"step{i % 7}", lambda i=i: one_step(i), Payload)

    @DBOS.workflow(name="bench_steps")
    async def durable_steps() -> None:
        workflow_id = DBOS.workflow_id
        assert workflow_id is not None
        await run_steps(DbosSteps(workflow_id))

    async def measure() -> dict[str, Any]:
        plain: list[float] = []
        durable: list[float] = []
        for w in range(workflows):
            t = time.perf_counter()
            await run_steps(PlainSteps())
            plain.append(time.perf_counter() - t)
            t = time.perf_counter()
            with SetWorkflowID(f"bench-{os.getpid()}-{w}"):
                handle = await DBOS.start_workflow_async(durable_steps)
            await handle.get_result()
            durable.append(time.perf_counter() - t)
        return {"plain_s": plain, "durable_s": durable}

    try:
        url = "postgresql+psycopg://" + dsn.partition("://")[2]
        DBOS(config={"name": "bench", "system_database_url": url, "log_level": "WARNING"})
        DBOS.launch()
        samples = asyncio.run(measure())
        DBOS.destroy()
    finally:
        server.stop()
        shutil.rmtree(state, ignore_errors=True)
    plain_ms = statistics.median(samples["plain_s"]) * 1000 / steps
    durable_ms = statistics.median(samples["durable_s"]) * 1000 / steps
    return {
        "steps": steps,
        "workflows": workflows,
        "payload_bytes": payload,
        "plain_ms_per_step_p50": plain_ms,
        "durable_ms_per_step_p50": durable_ms,
        "durability_ms_per_step": durable_ms - plain_ms,
    }


# ---- part 2: kill -> running again ---------------------------------------------------------

LIMITS = {
    "max_sub_questions": 2,
    "search_k": 2,
    "max_facts": 2,
    "concurrency": 2,
    "plan_max_tokens": 48,
    "answer_max_tokens": 24,
    "summary_max_tokens": 24,
    "reasoning_turns": 0,
}
DOCS = [
    ("supervision.md", "# Supervision\n\nA supervisor restarts its children when they crash."),
    ("bus.md", "# The bus\n\nThe bus routes requests between actors and publishes events on topics."),
]


def _wait(check: Callable[[], Any], timeout_s: float, every_s: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every_s)
    raise TimeoutError("timed out")


def kills(n: int) -> dict[str, Any]:
    from bench.models import free_port, platform_env, wait_http

    state = Path(tempfile.mkdtemp(prefix="pgw-", dir="/tmp"))
    platform_env(state)
    from configs.settings import get_settings, load_settings

    get_settings.cache_clear()
    settings = load_settings()
    from serve_app.client import connect
    from serve_app.platform import init_ray, start_serve, start_tree, stop_platform

    out: dict[str, list[float]] = {"actor_running_s": [], "workflow_resumed_s": [], "next_step_s": []}
    completed = 0
    init_ray(settings)
    try:
        start_tree(settings)
        settings.serve.port = free_port()
        url = start_serve(settings)
        wait_http(url + "api/v1/health")
        client = connect(settings=settings)

        def api(path: str) -> str:
            return url + "api/v1" + path

        httpx.post(api("/search/indexes"), json={"name": "bench-wf", "shards": 1}, timeout=120).raise_for_status()
        for name, text in DOCS:
            body = {"index": "bench-wf", "content": text, "format": "markdown", "metadata": {"source": name}}
            httpx.post(api("/search/documents"), json=body, timeout=120).raise_for_status()
        question = "How does a supervisor restart children, and how does the bus deliver events?"
        for i in range(n):
            body = {"question": question, "index": "bench-wf", "limits": LIMITS}
            started = httpx.post(api("/workflows/research-analysis"), json=body, timeout=120)
            started.raise_for_status()
            wid = started.json()["workflow_id"]

            def status(wid: str = wid) -> dict[str, Any]:
                answer: dict[str, Any] = httpx.get(api(f"/workflows/research-analysis/{wid}/status"), timeout=60).json()
                return answer

            def done_steps(view: dict[str, Any]) -> int:
                return sum(1 for s in view["steps"] if s["status"] == "completed")

            _wait(lambda: done_steps(status()) >= 1, 240)
            before = done_steps(status())
            runner = client.tree().find("workflows/main")
            restarts = runner.restarts if runner is not None else 0
            t0 = time.perf_counter()
            client.kill("workflows/main")
            client.wait_until_running("workflows/main", timeout_s=120, min_restarts=restarts + 1)
            out["actor_running_s"].append(time.perf_counter() - t0)

            def resumed(wid: str = wid) -> bool:
                try:
                    lines = httpx.get(api(f"/workflows/{wid}/logs"), timeout=10).json()["lines"]
                except (httpx.HTTPError, KeyError):
                    return False
                return any("resumed by" in line["message"] for line in lines)

            _wait(resumed, 120)
            out["workflow_resumed_s"].append(time.perf_counter() - t0)

            def moved_on(before: int = before) -> bool:
                return done_steps(status()) > before

            _wait(moved_on, 240)
            out["next_step_s"].append(time.perf_counter() - t0)
            final = httpx.get(
                api(f"/workflows/research-analysis/{wid}/result"), params={"wait_s": 240}, timeout=300
            ).json()
            completed += int(final["workflow"]["status"] == "completed" and final["report"] is not None)
            print(f"kill {i + 1}/{n}: resumed after {out['workflow_resumed_s'][-1]:.2f} s", flush=True)
    finally:
        stop_platform(settings, owns_cluster=True)
        shutil.rmtree(state, ignore_errors=True)
    return {"kills": n, "completed_with_report": completed, "samples_s": out}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--workflows", type=int, default=15)
    parser.add_argument("--payload", type=int, default=2000, help="bytes of each step's output")
    parser.add_argument("--kills", type=int, default=10)
    args = parser.parse_args()

    from rich.table import Table

    from bench.common import console, summarize, write_results

    results: dict[str, Any] = {"args": vars(args)}
    cost = per_step_cost(args.steps, args.workflows, args.payload)
    results["per_step"] = cost
    table = Table(title=f"per-step cost of durability ({args.steps} steps x {args.workflows} workflows)")
    for column in ("runner", "ms per step (p50 of workflows)"):
        table.add_column(column, justify="right")
    table.add_row("plain (baseline)", f"{cost['plain_ms_per_step_p50']:.3f}")
    table.add_row("DBOS (recorded)", f"{cost['durable_ms_per_step_p50']:.3f}")
    table.add_row("durability", f"{cost['durability_ms_per_step']:.3f}")
    console.print(table)
    if args.kills > 0:
        killed = kills(args.kills)
        results["kills"] = {
            "n": killed["kills"],
            "completed_with_report": killed["completed_with_report"],
            **{k: summarize(v) for k, v in killed["samples_s"].items()},
        }
        table = Table(title=f"runner kill -> running again ({args.kills} kills of workflows/main)")
        for column in ("from the kill to", "p50 ms", "p90 ms", "max ms"):
            table.add_column(column, justify="right")
        for key, label in (
            ("actor_running_s", "actor running"),
            ("workflow_resumed_s", "workflow resumed"),
            ("next_step_s", "next step recorded"),
        ):
            s = results["kills"][key]
            table.add_row(label, f"{s['p50_ms']:.0f}", f"{s['p90_ms']:.0f}", f"{s['max_ms']:.0f}")
        console.print(table)
        console.print(f"completed with one report: {killed['completed_with_report']}/{killed['kills']}")
    path = write_results("workflow_durability", results)
    console.print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
