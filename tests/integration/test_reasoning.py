"""Reasoning sessions on the platform: every mode end to end with the real embedded model
(SmolLM2-135M, so assertions are on mechanics, never on wording), live events on /ws, stop,
resume after a kill of the session's actor, bad input, the `reasoning` tool on /mcp, and the
`reasoning` agent type. Parameters are kept small: each model call costs real seconds."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

import pytest

from tests.fakes.reasoning_models import game24_responder
from tests.integration import authed
from tests.integration.agents_helpers import api, create_agent, ws_url

pytestmark = pytest.mark.integration

TIMEOUT = 300
INDEX = "reasoning-docs"
# A tiny tree: one or two calls per level, short completions.
SMALL_TOT = {
    "beam_width": 1,
    "max_depth": 2,
    "n_evaluate_sample": 1,
    "max_proposals": 3,
    "max_tokens": 48,
    "max_steps": 4,
}
SMALL_RAG = {"k": 2, "max_tokens": 32}
SMALL_S3 = {"k": 2, "max_turns": 1, "max_kept": 3, "max_tokens": 32}
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


# A model on the fake Ollama that proposes every legal step and values states by a solver:
# the search's mechanics (growth, stop, resume) do not then depend on the 135M model.
SOLVER = "game24-solver:latest"


@pytest.fixture(scope="module")
def solver(platform: str, session_ollama: Any) -> str:
    session_ollama.add_model(SOLVER)
    session_ollama.responders[SOLVER] = game24_responder(seed=1)
    return SOLVER


# Every legal step kept (a 4-number state has at most 36): the scripted model lists them in a
# random order, and a cut of 8 left some runs with no reachable state in the beam, unsolved
# by chance rather than by the resume under test.
RESUME_TOT = {**SMALL_TOT, "beam_width": 3, "max_depth": 4, "max_steps": 30, "max_proposals": 40}


def start(platform: str, **body: Any) -> dict[str, Any]:
    response = authed.post(api(platform, "/reasoning/start"), json=body, timeout=TIMEOUT)
    assert response.status_code == 202, response.text
    return dict(response.json())


def result(platform: str, session_id: str, wait_s: float = 240) -> dict[str, Any]:
    response = authed.get(
        api(platform, f"/reasoning/results/{session_id}"), params={"wait_s": wait_s}, timeout=wait_s + 60
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def tree(platform: str, session_id: str) -> dict[str, Any]:
    response = authed.get(api(platform, f"/reasoning/sessions/{session_id}/tree"), timeout=60)
    assert response.status_code == 200, response.text
    return dict(response.json())


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


def assert_finished(view: dict[str, Any], status: str = "completed") -> dict[str, Any]:
    session, outcome = view["session"], view["result"]
    # why it ended so first: pytest cuts the view's repr short
    why = {k: (outcome or {}).get(k) for k in ("stop_reason", "error")} | {"session_error": session.get("error")}
    assert session["status"] == status, (why, view)
    assert outcome is not None and outcome["status"] == status
    assert session["finished_at"] is not None
    assert 0.0 <= session["confidence"] <= 1.0
    assert session["metrics"]["model_calls"] >= 1 or status == "stopped"
    return dict(outcome)


def test_tree_of_thoughts_on_game24_builds_a_stored_tree(platform: str) -> None:
    started = start(platform, query="4 6 8 9", mode="tot_only", task="game24", tot=SMALL_TOT)
    assert started["status"] == "running" and started["mode"] == "tot_only" and started["task"] == "game24"
    outcome = assert_finished(result(platform, started["session_id"]))
    # the checker's verdict on a finished expression (None: the search reached none)
    assert outcome["solved"] in (True, False, None)
    assert outcome["solved"] is not True or outcome["answer"]
    nodes = outcome["nodes"]
    root = [n for n in nodes if n["parent_id"] is None]
    assert len(root) == 1 and root[0]["state"] == "4 6 8 9"
    assert outcome["metrics"]["model_calls"] >= 1
    # every node's parent is stored too, and the best path runs root first through parents
    ids = {n["id"] for n in nodes}
    assert all(n["parent_id"] in ids for n in nodes if n["parent_id"] is not None)
    by_id = {n["id"]: n for n in nodes}
    path = outcome["best_path"]
    print("nodes:", [(n["depth"], n["thought"], n["value"], n["status"]) for n in nodes])
    # no path only when the model proposed no legal step at all
    assert path or all(n["value"] is None for n in nodes if n["parent_id"] is not None)
    assert not path or path[0] == root[0]["id"]
    assert all(by_id[child]["parent_id"] == parent for parent, child in itertools.pairwise(path))
    shown = tree(platform, started["session_id"])
    assert shown["status"] == "completed" and {n["id"] for n in shown["nodes"]} == ids
    assert shown["best_path"] == path
    history = authed.get(api(platform, "/reasoning/history"), params={"mode": "tot_only"}, timeout=60).json()
    assert started["session_id"] in {s["session_id"] for s in history["sessions"]}
    assert history["total"] >= 1


@pytest.mark.parametrize(
    "tot",
    [
        {"search": "bfs", "generate": "propose", "evaluate": "value", "beam_width": 2},
        # (sampled steps are random: the engine's unit tests cover `sample` without chance)
        {"search": "dfs", "generate": "propose", "evaluate": "vote", "prune_threshold": 0.5},
    ],
)
def test_the_search_solves_with_a_model_that_proposes_legal_steps(
    platform: str, solver: str, tot: dict[str, Any]
) -> None:
    config = {**SMALL_TOT, "max_depth": 4, "max_steps": 40, "max_proposals": 16, "n_evaluate_sample": 1, **tot}
    started = start(platform, query="4 6 8 9", mode="tot_only", task="game24", tot=config, model=solver)
    outcome = assert_finished(result(platform, started["session_id"]))
    assert outcome["solved"] is True and outcome["confidence"] == 1.0
    assert outcome["answer"]
    metrics = outcome["metrics"]
    assert metrics["nodes_generated"] >= 4 and metrics["nodes_evaluated"] >= 1
    assert len(outcome["best_path"]) == 4  # the root and three steps


@pytest.mark.parametrize(
    ("mode", "extra"),
    [
        ("direct", {}),
        ("rag_only", {"rag": SMALL_RAG}),
        ("s3_rag", {"s3": SMALL_S3}),
        ("tot_enhanced_rag", {"tot": {**SMALL_TOT, "retrieval_k": 2}}),
    ],
)
def test_each_mode_answers_end_to_end(platform: str, docs_index: str, mode: str, extra: dict[str, Any]) -> None:
    started = start(platform, query="What does the one_for_one strategy restart?", mode=mode, index=docs_index, **extra)
    view = result(platform, started["session_id"])
    outcome = assert_finished(view)
    assert view["session"]["resolved_mode"] == mode
    assert outcome["answer"], outcome
    if mode == "direct":
        assert outcome["metrics"]["retrieval_calls"] == 0
    else:
        assert outcome["metrics"]["retrieval_calls"] >= 1 and outcome["queries"]
    if mode in ("rag_only", "s3_rag"):
        sources = {p["source"] for p in outcome["passages"]}
        assert sources <= {name for name, _ in DOCS} and sources
    if mode == "tot_enhanced_rag":
        shown = tree(platform, started["session_id"])
        retrieved = [pid for n in shown["nodes"] for pid in n["passage_ids"]]
        assert retrieved and set(retrieved) <= set(shown["passages"])


def test_adaptive_routes_and_stores_its_decision(platform: str, docs_index: str) -> None:
    simple = start(platform, query="What is the capital of France?", mode="adaptive", index=docs_index)
    puzzle = start(platform, query="1 2 3 4", mode="adaptive", task="game24", tot=SMALL_TOT)
    simple_view = result(platform, simple["session_id"])
    assert_finished(simple_view)
    assert simple_view["result"]["routing"]["complexity"] == "simple"
    assert simple_view["session"]["resolved_mode"] == "direct"
    puzzle_view = result(platform, puzzle["session_id"])
    assert_finished(puzzle_view)
    assert puzzle_view["session"]["resolved_mode"] == "tot_only"
    assert tree(platform, puzzle["session_id"])["routing"]["task_kind"] == "game24"


def test_websocket_streams_the_tree_and_stops(platform: str, solver: str) -> None:
    with authed.ws_connect(ws_url(platform), open_timeout=30) as ws:
        assert json.loads(ws.recv(timeout=30))["type"] == "connection_status"
        sent = time.monotonic()
        game = {"mode": "tot_only", "task": "game24", "model": solver}
        tot = {**SMALL_TOT, "max_depth": 4, "max_proposals": 16, "max_steps": 20}
        ws.send(json.dumps({"type": "start_reasoning", "ref": "r1", "query": "2 3 4 6", "tot": tot, **game}))
        frames: list[dict[str, Any]] = []
        first_update_s = None
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            frame = json.loads(ws.recv(timeout=TIMEOUT))
            frames.append(frame)
            if frame["type"] == "reasoning_update" and first_update_s is None:
                first_update_s = time.monotonic() - sent
            if frame["type"] == "reasoning_complete":
                break
        kinds = [f["type"] for f in frames]
        started = next(f for f in frames if f["type"] == "reasoning_started" and f.get("ref") == "r1")
        assert started["ref"] == "r1"
        session_id = started["data"]["session_id"]
        updates = [f["data"] for f in frames if f["type"] == "reasoning_update"]
        assert updates and all(u["session_id"] == session_id for u in updates)
        assert {u["event"] for u in updates} >= {"selected", "created", "evaluated"}
        assert updates[0]["node"]["parent_id"] is None  # the root goes out first
        assert kinds[-1] == "reasoning_complete" and frames[-1]["data"]["status"] == "completed"
        assert frames[-1]["data"]["solved"] is True  # the solver's steps reach 24
        print(f"first reasoning_update {first_update_s:.3f} s after start_reasoning")
        # every streamed node is stored
        stored = {n["id"] for n in tree(platform, session_id)["nodes"]}
        assert {u["node"]["id"] for u in updates} <= stored

        # a long search, stopped from the socket: it ends `stopped` with its partial tree
        long_tot = {**SMALL_TOT, "beam_width": 5, "max_depth": 4, "max_steps": 50, "max_proposals": 16}
        ws.send(json.dumps({"type": "start_reasoning", "ref": "r2", "query": "1 5 5 5", "tot": long_tot, **game}))
        second = None
        while second is None:
            frame = json.loads(ws.recv(timeout=TIMEOUT))
            if frame["type"] == "reasoning_started" and frame["ref"] == "r2":
                second = frame["data"]["session_id"]
        ws.send(json.dumps({"type": "stop_reasoning", "ref": "s2", "session_id": second}))
        stopped = None
        while stopped is None:
            frame = json.loads(ws.recv(timeout=TIMEOUT))
            if frame["type"] == "reasoning_stopped":
                stopped = frame
        assert stopped["ref"] == "s2" and stopped["data"]["status"] == "stopped"
    view = result(platform, second, wait_s=0)
    assert view["session"]["status"] == "stopped" and view["session"]["nodes"] >= 1


def test_stop_over_rest_cancels_the_model_calls(platform: str, solver: str, session_ollama: Any) -> None:
    long_tot = {**SMALL_TOT, "beam_width": 5, "max_depth": 4, "max_steps": 50, "max_proposals": 16}
    started = start(platform, query="3 3 8 8", mode="tot_only", task="game24", tot=long_tot, model=solver)
    deadline = time.monotonic() + 60
    while len(tree(platform, started["session_id"])["nodes"]) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    t0 = time.monotonic()
    stopped = authed.post(api(platform, "/reasoning/stop"), json={"session_id": started["session_id"]}, timeout=60)
    took = time.monotonic() - t0
    assert stopped.status_code == 200 and stopped.json()["status"] == "stopped", stopped.text
    assert took < 30, took
    view = result(platform, started["session_id"], wait_s=0)
    assert view["result"]["stop_reason"] == "stopped" and view["session"]["nodes"] >= 3
    # no model call goes on after the stop: none starts, and none is left generating
    fake = session_ollama
    started_then = fake.generations_started
    time.sleep(1.5)
    assert fake.generations_started == started_then
    assert fake.generations_started == fake.generations_finished + fake.generations_cancelled
    status = authed.get(api(platform, "/reasoning/status"), params={"session_id": started["session_id"]}, timeout=60)
    assert status.json()["sessions"][0]["status"] == "stopped"
    # stopping again answers the finished session as it is
    again = authed.post(api(platform, "/reasoning/stop"), json={"session_id": started["session_id"]}, timeout=60)
    assert again.status_code == 200 and again.json()["status"] == "stopped"


def test_a_killed_session_resumes_from_its_stored_nodes(platform: str, client: Any, solver: str) -> None:
    started = start(platform, query="4 4 6 8", mode="tot_only", task="game24", tot=RESUME_TOT, model=solver)
    session_id = started["session_id"]
    address = f"reasoning/{session_id}"
    # wait until the search made children (a model call answered), then kill its actor
    deadline = time.monotonic() + TIMEOUT
    before: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        before = tree(platform, session_id)["nodes"]
        if any(n["value"] is not None for n in before):
            break
        time.sleep(0.1)
    assert result(platform, session_id, wait_s=0)["session"]["status"] == "running", "finished before the kill"
    assert client.kill(address)
    view = result(platform, session_id)
    outcome = assert_finished(view)
    # the same kind of result: a checked solution (every reachable step is proposed and valued
    # by an exact solver, so only a broken resume can end unsolved)
    assert outcome["solved"] is True and outcome["best_path"], outcome["stop_reason"]
    after = {n["id"]: n for n in outcome["nodes"]}
    # no stored node was lost or made again: the same ids, and the same children under any
    # node expanded before the kill
    assert {n["id"] for n in before} <= set(after)
    expanded = {n["id"] for n in before if n["expanded"]}
    for parent in expanded:
        kids_before = {n["id"] for n in before if n["parent_id"] == parent}
        kids_after = {i for i, n in after.items() if n["parent_id"] == parent}
        assert kids_after == kids_before, parent
    states = [(n["parent_id"], n["thought"]) for n in after.values() if n["parent_id"] is not None]
    assert len(states) == len(set(states)), "a step was generated twice under one parent"
    assert view["session"]["restarts"] >= 1


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"query": ""}, 422, "body.query"),
        ({"query": "x", "mode": "telepathy"}, 422, "body.mode"),
        ({"query": "x", "tot": {"beam_width": 0}}, 422, "body.tot.beam_width"),
        ({"query": "hello there", "task": "game24", "mode": "tot_only"}, 422, "query"),
        ({"query": "x", "mode": "rag_only", "index": "no-such-index"}, 404, "index"),
        ({"query": "x", "model": "no-such-model:7b"}, 422, "model"),
    ],
)
def test_bad_requests_are_refused_naming_the_field(
    platform: str, body: dict[str, Any], status: int, field: str
) -> None:
    response = authed.post(api(platform, "/reasoning/start"), json=body, timeout=60)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field


def test_unknown_sessions_and_bad_parameters(platform: str) -> None:
    for path in ("/reasoning/results/nosuchsession", "/reasoning/sessions/nosuchsession/tree"):
        response = authed.get(api(platform, path), timeout=60)
        assert response.status_code == 404 and response.json()["field"] == "session_id", response.text
    stop = authed.post(api(platform, "/reasoning/stop"), json={"session_id": "nosuchsession"}, timeout=60)
    assert stop.status_code == 404
    bad = authed.get(api(platform, "/reasoning/history"), params={"limit": 0}, timeout=60)
    assert bad.status_code == 422 and "limit" in bad.json()["field"]


def test_modes_are_configured_and_stored(platform: str) -> None:
    before = authed.get(api(platform, "/reasoning/modes"), timeout=60).json()
    assert set(before["modes"]) == {"direct", "tot_only", "rag_only", "s3_rag", "tot_enhanced_rag", "adaptive"}
    changed = authed.post(
        api(platform, "/reasoning/modes"), json={"default_mode": "direct", "rag": {"k": 3}}, timeout=60
    )
    assert changed.status_code == 200 and changed.json()["default_mode"] == "direct"
    assert changed.json()["rag"]["k"] == 3
    try:
        started = start(platform, query="Say hello.")
        assert started["mode"] == "direct"
        assert result(platform, started["session_id"])["session"]["status"] == "completed"
        status = authed.get(api(platform, "/reasoning/status"), timeout=60).json()
        assert status["default_mode"] == "direct" and status["totals"]["completed"] >= 1
    finally:
        restored = {"default_mode": before["default_mode"], "rag": before["rag"]}
        assert authed.post(api(platform, "/reasoning/modes"), json=restored, timeout=60).status_code == 200
    refused = authed.post(api(platform, "/reasoning/modes"), json={"s3": {"max_turns": -1}}, timeout=60)
    assert refused.status_code == 422 and refused.json()["field"] == "body.s3.max_turns"


def test_a_models_calibration_routes_its_adaptive_sessions(platform: str, docs_index: str, settings: Any) -> None:
    model = settings.models.default_model
    # this model's outcomes said: capitals need retrieval (a rule alone calls them simple)
    calibration = {
        "examples": {
            "moderate": ["What is the capital of Spain?", "What is the capital of Germany?"],
            "complex": ["Compare the trade-offs of asyncio tasks and threads"],
        },
        "k": 2,
        "source": "test",
    }
    changed = authed.post(api(platform, "/reasoning/modes"), json={"calibrations": {model: calibration}}, timeout=60)
    assert changed.status_code == 200, changed.text
    assert changed.json()["classifier"]["calibrations"][model]["source"] == "test"
    try:
        session = start(platform, query="What is the capital of Italy?", mode="adaptive", index=docs_index)
        view = result(platform, session["session_id"])
        assert_finished(view)
        assert view["result"]["routing"]["method"] == "rules+knn"
        assert view["session"]["resolved_mode"] == "rag_only"
    finally:
        removed = authed.post(api(platform, "/reasoning/modes"), json={"calibrations": {model: None}}, timeout=60)
        assert removed.status_code == 200 and model not in removed.json()["classifier"]["calibrations"]
    unknown = authed.post(
        api(platform, "/reasoning/modes"), json={"calibrations": {"no-such-model": calibration}}, timeout=60
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "calibrations.no-such-model", unknown.text
    empty = authed.post(api(platform, "/reasoning/modes"), json={"calibrations": {model: {"examples": {}}}}, timeout=60)
    assert empty.status_code == 422 and "calibrations" in empty.json()["field"], empty.text


def test_mcp_clients_run_reasoning_sessions(platform: str) -> None:
    async def scenario() -> tuple[Any, Any, Any]:
        async with authed.mcp_client(platform + "mcp") as mcp_client:
            tools = {t.name for t in (await mcp_client.list_tools()).tools}
            assert {"reasoning", "reasoning_result"} <= tools
            ran = await mcp_client.call_tool("reasoning", {"query": "Say hello.", "mode": "direct"})
            game = {"task": "game24", "mode": "tot_only"}
            later = await mcp_client.call_tool("reasoning", {"query": "2 2 6 6", "wait": False, **game})
            bad = await mcp_client.call_tool("reasoning", {"query": "hello", **game})
            return ran, later, bad

    ran, later, bad = asyncio.run(scenario())
    assert not ran.is_error and ran.structured_content["status"] == "completed"
    assert ran.structured_content["answer"]
    session_id = later.structured_content["session_id"]
    assert later.structured_content["status"] == "running"
    assert bad.is_error and "query" in bad.content[0].text
    authed.post(api(platform, "/reasoning/stop"), json={"session_id": session_id}, timeout=60)


def test_the_reasoning_agent_answers_through_the_pipeline(platform: str) -> None:
    agent = create_agent(platform, type="reasoning", name="thinker")
    response = authed.post(
        api(platform, f"/agents/{agent['id']}/message"), json={"message": "What is 2 + 2?"}, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["response"] and answer["agent_type"] == "reasoning"
    # the turn ran a reasoning session, recorded with its routing
    history = authed.get(api(platform, "/reasoning/history"), params={"limit": 5}, timeout=60).json()
    assert any(s["query"] == "What is 2 + 2?" for s in history["sessions"])
    authed.delete(api(platform, f"/agents/{agent['id']}"), timeout=60)


def test_sessions_resume_when_the_whole_pool_restarts(platform: str, client: Any, solver: str) -> None:
    """A crash of the sessions' pool takes every session actor with it; rest_for_one restarts
    the manager after the pool, and the manager starts the running sessions again."""
    started = start(platform, query="2 3 4 6", mode="tot_only", task="game24", tot=RESUME_TOT, model=solver)
    session_id = started["session_id"]
    deadline = time.monotonic() + TIMEOUT
    while len(tree(platform, session_id)["nodes"]) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    pool = client.tree().find("supervisor/reasoning-sessions")
    assert result(platform, session_id, wait_s=0)["session"]["status"] == "running", "finished before the kill"
    assert client.kill("supervisor/reasoning-sessions")
    client.wait_until_running("supervisor/reasoning-sessions", min_restarts=pool.restarts + 1, timeout_s=60)
    view = result(platform, session_id)
    outcome = assert_finished(view)
    assert outcome["solved"] is True and view["session"]["restarts"] >= 1
