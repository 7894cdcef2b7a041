"""Child specs of `supervisor/reasoning` (rest_for_one): the pool that runs the sessions, then
the manager that decides which sessions run.

The pool is a plain simple_one_for_one supervisor: each session `reasoning/<id>` is a
transient child from the template, restarted on its own when it crashes (it resumes from its
stored nodes) and terminated by the manager when it finishes. rest_for_one: a restart of the
pool (all sessions gone) restarts the manager too, which starts the running sessions again;
a crash of the manager leaves the running sessions alone.
"""

from __future__ import annotations

from configs.settings import Settings
from protocols.addresses import REASONING_MANAGER, REASONING_POOL_SUPERVISOR
from protocols.supervision import ChildSpec, RestartType, Strategy
from supervisors.specs import component_supervisor, worker

SESSION_ACTOR = "actors.reasoning.session_actor:ReasoningSessionActor"
MANAGER_ACTOR = "actors.reasoning.manager_actor:ReasoningManager"

# The strategy of the reasoning component supervisor (see above).
STRATEGY = Strategy.REST_FOR_ONE


def session_template(settings: Settings) -> ChildSpec:
    """The pool starts each session from this, with its id as the argument."""
    return worker("reasoning/template", SESSION_ACTOR, settings, restart=RestartType.TRANSIENT)


def child_specs(settings: Settings) -> list[ChildSpec]:
    return [
        component_supervisor(
            REASONING_POOL_SUPERVISOR, Strategy.SIMPLE_ONE_FOR_ONE, settings, template=session_template(settings)
        ),
        worker(REASONING_MANAGER, MANAGER_ACTOR, settings),
    ]
