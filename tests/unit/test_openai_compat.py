"""The outside clients' surfaces without Ray: OpenAI requests to model requests, pieces to
OpenAI answers and chunks, tool calls by constrained JSON, the error shapes, and the routes
(/v1 and Ollama's /api/* never shadow /api/v1/...)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from starlette.routing import Match

from configs.settings import load_settings
from protocols.errors import PlatformError
from protocols.models import ModelError, ModelErrorCode
from protocols.openai_api import OpenAIChatRequest, OpenAIChunk, OpenAIToolCall, OpenAIToolCallFunction
from serve_app import deps
from serve_app.compat.tool_calls import Decision, decision_schema, parse_decision, plan_tools
from serve_app.compat.translate import (
    SSE_DONE,
    AnswerShape,
    Delta,
    Finish,
    chunk_json,
    finish_of,
    last_user_text,
    model_request,
    sse,
    usage,
)
from serve_app.errors import ollama_error, openai_error, openai_param, styled_errors
from tests.unit.gateway_client import admin_client

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
TIME = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}}


class Body(BaseModel):
    k: int


def chat(**fields: Any) -> OpenAIChatRequest:
    return OpenAIChatRequest.model_validate({"messages": [{"role": "user", "content": "Hi"}], **fields})


def refused(call: Any) -> PlatformError:
    with pytest.raises(PlatformError) as caught:
        call()
    return caught.value


# ---- the request --------------------------------------------------------------------------


class TestModelRequest:
    def test_messages_roles_and_text_parts(self) -> None:
        body = chat(
            messages=[
                {"role": "developer", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "Hello "}, {"type": "text", "text": "there"}]},
                {"role": "assistant", "content": "Hi!"},
                {"role": "user", "content": "Bye"},
            ]
        )
        request, plan = model_request(body, "smollm2:135m")
        assert plan is None and request.stream is True and request.format is None
        assert [(m.role, m.content) for m in request.messages] == [
            ("system", "Be brief."),
            ("user", "Hello there"),
            ("assistant", "Hi!"),
            ("user", "Bye"),
        ]

    def test_sampling_fields_become_options(self) -> None:
        body = chat(
            temperature=0.2,
            top_p=0.9,
            max_tokens=50,
            max_completion_tokens=20,
            stop="END",
            seed=7,
            presence_penalty=0.5,
            frequency_penalty=-0.5,
        )
        options = model_request(body, "m")[0].options
        assert options is not None
        assert (options.temperature, options.top_p, options.num_predict, options.seed) == (0.2, 0.9, 20, 7)
        assert options.stop == ["END"]
        assert (options.presence_penalty, options.frequency_penalty) == (0.5, -0.5)
        assert model_request(chat(max_tokens=50), "m")[0].options.num_predict == 50  # type: ignore[union-attr]

    def test_response_format(self) -> None:
        schema = {"type": "object", "properties": {"city": {"type": "string"}}}
        assert model_request(chat(response_format={"type": "json_object"}), "m")[0].format == "json"
        as_schema = chat(response_format={"type": "json_schema", "json_schema": {"name": "c", "schema": schema}})
        assert model_request(as_schema, "m")[0].format == schema
        assert model_request(chat(response_format={"type": "text"}), "m")[0].format is None
        missing = chat(response_format={"type": "json_schema", "json_schema": {"name": "c"}})
        err = refused(lambda: model_request(missing, "m"))
        assert err.status == 400 and err.field == "body.response_format.json_schema.schema"

    def test_what_cannot_be_honoured_is_refused_by_name(self) -> None:
        image = chat(messages=[{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}])
        assert refused(lambda: model_request(image, "m")).field == "body.messages.0.content.0.type"
        assert refused(lambda: model_request(chat(logprobs=True), "m")).field == "body.logprobs"
        assert refused(lambda: model_request(chat(stop=["a", "b", "c", "d", "e"]), "m")).field == "body.stop"
        with pytest.raises(ValueError, match="less than or equal to 1"):
            chat(n=2)
        with pytest.raises(ValueError, match="temperature"):
            chat(temperature=7)

    def test_ollama_clients_empty_format_is_no_format(self) -> None:
        from protocols.models import ChatRequest, GenerateRequest

        chat_request = ChatRequest(model="m", messages=[{"role": "user", "content": "x"}], format="", keep_alive=2.5)  # type: ignore[list-item,arg-type]
        assert chat_request.format is None and chat_request.keep_alive == 2.5
        assert GenerateRequest(model="m", prompt="x", format="").format is None  # type: ignore[arg-type]

    def test_unknown_fields_are_ignored_as_openai_compatible_servers_do(self) -> None:
        assert chat(metadata={"x": 1}, service_tier="auto").messages[0].content == "Hi"

    def test_an_agent_answers_the_last_user_message(self) -> None:
        body = chat(messages=[{"role": "system", "content": "x"}, {"role": "user", "content": "Question?"}])
        assert last_user_text(body) == "Question?"
        last_assistant = chat(messages=[{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}])
        assert refused(lambda: last_user_text(last_assistant)).field == "body.messages.1.role"


# ---- tool calls -------------------------------------------------------------------------------


class TestToolCalls:
    def test_no_plan_without_tools_or_with_choice_none(self) -> None:
        assert plan_tools(chat()) is None
        assert plan_tools(chat(tools=[WEATHER], tool_choice="none")) is None

    def test_auto_lets_the_model_answer_or_call(self) -> None:
        plan = plan_tools(chat(tools=[WEATHER, TIME]))
        assert plan is not None and plan.choice == "auto" and plan.names == ["get_weather", "get_time"]
        schema = decision_schema(plan)
        options = schema["anyOf"]
        assert options[0]["required"] == ["answer"]
        assert [o["properties"]["tool"]["const"] for o in options[1:]] == ["get_weather", "get_time"]
        assert options[1]["properties"]["arguments"] == WEATHER["function"]["parameters"]  # type: ignore[index]

    def test_required_and_named(self) -> None:
        required = plan_tools(chat(tools=[WEATHER, TIME], tool_choice="required"))
        assert required is not None
        assert all("tool" in o["properties"] for o in decision_schema(required)["anyOf"])
        named = plan_tools(
            chat(tools=[WEATHER, TIME], tool_choice={"type": "function", "function": {"name": "get_time"}})
        )
        assert named is not None and named.choice == "named"
        assert decision_schema(named)["properties"]["tool"] == {"const": "get_time"}

    def test_bad_tools_are_refused_by_name(self) -> None:
        unknown = chat(tools=[WEATHER], tool_choice={"type": "function", "function": {"name": "nope"}})
        assert refused(lambda: plan_tools(unknown)).field == "body.tool_choice.function.name"
        twice = chat(tools=[WEATHER, WEATHER])
        assert refused(lambda: plan_tools(twice)).field == "body.tools.1.function.name"

    def test_the_decision_schema_is_a_grammar_llama_cpp_accepts(self) -> None:
        from llama_cpp.llama_grammar import json_schema_to_gbnf

        plan = plan_tools(chat(tools=[WEATHER, TIME]))
        assert plan is not None
        grammar = json_schema_to_gbnf(json.dumps(decision_schema(plan)))
        assert "get_weather" in grammar and "answer" in grammar

    def test_the_models_text_becomes_a_decision(self) -> None:
        plan = plan_tools(chat(tools=[WEATHER]))
        assert plan is not None
        call = parse_decision('{"tool": "get_weather", "arguments": {"city": "Paris"}}', plan)
        assert call.content is None and len(call.tool_calls) == 1
        assert call.tool_calls[0].function.name == "get_weather"
        assert json.loads(call.tool_calls[0].function.arguments) == {"city": "Paris"}
        assert call.tool_calls[0].id.startswith("call_")
        assert parse_decision('{"answer": "It is sunny."}', plan) == Decision(content="It is sunny.")
        assert parse_decision('{"answer": {"a": 1}}', plan).content == '{"a": 1}'
        assert parse_decision('{"tool": "get_wea', plan).content == '{"tool": "get_wea'  # cut short

    def test_a_models_whole_text_ends_as_a_decision(self) -> None:
        from serve_app.compat.targets import _ending

        counts = Finish("stop", 9, 7)
        assert _ending("Hello", counts, None) == [counts]
        plan = plan_tools(chat(tools=[WEATHER]))
        assert plan is not None
        called = _ending('{"tool": "get_weather", "arguments": {"city": "Oslo"}}', counts, plan)
        assert len(called) == 1 and isinstance(called[0], Finish) and called[0].reason == "tool_calls"
        assert (called[0].prompt_tokens, called[0].completion_tokens) == (9, 7)
        assert _ending('{"answer": "Rain."}', counts, plan) == [Delta("Rain."), counts]

    def test_earlier_calls_and_results_are_written_for_the_model(self) -> None:
        body = chat(
            tools=[WEATHER],
            messages=[
                {"role": "system", "content": "You help."},
                {"role": "user", "content": "Weather in Paris?"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
            ],
        )
        request, plan = model_request(body, "m")
        assert plan is not None and request.format == decision_schema(plan)
        roles = [m.role for m in request.messages]
        assert roles == ["system", "system", "user", "assistant", "tool"]  # theirs first, then the functions
        assert "get_weather" in request.messages[1].content
        assert json.loads(request.messages[3].content) == {"tool": "get_weather", "arguments": {"city": "Paris"}}
        assert request.messages[4].content == "Result of get_weather: sunny"


# ---- the answer ---------------------------------------------------------------------------------


class TestAnswer:
    def test_usage_and_finish_from_the_last_chunk(self) -> None:
        finish = finish_of({"done": True, "done_reason": "length", "prompt_eval_count": 12, "eval_count": 30})
        assert finish == Finish("length", 12, 30)
        assert finish_of({"done": True, "done_reason": "stop"}).reason == "stop"
        assert usage(12, 30).model_dump() == {"prompt_tokens": 12, "completion_tokens": 30, "total_tokens": 42}
        assert usage(None, None).total_tokens == 0

    def test_whole_answer(self) -> None:
        shape = AnswerShape(model="smollm2:135m")
        shape.texts += ["Hel", "lo"]
        body = shape.completion(Finish("stop", 3, 2)).model_dump(mode="json")
        assert body["object"] == "chat.completion" and body["id"].startswith("chatcmpl-")
        assert body["choices"][0]["message"] == {
            "role": "assistant",
            "content": "Hello",
            "refusal": None,
            "tool_calls": None,
        }
        assert body["choices"][0]["finish_reason"] == "stop"
        assert body["usage"] == {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
        # an agent's stored text (with its notes) wins over the pieces
        assert shape.completion(Finish(content="Hello\n\n(Note: x)")).choices[0].message.content == "Hello\n\n(Note: x)"

    def test_a_function_call_answer(self) -> None:
        call = OpenAIToolCall(id="call_1", function=OpenAIToolCallFunction(name="f", arguments="{}"))
        body = AnswerShape(model="m").completion(Finish("stop", 1, 1, (call,)))
        assert body.choices[0].finish_reason == "tool_calls"
        assert body.choices[0].message.content is None and body.choices[0].message.tool_calls == [call]

    def test_chunks_as_openai_streams_them(self) -> None:
        shape = AnswerShape(model="m")
        first = chunk_json(shape.first_chunk())
        assert first["object"] == "chat.completion.chunk"
        assert first["choices"] == [
            {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None, "logprobs": None}
        ]
        text = chunk_json(shape.text_chunk("Hi"))
        assert text["choices"][0]["delta"] == {"content": "Hi"} and text["id"] == first["id"]
        end = chunk_json(shape.finish_chunk(Finish("length", 1, 2)))
        assert end["choices"][0]["delta"] == {} and end["choices"][0]["finish_reason"] == "length"
        last = chunk_json(shape.usage_chunk(Finish("stop", 1, 2)))
        assert last["choices"] == [] and last["usage"]["total_tokens"] == 3
        call = OpenAIToolCall(id="call_1", function=OpenAIToolCallFunction(name="f", arguments='{"a":1}'))
        calls = chunk_json(shape.tool_calls_chunk((call,)))
        assert calls["choices"][0]["delta"]["tool_calls"] == [
            {"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": '{"a":1}'}}
        ]
        event = sse(shape.text_chunk("x"))
        assert event.startswith("data: {") and event.endswith("\n\n")
        assert OpenAIChunk.model_validate(json.loads(event[len("data: ") :])).choices[0].delta.content == "x"
        assert SSE_DONE == "data: [DONE]\n\n"
        assert Delta("a") != Delta("b")


# ---- the error shapes ----------------------------------------------------------------------------


class TestErrorShapes:
    def test_openai_params(self) -> None:
        assert openai_param("body.messages.0.role") == "messages[0].role"
        assert openai_param("body.tools.12.function.name") == "tools[12].function.name"
        assert openai_param("body.temperature") == "temperature"
        assert openai_param("header.X-PyGent-Conversation-Id") == "X-PyGent-Conversation-Id"
        assert openai_param("body") is None and openai_param(None) is None

    def test_openai_error_bodies(self) -> None:
        status, body = openai_error(ModelError(ModelErrorCode.MODEL_NOT_FOUND, "no such model", None, 404))
        assert status == 404
        assert body == {
            "error": {
                "message": "no such model",
                "type": "invalid_request_error",
                "param": "model",
                "code": "model_not_found",
            }
        }
        status, body = openai_error(PlatformError("validation_error", "bad", "body.temperature", 422))
        assert status == 400 and body["error"]["param"] == "temperature"
        status, body = openai_error(PlatformError("unavailable", "restarting", None, 503))
        assert status == 503 and body["error"]["type"] == "server_error"

    def test_ollama_error_bodies(self) -> None:
        assert ollama_error(ModelError(ModelErrorCode.MODEL_NOT_FOUND, "model 'x' not found", None, 404)) == (
            404,
            {"error": "model 'x' not found"},
        )
        assert ollama_error(PlatformError("validation_error", "bad", "body.model", 422))[0] == 400

    def test_a_styled_router_answers_every_failure_in_its_shape(self) -> None:
        router = APIRouter(route_class=styled_errors(openai_error))

        @router.post("/typed")
        async def typed(body: Body) -> int:
            return body.k

        @router.get("/missing")
        async def missing() -> None:
            raise ModelError(ModelErrorCode.MODEL_NOT_FOUND, "gone", None, 404)

        @router.get("/bug")
        async def bug() -> None:
            raise KeyError("x")

        app = FastAPI()
        app.include_router(router)
        client = TestClient(app, raise_server_exceptions=False)
        bad = client.post("/typed", json={"k": "not a number"})
        assert bad.status_code == 400 and bad.json()["error"]["param"] == "k"
        assert client.get("/missing").json()["error"]["code"] == "model_not_found"
        crash = client.get("/bug")
        assert crash.status_code == 500 and crash.json()["error"]["type"] == "server_error"
        assert "Traceback" not in crash.text


# ---- the routes ------------------------------------------------------------------------------


def _concrete(path: str) -> str:
    import re

    return re.sub(r"\{[^}]+\}", "x", path)


class TestRoutes:
    @pytest.fixture(autouse=True)
    def _settings(self) -> Any:
        deps.install(load_settings())
        yield

    def test_no_outside_client_path_shadows_api_v1(self) -> None:
        from serve_app.gateway import app
        from serve_app.routers import ollama_api, openai_api

        outside = [*openai_api.router.routes, *ollama_api.router.routes]
        documented = app.openapi()["paths"]
        api_v1 = [
            (path, method.upper()) for path, ops in documented.items() for method in ops if path.startswith("/api/v1/")
        ]
        assert len(api_v1) > 70
        for path, method in api_v1:
            scope = {"type": "http", "path": _concrete(path), "method": method, "root_path": ""}
            taken = [r.path for r in outside if r.matches(scope)[0] is not Match.NONE]
            assert not taken, f"{method} {path} would be answered by {taken}"
        native = {r.path for r in ollama_api.router.routes}  # type: ignore[attr-defined]
        assert native == {
            "/api/chat",
            "/api/generate",
            "/api/tags",
            "/api/embed",
            "/api/embeddings",
            "/api/show",
            "/api/ps",
            "/api/version",
            "/api/pull",
            "/api/create",
            "/api/delete",
        }
        assert {"/api/chat", "/v1/chat/completions", "/v1/models", "/v1/embeddings"} <= set(documented)

    def test_v1_errors_are_openai_shaped_and_unknown_paths_too(self) -> None:
        client = admin_client()
        bad = client.post("/v1/chat/completions", json={"model": "m", "messages": [], "temperature": 1})
        assert bad.status_code == 400
        assert bad.json()["error"]["param"] == "messages" and bad.json()["error"]["type"] == "invalid_request_error"
        role = client.post("/v1/chat/completions", json={"model": "m", "messages": [{"role": "robot", "content": "x"}]})
        assert role.status_code == 400 and role.json()["error"]["param"] == "messages[0].role"
        unknown = client.get("/v1/assistants")
        assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_url"
        native = client.post("/api/chat", json={"messages": []})
        assert native.status_code == 400 and set(native.json()) == {"error"}
        # the gateway's own routes keep their error body
        assert client.post("/api/v1/chat/message", json={}).json()["code"] == "validation_error"


# ---- the streamed answer's life, with a scripted answer (no Ray) -------------------------------


class ScriptedAnswer:
    """An Answer whose pieces follow a script; records whether the generation was stopped."""

    def __init__(self, script: list[Any]) -> None:
        self.script = script
        self.stopped = 0

    def answer(self) -> Any:
        from serve_app.compat.targets import Answer

        async def pieces() -> Any:
            for step in self.script:
                if isinstance(step, BaseException):
                    raise step
                yield step

        def stop() -> None:
            self.stopped += 1

        return Answer(pieces(), stop, {"X-Test": "1"})


async def _events(answer: Any, limit: int | None = None) -> list[str]:
    import asyncio

    from serve_app.routers.openai_api import _streamed

    response = await _streamed(answer, AnswerShape(model="m"), asyncio.get_running_loop().time() + 30, True)
    assert response.headers["x-test"] == "1" and response.media_type == "text/event-stream"
    events: list[str] = []
    body = response.body_iterator
    async for event in body:
        events.append(str(event))
        if limit is not None and len(events) == limit:
            await body.aclose()  # type: ignore[attr-defined]  # the client went away
            break
    return events


class TestStreamedAnswer:
    @pytest.mark.asyncio
    async def test_a_whole_stream(self) -> None:
        scripted = ScriptedAnswer([Delta("Hel"), Delta("lo"), Finish("stop", 4, 2)])
        events = await _events(scripted.answer())
        bodies = [json.loads(e[len("data: ") :]) for e in events[:-1]]
        assert [b["choices"][0]["delta"].get("content") for b in bodies[:3]] == ["", "Hel", "lo"]
        assert bodies[3]["choices"][0]["finish_reason"] == "stop"
        assert bodies[4]["choices"] == [] and bodies[4]["usage"]["total_tokens"] == 6
        assert events[-1] == SSE_DONE and scripted.stopped == 0

    @pytest.mark.asyncio
    async def test_a_failure_mid_answer_is_an_error_event_and_no_done(self) -> None:
        broken = ModelError(ModelErrorCode.WORKER_CRASHED, "the worker died", None, 503)
        scripted = ScriptedAnswer([Delta("Hel"), broken])
        events = await _events(scripted.answer())
        last = json.loads(events[-1][len("data: ") :])
        assert last["error"]["code"] == "worker_crashed" and last["error"]["type"] == "server_error"
        assert SSE_DONE not in events

    @pytest.mark.asyncio
    async def test_a_client_that_goes_away_stops_the_generation(self) -> None:
        scripted = ScriptedAnswer([Delta(str(i)) for i in range(100)])
        events = await _events(scripted.answer(), limit=3)
        assert len(events) == 3 and scripted.stopped == 1

    @pytest.mark.asyncio
    async def test_a_failure_before_the_first_piece_is_raised(self) -> None:
        scripted = ScriptedAnswer([ModelError(ModelErrorCode.MODEL_NOT_FOUND, "no such model", None, 404)])
        with pytest.raises(ModelError):
            await _events(scripted.answer())
        assert scripted.stopped == 1
