"""The HTTP seams on the whole platform: subsystem health, the new WebSocket events, errors
on the WebSocket, one error mapping (4xx naming the field, 503 for an absent actor) and the
OpenAPI document."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from websockets.sync.client import ClientConnection

from tests.integration import authed

pytestmark = pytest.mark.integration
API = "api/v1"


def _ws_url(base: str) -> str:
    return base.replace("http://", "ws://") + "ws"


def _reply(ws: ClientConnection, ref: str, timeout_s: float = 90.0) -> dict[str, Any]:
    """The next message with this ref (events on subscribed topics are skipped)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        message = json.loads(ws.recv(timeout=deadline - time.monotonic()))
        if message.get("ref") == ref:
            return message
    raise TimeoutError(f"no reply with ref {ref}")


def _ready(platform: str, server_id: str, timeout_s: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        entry = authed.get(f"{platform}{API}/mcp/servers/{server_id}", timeout=60).json()
        if entry.get("status") == "ready":
            return dict(entry)
        time.sleep(0.3)
    raise TimeoutError(f"mcp server {server_id} not ready")


@pytest.mark.parametrize(
    ("part", "expected"),
    [
        ("agents", {"supervisor/agents"}),
        ("mcp", {"supervisor/mcp-servers"}),
        ("memory", {"memory/main", "store/main"}),
        ("rag", {"knowledge/main"}),
    ],
)
def test_subsystem_health_is_ok_from_real_state(platform: str, part: str, expected: set[str]) -> None:
    started = time.monotonic()
    response = authed.get(f"{platform}{API}/health/{part}", timeout=60)
    assert response.status_code == 200 and time.monotonic() - started < 30
    body = response.json()
    assert body["status"] == "ok", body
    assert expected <= set(body["components"])
    assert all(c["state"] == "running" for c in body["components"].values())
    assert body["checks"] and body["checked_at"] > 0


def test_subsystem_health_counts_what_runs(platform: str) -> None:
    agents = authed.get(f"{platform}{API}/health/agents", timeout=60).json()["checks"]
    listed = authed.get(f"{platform}{API}/agents", timeout=60).json()["agents"]
    assert agents["agents"] == len(listed)
    _ready(platform, "time")
    mcp = authed.get(f"{platform}{API}/health/mcp", timeout=60).json()["checks"]
    assert mcp["servers"]["time"] == "ready" and mcp["tools"] >= 1
    rag = authed.get(f"{platform}{API}/health/rag", timeout=60).json()
    assert "default" in rag["checks"]["indexes"]
    assert any(a.startswith("index/default.") for a in rag["components"])


def test_ws_system_metrics_and_errors_keep_the_socket(platform: str) -> None:
    with authed.ws_connect(_ws_url(platform), open_timeout=30) as ws:
        assert json.loads(ws.recv(timeout=30))["type"] == "connection_status"
        ws.send(json.dumps({"type": "request_system_metrics", "ref": "m"}))
        metrics = _reply(ws, "m")
        rest = authed.get(f"{platform}{API}/system/metrics", timeout=60).json()
        assert metrics["type"] == "system_metrics" and set(metrics["data"]) == set(rest)

        ws.send(json.dumps({"type": "teleport", "ref": "u"}))
        unknown = _reply(ws, "u")
        assert unknown["type"] == "error" and unknown["data"]["field"] == "type"
        assert unknown["data"]["code"] == "validation_error" and "teleport" in unknown["data"]["message"]

        ws.send(json.dumps({"type": "mcp_server_action", "server_id": "time", "action": "explode", "ref": "i"}))
        invalid = _reply(ws, "i")
        assert invalid["type"] == "error" and invalid["data"]["field"] == "action"

        ws.send(json.dumps({"type": "mcp_server_action", "server_id": "nope", "action": "start", "ref": "n"}))
        missing = _reply(ws, "n")
        assert missing["type"] == "error" and missing["data"]["code"] == "not_found"

        ws.send(json.dumps({"type": "ping", "ref": "still"}))
        assert _reply(ws, "still")["type"] == "pong"  # the socket is still open


def test_ws_mcp_server_action_and_503_for_a_stopped_server(platform: str) -> None:
    _ready(platform, "time")
    with authed.ws_connect(_ws_url(platform), open_timeout=30) as ws:
        assert json.loads(ws.recv(timeout=30))["type"] == "connection_status"
        ws.send(json.dumps({"type": "mcp_server_action", "server_id": "time", "action": "stop", "ref": "s"}))
        stopped = _reply(ws, "s")
        assert stopped["type"] == "mcp_server_status"
        assert stopped["data"]["id"] == "time" and stopped["data"]["status"] == "stopped"

        # its actor is gone: the one error mapping answers 503 naming the address
        response = authed.get(f"{platform}{API}/mcp/servers/time/tools", timeout=60)
        assert response.status_code == 503, response.text
        assert response.json()["code"] == "unavailable" and response.json()["address"] == "mcp/time"

        ws.send(json.dumps({"type": "mcp_server_action", "server_id": "time", "action": "start", "ref": "g"}))
        started = _reply(ws, "g")
        assert started["type"] == "mcp_server_status" and started["data"]["status"] != "stopped"
    assert _ready(platform, "time")["status"] == "ready"


def test_platform_errors_name_code_and_field(platform: str) -> None:
    unknown_type = authed.post(f"{platform}{API}/agents", json={"type": "wizard"}, timeout=60)
    assert 400 <= unknown_type.status_code < 500 and unknown_type.json()["code"]
    assert unknown_type.json()["field"] == "body.type"

    missing = authed.get(f"{platform}{API}/search/documents/00000000-0000-0000-0000-000000000000", timeout=60)
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"

    invalid = authed.post(f"{platform}{API}/search/semantic", json={"query": "x", "k": "many"}, timeout=60)
    assert invalid.status_code == 422 and invalid.json()["field"] == "body.k"

    no_model = authed.get(f"{platform}{API}/models/never-heard-of-it", timeout=60)
    assert no_model.status_code == 404 and no_model.json()["code"] == "model_not_found"


def test_openapi_has_a_response_schema_for_every_route(platform: str) -> None:
    document = authed.get(platform + "openapi.json", timeout=60).json()
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            ok = [v for code, v in op["responses"].items() if code.startswith("2")]
            schemas = [m.get("schema") for v in ok for m in v.get("content", {}).values()]
            assert any(schemas), f"{method} {path}"
    assert "/api/v1/health/rag" in document["paths"]


def test_the_embedder_is_listed_as_available_while_it_serves(platform: str, settings: Any) -> None:
    searched = authed.post(f"{platform}{API}/search/semantic", json={"query": "hello", "k": 1}, timeout=120)
    assert searched.status_code == 200, searched.text  # the embedder served this query
    rows = {m["name"]: m for m in authed.get(f"{platform}{API}/models", timeout=60).json()["models"]}
    assert rows[settings.embeddings.name]["available"] is True
