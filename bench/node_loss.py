"""Node loss on a multi-node Ray cluster (issue 19): a head, a node offering `llm`, a worker
node running the embedder, knowledge, memory, shards, the agents, the MCP servers and their
supervisor and the monitor, and a node that joins; the worker node is SIGKILLed during chat
traffic. The control plane (the other supervisors, the registry) is on the head, as
`placement.control_plane` puts it by default; the baseline row puts the agents' supervisors
and registry on the lost node too (`--chat-path-on-worker`, the issue's spread).

Measured from the kill: (a) every child of the tree running again, (b) the first successful
chat, (c) /api/v1/health back to `ok`; the requests that failed in that window and how
(JSON with a code, plain text, no answer). With 1 and 2 gateway replicas, and the baseline
with 1. Runs tests/multinode/scenario.py (its own process: one Ray
cluster per driver). Writes bench/results/node_loss.json.

    PYTHONPATH=$PWD python -m bench.node_loss [--watch-s 90]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.common import machine_info, write_results
from tests.conftest import free_port
from tests.multinode.run import run_scenario

console = Console()
GOAL_FIRST_CHAT_S = 30.0


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--watch-s", type=float, default=90.0)
    parser.add_argument("--timeout-s", type=float, default=600.0)
    parser.add_argument("--no-baseline", action="store_true", help="skip the chat path on the lost node")
    args = parser.parse_args()
    # (gateway replicas, the agents' supervisors and registry on the lost node)
    cases = [(1, False), (2, False)] + ([] if args.no_baseline else [(1, True)])
    runs: list[dict[str, Any]] = []
    for replicas, chat_path_on_worker in cases:
        base = Path(tempfile.mkdtemp(prefix="node-loss-"))
        report = run_scenario(base / "state", free_port(), args.watch_s, args.timeout_s, replicas, chat_path_on_worker)
        runs.append({"replicas": replicas, **report})
    table = Table(title=f"node loss (goal: first chat < {GOAL_FIRST_CHAT_S:.0f} s, 0 plain-text errors)")
    for column in (
        "chat path on the lost node",
        "replicas",
        "children running (s)",
        "first chat ok (s)",
        "its request sent (s)",
        "chat in flight at the kill",
        "chat p50 before (s)",
        "health ok (s)",
        "requests",
        "failed",
        "JSON",
        "plain text",
        "no answer",
        "codes",
        "failed starts",
        "hang restarts",
    ):
        table.add_column(column)
    for run in runs:
        loss = run["node_loss"]
        table.add_row(
            "yes (baseline)" if run["chat_path_on_worker"] else "no (default)",
            str(run["replicas"]),
            fmt(loss["all_children_running_s"]),
            fmt(loss["first_chat_ok_s"]),
            fmt(loss["first_chat_sent_s"]),
            in_flight(loss.get("chat_in_flight")),
            fmt(loss["chat_before_p50_s"]),
            fmt(loss["health_ok_s"]),
            str(loss["requests"]),
            str(loss["failed"]),
            str(loss["failed_json"]),
            str(loss["failed_plain_text"]),
            str(loss["failed_no_answer"]),
            ", ".join(loss["failed_codes"]),
            str(loss["starts_failed"]),
            str(loss["hang_restarts"]),
        )
    console.print(table)
    path = write_results("node_loss", {"machine": machine_info(), "args": vars(args), "runs": runs})
    console.print(f"results: {path}")


def in_flight(chat: dict[str, Any] | None) -> str:
    """How the chat waiting at the kill ended: its status (or error) and when, after the kill."""
    if chat is None:
        return "-"
    return f"{chat['status'] or chat['error']} at {chat['ended_s']:.1f}"


if __name__ == "__main__":
    main()
