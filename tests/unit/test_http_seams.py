"""The HTTP layer without Ray: the OpenAPI document, the one error mapping, the WebSocket
dispatch table and subsystem health."""

from __future__ import annotations

import asyncio
import pickle
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from actors.agents.factory import AgentSpecError
from configs.settings import load_settings
from protocols.auth import Principal, Role
from protocols.errors import ActorTimeout, ActorUnavailable, PlatformError
from protocols.events import WsServerMessage
from protocols.jsonrpc import ErrorCode as RpcCode
from protocols.jsonrpc import RpcError
from protocols.knowledge import KnowledgeError, KnowledgeErrorCode
from protocols.models import ModelError, ModelErrorCode
from protocols.rest import DatabaseHealth, HealthReport
from protocols.supervision import ChildKind, ChildState, ChildStatus
from serve_app.errors import install_error_handlers
from serve_app.health_report import subsystem_health, with_database
from serve_app.routers.websocket import HANDLERS, WsSession, WsState, dispatch


class TestOpenApi:
    def test_every_route_documents_its_answer(self) -> None:
        from serve_app.gateway import app

        document = app.openapi()
        routes = [(method, path, op) for path, ops in document["paths"].items() for method, op in ops.items()]
        assert len(routes) >= 79
        for method, path, op in routes:
            ok = [v for code, v in op["responses"].items() if code.startswith("2")]
            assert ok, f"{method} {path} has no success response"
            schemas = [m.get("schema") for v in ok for m in v.get("content", {}).values()]
            assert any(schemas), f"{method} {path} has no response schema"

    def test_streaming_routes_document_ndjson(self) -> None:
        from serve_app.gateway import app

        paths = app.openapi()["paths"]
        for path in ("/api/v1/ollama/chat", "/api/v1/ollama/generate", "/api/v1/ollama/models/pull"):
            content = paths[path]["post"]["responses"]["200"]["content"]
            assert "application/x-ndjson" in content and "application/json" in content

    def test_the_health_endpoints_are_routes(self) -> None:
        from serve_app.gateway import app

        paths = app.openapi()["paths"]
        for part in ("agents", "mcp", "memory", "rag", "database", "ollama"):
            assert f"/api/v1/health/{part}" in paths


class Body(BaseModel):
    k: int


def _app_raising(exc: BaseException) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise exc

    @app.post("/typed")
    async def typed(body: Body) -> int:
        return body.k

    return TestClient(app, raise_server_exceptions=False)


class TestErrorMapping:
    @pytest.mark.parametrize(
        ("exc", "status", "code"),
        [
            (PlatformError("not_found", "no such thing", "name", 404), 404, "not_found"),
            (ActorUnavailable("knowledge/main", "knowledge/main is not running"), 503, "unavailable"),
            (ActorTimeout("timeout", "no answer in 1 s"), 504, "timeout"),
            (KnowledgeError(KnowledgeErrorCode.NOT_FOUND, "index: none", "index", 404), 404, "not_found"),
            (AgentSpecError("body.type", "unknown type"), 422, "validation_error"),
            (RpcError(RpcCode.INVALID_PARAMS, "bad timezone", {"field": "timezone"}), 422, "validation_error"),
            (RpcError(RpcCode.TARGET_UNAVAILABLE, "gone"), 503, "unavailable"),
            (TimeoutError(), 504, "timeout"),
            (RuntimeError("a bug"), 500, "internal_error"),
        ],
    )
    def test_one_place_maps_every_error(self, exc: BaseException, status: int, code: str) -> None:
        response = _app_raising(exc).get("/boom")
        assert response.status_code == status and response.json()["code"] == code

    def test_the_field_is_named(self) -> None:
        body = _app_raising(PlatformError("not_found", "nope", "body.name", 404)).get("/boom").json()
        assert body == {"code": "not_found", "message": "nope", "field": "body.name"}
        invalid = _app_raising(RuntimeError()).post("/typed", json={"k": "x"})
        assert invalid.status_code == 422 and invalid.json()["field"] == "body.k"

    def test_model_errors_name_their_backend(self) -> None:
        err = ModelError(ModelErrorCode.MODEL_NOT_FOUND, "no such model", "ollama", 404)
        body = _app_raising(err).get("/boom").json()
        assert body == {"code": "model_not_found", "message": "no such model", "backend": "ollama"}

    def test_subclasses_are_platform_errors_and_survive_pickling(self) -> None:
        for err in (
            ModelError(ModelErrorCode.TIMEOUT, "slow", "embedded", 504),
            KnowledgeError(KnowledgeErrorCode.CONFLICT, "taken", "name", 409),
            AgentSpecError("type", "unknown", 422, "validation_error"),
        ):
            assert isinstance(err, PlatformError)
            back = pickle.loads(pickle.dumps(err))
            assert type(back) is type(err) and back.to_dict() == err.to_dict() and back.status == err.status


class _Relay:
    def __init__(self) -> None:
        self.topics: dict[str, set[str]] = {}

    def topics_of(self, client_id: str) -> set[str]:
        return set(self.topics.get(client_id, set()))

    async def set_topics(self, client_id: str, topics: set[str]) -> None:
        self.topics[client_id] = set(topics)


def _session(role: Role = Role.ADMIN) -> tuple[WsSession, list[WsServerMessage]]:
    sent: list[WsServerMessage] = []

    async def send(message: WsServerMessage) -> None:
        sent.append(message)

    state = WsState(_Relay())  # type: ignore[arg-type]
    principal = Principal(user_id="u1", username="u1", role=role)
    return WsSession(load_settings(), state, "c1", send, principal), sent


