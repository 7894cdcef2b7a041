"""Run tests/multinode/scenario.py in its own process and session (Ray allows one cluster
per driver) and return its JSON report; on a timeout its whole process group is killed and
any PostgreSQL left in its state directory is stopped."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.own_platform import stop_leftover_database

PROJECT = Path(__file__).resolve().parents[2]


def run_scenario(
    state_dir: Path,
    port: int,
    watch_s: float,
    timeout_s: float,
    replicas: int | None = None,
    chat_path_on_worker: bool = False,
) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "tests.multinode.scenario",
        "--state-dir",
        str(state_dir),
        "--port",
        str(port),
        "--watch-s",
        str(watch_s),
    ]
    if replicas is not None:
        command += ["--replicas", str(replicas)]
    if chat_path_on_worker:
        command.append("--chat-path-on-worker")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYGENT_")}
    env["PYTHONPATH"] = str(PROJECT)
    log = state_dir.parent / "scenario.log"
    state_dir.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            process.wait(timeout=timeout_s)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            # Whatever the scenario started and left (a raylet of a node that failed to
            # start, on a timeout everything) is in its process group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            stop_leftover_database(state_dir)
    text = log.read_text()
    reports = [line for line in text.splitlines() if line.startswith("REPORT ")]
    if process.returncode != 0 or not reports:
        raise AssertionError(f"the multi-node scenario failed (exit {process.returncode}):\n{text[-6000:]}")
    return dict(json.loads(reports[-1].removeprefix("REPORT ")))
