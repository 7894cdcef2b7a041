"""The agents' plain engines: types, tool references, factory, chat router, context,
tool-calling loop, bus results, export. No Ray."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from actors.agents import bus_calls
from actors.agents.context import ContextBuilder, Turn
from actors.agents.export import export_conversation
from actors.agents.factory import AgentFactory, AgentSpecError
from actors.agents.routing import ChatRouter
from actors.agents.tool_loop import ToolLoop, decision_schema, parse_decision
from actors.agents.tools import InvalidToolRef, parse_tool_ref
from actors.agents.types import AgentTypesError, load_agent_types, parse_agent_types
from configs.settings import load_settings
from protocols.agents import AGENT_TYPES, Conversation, CreateAgentRequest, MessageStatus, StoredMessage, ToolStep


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.fixture(scope="module")
def types() -> dict[str, Any]:
    settings = load_settings()
    return load_agent_types(settings.resolve_path(settings.agents.types_file))


# ---- types ----------------------------------------------------------------------------------


def test_the_six_types_are_configured_with_prompts_and_capabilities(types: dict[str, Any]) -> None:
    assert set(types) == set(AGENT_TYPES)
    for agent_type in types.values():
        assert agent_type.description and agent_type.system_prompt and agent_type.capabilities
        assert agent_type.keywords
    assert "knowledge/main/search" in types["search"].tools


def test_malformed_types_name_the_problem() -> None:
    with pytest.raises(AgentTypesError, match="'types' mapping"):
        parse_agent_types({"nope": 1})
    with pytest.raises(AgentTypesError, match=r"type 'x'.*system_prompt"):
        parse_agent_types({"types": {"x": {"description": "d"}}})
    with pytest.raises(AgentTypesError, match="no agent types"):
        parse_agent_types({"types": {}})


def test_settings_sections_have_defaults() -> None:
    settings = load_settings()
    assert settings.agents.max_tool_steps >= 1 and settings.chat.default_agent_type == "general"


# ---- tool references ------------------------------------------------------------------------


def test_tool_references() -> None:
    mcp = parse_tool_ref("time/get_current_time")
    assert (mcp.address, mcp.tool) == ("mcp/time", "get_current_time")
    actor = parse_tool_ref("knowledge/main/search")
    assert (actor.address, actor.tool) == ("knowledge/main", "search")
    for bad in ("search", "a/b/c/d", "/x", "Bad Type/k/t"):
        with pytest.raises(InvalidToolRef):
            parse_tool_ref(bad)


# ---- factory --------------------------------------------------------------------------------


def factory(types: dict[str, Any], models: set[str], tools: set[str]) -> AgentFactory:
    async def model_check(name: str) -> str | None:
        return None if name in models else "not found"

    async def tool_check(name: str) -> str | None:
        return None if name in tools else "nothing answers there"

    return AgentFactory(types, "smollm2:135m", model_check, tool_check)


def test_factory_fills_defaults(types: dict[str, Any]) -> None:
    f = factory(types, {"smollm2:135m"}, set())
    spec = run(f.build(CreateAgentRequest(type="search"), "abcdef123456"))
    assert spec.model == "smollm2:135m" and spec.tools == ("knowledge/main/search",)
    assert spec.name == "search-abcdef12"


def test_factory_errors_name_the_field(types: dict[str, Any]) -> None:
    f = factory(types, {"smollm2:135m"}, {"time/get_current_time"})
    with pytest.raises(AgentSpecError) as err:
        run(f.build(CreateAgentRequest(type="wizard"), "id"))
    assert err.value.field == "body.type" and "wizard" in err.value.message
    with pytest.raises(AgentSpecError) as err:
        run(f.build(CreateAgentRequest(type="coding", model="gpt-9"), "id"))
    assert err.value.field == "body.model" and "gpt-9" in err.value.message
    with pytest.raises(AgentSpecError) as err:
        run(f.build(CreateAgentRequest(type="coding", tools=["time/get_current_time", "git/nope"]), "id"))
    assert err.value.field == "body.tools.1" and "git/nope" in err.value.message
    with pytest.raises(AgentSpecError) as err:
        run(f.build(CreateAgentRequest(type="coding", tools=["malformed"]), "id"))
    assert err.value.field == "body.tools.0"
    ok = run(f.build(CreateAgentRequest(type="coding", name="c", tools=["time/get_current_time"] * 2), "id"))
    assert ok.tools == ("time/get_current_time",) and ok.name == "c"


def test_spec_error_survives_pickling() -> None:
    import pickle

    err = pickle.loads(pickle.dumps(AgentSpecError("body.type", "bad", 404, "not_found")))
    assert (err.field, err.message, err.status, err.code) == ("body.type", "bad", 404, "not_found")


# ---- chat router ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Write a python function that reverses a list", "coding"),
        ("Please research recent papers on sparse attention and compare sources", "research"),
        ("Search the documents for the refund policy", "search"),
        ("Solve this logic puzzle step by step", "reasoning"),
        ("Evolve a population with a genetic algorithm", "evolution"),
        ("Hello there!", "general"),
        ("What colour is the sky?", "general"),
    ],
)
def test_router_picks_a_type(types: dict[str, Any], message: str, expected: str) -> None:
    decision = ChatRouter(types, "general").route(message)
    assert decision.agent_type == expected
    assert decision.reason


def test_router_explains_and_falls_back(types: dict[str, Any]) -> None:
    router = ChatRouter(types, "general", min_score=1.0)
    decision = router.route("debug this python code")
    assert "'python'" in decision.reason and "coding" in decision.reason
    assert decision.scores["coding"] == pytest.approx(2.5 + 2 + 2.5)
    low = router.route("the weather")
    assert low.agent_type == "general" and "no keyword matched" in low.reason
    strict = ChatRouter(types, "general", min_score=100)
    assert "< 100" in strict.route("python code").reason
    with pytest.raises(ValueError, match="default agent type"):
        ChatRouter(types, "nope")


# ---- context --------------------------------------------------------------------------------


def test_context_keeps_the_latest_turns_within_budget() -> None:
    history = [Turn("user" if i % 2 == 0 else "assistant", f"turn {i} " + "x" * 20) for i in range(10)]
    messages = ContextBuilder(budget_chars=200, recent_turns=4).build("SYS", history, "now?", memories=["likes tea"])
    assert messages[0]["role"] == "system" and "likes tea" in messages[0]["content"]
    assert messages[-1] == {"role": "user", "content": "now?"}
    middle = [m["content"] for m in messages[1:-1]]
    assert len(middle) <= 4 and middle[-1].startswith("turn 9")
    assert sum(len(m["content"]) for m in messages) <= 200 + 10


def test_context_cuts_a_long_turn_from_its_start() -> None:
    history = [Turn("user", "a" * 50 + "END")]
    messages = ContextBuilder(budget_chars=40, recent_turns=5).build("S", history, "q")
    kept = messages[1]["content"]
    assert kept.startswith("…") and kept.endswith("END") and len(kept) <= 40
    assert ContextBuilder(100, 0).build("S", history, "q")[1:] == [{"role": "user", "content": "q"}]


# ---- tool loop ------------------------------------------------------------------------------


class ScriptedModel:
    """A list of model replies, as a real model would write them (the loop's input)."""

    def __init__(self, replies: list[str]) -> None:
        self.replies = list(replies)
        self.calls: list[tuple[list[dict[str, Any]], Any]] = []

    async def __call__(self, messages: list[dict[str, Any]], fmt: Any) -> str:
        self.calls.append((list(messages), fmt))
        return self.replies.pop(0)


class Tools:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def __call__(self, name: str, arguments: dict[str, Any]) -> ToolStep:
        self.calls.append((name, arguments))
        if name == "knowledge/main/search":
            return ToolStep(
                tool=name, arguments=arguments, ok=False, result="knowledge/main is not available", unavailable=True
            )
        return ToolStep(tool=name, arguments=arguments, ok=True, result=f"12:00 in {arguments.get('tz')}")


def test_loop_calls_a_tool_feeds_back_and_answers() -> None:
    model = ScriptedModel(
        [
            json.dumps({"action": "call_tool", "tool": "time/get_current_time", "arguments": {"tz": "UTC"}}),
            json.dumps({"action": "answer", "answer": "It is 12:00."}),
        ]
    )
    tools = Tools()
    loop = ToolLoop(model, tools, max_steps=4)
    result = run(
        loop.run(
            [{"role": "system", "content": "S"}, {"role": "user", "content": "time?"}],
            [("time/get_current_time", "the time")],
        )
    )
    assert result.answer == "It is 12:00." and result.finished
    assert tools.calls == [("time/get_current_time", {"tz": "UTC"})]
    assert result.steps[0].ok and "12:00 in UTC" in result.steps[0].result
    second_prompt = model.calls[1][0]
    assert second_prompt[-1]["role"] == "user" and "12:00 in UTC" in second_prompt[-1]["content"]
    assert model.calls[0][1]["properties"]["tool"]["enum"] == ["time/get_current_time"]
    assert "time/get_current_time" in second_prompt[1]["content"]  # the tools prompt


def test_loop_recovers_from_bad_output_and_unknown_tools() -> None:
    model = ScriptedModel(
        [
            "not json",
            json.dumps({"action": "call_tool", "tool": "rm/rf"}),
            json.dumps({"action": "call_tool", "tool": "knowledge/main/search", "arguments": {"query": "x"}}),
            json.dumps({"action": "answer", "answer": "done"}),
        ]
    )
    result = run(
        ToolLoop(model, Tools(), max_steps=5).run(
            [{"role": "user", "content": "q"}], [("knowledge/main/search", "search")]
        )
    )
    assert result.answer == "done"
    assert result.notes == ["knowledge/main is not available"] and result.steps[0].unavailable
    fed_back = [m["content"] for m in model.calls[1][0] if m["role"] == "user"]
    assert any("not a valid decision" in c for c in fed_back)
    assert any("no tool 'rm/rf'" in m["content"] for m in model.calls[2][0])


def test_loop_is_bounded_then_answers_in_plain_text() -> None:
    call = json.dumps({"action": "call_tool", "tool": "time/get_current_time", "arguments": {}})
    model = ScriptedModel([call, call, "Plain answer."])
    result = run(
        ToolLoop(model, Tools(), max_steps=2).run([{"role": "user", "content": "q"}], [("time/get_current_time", "")])
    )
    assert result.answer == "Plain answer." and not result.finished and len(result.steps) == 2
    assert model.calls[-1][1] is None  # no schema for the last, plain answer
    gathered = run(
        ToolLoop(ScriptedModel([call]), Tools(), max_steps=1).run(
            [{"role": "user", "content": "q"}], [("time/get_current_time", "")], final_answer=False
        )
    )
    assert gathered.answer == "" and len(gathered.steps) == 1


def test_decision_parsing_and_schema() -> None:
    assert parse_decision('{"action": "answer", "answer": "x"}').answer == "x"
    with pytest.raises(ValueError, match="needs 'tool'"):
        parse_decision('{"action": "call_tool"}')
    with pytest.raises(ValueError, match="action"):
        parse_decision('{"action": "dance"}')
    assert decision_schema([])["properties"]["action"]["enum"] == ["answer"]


# ---- bus results ------------------------------------------------------------------------------


def test_bus_answers_as_steps() -> None:
    unknown = {"jsonrpc": "2.0", "id": 1, "error": {"code": -32002, "message": "unknown address"}}
    step = bus_calls.as_step("knowledge/main/search", "knowledge/main", {}, unknown)
    assert step.unavailable and not step.ok and "not available" in step.result
    other = bus_calls.as_step("a/b/c", "a/b", {}, {"error": {"code": -32006, "message": "no tool"}})
    assert not other.unavailable and "-32006" in other.result
    structured = {
        "result": {"content": [{"type": "text", "text": "{}"}], "structuredContent": {"result": {"answer": "hi"}}}
    }
    assert json.loads(bus_calls.as_step("x/y/z", "x/y", {}, structured).result) == {"answer": "hi"}
    text = {"result": {"content": [{"type": "text", "text": "12:00"}], "isError": False}}
    assert bus_calls.as_step("t/now", "mcp/t", {}, text).result == "12:00"
    failed = {"result": {"content": [{"type": "text", "text": "boom"}], "isError": True}}
    assert not bus_calls.as_step("t/now", "mcp/t", {}, failed).ok


# ---- export -------------------------------------------------------------------------------------


def test_export_formats() -> None:
    conversation = Conversation(
        id="c1", title="Tea", created_at="2026-01-01T00:00:00", updated_at="2026-01-01T00:00:00"
    )
    messages = [
        StoredMessage(id="m1", conversation_id="c1", role="user", content="Tea?", created_at="t1"),
        StoredMessage(
            id="m2",
            conversation_id="c1",
            role="assistant",
            content="Yes.",
            agent_id="a1",
            status=MessageStatus.STOPPED,
            created_at="t2",
        ),
    ]
    md = export_conversation(conversation, messages, "markdown")
    assert md.startswith("# Tea") and "## User" in md and "## Assistant (a1) _[stopped]_" in md and "Yes." in md
    data = json.loads(export_conversation(conversation, messages, "json"))
    assert data["conversation"]["id"] == "c1" and [m["content"] for m in data["messages"]] == ["Tea?", "Yes."]
    text = export_conversation(conversation, messages, "text")
    assert "user: Tea?" in text and "assistant [stopped]: Yes." in text
    with pytest.raises(ValueError):
        export_conversation(conversation, messages, "pdf")  # type: ignore[arg-type]
