"""Chaos: kill a random actor of the tree every K seconds (agents included, and now and then
the embedded database server) during N chat requests over REST and the WebSocket, then read
every conversation back and audit it (bench/chaos_ledger.py): answered, clear errors, lost,
duplicated, dangling. Issue 13's goal at K = 2 s, N >= 200: at least 99% answered, 0 lost,
0 duplicated, 0 dangling.

Baseline in the same run: the same requests with no kills (`--baseline`, on by default), so
the answered share and latency are read against the platform's own figures.

    python bench/chaos.py --n 200 --kill-every 2 --concurrency 4

The integration test tests/integration/test_chaos.py runs a short version with the same
zero assertions, through `run_chaos`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # run as a file: the repository root replaces bench/ on sys.path (see bench/chat.py)
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import httpx
from websockets.sync.client import connect as ws_connect

from bench.chaos_ledger import Outcome, Verdict, audit
from bench.common import auth_headers

NAMESPACE = "pygent-bench-chaos"
PROMPTS = (
    "Say hello in one short sentence.",
    "Name a colour of the sea.",
    "What is a good name for a cat?",
    "Give me one word that rhymes with tree.",
)
# Never killed: the root (nothing supervises it) and the Serve gateway (not in the tree).
NEVER = {"supervisor/root"}


def _code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return str(body.get("code")) if isinstance(body, dict) and body.get("code") else None


def rest_chat(url: str, agent_id: str, message: str, timeout_s: float) -> Outcome:
    started = time.perf_counter()
    try:
        response = httpx.post(
            url + "api/v1/chat/message",
            json={"message": message, "agent_id": agent_id},
            headers=auth_headers(),
            timeout=timeout_s,
        )
    except httpx.HTTPError as exc:
        return Outcome("rest", False, detail=f"{type(exc).__name__}: {exc}", seconds=time.perf_counter() - started)
    took = time.perf_counter() - started
    if response.status_code == 200:
        body = response.json()
        return Outcome("rest", True, body["conversation_id"], body["message_id"], seconds=took)
    return Outcome("rest", False, code=_code(response), detail=response.text[:300], seconds=took)


def ws_chat(url: str, agent_id: str, message: str, timeout_s: float) -> Outcome:
    started = time.perf_counter()
    conversation_id = None
    try:
        with ws_connect(
            url.replace("http://", "ws://") + "ws", open_timeout=30, additional_headers=auth_headers()
        ) as ws:
            body = {"message": message, "agent_id": agent_id}
            ws.send(json.dumps({"type": "chat_message", "ref": "c", "message": body}))
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                frame = json.loads(ws.recv(timeout=timeout_s))
                if frame.get("ref") != "c":
                    continue
                data = frame.get("data") or {}
                conversation_id = data.get("conversation_id") or conversation_id
                if frame["type"] == "chat_response" and data.get("done"):
                    took = time.perf_counter() - started
                    return Outcome("ws", True, conversation_id, data.get("message_id"), seconds=took)
                if frame["type"] in ("chat_error", "error"):
                    took = time.perf_counter() - started
                    return Outcome("ws", False, conversation_id, code=data.get("code"), detail=str(data), seconds=took)
    except Exception as exc:  # a cut socket or a timeout: not a clear error
        return Outcome("ws", False, conversation_id, detail=f"{type(exc).__name__}: {exc}")
    return Outcome("ws", False, conversation_id, detail="no final answer before the timeout")


def _get_json(url: str, params: dict[str, Any], wait_s: float = 120.0) -> Any:
    """GET until a 200 (a component still coming back after the kills answers 503 first)."""
    deadline = time.monotonic() + wait_s
    while True:
        response = httpx.get(url, params=params, headers=auth_headers(), timeout=60)
        if response.status_code == 200 or time.monotonic() > deadline:
            response.raise_for_status()
            return response.json()
        time.sleep(1.0)


def read_back(url: str, agent_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Every conversation of these agents, with its messages in order."""
    listed = _get_json(url + "api/v1/chat/conversations", {"limit": 1000})
    out: dict[str, list[dict[str, Any]]] = {}
    for conversation in listed["conversations"]:
        if conversation.get("agent_id") not in agent_ids:
            continue
        history = _get_json(url + "api/v1/chat/history", {"conversation_id": conversation["id"]})
        out[conversation["id"]] = history["messages"]
    return out


def database_pids(state_dir: Path) -> list[int]:
    from actors.store.embedded import data_dir_for, postmaster_process

    process = postmaster_process(data_dir_for(state_dir))
    return [process.pid] if process is not None else []


