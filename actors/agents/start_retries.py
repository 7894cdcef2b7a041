"""When to try again to start an agent whose start failed: exponential backoff per agent.

The registry starts every recorded agent its pool does not run, every few seconds. An agent
whose start keeps failing (its model or tools are gone, the database is down for a while)
must not be started every few seconds for ever: each try costs a new worker process. The
first retry comes after the reconcile interval, each further one after twice the previous
delay, up to a ceiling (the supervisors' `BackoffPolicy`, without jitter); a successful
start forgets the agent's failures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from protocols.supervision import BackoffPolicy


@dataclass
class _Failures:
    count: int
    next_try_at: float


@dataclass
class StartRetries:
    """Per-agent backoff between failed starts (times are the caller's clock, in seconds)."""

    first_delay_s: float
    max_delay_s: float
    _failures: dict[str, _Failures] = field(default_factory=dict)
    _policy: BackoffPolicy = field(init=False)

    def __post_init__(self) -> None:
        # first, 2 x first, 4 x first ... up to max: the supervisors' policy without jitter
        self._policy = BackoffPolicy(
            initial_s=self.first_delay_s,
            base_s=2 * self.first_delay_s,
            multiplier=2.0,
            max_s=self.max_delay_s,
            jitter=0.0,
        )

    def due(self, agent_id: str, now: float) -> bool:
        """Whether a start of `agent_id` may be tried at `now`."""
        failures = self._failures.get(agent_id)
        return failures is None or now >= failures.next_try_at

    def failed(self, agent_id: str, now: float) -> float:
        """Record a failed start at `now`; returns the delay before the next try."""
        count = self._failures[agent_id].count + 1 if agent_id in self._failures else 1
        delay = self._policy.delay(count - 1)
        self._failures[agent_id] = _Failures(count, now + delay)
        return delay

    def started(self, agent_id: str) -> None:
        """`agent_id` runs (or is gone): forget its failures."""
        self._failures.pop(agent_id, None)

    def failures(self, agent_id: str) -> int:
        """Failed starts in a row of `agent_id`."""
        failures = self._failures.get(agent_id)
        return 0 if failures is None else failures.count
