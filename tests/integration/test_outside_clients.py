"""Outside clients against the running platform, through the official SDKs: `openai` on the
OpenAI-compatible API (/v1) and `ollama` on Ollama's own paths (/api/chat, ...).

The embedded model (SmolLM2-135M on llama.cpp) answers for real; names that are not
embedded go to the session's Ollama (the fake server, driven through the real client)."""

from __future__ import annotations

import base64
import json
import struct
import time
import uuid
from typing import Any

import jsonschema
import ollama
import openai
import pytest

from protocols.openai_api import CONVERSATION_HEADER
from tests.integration import authed
from tests.integration.agents_helpers import api, create_agent

pytestmark = pytest.mark.integration

MODEL = "smollm2:135m"
WORKER = f"llm/{MODEL}.0"
EMBEDDER = "all-minilm-l6-v2"
OLLAMA_MODEL = "llama3.2:1b"  # served by the session's fake Ollama
TIMEOUT = 180


@pytest.fixture(scope="module")
def oa(platform: str, admin_key: str) -> openai.OpenAI:
    """The OpenAI SDK with nothing but the base URL and an API key."""
    return openai.OpenAI(base_url=platform + "v1", api_key=admin_key, max_retries=0, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def ol(platform: str, auth_headers: dict[str, str]) -> ollama.Client:
    """The Ollama SDK with nothing but the host and the key (Ollama's clients send headers as given)."""
    return ollama.Client(host=platform.rstrip("/"), timeout=TIMEOUT, headers=auth_headers)


@pytest.fixture(scope="module")
def agent(platform: str) -> dict[str, Any]:
    return create_agent(platform, type="general", name=f"oa-{uuid.uuid4().hex[:8]}")


def user(content: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": content}]


def history(platform: str, conversation_id: str) -> list[dict[str, Any]]:
    response = authed.get(api(platform, "/chat/history"), params={"conversation_id": conversation_id}, timeout=60)
    assert response.status_code == 200, response.text
    return list(response.json()["messages"])


def wait_idle(client: Any, since: float, limit_s: float) -> float:
    """Seconds from `since` until the embedded worker has nothing in flight (fails past the limit)."""
    deadline = since + limit_s + 5
    while time.monotonic() < deadline:
        if client.call_tool(WORKER, "status")["in_flight"] == 0:
            return time.monotonic() - since
        time.sleep(0.02)
    pytest.fail(f"{WORKER} still busy {limit_s + 5:g} s after the client went away")


# ---- OpenAI: chat with a model ----------------------------------------------------------------


def test_chat_completion_from_the_embedded_model(oa: openai.OpenAI) -> None:
    answer = oa.chat.completions.create(model=MODEL, messages=user("Say hello."), max_tokens=16, temperature=0)
    assert answer.id.startswith("chatcmpl-") and answer.object == "chat.completion" and answer.model == MODEL
    choice = answer.choices[0]
    assert choice.message.role == "assistant" and choice.message.content and choice.message.content.strip()
    assert choice.finish_reason in ("stop", "length")
    assert answer.usage is not None and answer.usage.prompt_tokens > 0 and 0 < answer.usage.completion_tokens <= 16
    assert answer.usage.total_tokens == answer.usage.prompt_tokens + answer.usage.completion_tokens
    short = oa.chat.completions.create(model=MODEL, messages=user("Tell me a long story."), max_tokens=3)
    assert short.choices[0].finish_reason == "length" and short.usage and short.usage.completion_tokens == 3


def test_streamed_chat_is_openai_chunks_ending_with_done(oa: openai.OpenAI, platform: str) -> None:
    chunks = list(
        oa.chat.completions.create(
            model=MODEL,
            messages=user("Count from one to ten."),
            max_tokens=24,
            temperature=0,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert chunks[0].choices[0].delta.role == "assistant"
    texts = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(texts) >= 3 and "".join(texts).strip()
    assert len({c.id for c in chunks}) == 1 and all(c.object == "chat.completion.chunk" for c in chunks)
    finished = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finished) == 1 and finished[0].choices[0].finish_reason in ("stop", "length")
    last = chunks[-1]
    assert last.choices == [] and last.usage is not None and 0 < last.usage.completion_tokens <= 24

    raw = authed.post(
        platform + "v1/chat/completions",
        json={"model": MODEL, "messages": user("Hi"), "max_tokens": 4, "stream": True},
        timeout=TIMEOUT,
    )
    assert raw.headers["content-type"].startswith("text/event-stream")
    events = [line for line in raw.text.splitlines() if line]
    assert all(e.startswith("data: ") for e in events) and events[-1] == "data: [DONE]"


def test_json_schema_and_json_object_answers_parse(oa: openai.OpenAI) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
        "required": ["city", "population"],
    }
    answer = oa.chat.completions.create(
        model=MODEL,
        messages=user("What is the capital of France and its population?"),
        max_tokens=60,
        temperature=0,
        response_format={"type": "json_schema", "json_schema": {"name": "city", "schema": schema}},
    )
    jsonschema.validate(json.loads(answer.choices[0].message.content or ""), schema)
    loose = oa.chat.completions.create(
        model=MODEL,
        messages=user('Reply with a JSON object {"colour": <a colour>}.'),
        max_tokens=60,
        temperature=0,
        response_format={"type": "json_object"},
    )
    assert loose.choices[0].finish_reason == "stop"
    assert isinstance(json.loads(loose.choices[0].message.content or ""), dict)


def test_tool_calls_by_constrained_decisions(oa: openai.OpenAI) -> None:
    parameters = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    tools: Any = [
        {
            "type": "function",
            "function": {"name": "get_weather", "description": "Weather in a city", "parameters": parameters},
        }
    ]
    asked = user("What is the weather in Paris?")
    answer = oa.chat.completions.create(
        model=MODEL,
        messages=asked,
        tools=tools,
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        max_tokens=40,
        temperature=0,
    )
    choice = answer.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.tool_calls
    call = choice.message.tool_calls[0]
    assert call.type == "function" and call.function.name == "get_weather" and call.id.startswith("call_")
    jsonschema.validate(json.loads(call.function.arguments), parameters)

    # the same streamed, then the result goes back and the model answers
    streamed = list(
        oa.chat.completions.create(
            model=MODEL, messages=asked, tools=tools, tool_choice="required", max_tokens=40, temperature=0, stream=True
        )
    )
    deltas = [
        tc for c in streamed if c.choices and c.choices[0].delta.tool_calls for tc in c.choices[0].delta.tool_calls
    ]
    assert deltas and deltas[0].function and deltas[0].function.name == "get_weather"
    assert streamed[-1].choices[0].finish_reason == "tool_calls"
    follow_up = oa.chat.completions.create(
        model=MODEL,
        messages=[
            *asked,
            {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
            {"role": "tool", "tool_call_id": call.id, "content": "Sunny, 24 C"},
        ],
        tools=tools,
        tool_choice="none",
        max_tokens=24,
    )
    assert follow_up.choices[0].finish_reason in ("stop", "length") and follow_up.choices[0].message.content


def test_a_model_from_ollama_answers_through_v1(oa: openai.OpenAI) -> None:
    answer = oa.chat.completions.create(model=OLLAMA_MODEL, messages=user("Hello there"), max_tokens=8)
    assert answer.model == OLLAMA_MODEL and answer.choices[0].message.content
    assert answer.usage is not None and answer.usage.completion_tokens > 0


# ---- OpenAI: an agent as the model ---------------------------------------------------------------


def test_an_agent_answers_and_its_conversation_is_stored(
    oa: openai.OpenAI, platform: str, agent: dict[str, Any]
) -> None:
    model = f"agent:{agent['name']}"
    raw = oa.chat.completions.with_raw_response.create(model=model, messages=user("What is PyGent?"))
    conversation = raw.headers[CONVERSATION_HEADER]
    assert raw.headers["X-PyGent-Agent-Id"] == agent["id"]
    answer = raw.parse()
    assert answer.model == model and answer.choices[0].message.content
    stored = history(platform, conversation)
    assert [m["role"] for m in stored] == ["user", "assistant"]
    assert stored[0]["content"] == "What is PyGent?" and stored[1]["content"] == answer.choices[0].message.content
    assert stored[1]["agent_id"] == agent["id"]

    # the client sends the id back: the same conversation goes on (streamed this time)
    chunks = list(
        oa.chat.completions.create(
            model=f"agent:{agent['id']}",
            messages=user("Say more."),
            stream=True,
            extra_headers={CONVERSATION_HEADER: conversation},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    stored = history(platform, conversation)
    assert len(stored) == 4 and stored[2]["content"] == "Say more." and stored[3]["content"] == text.strip()

    # an id the client chose, by header or in `user`
    chosen = f"client-{uuid.uuid4().hex[:8]}"
    oa.chat.completions.create(model=model, messages=user("Hi"), extra_headers={CONVERSATION_HEADER: chosen})
    oa.chat.completions.create(model=model, messages=user("Hi again"), user=chosen)
    assert [m["content"] for m in history(platform, chosen) if m["role"] == "user"] == ["Hi", "Hi again"]


def test_models_lists_every_kind(oa: openai.OpenAI, agent: dict[str, Any]) -> None:
    listed = {m.id: m.owned_by for m in oa.models.list()}
    assert listed[MODEL] == "pygent" and listed[EMBEDDER] == "pygent"
    assert listed[OLLAMA_MODEL] == "ollama"
    assert listed[f"agent:{agent['name']}"] == "pygent-agent"
    assert oa.models.retrieve(MODEL).id == MODEL
    assert oa.models.retrieve(f"agent:{agent['id']}").owned_by == "pygent-agent"


# ---- OpenAI: embeddings -------------------------------------------------------------------------


def test_embeddings(oa: openai.OpenAI, platform: str) -> None:
    answer = oa.embeddings.create(model=EMBEDDER, input=["PyGent restarts actors.", "Supervisors restart children."])
    assert [d.index for d in answer.data] == [0, 1] and answer.model == EMBEDDER
    assert all(len(d.embedding) == 384 for d in answer.data)
    assert answer.usage.prompt_tokens > 0 and answer.usage.total_tokens == answer.usage.prompt_tokens
    as_base64 = authed.post(
        platform + "v1/embeddings",
        json={"model": EMBEDDER, "input": "PyGent restarts actors.", "encoding_format": "base64"},
        timeout=60,
    ).json()
    packed = base64.b64decode(as_base64["data"][0]["embedding"])
    decoded = struct.unpack(f"<{len(packed) // 4}f", packed)
    assert len(decoded) == 384 and decoded == pytest.approx(answer.data[0].embedding, abs=1e-5)
    from_ollama = oa.embeddings.create(model="all-minilm", input="hello world")
    assert len(from_ollama.data[0].embedding) > 0 and from_ollama.usage.prompt_tokens > 0


def test_a_reasoning_mode_answers_through_a_reasoning_session(oa: openai.OpenAI, platform: str) -> None:
    raw = oa.chat.completions.with_raw_response.create(
        model="reasoning:direct", messages=user("Say hello in one word."), max_tokens=16
    )
    answer = raw.parse()
    assert answer.model == "reasoning:direct" and answer.choices[0].finish_reason == "stop"
    assert answer.choices[0].message.content
    session_id = raw.headers["X-PyGent-Reasoning-Session"]
    stored = authed.get(api(platform, f"/reasoning/results/{session_id}"), timeout=60).json()
    assert stored["session"]["status"] == "completed" and stored["session"]["mode"] == "direct"
    assert stored["session"]["answer"] == answer.choices[0].message.content
    listed = {m.id for m in oa.models.list()}
    assert {"reasoning:adaptive", "reasoning:tot_only", "reasoning:s3_rag"} <= listed


# ---- OpenAI: refusals -----------------------------------------------------------------------------


def test_unknown_models_are_404_model_not_found(oa: openai.OpenAI) -> None:
    for name in ("no-such-model", "agent:no-such-agent", "reasoning:telepathy"):
        with pytest.raises(openai.NotFoundError) as caught:
            oa.chat.completions.create(model=name, messages=user("Hi"), max_tokens=4)
        assert caught.value.code == "model_not_found", name
        assert caught.value.param == "model" and name.split(":")[-1] in caught.value.message
    with pytest.raises(openai.NotFoundError):
        oa.models.retrieve("no-such-model")
    with pytest.raises(openai.NotFoundError):
        oa.embeddings.create(model="no-such-embedder", input="x")


def test_bad_input_is_400_naming_the_field(oa: openai.OpenAI, agent: dict[str, Any]) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"temperature": 7}, "temperature"),
        ({"messages": [{"role": "robot", "content": "x"}]}, "messages[0].role"),
        (
            {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]},
            "messages[0].content[0].type",
        ),
        ({"n": 2}, "n"),
        ({"logprobs": True}, "logprobs"),
        (
            {"model": f"agent:{agent['id']}", "extra_headers": {CONVERSATION_HEADER: "no spaces allowed"}},
            CONVERSATION_HEADER,
        ),
    ]
    for fields, param in cases:
        request: dict[str, Any] = {"model": MODEL, "messages": user("Hi"), "max_tokens": 4, **fields}
        with pytest.raises(openai.BadRequestError) as caught:
            oa.chat.completions.create(**request)
        assert caught.value.status_code == 400 and caught.value.param == param, (fields, caught.value.body)
        assert caught.value.type == "invalid_request_error"


# ---- stop: the client goes away ----------------------------------------------------------------------


def test_closing_the_stream_stops_the_model(oa: openai.OpenAI, client: Any) -> None:
    stream = oa.chat.completions.create(
        model=MODEL, messages=user("Write a very long story about the sea."), max_tokens=2000, stream=True
    )
    served = client.call_tool(WORKER, "status")["served"]
    received = 0
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            received += 1
        if received == 3:
            break
    closed_at = time.monotonic()
    stream.close()
    assert wait_idle(client, closed_at, 1.0) < 1.0
    assert client.call_tool(WORKER, "status")["served"] == served + 1  # that generation ended, cut short
    again = oa.chat.completions.create(model=MODEL, messages=user("Hi"), max_tokens=4)
    assert again.choices[0].message.content is not None


def test_closing_the_stream_stops_an_agent_and_ollama(
    oa: openai.OpenAI, platform: str, client: Any, agent: dict[str, Any], session_ollama: Any
) -> None:
    raw = oa.chat.completions.with_raw_response.create(
        model=f"agent:{agent['id']}", messages=user("Write a very long story about ships."), stream=True
    )
    conversation = raw.headers[CONVERSATION_HEADER]
    stream = raw.parse()
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            break
    closed_at = time.monotonic()
    stream.close()
    wait_idle(client, closed_at, 2.0)
    deadline = time.monotonic() + 10
    stored: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        stored = history(platform, conversation)
        if len(stored) == 2:
            break
        time.sleep(0.1)
    assert stored[-1]["role"] == "assistant" and stored[-1]["status"] == "stopped"

    cancelled = session_ollama.generations_cancelled
    stream = oa.chat.completions.create(model=OLLAMA_MODEL, messages=user("Go on and on."), max_tokens=500, stream=True)
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            break
    stream.close()
    deadline = time.monotonic() + 5
    while session_ollama.generations_cancelled == cancelled and time.monotonic() < deadline:
        time.sleep(0.02)
    assert session_ollama.generations_cancelled == cancelled + 1


# ---- Ollama's own paths through the ollama SDK ------------------------------------------------------


def test_ollama_client_chat_and_generate(ol: ollama.Client, platform: str) -> None:
    answer = ol.chat(model=MODEL, messages=user("Say hello."), options={"num_predict": 8, "temperature": 0})
    assert answer.message.role == "assistant" and answer.message.content and answer.done
    assert answer.eval_count and answer.prompt_eval_count
    parts = list(ol.chat(model=MODEL, messages=user("Count to ten."), options={"num_predict": 16}, stream=True))
    assert len(parts) >= 3 and parts[-1].done and not any(p.done for p in parts[:-1])
    generated = ol.generate(model=MODEL, prompt="The capital of France is", options={"num_predict": 6})
    assert generated.response and generated.done
    from_ollama = ol.chat(model=OLLAMA_MODEL, messages=user("Hi"), options={"num_predict": 4})
    assert from_ollama.message.content

    raw = authed.post(
        platform + "api/chat", json={"model": MODEL, "messages": user("Hi"), "options": {"num_predict": 4}}
    )
    assert raw.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in raw.text.splitlines() if line.strip()]
    assert lines[-1]["done"] is True and all("message" in line for line in lines)


