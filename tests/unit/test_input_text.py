"""Text PostgreSQL cannot store (NUL, lone surrogates) is refused at every edge with a 422
naming the field, and what still reaches the store maps to a 4xx, never a 500: the rule,
the HTTP guard over the real gateway app, the /ws dispatch, the bus endpoint and the
store's error mapping. No Ray, no server."""

from __future__ import annotations

import asyncio
import json
import pickle
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import errors as pg_errors
from psycopg_pool import PoolTimeout

from actors.store.errors import platform_error
from configs.settings import load_settings
from protocols.errors import DatabaseUnavailable, InvalidText, PlatformError
from protocols.events import WsServerMessage
from protocols.jsonrpc import ErrorCode, make_request
from protocols.text import check_storable, dotted_field, find_unstorable, unstorable_reason
from serve_app.routers.websocket import WsSession, WsState, dispatch
from supervisors.actor import SupervisedActor, tool
from tests.unit.gateway_client import admin_client

NUL = "a\x00b"
SURROGATE = "a\ud800b"


class TestTheRule:
    @pytest.mark.parametrize("text", ["", "plain", "émoji 🙂 and 中文", "\x01\x1f\x7f", "\ufffd\uffff", "\U0010ffff"])
    def test_storable_text(self, text: str) -> None:
        assert unstorable_reason(text) is None

    @pytest.mark.parametrize(
        ("text", "words"),
        [
            (NUL, "NUL"),
            ("\x00", "NUL"),
            (SURROGATE, "surrogate (\\ud800"),
            ("x\udfff", "surrogate (\\udfff"),
        ],
    )
    def test_nul_and_lone_surrogates_are_not(self, text: str, words: str) -> None:
        reason = unstorable_reason(text)
        assert reason is not None and words in reason

    def test_the_first_bad_string_and_its_path_in_nested_json(self) -> None:
        value = {"ok": ["fine", {"deep": 1}], "messages": [{"content": "x"}, {"content": NUL}]}
        assert find_unstorable(value) == (("messages", 1, "content"), unstorable_reason(NUL))
        assert find_unstorable({"fine": [1, 2.0, None, True, "ok"]}) is None

    def test_keys_count_too(self) -> None:
        found = find_unstorable({"metadata": {NUL: 1}})
        assert found is not None and found[0] == ("metadata", NUL)

    def test_check_names_the_dotted_field(self) -> None:
        with pytest.raises(InvalidText) as caught:
            check_storable({"messages": [{"content": SURROGATE}]}, "body")
        err = caught.value
        assert (err.code, err.status, err.field) == ("invalid_text", 422, "body.messages.0.content")
        assert err.message.startswith("body.messages.0.content: must not contain a lone surrogate")
        check_storable({"title": "fine"}, "body")  # no error

    def test_a_bad_key_is_shown_escaped(self) -> None:
        assert dotted_field("body", ("metadata", NUL)) == "body.metadata.a\\x00b"
        assert dotted_field("body", ("metadata", SURROGATE)) == "body.metadata.a\\ud800b"
        assert dotted_field("", ("message", "content")) == "message.content"

    def test_the_errors_survive_ray_pickling(self) -> None:
        for err in (InvalidText(message="body.x: bad", field="body.x"), DatabaseUnavailable(message="down")):
            back = pickle.loads(pickle.dumps(err))
            assert type(back) is type(err) and back.to_dict() == err.to_dict() and back.status == err.status
        assert DatabaseUnavailable(message="down").status == 503


# ---- HTTP: the real gateway app, whose guard answers before any route needs Ray ----------


@pytest.fixture(scope="module")
def gateway() -> TestClient:
    # As an admin past the auth guard; references are made, never used.
    return admin_client()


def _post_json(client: TestClient, path: str, payload: Any) -> Any:
    # json.dumps escapes a lone surrogate as "\ud800", as a client's JSON would carry it
    return client.post(path, content=json.dumps(payload), headers={"content-type": "application/json"})