class TestWebSocketDispatch:
    def test_every_client_type_has_a_model_and_a_handler(self) -> None:
        assert {"mcp_server_action", "request_system_metrics", "ping", "subscribe", "chat_message"} <= set(HANDLERS)

    def test_roles_limit_what_a_socket_may_send(self) -> None:
        viewer, sent = _session(Role.VIEWER)
        asyncio.run(dispatch(viewer, {"type": "ping", "ref": 1}))
        asyncio.run(dispatch(viewer, {"type": "chat", "ref": 2, "message": {"messages": []}}))
        user, sent_user = _session(Role.USER)
        asyncio.run(dispatch(user, {"type": "request", "ref": 3, "to": "bus/main", "message": {}}))
        assert [(m.type, m.ref) for m in sent] == [("pong", 1), ("error", 2)]
        assert sent[1].data["code"] == "forbidden" and sent_user[0].data["code"] == "forbidden"

    def test_ping_and_subscribe(self) -> None:
        session, sent = _session()
        asyncio.run(dispatch(session, {"type": "ping", "ref": 1}))
        asyncio.run(dispatch(session, {"type": "subscribe", "topics": ["a", "b"], "ref": 2}))
        asyncio.run(dispatch(session, {"type": "unsubscribe", "topics": ["a"], "ref": 3}))
        assert [(m.type, m.ref) for m in sent] == [("pong", 1), ("subscribed", 2), ("subscribed", 3)]
        assert sent[-1].data == {"topics": ["b"]}

    @pytest.mark.parametrize(
        ("incoming", "field"),
        [
            ({"type": "nope", "ref": "x"}, "type"),
            ({"ref": "x"}, "type"),
            ({"type": "mcp_server_action", "server_id": "time", "action": "explode", "ref": "x"}, "action"),
            ({"type": "mcp_server_action", "action": "start", "ref": "x"}, "server_id"),
            ({"type": "request", "message": {}, "ref": "x"}, "to"),
        ],
    )
    def test_unknown_types_and_invalid_payloads_are_errors_naming_the_field(
        self, incoming: dict[str, Any], field: str
    ) -> None:
        session, sent = _session()
        asyncio.run(dispatch(session, incoming))
        assert len(sent) == 1 and sent[0].type == "error" and sent[0].ref == "x"
        assert sent[0].data["code"] == "validation_error" and sent[0].data["field"] == field

    def test_a_non_object_is_an_error(self) -> None:
        session, sent = _session()
        asyncio.run(dispatch(session, [1, 2]))
        assert sent[0].type == "error" and sent[0].data["code"] == "validation_error"


def _node(address: str, state: ChildState, children: list[ChildStatus] | None = None) -> ChildStatus:
    kind = ChildKind.SUPERVISOR if address.startswith("supervisor/") else ChildKind.WORKER
    return ChildStatus(address=address, kind=kind, state=state, children=children or [])


def _tree(agent_state: ChildState = ChildState.RUNNING) -> ChildStatus:
    agents = _node("supervisor/agents", ChildState.RUNNING, [_node("agent/a1", agent_state)])
    return _node(
        "supervisor/root",
        ChildState.RUNNING,
        [_node("store/main", ChildState.RUNNING), _node("bus/main", ChildState.RUNNING), agents],
    )


def _owns(address: str) -> bool:
    return address == "supervisor/agents" or address.startswith("agent/")


class TestSubsystemHealth:
    def test_ok_when_everything_runs_and_the_service_answers(self) -> None:
        report = subsystem_health(_tree(), _owns, ("supervisor/agents",), {"agents": 1}, None)
        assert report.status == "ok" and set(report.components) == {"supervisor/agents", "agent/a1"}
        assert report.checks == {"agents": 1}

    def test_degraded_while_a_part_restarts(self) -> None:
        report = subsystem_health(_tree(ChildState.RESTARTING), _owns, ("supervisor/agents",), {}, None)
        assert report.status == "degraded"

    def test_down_when_the_service_does_not_answer_or_a_required_part_is_missing(self) -> None:
        silent = subsystem_health(_tree(), _owns, ("supervisor/agents",), {}, "supervisor/agents did not answer")
        assert silent.status == "down" and "did not answer" in (silent.detail or "")
        missing = subsystem_health(_tree(), _owns, ("knowledge/main",), {}, None)
        assert missing.status == "down" and "knowledge/main" in (missing.detail or "")
        assert subsystem_health(None, _owns, (), {}, None).status == "down"


def test_every_reference_in_the_openapi_document_resolves() -> None:
    """Two schemas of one name get long names from FastAPI; a hand-written $ref to the short
    name would then dangle (openapi-typescript refuses such a document)."""
    import json
    import re

    from serve_app.gateway import app

    document = app.openapi()
    schemas = set(document["components"]["schemas"])
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(document)))
    assert refs <= schemas, sorted(refs - schemas)


class TestHealthWithDatabase:
    def _report(self, status: str = "ok") -> HealthReport:
        return HealthReport.model_validate({"status": status, "components": {}, "checked_at": 0.0})

    def test_a_database_that_is_down_makes_the_platform_down(self) -> None:
        report = with_database(self._report(), DatabaseHealth(status="down", detail="no answer within 3 s"))
        assert report.status == "down"
        component = report.components["database"]
        assert (component.status, component.state, component.detail) == ("down", "unreachable", "no answer within 3 s")

    def test_degraded_and_ok(self) -> None:
        assert with_database(self._report(), DatabaseHealth(status="degraded", detail="pending")).status == "degraded"
        ok = with_database(self._report(), DatabaseHealth(status="ok", mode="embedded", latency_ms=0.4))
        assert ok.status == "ok" and ok.components["database"].detail == "embedded, 0.4 ms"
        # the tree's verdict is kept when it is worse
        assert with_database(self._report("down"), DatabaseHealth(status="ok")).status == "down"
