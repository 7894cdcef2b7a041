"""Shared fixtures. Unit tests need none of these; integration tests share one Ray cluster."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Ray 2.60 turns token auth on by default; the test cluster is local and private.
os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ.setdefault("RAY_DEDUP_LOGS", "0")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def state_dir() -> Iterator[Path]:
    # Short path: Ray's and PostgreSQL's Unix sockets live under it (107-byte limit).
    path = Path(tempfile.mkdtemp(prefix="pgt-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)
