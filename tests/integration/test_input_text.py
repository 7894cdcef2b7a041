"""Bad text over the running platform (issue 13: four server errors schemathesis found, all
text PostgreSQL cannot store): every edge refuses it with a 422 `invalid_text` naming the
field, nothing is stored, no actor restarts; and what reaches the store anyway is a 422-class
error, never a crash."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import ray
from ray.exceptions import RayTaskError

from protocols.errors import InvalidText
from supervisors.refs import unwrap
from tests.integration import authed

pytestmark = pytest.mark.integration


def _api(platform: str, path: str) -> str:
    return platform + "api/v1" + path


def _post_json(url: str, payload: Any) -> httpx.Response:
    # json.dumps writes NUL as "\u0000" and a lone surrogate as "\ud800", as clients send them
    return authed.post(url, content=json.dumps(payload), headers={"content-type": "application/json"}, timeout=60)


def _refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "invalid_text" and body["field"] == field, body
    assert body["message"].startswith(f"{field}: must not contain")


def _restarts(client: Any) -> dict[str, int]:
    return {node.address: node.restarts for node in client.tree().walk()}


@pytest.fixture(scope="module")
def restarts_before(client: Any) -> dict[str, int]:
    return _restarts(client)


def test_nul_in_a_conversation_title(platform: str, restarts_before: dict[str, int]) -> None:
    listed = authed.get(_api(platform, "/chat/conversations"), params={"limit": 1000}, timeout=60).json()
    _refused(_post_json(_api(platform, "/chat/conversations"), {"title": "bad\x00title"}), "body.title")
    after = authed.get(_api(platform, "/chat/conversations"), params={"limit": 1000}, timeout=60).json()
    assert len(after["conversations"]) == len(listed["conversations"])  # nothing stored


def test_nul_in_the_export_conversation_id(platform: str) -> None:
    response = authed.get(_api(platform, "/chat/export?conversation_id=%00"), timeout=60)
    _refused(response, "query.conversation_id")


def test_nul_in_an_agent_memory(platform: str) -> None:
    _refused(_post_json(_api(platform, "/memory/agents/a1"), {"content": "remember\x00this"}), "body.content")
    _refused(_post_json(_api(platform, "/memory/agents/a%00b"), {"content": "fine"}), "path.agent_id")
    listed = authed.get(_api(platform, "/memory/agents/a1"), timeout=60)
    assert listed.status_code == 200 and all("\x00" not in m["content"] for m in listed.json()["memories"])


def test_unsupported_unicode_escapes_in_a_model_entry(platform: str) -> None:
    # the JSON escape \u0000 (jsonb: "unsupported Unicode escape sequence") and a lone surrogate
    _refused(_post_json(_api(platform, "/models"), {"name": "m1", "parameters": {"x": "\x00"}}), "body.parameters.x")
    _refused(_post_json(_api(platform, "/models"), {"name": "m1", "description": "\ud800"}), "body.description")
    assert authed.get(_api(platform, "/models/m1"), timeout=60).status_code == 404  # nothing stored


def test_the_bus_route_and_the_bus_itself_refuse_it(platform: str, client: Any) -> None:
    message = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "health", "arguments": {}}}
    bad = {**message, "params": {"name": "supervision_events", "arguments": {"child": "x\x00"}}}
    _refused(
        _post_json(_api(platform, "/bus/request"), {"to": "store/main", "message": bad}),
        "body.message.params.arguments.child",
    )
    # past HTTP, through the bus to the actor: JSON-RPC invalid params, naming the field
    answer = client.request("store/main", "tools/call", bad["params"], timeout_s=30)
    error = answer["error"]
    assert error["code"] == -32602 and error["data"] == {"field": "params.arguments.child", "code": "invalid_text"}


def test_a_websocket_message_with_it_is_an_error_naming_the_field(platform: str) -> None:
    with authed.ws_connect(platform.replace("http://", "ws://") + "ws", open_timeout=30) as ws:
        assert json.loads(ws.recv(timeout=30))["type"] == "connection_status"
        ws.send(json.dumps({"type": "chat_message", "ref": "r1", "message": {"message": "hi\x00"}}))
        reply = json.loads(ws.recv(timeout=30))
        assert reply["type"] == "error" and reply["ref"] == "r1"
        assert reply["data"]["code"] == "invalid_text" and reply["data"]["field"] == "message.message"
        ws.send(json.dumps({"type": "ping", "ref": 2}))  # the socket stays open
        pong = json.loads(ws.recv(timeout=30))
        assert pong["type"] == "pong" and pong["ref"] == 2


def test_the_store_refuses_what_gets_past_the_edges_without_crashing(client: Any) -> None:
    store = client.actor("store/main")
    with pytest.raises(RayTaskError) as refused:
        ray.get(store.upsert_model_entry.remote({"name": "m2", "parameters": {"x": "\x00"}}), timeout=60)
    cause = unwrap(refused.value)
    assert isinstance(cause, InvalidText) and cause.status == 422
    with pytest.raises(RayTaskError) as refused:
        # (a `str` field would be refused by pydantic already; a free-form value reaches jsonb)
        ray.get(store.upsert_model_entry.remote({"name": "m2", "parameters": {"x": "\ud800"}}), timeout=60)
    assert isinstance(unwrap(refused.value), InvalidText)


def test_no_actor_restarted(client: Any, restarts_before: dict[str, int]) -> None:
    now = _restarts(client)
    assert {a: n for a, n in now.items() if a in restarts_before} == restarts_before
