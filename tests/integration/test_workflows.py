"""Durable research-analysis workflows on the platform: end to end with the real embedded model
over a tiny index, a kill of workflows/main mid-workflow (it resumes and completes, its side
effects stored once), stop, bad input and unknown ids. Limits are tiny: each model call costs
real seconds, and assertions are on structure, never on the 135M model's wording."""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import ray

from actors.store.embedded import data_dir_for, postmaster_process
from actors.workflows.research import document_id_for
from protocols.addresses import STORE, WORKFLOWS, WORKFLOWS_SUPERVISOR
from tests.integration import authed
from tests.integration.agents_helpers import api, ws_url
from tests.integration.conftest import login

pytestmark = pytest.mark.integration

TIMEOUT = 300
PASSWORD = "workflow-owner-" + uuid.uuid4().hex[:12]
INDEX = "workflow-docs"
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
QUESTION = "How does a supervisor restart children, and how does the bus deliver events?"
DOCS = [
    (
        "supervision.md",
        "# Supervision\n\nA supervisor restarts its children when they crash. The one_for_one strategy restarts "
        "only the child that failed; rest_for_one restarts the failed child and those started after it.",
    ),
    (
        "bus.md",
        "# The message bus\n\nThe bus routes JSON-RPC requests between actors by address and publishes events "
        "on topics. Subscribers receive events in the order the bus published them.",
    ),
]
LIMIT_FIELD = "body.limits.max_sub_questions"
EXTRA_DOC = {
    "content": "# Restart intensity\n\nA supervisor that restarts too often within its period gives up and fails.",
    "source": "intensity.md",
}


@pytest.fixture(scope="module")
def docs_index(platform: str) -> str:
    created = authed.post(api(platform, "/search/indexes"), json={"name": INDEX, "shards": 1}, timeout=120)
    assert created.status_code in (200, 201, 409), created.text
    for name, text in DOCS:
        added = authed.post(
            api(platform, "/search/documents"),
            json={"index": INDEX, "content": text, "format": "markdown", "metadata": {"source": name}},
            timeout=120,
        )
        assert added.status_code in (200, 201), added.text
    return INDEX


def start(platform: str, **body: Any) -> dict[str, Any]:
    body.setdefault("limits", LIMITS)
    response = authed.post(api(platform, "/workflows/research-analysis"), json=body, timeout=TIMEOUT)
    assert response.status_code == 202, response.text
    return dict(response.json())


