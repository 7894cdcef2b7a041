"""A research analysis survives `pygent down` + `pygent up`: a platform of its own (its own
Ray cluster, database and state directory, as tests/integration/test_cli.py starts one) is
stopped while a workflow is held between two steps (a workflow breakpoint), then started
again; the new `workflows/main` resumes the workflow from its last recorded step and it
completes with one report. The model is the fake Ollama (each answer at once): the test is
about durability, and two platform starts already cost most of its time."""

from __future__ import annotations

import os
import shutil
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
from tests.own_platform import PYGENT, tear_down

pytestmark = [pytest.mark.integration, pytest.mark.own_platform]

MODEL = "workflow-down-up:latest"
INDEX = "down-up"
POINT = "before:reason"
LIMITS = {
    "max_sub_questions": 2,
    "search_k": 2,
    "max_facts": 2,
    "concurrency": 2,
    "plan_max_tokens": 48,
    "answer_max_tokens": 32,
    "summary_max_tokens": 40,
    "reasoning_turns": 0,
}


def reply(prompt: str) -> str:
    if "Break the research question" in prompt:
        return "1. What does a supervisor restart?\n2. How does the bus deliver events?\n"
    return "It restarts the children that crash [1]."


@pytest.fixture
def platform_env() -> Iterator[dict[str, str]]:
    from tests.fakes.ollama_server import FakeOllama

    fake = FakeOllama(models=[MODEL], token_delay_s=0.0).start()
    fake.responders[MODEL] = reply
    state = Path(tempfile.mkdtemp(prefix="pgw-", dir="/tmp"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYGENT_")}
    env.update(
        {
            "PYGENT_STATE_DIR": str(state),
            "PYGENT_SERVE_PORT": str(free_port()),
            "PYGENT_RAY_INCLUDE_DASHBOARD": "false",
            "PYGENT_RAY_NAMESPACE": "pygent-down-up",
            "PYGENT_RAY_OBJECT_STORE_MEMORY_MB": "150",
            "PYGENT_OLLAMA_HOST": fake.url,
            "PYGENT_WORKFLOWS_BREAKPOINTS_DIR": "breakpoints",
            "RAY_AUTH_MODE": "disabled",
        }
    )
    yield env
    tear_down(env, state)
    fake.stop()
    shutil.rmtree(state, ignore_errors=True)


def pygent(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([*PYGENT, *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"pygent {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


def admin(env: dict[str, str]) -> dict[str, str]:
    """The local admin key the platform writes for its own CLI (read again after each up)."""
    key = (Path(env["PYGENT_STATE_DIR"]) / "auth" / "local-admin.key").read_text().strip()
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.timeout(900)  # two platform starts: 70-90 s each on 2 quiet cores, 200-300 s loaded
def test_a_workflow_survives_pygent_down_and_up(platform_env: dict[str, str]) -> None:
    env = platform_env
    api = f"http://127.0.0.1:{env['PYGENT_SERVE_PORT']}/api/v1"
    gates = Path(env["PYGENT_STATE_DIR"]) / "breakpoints"
    gates.mkdir()
    pygent(env, "up", "--detach")
    headers = admin(env)
    made = httpx.post(f"{api}/search/indexes", json={"name": INDEX, "shards": 1}, headers=headers, timeout=120)
    assert made.status_code in (200, 201), made.text
    for name, text in (
        ("supervision.md", "# Supervision\n\nA supervisor restarts its children when they crash."),
        ("bus.md", "# The bus\n\nThe bus publishes events on topics, in order, to every subscriber."),
    ):
        doc = {"index": INDEX, "content": text, "format": "markdown", "metadata": {"source": name}}
        assert httpx.post(f"{api}/search/documents", json=doc, headers=headers, timeout=120).status_code in (200, 201)
    workflow_id = f"down-up-{uuid.uuid4().hex[:6]}"
    (gates / workflow_id).write_text(POINT)
    body = {
        "question": "How does a supervisor restart children, and how does the bus deliver events?",
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
    before = httpx.get(f"{api}/workflows/research-analysis/{workflow_id}/status", headers=headers, timeout=60).json()
    recorded = {s["step_id"]: s["completed_at"] for s in before["steps"] if s["status"] == "completed"}
    assert {s["name"] for s in before["steps"] if s["status"] == "completed"} == {"plan", "gather", "read"}

    pygent(env, "down")
    (gates / workflow_id).unlink()
    pygent(env, "up", "--detach")

    headers = admin(env)
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
        if step["step_id"] in recorded:
            assert step["completed_at"] == recorded[step["step_id"]], step
    logs = httpx.get(f"{api}/workflows/{workflow_id}/logs", headers=headers, timeout=60).json()["lines"]
    assert any("resumed by workflows/main" in line["message"] for line in logs)
    assert sum(1 for line in logs if line["step"] == "store") == 1  # the report stored once
