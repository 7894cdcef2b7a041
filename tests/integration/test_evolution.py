"""Recipe evolution on the platform with the real embedded model (SmolLM2-135M: assertions are
on mechanics, never on wording): a small run end to end over REST and the bus, an island
killed mid-run (the run completes, no evaluation is computed twice), stop, recipes and
lineage, and bad input refused naming the field. Runs are tiny: 3 val questions, 3 recipes
per island, a few generations, short answers."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.integration import authed
from tests.integration.agents_helpers import api, ws_url

pytestmark = pytest.mark.integration

TIMEOUT = 600
TASK = "python_docs_qa_quick"


def small_run(settings: Any, **extra: Any) -> dict[str, Any]:
    model = settings.models.default_model
    body: dict[str, Any] = {
        "task": TASK,
        "objectives": ["quality", "tokens"],
        "population_size": 3,
        "islands": 2,
        "generations": 2,
        "migration_interval": 1,
        "migration_rate": 0.34,
        "patience": None,
        "budget": {"metric_calls": 400},
        "cascade": {"minibatch_size": 0},
        "text": {"reflect_rate": 0.5, "crossover_rate": 0.5, "minibatch_size": 1, "max_tokens": 24},
        "space": {
            "models": [model],
            "modes": ["direct"],
            "max_tokens": {"low": 8, "high": 24},
        },
        "seeds": [{"kind": "recipe", "model": model, "system_prompt": "Answer with the name only.", "max_tokens": 16}],
    }
    body.update(extra)
    return {k: v for k, v in body.items() if v is not None}


def start(platform: str, body: dict[str, Any]) -> dict[str, Any]:
    response = authed.post(api(platform, "/evolution/start"), json=body, timeout=120)
    assert response.status_code == 202, response.text
    return dict(response.json())


def run_view(platform: str, run_id: str) -> dict[str, Any]:
    response = authed.get(api(platform, f"/evolution/runs/{run_id}"), timeout=60)
    assert response.status_code == 200, response.text
    return dict(response.json())


def results(platform: str, run_id: str, wait_s: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + TIMEOUT
    while True:
        response = authed.get(
            api(platform, "/evolution/results"), params={"run_id": run_id, "wait_s": wait_s}, timeout=wait_s + 60
        )
        assert response.status_code == 200, response.text
        view = dict(response.json())
        if view["run"]["status"] != "running" or time.monotonic() > deadline:
            return view


def test_a_small_run_end_to_end(platform: str, client: Any, settings: Any) -> None:
    started = start(platform, small_run(settings))
    run_id = started["run_id"]
    assert started["status"] == "running" and started["objectives"] == ["quality", "tokens"]
    view = results(platform, run_id)
    run = view["run"]
    assert run["status"] == "completed" and run["stop_reason"] == "generations", run
    assert run["generation"] == 2 and run["evaluations"] > 0
    assert view["front"], "an empty front"
    for member in view["front"]:
        assert set(member["objectives"]) == {"quality", "tokens"}
        assert 0.0 <= member["objectives"]["quality"] <= 1.0
    # the front on the held-out test split, reported
    assert {t["key"] for t in view["test"]} == {m["key"] for m in view["front"]}
    detail = run_view(platform, run_id)
    assert [p["generation"] for p in detail["history"]] == [1, 2]
    assert len(detail["progress"]["islands"]) == 2
    # (duplicates is checked without migration below: two islands may evaluate one migrant at once)
    stored, duplicates = detail["stored_evaluations"], detail["duplicates"]
    assert stored > 0 and stored + duplicates >= run["evaluations"]
    # the front, the recipes the run made, and one child's lineage
    front = authed.get(api(platform, f"/evolution/runs/{run_id}/front"), timeout=60).json()
    assert {m["key"] for m in front["front"]} == {m["key"] for m in view["front"]}
    listed = authed.get(api(platform, "/evolution/recipes"), params={"run_id": run_id, "limit": 500}, timeout=60).json()
    assert listed["total"] >= 6
    children = [r for r in listed["recipes"] if r["lineage"] and r["lineage"]["parents"]]
    assert children, "no recipe with parents"
    child = children[0]
    lineage = authed.get(api(platform, f"/evolution/recipes/{child['recipe_id']}/lineage"), timeout=60).json()
    assert lineage["run_id"] == run_id and lineage["nodes"][0]["recipe_id"] == child["recipe_id"]
    assert {n["recipe_id"] for n in lineage["nodes"][1:]} >= set(child["lineage"]["parents"])
    assert lineage["nodes"][0]["operators"][0] == "numeric"


def test_a_killed_island_resumes_and_nothing_is_computed_twice(platform: str, client: Any, settings: Any) -> None:
    # no migration: the islands share no genome, so any evaluation refused by the store was
    # computed again by the restarted island (two islands evaluating one migrant at the same
    # moment could both compute it; the store keeps one)
    run_id = start(platform, small_run(settings, generations=3, migration_interval=100, seed=11))["run_id"]
    island = f"population/{run_id}.1"
    # wait until the island stored evaluations of its first generation, then kill it
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        detail = run_view(platform, run_id)
        if detail["stored_evaluations"] >= 4 or detail["run"]["status"] != "running":
            break
        time.sleep(0.2)
    assert detail["run"]["status"] == "running", "finished before the kill"
    assert client.kill(island)
    view = results(platform, run_id)
    assert view["run"]["status"] == "completed", view["run"]
    assert view["run"]["generation"] == 3
    detail = run_view(platform, run_id)
    assert detail["run"]["restarts"] >= 1
    assert detail["duplicates"] == 0, "a stored evaluation was computed again"
    assert detail["stored_evaluations"] >= detail["run"]["evaluations"]
    assert len(detail["progress"]["islands"]) == 2


def test_start_and_watch_over_the_websocket(platform: str, settings: Any) -> None:
    body = small_run(settings, islands=1, population_size=2, generations=1, seed=5)
    frames: list[dict[str, Any]] = []
    with authed.ws_connect(ws_url(platform), open_timeout=30) as ws:
        ws.send(json.dumps({"type": "start_evolution", "ref": "e1", **body}))
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            frame = json.loads(ws.recv(timeout=TIMEOUT))
            frames.append(frame)
            if frame["type"] in ("evolution_complete", "error"):
                break
    kinds = [f["type"] for f in frames]
    started = next(f for f in frames if f["type"] == "evolution_started")
    assert started["ref"] == "e1"
    run_id = started["data"]["run_id"]
    progress = [f["data"] for f in frames if f["type"] == "evolution_progress"]
    assert progress and progress[-1]["run_id"] == run_id
    assert progress[-1]["progress"]["generation"] == 1 and progress[-1]["progress"]["islands"]
    assert kinds[-1] == "evolution_complete" and frames[-1]["data"]["status"] == "completed"
    with authed.ws_connect(ws_url(platform), open_timeout=30) as ws:
        ws.send(json.dumps({"type": "start_evolution", "ref": "bad", "task": TASK, "islands": 0}))
        error = json.loads(ws.recv(timeout=60))
        while error["type"] == "connection_status":
            error = json.loads(ws.recv(timeout=60))
    assert error["type"] == "error" and error["data"]["field"] == "islands"


def test_a_run_ends_on_its_budget_without_passing_it(platform: str, settings: Any) -> None:
    # 13 calls over 2 islands (shares 7 and 6) of 3-question evaluations: a generation's
    # children cannot all fit, and those that do not are never evaluated
    run_id = start(platform, small_run(settings, generations=50, budget={"metric_calls": 13}))["run_id"]
    run = results(platform, run_id)["run"]
    assert run["status"] == "completed" and run["stop_reason"] == "metric_calls", run
    assert 0 < run["evaluations"] <= 13 and run["generation"] < 50
    islands = run_view(platform, run_id)["progress"]["islands"]
    assert run["evaluations"] == 13 or sum(i["refused"] for i in islands) > 0  # spent, or too little left


def test_stop(platform: str, settings: Any) -> None:
    run_id = start(platform, small_run(settings, generations=50))["run_id"]
    stopped = authed.post(api(platform, "/evolution/stop"), json={"run_id": run_id}, timeout=120)
    assert stopped.status_code == 200, stopped.text
    view = results(platform, run_id)
    assert view["run"]["status"] == "stopped" and view["run"]["stop_reason"] == "user"
    assert view["run"]["generation"] < 50
    again = authed.post(api(platform, "/evolution/stop"), json={"run_id": run_id}, timeout=60)
    assert again.status_code == 200 and again.json()["status"] == "stopped"


def test_recipes_create_read_delete(platform: str, settings: Any) -> None:
    recipe = {"model": settings.models.default_model, "system_prompt": "Be brief.", "temperature": 0.3}
    created = authed.post(api(platform, "/evolution/recipes"), json={"recipe": recipe, "name": "brief"}, timeout=60)
    assert created.status_code == 201, created.text
    recipe_id = created.json()["recipe_id"]
    again = authed.post(api(platform, "/evolution/recipes"), json={"recipe": recipe}, timeout=60)
    assert again.json()["recipe_id"] == recipe_id and again.json()["name"] == "brief"
    got = authed.get(api(platform, f"/evolution/recipes/{recipe_id}"), timeout=60)
    assert got.status_code == 200 and got.json()["genome"]["system_prompt"] == "Be brief."
    assert authed.delete(api(platform, f"/evolution/recipes/{recipe_id}"), timeout=60).status_code == 200
    assert authed.delete(api(platform, f"/evolution/recipes/{recipe_id}"), timeout=60).status_code == 404
    assert authed.get(api(platform, f"/evolution/recipes/{recipe_id}"), timeout=60).status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "body.task"),
        ({"task": "no-such-task"}, 422, "task"),
        ({"task": "pymoo:no-such-problem"}, 422, "task"),
        ({"task": TASK, "population_size": 1}, 422, "body.population_size"),
        ({"task": TASK, "objectives": ["speed"]}, 422, "objectives"),
        ({"task": TASK, "space": {"models": ["no-such-model:7b"]}}, 422, "space.models"),
        ({"task": TASK, "space": {"beam_width": {"low": 3, "high": 1}}}, 422, "space.recipe.beam_width"),
        ({"task": TASK, "seed_recipes": ["0" * 24]}, 404, "seed_recipes.0"),
        ({"task": TASK, "surprise": 1}, 422, "body.surprise"),
    ],
)
def test_bad_starts_are_refused_naming_the_field(platform: str, body: dict[str, Any], status: int, field: str) -> None:
    response = authed.post(api(platform, "/evolution/start"), json=body, timeout=60)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field, response.json()


def test_unknown_ids_are_404(platform: str) -> None:
    for path in ("/evolution/runs/nope", "/evolution/runs/nope/front", f"/evolution/recipes/{'a' * 24}/lineage"):
        response = authed.get(api(platform, path), timeout=60)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["field"] in ("run_id", "recipe_id")
    response = authed.post(api(platform, "/evolution/stop"), json={"run_id": "nope"}, timeout=60)
    assert response.status_code == 404 and response.json()["field"] == "run_id"
    response = authed.get(api(platform, "/evolution/recipes/not-hex"), timeout=60)
    assert response.status_code == 422


def test_the_evolution_tool_on_mcp(platform: str) -> None:
    import asyncio

    async def scenario() -> dict[str, Any]:
        async with authed.mcp_client(platform + "mcp") as mcp_client:
            tools = {t.name for t in (await mcp_client.list_tools()).tools}
            status = await mcp_client.call_tool("evolution", {"action": "status"})
            bad = await mcp_client.call_tool("evolution", {"action": "start", "task": "no-such-task"})
            return {"tools": tools, "status": status, "bad": bad}

    out = asyncio.run(scenario())
    assert "evolution" in out["tools"]
    assert TASK in out["status"].structured_content["tasks"]
    assert out["bad"].is_error and "(task)" in out["bad"].content[0].text


def test_an_agent_from_a_recipe(platform: str, settings: Any) -> None:
    recipe = {"model": settings.models.default_model, "system_prompt": "Answer in one word.", "max_tokens": 12}
    created = authed.post(api(platform, "/evolution/recipes"), json={"recipe": recipe}, timeout=60)
    recipe_id = created.json()["recipe_id"]
    agent = authed.post(api(platform, "/agents"), json={"type": "general", "recipe_id": recipe_id}, timeout=180)
    assert agent.status_code == 201, agent.text
    row = agent.json()
    assert row["model"] == settings.models.default_model
    assert row["recipe"]["recipe_id"] == recipe_id and row["recipe"]["system_prompt"] == "Answer in one word."
    answer = authed.post(api(platform, f"/agents/{row['id']}/message"), json={"message": "Name a fruit."}, timeout=180)
    assert answer.status_code == 200 and answer.json()["response"].strip(), answer.text
    missing = authed.post(api(platform, "/agents"), json={"type": "general", "recipe_id": "f" * 24}, timeout=60)
    assert missing.status_code == 404 and missing.json()["field"] == "body.recipe_id"
    authed.delete(api(platform, f"/agents/{row['id']}"), timeout=60)
