"""A server's status, and how the handle's own view combines with its supervisor's.

The handle moves through starting -> ready <-> degraded and ends in failed (it gives up
and exits, so its supervisor restarts it) or stopped. While the handle is dead between
restarts only the supervisor knows the server: restarting, or failed when it keeps
failing at start.
"""

from __future__ import annotations

from enum import StrEnum


class ServerStatus(StrEnum):
    STARTING = "starting"
    READY = "ready"
    DEGRADED = "degraded"  # answering, but a ping failed or was slow
    RESTARTING = "restarting"
    FAILED = "failed"
    STOPPED = "stopped"


_ALLOWED: dict[ServerStatus, frozenset[ServerStatus]] = {
    ServerStatus.STARTING: frozenset({ServerStatus.READY, ServerStatus.FAILED, ServerStatus.STOPPED}),
    ServerStatus.READY: frozenset({ServerStatus.DEGRADED, ServerStatus.FAILED, ServerStatus.STOPPED}),
    ServerStatus.DEGRADED: frozenset({ServerStatus.READY, ServerStatus.FAILED, ServerStatus.STOPPED}),
    ServerStatus.FAILED: frozenset({ServerStatus.STOPPED}),
    ServerStatus.STOPPED: frozenset(),
    ServerStatus.RESTARTING: frozenset(),  # never a handle's own state
}


class InvalidTransition(ValueError):
    pass


class StatusMachine:
    """The handle's lifecycle. `set` ignores a repeat and rejects a transition the
    lifecycle does not have (a bug, not an input error)."""

    def __init__(self) -> None:
        self.status = ServerStatus.STARTING
        self.error: str | None = None
        self.history: list[ServerStatus] = [self.status]

    def set(self, status: ServerStatus, error: str | None = None) -> bool:
        """Move to `status`; True when it changed."""
        if status is self.status:
            if error is not None:
                self.error = error
            return False
        if status not in _ALLOWED[self.status]:
            raise InvalidTransition(f"{self.status.value} -> {status.value}")
        self.status = status
        if status is ServerStatus.READY:
            self.error = None
        elif error is not None:
            self.error = error
        self.history.append(status)
        return True

    @property
    def serving(self) -> bool:
        return self.status in (ServerStatus.READY, ServerStatus.DEGRADED)


def combined_status(
    child_state: str | None,
    handle_status: str | None,
    last_exit_kind: str | None = None,
    consecutive_failures: int = 0,
    fail_after: int = 3,
) -> ServerStatus:
    """The status shown for a server, from its supervisor's child state (ChildState values)
    and, while the handle runs, the handle's own status.

    A server that failed to start `fail_after` times in a row shows as failed while it
    waits for its next (backed-off) attempt, so a broken command is visible as broken."""
    if child_state is None or child_state == "stopped":
        return ServerStatus.STOPPED
    if child_state == "failed":
        return ServerStatus.FAILED
    if child_state == "running":
        if handle_status is None:
            return ServerStatus.STARTING
        return ServerStatus(handle_status)
    if child_state == "restarting":
        if last_exit_kind == "start_failed" and consecutive_failures >= fail_after:
            return ServerStatus.FAILED
        return ServerStatus.RESTARTING
    if child_state == "stopping":
        return ServerStatus.STOPPED
    return ServerStatus.STARTING
