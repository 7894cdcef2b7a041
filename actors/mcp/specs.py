"""Child specs for the MCP subtree: `supervisor/mcp-servers` under `supervisor/mcp`, and
one MCPServerHandle per enabled server under it.

The servers get a supervisor of their own because its restart intensity and backoff are
MCP's (configs `mcp.*`): a server whose command keeps failing is retried at growing
intervals, and must never exhaust the intensity of the component supervisor above it.
"""

from __future__ import annotations

from pathlib import Path

from actors.mcp.config import AddedServers, ServerConfig, load_servers_file
from configs.settings import Settings
from protocols.supervision import BackoffPolicy, ChildKind, ChildSpec, RestartType, Strategy, SupervisorFlags

MCP_SERVERS = "supervisor/mcp-servers"
HANDLE_ACTOR = "actors.mcp.handle:MCPServerHandle"
SUPERVISOR_ACTOR = "actors.mcp.supervisor:MCPSupervisor"


def configured_servers(settings: Settings) -> list[ServerConfig]:
    """configs/mcp_servers.yaml, then the servers added at run time (these win on an id clash)."""
    by_id = {c.id: c for c in load_servers_file(settings.resolve_path(settings.mcp.servers_file))}
    for added in added_servers(settings).load():
        by_id[added.id] = added
    return list(by_id.values())


def added_servers(settings: Settings) -> AddedServers:
    return AddedServers(settings.state_path / settings.mcp.added_servers_file)


def catalogue_path(settings: Settings) -> Path:
    return settings.resolve_path(settings.mcp.catalogue_file)


def handle_spec(config: ServerConfig, settings: Settings) -> ChildSpec:
    return ChildSpec(
        id=config.address,
        actor=HANDLE_ACTOR,
        args=(config.model_dump(mode="json"),),
        restart=RestartType.PERMANENT,
        kind=ChildKind.WORKER,
        shutdown_timeout_s=settings.supervision.shutdown_timeout_s,
    )


def servers_flags(settings: Settings) -> SupervisorFlags:
    m, s = settings.mcp, settings.supervision
    return SupervisorFlags(
        strategy=Strategy.ONE_FOR_ONE,
        intensity=m.restart_intensity,
        period_s=m.restart_period_s,
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
    )


def mcp_children(settings: Settings) -> list[ChildSpec]:
    """Under `supervisor/mcp`: the servers' supervisor, with a handle per enabled server."""
    handles = [handle_spec(c, settings) for c in configured_servers(settings) if c.enabled]
    return [
        ChildSpec(
            id=MCP_SERVERS,
            actor=SUPERVISOR_ACTOR,
            kind=ChildKind.SUPERVISOR,
            restart=RestartType.PERMANENT,
            shutdown_timeout_s=settings.supervision.shutdown_timeout_s * 2,
            supervisor=servers_flags(settings),
            children=tuple(handles),
        )
    ]
