"""The application tree: which supervisor owns what (DESIGN.md, "The supervision tree").

It composes each feature's `child_specs(settings)`; no feature imports this module.
Addresses are names, not configuration (protocols/addresses.py).
"""

from __future__ import annotations

from collections.abc import Callable

from actors.agents import children as agents
from actors.evolution import children as evolution
from actors.knowledge import children as knowledge
from actors.mcp import specs as mcp
from actors.models import children as models
from actors.reasoning import children as reasoning
from actors.workflows import children as workflows
from configs.settings import Settings
from protocols.addresses import (
    AGENTS_SUPERVISOR,
    AUTH,
    BUS,
    EVOLUTION_SUPERVISOR,
    INDEX_SUPERVISOR,
    MCP_SUPERVISOR,
    MODELS_SUPERVISOR,
    MONITOR,
    REASONING_SUPERVISOR,
    STORE,
    WORKFLOWS_SUPERVISOR,
)
from protocols.supervision import ChildSpec, Strategy, SupervisorFlags
from supervisors.placement import place, rules_in_force
from supervisors.specs import SUPERVISOR_ACTOR, component_supervisor, node_loss_order, supervisor_flags, worker

__all__ = ["COMPONENTS", "SUPERVISOR_ACTOR", "root_children", "root_flags"]

ChildSpecs = Callable[[Settings], list[ChildSpec]]


# The component supervisors under the root, in start order: address, strategy, and the
# feature's child specs.
COMPONENTS: tuple[tuple[str, Strategy, ChildSpecs], ...] = (
    (MODELS_SUPERVISOR, Strategy.ONE_FOR_ONE, models.child_specs),
    (INDEX_SUPERVISOR, Strategy.ONE_FOR_ONE, knowledge.child_specs),
    (MCP_SUPERVISOR, Strategy.ONE_FOR_ONE, mcp.child_specs),
    (AGENTS_SUPERVISOR, agents.STRATEGY, agents.child_specs),
    (REASONING_SUPERVISOR, reasoning.STRATEGY, reasoning.child_specs),
    (EVOLUTION_SUPERVISOR, evolution.STRATEGY, evolution.child_specs),
    (WORKFLOWS_SUPERVISOR, workflows.STRATEGY, workflows.child_specs),
)


def root_children(settings: Settings) -> list[ChildSpec]:
    """The root's children in start order: the store first (others record into it),
    then the bus, authentication, the component supervisors, and the monitor last (it watches them)."""
    children = [
        worker(
            STORE,
            "actors.store.store_actor:Store",
            settings,
            shutdown_timeout_s=settings.database.stop_timeout_s + 5,
        ),
        worker(BUS, "actors.bus_actor:MessageBus", settings),
        worker(AUTH, "actors.auth.auth_actor:AuthService", settings),
    ]
    for address, strategy, child_specs in COMPONENTS:
        children.append(component_supervisor(address, strategy, settings, child_specs(settings)))
    children.append(worker(MONITOR, "actors.monitor_actor:Monitor", settings))
    return [node_loss_order(place(child, rules_in_force(settings)), settings) for child in children]


def root_flags(settings: Settings) -> SupervisorFlags:
    return supervisor_flags(settings, Strategy.ONE_FOR_ONE, root=True)
