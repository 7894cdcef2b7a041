"""Object-level authorization across the resource types 0010 added (agents' memories, search
indexes and their documents, reasoning sessions, evolution runs): another user gets 404 on every
route that names one of A's objects and does not see them in lists; an admin sees them; /ws
delivers A's session events to A, not to B; /mcp tools run with the caller's role (a viewer's
mutating call answers the JSON-RPC error FORBIDDEN) and reach only the caller's objects."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect as ws_connect

from protocols.jsonrpc import ErrorCode
from tests.integration import authed
from tests.integration.conftest import login
from tests.integration.test_evolution import small_run

pytestmark = pytest.mark.integration

PASSWORD = "a long enough password"


def api(platform: str, path: str) -> str:
    return platform + "api/v1" + path


def person(platform: str, role: str) -> dict[str, str]:
    name = f"{role}-{secrets.token_hex(3)}"
    made = authed.post(api(platform, "/users"), json={"username": name, "password": PASSWORD, "role": role})
    assert made.status_code == 201, made.text
    return {"Authorization": f"Bearer {login(platform, name, PASSWORD)}"}


@pytest.fixture(scope="module")
def owned(platform: str, settings: Any) -> Iterator[dict[str, Any]]:
    """User A's objects of every kind, and the headers of A and of another user B."""
    a, b = person(platform, "user"), person(platform, "user")

    def post(path: str, body: dict[str, Any], status: int) -> dict[str, Any]:
        answer = httpx.post(api(platform, path), json=body, headers=a, timeout=180)
        assert answer.status_code == status, (path, answer.text)
        return dict(answer.json())

    agent = post("/agents", {"type": "general", "name": "a-agent"}, 201)["id"]
    index = f"a-{secrets.token_hex(3)}"
    post("/search/indexes", {"name": index, "shards": 1}, 201)
    document = post("/search/documents", {"content": "Alice's private notes on owls.", "index": index}, 201)["id"]
    memory = post(f"/memory/agents/{agent}", {"content": "Alice likes owls."}, 201)["id"]
    session = post("/reasoning/start", {"query": "What is 2 + 2?", "mode": "direct"}, 202)["session_id"]
    run = post("/evolution/start", small_run(settings, generations=1), 202)["run_id"]
    made = {"a": a, "b": b, "agent": agent, "index": index, "document": document, "memory": memory}
    yield {**made, "session": session, "run": run}
    for path, body in (("/reasoning/stop", {"session_id": session}), ("/evolution/stop", {"run_id": run})):
        with contextlib.suppress(httpx.TimeoutException):  # a run stops after its generation
            httpx.post(api(platform, path), json=body, headers=a, timeout=120)
    httpx.delete(api(platform, f"/search/indexes/{index}"), headers=a, timeout=120)
    httpx.delete(api(platform, f"/agents/{agent}"), headers=a, timeout=120)


# (method, path, body): every route that names one of A's objects; {x} from the fixture
ADDRESSED = [
    ("GET", "/memory/agents/{agent}", None),
    ("POST", "/memory/agents/{agent}", {"content": "B was here"}),
    ("DELETE", "/memory/agents/{agent}?memory_id={memory}", None),
    ("POST", "/memory/search", {"query": "owls", "agent_id": "{agent}"}),
    ("GET", "/search/documents/{document}", None),
    ("DELETE", "/search/documents/{document}", None),
    ("POST", "/search/documents", {"content": "B's text", "index": "{index}"}),
    ("POST", "/search/hybrid", {"query": "owls", "index": "{index}"}),
    ("POST", "/search/batch", {"queries": ["owls"], "index": "{index}"}),
    ("DELETE", "/search/indexes/{index}", None),
    ("GET", "/reasoning/results/{session}", None),
    ("GET", "/reasoning/sessions/{session}/tree", None),
    ("GET", "/reasoning/status?session_id={session}", None),
    ("POST", "/reasoning/stop", {"session_id": "{session}"}),
    ("POST", "/reasoning/start", {"query": "q", "mode": "rag_only", "index": "{index}"}),
    ("GET", "/evolution/runs/{run}", None),
    ("GET", "/evolution/runs/{run}/front", None),
    ("GET", "/evolution/status?run_id={run}", None),
    ("GET", "/evolution/results?run_id={run}", None),
    ("GET", "/evolution/recipes?run_id={run}", None),
    ("POST", "/evolution/stop", {"run_id": "{run}"}),
]


def fill(value: Any, objects: dict[str, Any]) -> Any:
    text = json.dumps(value)
    for key, found in objects.items():
        if isinstance(found, str):
            text = text.replace("{" + key + "}", found)
    return json.loads(text)


def test_another_user_gets_404_for_every_object_of_each_kind(platform: str, owned: dict[str, Any]) -> None:
    refused = []
    for method, path, body in ADDRESSED:
        url = api(platform, fill(path, owned))
        answer = httpx.request(method, url, json=fill(body, owned), headers=owned["b"], timeout=120)
        if answer.status_code != 404:
            refused.append((method, path, answer.status_code, answer.text[:200]))
    assert refused == []
    # the owner and an admin reach them
    for path in ("/memory/agents/{agent}", "/search/documents/{document}", "/reasoning/sessions/{session}/tree"):
        for headers in (owned["a"], authed.HEADERS):
            answer = httpx.get(api(platform, fill(path, owned)), headers=headers, timeout=120)
            assert answer.status_code == 200, (path, answer.text)
    assert authed.get(api(platform, fill("/evolution/runs/{run}", owned)), timeout=120).status_code == 200


