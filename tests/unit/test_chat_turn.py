"""An agent's turns without Ray or PostgreSQL: the model, tools and memory on the
in-memory runtime, the rows in a list."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest

from actors.agents.chat_turn import ChatTurns, Profile
from configs.settings import AgentsConfig
from protocols.addresses import AUTH, MEMORY, REASONING_MANAGER, WORKFLOWS
from protocols.agents import AgentType, MessageStatus, StoredMessage
from protocols.errors import ActorUnavailable
from protocols.events import TOPIC_AGENTS
from protocols.jsonrpc import ErrorCode, make_error, make_result
from protocols.models import ModelError, ModelErrorCode
from supervisors.runtime import InMemoryRuntime

MODEL = "model/tiny"
TIME_TOOL = "mcp/time"


class Rows:
    def __init__(self) -> None:
        self.rows: list[StoredMessage] = []
        self.statuses: list[str] = []

    async def add_message(
        self,
        conversation_id: str,
        role: str,
        content: str,
        agent_id: str | None,
        status: MessageStatus = MessageStatus.COMPLETE,
        metadata: dict[str, Any] | None = None,
        message_id: str | None = None,
    ) -> StoredMessage:
        for stored in self.rows:
            if message_id is not None and stored.id == message_id:
                return stored
        message = StoredMessage(
            id=message_id or f"m{len(self.rows) + 1}",
            conversation_id=conversation_id,
            role=role,  # type: ignore[arg-type]
            content=content,
            agent_id=agent_id,
            status=status,
            created_at="now",
            metadata=dict(metadata or {}),
        )
        self.rows.append(message)
        self.metadata = metadata
        return message

    async def answer_to(self, user_message_id: str) -> StoredMessage | None:
        return next((m for m in self.rows if m.metadata.get("reply_to") == user_message_id), None)

    async def mark_message(self, message_id: str, patch: dict[str, Any]) -> None:
        for stored in self.rows:
            if stored.id == message_id:
                stored.metadata.update(patch)

    async def messages(self, conversation_id: str, last: int) -> Sequence[StoredMessage]:
        return [m for m in self.rows if m.conversation_id == conversation_id][-last:]

    async def set_agent_status(self, agent_id: str, status: str) -> None:
        self.statuses.append(status)


class Model:
    """Streams the scripted answers, one per request, in pieces; records the requests."""

    def __init__(self, *answers: str, fail_after: int | None = None, endless: bool = False) -> None:
        self.answers = list(answers)
        self.fail_after = fail_after
        self.endless = endless
        self.requests: list[dict[str, Any]] = []
        self.closed = 0

    async def chat_stream(self, request: dict[str, Any], agent_type: str) -> AsyncIterator[dict[str, Any]]:
        self.requests.append(request)
        answer = self.answers.pop(0) if self.answers else ""
        try:
            for n, word in enumerate(answer.split(" ")):
                if self.fail_after is not None and n >= self.fail_after:
                    raise RuntimeError("the model fell over")
                yield {"message": {"content": word if n == 0 else " " + word}, "done": False}
                await asyncio.sleep(0)
            while self.endless:
                yield {"message": {"content": "."}, "done": False}
                await asyncio.sleep(0)
            yield {"done": True, "eval_count": 7}
        finally:
            self.closed += 1


class TimeServer:
    """An MCP endpoint with one tool, `now`."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def handle_rpc(self, message: dict[str, Any]) -> dict[str, Any]:
        if message["method"] == "tools/list":
            tool = {"name": "now", "description": "The time.", "inputSchema": {"properties": {"zone": {}}}}
            return make_result(message["id"], {"tools": [tool]})
        self.calls.append(message["params"])
        return make_result(message["id"], {"content": [{"type": "text", "text": "12:00"}], "isError": False})


class Memory:
    def __init__(self) -> None:
        self.remembered: list[dict[str, Any]] = []

    async def handle_rpc(self, message: dict[str, Any]) -> dict[str, Any]:
        params = message["params"]
        if params["name"] == "recall":
            return make_result(message["id"], {"structuredContent": {"memories": [{"content": "likes tea"}]}})
        self.remembered.append(params["arguments"])
        return make_result(message["id"], {"structuredContent": {"id": "x"}})


