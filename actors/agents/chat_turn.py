"""An agent's turns: answer a chat message (streamed) or carry out a task with its tools.

Plain Python; the `Agent` actor (agent.py) hosts it. Collaborators are injected: the
rows (`ChatStore`: messages and the agent's status), and a `Runtime` for the rest: the
model's streamed answer (`chat_stream` at the model's address), tools and long-term
memory (JSON-RPC through the bus) and the status events (topic `agents`).

A turn: store the user message, build the context from the latest turns and recalled
memories, run the tool loop when the agent has tools, stream the model's answer, store
it (complete, stopped or failed) before acknowledging it, and publish the status.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from actors.agents import bus_calls
from actors.agents.context import ContextBuilder, Turn
from actors.agents.tool_loop import ToolLoop
from configs.settings import AgentsConfig
from protocols.addresses import AUTH, MEMORY, REASONING_MANAGER, WORKFLOWS
from protocols.agents import AgentStatus, AgentType, ExecuteResult, MessageStatus, StoredMessage, ToolStep
from protocols.errors import ActorUnavailable
from protocols.events import TOPIC_AGENTS
from protocols.jsonrpc import ErrorCode
from protocols.models import ModelError, ModelErrorCode
from supervisors.runtime import Runtime

log = logging.getLogger(__name__)

# A turn slower than this logs where its time went (a restart's first turn, a loaded model).
SLOW_TURN_S = 5.0


class ChatStore(Protocol):
    """The rows a turn reads and writes."""

    async def add_message(
        self,
        conversation_id: str,
        role: str,
        content: str,
        agent_id: str | None,
        status: MessageStatus = MessageStatus.COMPLETE,
        metadata: dict[str, Any] | None = None,
        message_id: str | None = None,
    ) -> StoredMessage: ...

    async def messages(self, conversation_id: str, last: int) -> Sequence[StoredMessage]: ...

    async def answer_to(self, user_message_id: str) -> StoredMessage | None: ...

    async def mark_message(self, message_id: str, patch: dict[str, Any]) -> None: ...

    async def set_agent_status(self, agent_id: str, status: str) -> None: ...


@dataclass
class Profile:
    """Who is answering: the agent's row (model, type, name, tools) and its type."""

    agent_id: str
    address: str
    row: dict[str, Any]
    type: AgentType


@dataclass
class TurnState:
    """What the agent reports about its turns."""

    status: AgentStatus = AgentStatus.IDLE
    last_error: str | None = None
    tasks_done: int = 0
    stops: dict[str, asyncio.Event] = field(default_factory=dict)  # run id -> its stop signal
    answering: set[str] = field(default_factory=set)  # ids of the user messages whose turns run here


def with_notes(text: str, notes: list[str]) -> str:
    if not notes:
        return text
    return (text + "\n\n" if text else "") + "\n".join(f"(Note: {n})" for n in notes)


