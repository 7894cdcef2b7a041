"""Child specs of `supervisor/evolution` (rest_for_one): the islands' pool, the coordinators'
pool, then the manager that decides which runs run.

Both pools are simple_one_for_one supervisors: each island `population/<run>.<i>` and each
coordinator `evolution/<run>` is a transient child of its template, restarted on its own
when it crashes (it resumes from what it stored) and terminated by the manager when its run
ends. rest_for_one: a restart of the islands' pool restarts the coordinators and the manager
after it, which starts the running runs again (their coordinators start their islands); a
crash of the manager leaves the running runs alone.
"""

from __future__ import annotations

from configs.settings import Settings
from protocols.addresses import EVOLUTION_MANAGER, EVOLUTION_RUNS_SUPERVISOR, POPULATIONS_SUPERVISOR
from protocols.supervision import ChildSpec, RestartType, Strategy
from supervisors.specs import component_supervisor, worker

ISLAND_ACTOR = "actors.evolution.island_actor:PopulationActor"
RUN_ACTOR = "actors.evolution.run_actor:RunActor"
MANAGER_ACTOR = "actors.evolution.manager_actor:EvolutionManager"

STRATEGY = Strategy.REST_FOR_ONE


def child_specs(settings: Settings) -> list[ChildSpec]:
    island = worker("population/template", ISLAND_ACTOR, settings, restart=RestartType.TRANSIENT)
    coordinator = worker("evolution/template", RUN_ACTOR, settings, restart=RestartType.TRANSIENT)
    return [
        component_supervisor(POPULATIONS_SUPERVISOR, Strategy.SIMPLE_ONE_FOR_ONE, settings, template=island),
        component_supervisor(EVOLUTION_RUNS_SUPERVISOR, Strategy.SIMPLE_ONE_FOR_ONE, settings, template=coordinator),
        worker(EVOLUTION_MANAGER, MANAGER_ACTOR, settings),
    ]
