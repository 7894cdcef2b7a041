"""The store when its embedded server dies or hangs, and when bad text gets that far: against
a real PostgreSQL, no Ray, no mocks.

- the death of the postmaster is noticed at once (a pidfd), a hung server by the connection
  check; the Store actor fails with the reason (its supervisor restarts it);
- a request during the outage is a 503 `database_unavailable`, and after a restart the pools
  hand out fresh connections (no request fails on a stale one);
- the orphans of a killed postmaster are gone before a new server shares the data dir;
- text PostgreSQL cannot store is a 422 `invalid_text`, from every pool.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psutil
import pytest
import pytest_asyncio
from psycopg.types.json import Jsonb

from actors.store.database import Database
from actors.store.embedded import EmbeddedPostgres, server_processes, stop_orphan
from actors.store.server_watch import ServerWatch, answers
from actors.store.store_actor import Store
from configs.settings import get_settings
from protocols.errors import DatabaseUnavailable, InvalidText
from protocols.supervision import ExitKind

pytestmark = pytest.mark.integration

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


@pytest.fixture
def state() -> Iterator[Path]:
    """A state dir outside pytest's tmp tree: the server runs as another user under root,
    and a concurrent pytest session resets /tmp/pytest-of-root to 0700 under it."""
    path = Path(tempfile.mkdtemp(prefix="pgo-", dir="/tmp"))
    try:
        yield path
    finally:
        stop_orphan(path / "pgdata", STOP_TIMEOUT_S)
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def server(state: Path) -> Iterator[EmbeddedPostgres]:
    pg = EmbeddedPostgres(state, start_timeout_s=START_TIMEOUT_S, stop_timeout_s=STOP_TIMEOUT_S)
    pg.start()
    try:
        yield pg
    finally:
        stop_orphan(pg.data_dir, STOP_TIMEOUT_S)
        assert not server_processes(pg.data_dir)


@pytest_asyncio.fixture
async def db(server: EmbeddedPostgres) -> AsyncIterator[Database]:
    database = Database(server.dsn, mode="embedded", min_size=2, max_size=4, connect_timeout_s=2.0)
    await database.open()
    try:
        yield database
    finally:
        await database.close()


def _kill_postmaster(server: EmbeddedPostgres) -> int:
    pid = server.postmaster_pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    # SIGKILL lands asynchronously: until the process is gone, a start() would adopt the
    # dying server (its postmaster.pid still says "ready"), as CI once saw on a loaded machine
    deadline = time.monotonic() + 10
    while server.postmaster_pid == pid and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.postmaster_pid != pid, f"postmaster {pid} outlived SIGKILL for 10 s"
    return pid


async def _select_one(db: Database) -> int:
    async with db.pool.connection() as conn:
        cur = await conn.execute("SELECT 1")
        row = await cur.fetchone()
    assert row is not None
    return int(row[0])


# ---- death and hang, noticed --------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_killed_server_is_noticed_at_once(server: EmbeddedPostgres) -> None:
    pid = server.postmaster_pid
    assert pid is not None
    watch = ServerWatch(pid, server.dsn, interval_s=30.0, timeout_s=1.0, failures=2)
    waiting = asyncio.ensure_future(watch.failure())
    await asyncio.sleep(0.2)
    assert not waiting.done()
    killed_at = time.monotonic()
    _kill_postmaster(server)
    failure = await asyncio.wait_for(waiting, 5.0)
    noticed_s = time.monotonic() - killed_at
    assert not failure.hung and f"pid {pid}" in failure.detail and "exited" in failure.detail
    assert noticed_s < 1.0, f"noticed after {noticed_s:.2f} s"  # no polling loop of seconds


@pytest.mark.asyncio
async def test_a_hung_server_is_found_by_the_connection_check(server: EmbeddedPostgres) -> None:
    pid = server.postmaster_pid
    assert pid is not None
    assert await answers(server.dsn, 2.0) is True
    os.kill(pid, signal.SIGSTOP)  # alive, silent
    try:
        watch = ServerWatch(pid, server.dsn, interval_s=0.2, timeout_s=0.5, failures=2)
        failure = await asyncio.wait_for(watch.failure(), 10.0)
        assert failure.hung and "no answer within 0.5 s, 2 checks in a row" in failure.detail
        assert await answers(server.dsn, 0.5) is False
    finally:
        # what the Store does with a hung server before it fails: SIGKILL (works on a stopped one)
        assert server.kill() >= 1
    assert not server.is_running() and not server_processes(server.data_dir)
    server.start()  # and a fresh one starts on the same data dir
    assert await answers(server.dsn, 2.0) is True


@pytest.mark.asyncio
async def test_orphans_of_a_killed_postmaster_are_gone_before_a_new_server_starts(
    server: EmbeddedPostgres, db: Database
) -> None:
    async with db.pool.connection() as conn:
        cur = await conn.execute("SELECT pg_backend_pid()")
        row = await cur.fetchone()
    assert row is not None
    backend = psutil.Process(int(row[0]))
    # A backend that cannot notice its postmaster's death (stopped): it would outlive it and
    # share the data dir with the next server, whose own check is off (no postmaster.pid).
    backend.send_signal(signal.SIGSTOP)
    old = _kill_postmaster(server)
    assert backend.is_running()
    dsn = server.dsn
    assert server.start() == dsn  # same socket: every pool's DSN still holds
    # postmaster.pid is written in steps: on a loaded machine its last line may lag the start
    deadline = time.monotonic() + 10
    while server.postmaster_pid is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.postmaster_pid not in (None, old)
    assert not backend.is_running() or backend.status() == psutil.STATUS_ZOMBIE
    assert all(p.pid != backend.pid for p in server_processes(server.data_dir))


# ---- the outage as callers see it -----------------------------------------------------------


@pytest.mark.asyncio
async def test_a_request_during_the_outage_is_database_unavailable_and_the_pool_recovers(
    server: EmbeddedPostgres, db: Database
) -> None:
    # two idle connections in the pool, both to die with the server
    await asyncio.gather(_select_one(db), _select_one(db))
    _kill_postmaster(server)
    await asyncio.sleep(0.3)

    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable) as refused:
        await _select_one(db)
    assert refused.value.status == 503 and refused.value.code == "database_unavailable"
    assert time.monotonic() - started < 5.0  # bounded by the pool's timeout (2 s here)
    health = await db.health(timeout_s=1.0)
    assert health.status == "down" and health.detail

    server.start()  # what the restarted Store does
    # every request after the restart is served: stale connections are never handed out
    results = await asyncio.gather(*(_select_one(db) for _ in range(8)))
    assert results == [1] * 8
    assert (await db.health(timeout_s=2.0)).status == "ok"


@pytest.mark.asyncio
async def test_the_pool_is_back_within_its_reconnect_interval_of_the_server(
    server: EmbeddedPostgres, db: Database
) -> None:
    await _select_one(db)
    _kill_postmaster(server)
    await asyncio.sleep(0.3)
    with pytest.raises(DatabaseUnavailable):
        await _select_one(db)  # the pool now tries to reconnect
    # A longer outage: psycopg_pool's own ladder (attempts 1, 2, 4, 8 s apart) would next
    # try about 15 s after the kill, five seconds after the server is back; this pool tries
    # every 0.5 s.
    await asyncio.sleep(6.0)
    await asyncio.to_thread(server.start)
    restarted = time.monotonic()
    while db.pool.get_stats().get("pool_available", 0) < 1:  # connected by itself, nobody asked
        assert time.monotonic() - restarted < 3.0, db.pool.get_stats()
        await asyncio.sleep(0.05)
    assert time.monotonic() - restarted < db.reconnect_interval_s + 1.0
    assert await _select_one(db) == 1


@pytest.mark.asyncio
async def test_health_answers_within_its_bound_when_the_server_hangs(server: EmbeddedPostgres, db: Database) -> None:
    await _select_one(db)
    frozen = server_processes(server.data_dir)  # the postmaster and every backend: all silent
    for proc in frozen:
        proc.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        health = await db.health(timeout_s=1.0)
        took = time.monotonic() - started
    finally:
        for proc in frozen:
            proc.send_signal(signal.SIGCONT)
    assert health.status == "down" and took < 2.0, (health, took)
    assert "1 s" in (health.detail or "")


# ---- the Store actor's link to its server, in process ---------------------------------------


@pytest.mark.asyncio
async def test_the_store_fails_with_the_reason_when_its_server_dies(
    state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYGENT_STATE_DIR", str(state))
    monkeypatch.delenv("PYGENT_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    store = Store("store/main")
    try:
        await store.on_start()  # the embedded server, watched (outside Ray: by this process)
        assert (await store.health())["status"] == "ok"
        postmaster = EmbeddedPostgres(state).postmaster_pid
        assert postmaster is not None
        exit_watch = asyncio.ensure_future(store.supervision_wait_exit())
        await asyncio.sleep(0.1)
        assert not exit_watch.done()
        os.kill(postmaster, signal.SIGKILL)
        # what its supervisor sees: a crash, with the reason
        exit_info = await asyncio.wait_for(exit_watch, 5.0)
        assert exit_info["kind"] == ExitKind.CRASH.value
        assert f"pid {postmaster}" in exit_info["detail"] and "exited" in exit_info["detail"]
        health = await store.health()
        assert health["status"] == "down"
    finally:
        await store.on_stop()  # in a real Store, its supervisor kills the process instead
        get_settings.cache_clear()


@pytest.mark.asyncio
async def test_an_orderly_stop_is_no_failure(state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYGENT_STATE_DIR", str(state))
    monkeypatch.delenv("PYGENT_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    store = Store("store/main")
    try:
        await store.on_start()
        stopped = await store.supervision_stop()
        assert stopped["stopped"] is True
        exit_info = await asyncio.wait_for(store.supervision_wait_exit(), 5.0)
        assert exit_info["kind"] == ExitKind.SHUTDOWN.value  # not the server's death
    finally:
        get_settings.cache_clear()


# ---- text the database cannot store, from any pool --------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("sql", "value"),
    [
        ("SELECT %s::text", "a\x00b"),  # psycopg's own check
        ("SELECT %s::text", "a\ud800b"),  # cannot be encoded at all
        ("SELECT %s::jsonb", Jsonb({"k": "a\x00b"})),  # the server: untranslatable character
        ("SELECT %s::jsonb", Jsonb({"k": "a\ud800"})),  # the server: invalid json
    ],
    ids=["nul-text", "surrogate-text", "nul-jsonb", "surrogate-jsonb"],
)
async def test_unstorable_text_is_invalid_text_and_the_pool_stays_usable(db: Database, sql: str, value: object) -> None:
    with pytest.raises(InvalidText) as refused:
        async with db.pool.connection() as conn:
            await conn.execute(sql, [value])
    assert refused.value.status == 422 and refused.value.code == "invalid_text"
    assert await _select_one(db) == 1
