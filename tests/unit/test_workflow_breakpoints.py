"""Workflow breakpoints (actors/workflows/breakpoints.py): a file holds a workflow at a step
until it is removed; other workflows, steps and places pass; no directory: nothing is read."""

from __future__ import annotations

import asyncio
from pathlib import Path

from actors.workflows.breakpoints import BEFORE, INSIDE, Breakpoints


def test_without_a_directory_nothing_holds() -> None:
    assert asyncio.run(Breakpoints(None).wait("w1", BEFORE, "plan")) is False
    assert Breakpoints(None).held_at("w1") is None


def test_other_workflows_steps_and_places_pass(tmp_path: Path) -> None:
    (tmp_path / "w1").write_text("before:gather\n")
    points = Breakpoints(tmp_path)

    async def passes() -> list[bool]:
        return [
            await points.wait("w2", BEFORE, "gather"),
            await points.wait("w1", BEFORE, "plan"),
            await points.wait("w1", INSIDE, "gather"),
        ]

    assert asyncio.run(passes()) == [False, False, False]
    assert not (tmp_path / "w1.held").exists()


def test_a_breakpoint_holds_until_its_file_is_removed(tmp_path: Path) -> None:
    (tmp_path / "w1").write_text("inside:store")
    points = Breakpoints(tmp_path, poll_s=0.01)

    async def scenario() -> tuple[bool, str | None, bool]:
        held = asyncio.create_task(points.wait("w1", INSIDE, "store"))
        for _ in range(200):
            if points.held_at("w1") is not None:
                break
            await asyncio.sleep(0.01)
        seen = points.held_at("w1")
        await asyncio.sleep(0.05)
        still = not held.done()
        (tmp_path / "w1").unlink()
        return await asyncio.wait_for(held, 5), seen, still

    released, seen, still_held = asyncio.run(scenario())
    assert released is True and seen == "inside:store" and still_held
    assert points.held_at("w1") is None
