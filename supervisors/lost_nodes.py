"""Nodes found lost before Ray says so, and keeping restarts off them.

When a node dies, its actors' callers learn of it within a second or two (their
connections break), but Ray's GCS declares the node dead only after its health checks
fail (`ray.node_health_check_*`: ~8 s in the multi-node tests, ~15 s by Ray's defaults).
Until then the scheduler still places new actors there, so a supervisor that restarts a
lost child at once can put it back on the dead node, and that start fails only when the
node is declared dead: every lost child then comes back twice as late.

So a supervisor whose child crashed on another node checks that node's raylet: a port
that refuses a connection (the raylet is gone) or does not answer one within the probe
timeout (the machine is gone) means the node is lost. The finding goes into Ray's GCS
key-value store, where every supervisor on every node reads it, and each start excludes
those nodes by their `ray.io/node-id` label. A node id is never reused, so the record
only has to outlive Ray's own verdict; it is dropped after `REMEMBER_S`.

`exclude_nodes` is plain (unit-tested without Ray); the rest talks to the GCS and the
network, so callers run it on a thread.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterable
from typing import Any

log = logging.getLogger(__name__)

NODE_ID_LABEL = "ray.io/node-id"
# Longer than any health-check verdict: by then Ray itself schedules nothing there.
REMEMBER_S = 600.0
_KV_NAMESPACE = "pygent-lost-nodes"


def exclude_nodes(options: dict[str, Any], node_ids: Iterable[str]) -> dict[str, Any]:
    """Ray actor options that keep the actor off `node_ids`. A selector the options already
    have on the node-id label is left alone (its author pinned the actor on purpose)."""
    ids = sorted(set(node_ids))
    selector = dict(options.get("label_selector") or {})
    if not ids or NODE_ID_LABEL in selector:
        return options
    selector[NODE_ID_LABEL] = f"!{ids[0]}" if len(ids) == 1 else f"!in({', '.join(ids)})"
    return {**options, "label_selector": selector}


def fresh_records(records: dict[str, float], now: float, remember_s: float = REMEMBER_S) -> dict[str, float]:
    """The lost-node records (node id -> when found lost) that are still worth keeping."""
    return {node_id: at for node_id, at in records.items() if now - at < remember_s}


def raylet_unreachable(node_id: str, timeout_s: float) -> bool:
    """Whether the node's raylet is gone: Ray already lists it dead, or its port refuses a
    connection or does not take one within `timeout_s`. A node Ray does not know is not
    called lost (nothing to keep restarts off)."""
    import ray

    node = next((n for n in ray.nodes() if n.get("NodeID") == node_id), None)
    if node is None:
        return False
    if not node.get("Alive", False):
        return True
    address, port = node.get("NodeManagerAddress"), node.get("NodeManagerPort")
    if not address or not port:
        return False
    try:
        with socket.create_connection((address, int(port)), timeout=timeout_s):
            return False
    except OSError:  # refused, reset, unreachable, or timed out
        return True


def report_lost(node_id: str) -> None:
    """Record that `node_id` is lost, for every supervisor in the cluster."""
    from ray.experimental import internal_kv

    internal_kv._internal_kv_put(node_id, str(time.time()), overwrite=True, namespace=_KV_NAMESPACE)
    log.warning("node %s is lost: restarts are kept off it", node_id)


def lost_node_ids() -> list[str]:
    """The nodes found lost within `REMEMBER_S` (stale records are deleted on the way)."""
    from ray.experimental import internal_kv

    if not internal_kv._internal_kv_initialized():
        return []
    records: dict[str, float] = {}
    for key in internal_kv._internal_kv_list("", namespace=_KV_NAMESPACE):
        value = internal_kv._internal_kv_get(key, namespace=_KV_NAMESPACE)
        node_id = key.decode() if isinstance(key, bytes) else str(key)
        try:
            records[node_id] = float(value.decode() if isinstance(value, bytes) else value)
        except (TypeError, ValueError):
            continue
    fresh = fresh_records(records, time.time())
    for stale in records.keys() - fresh.keys():
        internal_kv._internal_kv_del(stale, namespace=_KV_NAMESPACE)
    return sorted(fresh)
