"""The Ray cluster's nodes as an operator sees them: address, resources, alive or dead,
and which named actors of this platform run there (`pygent status`, GET /api/v1/health/nodes)."""

from __future__ import annotations

from typing import Any

from protocols.rest import NodeView

__all__ = ["NodeView", "cluster_nodes", "node_views"]


# Ray's own bookkeeping resources (node:<ip>, memory...) say nothing an operator placed.
_HIDDEN_PREFIXES = ("node:", "memory", "object_store_memory", "accelerator_type:")


def operator_resources(resources: dict[str, float]) -> dict[str, float]:
    return {k: v for k, v in sorted(resources.items()) if not k.startswith(_HIDDEN_PREFIXES)}


def node_views(nodes: list[dict[str, Any]], actors: list[dict[str, Any]]) -> list[NodeView]:
    """Ray's node table and actor table (as ray.nodes() / the GCS actor table give them)
    folded into one view per node: alive nodes first, the head first among them."""
    names: dict[str, list[str]] = {}
    for actor in actors:
        if actor.get("State") == "ALIVE" and actor.get("Name"):
            names.setdefault(actor["Address"]["NodeID"], []).append(actor["Name"])
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
