"""Placement from configuration (supervisors/placement.py) over the real tree's specs."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from configs.settings import PlacementRule, load_settings
from protocols.addresses import MODELS_SUPERVISOR, STORE
from serve_app.tree import root_children
from supervisors.placement import describe_unplaceable, unplaceable, walk

HEAD = {"CPU": 2.0, "node:__internal_head__": 1.0, "node:127.0.0.1": 1.0}
LLM_NODE = {"CPU": 2.0, "llm": 1.0, "node:127.0.0.1": 1.0}


def specs_by_id(settings_rules: list[dict[str, object]]) -> dict[str, object]:
    settings = load_settings(placement={"rules": settings_rules})
    return {spec.id: spec for spec in walk(root_children(settings))}


def test_default_config_pins_nothing() -> None:
    specs = specs_by_id([])
    assert specs, "the tree has children"
    assert all("resources" not in spec.ray_options for spec in specs.values())  # type: ignore[attr-defined]


def test_first_matching_rule_gives_resources_deep_in_the_tree() -> None:
    specs = specs_by_id(
        [
            {"match": STORE, "resources": {"node:__internal_head__": 0.001}},
            {"match": "supervisor/*", "resources": {"node:__internal_head__": 0.001}},
            {"match": "*", "resources": {"llm": 0.001}},
        ]
    )
    assert specs[STORE].ray_options["resources"] == {"node:__internal_head__": 0.001}  # type: ignore[attr-defined]
    assert specs[MODELS_SUPERVISOR].ray_options["resources"] == {"node:__internal_head__": 0.001}  # type: ignore[attr-defined]
    workers = [s for a, s in specs.items() if not a.startswith("supervisor/") and a != STORE]
    assert workers and all(s.ray_options["resources"] == {"llm": 0.001} for s in workers)  # type: ignore[attr-defined]


def test_existing_ray_options_are_kept() -> None:
    specs = specs_by_id([{"match": "*", "resources": {"llm": 0.5}}])
    with_env = [s for s in specs.values() if "runtime_env" in s.ray_options]  # type: ignore[attr-defined]
    assert with_env, "the index shards carry a runtime_env"
    assert all(s.ray_options["resources"] == {"llm": 0.5} for s in with_env)  # type: ignore[attr-defined]


def test_unplaceable_names_the_component_and_resource() -> None:
    settings = load_settings(placement={"rules": [{"match": "model/*", "resources": {"llm": 0.001}}]})
    children = root_children(settings)
    assert unplaceable(children, [HEAD, LLM_NODE]) == {}
    missing = unplaceable(children, [HEAD])
    assert missing and all(resources == {"llm": 0.001} for resources in missing.values())
    assert all(address.startswith("model/") for address in missing)
    message = describe_unplaceable(missing)
    assert "llm" in message and next(iter(missing)) in message


def test_a_node_too_small_does_not_fit() -> None:
    settings = load_settings(placement={"rules": [{"match": STORE, "resources": {"llm": 2.0}}]})
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
