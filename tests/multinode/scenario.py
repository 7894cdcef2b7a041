"""A multi-node PyGent on one machine: a Ray head and worker nodes (ray.cluster_utils.Cluster)
with custom resources, the real platform started on it the way `pygent up --address <head>`
does (serve_app.platform.start_platform), then placement, a node joining and a node lost
during chat traffic. Prints one JSON report on stdout's last line.

Ray allows one cluster per driver process, so this runs in its own process:
`python -m tests.multinode.scenario --state-dir DIR` (tests/multinode/test_multinode.py,
bench/node_loss.py). It stops everything it started, raylets and PostgreSQL included,
on any exit; its caller kills its process group as a last resort.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

# Components on the worker node that will be lost: the workers the issue saw spread there
# and, of the supervisors, the MCP servers' (a subtree that loses its supervisor too). The
# model workers run on the node offering `llm`. The other supervisors, the registry and the
# managers are on the head by default (placement.control_plane), the rest by these rules.
ON_WORKER = (
    "embedder/*",
    "knowledge/*",
    "memory/*",
    "index/*",
    "agent/*",
    "supervisor/mcp-servers",
    "mcp/*",
    "monitor/*",
)
# --chat-path-on-worker: the agents' supervisors and registry on the lost node too, as the
# issue saw them before the control plane was pinned (rules come before placement.control_plane).
CHAT_PATH = ("supervisor/agents", "supervisor/agent-pool", "registry/*")
ON_HEAD = ("store/*", "bus/*", "auth/*", "model/*", "reasoning/*", "population/*", "evolution/*", "workflows/*")


def placement_rules(chat_path_on_worker: bool = False) -> list[dict[str, Any]]:
    on_worker = ON_WORKER + (CHAT_PATH if chat_path_on_worker else ())
    return [
        *({"match": m, "resources": {"worker": 0.001}} for m in on_worker),
        {"match": "llm/*", "resources": {"llm": 0.001}},
        *({"match": m, "resources": {"head": 0.001}} for m in ON_HEAD),
        {"match": "gateway", "resources": {"head": 0.001}},  # the Serve replicas
    ]


NODE_MEMORY = 80 * 1024 * 1024  # object store per node: the tree passes small messages


def configure(state_dir: Path, port: int, chat_path_on_worker: bool = False) -> None:
    os.environ.update(
        {
            "PYGENT_STATE_DIR": str(state_dir),
            "PYGENT_SERVE_PORT": str(port),
            "PYGENT_RAY_NAMESPACE": "pygent-multinode",
            "PYGENT_RAY_INCLUDE_DASHBOARD": "false",
            # Hang detection loose enough for three raylets on a loaded 2-core machine.
            "PYGENT_SUPERVISION_PING_INTERVAL_S": "1.0",
            "PYGENT_SUPERVISION_PING_TIMEOUT_S": "5.0",
            "PYGENT_SUPERVISION_START_TIMEOUT_S": "150",
            # A killed node is declared dead after ~8 s instead of Ray's ~15 s.
            "PYGENT_RAY_NODE_HEALTH_CHECK_PERIOD_MS": "1000",
            "PYGENT_RAY_NODE_HEALTH_CHECK_FAILURE_THRESHOLD": "8",
            "PYGENT_MONITOR_METRICS_INTERVAL_S": "1.0",
            "PYGENT_AGENTS_MAX_ANSWER_TOKENS": "8",
            "PYGENT_AUTH_RATE_LIMIT": "100000/minute",
            "PYGENT_PLACEMENT_RULES": json.dumps(placement_rules(chat_path_on_worker)),
            "RAY_AUTH_MODE": "disabled",  # as serve_app.platform.init_ray sets it for a local cluster
        }
    )


class Traffic(threading.Thread):
    """Bounded traffic: one chat message, one agents list and one conversations list at a
    time, each recorded with its status and whether its body was JSON."""

    def __init__(self, url: str, headers: dict[str, str], request_timeout_s: float = 20.0) -> None:
        super().__init__(daemon=True)
        self.url, self.headers, self.timeout = url, headers, request_timeout_s
        self.records: list[dict[str, Any]] = []
        self.stop_at = time.monotonic() + 3600
        self.lock = threading.Lock()
        self.chatting = threading.Event()  # set while a chat request waits for its answer

    def run(self) -> None:
        with httpx.Client(headers=self.headers, timeout=self.timeout) as http:
            while time.monotonic() < self.stop_at:
                for method, path, body in (
                    ("POST", "api/v1/chat/message", {"message": "Say hi."}),
                    ("GET", "api/v1/agents", None),
                    ("GET", "api/v1/chat/conversations", None),
                ):
                    self.record(http, method, path, body)
                time.sleep(0.2)

    def record(self, http: httpx.Client, method: str, path: str, body: Any) -> None:
        started = time.monotonic()
        entry: dict[str, Any] = {"t": started, "path": path}
        chat = path.endswith("chat/message")
        try:
            if chat:
                self.chatting.set()
            answer = http.request(method, self.url + path, json=body)
            entry["status"] = answer.status_code
            entry["content_type"] = answer.headers.get("content-type", "")
            try:
                parsed = answer.json()
                entry["json"] = True
                if answer.status_code >= 400 and isinstance(parsed, dict):
                    entry["code"] = parsed.get("code") or parsed.get("error")
                    entry["detail"] = str(parsed.get("message") or parsed.get("detail") or "")[:200]
            except ValueError:
                entry["json"] = False
                entry["body"] = answer.text[:200]
        except httpx.HTTPError as exc:
            entry["status"] = None
            entry["error"] = type(exc).__name__
        finally:
            self.chatting.clear()
        entry["elapsed_s"] = round(time.monotonic() - started, 3)
        with self.lock:
            self.records.append(entry)

    def since(self, t: float) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.records if r["t"] >= t]

    def before(self, t: float) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.records if r["t"] < t]


def tree_states(client: Any) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        out[node.address] = {
            "state": node.state.value,
            "node_ip": node.node_ip,
            "restarts": node.restarts,
            "started_at": node.started_at,
        }
        for child in node.children:
            walk(child)

    walk(client.tree())
    return out


def actor_nodes() -> dict[str, str]:
    """Tree address -> node id of its alive actor (standbys, `<address>~<suffix>`, folded)."""
    from ray._private import state

    from supervisors.refs import address_of

    alive = [a for a in state.actors().values() if a["State"] == "ALIVE" and a["Name"]]
    return {address_of(a["Name"]): a["Address"]["NodeID"] for a in alive}


def alive_after(wall: float, node_names: dict[str, str]) -> dict[str, str]:
    """Every actor process that came alive after `wall` (Ray's record, so standbys, agents
    created ahead and Serve replicas too): name or class -> "seconds after, node"."""
    from ray._private import state

    names = {v: k for k, v in node_names.items()}
    alive = [
        (a["StartTime"] / 1000 - wall, a["Name"] or a["ActorClassName"], names.get(a["Address"]["NodeID"], "?"))
        for a in state.actors().values()
        if a["StartTime"] and a["StartTime"] / 1000 > wall
    ]
    return {f"{name} ({i})": f"{t:.2f} s, {node}" for i, (t, name, node) in enumerate(sorted(alive))}


def admin_headers(url: str, settings: Any) -> dict[str, str]:
    from serve_app.client import connect

    connect(settings=settings).create_user("admin", "multinode-admin-password", "admin")
    login = httpx.post(
        url + "api/v1/auth/login", json={"username": "admin", "password": "multinode-admin-password"}, timeout=60
    )
    login.raise_for_status()
    token = login.json()["access_token"]
    created = httpx.post(
        url + "api/v1/api-keys",
        json={"name": "multinode", "scopes": ["read", "write", "admin"]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    created.raise_for_status()
    return {"Authorization": f"Bearer {created.json()['key']}"}


def run(
    state_dir: Path, port: int, watch_s: float, replicas: int | None, chat_path_on_worker: bool = False
) -> dict[str, Any]:
    configure(state_dir, port, chat_path_on_worker)
    if replicas is not None:
        os.environ["PYGENT_SERVE_REPLICAS"] = str(replicas)
    import ray
    from ray._common.utils import get_ray_address_file
    from ray.cluster_utils import Cluster

    from configs.settings import get_settings, load_settings
    from serve_app.client import connect
    from serve_app.nodes import cluster_nodes
    from serve_app.platform import PlatformError, check_placement, ray_system_config, start_platform, stop_platform
    from serve_app.tree import root_children
    from tests.conftest import wait_http

    get_settings.cache_clear()
    settings = load_settings()
    report: dict[str, Any] = {"timings": {}, "chat_path_on_worker": chat_path_on_worker}
    t0 = time.monotonic()
    temp_dir = Path("/tmp") / f"pgmn{os.getpid()}"  # short: Unix socket paths are limited
    # Cluster.add_node records the head's address in Ray's default temp dir (/tmp/ray), which
    # nothing has made yet on a fresh machine.
    Path(get_ray_address_file(None)).parent.mkdir(parents=True, exist_ok=True)
    cluster = Cluster()
    started = False
    try:
        add_node(
            cluster,
            num_cpus=2,
            resources={"head": 1},
            object_store_memory=NODE_MEMORY,
            temp_dir=str(temp_dir),
            include_dashboard=False,
            _system_config=ray_system_config(settings),
        )
        llm_node = add_node(cluster, num_cpus=2, resources={"llm": 1}, object_store_memory=NODE_MEMORY)
        # No node offers `worker` yet: the start is refused with the component named.
        ray.init(address=cluster.address, namespace=settings.ray.namespace, logging_level=logging.WARNING)
        try:
            check_placement(settings, root_children(settings))
            report["refused_without_node"] = None
        except PlatformError as exc:
            report["refused_without_node"] = str(exc)
        ray.shutdown()
        doomed = add_node(cluster, num_cpus=2, resources={"worker": 1}, object_store_memory=NODE_MEMORY)
        cluster.wait_for_nodes()
        report["timings"]["cluster_s"] = round(time.monotonic() - t0, 1)

        t1 = time.monotonic()
        info = start_platform(settings, cluster.address)
        started = True
        wait_http(info.url + "api/v1/health", 120)
        report["timings"]["platform_start_s"] = round(time.monotonic() - t1, 1)
        headers = admin_headers(info.url, settings)
        client = connect(settings=settings, api_key=headers["Authorization"].removeprefix("Bearer "))

        assert cluster.head_node is not None
        ids = {"head": cluster.head_node.node_id, "llm": llm_node.node_id, "worker": doomed.node_id}
        # A first chat makes its agent now, while the worker node is the only one for
        # `agent/*`: the loss then takes the agent with it, as in a cluster in use.
        t_chat = time.monotonic()
        warm = httpx.post(info.url + "api/v1/chat/message", json={"message": "Say hi."}, headers=headers, timeout=180)
        assert warm.status_code == 200, warm.text[:500]
        report["timings"]["first_chat_s"] = round(time.monotonic() - t_chat, 1)
        placed = actor_nodes()
        tree = tree_states(client)
        report["placement"] = {
            address: next((k for k, v in ids.items() if v == placed.get(address)), placed.get(address))
            for address in tree
            if address in placed
        }

        # A node joins: it is listed alive, then takes the lost node's children.
        joined = add_node(cluster, num_cpus=2, resources={"worker": 1}, object_store_memory=NODE_MEMORY)
        cluster.wait_for_nodes()
        ids["joined"] = joined.node_id
        report["nodes_after_join"] = [n.model_dump() for n in cluster_nodes()]
        nodes_route = httpx.get(info.url + "api/v1/health/nodes", headers=headers, timeout=30)
        report["nodes_route"] = {
            "status": nodes_route.status_code,
            "body": nodes_route.json()
            if nodes_route.headers.get("content-type", "").startswith("application/json")
            else nodes_route.text[:300],
        }

        traffic = Traffic(info.url, headers)
        traffic.start()
        time.sleep(3)  # steady traffic before the loss
        # the kill lands during a chat, the worst case: that turn's agent dies under it, and
        # the turn is delivered again to its successor (or its client gives up)
        traffic.chatting.wait(timeout=30)
        time.sleep(0.1)
        kill_t, kill_wall = time.monotonic(), time.time()
        cluster.remove_node(doomed, allow_graceful=False)  # SIGKILL: the raylet and its workers
        report["timings"]["kill_took_s"] = round(time.monotonic() - kill_t, 2)

        first_chat_ok = all_running = health_ok = first_chat_sent = None
        # what a chat takes when nothing is wrong: the first answer after the loss includes one
        chats_before = sorted(
            r["elapsed_s"] for r in traffic.before(kill_t) if r["path"].endswith("chat/message") and r["status"] == 200
        )
        health_seen: list[dict[str, Any]] = []
        deadline = kill_t + watch_s
        while time.monotonic() < deadline and None in (first_chat_ok, all_running, health_ok):
            now = time.monotonic()
            if first_chat_ok is None:
                ok = [r for r in traffic.since(kill_t) if r["path"].endswith("chat/message") and r["status"] == 200]
                if ok:
                    first_chat_ok = ok[0]["t"] + ok[0]["elapsed_s"] - kill_t
                    first_chat_sent = ok[0]["t"] - kill_t
            if all_running is None:
                try:
                    # running in the tree and an alive actor on a surviving node: a supervisor
                    # that has not noticed the loss yet still says "running"
                    states, where = tree_states(client), actor_nodes()
                    if all(
                        s["state"] == "running" and where.get(a) not in (None, ids["worker"])
                        for a, s in states.items()
                        if not a.endswith("/template")
                    ):
                        all_running = now - kill_t
                except Exception:
                    pass
            try:
                h = httpx.get(info.url + "api/v1/health", timeout=10)
                body = h.json()
                entry = {"t": round(now - kill_t, 2), "http": h.status_code, "status": body.get("status")}
                for key in ("lost_nodes", "replacing"):
                    if key in body:
                        entry[key] = body[key]
                health_seen.append(entry)
                if body.get("status") == "ok" and now - kill_t > 1.0 and health_ok is None:
                    health_ok = now - kill_t
            except Exception as exc:
                health_seen.append({"t": round(now - kill_t, 2), "error": type(exc).__name__})
            time.sleep(0.5)
        time.sleep(2)  # traffic after recovery
        traffic.stop_at = 0
        traffic.join(timeout=30)

        window_end = kill_t + max(v for v in (first_chat_ok, all_running, health_ok, 0.0) if v is not None) + 2
        # every request that was answered (or failed) after the kill, the one in flight included
        during = [r for r in traffic.records if r["t"] + r["elapsed_s"] >= kill_t and r["t"] <= window_end]
        failed = [r for r in during if r.get("status") != 200]
        report["node_loss"] = {
            "all_children_running_s": _round(all_running),
            "first_chat_ok_s": _round(first_chat_ok),
            "first_chat_sent_s": _round(first_chat_sent),
            "chat_before_p50_s": _round(chats_before[len(chats_before) // 2]) if chats_before else None,
            "health_ok_s": _round(health_ok),
            "requests": len(during),
            "failed": len(failed),
            "failed_json": sum(1 for r in failed if r.get("json")),
            "failed_plain_text": sum(1 for r in failed if r.get("status") and not r.get("json")),
            "failed_no_answer": sum(1 for r in failed if not r.get("status")),
            "failed_codes": sorted({f"{r.get('status')} {r.get('code')}" for r in failed}),
            "failed_samples": failed[:5],
            "health_seen": health_seen[:: max(1, len(health_seen) // 20)],
            # the chat sent before the kill and still waiting at it: its agent dies under it
            "chat_in_flight": next(
                (
                    {
                        "sent_s": round(r["t"] - kill_t, 2),
                        "ended_s": round(r["t"] + r["elapsed_s"] - kill_t, 2),
                        "status": r.get("status"),
                        "error": r.get("error") or r.get("code"),
                    }
                    for r in traffic.before(kill_t)
                    if r["path"].endswith("chat/message") and r["t"] + r["elapsed_s"] > kill_t
                ),
                None,
            ),
        }
        after = actor_nodes()
        report["placement_after_loss"] = {
            address: next((k for k, v in ids.items() if v == after.get(address)), after.get(address))
            for address in tree_states(client)
            if address in after
        }
        final = tree_states(client)
        report["tree_after_loss"] = {a: s["state"] for a, s in final.items()}
        # restarts each child took for the loss (a crash loop shows as more than one)
        report["restarts_for_loss"] = {
            a: s["restarts"] - tree[a]["restarts"]
            for a, s in final.items()
            if a in tree and s["restarts"] != tree[a]["restarts"]
        }
        # when each restarted child was running again, in seconds after the kill: where the
        # time of a recovery goes (a subtree starts its children in order)
        running_again = [
            (a, round(final[a]["started_at"] - kill_wall, 2))
            for a in report["restarts_for_loss"]
            if final[a].get("started_at") is not None
        ]
        report["running_again_s"] = dict(sorted(running_again, key=lambda item: item[1]))
        # every actor of the tree started after the kill, restarted or started afresh by a
        # restarted supervisor (a subtree's children), in seconds after the kill
        started_after = [
            (a, round(s["started_at"] - kill_wall, 2))
            for a, s in final.items()
            if s.get("started_at") is not None and s["started_at"] > kill_wall
        ]
        report["started_after_kill_s"] = dict(sorted(started_after, key=lambda item: item[1]))
        report["alive_after_kill_s"] = alive_after(kill_wall, ids)
        # what the supervisors did about the loss, in order: why a recovery took its time
        events = httpx.get(info.url + "api/v1/system/events", params={"limit": 1000}, headers=headers, timeout=30)
        recorded = events.json().get("events", []) if events.status_code == 200 else []
        after_loss = [e for e in recorded if e.get("at", 0) >= kill_wall]
        report["events_after_loss"] = [
            f"{e['at'] - kill_wall:.1f}s {e['supervisor']}: {e['action']} {e['child']} ({e['reason']}) "
            + e["detail"][:80]
            for e in after_loss
        ]
        # how long each child's first restart after the loss waited: the backoff, or the
        # node-loss order (supervision.node_loss_*)
        report["restart_delays_after_loss"] = {}
        for e in after_loss:
            if e["action"] == "restart":
                report["restart_delays_after_loss"].setdefault(e["child"], e["delay_s"])
        # restarts placed on the lost node before Ray declared it dead, which died there again
        report["node_loss"]["starts_failed"] = sum(1 for e in after_loss if e["reason"] == "start_failed")
        # actors on surviving nodes restarted because they stopped answering pings
        report["node_loss"]["hang_restarts"] = sum(1 for e in after_loss if e["reason"] == "hang")
        return report
    finally:
        t_stop = time.monotonic()
        try:
            if started:
                stop_platform(settings, owns_cluster=False)
        finally:
            if ray.is_initialized():
                ray.shutdown()
            if cluster.head_node is not None:
                cluster.shutdown()
            report["stall_reports"] = stall_reports(temp_dir)
            report["turn_log"] = turn_log(temp_dir)
            if not os.environ.get("KEEP_TMP"):  # KEEP_TMP=1: keep Ray's logs there to read
                shutil.rmtree(temp_dir, ignore_errors=True)
            report["timings"]["stop_s"] = round(time.monotonic() - t_stop, 1)
            report["timings"]["total_s"] = round(time.monotonic() - t0, 1)


def stall_reports(temp_dir: Path, limit: int = 12, lines: int = 60) -> list[str]:
    """The stall reports actors wrote to their worker logs (supervisors/stall.py: every
    thread's stack when an event loop did not turn in time), newest session, labelled with
    the actor class Ray names in the log: where a child restarted as hung was sitting."""
    reports: list[str] = []
    for log in sorted(temp_dir.glob("session_2*/logs/worker-*.err")):
        text = log.read_text(errors="replace")
        if "Timeout (" not in text:
            continue
        actor = next((line.split(":actor_name:", 1)[1] for line in text.splitlines() if ":actor_name:" in line), "?")
        for block in text.split("Timeout (")[1:]:
            reports.append(f"{actor} ({log.name}): Timeout (" + "\n".join(block.splitlines()[:lines]))
            if len(reports) >= limit:
                return reports
    return reports


# What the gateway and the agents log about a turn's time (serve_app/routers/agents.py,
# actors/agents/chat_turn.py): a redelivery's steps, a slow turn's phases.
TURN_LOG = re.compile(r"(died during turn|redelivered|slow turn)")


def turn_log(temp_dir: Path, limit: int = 40) -> list[str]:
    """Those lines from every log of the cluster's sessions (each line carries its time)."""
    found: list[str] = []
    for log in sorted(temp_dir.glob("session_2*/logs/**/*")):
        if log.is_file() and log.suffix in (".err", ".out", ".log"):
            found += [line[:300] for line in log.read_text(errors="replace").splitlines() if TURN_LOG.search(line)]
    return found[:limit]


def add_node(cluster: Any, attempts: int = 3, **node_args: Any) -> Any:
    """Ray waits a fixed 30 s for a new raylet to register; on a loaded machine it can take
    longer, so a node that did not come up is started again."""
    for attempt in range(attempts):
        try:
            return cluster.add_node(**node_args)
        except Exception as exc:
            if attempt == attempts - 1 or "timed out during startup" not in str(exc):
                raise
            print(f"a node did not start in time ({exc}); again", file=sys.stderr, flush=True)
    raise AssertionError("unreachable")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--watch-s", type=float, default=90.0, help="seconds to watch for recovery after the kill")
    parser.add_argument("--replicas", type=int, default=None, help="gateway replicas (when the setting exists)")
    parser.add_argument(
        "--chat-path-on-worker",
        action="store_true",
        help="the agents' supervisors and registry on the lost node too (the control plane not pinned)",
    )
    args = parser.parse_args()
    report = run(args.state_dir, args.port, args.watch_s, args.replicas, args.chat_path_on_worker)
    sys.stdout.flush()
    print("\nREPORT " + json.dumps(report, default=str), flush=True)


if __name__ == "__main__":
    main()