def turns(runtime: InMemoryRuntime, tools: list[str] | None = None, **config: Any) -> tuple[ChatTurns, Rows]:
    rows = Rows()
    agent_type = AgentType(type="helper", description="d", system_prompt="You help.")
    row = {"id": "a1", "name": "Ann", "type": "helper", "model": "tiny", "tools": tools or []}
    profile = Profile("a1", "agent/a1", row, agent_type)
    settings = AgentsConfig(**{"memory_k": 0, **config})
    return ChatTurns(settings, profile, rows, runtime, lambda model: f"model/{model}"), rows


async def run(chat: ChatTurns, message: str, run_id: str = "r1") -> list[dict[str, Any]]:
    return [event async for event in chat.chat_stream("c1", message, run_id)]


def statuses(runtime: InMemoryRuntime) -> list[str]:
    return [e.data["status"] for e in runtime.events_on(TOPIC_AGENTS) if e.type == "agent_status"]


@pytest.mark.asyncio
async def test_a_turn_streams_the_chunks_in_order_and_stores_both_messages() -> None:
    runtime = InMemoryRuntime()
    model = Model("hello there you")
    runtime.register(MODEL, model)
    chat, rows = turns(runtime)
    events = await run(chat, "hi")
    assert [e["event"] for e in events] == ["stored", "delta", "delta", "delta", "final"]
    assert "".join(e["delta"] for e in events if e["event"] == "delta") == "hello there you"
    final = events[-1]
    assert final["content"] == "hello there you" and final["status"] == "complete" and final["eval_count"] == 7
    assert [(m.role, m.content, m.status) for m in rows.rows] == [
        ("user", "hi", MessageStatus.COMPLETE),
        ("assistant", "hello there you", MessageStatus.COMPLETE),
    ]
    assert events[0]["message_id"] == rows.rows[0].id and final["message_id"] == rows.rows[1].id
    assert statuses(runtime) == ["processing", "completed"] and rows.statuses == ["processing", "completed"]
    assert chat.state.tasks_done == 1 and chat.state.stops == {}
    assert model.requests[0]["messages"][0] == {"role": "system", "content": "You help."}
    assert model.requests[0]["messages"][-1] == {"role": "user", "content": "hi"}


@pytest.mark.asyncio
async def test_the_context_has_the_earlier_turns_of_the_conversation() -> None:
    runtime = InMemoryRuntime()
    model = Model("first answer", "second answer")
    runtime.register(MODEL, model)
    chat, _ = turns(runtime)
    await run(chat, "one")
    await run(chat, "two", "r2")
    assert [m["content"] for m in model.requests[1]["messages"]] == ["You help.", "one", "first answer", "two"]


@pytest.mark.asyncio
async def test_a_model_failure_stores_an_error_row_and_answers_an_error_event() -> None:
    runtime = InMemoryRuntime()
    runtime.register(MODEL, Model("partial words here", fail_after=2))
    chat, rows = turns(runtime)
    events = await run(chat, "hi")
    assert [e["event"] for e in events] == ["stored", "delta", "delta", "error"]
    assert events[-1]["code"] == "agent_error" and "the model fell over" in events[-1]["message"]
    assert (rows.rows[-1].role, rows.rows[-1].content, rows.rows[-1].status) == (
        "assistant",
        "partial words",
        MessageStatus.ERROR,
    )
    assert statuses(runtime) == ["processing", "error"]
    assert runtime.events_on(TOPIC_AGENTS)[-1].data["error"] == chat.state.last_error


class DyingModel(Model):
    """Dies (as a crashed actor or worker does) after `dies_after` words of its first `deaths` answers."""

    def __init__(self, *answers: str, dies_after: int, deaths: int, error: Exception) -> None:
        super().__init__(*answers)
        self.dies_after, self.deaths, self.error = dies_after, deaths, error

    async def chat_stream(self, request: dict[str, Any], agent_type: str) -> AsyncIterator[dict[str, Any]]:
        dying = self.deaths > 0
        self.deaths -= 1
        said = 0
        async for chunk in super().chat_stream(request, agent_type):
            if dying and said == self.dies_after:
                raise self.error
            said += 1
            yield chunk


MODEL_DIED = ActorUnavailable(MODEL, f"{MODEL} died during 'chat_stream'", died_during_call=True)
WORKER_DIED = ModelError(ModelErrorCode.WORKER_CRASHED, "llm/tiny.0 died during this request", None, 503)


