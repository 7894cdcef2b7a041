"""/api/v1/memory/*: agents' memories (rows with embeddings in PostgreSQL), via `memory/main`.

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from serve_app.search_api import ask

router = APIRouter()
TAG = "memory"
MEMORY = "memory/main"


class MemoryIn(BaseModel):
    content: str = ""
    conversation_id: str | None = None
    kind: str = "fact"
    metadata: dict[str, Any] | None = None


class MemorySearch(BaseModel):
    query: str = ""
    agent_id: str | None = None
    k: int = 5
    kind: str | None = None


@router.get("/memory/agents/{agent_id}", tags=[TAG])
async def agent_memories(
    request: Request,
    agent_id: str,
    conversation_id: str | None = None,
    kind: str | None = None,
    limit: int = Query(100, ge=1, le=10_000),
) -> Any:
    found = await ask(request, MEMORY, "memories", agent_id, conversation_id, kind, limit)
    return found if not isinstance(found, dict) else {"agent_id": agent_id, **found}


@router.post("/memory/agents/{agent_id}", tags=[TAG], status_code=201)
async def add_memory(request: Request, agent_id: str, body: MemoryIn) -> Any:
    return await ask(
        request, MEMORY, "remember", agent_id, body.content, body.conversation_id, body.kind, body.metadata
    )


@router.delete("/memory/agents/{agent_id}", tags=[TAG])
async def delete_memories(
    request: Request, agent_id: str, memory_id: str | None = Query(None, description="one memory; all when absent")
) -> Any:
    return await ask(request, MEMORY, "forget", agent_id, memory_id)


@router.get("/memory/conversations/{conversation_id}", tags=[TAG])
async def conversation_memories(
    request: Request, conversation_id: str, limit: int = Query(100, ge=1, le=10_000)
) -> Any:
    found = await ask(request, MEMORY, "memories", None, conversation_id, None, limit)
    return found if not isinstance(found, dict) else {"conversation_id": conversation_id, **found}


@router.post("/memory/search", tags=[TAG])
async def search_memories(request: Request, body: MemorySearch) -> Any:
    return await ask(request, MEMORY, "recall", body.query, body.agent_id, body.k, body.kind)


@router.get("/memory/stats", tags=[TAG])
async def memory_stats(request: Request) -> Any:
    return await ask(request, MEMORY, "stats")
