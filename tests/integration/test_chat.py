"""Chat on the platform: routing to an agent, real answers stored before they are
acknowledged, WebSocket streaming and stop, conversations, history and export."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.integration import authed
from tests.integration.agents_helpers import TIMEOUT, api, create_agent, ws_chat, ws_url

pytestmark = pytest.mark.integration


def send(platform: str, message: str, **extra: Any) -> httpx.Response:
    """POST /chat/message with `message` and any of conversation_id / agent_id."""
    return authed.post(api(platform, "/chat/message"), json={"message": message, **extra}, timeout=TIMEOUT)


def history(platform: str, conversation_id: str) -> list[dict[str, Any]]:
    response = authed.get(api(platform, "/chat/history"), params={"conversation_id": conversation_id}, timeout=60)
    assert response.status_code == 200, response.text
    return list(response.json()["messages"])


def test_message_is_routed_answered_and_stored(platform: str) -> None:
    response = send(platform, "Write a python function to add two numbers.")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["agent_type"] == "coding" and "python" in body["route_reason"]
    assert body["response"].strip() and body["status"] == "complete"
    messages = history(platform, body["conversation_id"])
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[0]["content"] == "Write a python function to add two numbers."
    assert messages[1]["id"] == body["message_id"] and messages[1]["content"] == body["response"]
    assert messages[1]["agent_id"] == body["agent_id"]
    # the same type goes to the same agent; the route is explainable without sending
    second = send(platform, "Debug this python code: x = 1 +", conversation_id=body["conversation_id"])
    assert second.status_code == 200, second.text
    again = second.json()
    assert again["agent_id"] == body["agent_id"] and again["conversation_id"] == body["conversation_id"]
    assert len(history(platform, body["conversation_id"])) == 4
    route = authed.get(api(platform, "/chat/route"), params={"message": "research papers"}, timeout=60).json()
    assert route["agent_type"] == "research" and route["scores"]["research"] > 0


def test_explicit_agent_overrides_the_router(platform: str) -> None:
    agent = create_agent(platform, type="evolution")
    body = send(platform, "Write python code.", agent_id=agent["id"]).json()
    assert (
        body["agent_id"] == agent["id"]
        and body["agent_type"] == "evolution"
        and body["route_reason"] == "agent_id given"
    )


def test_a_follow_up_of_the_same_type_stays_with_the_conversations_agent(platform: str) -> None:
    # A second coding agent: the router alone would send coding messages to the oldest one.
    mine = create_agent(platform, type="coding")
    first = send(platform, "Write python code.", agent_id=mine["id"]).json()
    follow_up = send(platform, "Now debug this python function.", conversation_id=first["conversation_id"])
    assert follow_up.status_code == 200, follow_up.text
    body = follow_up.json()
    assert body["agent_id"] == mine["id"] and body["agent_type"] == "coding"
    assert body["route_reason"].endswith("the conversation's agent")
    # another type goes to the router's choice, and the conversation moves with it
    other = send(platform, "Find research papers about sleep.", conversation_id=first["conversation_id"]).json()
    assert other["agent_type"] == "research" and other["agent_id"] != mine["id"]


def test_websocket_streams_chunks_then_the_final_answer(platform: str) -> None:
    frames = ws_chat(platform, "s1", {"message": "Count from one to five."})
    types = [f["type"] for f in frames]
    assert types[0] == "typing_indicator" and frames[0]["data"]["typing"] is True
    chunks = [f for f in frames if f["type"] == "chat_response" and not f["data"]["done"]]
    final = frames[-1]
    assert final["type"] == "chat_response" and final["data"]["done"] is True
    assert len(chunks) >= 2
    streamed = "".join(c["data"]["delta"] for c in chunks).strip()
    assert streamed and final["data"]["content"].startswith(streamed)
    data = final["data"]
    assert data["conversation_id"] and data["agent_id"] and data["message_id"]
    stored = history(platform, data["conversation_id"])
    assert stored[-1]["id"] == data["message_id"] and stored[-1]["content"] == data["content"]


def test_websocket_stop_keeps_the_partial_answer_marked_stopped(platform: str) -> None:
    frames = ws_chat(
        platform, "stop-1", {"message": "Write a very long story about a dragon and a knight."}, stop_after_chunks=1
    )
    final = frames[-1]
    assert final["type"] == "chat_response" and final["data"]["done"] is True
    assert final["data"]["status"] == "stopped"
    chunks = [f for f in frames if f["type"] == "chat_response" and not f["data"]["done"]]
    assert len(chunks) < 40  # it stopped well before the answer's token budget
    stored = history(platform, final["data"]["conversation_id"])
    assert stored[-1]["status"] == "stopped" and stored[-1]["id"] == final["data"]["message_id"]


def test_websocket_errors_and_the_model_level_chat_still_works(platform: str) -> None:
    with authed.ws_connect(ws_url(platform), open_timeout=30) as ws:
        ws.send(json.dumps({"type": "chat_message", "ref": "bad", "message": {"message": ""}}))
        ws.send(json.dumps({"type": "chat_message", "ref": "who", "message": {"message": "hi", "agent_id": "nope999"}}))
        ws.send(
            json.dumps(
                {
                    "type": "chat",
                    "ref": "m",
                    "message": {
                        "model": "smollm2:135m",
                        "messages": [{"role": "user", "content": "Hi"}],
                        "options": {"num_predict": 4},
                    },
                }
            )
        )
        seen: dict[str, dict[str, Any]] = {}
        while len(seen) < 3:
            frame = json.loads(ws.recv(timeout=TIMEOUT))
            ref = frame.get("ref")
            if frame["type"] == "chat_error" or (
                ref == "m" and frame["type"] == "chat_response" and frame["data"]["done"]
            ):
                seen[ref] = frame
    assert seen["bad"]["type"] == "chat_error" and seen["bad"]["data"]["field"] == "message.message"
    assert seen["who"]["type"] == "chat_error" and seen["who"]["data"]["field"] == "body.agent_id"
    assert seen["m"]["type"] == "chat_response"


def test_conversations_crud_history_and_export(platform: str) -> None:
    created = authed.post(api(platform, "/chat/conversations"), json={"title": "Tea talk"}, timeout=60)
    assert created.status_code == 201
    conversation = created.json()
    assert conversation["title"] == "Tea talk" and conversation["message_count"] == 0
    answer = send(platform, "Hello, do you like tea?", conversation_id=conversation["id"]).json()
    assert answer["conversation_id"] == conversation["id"]
    listed = authed.get(api(platform, "/chat/conversations"), timeout=60).json()["conversations"]
    mine = next(c for c in listed if c["id"] == conversation["id"])
    assert (
        mine["message_count"] == 2
        and mine["agent_id"] == answer["agent_id"]
        and mine["updated_at"] >= mine["created_at"]
    )

    params = {"conversation_id": conversation["id"]}
    md = authed.get(api(platform, "/chat/export"), params={**params, "format": "markdown"}, timeout=60)
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert md.text.startswith("# Tea talk") and "Hello, do you like tea?" in md.text
    data = authed.get(api(platform, "/chat/export"), params={**params, "format": "json"}, timeout=60).json()
    assert [m["role"] for m in data["messages"]] == ["user", "assistant"]
    assert data["messages"][1]["content"] == answer["response"]
    text = authed.get(api(platform, "/chat/export"), params={**params, "format": "text"}, timeout=60)
    assert text.headers["content-type"].startswith("text/plain") and "user: Hello, do you like tea?" in text.text
    bad = authed.get(api(platform, "/chat/export"), params={**params, "format": "pdf"}, timeout=60)
    assert bad.status_code == 422 and bad.json()["field"] == "query.format"

    deleted = authed.delete(api(platform, f"/chat/conversations/{conversation['id']}"), timeout=60)
    assert deleted.status_code == 200
    assert conversation["id"] not in {
        c["id"] for c in authed.get(api(platform, "/chat/conversations"), timeout=60).json()["conversations"]
    }
    gone = authed.get(api(platform, "/chat/history"), params=params, timeout=60)
    assert gone.status_code == 404 and gone.json()["field"] == "conversation_id"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"message": ""}, 422, "body.message"),
        ({}, 422, "body.message"),
        ({"message": "hi", "conversation_id": "nope999"}, 404, "body.conversation_id"),
        ({"message": "hi", "agent_id": "nope999"}, 404, "body.agent_id"),
    ],
)
def test_bad_chat_messages_name_the_field(platform: str, body: dict[str, Any], status: int, field: str) -> None:
    response = authed.post(api(platform, "/chat/message"), json=body, timeout=60)
    assert response.status_code == status and response.json()["field"] == field


def test_preparing_a_turn_twice_under_the_gateways_id_makes_one_conversation(platform: str, client: Any) -> None:
    """The gateway chooses a new conversation's id (serve_app/routers/agents.py
    prepare_turn), so a registry that dies during `prepare_chat` can be asked again: the
    second call finds the conversation the first one created instead of making another."""
    import uuid

    import ray

    agent = create_agent(platform, type="general")
    registry = client.actor("registry/agents")
    chosen = uuid.uuid4().hex[:16]
    first = ray.get(registry.prepare_chat.remote("Hello there.", chosen, agent["id"], True), timeout=60)
    second = ray.get(registry.prepare_chat.remote("Hello there.", chosen, agent["id"], True), timeout=60)
    assert first == second and first["conversation_id"] == chosen
    listed = authed.get(api(platform, "/chat/conversations"), params={"limit": 1000}, timeout=60).json()
    assert [c["id"] for c in listed["conversations"]].count(chosen) == 1
    # and a message with no conversation id gets a conversation under an id the gateway chose
    answered = send(platform, "Hello again.", agent_id=agent["id"])
    assert answered.status_code == 200, answered.text
    assert len(history(platform, answered.json()["conversation_id"])) == 2
