"""StallReport: write every thread's Python stack when an actor's event loop stops turning.

An actor whose loop is blocked (a synchronous call into Ray's GCS, a C extension holding
the GIL) misses its supervisor's pings and is restarted as hung; the restart record says
`hang` but not where it sat. A heartbeat on the loop re-arms `faulthandler`'s timer every
`threshold_s / 3`; when the loop does not come round in `threshold_s`, faulthandler's own C
thread (which needs neither the loop nor the GIL) writes all threads' stacks to `file`
(a Ray actor's stderr lands in its worker log, so the Ray dashboard shows it). Like
Erlang's `long_schedule` system monitor, it reports and changes nothing.

faulthandler has one such timer per process; a Ray actor is a process of its own.
"""

from __future__ import annotations

import asyncio
import faulthandler
import sys
from typing import TextIO


class StallReport:
    """Arm on a running loop with `start()`; `stop()` disarms. One per process."""

    def __init__(self, threshold_s: float, file: TextIO | None = None) -> None:
        if threshold_s <= 0:
            raise ValueError("threshold_s must be > 0")
        self.threshold_s = threshold_s
        self.file = file if file is not None else sys.stderr
        self._beat: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def running(self) -> bool:
        return self._beat is not None

    def start(self) -> None:
        """Begin the heartbeat on the running loop (idempotent)."""
        if self._beat is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._heartbeat()

    def stop(self) -> None:
        if self._beat is not None:
            self._beat.cancel()
            self._beat = None
        faulthandler.cancel_dump_traceback_later()

    def _heartbeat(self) -> None:
        assert self._loop is not None
        # Re-arming cancels the previous timer: it fires only when the loop missed a whole window.
        faulthandler.dump_traceback_later(self.threshold_s, repeat=False, file=self.file)
        self._beat = self._loop.call_later(self.threshold_s / 3, self._heartbeat)