@dataclass
class Killer:
    """Kills a random target every `every_s` seconds while it runs; every `db_every`-th kill
    is the database server instead (0: never)."""

    kill: Callable[[str], Any]
    targets: Callable[[], list[str]]
    every_s: float
    db_pids: Callable[[], list[int]] | None = None
    db_every: int = 0
    seed: int = 0
    kills: list[tuple[float, str]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    # picked, but no incarnation of it was there to kill (it was restarting)
    misses: list[tuple[float, str]] = field(default_factory=list)
    # actors still not running a while after the last kill (set by run_chaos)
    unsettled: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._rng = random.Random(self.seed)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Killer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        count = 0
        while not self._stop.wait(self.every_s):
            count += 1
            try:
                if self.db_pids is not None and self.db_every and count % self.db_every == 0:
                    for pid in self.db_pids():
                        os.kill(pid, signal.SIGKILL)
                    self.kills.append((time.time(), "database"))
                    continue
                choices = [t for t in self.targets() if t not in NEVER]
                if choices:
                    target = self._rng.choice(choices)
                    try:
                        self.kill(target)
                    except KeyError:  # nothing answers to it now: restarting
                        self.misses.append((time.time(), target))
                        continue
                    self.kills.append((time.time(), target))
            except Exception as exc:  # a target that vanished meanwhile: try the next one
                self.failures.append(f"{type(exc).__name__}: {exc}")


def run_requests(url: str, agent_ids: Sequence[str], n: int, concurrency: int, timeout_s: float) -> list[Outcome]:
    """n chat requests, alternating REST and /ws, spread over the agents, `concurrency` at once."""

    def one(i: int) -> Outcome:
        agent = agent_ids[i % len(agent_ids)]
        prompt = PROMPTS[i % len(PROMPTS)]
        return (rest_chat if i % 2 == 0 else ws_chat)(url, agent, prompt, timeout_s)

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(one, range(n)))


def settle(client: Any, timeout_s: float = 120.0, strict: bool = True) -> list[str]:
    """Wait until every actor of the tree runs again. Past the timeout: raise, or (not
    `strict`) return the actors that still do not run, as `address: state`."""
    deadline = time.monotonic() + timeout_s
    unsettled: list[str] = ["the tree did not answer"]
    while time.monotonic() < deadline:
        try:
            unsettled = [f"{n.address}: {n.state.value}" for n in client.tree().walk() if n.state.value != "running"]
            if not unsettled:
                return []
        except Exception as exc:
            unsettled = [f"the tree did not answer: {exc}"]
        time.sleep(0.5)
    if strict:
        raise TimeoutError(f"the tree did not settle: {unsettled}")
    return unsettled


def run_chaos(
    url: str,
    client: Any,
    agent_ids: Sequence[str],
    *,
    n: int,
    concurrency: int,
    kill_every_s: float,
    targets: Callable[[], list[str]],
    timeout_s: float = 180.0,
    db_pids: Callable[[], list[int]] | None = None,
    db_every: int = 0,
    seed: int = 0,
) -> tuple[Verdict, list[Outcome], Killer]:
    killer = Killer(client.kill, targets, kill_every_s, db_pids, db_every, seed).start()
    try:
        outcomes = run_requests(url, agent_ids, n, concurrency, timeout_s)
    finally:
        killer.stop()
    # still audit when some actor stays down: what was stored is the point
    killer.unsettled = settle(client, strict=False)
    return audit(outcomes, read_back(url, agent_ids)), outcomes, killer


def restart_causes(client: Any, limit: int = 5000, top: int = 15) -> list[tuple[str, int]]:
    """Why the supervisors restarted things during the run, most common first, as
    `child action (reason): first words of the detail` (the store's record of supervision
    events): where a run falls short, this says which restarts did it."""
    import ray

    try:
        store = client.actor("store/main")
        events = ray.get(store.supervision_events.remote(None, limit), timeout=60)
    except Exception as exc:  # the record is a diagnosis, not the measurement
        return [(f"the supervision record was not read: {type(exc).__name__}: {exc}", 0)]
    causes = Counter(f"{e['child']} {e['action']} ({e['reason']}): {e['detail'][:90]}" for e in events)
    return causes.most_common(top)


