"""The agent registry, `registry/agents`: which agents exist and run, and the chat's
bookkeeping.

A worker next to the agents' pool (`supervisor/agent-pool`, a plain simple_one_for_one
supervisor; see actors/agents/children.py). Creating an agent validates it (the
factory), records it in PostgreSQL, then asks the pool to start its actor; deleting asks
the pool to stop it and marks the row deleted. At its start (the platform's start, or a
restart of the pool, which restarts the registry after it) it asks the pool to start
every recorded agent that does not run. Routing a message to an agent, conversations,
history and export live here too, next to the registry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from typing import Any

from actors.agents import bus_calls
from actors.agents.export import MEDIA_TYPES, export_conversation
from actors.agents.factory import AgentFactory, AgentSpecError, not_found
from actors.agents.routing import ChatRouter
from actors.agents.start_retries import StartRetries
from actors.agents.types import load_agent_types
from actors.evolution import sql as evolution_sql
from actors.models.catalog import model_problem
from actors.store import agents_chat as q
from actors.store.database import Database
from actors.store.pool import open_store_pool
from configs.settings import get_settings
from protocols.addresses import AGENT_POOL_SUPERVISOR, BUS, OLLAMA, agent_address
from protocols.agents import AgentType, CreateAgentRequest, MessageStatus
from protocols.events import TOPIC_AGENTS
from protocols.evolution import Recipe
from protocols.jsonrpc import ErrorCode
from supervisors.actor import SupervisedActor, after_start
from supervisors.refs import current_namespace

log = logging.getLogger(__name__)

ChildStates = dict[str, dict[str, Any]]


def with_state(row: dict[str, Any], states: ChildStates) -> dict[str, Any]:
    """An agent's row with its actor's state and restart count under the pool
    (`stopped`, no restarts, when the pool does not run it)."""
    child = states.get(agent_address(row["id"]))
    if child is None:
        return {**row, "restarts": 0, "state": "stopped"}
    return {**row, "restarts": child["restarts"], "state": child["state"]}


def not_running(rows: list[dict[str, Any]], states: ChildStates) -> list[str]:
    """The ids of the recorded agents the pool does not run, in the rows' order."""
    return [row["id"] for row in rows if agent_address(row["id"]) not in states]


