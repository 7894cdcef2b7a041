"""Shared plumbing for the benchmark scripts: a private local Ray cluster, a supervisor
of the benchmark's own, latency statistics, rich output and the JSON results file.

The benchmarks are scripts, not tests; run them from the repository root, e.g.
`python -m bench.bus` or `python -m bench.restart --quick`.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # `python bench/x.py` as well as `python -m bench.x`
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402
import psutil  # noqa: E402
import ray  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.progress import (  # noqa: E402
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from protocols.supervision import ChildSpec, SupervisorFlags  # noqa: E402

NAMESPACE = "pygent-bench"
RESULTS_DIR = REPO_ROOT / "bench" / "results"
SUPERVISOR_ACTOR = "supervisors.supervisor:Supervisor"
BUS_ACTOR = "actors.bus_actor:MessageBus"
COUNTER_ACTOR = "tests.integration.workers:Counter"
BUS_ADDRESS = "bus/main"  # the supervisors publish their events to this name

# Wide enough for the tables when the output goes to a file or a pipe.
console = Console(width=None if sys.stdout.isatty() else 120)


# ---- credentials ---------------------------------------------------------------


def auth_headers() -> dict[str, str]:
    """The platform's local admin key (it writes it into its state directory at every start),
    as HTTP headers: the benchmarks call the API as its operator."""
    from actors.auth.secret import read_local_key
    from configs.settings import load_settings

    key = read_local_key(load_settings())
    if not key:
        raise RuntimeError("no local admin key in the state directory: is the platform up?")
    return {"Authorization": f"Bearer {key}"}


# ---- the cluster ---------------------------------------------------------------


@contextmanager
def local_cluster(object_store_mb: int = 200) -> Iterator[Path]:
    """A private local Ray cluster, started like the integration tests start theirs,
    with a throw-away PYGENT_STATE_DIR. Shut down and removed on exit."""
    # Short path: Ray's Unix sockets live under it (107-byte limit).
    state_dir = Path(tempfile.mkdtemp(prefix="pgb-", dir="/tmp"))
    os.environ["RAY_AUTH_MODE"] = "disabled"
    os.environ["PYGENT_STATE_DIR"] = str(state_dir)
    os.environ["PYGENT_RAY_NAMESPACE"] = NAMESPACE
    os.environ["PYGENT_RAY_INCLUDE_DASHBOARD"] = "false"
    os.environ["PYGENT_RAY_OBJECT_STORE_MEMORY_MB"] = str(object_store_mb)
    from configs.settings import get_settings
    from serve_app.platform import ray_system_config

    get_settings.cache_clear()
    # What serve_app.platform.worker_env passes to every actor, plus the repository
    # root so workers can import the test actors (tests.integration.workers).
    env_vars = {k: v for k, v in os.environ.items() if k.startswith("PYGENT_")}
    env_vars["RAY_AUTH_MODE"] = "disabled"
    env_vars["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p)
    ray.init(
        address="local",
        include_dashboard=False,
        object_store_memory=object_store_mb * 1024 * 1024,
        _temp_dir=str(state_dir / "ray"),
        namespace=NAMESPACE,
        log_to_driver=False,
        logging_level=logging.WARNING,
        runtime_env={"env_vars": env_vars},
        _system_config=ray_system_config(get_settings()),
    )
    try:
        yield state_dir
    finally:
        ray.shutdown()
        shutil.rmtree(state_dir, ignore_errors=True)


def actor_at(address: str, namespace: str | None = None) -> Any:
    """The live handle of the actor at `address` (an alias-aware `ray.get_actor`: a child
    with a warm standby has a Ray name per incarnation). Raises ValueError when none."""
    from supervisors.refs import current_namespace, lookup

    found = lookup(address, namespace or current_namespace())
    if found is None:
        raise ValueError(f"no actor at address '{address}'")
    return found


def spawn_supervisor(flags: SupervisorFlags, children: Sequence[ChildSpec]) -> tuple[str, Any]:
    """A supervisor owned by this driver (as in tests/integration/test_supervision.py), ready."""
    from supervisors.supervisor import DEFAULT_ACTOR_OPTIONS, remote_class

    address = f"supervisor/bench-{uuid.uuid4().hex[:8]}"
    handle = (
        remote_class(SUPERVISOR_ACTOR)
        .options(**DEFAULT_ACTOR_OPTIONS, name=address, namespace=NAMESPACE)
        .remote(
            address,
            flags.model_dump(mode="json"),
            [c.model_dump(mode="json") for c in children],
            NAMESPACE,
        )
    )
    ray.get(handle.supervision_ready.remote(), timeout=120)
    return address, handle


def stop_supervisor(handle: Any) -> None:
    """Orderly stop (children in reverse order), then kill; never raises."""
    try:
        ray.get(handle.supervision_stop.remote(), timeout=60)
    except Exception as exc:
        console.print(f"[yellow]supervisor stop: {type(exc).__name__}: {exc}[/yellow]")
    ray.kill(handle, no_restart=True)


# ---- statistics ----------------------------------------------------------------


def summarize(samples_s: Sequence[float]) -> dict[str, float]:
    """Latency samples in seconds -> count and mean/p50/p90/p99/max in milliseconds."""
    if not samples_s:
        return {"n": 0}
    arr = np.asarray(samples_s, dtype=float) * 1000.0
    return {
        "n": len(arr),
        "mean_ms": float(arr.mean()),
        "min_ms": float(arr.min()),
        "p50_ms": float(np.percentile(arr, 50)),
        "p90_ms": float(np.percentile(arr, 90)),
        "p99_ms": float(np.percentile(arr, 99)),
        "max_ms": float(arr.max()),
    }


def fmt_ms(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


# ---- output ----------------------------------------------------------------------


def progress_bar() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def machine_info() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "ray": ray.__version__,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "hostname": platform.node(),
    }


def write_results(name: str, payload: dict[str, Any]) -> Path:
    """Write bench/results/<name>.json (git-ignored) and return its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    document = {
        "benchmark": name,
        "finished_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        **payload,
    }
    path.write_text(json.dumps(document, indent=2, default=str))
    return path


