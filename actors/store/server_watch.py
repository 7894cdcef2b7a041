"""Notices that the embedded PostgreSQL server is gone, so the Store can fail and be restarted.

Two ways a server goes: its postmaster exits (killed, crashed, out of memory), seen at once
through the process (process_exit: a pidfd, no polling loop); or it stays alive but stops
answering (stopped, wedged), seen when a connection check every `interval_s` gets no answer
within `timeout_s`, `failures` times in a row. A check that is refused (too many clients,
the server shutting down) is an answer: only silence counts as hung.

Plain Python, no Ray: the Store actor acts on what `failure()` returns.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import psycopg

from actors.store.database import within
from actors.store.process_exit import exited

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServerFailure:
    """Why the server is gone; `hung`: it is still alive and must be killed before a
    successor starts another on the same data dir."""

    detail: str
    hung: bool


async def answers(dsn: str, timeout_s: float) -> bool | str:
    """True when the server answers a fresh connection's `SELECT 1` within `timeout_s`;
    False when it says nothing in that time; the error text when it refuses."""
    try:
        await within(_select_one(dsn, timeout_s), timeout_s)
    except TimeoutError:
        return False
    except psycopg.OperationalError as exc:
        if "timeout expired" in str(exc):  # libpq's connect_timeout: silence too
            return False
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return True


async def _select_one(dsn: str, timeout_s: float) -> None:
    conn = await psycopg.AsyncConnection.connect(dsn, autocommit=True, connect_timeout=max(1, round(timeout_s)))
    async with conn:
        await conn.execute("SELECT 1")


class ServerWatch:
    """Watches one running server: its postmaster `pid`, reachable at `dsn`."""

    def __init__(self, pid: int, dsn: str, *, interval_s: float, timeout_s: float, failures: int) -> None:
        self.pid = pid
        self.dsn = dsn
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self.failures = failures

    async def failure(self) -> ServerFailure:
        """Wait until the server is gone; say how. Cancellable."""
        death = asyncio.ensure_future(exited(self.pid))
        silence = asyncio.ensure_future(self._until_silent())
        try:
            done, _ = await asyncio.wait({death, silence}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (death, silence):
                task.cancel()
        if death in done:
            death.result()  # an error of the watch itself is raised, not taken for a death
            return ServerFailure(f"the postgres server (pid {self.pid}) exited", hung=False)
        return ServerFailure(silence.result(), hung=True)

    async def _until_silent(self) -> str:
        missed = 0
        while True:
            await asyncio.sleep(self.interval_s)
            answer = await answers(self.dsn, self.timeout_s)
            if answer is False:
                missed += 1
                log.warning(
                    "postgres (pid %d) gave no answer within %gs (%d/%d)",
                    self.pid,
                    self.timeout_s,
                    missed,
                    self.failures,
                )
                if missed >= self.failures:
                    return (
                        f"the postgres server (pid {self.pid}) gave no answer within {self.timeout_s:g} s,"
                        f" {missed} checks in a row"
                    )
                continue
            if answer is not True:
                log.warning("postgres (pid %d) refused a check: %s", self.pid, answer)
            missed = 0