class AgentRegistry(SupervisedActor):
    def __init__(self, address: str) -> None:
        super().__init__(address)
        self.settings = get_settings()
        self.namespace: str | None = None
        s = self.settings.supervision
        # Asking the pool to start or stop an agent: its stop, then its start, each bounded.
        self._pool_timeout_s = s.shutdown_timeout_s + s.start_timeout_s + 10.0
        self.db: Database | None = None
        self.types: dict[str, AgentType] = {}
        self.router: ChatRouter | None = None
        self.factory: AgentFactory | None = None
        self._restore: asyncio.Task[None] | None = None
        self._create_lock = asyncio.Lock()
        # One agent's row and actor change under its lock: a create, a delete and the
        # background restore of the same agent never interleave.
        self._agent_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        a = self.settings.agents
        self._start_retries = StartRetries(a.reconcile_interval_s, a.reconcile_max_backoff_s)

    async def on_start(self) -> None:
        s = self.settings
        self.namespace = current_namespace()
        self.types = load_agent_types(s.resolve_path(s.agents.types_file))
        self.router = ChatRouter(self.types, s.chat.default_agent_type, s.chat.min_route_score)
        self.factory = AgentFactory(
            self.types, s.agents.default_model or s.models.default_model, self._model_problem, self._tool_problem
        )
        self.db = await open_store_pool(s, self.namespace, max_size=4)
        if s.agents.restore_on_start:
            # In the background: a start of many agents must not hold up the tree's start.
            self._restore = asyncio.create_task(self._keep_agents_running())

    async def on_stop(self) -> None:
        if self._restore is not None:
            self._restore.cancel()
        db, self.db = self.db, None
        if db is not None:
            await db.close()

    async def _keep_agents_running(self) -> None:
        """Start every recorded agent the pool does not run: at the start, then again every
        `agents.reconcile_interval_s` for as long as the registry lives. A start that failed
        (the database or the pool was down at that moment, or the pool gave up on an agent
        that kept crashing) is tried again instead of leaving the agent down until the next
        restart of the registry."""
        interval = self.settings.agents.reconcile_interval_s
        while True:
            try:
                await self._restore_agents()
            except Exception as exc:
                log.warning("%s: the recorded agents were not checked (%s); again in %g s", self.address, exc, interval)
            await asyncio.sleep(interval)

    async def _restore_agents(self) -> list[str]:
        """Start the recorded agents the pool does not run (those whose backoff after a failed
        start is over), a few at once. Returns their ids."""
        now = time.monotonic()
        missing = [
            agent_id
            for agent_id in not_running(await q.list_agents(self._db), await self._pool_states())
            if self._start_retries.due(agent_id, now)
        ]
        gate = asyncio.Semaphore(self.settings.agents.restore_concurrency)

        async def start(agent_id: str) -> None:
            async with gate, self._agent_locks[agent_id]:
                try:
                    # asked again under the lock: the agent may have been deleted, or started, meanwhile
                    if await q.get_agent(self._db, agent_id) is not None:
                        address = agent_address(agent_id)
                        if not await self._pool.call("has_child", address, timeout_s=10.0, idempotent=True):
                            await self._start_agent(agent_id)
                    self._start_retries.started(agent_id)
                except Exception as exc:
                    delay = self._start_retries.failed(agent_id, time.monotonic())
                    log.warning(
                        "%s: agent %s did not start again (%s); tried again in %g s", self.address, agent_id, exc, delay
                    )

        await asyncio.gather(*(start(agent_id) for agent_id in missing))
        return missing

    # ---- the pool ----------------------------------------------------------------------

    @property
    def _pool(self) -> Any:
        return self.ref(AGENT_POOL_SUPERVISOR)

    async def _pool_states(self) -> ChildStates:
        states: ChildStates = await self._pool.call("child_states", timeout_s=10.0, idempotent=True)
        return states

    async def _start_agent(self, agent_id: str) -> None:
        await self._pool.call("start_child", agent_address(agent_id), [agent_id], timeout_s=self._pool_timeout_s)

    @property
    def _db(self) -> Database:
        if self.db is None:
            raise RuntimeError(f"{self.address} is not started")
        return self.db

    # ---- agents ----------------------------------------------------------------------

    @after_start
    async def agent_types(self) -> list[dict[str, Any]]:
        default = self.settings.agents.default_model or self.settings.models.default_model
        return [
            {
                "type": t.type,
                "description": t.description,
                "capabilities": t.capabilities,
                "model": t.model or default,
                "tools": t.tools,
                "system_prompt": t.system_prompt,
            }
            for t in self.types.values()
        ]

    @after_start
    async def create_agent(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.factory is not None
        agent_id = q.new_id()
        create = CreateAgentRequest.model_validate(request)
        recipe = None
        if create.recipe_id is not None:
            create, recipe = await self._from_recipe(create)
        spec = await self.factory.build(create, agent_id)
        async with self._agent_locks[agent_id]:
            row = await q.insert_agent(
                self._db, agent_id, spec.name, spec.type, spec.model, spec.tools, spec.reasoning_mode, recipe
            )
            try:
                await self._start_agent(agent_id)
            except Exception as exc:
                await q.delete_agent(self._db, agent_id)
                raise AgentSpecError(None, f"agent {agent_id} did not start: {exc}", 503, "unavailable") from None
        created = with_state(row, await self._pool_states())
        self.publish(TOPIC_AGENTS, "agent_created", created)
        return created

    async def _from_recipe(self, create: CreateAgentRequest) -> tuple[CreateAgentRequest, dict[str, Any]]:
        """The request with the recipe's model and (for a type that reasons) its reasoning mode;
        the recipe itself, which the agent's turns read (system prompt, temperature, tokens)."""
        assert create.recipe_id is not None
        found = await evolution_sql.get_recipe(self._db, create.recipe_id)
        if found is None:
            raise not_found("body.recipe_id", f"recipe '{create.recipe_id}'")
        if not isinstance(found.genome, Recipe):
            raise AgentSpecError(
                "body.recipe_id", f"'{create.recipe_id}' is a {found.genome.kind} genome, not a recipe"
            )
        recipe = found.genome
        update: dict[str, Any] = {"model": create.model or recipe.model}
        agent_type = self.types.get(create.type)
        if create.reasoning_mode is None and agent_type is not None and agent_type.reasoning_mode is not None:
            update["reasoning_mode"] = recipe.reasoning.mode
        stored = {"recipe_id": create.recipe_id, **recipe.model_dump(mode="json")}
        return create.model_copy(update=update), stored

    @after_start
    async def list_agents(self) -> list[dict[str, Any]]:
        rows, states = await asyncio.gather(q.list_agents(self._db), self._pool_states())
        return [with_state(row, states) for row in rows]

    @after_start
    async def get_agent(self, agent_id: str) -> dict[str, Any]:
        row = await q.get_agent(self._db, agent_id)
        if row is None:
            raise not_found("agent_id", f"agent '{agent_id}'")
        return with_state(row, await self._pool_states())

    @after_start
    async def delete_agent(self, agent_id: str) -> dict[str, Any]:
        row = await self.get_agent(agent_id)
        address = agent_address(agent_id)
        async with self._agent_locks[agent_id]:
            if await self._pool.call("has_child", address, timeout_s=10.0, idempotent=True):
                await self._pool.call("terminate_child", address, timeout_s=self._pool_timeout_s)
            await q.delete_agent(self._db, agent_id)
        self._agent_locks.pop(agent_id, None)
        self._start_retries.started(agent_id)  # gone: nothing to retry
        self.publish(TOPIC_AGENTS, "agent_deleted", {"id": agent_id, "type": row["type"], "name": row["name"]})
        return {**row, "deleted": True}

    @after_start
    async def add_tools(self, agent_id: str, tools: list[str]) -> dict[str, Any]:
        assert self.factory is not None
        row = await self.get_agent(agent_id)
        checked = await self.factory.check_tools(tools, "body.tools")
        merged = list(dict.fromkeys([*row["tools"], *checked]))
        updated = await q.set_agent_tools(self._db, agent_id, merged)
        if updated is None:
            raise not_found("agent_id", f"agent '{agent_id}'")
        states = await self._pool_states()
        if states.get(agent_address(agent_id), {}).get("state") == "running":
            await self.ref(agent_address(agent_id)).call("reload", timeout_s=self._pool_timeout_s)
        return with_state(updated, states)

    # ---- chat --------------------------------------------------------------------------

    @after_start
    async def route(self, message: str) -> dict[str, Any]:
        assert self.router is not None
        return self.router.route(message).model_dump()

    @after_start
    async def prepare_chat(
        self,
        message: str,
        conversation_id: str | None,
        agent_id: str | None,
        create_missing: bool = False,
        conversation_field: str = "body.conversation_id",
    ) -> dict[str, Any]:
        """Which agent answers, in which conversation (created when not given; with
        `create_missing`, a conversation id that does not exist yet is created under that id,
        as the OpenAI-compatible API's clients choose theirs)."""
        assert self.router is not None
        conversation = None
        if conversation_id is not None:
            conversation = await q.get_conversation(self._db, conversation_id)
            if conversation is None and not create_missing:
                raise not_found(conversation_field, f"conversation '{conversation_id}'")
        if agent_id is not None:
            agent = await q.get_agent(self._db, agent_id)
            if agent is None:
                raise not_found("body.agent_id", f"agent '{agent_id}'")
            reason = "agent_id given"
        else:
            decision = self.router.route(message)
            reason = decision.reason
            # A follow-up of the same type stays with the agent that has the conversation.
            current = None
            if conversation is not None and conversation.agent_id:
                current = await q.get_agent(self._db, conversation.agent_id)
            if current is not None and current["type"] == decision.agent_type:
                agent = current
                reason += "; the conversation's agent"
            else:
                agent = await self._agent_of_type(decision.agent_type)
        title = " ".join(message.split())[: self.settings.chat.title_chars]
        if conversation is None and conversation_id is not None:
            conversation = await q.create_named_conversation(self._db, conversation_id, title, agent["id"])
            if conversation is None:
                raise AgentSpecError(
                    conversation_field,
                    f"conversation '{conversation_id}' was deleted; choose another id",
                    409,
                    "conflict",
                )
        elif conversation is None:
            conversation = await q.create_conversation(self._db, title, agent["id"])
        else:
            await q.update_conversation(self._db, conversation.id, title, agent["id"])
        return {
            "conversation_id": conversation.id,
            "agent_id": agent["id"],
            "agent_type": agent["type"],
            "route_reason": reason,
            "address": agent_address(agent["id"]),
        }

    @after_start
    async def close_turn(self, conversation_id: str, message_id: str, agent_id: str, reason: str) -> bool:
        """A turn the gateway gave up on (its agent died again while answering it): an
        `error` answer saying why, unless it has an answer. True when one was written."""
        stored = await q.messages(self._db, conversation_id)
        if not any(m.id == message_id and m.role == "user" for m in stored):
            return False  # never stored: nothing dangles
        if await q.answer_to(self._db, message_id) is not None:
            return False
        await q.add_message(
            self._db,
            conversation_id,
            "assistant",
            "",
            agent_id,
            MessageStatus.ERROR,
            {"notes": [reason], "reply_to": message_id},
        )
        return True

    async def _agent_of_type(self, agent_type: str) -> dict[str, Any]:
        """The oldest agent of this type; one is created the first time a type is needed."""
        async with self._create_lock:
            existing = await q.list_agents(self._db, agent_type)
            if existing:
                return existing[0]
            return await self.create_agent({"type": agent_type, "name": f"{agent_type}-chat"})

    @after_start
    async def conversations(self, limit: int = 100) -> list[dict[str, Any]]:
        return [c.model_dump() for c in await q.list_conversations(self._db, limit)]

    @after_start
    async def create_conversation(self, title: str | None, agent_id: str | None) -> dict[str, Any]:
        if agent_id is not None and await q.get_agent(self._db, agent_id) is None:
            raise not_found("body.agent_id", f"agent '{agent_id}'")
        return (await q.create_conversation(self._db, title or "", agent_id)).model_dump()

    @after_start
    async def delete_conversation(self, conversation_id: str) -> dict[str, Any]:
        if not await q.delete_conversation(self._db, conversation_id):
            raise not_found("conversation_id", f"conversation '{conversation_id}'")
        return {"id": conversation_id, "deleted": True}

    @after_start
    async def conversation_history(self, conversation_id: str) -> dict[str, Any]:
        conversation = await q.get_conversation(self._db, conversation_id)
        if conversation is None:
            raise not_found("conversation_id", f"conversation '{conversation_id}'")
        messages = await q.messages(self._db, conversation_id)
        return {
            "conversation_id": conversation_id,
            "title": conversation.title,
            "messages": [m.model_dump() for m in messages],
        }

    @after_start
    async def export(self, conversation_id: str, fmt: str) -> dict[str, str]:
        conversation = await q.get_conversation(self._db, conversation_id)
        if conversation is None:
            raise not_found("conversation_id", f"conversation '{conversation_id}'")
        if fmt not in MEDIA_TYPES:
            raise AgentSpecError("format", f"unknown export format '{fmt}' (markdown, json, text)")
        messages = await q.messages(self._db, conversation_id)
        return {"content": export_conversation(conversation, messages, fmt), "media_type": MEDIA_TYPES[fmt]}  # type: ignore[arg-type]

    @after_start
    async def agent_memory(self, agent_id: str, limit: int = 20) -> list[dict[str, Any]]:
        await self.get_agent(agent_id)
        return [m.model_dump() for m in await q.agent_messages(self._db, agent_id, limit)]

    # ---- the factory's checks ------------------------------------------------------------

    async def _model_problem(self, model: str) -> str | None:
        async def ollama_models() -> list[dict[str, Any]]:
            listed: list[dict[str, Any]] = await self.ref(OLLAMA).call("list_models", timeout_s=15, wait_s=0)
            return listed

        return await model_problem(self.settings, model, ollama_models)

    async def _tool_problem(self, name: str) -> str | None:
        address, tool_name = bus_calls.tool_address(name)
        try:
            response = await self.ref(BUS).call("request", address, bus_calls.tools_list(), 10.0, timeout_s=15)
        except Exception as exc:
            return f"the bus could not be asked ({type(exc).__name__})"
        error = (response or {}).get("error")
        if error is not None:
            if error.get("code") == ErrorCode.UNKNOWN_ADDRESS:
                return f"nothing answers at {address} (not available)"
            return f"{address} answered tools/list with error {error.get('code')}: {error.get('message')}"
        tools = [t.get("name") for t in ((response or {}).get("result") or {}).get("tools", [])]
        if tool_name not in tools:
            return f"{address} has no tool '{tool_name}' (it has: {', '.join(map(str, tools)) or 'none'})"
        return None
