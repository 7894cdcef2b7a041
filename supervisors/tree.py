"""The application tree: which supervisor owns what (DESIGN.md, "The supervision tree").

Later components add their children here (model workers under `models`, index
shards under `index`, ...). Addresses are names, not configuration: they are
how the parts find each other.
"""

from __future__ import annotations

from collections.abc import Callable

from actors.mcp.specs import mcp_children
from configs.settings import Settings
from protocols.supervision import (
    BackoffPolicy,
    ChildKind,
    ChildSpec,
    RestartType,
    Strategy,
    SupervisorFlags,
)

ROOT = "supervisor/root"
STORE = "store/main"
BUS = "bus/main"
MONITOR = "monitor/main"
MODELS = "supervisor/models"
INDEX = "supervisor/index"
MCP = "supervisor/mcp"
AGENTS = "supervisor/agents"
EVOLUTION = "supervisor/evolution"
OLLAMA = "ollama/main"
SUPERVISOR_ACTOR = "supervisors.supervisor:Supervisor"

# Component supervisors under the root, in start order, with their strategy.
COMPONENT_SUPERVISORS: tuple[tuple[str, Strategy], ...] = (
    (MODELS, Strategy.ONE_FOR_ONE),
    (INDEX, Strategy.ONE_FOR_ONE),
    (MCP, Strategy.ONE_FOR_ONE),
    (AGENTS, Strategy.SIMPLE_ONE_FOR_ONE),
    (EVOLUTION, Strategy.SIMPLE_ONE_FOR_ONE),
)


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
        backoff=backoff_policy(settings),
        ping_interval_s=s.ping_interval_s,
        ping_timeout_s=s.ping_timeout_s,
        start_timeout_s=s.start_timeout_s,
        child_template=template,
    )


def worker(address: str, actor: str, settings: Settings, **extra: object) -> ChildSpec:
    fields: dict[str, object] = {
        "id": address,
        "actor": actor,
        "restart": RestartType.PERMANENT,
        "kind": ChildKind.WORKER,
        "shutdown_timeout_s": settings.supervision.shutdown_timeout_s,
        **extra,
    }
    return ChildSpec.model_validate(fields)


def component_supervisor(
    address: str, strategy: Strategy, settings: Settings, children: list[ChildSpec] | None = None
) -> ChildSpec:
    template_of = COMPONENT_TEMPLATES.get(address)
    return ChildSpec(
        id=address,
        actor=COMPONENT_ACTORS.get(address, SUPERVISOR_ACTOR),
        kind=ChildKind.SUPERVISOR,
        restart=RestartType.PERMANENT,
        shutdown_timeout_s=settings.supervision.shutdown_timeout_s * 2,
        supervisor=supervisor_flags(settings, strategy, template=template_of(settings) if template_of else None),
        children=tuple(children or ()),
    )


def model_children(settings: Settings) -> list[ChildSpec]:
    """Under `supervisor/models`: for each embedded model its workers, then its router at
    `model/<name>`; the Ollama worker when a host is configured; the embedder."""
    children: list[ChildSpec] = []
    for model in settings.models.embedded:
        for index in range(model.workers):
            children.append(
                worker(
                    f"llm/{model.name}.{index}",
                    "actors.models.worker:ModelWorker",
                    settings,
                    args=(model.model_dump(),),
                )
            )
        children.append(
            worker(
                f"model/{model.name}", "actors.models.router:ModelRouter", settings, args=(model.name, model.workers)
            )
        )
    if settings.ollama.host:
        children.append(worker(OLLAMA, "actors.models.ollama_worker:OllamaWorker", settings))
    children.append(worker(f"embedder/{settings.embeddings.name}", "actors.models.embedder:Embedder", settings))
    return children


def agent_template(settings: Settings) -> ChildSpec:
    """`supervisor/agents` starts each agent from this, with its id as the argument."""
    return worker("agent/template", "actors.agents.agent:Agent", settings)


# A component supervisor that is a Supervisor subclass (it also does the component's
# bookkeeping), by address; the others are plain supervisors.
COMPONENT_ACTORS: dict[str, str] = {
    AGENTS: "actors.agents.registry:AgentsSupervisor",
}

# The child template of a simple_one_for_one component supervisor, by address.
COMPONENT_TEMPLATES: dict[str, Callable[[Settings], ChildSpec]] = {
    AGENTS: agent_template,
}


# Each component's static children, by supervisor address. A component that lands
# adds its function here (index shards, MCP server handles, ...).
COMPONENT_CHILDREN: dict[str, Callable[[Settings], list[ChildSpec]]] = {
    MODELS: model_children,
    MCP: mcp_children,
}


def root_children(settings: Settings) -> list[ChildSpec]:
    """The root's children in start order: the store first (others record into it),
    then the bus, the component supervisors, and the monitor last (it watches them)."""
    children = [
        worker(
            STORE,
            "actors.store.actor:Store",
            settings,
            shutdown_timeout_s=settings.database.stop_timeout_s + 5,
        ),
        worker(BUS, "actors.bus:MessageBus", settings),
    ]
    for addr, strategy in COMPONENT_SUPERVISORS:
        children_of = COMPONENT_CHILDREN.get(addr)
        extra = children_of(settings) if children_of else None
        children.append(component_supervisor(addr, strategy, settings, extra))
    children.append(worker(MONITOR, "actors.monitor:Monitor", settings))
    return children


def root_flags(settings: Settings) -> SupervisorFlags:
    return supervisor_flags(settings, Strategy.ONE_FOR_ONE, root=True)
