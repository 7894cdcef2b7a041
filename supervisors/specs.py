"""Generic child-spec helpers: a worker, a supervisor's flags from settings, a component
supervisor. They know no feature; the application tree (serve_app/tree.py) and each
feature's `child_specs(settings)` build their specs with them."""

from __future__ import annotations

import fnmatch
from typing import Any

from configs.settings import Settings
from protocols.supervision import (
    BackoffPolicy,
    ChildKind,
    ChildSpec,
    RestartType,
    Strategy,
    SupervisorFlags,
)
from supervisors.placement import update_subtree

SUPERVISOR_ACTOR = "supervisors.supervisor:Supervisor"


def backoff_policy(settings: Settings) -> BackoffPolicy:
    s = settings.supervision
    return BackoffPolicy(
        initial_s=s.backoff_initial_s,
        base_s=s.backoff_base_s,
        max_s=s.backoff_max_s,
        multiplier=s.backoff_multiplier,
        jitter=s.backoff_jitter,
        reset_after_s=s.child_period_s,
    )


def supervisor_flags(
    settings: Settings, strategy: Strategy, *, root: bool = False, template: ChildSpec | None = None
) -> SupervisorFlags:
    s = settings.supervision
    return SupervisorFlags(
        strategy=strategy,
        intensity=s.root_intensity if root else s.child_intensity,
        period_s=s.root_period_s if root else s.child_period_s,
        burst_s=s.restart_burst_s,
        backoff=backoff_policy(settings),
        ping_interval_s=s.ping_interval_s,
        ping_timeout_s=s.ping_timeout_s,
        start_timeout_s=s.start_timeout_s,
        start_attempts=s.start_attempts,
        node_probe_timeout_s=s.node_probe_timeout_s,
        standby_delay_s=s.standby_delay_s,
        child_template=template,
    )


def start_budget_s(spec: ChildSpec, start_timeout_s: float) -> float:
    """How long a parent waits for `spec` to be ready, with `start_timeout_s` its own flag.

    A worker gets the start timeout. A supervisor is ready only once it has started its
    children one after another, each within its own timeout: it gets its own timeout plus
    theirs. A single timeout for both would time out a healthy subtree whose children are
    slow together (models loading on a loaded machine), and restart it forever.
    """
    if spec.kind is not ChildKind.SUPERVISOR:
        return start_timeout_s
    own = spec.supervisor.start_timeout_s if spec.supervisor is not None else start_timeout_s
    return own + sum(start_budget_s(child, own) for child in spec.children)


def named_by(address: str, patterns: list[str]) -> bool:
    """Whether one of these shell-style patterns matches `address`."""
    return any(fnmatch.fnmatchcase(address, pattern) for pattern in patterns)


def wants_standby(address: str, settings: Settings) -> bool:
    """Whether `supervision.standbys` (shell-style patterns) names `address`."""
    return named_by(address, settings.supervision.standbys)


def node_loss_order(spec: ChildSpec, settings: Settings) -> ChildSpec:
    """`spec` and its subtree with `node_loss_delay_s` set on the children that
    `supervision.node_loss_deferred` (shell-style address patterns) names."""
    s = settings.supervision

    def delay(one: ChildSpec) -> dict[str, Any]:
        return {"node_loss_delay_s": s.node_loss_defer_s} if named_by(one.id, s.node_loss_deferred) else {}

    return update_subtree(spec, delay)


def worker(address: str, actor: str, settings: Settings, **extra: object) -> ChildSpec:
    """A permanent worker at `address`, running `actor` (`package.module:Class`); with a
    warm standby when `supervision.standbys` names its address."""
    fields: dict[str, object] = {
        "id": address,
        "actor": actor,
        "restart": RestartType.PERMANENT,
        "kind": ChildKind.WORKER,
        "shutdown_timeout_s": settings.supervision.shutdown_timeout_s,
        "standby": wants_standby(address, settings),
        **extra,
    }
    return ChildSpec.model_validate(fields)


def component_supervisor(
    address: str,
    strategy: Strategy,
    settings: Settings,
    children: list[ChildSpec] | None = None,
    *,
    template: ChildSpec | None = None,
    actor: str = SUPERVISOR_ACTOR,
) -> ChildSpec:
    """A permanent supervisor at `address` with these children (or, for
    simple_one_for_one, this child template)."""
    return ChildSpec(
        id=address,
        actor=actor,
        kind=ChildKind.SUPERVISOR,
        restart=RestartType.PERMANENT,
        shutdown_timeout_s=settings.supervision.shutdown_timeout_s * 2,
        supervisor=supervisor_flags(settings, strategy, template=template),
        children=tuple(children or ()),
    )
