"""Placement from configuration (supervisors/placement.py) over the real tree's specs."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from configs.settings import PlacementRule, load_settings
from protocols.addresses import MODELS_SUPERVISOR, STORE
from serve_app.tree import root_children
from supervisors.placement import HEAD_NODE_RESOURCE, describe_unplaceable, unplaceable, walk

HEAD = {"CPU": 2.0, "node:__internal_head__": 1.0, "node:127.0.0.1": 1.0}
LLM_NODE = {"CPU": 2.0, "llm": 1.0, "node:127.0.0.1": 1.0}


def specs_by_id(settings_rules: list[dict[str, object]], control_plane: list[str] | None = None) -> dict[str, object]:
    placement: dict[str, object] = {"rules": settings_rules}
    if control_plane is not None:
        placement["control_plane"] = control_plane
    settings = load_settings(placement=placement)
    return {spec.id: spec for spec in walk(root_children(settings))}


def resources_of(spec: object) -> dict[str, float] | None:
    return spec.ray_options.get("resources")  # type: ignore[attr-defined,no-any-return]


def test_default_config_pins_the_control_plane_and_the_embedded_database_to_the_head() -> None:
    specs = specs_by_id([])
    control = {"supervisor/agents", "supervisor/agent-pool", "registry/agents", "manager/mcp", MODELS_SUPERVISOR}
    assert control <= specs.keys()
    on_head = {a for a, s in specs.items() if a.startswith(("supervisor/", "registry/", "manager/"))} | {STORE}
    assert control <= on_head
    for address, spec in specs.items():
        expected = {HEAD_NODE_RESOURCE: 0.001} if address in on_head else None
        assert resources_of(spec) == expected, address
    # on one node, the head hosts them all
    assert unplaceable(root_children(load_settings()), [HEAD]) == {}


def test_an_external_database_leaves_the_store_free() -> None:
    settings = load_settings(database={"url": "postgresql://u:p@db.example/pygent"}, placement={"control_plane": []})
    assert all(resources_of(spec) is None for spec in walk(root_children(settings)))


def test_an_empty_control_plane_pins_only_the_embedded_database() -> None:
    specs = specs_by_id([], control_plane=[])
    assert resources_of(specs[STORE]) == {HEAD_NODE_RESOURCE: 0.001}
    assert all(resources_of(spec) is None for address, spec in specs.items() if address != STORE)


def test_rules_come_before_the_control_plane() -> None:
    specs = specs_by_id([{"match": "supervisor/mcp-servers", "resources": {"worker": 0.001}}])
    assert resources_of(specs["supervisor/mcp-servers"]) == {"worker": 0.001}
    assert resources_of(specs["supervisor/agents"]) == {HEAD_NODE_RESOURCE: 0.001}
    # a node without the head's resource cannot host the control plane: start refused
    missing = unplaceable(root_children(load_settings()), [LLM_NODE])
    assert "supervisor/agents" in missing and "agent/template" not in missing


def test_first_matching_rule_gives_resources_deep_in_the_tree() -> None:
    specs = specs_by_id(
        [
            {"match": STORE, "resources": {"node:__internal_head__": 0.001}},
            {"match": "supervisor/*", "resources": {"node:__internal_head__": 0.001}},
            {"match": "*", "resources": {"llm": 0.001}},
        ]
    )
    assert resources_of(specs[STORE]) == {"node:__internal_head__": 0.001}
    assert resources_of(specs[MODELS_SUPERVISOR]) == {"node:__internal_head__": 0.001}
    workers = [s for a, s in specs.items() if not a.startswith("supervisor/") and a != STORE]
    assert workers and all(resources_of(s) == {"llm": 0.001} for s in workers)


def test_existing_ray_options_are_kept() -> None:
    specs = specs_by_id([{"match": "*", "resources": {"llm": 0.5}}])
    with_env = [s for s in specs.values() if "runtime_env" in s.ray_options]  # type: ignore[attr-defined]
    assert with_env, "the index shards carry a runtime_env"
    assert all(s.ray_options["resources"] == {"llm": 0.5} for s in with_env)  # type: ignore[attr-defined]


def test_unplaceable_names_the_component_and_resource() -> None:
    rules = [{"match": "model/*", "resources": {"llm": 0.001}}]
    settings = load_settings(placement={"rules": rules, "control_plane": []})
    children = root_children(settings)
    assert unplaceable(children, [HEAD, LLM_NODE]) == {}
    missing = unplaceable(children, [HEAD])
    assert missing and all(resources == {"llm": 0.001} for resources in missing.values())
    assert all(address.startswith("model/") for address in missing)
    message = describe_unplaceable(missing)
    assert "llm" in message and next(iter(missing)) in message


def test_a_node_too_small_does_not_fit() -> None:
    settings = load_settings(placement={"rules": [{"match": STORE, "resources": {"llm": 2.0}}], "control_plane": []})
    assert unplaceable(root_children(settings), [LLM_NODE]) == {STORE: {"llm": 2.0}}


@pytest.mark.parametrize("resources", [{}, {"llm": 0.0}, {"llm": -1.0}])
def test_rules_are_validated(resources: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        PlacementRule(match="model/*", resources=resources)


def test_rules_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYGENT_PLACEMENT_RULES", '[{"match": "store/*", "resources": {"head": 0.001}}]')
    settings = load_settings()
    assert settings.placement.rules == [PlacementRule(match="store/*", resources={"head": 0.001})]


def test_the_gateway_spreads_only_over_the_nodes_its_rule_allows() -> None:
    from serve_app.replicas import GatewayPlacement, gateway_placement
    from supervisors.placement import nodes_that_may_host

    nodes = [{"CPU": 2.0, "head": 1.0}, {"CPU": 2.0, "llm": 1.0}, {"CPU": 2.0, "worker": 1.0}]
    pinned = [PlacementRule(match="*", resources={"head": 0.001})]
    assert nodes_that_may_host("gateway", pinned, nodes) == 1
    assert nodes_that_may_host("gateway", [], nodes) == 3
    # pinned to the head: one replica, not two of which one could never be placed
    assert gateway_placement("auto", nodes_that_may_host("gateway", pinned, nodes)) == GatewayPlacement(1, None)
    assert gateway_placement("auto", nodes_that_may_host("gateway", [], nodes)) == GatewayPlacement(2, 1)
