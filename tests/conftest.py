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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The order of a `make test` run, fastest and quietest first:

    1. tests that start a platform or cluster of their own (marker `own_platform`:
       tests/multinode, `pygent up` in test_cli.py). Beside the
       shared platform a `pygent up` took 2-4 times as long on a 2-core machine (586 s
       against about 200 s for test_cli.py) and timed out in one CI run;
    2. the unit tests (no platform);
    3. the integration tests on the shared platform (tests/integration/conftest.py), which
       starts on their first use and is not stopped until the session ends;
    4. schemathesis last: it fills the shared platform with generated data (conversations,
       documents in the default index, model entries) that other tests' lists and searches
       must not see.
    """

    def rank(item: pytest.Item) -> int:
        if item.get_closest_marker("own_platform") is not None:
            return 0
        if "unit" in item.path.parts:
            return 1
        if item.path.name == "test_api_schemathesis.py":
            return 3
        return 2

    items.sort(key=rank)  # stable: the collection order within each group is kept


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
