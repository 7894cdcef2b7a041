"""`pygent up --detach`, `status`, `kill`, `down` as a user runs them, in their own cluster.

Across one `pygent down` + `pygent up` on the same state directory:
- the store keeps what it recorded before;
- a research analysis held between two steps (a workflow breakpoint) is resumed by the new
  `workflows/main` from its last recorded step and completes with one report;
- `pygent down` leaves no process behind.

One platform serves all of it: each `up` costs 65-90 s on a quiet 2-core machine. The
workflow's model is the fake Ollama (each answer at once): what is tested is durability.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.integration.test_workflows import LIMITS, QUESTION  # the workflow tests' small research
from tests.own_platform import PYGENT, describe, processes_of, tear_down

pytestmark = [pytest.mark.integration, pytest.mark.own_platform]

MODEL = "workflow-down-up:latest"
INDEX = "down-up"
POINT = "before:reason"


def reply(prompt: str) -> str:
    if "Break the research question" in prompt:
        return "1. What does a supervisor restart?\n2. How does the bus deliver events?\n"
    return "It restarts the children that crash [1]."


@pytest.fixture
def cli_env() -> Iterator[dict[str, str]]:
    from tests.fakes.ollama_server import FakeOllama

    fake = FakeOllama(models=[MODEL], token_delay_s=0.0).start()
    fake.responders[MODEL] = reply
    state = Path(tempfile.mkdtemp(prefix="pgc-", dir="/tmp"))
    # as a user runs it: Ray's token authentication on (the suite's own cluster runs without)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYGENT_", "RAY_AUTH_"))}
    env.update(
        {
            "PYGENT_STATE_DIR": str(state),
            "PYGENT_SERVE_PORT": str(free_port()),
            "PYGENT_RAY_DASHBOARD_PORT": str(free_port()),
            "PYGENT_RAY_NAMESPACE": "pygent-cli",
            "PYGENT_RAY_OBJECT_STORE_MEMORY_MB": "150",
            "PYGENT_OLLAMA_HOST": fake.url,
            "PYGENT_WORKFLOWS_BREAKPOINTS_DIR": "breakpoints",
            "COLUMNS": "200",
        }
    )
    yield env
    tear_down(env, state)
    fake.stop()
    shutil.rmtree(state, ignore_errors=True)


def pygent(env: dict[str, str], *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([*PYGENT, *args], env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"pygent {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def local_admin(state_dir: str) -> dict[str, str]:
    """The local admin key the platform wrote for its own CLI (mode 0600), as HTTP headers."""
    key_file = Path(state_dir) / "auth" / "local-admin.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    return {"Authorization": f"Bearer {key_file.read_text().strip()}"}


# Two `up`s of a whole platform: 65-90 s each on a quiet 2-core machine, twice that beside the
# suite's own cluster (CI ran out of the default 300 s). Each `up` is bounded at 900 s itself.
@pytest.mark.timeout(1200)
def test_up_status_kill_down_up_keeps_the_store_and_resumes_a_workflow(cli_env: dict[str, str]) -> None:
    state_dir = cli_env["PYGENT_STATE_DIR"]
    url = f"http://127.0.0.1:{cli_env['PYGENT_SERVE_PORT']}/"

    up = pygent(cli_env, "up", "--detach", timeout=900)  # a loaded machine starts slowly
    assert url in up.stdout
    assert httpx.get(url + "api/v1/health", timeout=30).json()["status"] == "ok"

    # Ray's dashboard and Jobs API refuse a caller without the cluster's token (0600, in the state dir)
    token_file = Path(state_dir) / "ray-auth-token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600 and str(token_file) in up.stdout
    dashboard = f"http://127.0.0.1:{cli_env['PYGENT_RAY_DASHBOARD_PORT']}"
    for path in ("/api/version", "/api/jobs/", "/nodes?view=summary"):
        assert httpx.get(dashboard + path, timeout=30).status_code == 401, path
    assert (
        httpx.get(dashboard + "/api/version", headers={"Authorization": "Bearer wrong"}, timeout=30).status_code == 403
    )
    bearer = {"Authorization": f"Bearer {token_file.read_text().strip()}"}
    assert httpx.get(dashboard + "/api/version", headers=bearer, timeout=30).status_code == 200

    # no default account: the first admin comes from the CLI (with the local admin key)
    assert httpx.get(url + "api/v1/auth/setup", timeout=30).json() == {"needs_setup": True}
    made = subprocess.run(
        [*PYGENT, "users", "create-admin", "operator", "--password-stdin"],
        env=cli_env,
        input="operator-password-1\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0 and "operator" in made.stdout, made.stderr
    logged_in = httpx.post(
        url + "api/v1/auth/login", json={"username": "operator", "password": "operator-password-1"}, timeout=60
    )
    assert logged_in.status_code == 200 and logged_in.json()["user"]["role"] == "admin"
    # a key the platform does not know: the CLI refuses
    stranger = subprocess.run(
        [*PYGENT, "status"],
        env={**cli_env, "PYGENT_API_KEY": "pgk_nobody_0000"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert stranger.returncode == 1 and "refuses the API key" in stranger.stderr

    tree = json.loads(pygent(cli_env, "status", "--json").stdout)
    assert tree["address"] == "supervisor/root" and tree["state"] == "running"
    children = {c["address"]: c for c in tree["children"]}
    assert {"store/main", "bus/main", "monitor/main"} <= set(children)
    assert all({"address", "state", "restarts", "children"} <= set(c) for c in children.values())
    human = pygent(cli_env, "status").stdout
    assert "bus/main" in human and "restarts=" in human

    killed = pygent(cli_env, "kill", "bus/main")
    assert "running again" in killed.stdout
    tree = json.loads(pygent(cli_env, "status", "--json").stdout)
    assert next(c for c in tree["children"] if c["address"] == "bus/main")["restarts"] == 1

    def recorded() -> list[dict[str, object]]:
        events: list[dict[str, object]] = []
        deadline = time.monotonic() + 15
        while not events and time.monotonic() < deadline:
            body = httpx.get(
                url + "api/v1/system/events", headers=local_admin(state_dir), params={"child": "bus/main"}, timeout=30
            ).json()
            events = body["events"]
            time.sleep(0.2)
        return events

    before = recorded()
    assert before and before[-1]["action"] == "restart"

    gates = Path(state_dir) / "breakpoints"
    workflow_id, steps_before = start_a_held_workflow(url + "api/v1", local_admin(state_dir), gates)

    pygent(cli_env, "down")
    leftovers = describe(processes_of(state_dir))
    assert leftovers == [], f"processes left behind by `pygent down`: {leftovers}"
    with pytest.raises(httpx.HTTPError):
        httpx.get(url + "api/v1/health", timeout=5)
    (gates / workflow_id).unlink()  # the workflow's hold ends; it resumes on the next `up`

    # Restart on the same state directory: the store still has what it recorded.
    pygent(cli_env, "up", "--detach", timeout=900)
    after = recorded()
    assert [e["at"] for e in after][: len(before)] == [e["at"] for e in before]
    assert_resumed_and_completed(url + "api/v1", local_admin(state_dir), workflow_id, steps_before)
    pygent(cli_env, "down")
    assert describe(processes_of(state_dir)) == []


def start_a_held_workflow(api: str, headers: dict[str, str], gates: Path) -> tuple[str, dict[str, Any]]:
    """A research analysis held before its reason steps (a breakpoint file in `gates`): its
    id and the completion times of the steps recorded before the hold."""
    made = httpx.post(f"{api}/search/indexes", json={"name": INDEX, "shards": 1}, headers=headers, timeout=120)
    assert made.status_code in (200, 201), made.text
    for name, text in (
        ("supervision.md", "# Supervision\n\nA supervisor restarts its children when they crash."),
        ("bus.md", "# The bus\n\nThe bus publishes events on topics, in order, to every subscriber."),
    ):
        doc = {"index": INDEX, "content": text, "format": "markdown", "metadata": {"source": name}}
        added = httpx.post(f"{api}/search/documents", json=doc, headers=headers, timeout=120)
        assert added.status_code in (200, 201), added.text
    workflow_id = f"down-up-{uuid.uuid4().hex[:6]}"
    gates.mkdir(exist_ok=True)
    (gates / workflow_id).write_text(POINT)
    body = {
        "question": QUESTION,
        "index": INDEX,
        "model": MODEL,
        "mode": "rag_only",
        "limits": LIMITS,
        "workflow_id": workflow_id,
    }
    started = httpx.post(f"{api}/workflows/research-analysis", json=body, headers=headers, timeout=120)
    assert started.status_code == 202, started.text
    held = gates / f"{workflow_id}.held"
    deadline = time.monotonic() + 180
    while not (held.exists() and held.read_text().strip() == POINT):
        assert time.monotonic() < deadline, f"{workflow_id} never reached {POINT}"
        time.sleep(0.1)
    status = httpx.get(f"{api}/workflows/research-analysis/{workflow_id}/status", headers=headers, timeout=60).json()
    completed = [s for s in status["steps"] if s["status"] == "completed"]
    assert {s["name"] for s in completed} == {"plan", "gather", "read"}
    return workflow_id, {s["step_id"]: s["completed_at"] for s in completed}


def assert_resumed_and_completed(
    api: str, headers: dict[str, str], workflow_id: str, steps_before: dict[str, Any]
) -> None:
    """The workflow resumed from its last recorded step (those before keep their record) and
    completed with one report."""
    answer = httpx.get(
        f"{api}/workflows/research-analysis/{workflow_id}/result", params={"wait_s": 180}, headers=headers, timeout=240
    )
    assert answer.status_code == 200, answer.text
    view: dict[str, Any] = answer.json()
    assert view["workflow"]["status"] == "completed", view["workflow"]
    report = view["report"]
    assert report is not None and report["markdown"].startswith("# Research report:")
    assert len(report["sub_questions"]) == 2 and report["citations"]
    after = httpx.get(f"{api}/workflows/research-analysis/{workflow_id}/status", headers=headers, timeout=60).json()
    names = [s["name"] for s in sorted(after["steps"], key=lambda s: s["step_id"])]
    assert names == ["plan", "gather", "gather", "read", "read", "reason", "reason", "synthesise", "store"]
    for step in after["steps"]:  # recorded before the down: not run again
        if step["step_id"] in steps_before:
            assert step["completed_at"] == steps_before[step["step_id"]], step
    logs = httpx.get(f"{api}/workflows/{workflow_id}/logs", headers=headers, timeout=60).json()["lines"]
    assert any("resumed by workflows/main" in line["message"] for line in logs)
    assert sum(1 for line in logs if line["step"] == "store") == 1  # the report stored once
