"""The Agent actor: one per agent, at `agent/<id>` under `supervisor/agents`.

Its state lives in PostgreSQL: its config (the `agents` row) and its conversations
(`messages`). On start it reads its row, so a restarted agent is the same agent and
continues a conversation where it stopped: context is read from the messages table
for every message. Long-term memories go through `memory/main` on the bus.

Peers call it over the bus: its capabilities are tools (`ask`, `execute`, `status`).
The gateway streams chat answers from `chat_stream` (a Ray streaming generator).
The turns themselves (context, model, tool loop, stored answers, status events) are the
plain-Python `ChatTurns` (chat_turn.py); this actor hosts them.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import ray

from actors.agents.chat_turn import ChatTurns, Profile, TurnState
from actors.agents.types import load_agent_types
from actors.base import SupervisedActor, tool
from actors.models.catalog import chat_address
from actors.store import agents_chat as q
from actors.store.database import Database
from actors.store.pool import open_store_pool
from configs.settings import Settings, get_settings
from protocols.agents import AgentStatus, AgentType, MessageStatus, StoredMessage
from supervisors.runtime import RayRuntime

log = logging.getLogger(__name__)


# The first sweep of a new incarnation waits out the callers' redelivery wait and this much
# more (a caller's event loop may be slow to notice the death); message ages are read on the
# database's clock, so the cut-off is this much older than this incarnation's start.
PREDECESSOR_MARGIN_S = 5.0
CLOCK_MARGIN_S = 1.0
SWEEP_RETRY_S = 2.0


class AgentGone(RuntimeError):
    """The agent's row is missing or deleted: it must not run."""


def model_address(settings: Settings, model: str) -> str:
    return chat_address(settings, model)


