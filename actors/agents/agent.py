"""The Agent actor: one per agent, at `agent/<id>` under `supervisor/agents`.

Its state lives in PostgreSQL: its config (the `agents` row) and its conversations
(`messages`). On start it reads its row, so a restarted agent is the same agent and
continues a conversation where it stopped: context is read from the messages table
for every message. Long-term memories go through `memory/main` on the bus.

Peers call it over the bus: its capabilities are tools (`ask`, `execute`, `status`).
The gateway streams chat answers from `chat_stream` (a Ray streaming generator).
Every user message is stored before the model is asked, and every answer (complete,
stopped or failed) before it is acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import ray

from actors.agents import bus_calls
from actors.agents.context import ContextBuilder, Turn
from actors.agents.tool_loop import ToolLoop
from actors.agents.types import load_agent_types
from actors.base import SupervisedActor, tool
from actors.models.catalog import configured_model
from actors.refs import await_ref
from actors.store import agents_chat as q
from actors.store.database import Database
from actors.store.pool import open_store_pool
from configs.settings import Settings, get_settings
from protocols.addresses import BUS, OLLAMA
from protocols.agents import AgentStatus, AgentType, ExecuteResult, MessageStatus, ToolStep
from protocols.events import TOPIC_AGENTS
from protocols.jsonrpc import ErrorCode

log = logging.getLogger(__name__)

MEMORY = "memory/main"


class AgentGone(RuntimeError):
    """The agent's row is missing or deleted: it must not run."""


def model_address(settings: Settings, model: str) -> str:
    if configured_model(model, settings) is not None:
        return f"model/{model}"
    if settings.ollama.host:
        return OLLAMA
    raise ValueError(f"model '{model}' is not an embedded model and no Ollama is configured")


