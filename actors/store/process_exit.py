"""Waiting for a process to exit, the way an OTP port is linked: a pidfd (Linux >= 5.3)
becomes readable the moment the process exits, so nothing polls. Where pidfds are missing
or blocked (old kernels, seccomp profiles) both waits fall back to checking every
`poll_interval_s`. A zombie (exited, not yet reaped by its parent) counts as exited.

`wait_for_exit` blocks (the watchdog process); `exited` is a coroutine (the Store actor).
No psycopg, no Ray: the watchdog imports this.
"""

from __future__ import annotations

import asyncio
import logging
import os
import select
import time

import psutil

log = logging.getLogger(__name__)


def wait_for_exit(pid: int, poll_interval_s: float = 1.0) -> None:
    """Block until `pid` has exited."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    except (AttributeError, OSError) as exc:
        log.info("pidfd_open unavailable (%s); polling every %.1fs", exc, poll_interval_s)
        _poll_for_exit(pid, poll_interval_s)
        return
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        while not poller.poll():  # a signal can wake poll() without an event
            pass
    finally:
        os.close(fd)


async def exited(pid: int, poll_interval_s: float = 1.0) -> None:
    """Return once `pid` has exited; cancellable. The event loop watches the pidfd."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    except (AttributeError, OSError) as exc:
        log.info("pidfd_open unavailable (%s); polling every %.1fs", exc, poll_interval_s)
        try:
            proc = psutil.Process(pid)  # remembers the start time: a reused pid is not "alive"
            while _running(proc):
                await asyncio.sleep(poll_interval_s)
        except psutil.NoSuchProcess:
            pass
        return
    loop = asyncio.get_running_loop()
    gone: asyncio.Future[None] = loop.create_future()

    def readable() -> None:
        if not gone.done():
            gone.set_result(None)

    loop.add_reader(fd, readable)
    try:
        await gone
    finally:
        loop.remove_reader(fd)
        os.close(fd)


def _running(proc: psutil.Process) -> bool:
    return bool(proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE)


def _poll_for_exit(pid: int, interval_s: float) -> None:
    try:
        proc = psutil.Process(pid)  # remembers the start time: a reused pid is not "alive"
        while _running(proc):
            time.sleep(interval_s)
    except psutil.NoSuchProcess:
        return
