"""Child specs of `supervisor/agents` (rest_for_one): the pool that runs the agents, then
the registry that decides which agents run.

The pool is a simple_one_for_one supervisor: each agent `agent/<id>` is a child from the
template, restarted on its own; after a restart it creates the recorded agents' processes
ahead of the registry's requests (actors/agents/pool_actor.py). The registry (a worker) keeps the agents in
PostgreSQL and asks the pool to start and stop them. rest_for_one: a restart of the pool
restarts the registry too, which asks for the recorded agents again; the agents outlived
the pool's crash (detached actors, `agents.outlive_pool`) and its new incarnation adopts
them, so no agent's turn is lost to it. A crash of the registry leaves the agents alone.
"""

from __future__ import annotations

from configs.settings import Settings
from protocols.addresses import AGENT_POOL_SUPERVISOR, AGENT_REGISTRY
from protocols.supervision import ChildSpec, Strategy
from supervisors.specs import component_supervisor, worker

AGENT_ACTOR = "actors.agents.agent_actor:Agent"
POOL_ACTOR = "actors.agents.pool_actor:AgentPool"
REGISTRY_ACTOR = "actors.agents.registry_actor:AgentRegistry"

# The strategy of the agents' component supervisor (see above).
STRATEGY = Strategy.REST_FOR_ONE


def agent_template(settings: Settings) -> ChildSpec:
    """The pool starts each agent from this, with its id as the argument. An agent outlives
    a crash of the pool (or of `supervisor/agents` above it): the pool's next incarnation
    adopts it when the registry asks for it again, so its turn in flight goes on."""
    return worker("agent/template", AGENT_ACTOR, settings, outlives_supervisor=settings.agents.outlive_pool)


def child_specs(settings: Settings) -> list[ChildSpec]:
    return [
        component_supervisor(
            AGENT_POOL_SUPERVISOR,
            Strategy.SIMPLE_ONE_FOR_ONE,
            settings,
            template=agent_template(settings),
            actor=POOL_ACTOR,
        ),
        worker(AGENT_REGISTRY, REGISTRY_ACTOR, settings),
    ]
