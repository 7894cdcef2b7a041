"""Child specs of `supervisor/agents` (rest_for_one): the pool that runs the agents, then
the registry that decides which agents run.

The pool is a plain simple_one_for_one supervisor: each agent `agent/<id>` is a child
from the template, restarted on its own. The registry (a worker) keeps the agents in
PostgreSQL and asks the pool to start and stop them. rest_for_one: a restart of the pool
(all agents gone) restarts the registry too, which starts the recorded agents again; a
crash of the registry leaves the running agents alone.
"""

from __future__ import annotations

from configs.settings import Settings
from protocols.addresses import AGENT_POOL_SUPERVISOR, AGENT_REGISTRY
from protocols.supervision import ChildSpec, Strategy
from supervisors.specs import component_supervisor, worker

AGENT_ACTOR = "actors.agents.agent_actor:Agent"
REGISTRY_ACTOR = "actors.agents.registry_actor:AgentRegistry"

# The strategy of the agents' component supervisor (see above).
STRATEGY = Strategy.REST_FOR_ONE


def agent_template(settings: Settings) -> ChildSpec:
    """The pool starts each agent from this, with its id as the argument."""
    return worker("agent/template", AGENT_ACTOR, settings)


def child_specs(settings: Settings) -> list[ChildSpec]:
    return [
        component_supervisor(
            AGENT_POOL_SUPERVISOR, Strategy.SIMPLE_ONE_FOR_ONE, settings, template=agent_template(settings)
        ),
        worker(AGENT_REGISTRY, REGISTRY_ACTOR, settings),
    ]