class TestHttpGuard:
    """The four server errors schemathesis found (issue 13), each now a 422 naming the field."""

    def test_nul_in_a_conversation_title(self, gateway: TestClient) -> None:
        response = _post_json(gateway, "/api/v1/chat/conversations", {"title": NUL})
        assert response.status_code == 422
        assert response.json()["code"] == "invalid_text" and response.json()["field"] == "body.title"

    def test_nul_in_the_export_query(self, gateway: TestClient) -> None:
        response = gateway.get("/api/v1/chat/export", params={"conversation_id": NUL})
        assert response.status_code == 422 and response.json()["field"] == "query.conversation_id"

    def test_nul_in_a_memory_and_in_its_path(self, gateway: TestClient) -> None:
        response = _post_json(gateway, "/api/v1/memory/agents/a1", {"content": "x", "metadata": {"k": NUL}})
        assert response.status_code == 422 and response.json()["field"] == "body.metadata.k"
        response = _post_json(gateway, "/api/v1/memory/agents/a%00b", {"content": "x"})
        assert response.status_code == 422 and response.json()["field"] == "path.agent_id"

    def test_a_lone_surrogate_in_a_model_entry(self, gateway: TestClient) -> None:
        response = _post_json(gateway, "/api/v1/models", {"name": "m", "parameters": {"note": SURROGATE}})
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "invalid_text" and body["field"] == "body.parameters.note"
        assert "surrogate" in body["message"]

    def test_a_query_name_is_checked_too(self, gateway: TestClient) -> None:
        response = gateway.get("/api/v1/chat/conversations?x%00=1")
        assert response.status_code == 422 and response.json()["field"] == "query.x\\x00"

    def test_good_text_passes_the_guard(self, gateway: TestClient) -> None:
        # Past the guard, the route's own validation answers (no Ray needed for that).
        response = _post_json(gateway, "/api/v1/chat/conversations", {"title": "é🙂", "agent_id": ""})
        assert response.status_code == 422 and response.json()["code"] == "validation_error"
        assert response.json()["field"] == "body.agent_id"

    def test_a_body_that_is_not_json_is_left_to_the_route(self, gateway: TestClient) -> None:
        response = gateway.post(
            "/api/v1/chat/conversations", content=b"not json \x00", headers={"content-type": "application/json"}
        )
        assert response.status_code == 422 and response.json()["code"] == "validation_error"


# ---- /ws -------------------------------------------------------------------------------


class _Relay:
    def topics_of(self, client_id: str) -> set[str]:
        return set()

    async def set_topics(self, client_id: str, topics: set[str]) -> None:
        pass


def _ws_session() -> tuple[WsSession, list[WsServerMessage]]:
    sent: list[WsServerMessage] = []

    async def send(message: WsServerMessage) -> None:
        sent.append(message)

    return WsSession(load_settings(), WsState(_Relay()), "c1", send), sent  # type: ignore[arg-type]


class TestWebSocket:
    @pytest.mark.parametrize(
        ("incoming", "field"),
        [
            ({"type": "chat_message", "ref": "r", "message": {"message": NUL}}, "message.message"),
            ({"type": "subscribe", "ref": "r", "topics": ["ok", SURROGATE]}, "topics.1"),
            (
                {"type": "request", "ref": "r", "to": "bus/main", "message": {"params": {NUL: 1}}},
                "message.params.a\\x00b",
            ),
        ],
    )
    def test_bad_text_is_an_error_naming_the_field(self, incoming: dict[str, Any], field: str) -> None:
        session, sent = _ws_session()
        asyncio.run(dispatch(session, incoming))
        assert len(sent) == 1 and sent[0].type == "error" and sent[0].ref == "r"
        assert sent[0].data["code"] == "invalid_text" and sent[0].data["field"] == field

    def test_a_bad_ref_is_not_echoed(self) -> None:
        session, sent = _ws_session()
        asyncio.run(dispatch(session, {"type": "ping", "ref": SURROGATE}))
        assert sent[0].type == "error" and sent[0].ref is None and sent[0].data["field"] == "ref"
        sent[0].model_dump_json()  # and the answer is sendable