@pytest.mark.asyncio
@pytest.mark.parametrize("error", [MODEL_DIED, WORKER_DIED], ids=["router", "worker"])
async def test_a_model_that_dies_mid_answer_is_asked_again_and_the_answer_starts_over(error: Exception) -> None:
    runtime = InMemoryRuntime()
    model = DyingModel("cut short here", "the whole answer", dies_after=2, deaths=1, error=error)
    runtime.register(MODEL, model)
    chat, rows = turns(runtime)
    events = await run(chat, "hi")
    assert [e["event"] for e in events] == [
        "stored",
        "delta",
        "delta",
        "redelivered",
        "delta",
        "delta",
        "delta",
        "final",
    ]
    assert "asked again" in events[3]["reason"] and events[3]["message_id"] == events[0]["message_id"]
    assert events[-1]["content"] == "the whole answer" and events[-1]["status"] == "complete"
    assert [(m.role, m.content) for m in rows.rows] == [("user", "hi"), ("assistant", "the whole answer")]
    assert len(model.requests) == 2


@pytest.mark.asyncio
async def test_a_model_that_keeps_dying_ends_the_turn_with_an_error_after_the_retries() -> None:
    runtime = InMemoryRuntime()
    runtime.register(MODEL, DyingModel("a b c", "a b c", "a b c", dies_after=1, deaths=9, error=MODEL_DIED))
    chat, rows = turns(runtime, model_retries=1)
    events = await run(chat, "hi")
    assert [e["event"] for e in events] == ["stored", "delta", "redelivered", "delta", "error"]
    assert rows.rows[-1].status == MessageStatus.ERROR and rows.rows[-1].content == "a"


@pytest.mark.asyncio
async def test_a_refused_model_request_is_not_asked_again() -> None:
    runtime = InMemoryRuntime()
    refused = ModelError(ModelErrorCode.INVALID_REQUEST, "bad options", None, 400)
    model = DyingModel("a b c", "a b c", dies_after=1, deaths=1, error=refused)
    runtime.register(MODEL, model)
    chat, _ = turns(runtime)
    events = await run(chat, "hi")
    assert events[-1]["event"] == "error" and "bad options" in events[-1]["message"]
    assert len(model.requests) == 1


@pytest.mark.asyncio
async def test_no_model_is_an_error_row_too() -> None:
    runtime = InMemoryRuntime()
    chat, rows = turns(runtime, model_wait_s=0.2)  # waited for (it may be restarting), then an error
    events = await run(chat, "hi")
    assert events[-1]["event"] == "error" and "model/tiny" in events[-1]["message"]
    assert rows.rows[-1].status == MessageStatus.ERROR


@pytest.mark.asyncio
async def test_a_model_that_is_restarting_is_waited_for() -> None:
    runtime = InMemoryRuntime()
    chat, rows = turns(runtime, model_wait_s=5.0)

    async def model_back_soon() -> None:
        await asyncio.sleep(0.3)
        runtime.register(MODEL, Model("back"))

    back = asyncio.create_task(model_back_soon())
    events = await run(chat, "hi")
    await back
    assert events[-1]["event"] == "final" and rows.rows[-1].status == MessageStatus.COMPLETE


@pytest.mark.asyncio
async def test_stop_keeps_the_partial_answer_marked_stopped_and_closes_the_stream() -> None:
    runtime = InMemoryRuntime()
    model = Model("go", endless=True)
    runtime.register(MODEL, model)
    chat, rows = turns(runtime)
    events: list[dict[str, Any]] = []
    async for event in chat.chat_stream("c1", "hi", "run-9"):
        events.append(event)
        if len(events) == 4:
            assert chat.stop_run("run-9") is True
    assert events[-1]["event"] == "final" and events[-1]["status"] == "stopped"
    assert rows.rows[-1].status == MessageStatus.STOPPED
    assert model.closed == 1
    assert chat.stop_run("run-9") is False


@pytest.mark.asyncio
async def test_the_tool_loop_steps_are_recorded_and_fed_to_the_answer() -> None:
    runtime = InMemoryRuntime()
    decisions = [
        json.dumps({"action": "call_tool", "tool": "time/now", "arguments": {"zone": "UTC"}}),
        json.dumps({"action": "answer", "answer": "done"}),
    ]
    model = Model(*decisions, "It is noon")
    runtime.register(MODEL, model)
    server = TimeServer()
    runtime.register(TIME_TOOL, server)
    chat, rows = turns(runtime, tools=["time/now"])
    events = await run(chat, "what time is it?")
    final = events[-1]
    assert final["content"] == "It is noon"
    assert final["steps"] == [
        {"tool": "time/now", "arguments": {"zone": "UTC"}, "ok": True, "result": "12:00", "unavailable": False}
    ]
    assert server.calls == [{"name": "now", "arguments": {"zone": "UTC"}}]
    assert "format" in model.requests[0] and "format" not in model.requests[-1]
    assert model.requests[-1]["messages"][-2] == {
        "role": "system",
        "content": "Results of the tools you called:\n- time/now: 12:00",
    }
    assert rows.metadata is not None and rows.metadata["steps"][0]["tool"] == "time/now"


