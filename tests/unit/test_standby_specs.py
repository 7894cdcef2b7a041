"""Which children keep a warm standby: `supervision.standbys`, shell-style address patterns."""

from __future__ import annotations

import pytest

from configs.settings import load_settings
from protocols.supervision import ChildSpec
from serve_app.tree import root_children
from supervisors.specs import wants_standby, worker


def _flatten(specs: list[ChildSpec]) -> list[ChildSpec]:
    out: list[ChildSpec] = []
    for spec in specs:
        out.append(spec)
        out.extend(_flatten(list(spec.children)))
    return out


def test_the_configured_services_have_standbys_and_nothing_else() -> None:
    settings = load_settings()
    with_standby = {spec.id for spec in _flatten(root_children(settings)) if spec.standby}
    assert {"bus/main", "store/main", "knowledge/main", "memory/main"} <= with_standby
    assert any(address.startswith("model/") for address in with_standby)  # every model router
    # workers of a model, supervisors and the rest restart the ordinary way
    assert not any(address.startswith(("llm/", "supervisor/", "embedder/")) for address in with_standby)


def test_patterns_match_addresses_shell_style() -> None:
    settings = load_settings()
    settings.supervision.standbys = ["model/*", "agent/researcher-?"]
    assert wants_standby("model/smollm2:135m", settings)
    assert wants_standby("agent/researcher-1", settings)
    assert not wants_standby("agent/researcher-12", settings)
    assert not wants_standby("bus/main", settings)
    assert worker("model/x", "a.b:C", settings).standby
    assert not worker("bus/main", "a.b:C", settings).standby


def test_standbys_turn_off_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYGENT_SUPERVISION_STANDBYS", "[]")
    settings = load_settings()
    assert settings.supervision.standbys == []
    assert not any(spec.standby for spec in _flatten(root_children(settings)))


def test_the_standby_delay_reaches_every_supervisor_of_the_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    from serve_app.tree import root_flags

    monkeypatch.setenv("PYGENT_SUPERVISION_STANDBY_DELAY_S", "7.5")
    settings = load_settings()
    assert root_flags(settings).standby_delay_s == 7.5
    supervisors = [spec for spec in _flatten(root_children(settings)) if spec.supervisor is not None]
    assert supervisors and all(spec.supervisor.standby_delay_s == 7.5 for spec in supervisors)


def test_after_a_node_loss_the_background_children_restart_later() -> None:
    settings = load_settings()
    delays = {spec.id: spec.node_loss_delay_s for spec in _flatten(root_children(settings))}
    deferred = {a for a, d in delays.items() if d > 0}
    assert {"monitor/main", "knowledge/main", "supervisor/mcp-servers"} <= deferred
    assert any(a.startswith("index/") for a in deferred) and any(a.startswith("mcp/") for a in deferred)
    # the chat path comes back first: agents, models and their workers, memory, its embedder
    for address, delay in delays.items():
        if address.startswith(("supervisor/agent", "registry/", "model/", "llm/", "embedder/", "memory/")):
            assert delay == 0.0, address
    assert all(d == settings.supervision.node_loss_defer_s for d in delays.values() if d > 0)


def test_a_server_added_at_run_time_gets_the_same_order_and_placement(monkeypatch: pytest.MonkeyPatch) -> None:
    from actors.mcp.config import ServerConfig
    from actors.mcp.specs import handle_spec

    monkeypatch.setenv("PYGENT_PLACEMENT_RULES", '[{"match": "mcp/*", "resources": {"worker": 1}}]')
    settings = load_settings()
    spec = handle_spec(ServerConfig(id="added", command="python", args=["-m", "x"]), settings)
    assert spec.node_loss_delay_s == settings.supervision.node_loss_defer_s
    assert spec.ray_options["resources"] == {"worker": 1}


def test_the_node_loss_order_turns_off_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYGENT_SUPERVISION_NODE_LOSS_DEFERRED", "[]")
    settings = load_settings()
    assert not any(spec.node_loss_delay_s for spec in _flatten(root_children(settings)))
