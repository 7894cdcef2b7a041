"""/api/v1/search/*: search indexes, documents, semantic / keyword / hybrid search, stats.

Routes call `knowledge/main` through an actor reference. A refused request answers 4xx with
`{"code", "message", "field"}` naming the field; a coordinator that is restarting, 503.

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

from typing import Any

from fastapi import APIRouter, Query

from protocols.rest_search import (
    BatchAnswer,
    BatchIn,
    Document,
    DocumentAdded,
    DocumentDeleted,
    DocumentIn,
    IndexCreate,
    IndexDeleted,
    IndexInfo,
    IndexList,
    SearchAnswer,
    SearchIn,
    SearchStats,
)
from serve_app.deps import Knowledge
from serve_app.deps import ask as actor_ask
from supervisors.refs import ActorRef

router = APIRouter(tags=["search"])
TIMEOUT_S = 120.0
EXCLUDE_UNSET: dict[str, Any] = {"response_model_exclude_unset": True}


async def ask(service: ActorRef, method: str, *args: Any) -> Any:
    """`method(*args)` on the knowledge or memory service; its KnowledgeError (field named)
    and the service's absence (503) are answered by serve_app/errors.py."""
    return await actor_ask(service, method, *args, timeout_s=TIMEOUT_S, wait_s=0)


def _creation(body: IndexCreate) -> dict[str, Any]:
    return {k: v for k, v in body.model_dump().items() if v is not None}


@router.get("/search/indexes", response_model=IndexList, **EXCLUDE_UNSET)
async def list_indexes(knowledge: Knowledge) -> Any:
    return {"indexes": await ask(knowledge, "list_indexes")}


@router.post("/search/indexes", status_code=201, response_model=IndexInfo, **EXCLUDE_UNSET)
async def create_index(knowledge: Knowledge, body: IndexCreate) -> Any:
    return await ask(knowledge, "create_index", _creation(body))


@router.delete("/search/indexes/{name}", response_model=IndexDeleted, **EXCLUDE_UNSET)
async def delete_index(knowledge: Knowledge, name: str) -> Any:
    return await ask(knowledge, "delete_index", name)


@router.post("/search/documents", status_code=201, response_model=DocumentAdded, **EXCLUDE_UNSET)
async def add_document(knowledge: Knowledge, body: DocumentIn) -> Any:
    return await ask(
        knowledge,
        "add_document",
        body.content,
        body.index,
        body.metadata,
        body.format,
        body.filename,
        body.content_base64,
    )


@router.get("/search/documents/{document_id}", response_model=Document, **EXCLUDE_UNSET)
async def get_document(knowledge: Knowledge, document_id: str) -> Any:
    return await ask(knowledge, "get_document", document_id)


@router.delete("/search/documents/{document_id}", response_model=DocumentDeleted, **EXCLUDE_UNSET)
async def delete_document(knowledge: Knowledge, document_id: str) -> Any:
    return await ask(knowledge, "delete_document", document_id)


@router.get("/search/stats", response_model=SearchStats, **EXCLUDE_UNSET)
async def stats(knowledge: Knowledge, recall_sample: int | None = Query(None, ge=0, le=200)) -> Any:
    """Counts, sizes, latency percentiles and a recall@10 estimate (the shards against an
    exact scan, on `recall_sample` stored vectors) per index."""
    return await ask(knowledge, "stats", recall_sample)


async def _search(knowledge: ActorRef, body: SearchIn, mode: str) -> Any:
    return await ask(
        knowledge, "search", body.query, body.index, body.k, mode, body.filters, body.backend, body.weights
    )


@router.post("/search/semantic", response_model=SearchAnswer, **EXCLUDE_UNSET)
async def semantic(knowledge: Knowledge, body: SearchIn) -> Any:
    return await _search(knowledge, body, "semantic")


@router.post("/search/hybrid", response_model=SearchAnswer, **EXCLUDE_UNSET)
async def hybrid(knowledge: Knowledge, body: SearchIn) -> Any:
    return await _search(knowledge, body, "hybrid")


@router.post("/search/keyword", response_model=SearchAnswer, **EXCLUDE_UNSET)
async def keyword(knowledge: Knowledge, body: SearchIn) -> Any:
    return await _search(knowledge, body, "keyword")


@router.post("/search/batch", response_model=BatchAnswer, **EXCLUDE_UNSET)
async def batch(knowledge: Knowledge, body: BatchIn) -> Any:
    """Many queries in one request (one embedding call, one call per shard)."""
    found = await ask(
        knowledge,
        "search_batch",
        body.queries,
        body.index,
        body.k,
        body.mode,
        body.filters,
        body.backend,
        body.weights,
    )
    return {"responses": found}
