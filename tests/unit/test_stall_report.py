"""StallReport without Ray: a blocked loop writes where it sat; a turning loop writes nothing."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from supervisors.stall import StallReport


def sit_in_a_blocking_call(seconds: float) -> None:
    time.sleep(seconds)  # what a synchronous GCS call does to an event loop


def run_with_report(tmp_path: Path, body: object) -> str:
    out = tmp_path / "stalls.txt"
    with out.open("w") as file:

        async def main() -> None:
            report = StallReport(0.3, file=file)
            report.start()
            assert report.running
            try:
                await body()  # type: ignore[operator]
            finally:
                report.stop()
            assert not report.running

        asyncio.run(main())
    return out.read_text()


def test_a_blocked_loop_reports_the_blocking_call(tmp_path: Path) -> None:
    async def body() -> None:
        await asyncio.sleep(0.2)
        sit_in_a_blocking_call(1.0)

    text = run_with_report(tmp_path, body)
    assert "Timeout" in text and "sit_in_a_blocking_call" in text


def test_a_turning_loop_reports_nothing(tmp_path: Path) -> None:
    async def body() -> None:
        for _ in range(10):  # 1 s of short awaits: the heartbeat keeps re-arming
            await asyncio.sleep(0.1)

    assert run_with_report(tmp_path, body) == ""


def test_a_threshold_must_be_positive() -> None:
    with pytest.raises(ValueError):
        StallReport(0)