class Agent(SupervisedActor):
    def __init__(self, address: str, agent_id: str) -> None:
        super().__init__(address)
        self.agent_id = agent_id
        self.settings = get_settings()
        self.namespace = ray.get_runtime_context().namespace
        self.db: Database | None = None
        self.row: dict[str, Any] = {}
        self.type: AgentType | None = None
        self.status = AgentStatus.IDLE
        self.last_error: str | None = None
        self.tasks_done = 0
        self._stops: dict[str, asyncio.Event] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self._bus: Any = None

    # ---- lifetime ------------------------------------------------------------------

    async def on_start(self) -> None:
        db = await open_store_pool(self.settings, self.namespace, max_size=3)
        self.db = db
        await self.reload()
        await q.set_agent_status(db, self.agent_id, AgentStatus.IDLE.value)

    async def on_stop(self) -> None:
        db, self.db = self.db, None
        if db is not None:
            await db.close()

    async def reload(self) -> dict[str, Any]:
        """Read this agent's config from the database (after a restart, or a change of tools)."""
        row = await q.get_agent(self._db, self.agent_id)
        if row is None:
            raise AgentGone(f"agent {self.agent_id} is not in the registry (deleted?)")
        types = load_agent_types(self.settings.resolve_path(self.settings.agents.types_file))
        self.type = types.get(row["type"])
        if self.type is None:
            raise AgentGone(f"agent {self.agent_id} has type '{row['type']}', which is no longer configured")
        self.row = row
        return row

    @property
    def _db(self) -> Database:
        if self.db is None:
            raise RuntimeError(f"{self.address} is not started")
        return self.db

    # ---- for the gateway (Ray handle) ------------------------------------------------

    async def info(self) -> dict[str, Any]:
        return {
            **self.row,
            "status": self.status.value,
            "last_error": self.last_error,
            "tasks_done": self.tasks_done,
            "running": sorted(self._stops),
            "uptime_s": time.time() - self.started_at,
        }

    async def stop_run(self, run_id: str) -> bool:
        """Stop a streaming answer: the partial answer is stored, marked stopped."""
        event = self._stops.get(run_id)
        if event is None:
            return False
        event.set()
        return True

    async def chat_stream(
        self, conversation_id: str, message: str, run_id: str | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Answer one user message of a conversation, streamed.

        Yields {"event": "stored", "message_id"} once the user message is stored, then
        {"event": "delta", "delta"} pieces, then {"event": "final", "message_id",
        "content", "status", "notes", "steps"} once the answer is stored; or
        {"event": "error", "code", "message"}."""
        run_id = run_id or uuid.uuid4().hex
        stop = self._stops.setdefault(run_id, asyncio.Event())
        parts: list[str] = []
        notes: list[str] = []
        steps: list[ToolStep] = []
        stored = False  # the answer
        user_stored = False
        await self._set_status(AgentStatus.PROCESSING)
        try:
            user = await q.add_message(self._db, conversation_id, "user", message, None)
            user_stored = True
            yield {"event": "stored", "message_id": user.id}
            messages, notes = await self._prompt(conversation_id, message, exclude=user.id)
            if self.row.get("tools"):
                gathered = await self._tool_loop(messages, final_answer=False)
                steps = gathered.steps
                notes += [n for n in gathered.notes if n not in notes]
                if steps:
                    results = "\n".join(
                        f"- {s.tool}: {s.result[: self.settings.agents.tool_result_chars]}" for s in steps
                    )
                    messages.insert(-1, {"role": "system", "content": "Results of the tools you called:\n" + results})
            stream = self._model().chat_stream.remote(self._request(messages), self.row["type"])
            finished = False
            eval_count = None
            try:
                async for ref in stream:
                    chunk = await ref
                    if chunk.get("done"):
                        finished = True
                        eval_count = chunk.get("eval_count")
                        break
                    delta = chunk.get("message", {}).get("content", "")
                    if delta:
                        parts.append(delta)
                        yield {"event": "delta", "delta": delta}
                    if stop.is_set():
                        break
                else:
                    finished = True
            finally:
                if not finished:  # stopped, or the caller went away: the model stops too
                    with contextlib.suppress(Exception):
                        ray.cancel(stream)
            status = MessageStatus.STOPPED if stop.is_set() else MessageStatus.COMPLETE
            content = self._with_notes("".join(parts).strip(), notes)
            answer = await self._store_answer(conversation_id, content, status, notes, steps)
            stored = True
            self.tasks_done += 1
            await self._set_status(AgentStatus.COMPLETED)
            self._remember(conversation_id, message)
            yield {
                "event": "final",
                "message_id": answer.id,
                "content": content,
                "status": status.value,
                "notes": notes,
                "steps": [s.model_dump() for s in steps],
                "eval_count": eval_count,
            }
        except (asyncio.CancelledError, GeneratorExit):
            if user_stored and not stored:  # the caller went away: keep what was said, marked stopped
                await asyncio.shield(
                    self._store_answer(conversation_id, "".join(parts).strip(), MessageStatus.STOPPED, notes, steps)
                )
                stored = True
                self.status = AgentStatus.COMPLETED
            raise
        except Exception as exc:
            detail = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            self.last_error = detail
            await self._set_status(AgentStatus.ERROR)
            if user_stored and not stored:
                with contextlib.suppress(Exception):
                    await self._store_answer(conversation_id, "".join(parts).strip(), MessageStatus.ERROR, notes, steps)
            yield {"event": "error", "code": "agent_error", "message": detail}
        finally:
            self._stops.pop(run_id, None)

    # ---- tools for peers on the bus ---------------------------------------------------

    @tool(description="Ask this agent a question; it answers in a conversation (a new one unless given).")
    async def ask(self, question: str, conversation_id: str | None = None) -> dict[str, Any]:
        if conversation_id is None:
            title = f"asked over the bus: {question[:40]}"
            conversation_id = (await q.create_conversation(self._db, title, self.agent_id)).id
        final: dict[str, Any] = {}
        async for event in self.chat_stream(conversation_id, question):
            if event["event"] in ("final", "error"):
                final = event
        if final.get("event") == "error":
            raise RuntimeError(final["message"])
        return {
            "answer": final["content"],
            "conversation_id": conversation_id,
            "message_id": final["message_id"],
            "agent_id": self.agent_id,
        }

    @tool(description="Carry out a task with this agent's tools (a tool-calling loop) and answer.")
    async def execute(self, task: str) -> dict[str, Any]:
        await self._set_status(AgentStatus.PROCESSING)
        try:
            messages, notes = await self._prompt(None, task)
            result = await self._tool_loop(messages, final_answer=True)
            result.notes = notes + [n for n in result.notes if n not in notes]
            result.answer = self._with_notes(result.answer, result.notes)
        except Exception as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"
            await self._set_status(AgentStatus.ERROR)
            raise
        self.tasks_done += 1
        await self._set_status(AgentStatus.COMPLETED)
        return result.model_dump()

    @tool(name="status", description="This agent's type, model, tools and status.")
    async def tool_status(self) -> dict[str, Any]:
        return await self.info()

    # ---- internals ------------------------------------------------------------------

    def _model(self) -> Any:
        return ray.get_actor(model_address(self.settings, self.row["model"]), namespace=self.namespace)

    def _request(
        self, messages: list[dict[str, Any]], fmt: dict[str, Any] | None = None, stream: bool = True
    ) -> dict[str, Any]:
        a = self.settings.agents
        tokens = a.max_answer_tokens if fmt is None else a.decision_tokens
        request: dict[str, Any] = {
            "model": self.row["model"],
            "messages": messages,
            "stream": stream,
            "options": {"num_predict": tokens, "temperature": a.temperature},
        }
        if fmt is not None:
            request["format"] = fmt
        return request

    async def _prompt(
        self, conversation_id: str | None, message: str, exclude: str | None = None
    ) -> tuple[list[dict[str, Any]], list[str]]:
        a = self.settings.agents
        history: list[Turn] = []
        if conversation_id is not None and a.recent_turns:
            stored = await q.messages(self._db, conversation_id, last=a.recent_turns + 1)
            history = [
                Turn(m.role, m.content)
                for m in stored
                if m.id != exclude and m.role in ("user", "assistant") and m.content
            ]
        memories, notes = await self._recall(message)
        assert self.type is not None
        builder = ContextBuilder(a.context_chars, a.recent_turns)
        return builder.build(self.type.system_prompt, history, message, memories), notes

    async def _recall(self, query: str) -> tuple[list[str], list[str]]:
        if not self.settings.agents.memory_k:
            return [], []
        response = await self._bus_request(
            MEMORY,
            bus_calls.tools_call(
                "recall", {"query": query, "agent_id": self.agent_id, "k": self.settings.agents.memory_k}
            ),
        )
        step = bus_calls.as_step("memory/main/recall", MEMORY, {}, response)
        if step.unavailable:
            return [], [f"Long-term memory is not available: {step.result}."]
        if not step.ok:
            return [], []
        value = bus_calls.result_value((response or {}).get("result") or {})
        memories = value.get("memories", []) if isinstance(value, dict) else []
        return [str(m.get("content", "")) for m in memories if isinstance(m, dict) and m.get("content")], []

    def _remember(self, conversation_id: str, message: str) -> None:
        if not self.settings.agents.memory_k:
            return
        arguments = {
            "agent_id": self.agent_id,
            "content": message,
            "conversation_id": conversation_id,
            "kind": "message",
        }
        task = asyncio.create_task(self._bus_request(MEMORY, bus_calls.tools_call("remember", arguments)))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _tool_loop(self, messages: list[dict[str, Any]], final_answer: bool) -> ExecuteResult:
        """The loop over the tools that answer now; the others are named as not available."""
        descriptions: list[tuple[str, str]] = []
        notes: list[str] = []
        for name in self.row.get("tools") or []:
            description, problem = await self._describe_tool(name)
            if problem is None:
                descriptions.append((name, description))
            elif problem not in notes:
                notes.append(problem)
        if not descriptions and not final_answer:
            return ExecuteResult(answer="", notes=notes, finished=False)
        a = self.settings.agents
        loop = ToolLoop(self._ask_model, self._call_tool, a.max_tool_steps, a.tool_result_chars)
        result = await loop.run(messages, descriptions, final_answer=final_answer)
        result.notes = notes + [n for n in result.notes if n not in notes]
        return result

    async def _describe_tool(self, name: str) -> tuple[str, str | None]:
        """(description, None), or ("", why it cannot be used now)."""
        address, tool_name = bus_calls.tool_address(name)
        response = await self._bus_request(address, bus_calls.tools_list())
        error = (response or {}).get("error")
        if error is not None:
            if error.get("code") == ErrorCode.UNKNOWN_ADDRESS:
                return "", f"the tool {name} is not available: {bus_calls.unavailable_note(address)}"
            return "", f"the tool {name} is not available now ({error.get('message')})"
        for entry in ((response or {}).get("result") or {}).get("tools", []):
            if entry.get("name") == tool_name:
                schema = entry.get("inputSchema", {}).get("properties", {})
                return f"{entry.get('description') or ''} (arguments: {', '.join(schema) or 'none'})", None
        return "", f"the tool {name} is not available: {address} has no tool '{tool_name}'"

    async def _ask_model(self, messages: list[dict[str, Any]], fmt: dict[str, Any] | None) -> str:
        parts: list[str] = []
        async for ref in self._model().chat_stream.remote(self._request(messages, fmt), self.row["type"]):
            chunk = await ref
            if not chunk.get("done"):
                parts.append(chunk.get("message", {}).get("content", ""))
        return "".join(parts)

    async def _call_tool(self, name: str, arguments: dict[str, Any]) -> ToolStep:
        address, tool_name = bus_calls.tool_address(name)
        response = await self._bus_request(address, bus_calls.tools_call(tool_name, arguments))
        return bus_calls.as_step(name, address, arguments, response)

    async def _bus_request(self, address: str, message: dict[str, Any]) -> dict[str, Any] | None:
        timeout = self.settings.agents.tool_timeout_s
        try:
            bus = ray.get_actor(BUS, namespace=self.namespace)
            return await asyncio.wait_for(await_ref(bus.request.remote(address, message, timeout)), timeout + 5)  # type: ignore[no-any-return]
        except Exception as exc:
            return {
                "jsonrpc": "2.0",
                "id": message.get("id"),
                "error": {"code": ErrorCode.INTERNAL_ERROR, "message": f"bus: {exc}"},
            }

    async def _store_answer(
        self, conversation_id: str, content: str, status: MessageStatus, notes: list[str], steps: list[ToolStep]
    ) -> Any:
        metadata = {"notes": notes, "steps": [s.model_dump() for s in steps], "model": self.row.get("model")}
        return await q.add_message(self._db, conversation_id, "assistant", content, self.agent_id, status, metadata)

    @staticmethod
    def _with_notes(text: str, notes: list[str]) -> str:
        if not notes:
            return text
        return (text + "\n\n" if text else "") + "\n".join(f"(Note: {n})" for n in notes)

    async def _set_status(self, status: AgentStatus) -> None:
        """In memory at once, then in the registry's row (what lists of agents show)."""
        self.status = status
        if status is AgentStatus.PROCESSING:
            self.last_error = None
        if self.db is not None:
            with contextlib.suppress(Exception):  # a status write must not fail the answer
                await q.set_agent_status(self.db, self.agent_id, status.value)
        data = {"id": self.agent_id, "status": status.value, "type": self.row.get("type"), "name": self.row.get("name")}
        if status is AgentStatus.ERROR:
            data["error"] = self.last_error
        self._publish("agent_status", data)

    def _publish(self, event_type: str, data: dict[str, Any]) -> None:
        """Fire-and-forget on the bus topic `agents` (browsers subscribe to it over /ws)."""
        try:
            if self._bus is None:
                self._bus = ray.get_actor(BUS, namespace=self.namespace)
            self._bus.publish.remote(TOPIC_AGENTS, event_type, data, self.address)
        except Exception:
            self._bus = None  # restarting: looked up again next time