def tree_targets(client: Any, pick: str = "any") -> Callable[[], list[str]]:
    """The addresses a kill picks from. `any` (issue 13's "a random actor of the tree"): every
    address the tree has had, whatever its state now, so each actor has the same chance per
    kill; one that is restarting at that moment is not there to kill (a miss). `running`:
    only the actors running now, which concentrates the kills on the few that are up while
    a subtree restarts (the runs of 2026-12-04/05 used this)."""
    seen: dict[str, None] = {}

    def targets() -> list[str]:
        nodes = list(client.tree().walk())
        if pick == "running":
            return [node.address for node in nodes if node.state.value == "running"]
        seen.update((node.address, None) for node in nodes)
        return list(seen)

    return targets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="chat requests (half REST, half /ws)")
    parser.add_argument("--kill-every", type=float, default=2.0, help="seconds between kills")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--agents", type=int, default=3)
    parser.add_argument("--db-every", type=int, default=10, help="every k-th kill is the database server (0: never)")
    parser.add_argument("--tokens", type=int, default=24, help="answer tokens (agents.max_answer_tokens)")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--pick",
        choices=("any", "running"),
        default="any",
        help="any: a random actor of the whole tree (a restarting one is a miss); running: only those up now",
    )
    args = parser.parse_args()

    from rich.table import Table

    from bench.common import console, write_results
    from bench.models import free_port, platform_env, wait_http

    state_dir = Path(tempfile.mkdtemp(prefix="pgx-", dir="/tmp"))
    platform_env(state_dir)
    os.environ["PYGENT_RAY_NAMESPACE"] = NAMESPACE
    os.environ["PYGENT_AGENTS_MAX_ANSWER_TOKENS"] = str(args.tokens)
    os.environ["PYGENT_AGENTS_MEMORY_K"] = "0"  # the chat path, not memory search, is measured
    from configs.settings import get_settings, load_settings

    get_settings.cache_clear()
    settings = load_settings()
    from serve_app.client import connect
    from serve_app.platform import init_ray, start_serve, start_tree, stop_platform

    results: dict[str, Any] = {"args": vars(args)}
    init_ray(settings)
    try:
        start_tree(settings)
        settings.serve.port = free_port()
        url = start_serve(settings)
        wait_http(url + "api/v1/health")
        client = connect(settings=settings)
        agents = []
        for i in range(args.agents):
            body = {"type": "general", "name": f"chaos-{i}"}
            created = httpx.post(url + "api/v1/agents", json=body, headers=auth_headers(), timeout=120)
            created.raise_for_status()
            agents.append(created.json()["id"])
        for agent in agents:
            client.wait_until_running(f"agent/{agent}", timeout_s=120)
        if not args.no_baseline:
            console.print(f"baseline: {args.n // 4} requests, no kills")
            base = run_requests(url, agents, max(4, args.n // 4), args.concurrency, 180.0)
            base_verdict = audit(base, read_back(url, agents))
            results["baseline"] = {**base_verdict.as_dict(), "p50_s": _p50([o.seconds for o in base if o.ok])}
        console.print(f"chaos: {args.n} requests, a kill every {args.kill_every} s")
        started = time.perf_counter()
        verdict, outcomes, killer = run_chaos(
            url,
            client,
            agents,
            n=args.n,
            concurrency=args.concurrency,
            kill_every_s=args.kill_every,
            targets=tree_targets(client, args.pick),
            db_pids=lambda: database_pids(state_dir),
            db_every=args.db_every,
            seed=args.seed,
        )
        results["chaos"] = {
            **verdict.as_dict(),
            "wall_s": time.perf_counter() - started,
            "p50_s": _p50([o.seconds for o in outcomes if o.ok]),
            "kills": killer.kills,
            "kill_failures": killer.failures[:20],
            "misses": len(killer.misses),
            "unsettled_after": killer.unsettled,
            # why requests failed: the most common (code, first words of the message)
            "failures": Counter(f"{o.code}: {o.detail[:100]}" for o in outcomes if not o.ok).most_common(12),
            "restart_causes": restart_causes(client),
        }
    finally:
        stop_platform(settings, owns_cluster=True)
        shutil.rmtree(state_dir, ignore_errors=True)

    table = Table(title=f"chaos: {args.n} chat requests, a kill every {args.kill_every} s ({args.agents} agents)")
    for column in ("run", "requests", "answered", "clear errors", "unclear", "lost", "duplicated", "dangling", "p50 s"):
        table.add_column(column, justify="right")
    for name in ("baseline", "chaos"):
        if name in results:
            r = results[name]
            table.add_row(
                name,
                str(r["requests"]),
                f"{r['answered']} ({r['answered_share']:.1%})",
                str(r["clear_errors"]),
                str(r["unclear_errors"]),
                str(r["lost"]),
                str(r["duplicated"]),
                str(r["dangling"]),
                f"{r['p50_s']:.2f}" if r["p50_s"] is not None else "-",
            )
    console.print(table)
    chaos = results["chaos"]
    of_database = sum(1 for _, t in chaos["kills"] if t == "database")
    console.print(
        f"kills: {len(chaos['kills'])} ({of_database} of the database); "
        f"{chaos['misses']} picks found nothing to kill (restarting); pick: {args.pick}"
    )
    if chaos["unsettled_after"]:
        console.print(f"[red]not running 120 s after the last kill: {chaos['unsettled_after']}[/red]")
    goal = chaos["answered_share"] >= 0.99 and chaos["lost"] == chaos["duplicated"] == chaos["dangling"] == 0
    console.print(f"goal (>= 99% answered, 0 lost, 0 duplicated, 0 dangling): {'met' if goal else 'NOT met'}")
    for failure, count in chaos["failures"]:
        console.print(f"  {count} x {failure}")
    for example in chaos["examples"][:10]:
        console.print(f"  {example}")
    console.print("most common restarts (supervision record):")
    for cause, count in chaos["restart_causes"]:
        console.print(f"  {count} x {cause}")
    results["goal_met"] = goal
    write_results("chaos", results)
    return 0


def _p50(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


if __name__ == "__main__":
    raise SystemExit(main())
