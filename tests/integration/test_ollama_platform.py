"""Ollama through the platform (worker actor, API, WebSocket), against the fake Ollama server.

Runs after the embedded-model tests; the last test takes Ollama away and brings it back.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.integration import authed

pytestmark = pytest.mark.integration

OLLAMA_MODEL = "llama3.2:1b"


def test_models_of_both_backends_are_listed(platform: str) -> None:
    models = authed.get(platform + "api/v1/ollama/models", timeout=30).json()["models"]
    backends = {m["name"]: m["backend"] for m in models}
    assert backends["smollm2:135m"] == "embedded"
    assert backends[OLLAMA_MODEL] == "ollama"
    status = authed.get(platform + "api/v1/ollama/status", timeout=30).json()
    assert status["ollama"]["reachable"] is True and status["ollama"]["version"]


def test_chat_and_generate_through_ollama(platform: str, session_ollama: Any) -> None:
    body = {"model": OLLAMA_MODEL, "messages": [{"role": "user", "content": "hello there"}], "stream": False}
    answer = authed.post(platform + "api/v1/ollama/chat", json=body, timeout=60).json()
    assert answer["done"] is True and answer["message"]["content"] and answer["eval_count"] > 0
    streamed = authed.post(platform + "api/v1/ollama/chat", json={**body, "stream": True}, timeout=60)
    lines = [json.loads(x) for x in streamed.text.splitlines() if x.strip()]
    assert len(lines) >= 2 and lines[-1]["done"] is True
    generated = authed.post(
        platform + "api/v1/ollama/generate",
        json={"model": OLLAMA_MODEL, "prompt": "say hi", "stream": False},
        timeout=60,
    ).json()
    assert generated["response"] and generated["done"] is True
    assert any(path == "/api/generate" for path, _ in session_ollama.requests)


def test_pull_create_info_delete(platform: str) -> None:
    pulled = authed.post(platform + "api/v1/ollama/models/pull", json={"model": "qwen2.5:0.5b"}, timeout=60)
    events = [json.loads(x) for x in pulled.text.splitlines() if x.strip()]
    statuses = [e.get("status") for e in events]
    assert statuses[0] == "pulling manifest" and statuses[-1] == "success"
    assert any(e.get("completed") == e.get("total") and e.get("total") for e in events)
    names = {m["name"] for m in authed.get(platform + "api/v1/ollama/models", timeout=30).json()["models"]}
    assert "qwen2.5:0.5b" in names

    info = authed.get(platform + "api/v1/ollama/models/qwen2.5:0.5b/info", timeout=30)
    assert info.status_code == 200 and info.json()

    created = authed.post(
        platform + "api/v1/ollama/models/create", json={"model": "my-helper", "from": "qwen2.5:0.5b"}, timeout=60
    )
    assert [json.loads(x) for x in created.text.splitlines() if x.strip()][-1]["status"] == "success"

    assert authed.delete(platform + "api/v1/ollama/models/my-helper", timeout=30).status_code == 200
    again = authed.delete(platform + "api/v1/ollama/models/my-helper", timeout=30)
    assert again.status_code == 404
    assert again.json()["code"] == "model_not_found" and again.json()["backend"] == "ollama"


def test_pull_progress_reaches_bus_subscribers(platform: str, client: Any) -> None:
    with client.subscribe(["models"], timeout_s=30) as events:
        response = authed.post(platform + "api/v1/ollama/models/pull", json={"model": "phi3:mini"}, timeout=60)
        assert response.status_code == 200
        seen = []
        done = False  # the last progress event ("success") and then "pulled": the pull is over
        for event in events:
            seen.append(event)
            if event["type"] == "model_pull_progress" and event["data"].get("status") == "success":
                done = True
            if done and event["type"] == "model_status" and event["data"].get("status") == "pulled":
                break
    progress = [e["data"] for e in seen if e["type"] == "model_pull_progress"]
    assert progress and progress[0]["model"] == "phi3:mini" and progress[-1]["status"] == "success"


def test_unknown_ollama_model_is_a_404_naming_the_backend(platform: str) -> None:
    body = {"model": "no-such-model", "messages": [{"role": "user", "content": "x"}]}
    response = authed.post(platform + "api/v1/ollama/chat", json=body, timeout=30)
    assert response.status_code == 404
    assert response.json()["code"] == "model_not_found" and response.json()["backend"] == "ollama"
    assert "no-such-model" in response.json()["message"]


def test_stop_really_stops_ollama(platform: str, session_ollama: Any) -> None:
    cancelled_before = session_ollama.generations_cancelled
    url = platform.replace("http://", "ws://") + "ws"
    request = {
        "model": OLLAMA_MODEL,
        "messages": [{"role": "user", "content": "go on"}],
        "options": {"num_predict": 5000},
    }
    with authed.ws_connect(url, open_timeout=30) as ws:
        ws.recv(timeout=30)
        ws.send(json.dumps({"type": "chat", "ref": 1, "message": request}))
        got = 0
        while got < 3:
            if json.loads(ws.recv(timeout=30))["type"] == "chat_response":
                got += 1
        ws.send(json.dumps({"type": "stop", "ref": 1}))
        deadline = time.monotonic() + 10
        while session_ollama.generations_cancelled == cancelled_before and time.monotonic() < deadline:
            time.sleep(0.05)
    assert session_ollama.generations_cancelled > cancelled_before
    sent = session_ollama.tokens_sent
    time.sleep(0.3)
    assert session_ollama.tokens_sent == sent  # Ollama is no longer generating


def test_ollama_down_degrades_gracefully_and_comes_back(platform: str, session_ollama: Any) -> None:
    port = session_ollama.port
    session_ollama.stop()
    try:
        health = authed.get(platform + "api/v1/health", timeout=30).json()
        assert health["components"]["ollama"]["status"] == "down"
        assert health["status"] != "down"  # the platform is fine; only Ollama is away
        assert authed.get(platform + "api/v1/health/ollama", timeout=30).json()["status"] == "down"
        body = {"model": OLLAMA_MODEL, "messages": [{"role": "user", "content": "x"}], "stream": False}
        refused = authed.post(platform + "api/v1/ollama/chat", json=body, timeout=30)
        assert refused.status_code == 503
        assert refused.json()["code"] == "backend_unavailable" and refused.json()["backend"] == "ollama"
        # the embedded model stays available
        local = {
            "model": "smollm2:135m",
            "messages": [{"role": "user", "content": "hi"}],
            "stream": False,
            "options": {"num_predict": 4},
        }
        assert authed.post(platform + "api/v1/ollama/chat", json=local, timeout=120).status_code == 200
    finally:
        session_ollama.start(port)
    assert authed.get(platform + "api/v1/health/ollama", timeout=30).json()["status"] == "ok"
