"""Small real actors for the supervision and bus tests (they run in Ray worker processes)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from typing import Any

from actors.base import SupervisedActor, tool
from supervisors.supervisor import Supervisor


class _NeedsKeyword(Exception):
    def __init__(self, message: str, *, detail: str) -> None:
        super().__init__(message)
        self.detail = detail


class Counter(SupervisedActor):
    """Counts calls; knows its own incarnation (pid) so tests can tell restarts apart."""

    def __init__(
        self, address: str, fail_start: bool = False, start_delay_s: float = 0.0, fail_once_marker: str | None = None
    ) -> None:
        super().__init__(address)
        self.count = 0
        self.fail_start = fail_start
        self.start_delay_s = start_delay_s
        self.fail_once_marker = fail_once_marker
        self.times: dict[str, float] = {"constructed": time.time()}

    async def on_start(self) -> None:
        self.times["start_began"] = time.time()
        await asyncio.sleep(self.start_delay_s)  # a slow start (a model loading)
        self.times["start_ended"] = time.time()
        if self.fail_start:
            raise RuntimeError("configured to fail at start")
        if self.fail_once_marker is not None and not os.path.exists(self.fail_once_marker):
            # the first start fails (a dependency that died during it); the next one works
            with open(self.fail_once_marker, "w") as marker:
                marker.write("failed once")
            raise RuntimeError("failed once, as configured")

    @tool(description="Add one and return the count and this incarnation's pid.")
    async def increment(self) -> dict[str, Any]:
        self.count += 1
        return {"count": self.count, "pid": os.getpid()}

    @tool(description="Echo the text back.")
    async def echo(self, text: str) -> str:
        return text

    @tool(description="Sleep, then answer.")
    async def slow(self, seconds: float) -> dict[str, Any]:
        await asyncio.sleep(seconds)
        return {"slept": seconds}

    @tool(description="Crash the process from inside a method.")
    async def crash(self) -> None:
        os._exit(3)

    @tool(description="Block the event loop (a hung actor).")
    async def hang(self, seconds: float) -> None:
        time.sleep(seconds)

    async def finish(self) -> None:
        """Exit normally (a transient child that is done)."""
        self.exit_normally("work finished")

    async def raise_unsendable(self) -> None:
        """Raise what pickles but does not unpickle (a required keyword argument)."""
        raise _NeedsKeyword("went wrong", detail="x")

    async def pid(self) -> int:
        return os.getpid()

    async def lifetime(self) -> dict[str, float]:
        """When this incarnation was constructed, and when its start began and ended."""
        return self.times

    async def count_to(self, n: int) -> AsyncIterator[dict[str, Any]]:
        """A stream: n values, each with this incarnation's pid."""
        for i in range(n):
            yield {"i": i, "pid": os.getpid()}


class ExpectingSupervisor(Supervisor):
    """A simple_one_for_one supervisor that expects these children (as the agent pool
    expects the recorded agents): their processes are created ahead of `start_child`."""

    def __init__(
        self,
        address: str,
        flags: dict[str, Any],
        children: list[dict[str, Any]],
        namespace: str | None = None,
        expected: list[str] | None = None,
    ) -> None:
        super().__init__(address, flags, children, namespace)
        self.expected = list(expected or [])

    async def expected_children(self) -> list[tuple[str, list[Any]]]:
        return [(child_id, []) for child_id in self.expected]
