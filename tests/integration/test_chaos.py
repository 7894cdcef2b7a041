"""A short chaos run on the test platform (bench/chaos.py is the long one): random kills of
agents and of services the chat path uses, every 2 s, during chat requests over REST and
/ws; then every conversation is read back and audited. Nothing may be lost, duplicated or
left dangling, and every failure must be a clear error.

The kills are limited to what the rest of the session can afford to lose at any moment
(the database server's death has its own test); the bench kills anything in the tree."""

from __future__ import annotations

from typing import Any

import pytest

from bench.chaos import run_chaos, settle
from tests.integration import authed
from tests.integration.agents_helpers import api, create_agent

pytestmark = pytest.mark.integration


def test_chat_under_random_kills_loses_nothing(platform: str, client: Any) -> None:
    settle(client)  # every actor up (a loaded machine starts the tree slowly)
    agents = [create_agent(platform, type="general", name=f"chaos-{i}")["id"] for i in range(2)]
    for agent in agents:
        client.wait_until_running(f"agent/{agent}", timeout_s=120)
    services = ["bus/main", "memory/main", "monitor/main", "registry/agents"]

    def targets() -> list[str]:
        # mostly the agents themselves: their deaths are what redelivery is for
        return [f"agent/{a}" for a in agents] * 3 + services

    verdict, outcomes, killer = run_chaos(
        platform, client, agents, n=16, concurrency=4, kill_every_s=2.0, targets=targets, seed=7
    )
    report = verdict.as_dict()
    print("chaos:", report, "kills:", [t for _, t in killer.kills])
    for outcome in outcomes:
        if not outcome.ok:
            print("  failed:", outcome.kind, outcome.code, outcome.detail[:300])
    assert killer.kills, "nothing was killed"
    assert not killer.unsettled, f"still down after the kills: {killer.unsettled}"
    assert verdict.lost == 0, report
    assert verdict.duplicated == 0, report
    assert verdict.dangling == 0, report
    assert verdict.unclear_errors == 0, report
    assert verdict.answered + verdict.clear_errors == verdict.requests
    for agent in agents:
        authed.delete(api(platform, f"/agents/{agent}"), timeout=60)
