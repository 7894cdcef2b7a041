"""/api/v1/memory/*: agents' memories (rows with embeddings in PostgreSQL), via `memory/main`.

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

from typing import Any

from fastapi import APIRouter, Query

from protocols.errors import PlatformError
from protocols.rest_search import MemoriesDeleted, MemoryIn, MemoryList, MemorySearch, MemoryStats, MemoryStored
from serve_app.deps import CurrentPrincipal, Memory, SettingsDep
from serve_app.ownership import check_owner
from serve_app.routers.search import ask

router = APIRouter(tags=["memory"])
EXCLUDE_UNSET: dict[str, Any] = {"response_model_exclude_unset": True}


@router.get("/memory/agents/{agent_id}", response_model=MemoryList, **EXCLUDE_UNSET)
async def agent_memories(
    settings: SettingsDep,
    principal: CurrentPrincipal,
    memory: Memory,
    agent_id: str,
    conversation_id: str | None = None,
    kind: str | None = None,
    limit: int = Query(100, ge=1, le=10_000),
) -> Any:
    """An agent's memories belong to its owner (serve_app/ownership.py)."""
    await check_owner(settings, principal, "agent", agent_id, "path.agent_id")
    found = await ask(memory, "memories", agent_id, conversation_id, kind, limit)
    return {"agent_id": agent_id, **found}


@router.post("/memory/agents/{agent_id}", status_code=201, response_model=MemoryStored, **EXCLUDE_UNSET)
async def add_memory(
    settings: SettingsDep, principal: CurrentPrincipal, memory: Memory, agent_id: str, body: MemoryIn
) -> Any:
    await check_owner(settings, principal, "agent", agent_id, "path.agent_id")
    return await ask(memory, "remember", agent_id, body.content, body.conversation_id, body.kind, body.metadata)


@router.delete("/memory/agents/{agent_id}", response_model=MemoriesDeleted, **EXCLUDE_UNSET)
async def delete_memories(
    settings: SettingsDep,
    principal: CurrentPrincipal,
    memory: Memory,
    agent_id: str,
    memory_id: str | None = Query(None, description="one memory; all when absent"),
) -> Any:
    await check_owner(settings, principal, "agent", agent_id, "path.agent_id")
    return await ask(memory, "forget", agent_id, memory_id)


@router.get("/memory/conversations/{conversation_id}", response_model=MemoryList, **EXCLUDE_UNSET)
async def conversation_memories(
    settings: SettingsDep,
    principal: CurrentPrincipal,
    memory: Memory,
    conversation_id: str,
    limit: int = Query(100, ge=1, le=10_000),
) -> Any:
    await check_owner(settings, principal, "conversation", conversation_id, "path.conversation_id")
    found = await ask(memory, "memories", None, conversation_id, None, limit)
    return {"conversation_id": conversation_id, **found}


@router.post("/memory/search", response_model=MemoryList, **EXCLUDE_UNSET)
async def search_memories(
    settings: SettingsDep, principal: CurrentPrincipal, memory: Memory, body: MemorySearch
) -> Any:
    """One agent's memories (a user names one of theirs; an admin may search all agents')."""
    if body.agent_id is not None:
        await check_owner(settings, principal, "agent", body.agent_id, "body.agent_id")
    elif not principal.is_admin:
        raise PlatformError("validation_error", "agent_id: name one of your agents to search", "body.agent_id", 422)
    return await ask(memory, "recall", body.query, body.agent_id, body.k, body.kind)


@router.get("/memory/stats", response_model=MemoryStats, **EXCLUDE_UNSET)
async def memory_stats(memory: Memory) -> Any:
    return await ask(memory, "stats")