def status(platform: str, workflow_id: str) -> dict[str, Any]:
    response = authed.get(api(platform, f"/workflows/research-analysis/{workflow_id}/status"), timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return dict(response.json())


def result(platform: str, workflow_id: str, wait_s: float = 240) -> dict[str, Any]:
    response = authed.get(
        api(platform, f"/workflows/research-analysis/{workflow_id}/result"),
        params={"wait_s": wait_s},
        timeout=wait_s + 60,
    )
    assert response.status_code == 200, response.text
    view = dict(response.json())
    if view["workflow"]["status"] == "failed":  # what it said before it failed, for the assertion's message
        lines = authed.get(api(platform, f"/workflows/{workflow_id}/logs"), timeout=60).json()["lines"]
        view["log"] = [f"{line['step']}: {line['message']}" for line in lines]
    return view


def wait_for_steps(platform: str, workflow_id: str, done: int, timeout_s: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        view = status(platform, workflow_id)
        if sum(1 for s in view["steps"] if s["status"] == "completed") >= done:
            return view
        assert view["workflow"]["status"] in ("queued", "running"), view
        time.sleep(0.1)
    raise AssertionError(f"{workflow_id} did not record {done} steps in {timeout_s} s")


def assert_report(view: dict[str, Any]) -> dict[str, Any]:
    """A completed workflow's report: Markdown with the sections, every [n] a listed source."""
    workflow = view["workflow"]
    said = view.get("log")  # result() adds the log of a workflow that failed
    assert workflow["status"] == "completed", (
        f"{workflow['workflow_id']} {workflow['status']}: {workflow['error']} {said}"
    )
    report = view["report"]
    assert report is not None
    md = report["markdown"]
    for heading in ("# Research report:", "## Summary", "## Findings", "## Sources"):
        assert heading in md
    assert 1 <= len(report["sub_questions"]) <= LIMITS["max_sub_questions"]
    numbers = {c["number"] for c in report["citations"]}
    assert {int(n) for n in re.findall(r"\[(\d+)\]", md)} <= numbers
    assert report["citations"], "the tiny index always gives the report some sources"
    for citation in report["citations"]:
        assert citation["passage_id"].startswith(citation["document_id"] + ":")
    return dict(report)


def step_names(view: dict[str, Any]) -> list[str]:
    return [s["name"] for s in sorted(view["steps"], key=lambda s: s["step_id"])]


def events_until_finished(ws: Any, workflow_id: str, timeout_s: float = 240) -> list[dict[str, Any]]:
    """The `workflows` topic's events of one workflow, through its `workflow_finished`."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            message = json.loads(ws.recv(timeout=1))
        except TimeoutError:
            continue
        if message.get("topic") == "workflows" and (message.get("data") or {}).get("workflow_id") == workflow_id:
            seen.append(message)
            if message["type"] == "workflow_finished":
                return seen
    raise AssertionError(f"no workflow_finished for {workflow_id}: {[m['type'] for m in seen]}")


def test_research_analysis_end_to_end(platform: str, docs_index: str) -> None:
    with authed.ws_connect(ws_url(platform), open_timeout=30) as ws:
        assert json.loads(ws.recv(timeout=30))["type"] == "connection_status"
        ws.send(json.dumps({"type": "subscribe", "topics": ["workflows"], "ref": 1}))
        while json.loads(ws.recv(timeout=30))["type"] != "subscribed":
            pass
        started = start(platform, question=QUESTION, index=docs_index)
        assert started["status"] in ("queued", "running") and started["index"] == docs_index
        workflow_id = started["workflow_id"]
        events = events_until_finished(ws, workflow_id)
    # a browser subscribed to `workflows` saw the steps and log lines live, then the end
    kinds = {m["type"] for m in events}
    assert {"workflow_started", "workflow_step", "workflow_log"} <= kinds
    assert events[-1]["data"]["status"] == "completed"
    assert {m["data"]["step"] for m in events if m["type"] == "workflow_step"} >= {"plan", "reason", "store"}
    view = result(platform, workflow_id)
    report = assert_report(view)
    final = status(platform, workflow_id)
    subs = len(report["sub_questions"])
    assert step_names(final) == ["plan"] + ["gather"] * subs + ["read"] * subs + ["reason"] * subs + [
        "synthesise",
        "store",
    ]
    assert final["progress"] == 1.0 and final["current_step"] is None
    # Markdown export
    md = authed.get(
        api(platform, f"/workflows/research-analysis/{workflow_id}/result"), params={"format": "markdown"}, timeout=60
    )
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert md.text == report["markdown"]
    # logs: each step said what it did, in order
    lines = authed.get(api(platform, f"/workflows/{workflow_id}/logs"), timeout=60).json()["lines"]
    steps_logged = [line["step"] for line in lines if line["step"]]
    assert steps_logged.index("plan") < steps_logged.index("gather") < steps_logged.index("store")
    assert [line["seq"] for line in lines] == sorted(line["seq"] for line in lines)
    listed = authed.get(api(platform, "/workflows"), timeout=60).json()
    assert any(w["workflow_id"] == workflow_id and w["has_report"] for w in listed["workflows"])
    # the same id again is the same workflow (idempotency key)
    again = start(platform, question=QUESTION, index=docs_index, workflow_id=workflow_id)
    assert again["workflow_id"] == workflow_id and again["status"] == "completed"


KILLS_MODEL = "workflow-kills:latest"
KILLS_INDEX = "workflow-kills"
KILLS_LIMITS = {**LIMITS, "max_sub_questions": 2, "reasoning_turns": 0}
KILLS_PLAN = "1. What does a supervisor restart?\n2. How does the bus deliver events?\n"


def kills_reply(prompt: str) -> str:
    return KILLS_PLAN if "Break the research question" in prompt else "It restarts the children that crash [1]."


@pytest.fixture(scope="module")
def kills(platform: str, settings: Any, session_ollama: Any) -> dict[str, Any]:
    """What the kill tests share: an index of their own (each run adds a document to it), a
    model on the fake Ollama that answers at once with the same plan (the tests are about
    durability, and each kill case runs a whole workflow), and the breakpoints directory."""
    session_ollama.add_model(KILLS_MODEL)
    session_ollama.responders[KILLS_MODEL] = kills_reply
    created = authed.post(api(platform, "/search/indexes"), json={"name": KILLS_INDEX, "shards": 1}, timeout=120)
    assert created.status_code in (200, 201, 409), created.text
    for name, text in DOCS:
        added = authed.post(
            api(platform, "/search/documents"),
            json={"index": KILLS_INDEX, "content": text, "format": "markdown", "metadata": {"source": name}},
            timeout=120,
        )
        assert added.status_code in (200, 201), added.text
    gates = settings.state_path / settings.workflows.breakpoints_dir
    gates.mkdir(parents=True, exist_ok=True)
    body = {
        "question": QUESTION,
        "index": KILLS_INDEX,
        "model": KILLS_MODEL,
        "mode": "rag_only",
        "documents": [EXTRA_DOC],
        "limits": KILLS_LIMITS,
    }
    # the same research without a kill: what each killed run's report must match in structure
    unkilled = start(platform, **body)["workflow_id"]
    report = assert_report(result(platform, unkilled))
    return {"body": body, "gates": gates, "report": report, "steps": step_names(status(platform, unkilled))}


def shape(report: dict[str, Any]) -> dict[str, Any]:
    """A report's structure: its sections, its findings' count, its citations' numbering and fields."""
    md = report["markdown"]
    return {
        "sections": [line for line in md.splitlines() if line.startswith("## ")],
        "findings": len(re.findall(r"^### \d+\. ", md, re.MULTILINE)),
        "sub_questions": len(report["sub_questions"]),
        "numbers": [c["number"] for c in report["citations"]] == list(range(1, len(report["citations"]) + 1)),
        "fields": sorted({k for c in report["citations"] for k in c}),
        "cited": bool(report["citations"]),
    }


def wait_held(gates: Any, workflow_id: str, point: str, timeout_s: float = 240) -> None:
    held = gates / f"{workflow_id}.held"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if held.exists() and held.read_text().strip() == point:
            return
        time.sleep(0.05)
    raise AssertionError(f"{workflow_id} did not reach its breakpoint {point} in {timeout_s} s")


@pytest.mark.parametrize(
    ("point", "what"),
    [
        ("before:gather", "after plan"),
        ("before:read", "after gather"),
        ("before:reason", "after read"),
        ("before:synthesise", "after reason"),
        ("before:store", "after synthesise"),
        ("inside:ingest", "in the ingest step, its document stored, its output not recorded"),
        ("inside:store", "in the store step, its report stored, its output not recorded"),
    ],
)
def test_a_kill_of_the_runner_resumes_and_stores_side_effects_once(
    platform: str, client: Any, kills: dict[str, Any], point: str, what: str
) -> None:
    """A breakpoint (workflows.breakpoints_dir) holds the workflow at the point; workflows/main
    is killed there (ray.kill; its supervisor starts it again and DBOS recovers the workflow)."""
    where, step = point.split(":")
    gates = kills["gates"]
    workflow_id = f"kill-{where}-{step}-{uuid.uuid4().hex[:6]}"
    (gates / workflow_id).write_text(point)
    restarts = client.tree().find(WORKFLOWS).restarts
    start(platform, workflow_id=workflow_id, **kills["body"])
    wait_held(gates, workflow_id, point)
    before = status(platform, workflow_id)
    assert before["workflow"]["status"] == "running"
    recorded = {s["step_id"]: s for s in before["steps"] if s["status"] == "completed"}
    # held before a step: none of its kind is recorded; held inside one: its work is done, unrecorded
    assert step not in {s["name"] for s in recorded.values()}, what
    stored_before = ray.get(client.actor(WORKFLOWS).side_effects.remote(workflow_id), timeout=60)
    assert stored_before["reports"] == (1 if point == "inside:store" else 0)
    client.kill(WORKFLOWS)
    client.wait_until_running(WORKFLOWS, timeout_s=120, min_restarts=restarts + 1)
    (gates / workflow_id).unlink()  # the new runner may be held there again: this lets it on
    view = result(platform, workflow_id)
    report = assert_report(view)
    final = status(platform, workflow_id)
    # the same steps as the run without a kill, none recorded twice, the earlier ones not run again
    assert step_names(final) == kills["steps"]
    ids = [s["step_id"] for s in final["steps"]]
    assert len(ids) == len(set(ids))
    for step_id, done in recorded.items():
        after = next(s for s in final["steps"] if s["step_id"] == step_id)
        assert after["completed_at"] == done["completed_at"], f"step {step_id} ran again after a kill {what}"
    assert shape(report) == shape(kills["report"])
    # side effects exactly once: one report with its citations, one ingested document
    counted = ray.get(client.actor(WORKFLOWS).side_effects.remote(workflow_id), timeout=60)
    assert counted == {"reports": 1, "citations": len(report["citations"])}
    document = authed.get(api(platform, f"/search/documents/{document_id_for(workflow_id, 0)}"), timeout=60)
    assert document.status_code == 200, document.text
    assert document.json()["chunks"] >= 1
    lines = authed.get(api(platform, f"/workflows/{workflow_id}/logs"), timeout=60).json()["lines"]
    assert any("resumed by workflows/main" in line["message"] for line in lines)
    ingested = [line["message"] for line in lines if line["step"] == "ingest" and "intensity.md" in line["message"]]
    if point == "inside:ingest":  # cut off after the add: the step ran again and found it stored
        assert len(ingested) == 2 and "already stored" in ingested[1], ingested
    else:
        assert len(ingested) == 1, ingested


def test_a_workflow_recorded_but_never_started_is_started_by_the_next_runner(
    platform: str, client: Any, kills: dict[str, Any]
) -> None:
    """The runner dies after `start` recorded the run and before DBOS had it (the breakpoint
    `before:start`): without recovery it would stay `queued` forever; the next runner starts it."""
    gates = kills["gates"]
    workflow_id = f"unstarted-{uuid.uuid4().hex[:6]}"
    (gates / workflow_id).write_text("before:start")
    restarts = client.tree().find(WORKFLOWS).restarts
    answers: list[int] = []

    def post() -> None:  # held inside the runner until it is killed
        url = api(platform, "/workflows/research-analysis")
        answers.append(
            authed.post(url, json={"workflow_id": workflow_id, **kills["body"]}, timeout=TIMEOUT).status_code
        )

    poster = threading.Thread(target=post, daemon=True)
    poster.start()
    wait_held(gates, workflow_id, "before:start")
    assert status(platform, workflow_id)["workflow"]["status"] == "queued"  # recorded, not DBOS's
    client.kill(WORKFLOWS)
    client.wait_until_running(WORKFLOWS, timeout_s=120, min_restarts=restarts + 1)
    (gates / workflow_id).unlink()
    report = assert_report(result(platform, workflow_id))
    assert shape(report) == shape(kills["report"])
    assert step_names(status(platform, workflow_id)) == kills["steps"]
    counted = ray.get(client.actor(WORKFLOWS).side_effects.remote(workflow_id), timeout=60)
    assert counted == {"reports": 1, "citations": len(report["citations"])}
    lines = authed.get(api(platform, f"/workflows/{workflow_id}/logs"), timeout=60).json()["lines"]
    assert any("its runner died before it started" in line["message"] for line in lines)
    poster.join(timeout=TIMEOUT)
    assert answers and answers[0] != 500, answers  # the cut-off start: a clear error or its summary


def test_the_workflow_runtime_and_its_database_down_and_up_mid_workflow(
    platform: str, client: Any, settings: Any, kills: dict[str, Any]
) -> None:
    """The closest the shared platform gets to `pygent down` + `pygent up`: mid-workflow, the
    database server is killed (kill -9 of the postmaster) and the whole `supervisor/workflows`
    subtree with it; both come back by supervision and the workflow resumes and completes."""
    gates = kills["gates"]
    workflow_id = f"down-up-{uuid.uuid4().hex[:6]}"
    (gates / workflow_id).write_text("before:reason")
    store_restarts = client.tree().find(STORE).restarts
    subtree_restarts = client.tree().find(WORKFLOWS_SUPERVISOR).restarts
    start(platform, workflow_id=workflow_id, **kills["body"])
    wait_held(gates, workflow_id, "before:reason")
    recorded = {s["step_id"]: s for s in status(platform, workflow_id)["steps"] if s["status"] == "completed"}
    postmaster = postmaster_process(data_dir_for(settings.state_path))
    assert postmaster is not None
    os.kill(postmaster.pid, signal.SIGKILL)
    client.kill(WORKFLOWS_SUPERVISOR)
    client.wait_until_running(STORE, timeout_s=180, min_restarts=store_restarts + 1)
    client.wait_until_running(WORKFLOWS_SUPERVISOR, timeout_s=180, min_restarts=subtree_restarts + 1)
    client.wait_until_running(WORKFLOWS, timeout_s=180)
    (gates / workflow_id).unlink()
    report = assert_report(result(platform, workflow_id))
    assert shape(report) == shape(kills["report"])
    final = status(platform, workflow_id)
    assert step_names(final) == kills["steps"]
    for step_id, done in recorded.items():
        after = next(s for s in final["steps"] if s["step_id"] == step_id)
        assert after["completed_at"] == done["completed_at"], f"step {step_id} ran again"
    counted = ray.get(client.actor(WORKFLOWS).side_effects.remote(workflow_id), timeout=60)
    assert counted == {"reports": 1, "citations": len(report["citations"])}


def user_headers(platform: str, role: str) -> dict[str, str]:
    name = f"wf-{role}-{uuid.uuid4().hex[:6]}"
    made = authed.post(api(platform, "/users"), json={"username": name, "password": PASSWORD, "role": role}, timeout=60)
    assert made.status_code == 201, made.text
    return {"Authorization": f"Bearer {login(platform, name, PASSWORD)}"}


def test_a_workflow_belongs_to_the_user_who_started_it(platform: str, settings: Any, kills: dict[str, Any]) -> None:
    owner, other, viewer = (user_headers(platform, role) for role in ("user", "user", "viewer"))
    body = {**kills["body"], "index": settings.knowledge.default_index, "documents": []}
    started = httpx.post(api(platform, "/workflows/research-analysis"), json=body, headers=owner, timeout=TIMEOUT)
    assert started.status_code == 202, started.text
    workflow_id = started.json()["workflow_id"]
    paths = [
        ("GET", f"/workflows/research-analysis/{workflow_id}/status"),
        ("GET", f"/workflows/research-analysis/{workflow_id}/result"),
        ("GET", f"/workflows/{workflow_id}/logs"),
        ("POST", f"/workflows/stop/{workflow_id}"),
        ("POST", f"/workflows/retry/{workflow_id}"),
    ]
    # another user: 404 everywhere, as for a workflow that does not exist; not in their list
    for method, path in paths:
        answer = httpx.request(method, api(platform, path), headers=other, timeout=60)
        assert answer.status_code == 404, (method, path, answer.text)
        assert answer.json()["field"] == "workflow_id"
    theirs = httpx.get(api(platform, "/workflows"), headers=other, timeout=60).json()
    assert workflow_id not in {w["workflow_id"] for w in theirs["workflows"]}
    taken = httpx.post(
        api(platform, "/workflows/research-analysis"),
        json={**body, "workflow_id": workflow_id},
        headers=other,
        timeout=60,
    )
    assert taken.status_code == 409 and taken.json()["field"] == "workflow_id"
    # a viewer may not start, stop or retry (and sees no one else's either)
    refused = httpx.post(api(platform, "/workflows/research-analysis"), json=body, headers=viewer, timeout=60)
    assert refused.status_code == 403, refused.text
    for method, path in paths[3:]:
        assert httpx.request(method, api(platform, path), headers=viewer, timeout=60).status_code == 403
    assert httpx.get(api(platform, paths[0][1]), headers=viewer, timeout=60).status_code == 404
    # the owner sees it, alone in their list; an admin sees it and everyone's
    done = httpx.get(api(platform, paths[1][1]), params={"wait_s": 240}, headers=owner, timeout=300)
    assert done.status_code == 200 and done.json()["workflow"]["status"] == "completed", done.text
    mine = httpx.get(api(platform, "/workflows"), headers=owner, timeout=60).json()
    assert [w["workflow_id"] for w in mine["workflows"]] == [workflow_id] and mine["total"] == 1
    assert authed.get(api(platform, paths[0][1]), timeout=60).status_code == 200
    everyone = authed.get(api(platform, "/workflows"), params={"limit": 500}, timeout=60).json()
    assert workflow_id in {w["workflow_id"] for w in everyone["workflows"]} and everyone["total"] > 1


FETCH_SERVER = "fetch-local"  # workflows.fetch_server in tests/integration/conftest.py
PAGE = (
    "<html><head><title>Heartbeats</title></head><body><article><h1>Heartbeats</h1>"
    "<p>A supervisor pings each child every half second; a child that misses three pings in a row "
    "is treated as hung and restarted with the heartbeat-marker-{token}.</p></article></body></html>"
)


@pytest.fixture
def local_site() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 (no internet here) with one page; the paths it was asked for."""
    token = uuid.uuid4().hex[:8]
    asked: list[str] = []

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            found = self.path == "/heartbeats.html"
            body = PAGE.format(token=token).encode() if found else b"not here"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8" if found else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/heartbeats.html#{token}", asked
    server.shutdown()
    server.server_close()


def test_urls_are_fetched_through_the_mcp_fetch_server(
    platform: str, kills: dict[str, Any], local_site: tuple[str, list[str]]
) -> None:
    """The request's URL through mcp-server-fetch (the reference server, run as a stdio MCP
    server of the platform, loopback allowed for this test) into the index, cited in the report."""
    url, asked = local_site
    token = url.rsplit("#", 1)[1]
    added = authed.post(
        api(platform, "/mcp/servers"),
        json={
            "id": FETCH_SERVER,
            "command": "mcp-server-fetch",
            "args": ["--allow-private-ips", "--ignore-robots-txt"],
        },
        timeout=120,
    )
    assert added.status_code in (201, 409), added.text
    try:
        deadline = time.monotonic() + 120
        while (server := authed.get(api(platform, f"/mcp/servers/{FETCH_SERVER}"), timeout=30).json())[
            "status"
        ] != "ready":
            assert time.monotonic() < deadline, f"the fetch server did not start: {server}"
            time.sleep(0.5)
        body = {**kills["body"], "documents": [], "urls": [url.split("#")[0], "http://127.0.0.1:9/nothing-listens"]}
        workflow_id = start(platform, **body)["workflow_id"]
        assert_report(result(platform, workflow_id))
        assert "/heartbeats.html" in asked
        # the log first: if the page is not in the index, its ingest lines say why
        lines = authed.get(api(platform, f"/workflows/{workflow_id}/logs"), timeout=60).json()["lines"]
        ingest = [line["message"] for line in lines if line["step"] == "ingest"]
        assert any("heartbeats.html" in m and "chunks" in m for m in ingest), ingest
        # an unreachable URL is skipped with a warning; the research goes on
        assert any("could not fetch http://127.0.0.1:9/nothing-listens" in m for m in ingest), ingest
        document = authed.get(api(platform, f"/search/documents/{document_id_for(workflow_id, 0)}"), timeout=60)
        assert document.status_code == 200, document.text
        found = authed.post(
            api(platform, "/search/keyword"),
            json={"query": f"heartbeat-marker-{token}", "index": KILLS_INDEX, "k": 3},
            timeout=60,
        )
        assert found.status_code == 200, found.text
        assert token in json.dumps(found.json())
    finally:
        authed.delete(api(platform, f"/mcp/servers/{FETCH_SERVER}"), timeout=60)


def test_stop_cancels_at_the_next_step_boundary(platform: str, docs_index: str) -> None:
    workflow_id = start(platform, question=QUESTION, index=docs_index)["workflow_id"]
    wait_for_steps(platform, workflow_id, 1)
    stopped = authed.post(api(platform, f"/workflows/stop/{workflow_id}"), timeout=60)
    acknowledged = datetime.now().astimezone()
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["status"] == "cancelled"
    time.sleep(3.0)  # long enough for a step to have started if the stop were not kept
    view = status(platform, workflow_id)
    assert view["workflow"]["status"] == "cancelled" and view["current_step"] is None
    for step in view["steps"]:
        assert step["started_at"] is None or datetime.fromisoformat(step["started_at"]) <= acknowledged, step
    assert "store" not in step_names(view)
    assert result(platform, workflow_id, wait_s=0)["report"] is None
    # a cancelled workflow can be resumed; a completed one cannot be retried
    retried = authed.post(api(platform, f"/workflows/retry/{workflow_id}"), timeout=60)
    assert retried.status_code == 202, retried.text
    assert_report(result(platform, workflow_id))
    again = authed.post(api(platform, f"/workflows/retry/{workflow_id}"), timeout=60)
    assert again.status_code == 409 and again.json()["field"] == "workflow_id"


def test_the_research_agent_answers_with_a_workflow_report(platform: str, docs_index: str) -> None:
    """A user's research agent: the report comes back in chat, and the workflow it ran is that
    user's (in their list, not another user's)."""
    user, other = user_headers(platform, "user"), user_headers(platform, "user")
    body = {"type": "research", "name": "researcher"}
    made = httpx.post(api(platform, "/agents"), json=body, headers=user, timeout=60)
    assert made.status_code == 201, made.text
    agent = made.json()
    question = f"What does the one_for_one strategy restart? ({uuid.uuid4().hex[:6]})"
    url = api(platform, f"/agents/{agent['id']}/message")
    response = httpx.post(url, json={"message": question}, headers=user, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["agent_type"] == "research" and answer["response"].startswith("# Research report:")
    mine = httpx.get(api(platform, "/workflows"), headers=user, timeout=60).json()["workflows"]
    assert [w["status"] for w in mine if w["question"] == question] == ["completed"], mine
    theirs = httpx.get(api(platform, "/workflows"), headers=other, timeout=60).json()["workflows"]
    assert all(w["question"] != question for w in theirs)
    httpx.delete(api(platform, f"/agents/{agent['id']}"), headers=user, timeout=60)


FLAKY = "workflow-flaky:latest"


def test_a_failed_workflow_is_retried_from_its_failed_step(platform: str, session_ollama: Any, docs_index: str) -> None:
    """A model on the fake Ollama that fails every answer: the workflow fails in its reason
    steps; once the model answers again, retry runs from there, the earlier steps kept."""
    session_ollama.add_model(FLAKY)
    model_down = {"now": True}

    def respond(prompt: str) -> str:
        if "Break the research question" in prompt:
            return "1. What does a supervisor restart?\n"
        if model_down["now"]:
            raise RuntimeError("the model is down")
        return "It restarts the children that crash [1]."

    session_ollama.responders[FLAKY] = respond
    workflow_id = start(platform, question=QUESTION, index=docs_index, model=FLAKY)["workflow_id"]
    failed = result(platform, workflow_id)
    assert failed["workflow"]["status"] == "failed" and failed["workflow"]["error"], failed
    before = status(platform, workflow_id)
    assert next(s["status"] for s in before["steps"] if s["name"] == "reason") == "failed"
    kept = {s["step_id"]: s["completed_at"] for s in before["steps"] if s["status"] == "completed"}
    assert {s["name"] for s in before["steps"] if s["status"] == "completed"} == {"plan", "gather", "read"}
    model_down["now"] = False
    retried = authed.post(api(platform, f"/workflows/retry/{workflow_id}"), timeout=60)
    assert retried.status_code == 202, retried.text
    assert_report(result(platform, workflow_id))
    after = {s["step_id"]: s for s in status(platform, workflow_id)["steps"]}
    for step_id, completed_at in kept.items():
        assert after[step_id]["completed_at"] == completed_at, f"step {step_id} ran again"
    lines = authed.get(api(platform, f"/workflows/{workflow_id}/logs"), timeout=60).json()["lines"]
    assert any(line["message"].startswith("retry from step") for line in lines)


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"question": ""}, 422, "body.question"),
        ({"question": "What is a supervisor?", "mode": "telepathy"}, 422, "body.mode"),
        ({"question": "What is a supervisor?", "mode": "direct"}, 422, "mode"),
        ({"question": "What is a supervisor?", "index": "no-such-index"}, 404, "index"),
        ({"question": "What is a supervisor?", "model": "no-such-model:7b"}, 422, "model"),
        (
            {"question": "What is a supervisor?", "limits": {"max_sub_questions": 0}},
            422,
            "body.limits.max_sub_questions",
        ),
        ({"question": "What is a supervisor?", "workflow_id": "bad id!"}, 422, "body.workflow_id"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    platform: str, docs_index: str, body: dict[str, Any], code: int, field: str
) -> None:
    response = authed.post(api(platform, "/workflows/research-analysis"), json=body, timeout=60)
    assert response.status_code == code, response.text
    assert response.json()["field"] == field


def test_unknown_ids_are_404(platform: str) -> None:
    for method, path in (
        ("GET", "/workflows/research-analysis/nosuchworkflow/status"),
        ("GET", "/workflows/research-analysis/nosuchworkflow/result"),
        ("GET", "/workflows/nosuchworkflow/logs"),
        ("POST", "/workflows/stop/nosuchworkflow"),
        ("POST", "/workflows/retry/nosuchworkflow"),
    ):
        response = authed.request(method, api(platform, path), timeout=60)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["field"] == "workflow_id"
