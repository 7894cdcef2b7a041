"""serve_app/nodes.py: Ray's node and actor tables folded into one view per node."""

from __future__ import annotations

from serve_app.nodes import cluster_health, node_views
from supervisors.refs import address_of

HEAD = {
    "NodeID": "h",
    "Alive": True,
    "NodeManagerAddress": "10.0.0.1",
    "NodeManagerPort": 6380,
    "Resources": {"CPU": 2.0, "head": 1.0, "node:__internal_head__": 1.0, "node:10.0.0.1": 1.0, "memory": 1e9},
}
WORKER = {
    "NodeID": "w",
    "Alive": True,
    "NodeManagerAddress": "10.0.0.2",
    "NodeManagerPort": 6381,
    "Resources": {"CPU": 2.0, "llm": 1.0, "object_store_memory": 1e8},
}
DEAD = {"NodeID": "d", "Alive": False, "NodeManagerAddress": "10.0.0.3", "NodeManagerPort": 6382, "Resources": {}}


def actor(name: str, node: str, state: str = "ALIVE") -> dict[str, object]:
    return {"Name": name, "State": state, "Address": {"NodeID": node}}


def test_nodes_list_their_resources_and_actors_alive_head_first() -> None:
    views = node_views(
        [DEAD, WORKER, HEAD],
        [
            actor("store/main", "h"),
            actor("model/x", "w"),
            actor("llm/x.0", "w"),
            actor("old", "w", "DEAD"),
            actor("", "h"),
        ],
    )
    assert [(v.node_id, v.alive, v.head) for v in views] == [("h", True, True), ("w", True, False), ("d", False, False)]
    assert views[0].resources == {"CPU": 2.0, "head": 1.0}
    assert views[0].address == "10.0.0.1:6380"
    assert views[0].actors == ["store/main"]
    assert views[1].actors == ["llm/x.0", "model/x"]
    assert views[2].actors == []


def test_cluster_health_names_the_lost_node_and_what_is_being_replaced() -> None:
    views = node_views(
        [HEAD, WORKER, DEAD], [actor("store/main~1a2b", "h"), actor("store/main~3c4d", "h"), actor("model/x", "w")]
    )
    entry = cluster_health(
        ["store/main", "model/x", "embedder/e", "supervisor/agents"], views, {"store/main", "model/x"}
    )
    assert entry is not None and entry.status == "degraded"
    assert entry.detail is not None and "10.0.0.3:6382" in entry.detail
    assert "embedder/e, supervisor/agents" in entry.detail
    settled = cluster_health(["store/main", "model/x"], views, {"store/main", "model/x"})
    assert settled is not None and settled.status == "ok" and "lost earlier" in (settled.detail or "")


def test_no_cluster_entry_without_a_lost_node() -> None:
    assert cluster_health(["store/main"], node_views([HEAD, WORKER], []), set()) is None


def test_standby_names_fold_to_their_address() -> None:
    assert address_of("store/main~48cb7fb5") == "store/main"
    assert address_of("supervisor/root") == "supervisor/root"