# ---- the bus -----------------------------------------------------------------------------


class _Notes(SupervisedActor):
    def __init__(self) -> None:
        super().__init__("notes/main")
        self.kept: list[str] = []

    @tool(description="Keep a note.")
    async def keep(self, text: str) -> int:
        self.kept.append(text)
        return len(self.kept)


class TestBus:
    def test_a_tool_call_with_bad_text_is_invalid_params_and_never_runs(self) -> None:
        notes = _Notes()
        request = make_request("tools/call", {"name": "keep", "arguments": {"text": NUL}}, 7)
        answer = asyncio.run(notes.handle_rpc(request))
        assert answer is not None and answer["id"] == 7
        error = answer["error"]
        assert error["code"] == ErrorCode.INVALID_PARAMS
        assert error["data"] == {"field": "params.arguments.text", "code": "invalid_text"}
        assert notes.kept == []

    def test_good_text_is_served(self) -> None:
        notes = _Notes()
        answer = asyncio.run(
            notes.handle_rpc(make_request("tools/call", {"name": "keep", "arguments": {"text": "ok"}}, 1))
        )
        assert answer is not None and "result" in answer and notes.kept == ["ok"]

    def test_the_gateway_maps_it_to_a_422_naming_the_field(self) -> None:
        from protocols.jsonrpc import RpcError
        from serve_app.errors import as_platform_error

        err = as_platform_error(
            RpcError(ErrorCode.INVALID_PARAMS, "bad", {"field": "params.arguments.text", "code": "invalid_text"})
        )
        assert err is not None and (err.status, err.code, err.field) == (422, "invalid_text", "params.arguments.text")


# ---- the store's last line of defence ------------------------------------------------------


class TestStoreErrors:
    def test_text_the_database_refused_is_invalid_text(self) -> None:
        for exc in (
            psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"),
            pg_errors.UntranslatableCharacter("unsupported Unicode escape sequence"),
            _encode_error(),
        ):
            mapped = platform_error(exc)
            assert isinstance(mapped, InvalidText) and mapped.status == 422, exc

    def test_other_refused_values_are_a_422_too(self) -> None:
        mapped = platform_error(pg_errors.NumericValueOutOfRange("integer out of range"))
        assert mapped is not None and (mapped.status, mapped.code) == (422, "invalid_value")

    def test_a_server_out_of_reach_is_database_unavailable(self) -> None:
        for exc in (
            psycopg.OperationalError("server closed the connection unexpectedly"),
            pg_errors.AdminShutdown("terminating connection due to administrator command"),
            PoolTimeout("couldn't get a connection after 10.00 sec"),
        ):
            mapped = platform_error(exc)
            assert isinstance(mapped, DatabaseUnavailable) and mapped.status == 503, exc

    def test_everything_else_is_left_alone(self) -> None:
        assert platform_error(pg_errors.UniqueViolation("duplicate key")) is None
        assert platform_error(ValueError("x")) is None
        err = PlatformError("not_found", "x", status=404)
        assert platform_error(err) is err


def _encode_error() -> UnicodeEncodeError:
    try:
        SURROGATE.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc
    raise AssertionError("a lone surrogate encoded")


def test_an_unmatched_path_answers_in_its_surfaces_error_shape(gateway: TestClient) -> None:
    """schemathesis found /v1/models/<a newline> matching no route: a 404 in the platform's
    shape where OpenAI clients expect theirs. Each surface answers its clients' shape."""
    openai_style = gateway.get("/v1/models/%1F%0Ax")
    assert openai_style.status_code == 404
    assert openai_style.json()["error"]["type"] == "invalid_request_error"
    platform_style = gateway.get("/api/v1/no-such-thing")
    assert platform_style.status_code == 404 and platform_style.json()["code"] == "not_found"
