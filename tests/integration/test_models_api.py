"""The real embedded model (SmolLM2-135M on llama.cpp) through the actors, the bus and Serve."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import jsonschema
import pytest

from tests.integration import authed

pytestmark = pytest.mark.integration

MODEL = "smollm2:135m"
WORKER = f"llm/{MODEL}.0"


def chat_body(content: str, num_predict: int = 24, **extra: Any) -> dict[str, Any]:
    return {
        "model": MODEL,
        "messages": [{"role": "user", "content": content}],
        "options": {"num_predict": num_predict, "temperature": 0},
        **extra,
    }


def ndjson(response: httpx.Response) -> list[dict[str, Any]]:
    return [json.loads(line) for line in response.text.splitlines() if line.strip()]


def test_chat_answer_is_real_model_output(platform: str) -> None:
    body = authed.post(platform + "api/v1/ollama/chat", json=chat_body("Say hello.", stream=False), timeout=120).json()
    assert body["message"]["role"] == "assistant"
    assert body["message"]["content"].strip()
    assert body["done"] is True and body["eval_count"] > 0 and body["prompt_eval_count"] > 0


def test_streaming_yields_several_chunks_as_ndjson_and_sse(platform: str) -> None:
    response = authed.post(platform + "api/v1/ollama/chat", json=chat_body("Count to ten."), timeout=120)
    assert response.headers["content-type"].startswith("application/x-ndjson")
    chunks = ndjson(response)
    assert len(chunks) >= 4
    assert all(not c["done"] for c in chunks[:-1]) and chunks[-1]["done"] is True
    assert "".join(c["message"]["content"] for c in chunks[:-1]).strip()

    sse = authed.post(
        platform + "api/v1/ollama/generate",
        json={"model": MODEL, "prompt": "Name a colour.", "options": {"num_predict": 6}},
        headers={"accept": "text/event-stream"},
        timeout=120,
    )
    events = [json.loads(line[len("data: ") :]) for line in sse.text.splitlines() if line.startswith("data: ")]
    assert len(events) >= 2 and events[-1]["done"] is True and "response" in events[0]


def test_json_schema_constrained_output_parses(platform: str) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
        "required": ["city", "population"],
    }
    body = authed.post(
        platform + "api/v1/ollama/chat",
        json=chat_body("What is the capital of France and its population?", 60, stream=False, format=schema),
        timeout=120,
    ).json()
    answer = json.loads(body["message"]["content"])
    jsonschema.validate(answer, schema)


def test_ollama_style_request_without_content_type(platform: str) -> None:
    raw = json.dumps(chat_body("Hi", 4, stream=False)).encode()
    response = authed.post(platform + "api/v1/ollama/chat", content=raw, timeout=120)  # no header, like curl -d
    assert response.status_code == 200 and response.json()["done"] is True


def test_bad_requests_are_4xx_naming_the_problem(platform: str) -> None:
    unknown = authed.post(platform + "api/v1/ollama/chat", json={**chat_body("x"), "model": "nope"}, timeout=30)
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "model_not_found" and "nope" in unknown.json()["message"]

    empty = authed.post(platform + "api/v1/ollama/chat", json={"model": MODEL, "messages": []}, timeout=30)
    assert empty.status_code == 422 and empty.json()["field"] == "body.messages"

    bad_option = authed.post(
        platform + "api/v1/ollama/chat", json={**chat_body("x"), "options": {"temperature": -1}}, timeout=30
    )
    assert bad_option.status_code == 422 and bad_option.json()["field"] == "body.options.temperature"

    # an embedded model is not Ollama's to delete (pull/create without Ollama: unit-tested)
    response = authed.request("DELETE", platform + f"api/v1/ollama/models/{MODEL}", timeout=30)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "not_supported" and "Ollama" in response.json()["message"]


def test_models_listing_and_info(platform: str) -> None:
    models = authed.get(platform + "api/v1/ollama/models", timeout=30).json()["models"]
    smol = next(m for m in models if m["name"] == MODEL)
    assert smol["backend"] == "embedded" and smol["size"] > 1_000_000 and smol["path"].endswith(".gguf")
    info = authed.get(platform + f"api/v1/ollama/models/{MODEL}/info", timeout=30).json()
    assert info["parameters"]["n_ctx"] >= 256
    status = authed.get(platform + "api/v1/ollama/status", timeout=30).json()
    assert status["embedded"][0]["workers"][0]["loaded"] is True


def test_model_on_the_bus(client: Any) -> None:
    answer = client.call_tool(
        f"model/{MODEL}", "generate", {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 8}
    )
    assert answer["content"].strip() and answer["eval_count"] > 0
    tools = {t["name"] for t in client.call(f"model/{MODEL}", "tools/list")["tools"]}
    assert {"generate", "workers_status"} <= tools


def test_stop_frees_the_worker_at_once(platform: str, client: Any) -> None:
    url = platform.replace("http://", "ws://") + "ws"
    with authed.ws_connect(url, open_timeout=30) as ws:
        ws.recv(timeout=30)  # connection_status
        ws.send(json.dumps({"type": "chat", "ref": "long", "message": chat_body("Tell a very long story.", 2000)}))
        received = 0
        while received < 3:
            message = json.loads(ws.recv(timeout=60))
            if message["type"] == "chat_response":
                received += 1
        stopped_at = time.monotonic()
        ws.send(json.dumps({"type": "stop", "ref": "long"}))
        while True:
            message = json.loads(ws.recv(timeout=30))
            if message["type"] == "chat_stopped":
                break
        assert message["data"]["stopped"] is True
    # the worker is idle again, well before 2000 tokens could have been produced
    deadline = time.monotonic() + 10
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status = client.call_tool(WORKER, "status")
        if status["in_flight"] == 0:
            break
        time.sleep(0.05)
    assert status["in_flight"] == 0
    assert time.monotonic() - stopped_at < 5
    quick = authed.post(platform + "api/v1/ollama/chat", json=chat_body("Hi", 4, stream=False), timeout=60)
    assert quick.status_code == 200


def test_worker_killed_mid_stream_is_restarted_and_the_next_request_works(platform: str, client: Any) -> None:
    before = client.tree().find(WORKER)
    assert before is not None
    lines: list[dict[str, Any]] = []
    with authed.stream(
        "POST", platform + "api/v1/ollama/chat", json=chat_body("Write a long essay about the sea.", 2000), timeout=120
    ) as response:
        for line in response.iter_lines():
            if not line.strip():
                continue
            lines.append(json.loads(line))
            if len(lines) == 3:
                client.kill(WORKER)
            if lines[-1].get("error") or lines[-1].get("done"):
                break
    assert lines[-1].get("code") == "worker_crashed", lines[-1]
    client.wait_until_running(WORKER, timeout_s=60, min_restarts=before.restarts + 1)
    again = authed.post(platform + "api/v1/ollama/chat", json=chat_body("Hi", 4, stream=False), timeout=120)
    assert again.status_code == 200 and again.json()["done"] is True


def test_calls_are_recorded_and_drive_stats_ratings_and_recommendations(platform: str) -> None:
    authed.post(
        platform + "api/v1/ollama/chat",
        params={"task_kind": "coding"},
        json=chat_body("Hi", 6, stream=False),
        timeout=120,
    )
    # calls are written in the background, a moment after they finish
    deadline = time.monotonic() + 15
    coding: dict[str, Any] = {}
    while time.monotonic() < deadline:
        coding = authed.get(
            platform + f"api/v1/models/{MODEL}/performance", params={"task_kind": "coding"}, timeout=30
        ).json()
        if coding.get("calls", 0) >= 1:
            break
        time.sleep(0.3)
    assert coding["calls"] >= 1 and coding["task_kind"] == "coding"
    perf = authed.get(platform + f"api/v1/models/{MODEL}", timeout=30).json()
    assert perf["calls"] >= 1 and perf["backend"] == "embedded"
    assert perf["mean_tokens_per_s"] > 0 and perf["p50_latency_ms"] > 0 and perf["completion_tokens"] > 0

    rated = authed.post(platform + f"api/v1/models/{MODEL}/rate", json={"rating": 4, "task_kind": "coding"}, timeout=30)
    assert rated.status_code == 200 and rated.json()["rating"] == 4
    bad_rating = authed.post(platform + f"api/v1/models/{MODEL}/rate", json={"rating": 9}, timeout=30)
    assert bad_rating.status_code == 422 and bad_rating.json()["field"] == "body.rating"

    summary = authed.get(platform + "api/v1/models/stats/summary", timeout=30).json()
    assert summary["calls"] >= 1 and summary["by_backend"]["embedded"]["calls"] >= 1

    advice = authed.post(platform + "api/v1/models/recommendations", json={"task_kind": "coding"}, timeout=30).json()
    top = advice["recommendations"][0]
    assert top["model"] == MODEL and top["score"] > 0 and any("coding" in r for r in top["reasons"])

    entry = {"name": "tracked-model", "backend": "ollama", "task_kinds": ["coding"], "description": "test"}
    assert authed.post(platform + "api/v1/models", json=entry, timeout=30).status_code == 200
    listed = authed.get(platform + "api/v1/models", timeout=30).json()["models"]
    assert any(m["name"] == "tracked-model" and m["entry"]["task_kinds"] == ["coding"] for m in listed)
    assert authed.delete(platform + "api/v1/models/tracked-model", timeout=30).status_code == 200
    assert authed.delete(platform + "api/v1/models/tracked-model", timeout=30).status_code == 404


def test_embeddings_endpoint(platform: str) -> None:
    body = authed.post(
        platform + "api/v1/ollama/embed",
        json={"model": "all-minilm-l6-v2", "input": ["a cat sat on the mat", "a kitten rested on a rug"]},
        timeout=120,
    ).json()
    assert len(body["embeddings"]) == 2 and len(body["embeddings"][0]) == 384
    # embedding calls are recorded like generations
    deadline = time.monotonic() + 15
    perf: dict[str, Any] = {}
    while time.monotonic() < deadline:
        perf = authed.get(platform + "api/v1/models/all-minilm-l6-v2", timeout=30).json()
        if perf.get("calls", 0) >= 1:
            break
        time.sleep(0.3)
    assert perf["calls"] >= 1 and perf["prompt_tokens"] >= 12 and perf["backend"] == "embedded"


def test_model_status_changes_are_published(client: Any) -> None:
    before = client.tree().find(WORKER)
    assert before is not None
    with client.subscribe(["models"], timeout_s=90) as events:
        client.kill(WORKER)
        loaded = next(e for e in events if e["type"] == "model_status" and e["data"].get("worker") == WORKER)
    assert loaded["data"]["status"] == "loaded" and loaded["data"]["model"] == MODEL
    client.wait_until_running(WORKER, timeout_s=60, min_restarts=before.restarts + 1)