def test_lists_show_only_ones_own_and_admins_see_all(platform: str, owned: dict[str, Any]) -> None:
    def listed(headers: dict[str, str]) -> dict[str, set[str]]:
        def get(path: str) -> Any:
            answer = httpx.get(api(platform, path), headers=headers, timeout=120)
            assert answer.status_code == 200, (path, answer.text)
            return answer.json()

        return {
            "index": {i["name"] for i in get("/search/indexes")["indexes"]},
            "session": {s["session_id"] for s in get("/reasoning/history?limit=500")["sessions"]},
            "run": {r["run_id"] for r in get("/evolution/runs?limit=500")},
        }

    mine, theirs, admin = listed(owned["a"]), listed(owned["b"]), listed(authed.HEADERS)
    for kind in ("index", "session", "run"):
        assert owned[kind] in mine[kind] and owned[kind] in admin[kind], kind
        assert owned[kind] not in theirs[kind], kind
    assert "default" in theirs["index"]  # the shared index: every user sees it ...
    refused = httpx.post(
        api(platform, "/search/documents"), json={"content": "x", "index": "default"}, headers=owned["b"], timeout=60
    )
    assert refused.status_code == 403 and refused.json()["field"] == "body.index"  # ... admins write it


def test_the_websocket_delivers_a_users_events_only_to_them(platform: str, owned: dict[str, Any]) -> None:
    url = platform.replace("http://", "ws://") + "ws"
    with (
        ws_connect(url, open_timeout=30, additional_headers=owned["a"]) as mine,
        ws_connect(url, open_timeout=30, additional_headers=owned["b"]) as theirs,
    ):
        for ws in (mine, theirs):
            assert '"connected"' in str(ws.recv(timeout=30))
            ws.send(json.dumps({"type": "subscribe", "topics": ["reasoning.*", "reasoning"]}))
            assert '"subscribed"' in str(ws.recv(timeout=30))
        mine.send(json.dumps({"type": "start_reasoning", "query": "What is 3 + 3?", "mode": "direct", "ref": 1}))
        session_id = None
        deadline = time.monotonic() + 300
        seen_mine: list[str] = []
        received: list[str] = []  # what came, for the failure message
        while time.monotonic() < deadline:
            try:
                message = json.loads(mine.recv(timeout=max(1.0, deadline - time.monotonic())))
            except TimeoutError:
                pytest.fail(f"no reasoning_complete within 300 s; received: {received}")
            received.append(f"{message.get('type')}:{message.get('topic')}")
            if message["type"] == "reasoning_started":
                session_id = message["data"]["session_id"]
            if message.get("topic", "").startswith("reasoning"):
                seen_mine.append(str(message.get("topic")))
            if message["type"] == "reasoning_complete" and message["data"].get("session_id") == session_id:
                break
        assert session_id is not None and f"reasoning.{session_id}" in seen_mine
        leaked = []
        try:
            while True:
                message = json.loads(theirs.recv(timeout=3))
                if session_id in json.dumps(message):
                    leaked.append(message["type"])
        except TimeoutError:
            pass
        assert leaked == []
        theirs.send(json.dumps({"type": "stop_reasoning", "session_id": session_id, "ref": 2}))
        answer = json.loads(theirs.recv(timeout=60))
        assert answer["type"] == "error" and answer["data"]["code"] == "not_found"


def test_mcp_tools_run_with_the_callers_role_and_objects(platform: str, owned: dict[str, Any]) -> None:
    from mcp.shared.exceptions import MCPError

    viewer = person(platform, "viewer")

    async def call(headers: dict[str, str], tool: str, arguments: dict[str, Any]) -> Any:
        async with authed.mcp_client(platform + "mcp", headers=headers) as client:
            return await client.call_tool(tool, arguments)

    def refusal_code(tool: str, arguments: dict[str, Any]) -> int | None:
        """The JSON-RPC error code of the call (the client raises it inside an exception group)."""
        try:
            asyncio.run(call(viewer, tool, arguments))
        except BaseException as exc:  # the client wraps it in exception groups
            found: BaseException | None = exc
            while isinstance(found, BaseExceptionGroup):
                found = found.exceptions[0]
            return found.code if isinstance(found, MCPError) else None
        return None

    # a viewer lists and reads, but a mutating tool answers FORBIDDEN
    listed = asyncio.run(call(viewer, "list_mcp_servers", {}))
    assert not listed.is_error
    assert refusal_code("reasoning", {"query": "2 + 2?", "mode": "direct", "wait": False}) == ErrorCode.FORBIDDEN
    assert refusal_code("evolution", {"action": "stop", "run_id": owned["run"]}) == ErrorCode.FORBIDDEN
    # another user's objects are not found; the owner's own are
    other = asyncio.run(call(owned["b"], "reasoning_result", {"session_id": owned["session"]}))
    assert other.is_error and "not_found" in str(other.content)
    other_run = asyncio.run(call(owned["b"], "evolution", {"action": "status", "run_id": owned["run"]}))
    assert other_run.is_error and "not_found" in str(other_run.content)
    hidden = asyncio.run(call(owned["b"], "search_knowledge", {"query": "owls", "index": owned["index"]}))
    assert hidden.is_error
    mine = asyncio.run(call(owned["a"], "reasoning_result", {"session_id": owned["session"]}))
    assert not mine.is_error
