"""The database is supervised (issue 13): `kill -9` of the embedded PostgreSQL server of this
test run's platform (found by its own state dir's postmaster.pid), then, with no manual
action, health says so within seconds and everything answers again within a bounded time.

This kills the SHARED test platform's database, so the test returns only once recovery is
complete, and asserts that: the Store restarted exactly once, a fresh server runs, every
subsystem that keeps its own pool (agent registry, memory, knowledge) answers, health is ok.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import httpx
import pytest
import ray

from actors.store.embedded import PostmasterPid, data_dir_for, postmaster_process
from protocols.addresses import STORE
from tests.integration import authed

pytestmark = pytest.mark.integration

# Bounds that say "by itself, soon", not speed (bench/ measures that): generous, since a
# loaded CI machine (a second platform beside this one) answers one health call in seconds.
NOTICED_WITHIN_S = 20.0  # health shows the database down or recovering, or the Store restarted
RECOVERED_WITHIN_S = 60.0  # /chat/conversations answers 200 again
POLL_S = 0.05


def _api(platform: str, path: str) -> str:
    return platform + "api/v1" + path


def _store_restarts(client: Any) -> int:
    node = client.tree().find(STORE)
    assert node is not None
    return int(node.restarts)


def _wait_for(what: str, check: Any, timeout_s: float) -> float:
    """Poll `check()` until it is true; returns the seconds it took."""
    started = time.monotonic()
    last: Any = None
    while time.monotonic() - started < timeout_s:
        try:
            last = check()
            if last is True:
                return time.monotonic() - started
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(POLL_S)
    raise AssertionError(f"{what}: not within {timeout_s:g} s (last: {last!r})")


def test_a_killed_database_server_is_restarted_and_everything_recovers(
    platform: str, client: Any, settings: Any
) -> None:
    data_dir = data_dir_for(settings.state_path)
    postmaster = postmaster_process(data_dir)
    assert postmaster is not None, f"no server on {data_dir}"
    assert postmaster.cmdline()[postmaster.cmdline().index("-D") + 1].startswith(str(settings.state_path))
    assert authed.get(_api(platform, "/chat/conversations"), timeout=60).status_code == 200
    restarts = _store_restarts(client)
    health_timeout_s = settings.database.health_timeout_s

    os.kill(postmaster.pid, signal.SIGKILL)
    killed_at = time.monotonic()

    # 1. health says so, and every health answer comes within its timeout
    slowest = 0.0

    def health_not_ok() -> bool:
        nonlocal slowest
        started = time.monotonic()
        body = authed.get(_api(platform, "/health"), timeout=health_timeout_s + 5).json()
        slowest = max(slowest, time.monotonic() - started)
        database, store = body["components"].get("database", {}), body["components"][STORE]
        if body["status"] != "ok" and (database.get("status") != "ok" or store["state"] != "running"):
            return True
        # or it recovered between two (slow) health answers: the Store's restart shows it
        return _store_restarts(client) > restarts

    noticed_s = _wait_for("health shows the database down or recovering", health_not_ok, NOTICED_WITHIN_S)
    started = time.monotonic()
    database = authed.get(_api(platform, "/health/database"), timeout=health_timeout_s + 5)
    slowest = max(slowest, time.monotonic() - started)
    assert database.status_code == 200
    assert slowest < health_timeout_s + 2.0, f"a health answer took {slowest:.2f} s"

    # 2. the platform answers again by itself
    def conversations_answer() -> bool:
        return authed.get(_api(platform, "/chat/conversations"), timeout=10).status_code == 200

    _wait_for("/chat/conversations answers 200", conversations_answer, RECOVERED_WITHIN_S)
    recovered_s = time.monotonic() - killed_at
    print(f"\ndatabase kill -9 -> health not ok: {noticed_s:.2f} s; -> /chat/conversations 200: {recovered_s:.2f} s")

    # 3. recovery is complete before this test returns (the platform is shared)
    def healthy() -> bool:
        body = authed.get(_api(platform, "/health"), timeout=health_timeout_s + 5).json()
        return body["status"] == "ok" and body["components"]["database"]["status"] == "ok"

    _wait_for("/api/v1/health ok with the database ok", healthy, RECOVERED_WITHIN_S)
    fresh = PostmasterPid.read(data_dir)
    assert fresh is not None and fresh.pid != postmaster.pid and fresh.ready
    assert _store_restarts(client) == restarts + 1  # one death, one restart
    db_health = authed.get(_api(platform, "/health/database"), timeout=30).json()
    assert db_health["status"] == "ok" and db_health["mode"] == "embedded"

    # every actor with a pool of its own reconnected: reads and a write
    for path in ("/chat/conversations", "/memory/stats", "/search/indexes", "/agents"):
        response = authed.get(_api(platform, path), timeout=60)
        assert response.status_code == 200, (path, response.text)
    created = authed.post(_api(platform, "/chat/conversations"), json={"title": "after the outage"}, timeout=60)
    assert created.status_code == 201, created.text
    for part in ("agents", "memory", "rag"):
        body = authed.get(_api(platform, f"/health/{part}"), timeout=60).json()
        assert body["status"] == "ok", (part, body)

    # 4. the restart was reported: a supervision event with the reason, recorded in the store
    def restart_recorded() -> bool:
        events = ray.get(client.actor(STORE).supervision_events.remote(STORE, 5), timeout=30)
        return any(
            e["action"] == "restart" and e["reason"] == "crash" and f"pid {postmaster.pid}" in e["detail"]
            for e in events
        )

    _wait_for("the Store's restart is recorded with its reason", restart_recorded, 15.0)


def test_the_store_publishes_its_dsn_and_a_stale_one_is_not_used(platform: str, client: Any, settings: Any) -> None:
    """After the restart above too: the pools of the other actors read the Store's DSN from
    Ray's key-value store (no first call to the Store, slow after a node loss); one that no
    longer answers (a server moved) is passed over for the Store's own answer."""
    import asyncio

    from actors.store.pool import _store_dsn, publish_dsn, published_dsn

    namespace = settings.ray.namespace
    dsn = ray.get(client.actor(STORE).dsn.remote(), timeout=30)
    assert published_dsn(namespace) == dsn
    stale = dsn.replace("port=", "port=1") if "port=" in dsn else "postgresql://nobody@127.0.0.1:1/none"
    publish_dsn(namespace, stale)
    try:
        assert asyncio.run(_store_dsn(namespace, timeout_s=30)) == dsn
    finally:
        publish_dsn(namespace, dsn)
