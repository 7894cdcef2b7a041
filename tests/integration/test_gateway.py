"""The Serve gateway through a real HTTP client and a real WebSocket client."""

from __future__ import annotations

import json
import time
from typing import Any

import msgpack
import pytest

from tests.integration import authed

pytestmark = pytest.mark.integration


def _ws_url(base: str, query: str = "") -> str:
    return base.replace("http://", "ws://") + "ws" + query


def test_health_names_every_component(platform: str) -> None:
    response = authed.get(platform + "api/v1/health", timeout=30)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    for name in ("supervisor/root", "store/main", "bus/main", "monitor/main", "supervisor/agents"):
        assert body["components"][name]["state"] == "running"


def test_database_health_reports_the_store(platform: str) -> None:
    body = authed.get(platform + "api/v1/health/database", timeout=30).json()
    assert body["status"] == "ok"
    assert body["mode"] == "embedded"
    assert body["server_version"].startswith("18")
    assert body["pgvector_version"]
    assert "0001" in body["migrations"]


def test_docs_and_openapi_and_ui_placeholder(platform: str) -> None:
    assert authed.get(platform + "docs", timeout=30).status_code == 200
    schema = authed.get(platform + "openapi.json", timeout=30).json()
    assert "/api/v1/health" in schema["paths"]
    page = authed.get(platform, timeout=30)
    assert page.status_code == 200 and "PyGent Factory" in page.text


def test_errors_are_json_with_stable_codes(platform: str) -> None:
    missing = authed.get(platform + "api/v1/no/such/thing", timeout=30)
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"

    bad = authed.post(platform + "api/v1/bus/request", json={"to": "bus/main"}, timeout=30)
    assert bad.status_code == 422
    assert bad.json()["code"] == "validation_error"
    assert bad.json()["field"] == "body.message"

    bad_timeout = authed.post(
        platform + "api/v1/bus/request",
        json={"to": "bus/main", "message": {"jsonrpc": "2.0", "id": 1, "method": "ping"}, "timeout_s": -1},
        timeout=30,
    )
    assert bad_timeout.status_code == 422 and bad_timeout.json()["field"] == "body.timeout_s"

    not_json = authed.post(
        platform + "api/v1/system/kill",
        content=b"{nope",
        timeout=30,
        headers={"content-type": "application/json"},
    )
    assert not_json.status_code == 422 and not_json.json()["code"] == "validation_error"

    bad_address = authed.post(platform + "api/v1/system/kill", json={"address": "Bad Address"}, timeout=30)
    assert bad_address.status_code == 422 and bad_address.json()["code"] == "invalid_address"
    assert bad_address.json()["field"] == "body.address"

    unknown = authed.post(platform + "api/v1/system/kill", json={"address": "agent/ghost"}, timeout=30)
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_address"


def test_bus_request_over_http(platform: str) -> None:
    answer = authed.post(
        platform + "api/v1/bus/request",
        json={"to": "monitor/main", "message": {"jsonrpc": "2.0", "id": 7, "method": "tools/list"}},
        timeout=30,
    ).json()
    assert answer["id"] == 7
    assert {t["name"] for t in answer["result"]["tools"]} >= {"metrics", "alerts"}


def test_kill_over_http_and_tree_shows_the_restart(platform: str, client: Any) -> None:
    before = client.tree().find("monitor/main")
    response = authed.post(platform + "api/v1/system/kill", json={"address": "monitor/main"}, timeout=30)
    assert response.status_code == 200 and response.json()["killed"] is True
    client.wait_until_running("monitor/main", min_restarts=before.restarts + 1)
    tree = authed.get(platform + "api/v1/system/tree", timeout=30).json()
    monitor = next(c for c in tree["children"] if c["address"] == "monitor/main")
    assert monitor["restarts"] == before.restarts + 1
    events = authed.get(platform + "api/v1/system/events", params={"child": "monitor/main"}, timeout=30).json()
    deadline = time.monotonic() + 10
    while not events["events"] and time.monotonic() < deadline:
        time.sleep(0.2)
        events = authed.get(platform + "api/v1/system/events", params={"child": "monitor/main"}, timeout=30).json()
    assert events["events"][-1]["action"] == "restart"


def test_websocket_ping_status_and_subscriptions(platform: str) -> None:
    with authed.ws_connect(_ws_url(platform), open_timeout=30) as ws:
        hello = json.loads(ws.recv(timeout=30))
        assert hello["type"] == "connection_status" and hello["data"]["status"] == "connected"
        ws.send(json.dumps({"type": "ping", "ref": 1}))
        pong = json.loads(ws.recv(timeout=30))
        assert pong == {**pong, "type": "pong", "ref": 1}

        ws.send(json.dumps({"type": "subscribe", "topics": ["test.ws"], "ref": 2}))
        assert json.loads(ws.recv(timeout=30))["type"] == "subscribed"
        deadline = time.monotonic() + 20
        got: dict[str, Any] | None = None
        while got is None and time.monotonic() < deadline:
            authed.post(
                platform + "api/v1/bus/publish",
                json={"topic": "test.ws", "type": "hello", "data": {"x": 1}},
                timeout=30,
            )
            try:
                message = json.loads(ws.recv(timeout=1))
            except TimeoutError:
                continue
            if message.get("topic") == "test.ws":
                got = message
        assert got is not None and got["type"] == "hello" and got["data"] == {"x": 1}

        ws.send("not json")
        error = json.loads(ws.recv(timeout=30))
        while error["type"] == "hello":
            error = json.loads(ws.recv(timeout=30))
        assert error["type"] == "connection_error" and error["data"]["code"] == "validation_error"

        ws.send(
            json.dumps(
                {
                    "type": "request",
                    "to": "bus/main",
                    "ref": 3,
                    "message": {"jsonrpc": "2.0", "id": 9, "method": "ping"},
                }
            )
        )
        while True:
            reply = json.loads(ws.recv(timeout=30))
            if reply["type"] == "response":
                break
        assert reply["ref"] == 3 and reply["data"]["result"] == {}


def test_websocket_msgpack_frames(platform: str) -> None:
    with authed.ws_connect(_ws_url(platform, "?encoding=msgpack"), open_timeout=30) as ws:
        hello = msgpack.unpackb(ws.recv(timeout=30))
        assert hello["type"] == "connection_status" and hello["data"]["encoding"] == "msgpack"
        ws.send(msgpack.packb({"type": "ping", "ref": "m"}))
        assert msgpack.unpackb(ws.recv(timeout=30))["type"] == "pong"


def test_websocket_forwards_supervision_events(platform: str, client: Any) -> None:
    with authed.ws_connect(_ws_url(platform), open_timeout=30) as ws:
        ws.recv(timeout=30)
        ws.send(json.dumps({"type": "subscribe", "topics": ["supervision"]}))
        assert json.loads(ws.recv(timeout=30))["type"] == "subscribed"
        time.sleep(0.5)  # let the relay declare the new topic to the bus
        client.kill("supervisor/evolution")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            message = json.loads(ws.recv(timeout=30))
            if message.get("type") == "supervision_event" and message["data"]["child"] == "supervisor/evolution":
                break
        assert message["data"]["action"] == "restart"
        client.wait_until_running("supervisor/evolution")
