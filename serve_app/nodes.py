"""The Ray cluster's nodes as an operator sees them: address, resources, alive or dead,
and which named actors of this platform run there (`pygent status`, GET /api/v1/health/nodes)."""

from __future__ import annotations

from typing import Any

from protocols.rest import ComponentHealth, NodeView
from supervisors.refs import address_of

__all__ = ["NodeView", "alive_actor_names", "cluster_health", "cluster_nodes", "node_views"]


# Ray's own bookkeeping resources (node:<ip>, memory...) say nothing an operator placed.
_HIDDEN_PREFIXES = ("node:", "memory", "object_store_memory", "accelerator_type:")


def operator_resources(resources: dict[str, float]) -> dict[str, float]:
    return {k: v for k, v in sorted(resources.items()) if not k.startswith(_HIDDEN_PREFIXES)}


def node_views(nodes: list[dict[str, Any]], actors: list[dict[str, Any]]) -> list[NodeView]:
    """Ray's node table and actor table (as ray.nodes() / the GCS actor table give them)
    folded into one view per node: alive nodes first, the head first among them."""
    names: dict[str, set[str]] = {}
    for actor in actors:
        if actor.get("State") == "ALIVE" and actor.get("Name"):
            names.setdefault(actor["Address"]["NodeID"], set()).add(address_of(actor["Name"]))
    views = [
        NodeView(
            node_id=node["NodeID"],
            address=f"{node.get('NodeManagerAddress', '')}:{node.get('NodeManagerPort', '')}",
            alive=bool(node.get("Alive")),
            head="node:__internal_head__" in node.get("Resources", {}) or bool(node.get("IsHeadNode")),
            resources=operator_resources(dict(node.get("Resources") or {})),
            actors=sorted(names.get(node["NodeID"], [])) if node.get("Alive") else [],
        )
        for node in nodes
    ]
    return sorted(views, key=lambda v: (not v.alive, not v.head, v.address))


def cluster_nodes() -> list[NodeView]:
    """The connected Ray cluster's nodes (call where Ray is initialised: driver, actor, replica)."""
    import ray
    from ray._private import state

    return node_views(ray.nodes(), list(state.actors().values()))


def cluster_health(addresses: list[str], nodes: list[NodeView], alive_actors: set[str]) -> ComponentHealth | None:
    """The `cluster` entry of /api/v1/health: degraded while a node is lost and some of the
    tree's components have no alive actor yet (they are being re-placed), naming both.
    None on a cluster that never lost a node (one node's report stays as it was)."""
    lost = [node for node in nodes if not node.alive]
    if not lost:
        return None
    alive = sum(1 for node in nodes if node.alive)
    replacing = sorted(address for address in addresses if address not in alive_actors)
    names = ", ".join(f"{node.node_id[:8]} ({node.address})" for node in lost)
    if replacing:
        return ComponentHealth(
            status="degraded",
            state="replacing",
            address="cluster",
            detail=f"lost node {names}; re-placing: {', '.join(replacing)}",
        )
    return ComponentHealth(
        status="ok", state="running", address="cluster", detail=f"{alive} nodes alive; lost earlier: {names}"
    )


def alive_actor_names() -> set[str]:
    """The addresses that have an alive actor (standbys' names folded to their address)."""
    from ray._private import state

    return {address_of(a["Name"]) for a in state.actors().values() if a["State"] == "ALIVE" and a["Name"]}