@pytest.mark.asyncio
async def test_a_tool_nobody_serves_becomes_a_note() -> None:
    runtime = InMemoryRuntime()
    runtime.register(MODEL, Model("plain answer"))
    chat, _ = turns(runtime, tools=["nowhere/thing"])
    final = (await run(chat, "hi"))[-1]
    assert final["content"].startswith("plain answer\n\n(Note: the tool nowhere/thing is not available")
    assert final["steps"] == []


@pytest.mark.asyncio
async def test_memories_are_recalled_into_the_prompt_and_the_message_remembered() -> None:
    runtime = InMemoryRuntime()
    model = Model("ok")
    runtime.register(MODEL, model)
    memory = Memory()
    runtime.register(MEMORY, memory)
    chat, _ = turns(runtime, memory_k=2)
    await run(chat, "hi")
    await asyncio.sleep(0.01)  # remembering happens in the background
    assert "likes tea" in model.requests[0]["messages"][0]["content"]
    assert memory.remembered == [{"agent_id": "a1", "content": "hi", "conversation_id": "c1", "kind": "message"}]


class SilentMemory:
    """A memory service that takes its time (restarting, its embedder loading)."""

    async def handle_rpc(self, message: dict[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")


@pytest.mark.asyncio
async def test_memory_that_does_not_answer_in_time_is_a_note_and_the_turn_answers() -> None:
    runtime = InMemoryRuntime()
    model = Model("ok")
    runtime.register(MODEL, model)
    runtime.register(MEMORY, SilentMemory())
    chat, _ = turns(runtime, memory_k=2, recall_timeout_s=0.05)
    final = (await asyncio.wait_for(run(chat, "hi"), 10))[-1]
    assert final["event"] == "final" and final["content"].startswith("ok")
    assert final["notes"] and final["notes"][0].startswith("Long-term memory did not answer within 0.05 s")
    assert model.requests, "the model was asked without memories"


@pytest.mark.asyncio
async def test_memory_that_is_not_there_is_a_note() -> None:
    runtime = InMemoryRuntime()
    runtime.register(MODEL, Model("ok"))
    chat, _ = turns(runtime, memory_k=2)
    final = (await run(chat, "hi"))[-1]
    assert final["notes"] and final["notes"][0].startswith("Long-term memory is not available")


@pytest.mark.asyncio
async def test_execute_runs_the_loop_to_a_final_answer() -> None:
    runtime = InMemoryRuntime()
    runtime.register(MODEL, Model(json.dumps({"action": "answer", "answer": " 42 "})))
    chat, _ = turns(runtime)
    result = await chat.execute("the answer?")
    assert result["answer"] == "42" and result["finished"] is True
    assert statuses(runtime) == ["processing", "completed"]


@pytest.mark.asyncio
async def test_a_bus_that_fails_is_an_error_answer_not_an_exception() -> None:
    class Broken(InMemoryRuntime):
        async def request(self, address: str, message: dict[str, Any], timeout_s: float | None = None) -> Any:
            raise ConnectionError("bus down")

    chat, _ = turns(Broken())
    answer = await chat.bus_request("mcp/x", {"id": 3})
    assert answer == make_error(3, ErrorCode.INTERNAL_ERROR, "bus: bus down")


@pytest.mark.asyncio
async def test_a_turn_delivered_again_stores_its_message_once_and_answers_once() -> None:
    runtime = InMemoryRuntime()
    model = Model("The answer.", "A second answer that must not happen.")
    runtime.register("model/tiny", model)
    chat, rows = turns(runtime)
    first = [e async for e in chat.chat_stream("c1", "Hello?", "r1", "u-1")]
    assert first[0] == {"event": "stored", "message_id": "u-1"}
    answer = first[-1]
    assert answer["event"] == "final" and answer["content"] == "The answer."
    # the caller lost the answer (its agent died after storing it) and delivers the turn again
    again = [e async for e in chat.chat_stream("c1", "Hello?", "r2", "u-1")]
    assert again[0] == {"event": "stored", "message_id": "u-1"}
    assert again[-1]["event"] == "final" and again[-1]["message_id"] == answer["message_id"]
    assert again[-1]["content"] == "The answer."
    assert [m.role for m in rows.rows] == ["user", "assistant"]  # nothing stored twice
    assert rows.rows[1].metadata["reply_to"] == "u-1"
    assert len(model.requests) == 1  # not asked twice


@pytest.mark.asyncio
async def test_a_turn_cut_after_its_tools_began_is_not_run_again_blindly() -> None:
    runtime = InMemoryRuntime()
    runtime.register("model/tiny", Model("never asked"))
    chat, rows = turns(runtime, tools=["time/get_current_time"])
    # the first delivery stored the message and began its tools, then the agent died
    await rows.add_message("c1", "user", "What time is it?", None, message_id="u-7")
    await rows.mark_message("u-7", {"tools_started": True, "tools": ["time/get_current_time"]})
    events = [e async for e in chat.chat_stream("c1", "What time is it?", "r2", "u-7")]
    final = events[-1]
    assert final["event"] == "final" and final["status"] == "error"
    assert "time/get_current_time" in final["notes"][0] and "not run again" in final["notes"][0]
    assert [m.role for m in rows.rows] == ["user", "assistant"]
    assert rows.rows[1].metadata["reply_to"] == "u-7"


class Owners:
    """auth/main's `lookup`: who owns a conversation or an agent."""

    def __init__(self, owners: dict[tuple[str, str], str]) -> None:
        self.owners = owners

    async def lookup(self, kind: str, object_id: str) -> tuple[bool, str | None]:
        return True, self.owners.get((kind, object_id))


class Reasoning:
    """manager/reasoning: records who each session was started for."""

    def __init__(self) -> None:
        self.owners: list[str | None] = []

    async def start(self, body: dict[str, Any], session_id: str | None, owner: str | None) -> dict[str, Any]:
        self.owners.append(owner)
        return {"session_id": f"s{len(self.owners)}"}

    async def result(self, session_id: str, wait_s: float) -> dict[str, Any]:
        return {"session": {"status": "completed", "answer": "It restarts the child.", "metrics": {}}}


class Workflows:
    """workflows/main: records who each research analysis was started for."""

    def __init__(self) -> None:
        self.owners: list[str | None] = []

    async def start(self, body: dict[str, Any], owner: str | None) -> dict[str, Any]:
        self.owners.append(owner)
        return {"workflow_id": f"w{len(self.owners)}"}

    async def result(self, workflow_id: str, wait_s: float) -> dict[str, Any]:
        return {"workflow": {"status": "completed"}, "report": {"markdown": "# Research report: restarts"}}


def starting_turns(runtime: InMemoryRuntime, **kind: Any) -> ChatTurns:
    agent_type = AgentType(type="thinker", description="d", system_prompt="You think.", **kind)
    row = {"id": "a1", "name": "Ann", "type": "thinker", "model": "tiny", "tools": []}
    return ChatTurns(AgentsConfig(memory_k=0), Profile("a1", "agent/a1", row, agent_type), Rows(), runtime, str)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("owners", "expected"),
    [
        ({("conversation", "c1"): "u-chatting", ("agent", "a1"): "u-agent"}, "u-chatting"),
        ({("agent", "a1"): "u-agent"}, "u-agent"),  # a conversation not claimed yet: the agent's owner
        ({}, None),  # the platform's own agent and conversation: the admins'
    ],
)
async def test_what_a_turn_starts_belongs_to_the_user_chatting(
    owners: dict[tuple[str, str], str], expected: str | None
) -> None:
    runtime = InMemoryRuntime()
    reasoning, workflows = Reasoning(), Workflows()
    runtime.register(AUTH, Owners(owners))
    runtime.register(REASONING_MANAGER, reasoning)
    runtime.register(WORKFLOWS, workflows)
    reasoned = await run(starting_turns(runtime, reasoning_mode="adaptive"), "why?")
    assert reasoned[-1]["content"] == "It restarts the child." and reasoning.owners == [expected]
    researched = await run(starting_turns(runtime, workflow="research-analysis"), "what restarts?")
    assert researched[-1]["content"].startswith("# Research report:") and workflows.owners == [expected]
