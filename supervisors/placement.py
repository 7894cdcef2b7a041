"""Placement from configuration: which Ray resources each child of the tree asks for
(`placement.rules`, then `placement.control_plane` on the head, in configs/), and whether
the cluster's alive nodes can host them.

Plain functions over ChildSpecs and node descriptions, so they are tested without Ray."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from configs.settings import PlacementRule, Settings
from protocols.addresses import STORE
from protocols.supervision import ChildSpec

HEAD_NODE_RESOURCE = "node:__internal_head__"  # Ray's own resource of the head node


def rules_in_force(settings: Settings) -> list[PlacementRule]:
    """`placement.rules`, then the head node for the control plane's patterns and, when the
    database is the embedded one, for the store: its data directory is on one node's disk,
    and a store restarted on another node would start an empty database there."""
    on_head = [*settings.placement.control_plane, *([] if settings.database.url else [STORE])]
    head = {HEAD_NODE_RESOURCE: 0.001}
    return [*settings.placement.rules, *(PlacementRule(match=pattern, resources=head) for pattern in on_head)]


def rule_for(address: str, rules: Iterable[PlacementRule]) -> PlacementRule | None:
    """The first rule whose pattern matches `address`."""
    return next((rule for rule in rules if fnmatch.fnmatchcase(address, rule.match)), None)


def place(spec: ChildSpec, rules: list[PlacementRule]) -> ChildSpec:
    """`spec` and its whole subtree with each matched child's resources merged into its Ray
    options."""

    def resources(one: ChildSpec) -> dict[str, Any]:
        rule = rule_for(one.id, rules)
        if rule is None:
            return {}
        options = dict(one.ray_options)
        options["resources"] = {**options.get("resources", {}), **rule.resources}
        return {"ray_options": options}

    return update_subtree(spec, resources)


def update_subtree(spec: ChildSpec, fields: Callable[[ChildSpec], dict[str, Any]]) -> ChildSpec:
    """`spec` and its whole subtree (children and simple_one_for_one templates), each spec
    with the fields `fields(spec)` gives it changed."""
    update = fields(spec)
    if spec.children:
        update["children"] = tuple(update_subtree(child, fields) for child in spec.children)
    if spec.supervisor is not None and spec.supervisor.child_template is not None:
        template = update_subtree(spec.supervisor.child_template, fields)
        update["supervisor"] = spec.supervisor.model_copy(update={"child_template": template})
    return spec.model_copy(update=update) if update else spec


def walk(specs: Iterable[ChildSpec]) -> Iterable[ChildSpec]:
    """Every spec of these subtrees, templates included."""
    for spec in specs:
        yield spec
        yield from walk(spec.children)
        if spec.supervisor is not None and spec.supervisor.child_template is not None:
            yield from walk([spec.supervisor.child_template])


def fits(resources: Mapping[str, float], node_resources: Mapping[str, float]) -> bool:
    """Whether a node offering `node_resources` (totals) can ever host these resources."""
    return all(node_resources.get(name, 0.0) >= amount for name, amount in resources.items())


def nodes_that_may_host(address: str, rules: Iterable[PlacementRule], nodes: Iterable[Mapping[str, float]]) -> int:
    """How many of these nodes (their resource totals) the component at `address` may run on:
    all of them, or those offering what its placement rule asks."""
    rule = rule_for(address, rules)
    wanted = dict(rule.resources) if rule else {}
    return sum(1 for node in nodes if fits(wanted, node))


def unplaceable(specs: Iterable[ChildSpec], nodes: Iterable[Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """Children whose configured resources no alive node offers: address -> resources."""
    offered = list(nodes)
    missing: dict[str, dict[str, float]] = {}
    for spec in walk(specs):
        resources = spec.ray_options.get("resources") or {}
        if resources and not any(fits(resources, node) for node in offered):
            missing[spec.id] = dict(resources)
    return missing


def describe_unplaceable(missing: Mapping[str, Mapping[str, float]]) -> str:
    lines = [f"{address} needs {dict(resources)}" for address, resources in missing.items()]
    return (
        "no alive Ray node can host these components (placement.rules or placement.control_plane in configs/): "
        + "; ".join(lines)
        + " - start a node offering the resource (`ray start --resources '{\"llm\": 1}'`) or change the rule"
    )