class ChatTurns:
    """The turns of one agent."""

    def __init__(
        self,
        config: AgentsConfig,
        profile: Profile,
        store: ChatStore,
        runtime: Runtime,
        model_address: Callable[[str], str],
    ) -> None:
        self.config = config
        self.profile = profile
        self.store = store
        self.runtime = runtime
        self.model_address = model_address
        self.state = TurnState()
        self._background: set[asyncio.Task[Any]] = set()

    @property
    def row(self) -> dict[str, Any]:
        return self.profile.row

    # ---- a chat message, streamed ------------------------------------------------------

    def stop_run(self, run_id: str) -> bool:
        """Stop a streaming answer: the partial answer is stored, marked stopped."""
        event = self.state.stops.get(run_id)
        if event is None:
            return False
        event.set()
        return True

    async def chat_stream(
        self, conversation_id: str, message: str, run_id: str, message_id: str | None = None
    ) -> AsyncGenerator[dict[str, Any]]:
        """Answer one user message of a conversation, streamed.

        Yields {"event": "stored", "message_id"} once the user message is stored, then
        {"event": "delta", "delta"} pieces, then {"event": "final", "message_id",
        "content", "status", "notes", "steps"} once the answer is stored; or
        {"event": "error", "code", "message"}.

        `message_id` makes the turn idempotent (the caller delivers it again after this
        agent died mid-turn): the user message is stored once under that id, and a turn
        already answered yields its stored answer instead of a second one."""
        stop = self.state.stops.setdefault(run_id, asyncio.Event())
        began = time.monotonic()
        marks: dict[str, float] = {}  # phase -> seconds into the turn, for the slow-turn log
        parts: list[str] = []
        notes: list[str] = []
        steps: list[ToolStep] = []
        stored = False  # the answer
        user_stored = False
        user_id: str | None = None
        await self.set_status(AgentStatus.PROCESSING)
        try:
            user = await self.store.add_message(conversation_id, "user", message, None, message_id=message_id)
            user_id = user.id
            user_stored = True
            self.state.answering.add(user.id)
            yield {"event": "stored", "message_id": user.id}
            if message_id is not None:
                answered = await self.store.answer_to(user.id)
                if answered is not None:  # answered before the caller lost it: that answer, once
                    stored = True
                    await self.set_status(AgentStatus.COMPLETED)
                    yield self._final(answered, [], [], None)
                    return
                if user.metadata.get("tools_started"):
                    # a tool may have acted already: not run again blindly
                    tools = ", ".join(user.metadata.get("tools") or []) or "its tools"
                    reason = f"interrupted after it began calling tools ({tools}); not run again"
                    answer = await self.store_answer(conversation_id, "", MessageStatus.ERROR, [reason], [], user.id)
                    stored = True
                    await self.set_status(AgentStatus.COMPLETED)
                    yield self._final(answer, [reason], [], None)
                    return
            marks["stored"] = time.monotonic() - began
            messages, notes = await self.prompt(conversation_id, message, exclude=user.id)
            marks["context"] = time.monotonic() - began
            if self.row.get("tools"):
                await self.store.mark_message(user.id, {"tools_started": True, "tools": list(self.row["tools"])})
                gathered = await self.tool_loop(messages, final_answer=False)
                steps = gathered.steps
                notes += [n for n in gathered.notes if n not in notes]
                if steps:
                    results = "\n".join(f"- {s.tool}: {s.result[: self.config.tool_result_chars]}" for s in steps)
                    messages.insert(-1, {"role": "system", "content": "Results of the tools you called:\n" + results})
            mode = self.reasoning_mode
            if self.profile.type.workflow == "research-analysis":
                stream = self._research_stream(message, await self.turn_owner(conversation_id))
            elif mode is None:
                stream = self._model_answer(self.request(messages))
            else:
                stream = self._reasoning_stream(message, mode, await self.turn_owner(conversation_id))
            eval_count = prompt_eval_count = None
            try:
                async for chunk in stream:
                    if "restarted" in chunk:  # the model died mid-answer and is asked again
                        parts.clear()
                        yield {"event": "redelivered", "message_id": user.id, "reason": chunk["restarted"]}
                        continue
                    if chunk.get("done"):
                        eval_count = chunk.get("eval_count")
                        prompt_eval_count = chunk.get("prompt_eval_count")
                        break
                    delta = chunk.get("message", {}).get("content", "")
                    if delta:
                        marks.setdefault("first_token", time.monotonic() - began)
                        parts.append(delta)
                        yield {"event": "delta", "delta": delta}
                    if stop.is_set():
                        break
            finally:
                # stopped, or the caller went away: the model stops too
                await stream.aclose()
            status = MessageStatus.STOPPED if stop.is_set() else MessageStatus.COMPLETE
            content = with_notes("".join(parts).strip(), notes)
            answer = await self.store_answer(conversation_id, content, status, notes, steps, user.id)
            stored = True
            self.state.tasks_done += 1
            await self.set_status(AgentStatus.COMPLETED)
            self.remember(conversation_id, message)
            took = time.monotonic() - began
            if took > SLOW_TURN_S:
                phases = ", ".join(f"{k} {v:.1f}" for k, v in marks.items())
                log.info("slow turn %s: %.1f s (seconds into it: %s)", user.id, took, phases)
            yield {
                "event": "final",
                "message_id": answer.id,
                "content": content,
                "status": status.value,
                "notes": notes,
                "steps": [s.model_dump() for s in steps],
                "eval_count": eval_count,
                "prompt_eval_count": prompt_eval_count,
            }
        except (asyncio.CancelledError, GeneratorExit):
            if user_stored and not stored:  # the caller went away: keep what was said, marked stopped
                partial = "".join(parts).strip()
                await asyncio.shield(
                    self.store_answer(conversation_id, partial, MessageStatus.STOPPED, notes, steps, user_id)
                )
                stored = True
                self.state.status = AgentStatus.COMPLETED
            raise
        except Exception as exc:
            detail = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            self.state.last_error = detail
            await self.set_status(AgentStatus.ERROR)
            if user_stored and not stored:
                with contextlib.suppress(Exception):
                    partial = "".join(parts).strip()
                    await self.store_answer(conversation_id, partial, MessageStatus.ERROR, notes, steps, user_id)
            yield {"event": "error", "code": "agent_error", "message": detail}
        finally:
            self.state.stops.pop(run_id, None)
            if user_id is not None:
                self.state.answering.discard(user_id)

    # ---- a task with the agent's tools --------------------------------------------------

    async def execute(self, task: str) -> dict[str, Any]:
        await self.set_status(AgentStatus.PROCESSING)
        try:
            messages, notes = await self.prompt(None, task)
            result = await self.tool_loop(messages, final_answer=True)
            result.notes = notes + [n for n in result.notes if n not in notes]
            result.answer = with_notes(result.answer, result.notes)
        except Exception as exc:
            self.state.last_error = f"{type(exc).__name__}: {exc}"
            await self.set_status(AgentStatus.ERROR)
            raise
        self.state.tasks_done += 1
        await self.set_status(AgentStatus.COMPLETED)
        return result.model_dump()

    # ---- the parts of a turn -------------------------------------------------------------

    def request(
        self, messages: list[dict[str, Any]], fmt: dict[str, Any] | None = None, stream: bool = True
    ) -> dict[str, Any]:
        """The model request (Ollama's chat shape)."""
        tokens = self.config.max_answer_tokens if fmt is None else self.config.decision_tokens
        temperature = self.config.temperature
        recipe = self.row.get("recipe")
        if recipe and fmt is None:  # an agent made from a recipe answers as the recipe says (within the cap)
            tokens = min(tokens, int(recipe.get("max_tokens") or tokens))
            temperature = float(recipe.get("temperature", temperature))
        request: dict[str, Any] = {
            "model": self.row["model"],
            "messages": messages,
            "stream": stream,
            "options": {"num_predict": tokens, "temperature": temperature},
        }
        if fmt is not None:
            request["format"] = fmt
        return request

    async def prompt(
        self, conversation_id: str | None, message: str, exclude: str | None = None
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """The messages for the model (system prompt, memories, latest turns, the message),
        and notes about what was not available."""
        history: list[Turn] = []
        if conversation_id is not None and self.config.recent_turns:
            stored = await self.store.messages(conversation_id, last=self.config.recent_turns + 1)
            history = [
                Turn(m.role, m.content)
                for m in stored
                if m.id != exclude and m.role in ("user", "assistant") and m.content
            ]
        memories, notes = await self.recall(message)
        builder = ContextBuilder(self.config.context_chars, self.config.recent_turns)
        recipe = self.row.get("recipe") or {}
        system_prompt = recipe.get("system_prompt") or self.profile.type.system_prompt
        return builder.build(system_prompt, history, message, memories), notes

    async def recall(self, query: str) -> tuple[list[str], list[str]]:
        if not self.config.memory_k:
            return [], []
        arguments = {"query": query, "agent_id": self.profile.agent_id, "k": self.config.memory_k}
        # Memories only add context: a memory service that is restarting (its node lost, its
        # embedder loading) must not hold the answer for the whole tool timeout.
        wait_s = min(self.config.recall_timeout_s, self.config.tool_timeout_s)
        try:
            request = bus_calls.tools_call("recall", arguments)
            response = await asyncio.wait_for(self.bus_request(MEMORY, request), wait_s)
        except TimeoutError:
            return [], [f"Long-term memory did not answer within {wait_s:g} s: answered without it."]
        step = bus_calls.as_step(f"{MEMORY}/recall", MEMORY, {}, response)
        if step.unavailable:
            return [], [f"Long-term memory is not available: {step.result}."]
        if not step.ok:
            return [], []
        value = bus_calls.result_value((response or {}).get("result") or {})
        memories = value.get("memories", []) if isinstance(value, dict) else []
        return [str(m.get("content", "")) for m in memories if isinstance(m, dict) and m.get("content")], []

    def remember(self, conversation_id: str, message: str) -> None:
        """The user's message into long-term memory, in the background."""
        if not self.config.memory_k:
            return
        arguments = {
            "agent_id": self.profile.agent_id,
            "content": message,
            "conversation_id": conversation_id,
            "kind": "message",
        }
        task = asyncio.create_task(self.bus_request(MEMORY, bus_calls.tools_call("remember", arguments)))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def tool_loop(self, messages: list[dict[str, Any]], final_answer: bool) -> ExecuteResult:
        """The loop over the tools that answer now; the others are named as not available."""
        descriptions: list[tuple[str, str]] = []
        notes: list[str] = []
        for name in self.row.get("tools") or []:
            description, problem = await self.describe_tool(name)
            if problem is None:
                descriptions.append((name, description))
            elif problem not in notes:
                notes.append(problem)
        if not descriptions and not final_answer:
            return ExecuteResult(answer="", notes=notes, finished=False)
        loop = ToolLoop(self.ask_model, self.call_tool, self.config.max_tool_steps, self.config.tool_result_chars)
        result = await loop.run(messages, descriptions, final_answer=final_answer)
        result.notes = notes + [n for n in result.notes if n not in notes]
        return result

    async def describe_tool(self, name: str) -> tuple[str, str | None]:
        """(description, None), or ("", why it cannot be used now)."""
        address, tool_name = bus_calls.tool_address(name)
        response = await self.bus_request(address, bus_calls.tools_list())
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

    async def ask_model(self, messages: list[dict[str, Any]], fmt: dict[str, Any] | None) -> str:
        """The model's whole answer (a decision of the tool loop)."""
        parts: list[str] = []
        stream = self._model_stream(self.request(messages, fmt))
        try:
            async for chunk in stream:
                if not chunk.get("done"):
                    parts.append(chunk.get("message", {}).get("content", ""))
        finally:
            await stream.aclose()
        return "".join(parts)

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> ToolStep:
        address, tool_name = bus_calls.tool_address(name)
        response = await self.bus_request(address, bus_calls.tools_call(tool_name, arguments))
        return bus_calls.as_step(name, address, arguments, response)

    async def bus_request(self, address: str, message: dict[str, Any]) -> dict[str, Any] | None:
        """A JSON-RPC request through the bus; a bus that cannot be reached is an error answer."""
        try:
            return await self.runtime.request(address, message, self.config.tool_timeout_s)
        except Exception as exc:
            return {
                "jsonrpc": "2.0",
                "id": message.get("id"),
                "error": {"code": ErrorCode.INTERNAL_ERROR, "message": f"bus: {exc}"},
            }

    def _final(
        self, answer: StoredMessage, notes: list[str], steps: list[ToolStep], eval_count: int | None
    ) -> dict[str, Any]:
        return {
            "event": "final",
            "message_id": answer.id,
            "content": answer.content,
            "status": answer.status.value,
            "notes": notes or list(answer.metadata.get("notes") or []),
            "steps": [s.model_dump() for s in steps] or list(answer.metadata.get("steps") or []),
            "eval_count": eval_count,
        }

    async def store_answer(
        self,
        conversation_id: str,
        content: str,
        status: MessageStatus,
        notes: list[str],
        steps: list[ToolStep],
        reply_to: str | None = None,
    ) -> StoredMessage:
        metadata = {"notes": notes, "steps": [s.model_dump() for s in steps], "model": self.row.get("model")}
        if reply_to is not None:
            metadata["reply_to"] = reply_to
        return await self.store.add_message(
            conversation_id, "assistant", content, self.profile.agent_id, status, metadata
        )

    async def set_status(self, status: AgentStatus) -> None:
        """In memory at once, then in the registry's row (what lists of agents show), then
        as an event on the topic `agents` (browsers subscribe to it over /ws)."""
        self.state.status = status
        if status is AgentStatus.PROCESSING:
            self.state.last_error = None
        with contextlib.suppress(Exception):  # a status write must not fail the answer
            await self.store.set_agent_status(self.profile.agent_id, status.value)
        data = {
            "id": self.profile.agent_id,
            "status": status.value,
            "type": self.row.get("type"),
            "name": self.row.get("name"),
        }
        if status is AgentStatus.ERROR:
            data["error"] = self.state.last_error
        self.runtime.publish(TOPIC_AGENTS, "agent_status", data, self.profile.address)

    @property
    def reasoning_mode(self) -> str | None:
        """This agent's reasoning mode (its own, else its type's); None: it answers with the model."""
        mode = self.row.get("reasoning_mode") or self.profile.type.reasoning_mode
        return str(mode.value if hasattr(mode, "value") else mode) if mode else None

    async def turn_owner(self, conversation_id: str) -> str | None:
        """Who a session or workflow this turn starts belongs to: the conversation's owner (the
        user chatting), else the agent's; None (the admins') when neither has one. Asked fresh
        each turn: an owner is claimed after the agent and the conversation are made."""
        for kind, object_id in (("conversation", conversation_id), ("agent", self.profile.agent_id)):
            _, owner = await self.runtime.call(AUTH, "lookup", kind, object_id, timeout_s=10.0, idempotent=True)
            if owner is not None:
                return str(owner)
        return None

    async def _reasoning_stream(self, query: str, mode: str, owner: str | None) -> AsyncGenerator[dict[str, Any]]:
        """The answer of a reasoning session (manager/reasoning) in the model stream's shape,
        owned by `owner`. Closing it early (a stop, the caller gone) stops the session too."""
        body = {"query": query, "mode": mode, "model": self.row["model"]}
        started = await self.runtime.call(REASONING_MANAGER, "start", body, None, owner, timeout_s=60.0)
        session_id = started["session_id"]
        finished = False
        try:
            view = await self.runtime.call(
                REASONING_MANAGER,
                "result",
                session_id,
                self.config.reasoning_timeout_s,
                timeout_s=self.config.reasoning_timeout_s + 30.0,
                idempotent=True,
            )
            finished = True
        finally:
            if not finished:
                with contextlib.suppress(Exception):
                    await asyncio.shield(self.runtime.call(REASONING_MANAGER, "stop", session_id, timeout_s=30.0))
        session = view["session"]
        if session["status"] == "running":  # past the wait: end it with what it has
            session = await self.runtime.call(REASONING_MANAGER, "stop", session_id, timeout_s=30.0)
        if session["status"] == "failed":
            raise RuntimeError(f"reasoning session {session_id} failed: {session.get('error')}")
        answer = session.get("answer") or ""
        yield {"message": {"role": "assistant", "content": answer}, "done": False}
        tokens = int(session.get("metrics", {}).get("completion_tokens") or 0)
        yield {"done": True, "eval_count": tokens, "reasoning_session": session_id}

    async def _research_stream(self, question: str, owner: str | None) -> AsyncGenerator[dict[str, Any]]:
        """The report of a research analysis (workflows/main), owned by `owner`, in the model stream's shape, its
        every model call bounded by the agent's answer budget. Closing it early (a stop, the
        caller gone) stops the workflow too."""
        tokens = self.config.max_answer_tokens
        limits = {"max_sub_questions": 2, "answer_max_tokens": tokens, "summary_max_tokens": tokens}
        body = {"question": question, "model": self.row["model"], "limits": {**limits, "reasoning_turns": 0}}
        started = await self.runtime.call(WORKFLOWS, "start", body, owner, timeout_s=60.0)
        workflow_id = started["workflow_id"]
        finished = False
        try:
            view = await self.runtime.call(
                WORKFLOWS,
                "result",
                workflow_id,
                self.config.reasoning_timeout_s,
                timeout_s=self.config.reasoning_timeout_s + 30.0,
                idempotent=True,
            )
            finished = view["workflow"]["status"] not in ("queued", "running")
        finally:
            if not finished:
                with contextlib.suppress(Exception):
                    await asyncio.shield(self.runtime.call(WORKFLOWS, "stop", workflow_id, timeout_s=30.0))
        workflow, report = view["workflow"], view.get("report")
        if report is None:
            raise RuntimeError(f"research workflow {workflow_id} ended {workflow['status']}: {workflow.get('error')}")
        yield {"message": {"role": "assistant", "content": report["markdown"]}, "done": False}
        yield {"done": True, "eval_count": 0, "workflow_id": workflow_id}

    async def _model_answer(self, request: dict[str, Any]) -> AsyncGenerator[dict[str, Any]]:
        """The model's chunks; a model (router or worker) that dies during the answer is asked
        again, up to `model_retries` times. Where chunks were already given, a
        `{"restarted": reason}` item comes first: what was said is void, the answer starts
        over (a sampled answer is not resumed mid-sentence)."""
        for attempt in range(self.config.model_retries + 1):
            stream = self._model_stream(request)
            said = False
            try:
                async for chunk in stream:
                    said = said or bool(chunk.get("message", {}).get("content"))
                    yield chunk
                return
            except (ActorUnavailable, ModelError) as exc:
                if not _model_died(exc) or attempt == self.config.model_retries:
                    raise
                if said:
                    yield {"restarted": f"{exc.message}; the model was asked again"}
            finally:
                await stream.aclose()

    def _model_stream(self, request: dict[str, Any]) -> Any:
        """The model's chunks (an async generator: close it to stop the model)."""
        address = self.model_address(self.row["model"])
        # A restarting model is waited for as long as callers wait for a restarting agent:
        # under kills the models' supervisor can take longer than the usual reference wait.
        return self.runtime.stream(address, "chat_stream", request, self.row["type"], wait_s=self.config.model_wait_s)


def _model_died(exc: ActorUnavailable | ModelError) -> bool:
    """A model failure that asking again can cure: its actor or worker died during the
    answer (it is being restarted). A model that was not back within the restart wait, or
    refused the request, is not asked again."""
    if isinstance(exc, ActorUnavailable):
        return exc.died_during_call
    return exc.code == ModelErrorCode.WORKER_CRASHED
