"""Shared fixtures. Unit tests need none of these; integration tests share one Ray cluster."""

from __future__ import annotations

import os
import random
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# Ray 2.60 turns token auth on by default; the test cluster is local and private.
os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ.setdefault("RAY_DEDUP_LOGS", "0")


# Ports for servers the tests start: outside Linux's ephemeral range (32768-60999), where
# Ray's many processes bind their own ports while a platform starts, and above Ray's
# worker ports (10002-19999). A port picked from the ephemeral range could be taken by
# one of those binds in the seconds between picking it and the server binding it.
_TEST_PORTS = range(20000, 32000)


def free_port() -> int:
    for _ in range(200):
        port = random.choice(_TEST_PORTS)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {_TEST_PORTS}")


@pytest.fixture(scope="session")
def state_dir() -> Iterator[Path]:
    # Short path: Ray's and PostgreSQL's Unix sockets live under it (107-byte limit).
    path = Path(tempfile.mkdtemp(prefix="pgt-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def wait_http(url: str, timeout_s: float = 60.0) -> None:
    """Until `url` answers 200 (a platform's health route), or TimeoutError."""
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout_s} s")
