"""The agents supervisor, which is also their registry: `supervisor/agents`.

A simple_one_for_one supervisor (each agent a child from the template, restarted on
its own) that also keeps the registry in PostgreSQL: creating an agent validates it
(the factory), records it, then starts its actor; deleting stops the actor and marks
the row deleted. At its start (the platform's start, or its own restart) it starts
again every agent recorded in the database. The chat's bookkeeping (routing a message
to an agent, conversations, history, export) lives here too, next to the registry.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import ray

from actors.agents import bus_calls
from actors.agents.export import MEDIA_TYPES, export_conversation
from actors.agents.factory import AgentFactory, AgentSpecError, not_found
from actors.agents.routing import ChatRouter
from actors.agents.types import load_agent_types
from actors.models.catalog import configured_model
from actors.refs import await_ref
from actors.store import agents_chat as q
from actors.store.database import Database
from actors.store.pool import open_store_pool
from configs.settings import get_settings
from protocols.agents import AgentType, CreateAgentRequest
from protocols.events import TOPIC_AGENTS
from protocols.jsonrpc import ErrorCode
from supervisors.supervisor import Supervisor
from supervisors.tree import BUS, OLLAMA

log = logging.getLogger(__name__)


def agent_address(agent_id: str) -> str:
    return f"agent/{agent_id}"


def _canonical(name: str) -> str:
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


class AgentsSupervisor(Supervisor):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = get_settings()
        self.db: Database | None = None
        self.types: dict[str, AgentType] = {}
        self.router: ChatRouter | None = None
        self.factory: AgentFactory | None = None
        self._restore: asyncio.Task[None] | None = None
        self._create_lock = asyncio.Lock()

    async def on_start(self) -> None:
        await super().on_start()
        s = self.settings
        self.types = load_agent_types(s.resolve_path(s.agents.types_file))
        self.router = ChatRouter(self.types, s.chat.default_agent_type, s.chat.min_route_score)
        self.factory = AgentFactory(
            self.types, s.agents.default_model or s.models.default_model, self._model_problem, self._tool_problem
        )
        self.db = await open_store_pool(s, self.namespace, max_size=4)
        if s.agents.restore_on_start:
            # Not inline: start_child takes the lock that on_start's caller holds.
            self._restore = asyncio.create_task(self._restore_agents())

    async def on_stop(self) -> None:
        if self._restore is not None:
            self._restore.cancel()
        await super().on_stop()
        db, self.db = self.db, None
        if db is not None:
            await db.close()

    async def _restore_agents(self) -> None:
        for row in await q.list_agents(self._db):
            address = agent_address(row["id"])
            if self.engine.has_child(address):
                continue
            try:
                await self.start_child(address, [row["id"]])
            except Exception as exc:
                log.error("%s: agent %s did not start again: %s", self.address, row["id"], exc)

    @property
    def _db(self) -> Database:
        if self.db is None:
            raise RuntimeError(f"{self.address} is not started")
        return self.db

    # ---- agents ----------------------------------------------------------------------

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

    async def create_agent(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.factory is not None
        agent_id = q.new_id()
        spec = await self.factory.build(CreateAgentRequest.model_validate(request), agent_id)
        row = await q.insert_agent(self._db, agent_id, spec.name, spec.type, spec.model, spec.tools)
        try:
            await self.start_child(agent_address(agent_id), [agent_id])
        except Exception as exc:
            await q.delete_agent(self._db, agent_id)
            raise AgentSpecError(None, f"agent {agent_id} did not start: {exc}", 503, "unavailable") from None
        created = self._with_state(row)
        self._publish_agents("agent_created", created)
        return created

    async def list_agents(self) -> list[dict[str, Any]]:
        return [self._with_state(row) for row in await q.list_agents(self._db)]

    async def get_agent(self, agent_id: str) -> dict[str, Any]:
        row = await q.get_agent(self._db, agent_id)
        if row is None:
            raise not_found("agent_id", f"agent '{agent_id}'")
        return self._with_state(row)

    async def delete_agent(self, agent_id: str) -> dict[str, Any]:
        row = await self.get_agent(agent_id)
        address = agent_address(agent_id)
        if self.engine.has_child(address):
            await self.terminate_child(address)
        await q.delete_agent(self._db, agent_id)
        self._publish_agents("agent_deleted", {"id": agent_id, "type": row["type"], "name": row["name"]})
        return {**row, "deleted": True}

    async def add_tools(self, agent_id: str, tools: list[str]) -> dict[str, Any]:
        assert self.factory is not None
        row = await self.get_agent(agent_id)
        checked = await self.factory.check_tools(tools, "body.tools")
        merged = list(dict.fromkeys([*row["tools"], *checked]))
        updated = await q.set_agent_tools(self._db, agent_id, merged)
        if updated is None:
            raise not_found("agent_id", f"agent '{agent_id}'")
        handle = self._handles.get(agent_address(agent_id))
        if handle is not None:
            await handle.reload.remote()
        return self._with_state(updated)

    def _publish_agents(self, event_type: str, data: dict[str, Any]) -> None:
        try:
            bus = ray.get_actor(BUS, namespace=self.namespace)
            bus.publish.remote(TOPIC_AGENTS, event_type, data, self.address)
        except Exception:
            pass  # the bus is restarting; events are best effort

    def _with_state(self, row: dict[str, Any]) -> dict[str, Any]:
        address = agent_address(row["id"])
        if self.engine.has_child(address):
            record = self.engine.child(address)
            return {**row, "restarts": record.restarts, "state": record.state.value}
        return {**row, "restarts": 0, "state": "stopped"}

    # ---- chat --------------------------------------------------------------------------

    async def route(self, message: str) -> dict[str, Any]:
        assert self.router is not None
        return self.router.route(message).model_dump()

    async def prepare_chat(self, message: str, conversation_id: str | None, agent_id: str | None) -> dict[str, Any]:
        """Which agent answers, in which conversation (created when not given)."""
        assert self.router is not None
        conversation = None
        if conversation_id is not None:
            conversation = await q.get_conversation(self._db, conversation_id)
            if conversation is None:
                raise not_found("body.conversation_id", f"conversation '{conversation_id}'")
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
        if conversation is None:
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

    async def _agent_of_type(self, agent_type: str) -> dict[str, Any]:
        """The oldest agent of this type; one is created the first time a type is needed."""
        async with self._create_lock:
            existing = await q.list_agents(self._db, agent_type)
            if existing:
                return existing[0]
            return await self.create_agent({"type": agent_type, "name": f"{agent_type}-chat"})

    async def conversations(self, limit: int = 100) -> list[dict[str, Any]]:
        return [c.model_dump() for c in await q.list_conversations(self._db, limit)]

    async def create_conversation(self, title: str | None, agent_id: str | None) -> dict[str, Any]:
        if agent_id is not None and await q.get_agent(self._db, agent_id) is None:
            raise not_found("body.agent_id", f"agent '{agent_id}'")
        return (await q.create_conversation(self._db, title or "", agent_id)).model_dump()

    async def delete_conversation(self, conversation_id: str) -> dict[str, Any]:
        if not await q.delete_conversation(self._db, conversation_id):
            raise not_found("conversation_id", f"conversation '{conversation_id}'")
        return {"id": conversation_id, "deleted": True}

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

    async def export(self, conversation_id: str, fmt: str) -> dict[str, str]:
        conversation = await q.get_conversation(self._db, conversation_id)
        if conversation is None:
            raise not_found("conversation_id", f"conversation '{conversation_id}'")
        if fmt not in MEDIA_TYPES:
            raise AgentSpecError("format", f"unknown export format '{fmt}' (markdown, json, text)")
        messages = await q.messages(self._db, conversation_id)
        return {"content": export_conversation(conversation, messages, fmt), "media_type": MEDIA_TYPES[fmt]}  # type: ignore[arg-type]

    async def agent_memory(self, agent_id: str, limit: int = 20) -> list[dict[str, Any]]:
        await self.get_agent(agent_id)
        return [m.model_dump() for m in await q.agent_messages(self._db, agent_id, limit)]

    # ---- the factory's checks ------------------------------------------------------------

    async def _model_problem(self, model: str) -> str | None:
        if configured_model(model, self.settings) is not None:
            return None
        if not self.settings.ollama.host:
            names = ", ".join(m.name for m in self.settings.models.embedded) or "none"
            return f"not an embedded model (available: {names}) and no Ollama is configured"
        try:
            ollama = ray.get_actor(OLLAMA, namespace=self.namespace)
            listed = await asyncio.wait_for(await_ref(ollama.list_models.remote()), 15)
        except Exception as exc:
            return f"Ollama could not be asked ({type(exc).__name__})"
        names = {_canonical(m.get("name", "")) for m in listed}
        if _canonical(model) not in names:
            embedded = ", ".join(m.name for m in self.settings.models.embedded)
            return f"not found (embedded: {embedded}; Ollama: {', '.join(sorted(names)) or 'none'})"
        return None

    async def _tool_problem(self, name: str) -> str | None:
        address, tool_name = bus_calls.tool_address(name)
        try:
            bus = ray.get_actor(BUS, namespace=self.namespace)
            response = await asyncio.wait_for(await_ref(bus.request.remote(address, bus_calls.tools_list(), 10.0)), 15)
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
