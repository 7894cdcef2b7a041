"""Unit tests run without Ray. A test that reaches Ray by accident (a look-up, a runtime
context) would start a cluster, or join whichever one runs on this machine and die with
it: such a test fails here, naming itself."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def no_ray_started() -> Iterator[None]:
    ray = sys.modules.get("ray")
    # `pytest tests` runs the unit tests after the integration session's cluster started
    already = ray is not None and ray.is_initialized()
    yield
    ray = sys.modules.get("ray")
    if not already and ray is not None and ray.is_initialized():
        ray.shutdown()
        pytest.fail("this unit test started Ray (or joined a cluster running on this machine)")
