"""Helpers for the tests that start a platform of their own (`pygent up` in a subprocess,
its own Ray cluster, database and state directory): tests/integration/test_cli.py and
tests/multinode's scenario. They carry the `own_platform`
marker, which runs them first (tests/conftest.py), on a machine the suite's shared platform
does not load yet."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

import psutil

PYGENT = [sys.executable, "-m", "serve_app.cli"]


def processes_of(state_dir: str) -> list[psutil.Process]:
    """Processes whose command line names `state_dir` (raylet, GCS, PostgreSQL, the CLI)."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        try:
            cmdline = " ".join(proc.info["cmdline"] or [])
        except (psutil.Error, TypeError):
            continue
        if state_dir in cmdline and "pytest" not in cmdline:
            found.append(proc)
    return found


def describe(processes: list[psutil.Process]) -> list[str]:
    described = []
    for proc in processes:
        with contextlib.suppress(psutil.Error):
            described.append(f"{proc.pid}: {' '.join(proc.cmdline())[:160]}")
    return described


def stop_leftover_database(state_dir: Path, timeout_s: float | None = None) -> None:
    """Stop an embedded PostgreSQL (and its watchdog) left running in `state_dir`
    (`timeout_s`: stop_orphan's, default database.stop_timeout_s)."""
    pgdata = state_dir / "pgdata"
    if pgdata.exists():
        from actors.store.embedded import stop_orphan

        stop_orphan(pgdata, timeout_s)


def tear_down(env: dict[str, str], state_dir: Path) -> None:
    """`pygent down`, then whatever it left is stopped: a platform left running (an `up` that
    timed out, a `down` that failed) would load the machine for every later test. The
    database first, in order (a SIGKILLed postmaster leaves its children and shared memory),
    then every other process that names the state directory."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        subprocess.run([*PYGENT, "down"], env=env, capture_output=True, timeout=180)
    with contextlib.suppress(Exception):
        stop_leftover_database(state_dir, timeout_s=30)
    for proc in processes_of(str(state_dir)):
        with contextlib.suppress(psutil.Error):
            proc.kill()
