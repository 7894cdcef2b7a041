"""One local Ray cluster and one running platform (tree + gateway) per test session."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port, wait_http
from tests.integration import authed


@pytest.fixture(scope="session")
def session_ollama() -> Iterator[Any]:
    """Ollama cannot run here: this fake of its HTTP API stands in, driven by the real client."""
    from tests.fakes.ollama_server import FakeOllama

    fake = FakeOllama(models=["llama3.2:1b", "all-minilm"], token_delay_s=0.01).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def settings(state_dir: Path, session_ollama: Any) -> Any:
    os.environ["PYGENT_STATE_DIR"] = str(state_dir)
    os.environ["PYGENT_SERVE_PORT"] = str(free_port())
    os.environ["PYGENT_RAY_NAMESPACE"] = "pygent-test"
    os.environ["PYGENT_RAY_INCLUDE_DASHBOARD"] = "false"
    os.environ["PYGENT_RAY_OBJECT_STORE_MEMORY_MB"] = "200"
    # A quick monitor so the tests do not wait long. Hang detection keeps its defaults: the
    # platform's tests never hang an actor on purpose, and a 1.5 s ping timeout restarted busy
    # actors (bus/main, knowledge/main) in the middle of other tests on a loaded 2-core CI machine.
    os.environ["PYGENT_MONITOR_METRICS_INTERVAL_S"] = "1.0"
    os.environ["PYGENT_OLLAMA_HOST"] = session_ollama.url
    os.environ["PYGENT_OLLAMA_STATUS_INTERVAL_S"] = "0.5"
    # Short agent answers: the tests check mechanics, not prose.
    os.environ["PYGENT_AGENTS_MAX_ANSWER_TOKENS"] = "40"
    os.environ["PYGENT_MCP_PING_INTERVAL_S"] = "1.0"  # MCP server health events within a second
    # Workflow breakpoints (a file holds a workflow at a step): the crash tests kill the runner there.
    os.environ["PYGENT_WORKFLOWS_BREAKPOINTS_DIR"] = "workflow-breakpoints"
    # The MCP fetch server research analyses fetch URLs through (test_workflows.py adds it).
    os.environ["PYGENT_WORKFLOWS_FETCH_SERVER"] = "fetch-local"
    # One admin key makes thousands of requests (schemathesis); the login limit stays low
    # enough for tests/integration/test_auth.py to reach it.
    os.environ["PYGENT_AUTH_RATE_LIMIT"] = "100000/minute"
    os.environ["PYGENT_AUTH_LOGIN_RATE_LIMIT"] = "30/minute"
    from configs.settings import get_settings, load_settings

    get_settings.cache_clear()
    return load_settings()


@pytest.fixture(scope="session")
def ray_cluster(settings: Any) -> Iterator[None]:
    import ray

    from serve_app.platform import init_ray

    owns = init_ray(settings)
    assert owns
    yield
    ray.shutdown()


ADMIN = {"username": "admin", "password": "session-admin-" + secrets.token_hex(8)}


@pytest.fixture(scope="session")
def platform(settings: Any, ray_cluster: None) -> Iterator[Any]:
    """The whole platform: supervision tree (store, bus, ...) and the Serve gateway, with its
    first admin made as an operator does (through the local admin key, like `pygent users
    create-admin`) and an admin API key every test's HTTP carries (tests/integration/authed.py)."""
    from serve_app.client import connect
    from serve_app.platform import start_serve, start_tree, stop_platform

    start_tree(settings)
    url = start_serve(settings)
    wait_http(url + "api/v1/health")
    connect(settings=settings).create_user(ADMIN["username"], ADMIN["password"], "admin")
    token = login(url, ADMIN["username"], ADMIN["password"])
    created = httpx.post(
        url + "api/v1/api-keys",
        json={"name": "integration tests", "scopes": ["read", "write", "admin"]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert created.status_code == 201, created.text
    authed.HEADERS.clear()
    authed.HEADERS["Authorization"] = f"Bearer {created.json()['key']}"
    yield url
    stop_platform(settings, owns_cluster=False)


def login(url: str, username: str, password: str) -> str:
    """An access token (waits out the per-IP login limit when another test reached it)."""
    deadline = time.monotonic() + 120
    while True:
        answer = httpx.post(url + "api/v1/auth/login", json={"username": username, "password": password}, timeout=60)
        if answer.status_code == 429 and time.monotonic() < deadline:
            time.sleep(float(answer.headers.get("retry-after", "1")))
            continue
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])


@pytest.fixture(scope="session")
def auth_headers(platform: str) -> dict[str, str]:
    """The session admin's credentials as HTTP headers (an admin API key), for tests that
    open their own connections (WebSocket, MCP, OpenAI and Ollama clients, the browser)."""
    return dict(authed.HEADERS)


@pytest.fixture(scope="session")
def admin_key(auth_headers: dict[str, str]) -> str:
    return auth_headers["Authorization"].removeprefix("Bearer ")


@pytest.fixture
def admin_token(platform: str) -> str:
    """A fresh access token of the session admin (15 minutes; the browser tests' cookie)."""
    return login(platform, ADMIN["username"], ADMIN["password"])


@pytest.fixture(scope="session")
def client(platform: str, settings: Any, admin_key: str) -> Any:
    from serve_app.client import connect

    return connect(settings=settings, api_key=admin_key)
