"""Stop the embedded PostgreSQL server when the process that owns it dies.

    python -m actors.store.watchdog --watch-pid PID --pgdata DIR [--stop-timeout S]

EmbeddedPostgres.start() runs this detached (own session, forked away from its
starter, output to `<state_dir>/pgdata.watchdog.log`). The Store actor has it watch the Ray raylet of its
node, not itself: a crash of the Store alone leaves the server running for the
restarted Store to adopt, while the death of the whole node (or a `kill -9` of the
platform) stops the server instead of orphaning it.

One watchdog per data dir: it holds an exclusive flock on `pgdata.watchdog.pid` for
its whole life, so a second one exits at once.
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from actors.store.embedded import stop_orphan, watchdog_pid_path
from actors.store.process_exit import wait_for_exit

__all__ = ["main", "wait_for_exit"]

log = logging.getLogger("actors.store.watchdog")


def _raise_exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watch-pid", type=int, required=True, help="stop when this pid dies")
    parser.add_argument("--pgdata", type=Path, required=True, help="the server's data dir")
    parser.add_argument("--stop-timeout", type=float, default=None, help="seconds for pg_ctl stop")
    parser.add_argument("--poll-interval", type=float, default=1.0, help="fallback poll period")
    parser.add_argument("--detach", action="store_true", help="fork; the starter's child exits at once")
    args = parser.parse_args(argv)
    if args.detach and os.fork() > 0:
        # Ray kills the direct children of a worker when it exits (even on ray.kill);
        # a grandchild, reparented to init, outlives the Store as it must.
        os._exit(0)
    logging.basicConfig(
        level=logging.INFO,
        format=f"%(asctime)s watchdog[{os.getpid()}] %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    data_dir: Path = args.pgdata.expanduser().resolve()
    pid_path = watchdog_pid_path(data_dir)
    with open(pid_path, "a+") as pid_file:
        try:
            fcntl.flock(pid_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("another watchdog already watches %s; exiting", data_dir)
            return 0
        pid_file.seek(0)
        pid_file.truncate()
        pid_file.write(f"{os.getpid()}\n")
        pid_file.flush()
        signal.signal(signal.SIGTERM, _raise_exit)  # so the pid file is cleared on terminate
        try:
            log.info("watching pid %d for %s", args.watch_pid, data_dir)
            wait_for_exit(args.watch_pid, args.poll_interval)
            log.info("pid %d exited; stopping postgres on %s", args.watch_pid, data_dir)
            stopped = stop_orphan(data_dir, args.stop_timeout)
            log.info("postgres %s", "stopped" if stopped else "was not running")
        finally:
            # Truncate rather than unlink: unlinking would let a newcomer lock a fresh
            # inode while another still waits on this one.
            pid_file.seek(0)
            pid_file.truncate()
            pid_file.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
