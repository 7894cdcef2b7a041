"""What answers an OpenAI chat request: its `model` resolved to a target, by kind.

- `agent:<id or name>`: an agent (AgentKind). The turn goes through the agent, so its
  memory, tools and conversation store apply; the conversation is the one the client
  names (header or `user`), or a new one, and is returned in a response header.
- `reasoning:<mode>`: a reasoning mode (ReasoningKind).
- any other name: a model (ModelKind): an embedded llama.cpp model, or any model of the
  configured Ollama.

A kind lists what it serves (GET /v1/models) and resolves a name to a Target; a target opens
an Answer: the pieces (translate.Delta ..., then one translate.Finish), the response headers,
and `stop`, which ends the generation at once (the client went away). Everything Ray-facing
for the OpenAI surface is here; the shapes are in translate.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import ray

from configs.settings import Settings
from protocols.addresses import AGENT_REGISTRY, OLLAMA, REASONING_MANAGER
from protocols.errors import PlatformError
from protocols.models import ModelError, ModelErrorCode
from protocols.openai_api import (
    AGENT_HEADER,
    AGENT_PREFIX,
    CONVERSATION_HEADER,
    REASONING_HEADER,
    REASONING_PREFIX,
    OpenAIChatRequest,
    OpenAIModel,
)
from protocols.reasoning import ReasoningMode
from serve_app.compat.tool_calls import ToolPlan, invalid, parse_decision
from serve_app.compat.translate import Delta, Finish, Piece, finish_of, last_user_text, model_request
from serve_app.deps import actor_ref
from serve_app.routers.agents import ask as registry_ask
from serve_app.routers.agents import prepare_turn, turn_events
from serve_app.routers.models import as_model_error, resolve

log = logging.getLogger(__name__)

# The task kind model calls made through this API are recorded under (model statistics).
TASK_KIND = "chat"


class TargetKind(StrEnum):
    MODEL = "model"
    AGENT = "agent"
    REASONING = "reasoning"


@dataclass
class Answer:
    """An answer under way: its pieces (close them when done), the headers the response
    carries, and `stop` (synchronous, safe to call twice) for a client that went away."""

    pieces: AsyncGenerator[Piece, None]
    stop: Callable[[], None]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Conversation:
    """The conversation a client named (an agent's; models have none), and where it named it."""

    id: str | None = None
    field: str = "body.user"


class Target(ABC):
    """One thing that answers chat requests."""

    kind: TargetKind
    name: str

    @abstractmethod
    def timeout_s(self, settings: Settings) -> float:
        """How long a whole answer may take."""

    @abstractmethod
    async def open(self, settings: Settings, body: OpenAIChatRequest, conversation: Conversation) -> Answer:
        """Start answering; a failure before the answer starts raises (an HTTP error)."""


class Kind(ABC):
    """A kind of target: which names it claims, what it lists, how it resolves a name."""

    kind: TargetKind
    owned_by: str

    @abstractmethod
    def claims(self, name: str) -> bool: ...

    @abstractmethod
    async def listing(self, settings: Settings) -> list[OpenAIModel]: ...

    @abstractmethod
    async def resolve(self, settings: Settings, name: str) -> Target: ...


def _cancel(refs: Any) -> Callable[[], None]:
    def stop() -> None:
        with contextlib.suppress(Exception):
            ray.cancel(refs)

    return stop


# ---- models --------------------------------------------------------------------------------


class ModelTarget(Target):
    kind = TargetKind.MODEL

    def __init__(self, name: str, address: str) -> None:
        self.name = name
        self.address = address

    def timeout_s(self, settings: Settings) -> float:
        return settings.models.request_timeout_s

    async def open(self, settings: Settings, body: OpenAIChatRequest, conversation: Conversation) -> Answer:
        request, plan = model_request(body, self.name)
        try:
            actor = await actor_ref(settings, self.address).resolve_live(wait_s=0)
        except Exception as exc:
            raise as_model_error(exc, self.address) from None
        if body.stream:
            refs = actor.chat_stream.remote(request.model_dump(mode="json"), TASK_KIND)
            stop = _cancel(refs)
            return Answer(self._streamed(refs, plan, stop), stop)
        # Whole: collected inside the model's actor, one reply instead of one Ray item per
        # chunk (tens of ms less for an answer of 64 tokens); cancelling it stops the model too.
        ref = actor.chat.remote(request.model_dump(mode="json"), TASK_KIND)
        stop = _cancel(ref)
        return Answer(self._whole(ref, plan, stop), stop)

    async def _streamed(self, refs: Any, plan: ToolPlan | None, stop: Callable[[], None]) -> AsyncGenerator[Piece]:
        texts: list[str] = []
        finish = Finish()
        complete = False
        try:
            async for ref in refs:
                try:
                    chunk = await ref
                except Exception as exc:
                    raise as_model_error(exc, self.address) from None
                if chunk.get("done"):
                    finish = finish_of(chunk)
                    continue
                text = chunk.get("message", {}).get("content", "")
                if plan is None:
                    if text:
                        yield Delta(text)
                else:  # a decision: whole before it can be read
                    texts.append(text)
            complete = True
            for piece in _ending("".join(texts), finish, plan):
                yield piece
        finally:
            if not complete:  # stopped early, or the client went away: the model stops now
                stop()

    async def _whole(self, ref: Any, plan: ToolPlan | None, stop: Callable[[], None]) -> AsyncGenerator[Piece]:
        complete = False
        try:
            try:
                answer = await ref
            except Exception as exc:
                raise as_model_error(exc, self.address) from None
            complete = True
            text = answer.get("message", {}).get("content", "")
            for piece in ([Delta(text)] if plan is None and text else []) + _ending(text, finish_of(answer), plan):
                yield piece
        finally:
            if not complete:
                stop()


def _ending(text: str, finish: Finish, plan: ToolPlan | None) -> list[Piece]:
    """The last pieces of a model's answer: with a tool plan, the decision its whole text
    makes (the answer's text, or function calls), then the Finish."""
    if plan is None:
        return [finish]
    decision = parse_decision(text, plan)
    if decision.tool_calls:
        return [Finish("tool_calls", finish.prompt_tokens, finish.completion_tokens, decision.tool_calls)]
    return [*([Delta(decision.content)] if decision.content else []), finish]


class ModelKind(Kind):
    """Every other name: an embedded model, or any model of the configured Ollama."""

    kind = TargetKind.MODEL
    owned_by = "pygent"

    def claims(self, name: str) -> bool:
        return True

    async def listing(self, settings: Settings) -> list[OpenAIModel]:
        listed = [OpenAIModel(id=m.name, owned_by=self.owned_by) for m in settings.models.embedded]
        listed.append(OpenAIModel(id=settings.embeddings.name, owned_by=self.owned_by))
        if settings.ollama.host:
            try:
                models = await actor_ref(settings, OLLAMA).call("list_models", timeout_s=15.0, idempotent=True)
            except Exception as exc:
                log.warning("/v1/models: Ollama's models left out: %s", exc)
                models = []
            known = {m.id for m in listed}
            for entry in models:
                if entry["name"] not in known:
                    listed.append(
                        OpenAIModel(id=entry["name"], created=_epoch(entry.get("modified_at")), owned_by="ollama")
                    )
        return listed

    async def resolve(self, settings: Settings, name: str) -> Target:
        _, address = resolve(settings, name)  # MODEL_NOT_FOUND (404) when nothing can serve it
        return ModelTarget(name, address)


# ---- agents ----------------------------------------------------------------------------------


class AgentTarget(Target):
    kind = TargetKind.AGENT

    def __init__(self, name: str, agent_id: str) -> None:
        self.name = name
        self.agent_id = agent_id

    def timeout_s(self, settings: Settings) -> float:
        return settings.chat.timeout_s

    async def open(self, settings: Settings, body: OpenAIChatRequest, conversation: Conversation) -> Answer:
        if body.tools and body.tool_choice != "none":
            raise invalid("tools", f"{self.name} calls its own tools; send no tools to an agent")
        if body.response_format is not None and body.response_format.type != "text":
            raise invalid("response_format", f"{self.name} answers text; response_format is for models")
        message = last_user_text(body)
        field_name = conversation.field
        plan = await prepare_turn(
            settings, message, conversation.id, self.agent_id, create_missing=True, conversation_field=field_name
        )
        # a turn whose agent dies is delivered again to its successor (turn_events)
        runs: dict[Any, Any] = {}
        events = turn_events(settings, plan, message, runs, "run")

        def stop() -> None:  # the agent keeps the partial answer, marked stopped
            run = runs.get("run")
            if run is not None:
                agent, run_id = run
                with contextlib.suppress(Exception):
                    agent.stop_run.remote(run_id)

        headers = {CONVERSATION_HEADER: plan["conversation_id"], AGENT_HEADER: plan["agent_id"]}
        return Answer(self._pieces(events, stop), stop, headers)

    async def _pieces(self, events: Any, stop: Callable[[], None]) -> AsyncGenerator[Piece, None]:
        streamed: list[str] = []
        complete = False
        try:
            async for event in events:
                if event["event"] == "redelivered":
                    if streamed:  # a client cannot take back what it was sent: say so, clearly
                        raise PlatformError("agent_restarted", f"{self.name}: {event['reason']}", None, 503)
                elif event["event"] == "delta":
                    streamed.append(event["delta"])
                    yield Delta(event["delta"])
                elif event["event"] == "error":
                    raise PlatformError("agent_error", f"{self.name}: {event['message']}", None, 502)
                elif event["event"] == "final":
                    complete = True
                    content = event["content"]
                    # what the stream did not carry (the notes the agent adds), so the client
                    # ends with the stored text
                    said = "".join(streamed).strip()
                    if content.startswith(said) and content[len(said) :]:
                        yield Delta(content[len(said) :])
                    yield Finish(
                        "stop",
                        event.get("prompt_eval_count"),
                        event.get("eval_count"),
                        content=content,
                    )
                    return
            complete = True
            raise PlatformError("agent_error", f"{self.name} ended without an answer", None, 502)
        finally:
            if not complete:
                stop()
            await events.aclose()


class AgentKind(Kind):
    """`agent:<id>` or `agent:<name>`; listed by name where the name is unique, else by id."""

    kind = TargetKind.AGENT
    owned_by = "pygent-agent"

    def claims(self, name: str) -> bool:
        return name.startswith(AGENT_PREFIX)

    async def _agents(self, settings: Settings) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = await registry_ask(actor_ref(settings, AGENT_REGISTRY), "list_agents")
        return rows

    async def listing(self, settings: Settings) -> list[OpenAIModel]:
        rows = await self._agents(settings)
        names = [row["name"] for row in rows]
        return [
            OpenAIModel(
                id=AGENT_PREFIX + (row["name"] if names.count(row["name"]) == 1 else row["id"]),
                created=_epoch(row.get("created_at")),
                owned_by=self.owned_by,
            )
            for row in rows
        ]

    async def resolve(self, settings: Settings, name: str) -> Target:
        key = name[len(AGENT_PREFIX) :]
        rows = await self._agents(settings)
        found = [row for row in rows if row["id"] == key] or [row for row in rows if row["name"] == key]
        if len(found) > 1:
            ids = ", ".join(AGENT_PREFIX + row["id"] for row in found)
            raise invalid("model", f"{len(found)} agents are named '{key}': name one by id ({ids})")
        if not found:
            listed = ", ".join(m.id for m in await self.listing(settings)) or "none"
            raise ModelError(
                ModelErrorCode.MODEL_NOT_FOUND, f"no agent '{key}' (agents: {listed}); create one first", None, 404
            )
        return AgentTarget(name, found[0]["id"])


# ---- reasoning -------------------------------------------------------------------------------


class ReasoningTarget(Target):
    """A reasoning session per request (`manager/reasoning`): the last user message is the
    query, the answer comes whole when the session ends; a client that goes away stops it."""

    kind = TargetKind.REASONING

    def __init__(self, name: str, mode: ReasoningMode) -> None:
        self.name = name
        self.mode = mode

    def timeout_s(self, settings: Settings) -> float:
        return settings.reasoning.run_timeout_s

    async def open(self, settings: Settings, body: OpenAIChatRequest, conversation: Conversation) -> Answer:
        if body.tools and body.tool_choice != "none":
            raise invalid("tools", f"{self.name} calls no tools; send none")
        if body.response_format is not None and body.response_format.type != "text":
            raise invalid("response_format", f"{self.name} answers text; response_format is for models")
        manager = actor_ref(settings, REASONING_MANAGER)
        start = {"query": last_user_text(body), "mode": self.mode.value}
        started: dict[str, Any] = await registry_ask(manager, "start", start, timeout_s=120.0)
        session_id = started["session_id"]

        def stop() -> None:  # the session ends `stopped` with what it has
            with contextlib.suppress(Exception):
                manager.tell("stop", session_id)

        headers = {REASONING_HEADER: session_id}
        return Answer(self._pieces(settings, manager, session_id, stop), stop, headers)

    async def _pieces(
        self, settings: Settings, manager: Any, session_id: str, stop: Callable[[], None]
    ) -> AsyncGenerator[Piece, None]:
        complete = False
        try:
            wait = settings.reasoning.run_timeout_s
            view = await registry_ask(manager, "result", session_id, wait, timeout_s=wait + 30.0)
            session = view["session"]
            if session["status"] == "running":  # past the wait: end it with what it has
                session = await registry_ask(manager, "stop", session_id, timeout_s=60.0)
            complete = True
            if session["status"] == "failed":
                raise PlatformError("reasoning_failed", f"{self.name}: {session.get('error')}", None, 502)
            answer = session.get("answer") or ""
            if answer:
                yield Delta(answer)
            metrics = session.get("metrics") or {}
            yield Finish("stop", metrics.get("prompt_tokens"), metrics.get("completion_tokens"), content=answer)
        finally:
            if not complete:
                stop()


class ReasoningKind(Kind):
    """`reasoning:<mode>` (`reasoning:adaptive`, `reasoning:tot_only`, ...): one reasoning
    session per request, in that mode, on the configured model and index."""

    kind = TargetKind.REASONING
    owned_by = "pygent-reasoning"

    def claims(self, name: str) -> bool:
        return name.startswith(REASONING_PREFIX)

    async def listing(self, settings: Settings) -> list[OpenAIModel]:
        return [
            OpenAIModel(id=REASONING_PREFIX + mode.value, created=0, owned_by=self.owned_by) for mode in ReasoningMode
        ]

    async def resolve(self, settings: Settings, name: str) -> Target:
        key = name[len(REASONING_PREFIX) :]
        try:
            mode = ReasoningMode(key)
        except ValueError:
            known = ", ".join(REASONING_PREFIX + m.value for m in ReasoningMode)
            raise ModelError(
                ModelErrorCode.MODEL_NOT_FOUND, f"no reasoning mode '{key}' (modes: {known})", None, 404
            ) from None
        return ReasoningTarget(name, mode)


# ---- the resolver ------------------------------------------------------------------------------


class Targets:
    """The kinds, in the order they are asked whether a name is theirs (the last claims all)."""

    def __init__(self, kinds: Sequence[Kind]) -> None:
        self.kinds = list(kinds)

    def kind_of(self, name: str) -> Kind:
        return next(kind for kind in self.kinds if kind.claims(name))

    async def resolve(self, settings: Settings, name: str) -> Target:
        return await self.kind_of(name).resolve(settings, name)

    async def listing(self, settings: Settings) -> list[OpenAIModel]:
        """Everything every kind serves; a kind that cannot list now is left out (logged)."""
        listed = await asyncio.gather(*(kind.listing(settings) for kind in self.kinds), return_exceptions=True)
        models: list[OpenAIModel] = []
        for kind, found in zip(self.kinds, listed, strict=True):
            if isinstance(found, BaseException):
                log.warning("/v1/models: the %s kind could not list: %s", kind.kind.value, found)
                continue
            models.extend(found)
        return models


TARGETS = Targets([AgentKind(), ReasoningKind(), ModelKind()])


def _epoch(value: Any) -> int:
    """An ISO time as Unix seconds (0 when unknown)."""
    if not isinstance(value, str) or not value:
        return 0
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return 0