class AgentRows:
    """The turns' rows (ChatStore) on this agent's pool."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent

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
        message: StoredMessage = await q.add_message(
            self.agent.database, conversation_id, role, content, agent_id, status, metadata, message_id
        )
        return message

    async def answer_to(self, user_message_id: str) -> StoredMessage | None:
        found: StoredMessage | None = await q.answer_to(self.agent.database, user_message_id)
        return found

    async def mark_message(self, message_id: str, patch: dict[str, Any]) -> None:
        await q.mark_message(self.agent.database, message_id, patch)

    async def messages(self, conversation_id: str, last: int) -> Sequence[StoredMessage]:
        stored: Sequence[StoredMessage] = await q.messages(self.agent.database, conversation_id, last=last)
        return stored

    async def set_agent_status(self, agent_id: str, status: str) -> None:
        await q.set_agent_status(self.agent.database, agent_id, status)


class Agent(SupervisedActor):
    def __init__(self, address: str, agent_id: str) -> None:
        super().__init__(address)
        self.agent_id = agent_id
        self.settings = get_settings()
        self.namespace = ray.get_runtime_context().namespace
        self.db: Database | None = None
        self.turns: ChatTurns | None = None
        self._sweeper: asyncio.Task[None] | None = None

    # ---- lifetime ------------------------------------------------------------------

    async def on_start(self) -> None:
        db = await open_store_pool(self.settings, self.namespace, max_size=3)
        self.db = db
        await self.reload()
        await q.set_agent_status(db, self.agent_id, AgentStatus.IDLE.value)
        self._sweeper = asyncio.create_task(self._close_dangling_turns())

    async def _close_dangling_turns(self) -> None:
        """A user message left with no answer gets an `error` answer saying so: every stored
        message ends with an answer.

        First the turns a predecessor left (this incarnation started after they were cut):
        their callers wait up to `chat.redeliver_wait_s` to deliver them here again, so once
        that wait is over, any that is still unanswered and not running here is closed. Then,
        every `grace` for as long as this agent lives, any turn older than `grace` (the
        callers had their chance by then): a turn may have been cut in another actor (the
        registry, the bus) while this one kept running, or the database was down."""
        chat = self.settings.chat
        started = time.monotonic()
        await asyncio.sleep(chat.redeliver_wait_s + PREDECESSOR_MARGIN_S)
        while not await self._sweep(time.monotonic() - started + CLOCK_MARGIN_S):
            await asyncio.sleep(SWEEP_RETRY_S)  # the database is away: soon again
        grace = chat.redeliver_wait_s + chat.timeout_s
        while True:
            await asyncio.sleep(grace)
            await self._sweep(grace)

    async def _sweep(self, older_than_s: float) -> bool:
        """Close the turns older than `older_than_s` that are unanswered and do not run here.
        False when the database did not answer (logged)."""
        try:
            await self._close_turns_older_than(older_than_s)
        except Exception:
            log.exception("%s: dangling turns were not closed; trying again", self.address)
            return False
        return True

    async def _close_turns_older_than(self, grace_s: float) -> None:
        running = self.turns.state.answering if self.turns is not None else set()
        for message in await q.dangling_messages(self.database, self.agent_id, grace_s):
            if message.id in running:
                continue
            reason = "interrupted: a crash cut the turn before it answered, and the message was not delivered again"
            await q.add_message(
                self.database,
                message.conversation_id,
                "assistant",
                "",
                self.agent_id,
                MessageStatus.ERROR,
                {"notes": [reason], "reply_to": message.id},
            )

    async def on_stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        db, self.db = self.db, None
        if db is not None:
            await db.close()

    async def reload(self) -> dict[str, Any]:
        """Read this agent's config from the database (after a restart, or a change of tools)."""
        row = await q.get_agent(self.database, self.agent_id)
        if row is None:
            raise AgentGone(f"agent {self.agent_id} is not in the registry (deleted?)")
        types = load_agent_types(self.settings.resolve_path(self.settings.agents.types_file))
        agent_type: AgentType | None = types.get(row["type"])
        if agent_type is None:
            raise AgentGone(f"agent {self.agent_id} has type '{row['type']}', which is no longer configured")
        profile = Profile(self.agent_id, self.address, row, agent_type)
        if self.turns is None:
            self.turns = ChatTurns(
                self.settings.agents,
                profile,
                AgentRows(self),
                RayRuntime(self.namespace),
                lambda model: model_address(self.settings, model),
            )
        else:
            self.turns.profile = profile
        return row

    @property
    def database(self) -> Database:
        if self.db is None:
            raise RuntimeError(f"{self.address} is not started")
        return self.db

    @property
    def _turns(self) -> ChatTurns:
        if self.turns is None:
            raise RuntimeError(f"{self.address} is not started")
        return self.turns

    # ---- for the gateway (Ray handle) ------------------------------------------------

    async def info(self) -> dict[str, Any]:
        row = self.turns.row if self.turns is not None else {}
        state = self.turns.state if self.turns is not None else TurnState()
        return {
            **row,
            "status": state.status.value,
            "last_error": state.last_error,
            "tasks_done": state.tasks_done,
            "running": sorted(state.stops),
            "uptime_s": time.time() - self.started_at,
        }

    async def stop_run(self, run_id: str) -> bool:
        """Stop a streaming answer: the partial answer is stored, marked stopped."""
        return self._turns.stop_run(run_id)

    async def chat_stream(
        self, conversation_id: str, message: str, run_id: str | None = None, message_id: str | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Answer one user message of a conversation, streamed (see ChatTurns.chat_stream);
        with `message_id`, idempotently (a turn delivered again after a restart)."""
        await self.started()
        events = self._turns.chat_stream(conversation_id, message, run_id or uuid.uuid4().hex, message_id)
        try:
            async for event in events:
                yield event
        finally:
            await events.aclose()

    # ---- tools for peers on the bus ---------------------------------------------------

    @tool(description="Ask this agent a question; it answers in a conversation (a new one unless given).")
    async def ask(self, question: str, conversation_id: str | None = None) -> dict[str, Any]:
        if conversation_id is None:
            title = f"asked over the bus: {question[:40]}"
            conversation_id = (await q.create_conversation(self.database, title, self.agent_id)).id
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
        return await self._turns.execute(task)

    @tool(name="status", description="This agent's type, model, tools and status.")
    async def tool_status(self) -> dict[str, Any]:
        return await self.info()
