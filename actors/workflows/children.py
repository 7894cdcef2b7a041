"""Child specs of `supervisor/workflows`: the DBOS host, `workflows/main`.

One worker: a process hosts one DBOS runtime. When it dies, its supervisor starts it again and
its `DBOS.launch()` resumes the workflows it left pending.
"""

from __future__ import annotations

from configs.settings import Settings
from protocols.addresses import WORKFLOWS
from protocols.supervision import ChildSpec, Strategy
from supervisors.specs import worker

RUNTIME_ACTOR = "actors.workflows.runtime_actor:WorkflowRuntime"
STRATEGY = Strategy.ONE_FOR_ONE


def child_specs(settings: Settings) -> list[ChildSpec]:
    return [worker(WORKFLOWS, RUNTIME_ACTOR, settings)]