class CpuMonitor:
    """CPU used during a measurement by this benchmark (the driver and every process it
    started: Ray's daemons and workers, sampled every `interval_s` so that workers that
    are killed are counted too) and by everything else on the machine. Other load on a
    small machine skews the numbers; the scripts print this so a reader can tell a clean
    run from a disturbed one."""

    def __init__(self, interval_s: float = 0.25) -> None:
        self._interval_s = interval_s
        self._first: dict[tuple[int, float], float] = {}
        self._last: dict[tuple[int, float], float] = {}
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._wall0 = time.perf_counter()
        self._busy0 = self._busy()
        self._sample(initial=True)
        self._thread = threading.Thread(target=self._run, name="cpu-monitor", daemon=True)
        self._thread.start()

    @staticmethod
    def _busy() -> float:
        t = psutil.cpu_times()
        return sum(getattr(t, f, 0.0) for f in ("user", "nice", "system", "irq", "softirq", "steal"))

    def _sample(self, initial: bool = False) -> None:
        me = psutil.Process()
        for proc in [me, *me.children(recursive=True)]:
            try:
                key = (proc.pid, proc.create_time())
                c = proc.cpu_times()
            except psutil.Error:
                continue
            used = c.user + c.system
            with self._lock:
                # a process started after the monitor counts from zero
                self._first.setdefault(key, used if initial else 0.0)
                self._last[key] = used

    def _run(self) -> None:
        while not self._done.wait(self._interval_s):
            self._sample()

    def stop(self) -> dict[str, float]:
        """Call before the cluster shuts down (its processes must still be there)."""
        self._done.set()
        self._thread.join()
        self._sample()
        elapsed = max(time.perf_counter() - self._wall0, 1e-9)
        busy = self._busy() - self._busy0
        with self._lock:
            ours = sum(self._last[k] - self._first[k] for k in self._last)
        return {
            "elapsed_s": elapsed,
            "cpus": float(psutil.cpu_count() or 0),
            "ours_cores": ours / elapsed,
            "other_cores": max(0.0, busy - ours) / elapsed,
        }


def print_cpu(usage: dict[str, float], threshold: float = 0.25) -> None:
    line = (
        f"CPU during the measurements: this benchmark {usage['ours_cores']:.2f} cores, "
        f"everything else {usage['other_cores']:.2f} cores (of {usage['cpus']:.0f})"
    )
    if usage["other_cores"] > threshold:
        console.print(f"[yellow]{line}: other load on the machine; treat the numbers with care[/yellow]")
    else:
        console.print(line)


class Stopwatch:
    """Wall time of the whole script, for the results file."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    @property
    def elapsed_s(self) -> float:
        return time.perf_counter() - self.started
