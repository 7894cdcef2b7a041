"""The application tree (serve_app/tree.py) composes each feature's child specs; no
feature imports the tree, and supervisors/ imports no feature."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from configs.settings import load_settings
from protocols.addresses import (
    AGENT_POOL_SUPERVISOR,
    AGENT_REGISTRY,
    AGENTS_SUPERVISOR,
    AUTH,
    BUS,
    EVOLUTION_MANAGER,
    EVOLUTION_RUNS_SUPERVISOR,
    EVOLUTION_SUPERVISOR,
    INDEX_SUPERVISOR,
    KNOWLEDGE,
    MCP_MANAGER,
    MCP_SERVERS_SUPERVISOR,
    MCP_SUPERVISOR,
    MEMORY,
    MODELS_SUPERVISOR,
    MONITOR,
    POPULATIONS_SUPERVISOR,
    REASONING_MANAGER,
    REASONING_POOL_SUPERVISOR,
    REASONING_SUPERVISOR,
    STORE,
    WORKFLOWS,
    WORKFLOWS_SUPERVISOR,
    embedder_address,
)
from protocols.supervision import ChildKind, ChildSpec, Strategy
from serve_app.tree import root_children, root_flags

ROOT_DIR = Path(__file__).resolve().parents[2]


def _imports(package: str) -> dict[str, set[str]]:
    """Every module each file under `package` imports (top level and inside functions)."""
    found: dict[str, set[str]] = {}
    for path in (ROOT_DIR / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        found[str(path.relative_to(ROOT_DIR))] = names
    return found


def _walk(specs: list[ChildSpec]) -> dict[str, ChildSpec]:
    out: dict[str, ChildSpec] = {}
    for spec in specs:
        out[spec.id] = spec
        out.update(_walk(list(spec.children)))
        if spec.supervisor is not None and spec.supervisor.child_template is not None:
            template = spec.supervisor.child_template
            out[f"{spec.id} template"] = template
    return out


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PYGENT_STATE_DIR", str(tmp_path))
    return load_settings()


def test_no_feature_imports_the_tree() -> None:
    for path, names in _imports("actors").items():
        assert not any(n.startswith("serve_app") for n in names), f"{path} imports the application layer"


def test_supervisors_import_no_feature() -> None:
    for path, names in _imports("supervisors").items():
        assert not any(n == "actors" or n.startswith(("actors.", "serve_app")) for n in names), path


def test_root_children_name_every_component_in_start_order(settings) -> None:  # type: ignore[no-untyped-def]
    children = root_children(settings)
    assert [c.id for c in children] == [
        STORE,
        BUS,
        AUTH,
        MODELS_SUPERVISOR,
        INDEX_SUPERVISOR,
        MCP_SUPERVISOR,
        AGENTS_SUPERVISOR,
        REASONING_SUPERVISOR,
        EVOLUTION_SUPERVISOR,
        WORKFLOWS_SUPERVISOR,
        MONITOR,
    ]
    kinds = {c.id: c.kind for c in children}
    assert kinds[STORE] is ChildKind.WORKER and kinds[MONITOR] is ChildKind.WORKER
    assert all(kinds[a] is ChildKind.SUPERVISOR for a in (MODELS_SUPERVISOR, INDEX_SUPERVISOR, AGENTS_SUPERVISOR))
    assert root_flags(settings).strategy is Strategy.ONE_FOR_ONE
    assert root_flags(settings).intensity == settings.supervision.root_intensity


def test_every_feature_has_its_children_under_its_supervisor(settings) -> None:  # type: ignore[no-untyped-def]
    by_id = {c.id: c for c in root_children(settings)}
    under = {addr: [c.id for c in by_id[addr].children] for addr in by_id}
    assert embedder_address(settings.embeddings.name) in under[MODELS_SUPERVISOR]
    assert under[INDEX_SUPERVISOR][-2:] == [KNOWLEDGE, MEMORY]
    assert under[MCP_SUPERVISOR] == [MCP_SERVERS_SUPERVISOR, MCP_MANAGER]
    assert under[AGENTS_SUPERVISOR] == [AGENT_POOL_SUPERVISOR, AGENT_REGISTRY]
    assert under[REASONING_SUPERVISOR] == [REASONING_POOL_SUPERVISOR, REASONING_MANAGER]
    assert under[EVOLUTION_SUPERVISOR] == [POPULATIONS_SUPERVISOR, EVOLUTION_RUNS_SUPERVISOR, EVOLUTION_MANAGER]
    assert under[WORKFLOWS_SUPERVISOR] == [WORKFLOWS]


def test_reasoning_sessions_are_transient_children_of_a_plain_pool(settings) -> None:  # type: ignore[no-untyped-def]
    reasoning = next(c for c in root_children(settings) if c.id == REASONING_SUPERVISOR)
    assert reasoning.supervisor is not None and reasoning.supervisor.strategy is Strategy.REST_FOR_ONE
    pool, manager = reasoning.children
    assert pool.supervisor is not None and pool.supervisor.strategy is Strategy.SIMPLE_ONE_FOR_ONE
    template = pool.supervisor.child_template
    assert template is not None and template.actor == "actors.reasoning.session_actor:ReasoningSessionActor"
    # a session that finishes is not restarted; one that crashes is (and resumes)
    assert template.restart.value == "transient"
    assert manager.actor == "actors.reasoning.manager_actor:ReasoningManager"


def test_agents_registry_is_a_sibling_of_the_pool(settings) -> None:  # type: ignore[no-untyped-def]
    agents = next(c for c in root_children(settings) if c.id == AGENTS_SUPERVISOR)
    assert agents.supervisor is not None and agents.supervisor.strategy is Strategy.REST_FOR_ONE
    assert agents.actor == "supervisors.supervisor:Supervisor"
    pool, registry = agents.children
    # the pool comes first: a restart of it restarts the registry, which starts the agents again
    # a Supervisor that only says which agents it expects (created ahead after a restart)
    assert pool.actor == "actors.agents.pool_actor:AgentPool" and pool.kind is ChildKind.SUPERVISOR
    assert pool.supervisor is not None and pool.supervisor.strategy is Strategy.SIMPLE_ONE_FOR_ONE
    assert pool.supervisor.child_template is not None
    assert pool.supervisor.child_template.actor == "actors.agents.agent_actor:Agent"
    assert registry.kind is ChildKind.WORKER and registry.actor == "actors.agents.registry_actor:AgentRegistry"


def test_every_supervisor_in_the_tree_is_generic_or_only_composes_children(settings) -> None:  # type: ignore[no-untyped-def]
    specs = _walk(root_children(settings))
    supervisors = {s.actor for s in specs.values() if s.kind is ChildKind.SUPERVISOR}
    assert supervisors == {
        "supervisors.supervisor:Supervisor",
        "actors.mcp.supervisor:MCPSupervisor",
        "actors.agents.pool_actor:AgentPool",
    }
    assert specs[MCP_MANAGER].actor == "actors.mcp.manager_actor:MCPManager"


def test_subclasses_of_supervisor_do_not_reach_into_its_internals() -> None:
    subclasses = 0
    for path in (ROOT_DIR / "actors").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ClassDef):
                continue
            if not any(isinstance(b, ast.Name) and b.id == "Supervisor" for b in node.bases):
                continue
            subclasses += 1
            touched = {
                n.attr
                for n in ast.walk(node)
                if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self"
            }
            assert not touched & {"engine", "_handles", "_history", "_record"}, (path, node.name, touched)
    # MCPSupervisor, which only composes its initial children (initial_children), and
    # AgentPool, which only names the children it expects (expected_children)
    assert subclasses == 2
