"""Breakpoints in a workflow, for crash tests and debugging (`workflows.breakpoints_dir`).

A file `<dir>/<workflow id>` whose text is `before:<step>` holds the workflow before each step
of that name starts (every earlier step is recorded, so a kill there is a kill between steps);
`inside:<step>` holds it after the step's work is done (its side effects made) but before its
output is recorded (a kill there cuts the step off). While held, the runner writes
`<dir>/<workflow id>.held` with the breakpoint, so a test knows the workflow is there. The hold
ends when the file is removed or says something else. No directory configured: no breakpoints,
and no file is read.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

BEFORE = "before"
INSIDE = "inside"
HELD_SUFFIX = ".held"


class Breakpoints:
    def __init__(self, directory: Path | None, poll_s: float = 0.05) -> None:
        self.directory = directory
        self.poll_s = poll_s

    def _wanted(self, workflow_id: str) -> str | None:
        assert self.directory is not None
        try:
            return (self.directory / workflow_id).read_text().strip()
        except (FileNotFoundError, NotADirectoryError):
            return None

    async def wait(self, workflow_id: str, where: str, step: str) -> bool:
        """Hold here while the workflow's breakpoint is `where:step`; whether it held."""
        if self.directory is None:
            return False
        point = f"{where}:{step}"
        if await asyncio.to_thread(self._wanted, workflow_id) != point:
            return False
        held = self.directory / f"{workflow_id}{HELD_SUFFIX}"
        await asyncio.to_thread(held.write_text, point)
        try:
            while await asyncio.to_thread(self._wanted, workflow_id) == point:
                await asyncio.sleep(self.poll_s)
        finally:
            with contextlib.suppress(FileNotFoundError):
                held.unlink()
        return True

    def held_at(self, workflow_id: str) -> str | None:
        """The breakpoint a workflow is held at now (the runner's `.held` file), or None."""
        if self.directory is None:
            return None
        try:
            return (self.directory / f"{workflow_id}{HELD_SUFFIX}").read_text().strip()
        except FileNotFoundError:
            return None
