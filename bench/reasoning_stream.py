"""How soon a browser sees a reasoning session grow: /ws `start_reasoning` -> first
`reasoning_update` (issue 14's goal: within 300 ms on this machine).

The whole platform, as the integration tests start it, with the embedded model. For each of
N sessions (tot_only, Game of 24, a one-level tree so the model is asked once):
- ping: a /ws ping -> pong round trip on the same socket, the floor of any answer (baseline);
- ack: `start_reasoning` -> `reasoning_started` (validated, recorded, actor started);
- first update: -> the first `reasoning_update` (the root, stored and published by the manager);
- first child: -> the first node the session's own actor made (after its model call);
- complete: -> `reasoning_complete`.
Sessions run one after another, so each start pays for a new session actor.

    python bench/reasoning_stream.py --n 20
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # run as a file: the repository root replaces bench/ on sys.path (see bench/chat.py)
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from rich.table import Table
from websockets.sync.client import connect as ws_connect

from bench.common import auth_headers, console, fmt_ms, progress_bar, summarize, write_results
from bench.models import free_port, platform_env, wait_http

NAMESPACE = "pygent-bench-reasoning-stream"
PUZZLES = ("4 6 8 9", "2 3 4 6", "1 5 5 5", "3 3 8 8", "4 4 6 8", "2 2 6 6", "1 2 3 4", "5 5 5 1")


def one_session(ws: Any, ref: str, query: str, tot: dict[str, Any], timeout_s: float) -> dict[str, float]:
    marks: dict[str, float] = {}
    t0 = time.perf_counter()
    ws.send(json.dumps({"type": "ping", "ref": f"{ref}-ping"}))
    while "ping" not in marks:
        frame = json.loads(ws.recv(timeout=timeout_s))
        if frame.get("type") == "pong" and frame.get("ref") == f"{ref}-ping":
            marks["ping"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    ws.send(
        json.dumps(
            {"type": "start_reasoning", "ref": ref, "query": query, "mode": "tot_only", "task": "game24", "tot": tot}
        )
    )
    deadline = time.monotonic() + timeout_s
    while "complete" not in marks and time.monotonic() < deadline:
        frame = json.loads(ws.recv(timeout=timeout_s))
        now = time.perf_counter() - t0
        kind = frame.get("type")
        if kind == "reasoning_started" and frame.get("ref") == ref:
            marks.setdefault("ack", now)
        elif kind == "reasoning_update":
            marks.setdefault("first_update", now)
            if frame["data"]["node"]["parent_id"] is not None:
                marks.setdefault("first_child", now)
        elif kind == "reasoning_complete":
            marks["complete"] = now
        elif kind == "error" and frame.get("ref") == ref:
            raise RuntimeError(f"start_reasoning refused: {frame['data']}")
    return marks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20, help="sessions (one after another)")
    parser.add_argument("--timeout-s", type=float, default=300.0)
    args = parser.parse_args()

    state_dir = Path(tempfile.mkdtemp(prefix="pgr-", dir="/tmp"))
    platform_env(state_dir)
    os.environ["PYGENT_RAY_NAMESPACE"] = NAMESPACE
    from configs.settings import get_settings, load_settings

    get_settings.cache_clear()
    settings = load_settings()
    from serve_app.platform import init_ray, start_serve, start_tree, stop_platform

    tot = {"beam_width": 1, "max_depth": 1, "n_evaluate_sample": 1, "max_tokens": 16, "max_steps": 1}
    samples: list[dict[str, float]] = []
    init_ray(settings)
    try:
        start_tree(settings)
        settings.serve.port = free_port()
        url = start_serve(settings)
        wait_http(url + "api/v1/health")
        ws_url = url.replace("http://", "ws://") + "ws"
        with ws_connect(ws_url, open_timeout=30, max_size=None, additional_headers=auth_headers()) as ws:
            json.loads(ws.recv(timeout=30))  # connection_status
            one_session(ws, "warm", PUZZLES[0], tot, args.timeout_s)  # first model call, first actor
            with progress_bar() as progress:
                task = progress.add_task("sessions", total=args.n)
                for i in range(args.n):
                    samples.append(one_session(ws, f"s{i}", PUZZLES[i % len(PUZZLES)], tot, args.timeout_s))
                    progress.advance(task)
    finally:
        stop_platform(settings, owns_cluster=True)
        shutil.rmtree(state_dir, ignore_errors=True)

    phases = ("ping", "ack", "first_update", "first_child", "complete")
    stats = {p: summarize([s[p] for s in samples if p in s]) for p in phases}
    table = Table(title=f"/ws start_reasoning, {args.n} sessions (tot_only, one level, embedded model)")
    table.add_column("from start_reasoning to")
    for column in ("p50", "p90", "max"):
        table.add_column(column, justify="right")
    for phase in phases:
        s = stats[phase]
        table.add_row(phase, fmt_ms(s.get("p50_ms")), fmt_ms(s.get("p90_ms")), fmt_ms(s.get("max_ms")))
    console.print(table)
    goal = stats["first_update"].get("p50_ms", float("inf")) <= 300.0
    verdict = "met" if goal else "NOT met"
    console.print(f"first update p50 {fmt_ms(stats['first_update'].get('p50_ms'))} (goal <= 300 ms: {verdict})")
    write_results("reasoning_stream", {"n": args.n, "tot": tot, "samples": samples, "stats": stats, "goal_met": goal})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
