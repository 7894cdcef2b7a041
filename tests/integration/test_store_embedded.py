"""The store against a real embedded PostgreSQL: no Ray, no mocks.

One server per module (start ~1 s with initdb); the lifecycle tests use a second data
dir, where a restart takes ~0.2 s. Every server is stopped in fixture teardown, and
each watchdog watches this pytest process, so even a crashed run leaves no server.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil
import psycopg
import pytest
import pytest_asyncio
from psycopg.conninfo import make_conninfo
from pydantic import ValidationError

from actors.store import migrator, watchdog
from actors.store.database import Database
from actors.store.embedded import (
    EmbeddedPostgres,
    running_watchdog,
    server_processes,
    stop_orphan,
)
from actors.store.store_actor import Store
from configs.settings import get_settings
from protocols.errors import PlatformError
from protocols.supervision import ExitKind, SupervisionEvent

# Every shipped migration, in order (later issues add files; the tests follow them).
ALL_VERSIONS = [m.version for m in migrator.discover()]

pytestmark = pytest.mark.integration

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


def _postmasters(data_dir: Path) -> list[psutil.Process]:
    """Independent of server_processes: postgres processes whose command line names data_dir."""
    return [
        proc
        for proc in psutil.process_iter(["name", "cmdline"])
        if proc.info["name"] == "postgres" and str(data_dir) in (proc.info["cmdline"] or [])
    ]


def _postgres_pids_for(data_dir: Path) -> set[int]:
    """The postmasters of data_dir and all their children."""
    pids = set()
    for proc in _postmasters(data_dir):
        pids.add(proc.pid)
        with contextlib.suppress(psutil.NoSuchProcess):
            pids.update(c.pid for c in proc.children(recursive=True))
    return pids


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.add(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


def _wait_until(condition: Any, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())


def _event(child: str, **overrides: Any) -> SupervisionEvent:
    fields: dict[str, Any] = {
        "supervisor": "root",
        "child": child,
        "action": "restart",
        "reason": ExitKind.CRASH,
        "detail": "os._exit(1)",
        "restarts": 1,
        "delay_s": 0.1,
        "siblings": ["agent/b", "agent/c"],
        "at": time.time(),
    }
    fields.update(overrides)
    return SupervisionEvent(**fields)


# ---- fixtures -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    pg = EmbeddedPostgres(
        tmp_path_factory.mktemp("store"),
        start_timeout_s=START_TIMEOUT_S,
        stop_timeout_s=STOP_TIMEOUT_S,
    )
    pg.start()
    try:
        yield pg
    finally:
        pg.stop()
        assert not _alive(_postgres_pids_for(pg.data_dir))


@pytest.fixture(scope="module")
def lifecycle_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A second state dir for tests that start and stop their own server."""
    state = tmp_path_factory.mktemp("lifecycle")
    try:
        yield state
    finally:
        stop_orphan(state / "pgdata", STOP_TIMEOUT_S)


@pytest.fixture
def lifecycle(lifecycle_state: Path) -> Iterator[EmbeddedPostgres]:
    pg = EmbeddedPostgres(lifecycle_state, start_timeout_s=START_TIMEOUT_S, stop_timeout_s=STOP_TIMEOUT_S)
    try:
        yield pg
    finally:
        stop_orphan(pg.data_dir, STOP_TIMEOUT_S)


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    """A process for a watchdog to watch, standing in for the raylet."""
    proc = subprocess.Popen(["sleep", "600"])
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()


@pytest_asyncio.fixture
async def db(server: EmbeddedPostgres) -> AsyncIterator[Database]:
    database = Database(server.dsn, mode="embedded", min_size=1, max_size=2)
    await database.open()
    try:
        yield database
    finally:
        await database.close()


