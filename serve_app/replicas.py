"""How many gateway replicas run, and how they spread over the cluster's nodes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# `serve.replicas: auto` on a cluster of more than one node: one replica may be lost with its node.
CLUSTER_REPLICAS = 2


@dataclass(frozen=True)
class GatewayPlacement:
    replicas: int
    # At most this many replicas on one node (None: no limit). Only set while the cluster has
    # a node for each replica: otherwise the extra replicas could never be placed.
    max_per_node: int | None


def gateway_placement(setting: int | Literal["auto"], host_nodes: int) -> GatewayPlacement:
    """`host_nodes`: the alive nodes a replica may run on (placement.rules for `gateway`)."""
    replicas = (CLUSTER_REPLICAS if host_nodes > 1 else 1) if setting == "auto" else setting
    spread = replicas > 1 and host_nodes >= replicas
    return GatewayPlacement(replicas=replicas, max_per_node=1 if spread else None)
