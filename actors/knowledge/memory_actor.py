"""MemoryService, at `memory/main`: agents' memories as PostgreSQL rows with embeddings.

Memories outlive every actor (this one included): the service holds no state of its
own beyond a pool. Recall is semantic search over the embeddings (pgvector HNSW),
optionally limited to one agent.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import ray

from actors.base import SupervisedActor, tool
from actors.knowledge import sql
from actors.knowledge.connect import as_rpc, embed_texts, open_database
from actors.knowledge.validate import check_query
from actors.store.database import Database
from configs.settings import get_settings
from protocols.knowledge import KnowledgeError, KnowledgeErrorCode, invalid
from supervisors.runtime import RayRuntime

log = logging.getLogger(__name__)

TOPIC = "memory"
MAX_CONTENT = 20_000
KIND_CHARS = 40


def _check_id(value: Any, field: str, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise invalid(field, "must be a non-empty string of at most 200 characters")
    return value


class MemoryService(SupervisedActor):
    def __init__(self, address: str) -> None:
        super().__init__(address)
        self.settings = get_settings()
        self._db: Database | None = None

    async def on_start(self) -> None:
        self.namespace = ray.get_runtime_context().namespace
        self.runtime = RayRuntime(self.namespace)
        self._db = await open_database(self.settings, self.namespace, max_size=2)

    async def on_stop(self) -> None:
        if self._db is not None:
            await self._db.close()

    @property
    def db(self) -> Database:
        if self._db is None:
            raise KnowledgeError(KnowledgeErrorCode.UNAVAILABLE, f"{self.address} is starting", None, 503)
        return self._db

    async def _embed(self, text: str) -> np.ndarray:
        vectors = await embed_texts(self.settings, self.runtime, [text])
        return np.asarray(vectors[0], dtype=np.float32)

    # ---- the Ray API (REST) -----------------------------------------------------

    async def remember(
        self,
        agent_id: str,
        content: str,
        conversation_id: str | None = None,
        kind: str = "fact",
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        agent = _check_id(agent_id, "agent_id")
        conversation = _check_id(conversation_id, "conversation_id", optional=True)
        if not isinstance(content, str) or not content.strip():
            raise invalid("content", "must be a non-empty string")
        if len(content) > MAX_CONTENT:
            raise invalid("content", f"longer than {MAX_CONTENT} characters", 413)
        if not isinstance(kind, str) or not kind or len(kind) > KIND_CHARS:
            raise invalid("kind", f"must be a non-empty string of at most {KIND_CHARS} characters")
        if metadata is not None and not isinstance(metadata, dict):
            raise invalid("metadata", "must be an object")
        assert agent is not None
        memory = await sql.add_memory(
            self.db,
            agent_id=agent,
            content=content,
            embedding=await self._embed(content),
            conversation_id=conversation,
            kind=kind,
            metadata=metadata or {},
        )
        self.publish(TOPIC, "memory_added", {"id": memory.id, "agent_id": agent, "kind": kind})
        return memory.model_dump(mode="json")

    async def recall(
        self, query: str, agent_id: str | None = None, k: int = 5, kind: str | None = None
    ) -> dict[str, Any]:
        text = check_query(query)
        agent = _check_id(agent_id, "agent_id", optional=True)
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= self.settings.knowledge.max_k:
            raise invalid("k", f"must be an integer between 1 and {self.settings.knowledge.max_k}")
        found = await sql.search_memories(self.db, await self._embed(text), k, agent, kind)
        return {"memories": [m.model_dump(mode="json") for m in found]}

    async def memories(
        self,
        agent_id: str | None = None,
        conversation_id: str | None = None,
        kind: str | None = None,
        limit: int = 100,
    ) -> dict[str, Any]:
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 10_000:
            raise invalid("limit", "must be an integer between 1 and 10000")
        found = await sql.list_memories(
            self.db, agent_id=agent_id, conversation_id=conversation_id, kind=kind, limit=limit
        )
        return {"memories": [m.model_dump(mode="json") for m in found]}

    async def forget(self, agent_id: str, memory_id: str | None = None) -> dict[str, Any]:
        agent = _check_id(agent_id, "agent_id")
        assert agent is not None
        deleted = await sql.delete_memories(self.db, agent, memory_id)
        if memory_id is not None and deleted == 0:
            raise KnowledgeError(
                KnowledgeErrorCode.NOT_FOUND,
                f"memory_id: agent '{agent}' has no memory '{memory_id}'",
                "memory_id",
                404,
            )
        self.publish(TOPIC, "memory_deleted", {"agent_id": agent, "deleted": deleted})
        return {"agent_id": agent, "deleted": deleted}

    async def stats(self) -> dict[str, Any]:
        return await sql.memory_stats(self.db)

    # ---- bus tools --------------------------------------------------------------

    @tool(name="remember", description="Store a memory for an agent (a fact, preference, event...); returns its id.")
    async def tool_remember(
        self,
        agent_id: str,
        content: str,
        conversation_id: str | None = None,
        kind: str = "fact",
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        return await as_rpc(self.remember(agent_id, content, conversation_id, kind, metadata))

    @tool(name="recall", description="The memories closest in meaning to the query, optionally of one agent.")
    async def tool_recall(self, query: str, agent_id: str | None = None, k: int = 5) -> dict[str, Any]:
        return await as_rpc(self.recall(query, agent_id, k))

    @tool(name="forget", description="Delete one memory of an agent (memory_id), or all of them.")
    async def tool_forget(self, agent_id: str, memory_id: str | None = None) -> dict[str, Any]:
        return await as_rpc(self.forget(agent_id, memory_id))

    @tool(name="list", description="An agent's or a conversation's memories, oldest first.")
    async def tool_list(
        self, agent_id: str | None = None, conversation_id: str | None = None, limit: int = 100
    ) -> dict[str, Any]:
        return await as_rpc(self.memories(agent_id, conversation_id, None, limit))

    @tool(name="stats", description="Counts of memories, agents, conversations and kinds.")
    async def tool_stats(self) -> dict[str, Any]:
        return await self.stats()
