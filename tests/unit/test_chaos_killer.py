"""bench/chaos.py's choice of what to kill, without a platform: a fake tree and kill."""

from __future__ import annotations

import time
from typing import Any

from bench.chaos import Killer, tree_targets
from protocols.supervision import ChildKind, ChildState, ChildStatus


def node(address: str, state: str = "running", children: list[ChildStatus] | None = None) -> ChildStatus:
    kind = ChildKind.SUPERVISOR if children is not None else ChildKind.WORKER
    return ChildStatus(address=address, kind=kind, state=ChildState(state), children=children or [])


class FakeClient:
    def __init__(self, tree: ChildStatus) -> None:
        self.current = tree
        self.killed: list[str] = []

    def tree(self) -> ChildStatus:
        return self.current

    def kill(self, address: str) -> bool:
        running = {n.address for n in self.current.walk() if n.state is ChildState.RUNNING}
        if address not in running:
            raise KeyError(f"no actor at address '{address}'")
        self.killed.append(address)
        return True


FULL = node("supervisor/root", children=[node("store/main"), node("supervisor/agents", children=[node("agent/a")])])
# the agents' supervisor restarting: its subtree is not listed
DURING = node("supervisor/root", children=[node("store/main"), node("supervisor/agents", "restarting", children=[])])


def test_any_keeps_every_address_the_tree_had_and_running_only_those_up() -> None:
    client: Any = FakeClient(FULL)
    any_targets, running_targets = tree_targets(client, "any"), tree_targets(client, "running")
    assert sorted(any_targets()) == ["agent/a", "store/main", "supervisor/agents", "supervisor/root"]
    client.current = DURING
    assert sorted(any_targets()) == ["agent/a", "store/main", "supervisor/agents", "supervisor/root"]
    assert sorted(running_targets()) == ["store/main", "supervisor/root"]


def test_a_pick_with_nothing_to_kill_is_a_miss_not_a_failure() -> None:
    client: Any = FakeClient(FULL)
    targets = tree_targets(client, "any")
    targets()  # the full tree seen once
    client.current = DURING
    killer = Killer(client.kill, targets, every_s=0.01, seed=3).start()
    deadline = time.monotonic() + 5
    while len(killer.kills) + len(killer.misses) < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    killer.stop()
    assert killer.failures == []
    assert {t for _, t in killer.misses} <= {"agent/a", "supervisor/agents"}
    assert {t for _, t in killer.kills} <= {"store/main"}  # the root is never killed
    assert killer.misses and killer.kills
