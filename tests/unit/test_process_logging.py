"""supervisors/logs.py: the platform's loggers write at `logging.level` to stderr, once."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from supervisors.logs import configure_process_logging


def run(code: str) -> subprocess.CompletedProcess[str]:
    """In a fresh interpreter: the setup changes process-wide loggers."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)


def test_info_lines_reach_stderr_once_after_two_setups_and_debug_does_not() -> None:
    done = run(
        "import logging\n"
        "from supervisors.logs import configure_process_logging\n"
        "configure_process_logging('INFO')\n"
        "configure_process_logging('INFO')\n"
        "logging.getLogger('actors.agents.chat_turn').info('slow turn x')\n"
        "logging.getLogger('serve_app.routers.agents').debug('a debug line')\n"
        "logging.getLogger('somelib').info('not ours')\n"
    )
    assert done.stderr.count("slow turn x") == 1
    assert "INFO actors.agents.chat_turn: slow turn x" in done.stderr
    assert "a debug line" not in done.stderr and "not ours" not in done.stderr


def test_the_level_is_the_configured_one() -> None:
    done = run(
        "import logging\n"
        "from supervisors.logs import configure_process_logging\n"
        "configure_process_logging('WARNING')\n"
        "logging.getLogger('supervisors.supervisor').info('quiet')\n"
        "logging.getLogger('supervisors.supervisor').warning('loud')\n"
    )
    assert "loud" in done.stderr and "quiet" not in done.stderr


def test_records_still_reach_a_root_handler_once(caplog: pytest.LogCaptureFixture) -> None:
    """A log capture on the root (pytest's, an operator's) still sees the platform's lines."""
    configure_process_logging("INFO")
    with caplog.at_level(logging.INFO):
        logging.getLogger("serve_app.routers.agents").info("a redelivered turn")
    assert [r.getMessage() for r in caplog.records] == ["a redelivered turn"]