def test_ollama_client_models(ol: ollama.Client, platform: str) -> None:
    names = {m.model for m in ol.list().models}
    assert {MODEL, OLLAMA_MODEL} <= names
    shown = ol.show(MODEL)
    assert shown.details and shown.details.format == "gguf" and "num_ctx" in (shown.parameters or "")
    assert ol.show(OLLAMA_MODEL).modelinfo
    running = {m.model for m in ol.ps().models}
    assert MODEL in running
    version = authed.get(platform + "api/version", timeout=30).json()["version"]
    assert version
    vectors = ol.embed(model=EMBEDDER, input=["one", "two"]).embeddings
    assert len(vectors) == 2 and all(len(v) == 384 for v in vectors)
    assert len(ol.embeddings(model=EMBEDDER, prompt="one").embedding) == 384
    created = f"oa-derived-{uuid.uuid4().hex[:6]}"
    assert list(ol.create(model=created, from_=OLLAMA_MODEL, system="Be brief.", stream=True))[-1].status == "success"
    assert created in {m.model.split(":")[0] for m in ol.list().models if m.model}
    assert ol.delete(created).status == "success"


def test_ollama_client_errors_are_ollamas(ol: ollama.Client, platform: str) -> None:
    with pytest.raises(ollama.ResponseError) as missing:
        ol.chat(model="no-such-model", messages=user("Hi"))
    assert missing.value.status_code == 404 and "no-such-model" in missing.value.error
    with pytest.raises(ollama.ResponseError) as embedded:
        ol.delete(MODEL)
    assert embedded.value.status_code == 400
    bad = authed.post(platform + "api/chat", json={"model": MODEL, "messages": []}, timeout=30)
    assert bad.status_code == 400 and set(bad.json()) == {"error"} and "messages" in bad.json()["error"]


def test_api_v1_still_routes_beside_the_native_paths(platform: str) -> None:
    health = authed.get(api(platform, "/health"), timeout=60)
    assert health.status_code == 200 and "components" in health.json()
    tags = authed.get(api(platform, "/ollama/models"), timeout=60)
    assert tags.status_code == 200 and any(m["name"] == MODEL for m in tags.json()["models"])
    missing = authed.get(api(platform, "/no-such-route"), timeout=30)
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    old_chat = authed.post(
        api(platform, "/ollama/chat"),
        json={"model": MODEL, "messages": user("Hi"), "stream": False, "options": {"num_predict": 4}},
        timeout=TIMEOUT,
    )
    assert old_chat.status_code == 200 and old_chat.json()["done"] is True
    unknown = authed.post(api(platform, "/ollama/chat"), json={"model": "nope", "messages": user("x")}, timeout=30)
    assert unknown.status_code == 404 and unknown.json()["code"] == "model_not_found"  # its own error body
