"""What a supervisor records when a child fails to start: the child's own error."""

from __future__ import annotations

from ray.exceptions import RayTaskError

from supervisors.supervisor import _describe_error


def test_a_start_failure_names_the_childs_own_error_not_rays_wrapper() -> None:
    inner = RuntimeError("supervisor/index: child index/default.0 failed to start: PoolTimeout: no connection\nmore")
    wrapped = RayTaskError("supervision_ready", "Traceback ...", inner)
    described = _describe_error(wrapped)
    assert (
        described == "RuntimeError: supervisor/index: child index/default.0 failed to start: PoolTimeout: no connection"
    )


def test_a_timeout_is_said_plainly() -> None:
    assert _describe_error(TimeoutError()) == "timed out"