async def _fresh_database(server: EmbeddedPostgres) -> str:
    """A new, empty database on the module's server; returns its conninfo."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    async with await psycopg.AsyncConnection.connect(server.dsn, autocommit=True) as conn:
        await conn.execute(f'CREATE DATABASE "{name}"'.encode())
    return make_conninfo(server.dsn, dbname=name)


# ---- migrations ---------------------------------------------------------------------


@pytest.mark.asyncio
async def test_migrate_twice_is_idempotent(server: EmbeddedPostgres) -> None:
    dsn = await _fresh_database(server)
    database = Database(dsn, mode="embedded")
    assert await database.migrate() == ALL_VERSIONS
    assert await database.migrate() == []
    await database.open()  # migrates a third time, then opens the pool
    try:
        assert await database.applied_migrations() == ALL_VERSIONS
        async with database.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT count(*) FROM pg_tables"
                " WHERE tablename IN ('supervision_events', 'bus_messages', 'schema_migrations')"
            )
            assert await cur.fetchone() == (3,)
            # the pool's connections know pgvector's type
            cur = await conn.execute("SELECT '[1,2,3]'::vector")
            row = await cur.fetchone()
            assert row is not None and row[0].to_list() == [1.0, 2.0, 3.0]
    finally:
        await database.close()


@pytest.mark.asyncio
async def test_concurrent_migrators_apply_each_migration_once(
    server: EmbeddedPostgres,
) -> None:
    dsn = await _fresh_database(server)
    results = await asyncio.gather(*(Database(dsn).migrate() for _ in range(4)))
    assert sorted(v for applied in results for v in applied) == ALL_VERSIONS


# ---- supervision events ---------------------------------------------------------------


@pytest.mark.asyncio
async def test_record_and_read_supervision_events(db: Database) -> None:
    child, other = f"agent/{uuid.uuid4().hex[:8]}", f"agent/{uuid.uuid4().hex[:8]}"
    now = time.time()
    events = [
        _event(child, at=now - 3),
        _event(other, at=now - 2, reason=ExitKind.HANG, siblings=[]),
        _event(child, at=now - 1, action="escalate", restarts=4, detail="ü ✓ 'quoted'"),
    ]
    assert await db.record_supervision_events(events) == 3
    assert await db.record_supervision_events([]) == 0

    mine = await db.supervision_events(child)
    assert [e.action for e in mine] == ["restart", "escalate"]  # oldest first
    assert mine[1].detail == "ü ✓ 'quoted'"
    assert mine[1].restarts == 4
    assert mine[0].siblings == ["agent/b", "agent/c"]
    assert mine[0].reason is ExitKind.CRASH
    assert math.isclose(mine[0].at, now - 3, abs_tol=1e-5)  # timestamptz keeps microseconds
    assert mine[0].model_dump(exclude={"at"}) == events[0].model_dump(exclude={"at"})

    latest = await db.supervision_events(child, limit=1)
    assert [e.action for e in latest] == ["escalate"]  # the latest one

    everyone = await db.supervision_events(limit=1000)
    assert {child, other} <= {e.child for e in everyone}
    with pytest.raises(ValueError):
        await db.supervision_events(child, limit=0)


@pytest.mark.asyncio
async def test_a_batch_sent_again_is_stored_once(db: Database) -> None:
    # A supervisor whose write timed out on its side (the store wrote it) sends the batch
    # again: the event ids make the second write a no-op, the new event in it still lands.
    child = f"agent/{uuid.uuid4().hex[:8]}"
    batch = [_event(child, at=time.time() - 2), _event(child, at=time.time() - 1, action="escalate")]
    assert await db.record_supervision_events(batch) == 2
    later = _event(child, action="stop")
    assert await db.record_supervision_events([*batch, later]) == 1
    stored = await db.supervision_events(child)
    assert [e.action for e in stored] == ["restart", "escalate", "stop"]
    assert [e.id for e in stored] == [batch[0].id, batch[1].id, later.id]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "bad",
    [
        {"restarts": 2**40},  # fails at the server on the second row: int overflow
        {"detail": "nul\x00byte"},  # PostgreSQL text cannot hold NUL
        {"at": float("nan")},  # not a time: fails before any write
    ],
    ids=["int-overflow", "nul-in-text", "nan-time"],
)
async def test_bad_batch_leaves_no_rows(db: Database, bad: dict[str, Any]) -> None:
    child = f"agent/{uuid.uuid4().hex[:8]}"
    now = time.time()
    batch = [
        _event(child, at=now - 2),
        _event(child, **{"at": now - 1, **bad}),
        _event(child, at=now),
    ]
    # the database's refusals come out as a 422-class PlatformError (actors/store/errors.py)
    with pytest.raises((PlatformError, ValueError, OverflowError)) as refused:
        await db.record_supervision_events(batch)
    assert not isinstance(refused.value, PlatformError) or refused.value.status == 422
    assert await db.supervision_events(child) == []
    # and the pool is still usable afterwards
    assert await db.record_supervision_events([_event(child, at=now)]) == 1


# ---- health -------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_health_reports_versions_pool_and_migrations(db: Database) -> None:
    health = await db.health()
    assert health.status == "ok", health.detail
    assert health.mode == "embedded"
    assert health.server_version is not None and int(health.server_version.split(".")[0]) >= 15
    assert health.pgvector_version is not None and health.pgvector_version.startswith("0.")
    assert health.latency_ms is not None and 0 <= health.latency_ms < 5000
    assert health.pool["pool_max"] == 2 and health.pool["pool_size"] >= 1
    assert health.migrations == ALL_VERSIONS


@pytest.mark.asyncio
async def test_health_of_a_closed_database_is_down(server: EmbeddedPostgres) -> None:
    health = await Database(server.dsn, mode="embedded").health()
    assert health.status == "down"
    assert health.detail


# ---- the Store actor, in process (its methods are plain async methods) ----------------


@pytest.mark.asyncio
async def test_store_actor_external_mode(server: EmbeddedPostgres, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYGENT_DATABASE_URL", server.dsn)
    get_settings.cache_clear()
    try:
        store = Store("store")
        # on_start/on_stop directly: supervision_ready() reports the Ray node, which
        # would start a Ray instance in this process.
        await store.on_start()
        assert await store.dsn() == server.dsn
        health = await store.health()
        assert health["status"] == "ok" and health["mode"] == "external"

        child = f"agent/{uuid.uuid4().hex[:8]}"
        event = _event(child).model_dump(mode="json")
        assert await store.record_supervision_events([event]) == 1
        with pytest.raises(ValidationError):  # the whole batch is refused before any write
            await store.record_supervision_events([event, {**event, "reason": "bogus"}])
        assert len(await store.supervision_events(child)) == 1

        listed = await store.handle_rpc({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        assert listed is not None
        names = {t["name"] for t in listed["result"]["tools"]}
        assert {"health", "supervision_events"} <= names

        called = await store.handle_rpc(
            {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "tools/call",
                "params": {"name": "supervision_events", "arguments": {"child": child}},
            }
        )
        assert called is not None and "result" in called, called
        assert child in str(called["result"])
        refused = await store.handle_rpc(
            {
                "jsonrpc": "2.0",
                "id": 4,
                "method": "tools/call",
                "params": {"name": "supervision_events", "arguments": {"limit": 0}},
            }
        )
        assert refused is not None and refused["error"]["code"] == -32602  # invalid params

        called = await store.handle_rpc(
            {
                "jsonrpc": "2.0",
                "id": 3,
                "method": "tools/call",
                "params": {"name": "health", "arguments": {}},
            }
        )
        assert called is not None and "result" in called, called
        assert called["result"]["structuredContent"]["status"] == "ok"

        await store.on_stop()
        assert server.is_running()  # an external database is not ours to stop
    finally:
        get_settings.cache_clear()


# ---- lifecycle: adopt, stop, watchdog -----------------------------------------------


def test_adopts_an_already_running_server(server: EmbeddedPostgres) -> None:
    postmaster = server.postmaster_pid
    watchdog = running_watchdog(server.data_dir)
    assert postmaster is not None and watchdog is not None
    second = EmbeddedPostgres(server.data_dir.parent, start_timeout_s=START_TIMEOUT_S)
    assert second.start() == server.dsn
    assert second.postmaster_pid == postmaster
    # still one postmaster, and the same watchdog (it already watches this process)
    assert [p.pid for p in _postmasters(server.data_dir)] == [postmaster]
    # server_processes finds exactly the postmaster's family; backends come and go
    # (autovacuum workers, connections), so compare snapshots until two agree.
    for _ in range(50):
        found = {p.pid for p in server_processes(server.data_dir)}
        if found == _postgres_pids_for(server.data_dir):
            break
        time.sleep(0.1)
    assert found == _postgres_pids_for(server.data_dir)
    assert running_watchdog(server.data_dir) == watchdog


def test_stop_leaves_no_postgres_process(lifecycle: EmbeddedPostgres) -> None:
    lifecycle.start()
    pids = _postgres_pids_for(lifecycle.data_dir)
    assert len(pids) > 1  # the postmaster and its helpers
    watchdog = running_watchdog(lifecycle.data_dir)
    assert watchdog is not None and watchdog.watched_pid == os.getpid()
    # not our child: Ray kills a worker's children when it exits, the Store's included
    assert psutil.Process(watchdog.pid).ppid() != os.getpid()

    assert lifecycle.stop() is True
    assert not _alive(pids)
    assert not _alive(_postgres_pids_for(lifecycle.data_dir))
    assert not lifecycle.is_running()
    assert running_watchdog(lifecycle.data_dir) is None
    assert not _alive({watchdog.pid})
    assert lifecycle.stop() is False  # nothing left to stop


def test_stop_orphan_without_the_starting_object(lifecycle: EmbeddedPostgres) -> None:
    """`pygent down` after a crash: only the data dir is known."""
    lifecycle.start()
    pids = _postgres_pids_for(lifecycle.data_dir)
    watchdog = running_watchdog(lifecycle.data_dir)
    assert pids and watchdog is not None

    assert stop_orphan(str(lifecycle.data_dir), STOP_TIMEOUT_S) is True
    assert not _alive(pids | _postgres_pids_for(lifecycle.data_dir))
    assert not _alive({watchdog.pid})
    assert stop_orphan(lifecycle.data_dir, STOP_TIMEOUT_S) is False


def test_watchdog_stops_server_when_watched_process_dies(
    lifecycle: EmbeddedPostgres, sleeper: subprocess.Popen[bytes]
) -> None:
    lifecycle.start(watch_pid=sleeper.pid)
    watchdog = running_watchdog(lifecycle.data_dir)
    assert watchdog is not None and watchdog.watched_pid == sleeper.pid
    pids = _postgres_pids_for(lifecycle.data_dir)
    assert pids

    sleeper.kill()
    sleeper.wait()
    assert _wait_until(lambda: not _alive(pids | _postgres_pids_for(lifecycle.data_dir)))
    assert _wait_until(lambda: running_watchdog(lifecycle.data_dir) is None)


def test_restarted_owner_adopts_server_and_keeps_watchdog(
    lifecycle: EmbeddedPostgres, sleeper: subprocess.Popen[bytes]
) -> None:
    """The Store crash case: the raylet (sleeper) lives on, a new Store adopts the server."""
    dsn = lifecycle.start(watch_pid=sleeper.pid)
    postmaster = lifecycle.postmaster_pid
    watchdog = running_watchdog(lifecycle.data_dir)

    successor = EmbeddedPostgres(lifecycle.data_dir.parent, start_timeout_s=START_TIMEOUT_S)
    assert successor.start(watch_pid=sleeper.pid) == dsn
    assert successor.postmaster_pid == postmaster
    assert running_watchdog(lifecycle.data_dir) == watchdog

    # a new owner watching another process replaces the watchdog: still exactly one
    successor.start()
    replaced = running_watchdog(lifecycle.data_dir)
    assert replaced is not None and replaced.watched_pid == os.getpid()
    assert watchdog is not None and not _alive({watchdog.pid})
    sleeper.kill()
    sleeper.wait()
    time.sleep(0.3)
    assert successor.is_running()  # the old watched pid no longer matters


def test_stale_postmaster_pid_is_not_adopted(lifecycle: EmbeddedPostgres) -> None:
    """A postmaster.pid left by a crash whose pid now belongs to another process."""
    lifecycle.start()
    lifecycle.stop()
    stale = lifecycle.data_dir / "postmaster.pid"
    stale.write_text(f"{os.getpid()}\n{lifecycle.data_dir}\n0\n5432\n{lifecycle.data_dir}\n\n0 0\nready\n")
    assert not lifecycle.is_running()
    lifecycle.start()
    assert lifecycle.postmaster_pid not in (None, os.getpid())


@pytest.mark.skipif(os.geteuid() != 0, reason="the server runs as another user only under root")
def test_stop_falls_back_to_sigint_when_pg_ctl_cannot_reach_the_data_dir(
    lifecycle: EmbeddedPostgres,
) -> None:
    """As when a concurrent pytest resets /tmp/pytest-of-root to 0700 under a server."""
    lifecycle.start()
    state_dir = lifecycle.data_dir.parent
    mode = state_dir.stat().st_mode
    state_dir.chmod(0o700)  # the server user can no longer reach the data dir
    try:
        assert lifecycle.stop() is True
    finally:
        state_dir.chmod(mode)
    assert not _alive(_postgres_pids_for(lifecycle.data_dir))
    log_tail = (lifecycle.data_dir / "log").read_text().splitlines()[-3:]
    assert any("database system is shut down" in line for line in log_tail)  # not SIGKILL'd


def test_concurrent_starts_share_one_server(lifecycle: EmbeddedPostgres) -> None:
    starters = [EmbeddedPostgres(lifecycle.data_dir.parent, start_timeout_s=START_TIMEOUT_S) for _ in range(3)]
    with ThreadPoolExecutor(len(starters)) as pool:
        dsns = list(pool.map(lambda pg: pg.start(), starters))
    assert len(set(dsns)) == 1
    assert len(_postmasters(lifecycle.data_dir)) == 1


# ---- the watchdog's wait, both ways -------------------------------------------------


@pytest.mark.parametrize("use_pidfd", [True, False], ids=["pidfd", "poll"])
def test_wait_for_exit_returns_when_the_process_dies(
    sleeper: subprocess.Popen[bytes], monkeypatch: pytest.MonkeyPatch, use_pidfd: bool
) -> None:
    if not use_pidfd:
        # as on a kernel without pidfd_open: the fallback polls
        monkeypatch.delattr(os, "pidfd_open", raising=False)
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(watchdog.wait_for_exit, sleeper.pid, 0.05)
        time.sleep(0.2)
        assert not waiting.done()
        sleeper.kill()  # left a zombie (not reaped) on purpose: it counts as exited
        waiting.result(timeout=5)
    watchdog.wait_for_exit(sleeper.pid, 0.05)  # an exited pid returns at once
