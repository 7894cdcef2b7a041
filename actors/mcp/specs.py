"""Child specs for the MCP subtree: under `supervisor/mcp`, the servers' supervisor
`supervisor/mcp-servers` (one MCPServerHandle per enabled server under it) and, next to
it, the manager `manager/mcp` that decides which servers run.

The servers get a supervisor of their own because its restart intensity and backoff are
MCP's (configs `mcp.*`): a server whose command keeps failing is retried at growing
intervals, and must never exhaust the intensity of the component supervisor above it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from actors.mcp.config import ServerConfig, load_servers_file
from configs.settings import Settings
from protocols.addresses import MCP_MANAGER, MCP_SERVERS_SUPERVISOR
from protocols.supervision import BackoffPolicy, ChildKind, ChildSpec, RestartType, Strategy, SupervisorFlags
from supervisors.placement import place, rules_in_force
from supervisors.specs import node_loss_order, worker

HANDLE_ACTOR = "actors.mcp.handle_actor:MCPServerHandle"
SUPERVISOR_ACTOR = "actors.mcp.supervisor:MCPSupervisor"
MANAGER_ACTOR = "actors.mcp.manager_actor:MCPManager"


def configured_servers(settings: Settings, added: Sequence[ServerConfig] = ()) -> list[ServerConfig]:
    """configs/mcp_servers.yaml, then the servers added at run time (these win on an id clash)."""
    by_id = {c.id: c for c in load_servers_file(settings.resolve_path(settings.mcp.servers_file))}
    for config in added:
        by_id[config.id] = config
    return list(by_id.values())


def catalogue_path(settings: Settings) -> Path:
    return settings.resolve_path(settings.mcp.catalogue_file)


def handle_spec(config: ServerConfig, settings: Settings) -> ChildSpec:
    """A server's handle, placed and ordered for a node loss as the tree's children are: a
    server added at run time is never seen by the tree's pass (serve_app/tree.py)."""
    spec = ChildSpec(
        id=config.address,
        actor=HANDLE_ACTOR,
        args=(config.model_dump(mode="json"),),
        restart=RestartType.PERMANENT,
        kind=ChildKind.WORKER,
        shutdown_timeout_s=settings.supervision.shutdown_timeout_s,
    )
    return node_loss_order(place(spec, rules_in_force(settings)), settings)


def servers_flags(settings: Settings) -> SupervisorFlags:
    m, s = settings.mcp, settings.supervision
    return SupervisorFlags(
        strategy=Strategy.ONE_FOR_ONE,
        intensity=m.restart_intensity,
        period_s=m.restart_period_s,
        burst_s=s.restart_burst_s,  # the handles lost with one node are one failure
        backoff=BackoffPolicy(
            initial_s=m.backoff_initial_s,
            base_s=m.backoff_base_s,
            max_s=m.backoff_max_s,
            multiplier=s.backoff_multiplier,
            jitter=s.backoff_jitter,
            reset_after_s=s.child_period_s,
        ),
        ping_interval_s=s.ping_interval_s,
        ping_timeout_s=s.ping_timeout_s,
        start_timeout_s=s.start_timeout_s,
        node_probe_timeout_s=s.node_probe_timeout_s,
        standby_delay_s=s.standby_delay_s,
    )


def mcp_children(settings: Settings) -> list[ChildSpec]:
    """Under `supervisor/mcp`: the servers' supervisor, with a handle per enabled server of
    configs/ (it adds those added at run time itself, from the database, at each start)."""
    handles = [handle_spec(c, settings) for c in configured_servers(settings) if c.enabled]
    return [
        ChildSpec(
            id=MCP_SERVERS_SUPERVISOR,
            actor=SUPERVISOR_ACTOR,
            kind=ChildKind.SUPERVISOR,
            restart=RestartType.PERMANENT,
            shutdown_timeout_s=settings.supervision.shutdown_timeout_s * 2,
            supervisor=servers_flags(settings),
            children=tuple(handles),
        )
    ]


def child_specs(settings: Settings) -> list[ChildSpec]:
    """Under `supervisor/mcp`: the servers' supervisor, then the manager (one_for_one: the
    manager reads the servers' state from their supervisor, so either restarts alone)."""
    return [*mcp_children(settings), worker(MCP_MANAGER, MANAGER_ACTOR, settings)]


def with_added_servers(
    specs: Sequence[ChildSpec], added: Sequence[ServerConfig], settings: Settings
) -> list[ChildSpec]:
    """The handles in `specs` (from configs/) composed with the servers added at run time:
    an added server replaces a handle with its id (disabled: drops it), else is appended."""
    composed = list(specs)
    for config in added:
        index = next((i for i, spec in enumerate(composed) if spec.id == config.address), None)
        if not config.enabled:
            if index is not None:
                del composed[index]
            continue
        spec = handle_spec(config, settings)
        if index is None:
            composed.append(spec)
        else:
            composed[index] = spec
    return composed
