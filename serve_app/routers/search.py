"""/api/v1/search/*: search indexes, documents, semantic / keyword / hybrid search, stats.

Routes call `knowledge/main` through an actor reference. A refused request answers 4xx with
`{"code", "message", "field"}` naming the field; a coordinator that is restarting, 503.

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

from typing import Any

from fastapi import APIRouter, Query

from configs.settings import Settings
from protocols.auth import Principal
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
from serve_app.deps import CurrentPrincipal, Knowledge, SettingsDep
from serve_app.deps import ask as actor_ask
from serve_app.ownership import check_access, claim, visible
from supervisors.refs import ActorRef

router = APIRouter(tags=["search"])
TIMEOUT_S = 120.0
EXCLUDE_UNSET: dict[str, Any] = {"response_model_exclude_unset": True}


async def ask(service: ActorRef, method: str, *args: Any, timeout_s: float = TIMEOUT_S) -> Any:
    """`method(*args)` on the knowledge or memory service; its KnowledgeError (field named)
    and the service's absence (503) are answered by serve_app/errors.py."""
    return await actor_ask(service, method, *args, timeout_s=timeout_s, wait_s=0)


def _creation(body: IndexCreate) -> dict[str, Any]:
    return {k: v for k, v in body.model_dump().items() if v is not None}


@router.get("/search/indexes", response_model=IndexList, **EXCLUDE_UNSET)
async def list_indexes(settings: SettingsDep, principal: CurrentPrincipal, knowledge: Knowledge) -> Any:
    """The caller's indexes and the shared ones (an admin's: all)."""
    found = await ask(knowledge, "list_indexes")
    return {"indexes": await visible(settings, principal, "index", found, key="name")}


@router.post("/search/indexes", status_code=201, response_model=IndexInfo, **EXCLUDE_UNSET)
async def create_index(
    settings: SettingsDep, principal: CurrentPrincipal, knowledge: Knowledge, body: IndexCreate
) -> Any:
    """A new index, the caller's (its documents are too)."""
    created = await ask(knowledge, "create_index", _creation(body))
    await claim(settings, principal, "index", created["name"])
    return created


@router.delete("/search/indexes/{name}", response_model=IndexDeleted, **EXCLUDE_UNSET)
async def delete_index(settings: SettingsDep, principal: CurrentPrincipal, knowledge: Knowledge, name: str) -> Any:
    await check_access(settings, principal, "index", name, "path.name", write=True)
    return await ask(knowledge, "delete_index", name)


@router.post("/search/documents", status_code=201, response_model=DocumentAdded, **EXCLUDE_UNSET)
async def add_document(
    settings: SettingsDep, principal: CurrentPrincipal, knowledge: Knowledge, body: DocumentIn
) -> Any:
    """Into one of the caller's indexes (a shared one: admins only)."""
    await check_access(settings, principal, "index", body.index, "body.index", write=True)
    return await ask(
        knowledge,
        "add_document",
        body.content,
        body.index,
        body.metadata,
        body.format,
        body.filename,
        body.content_base64,
        timeout_s=settings.knowledge.ingest_timeout_s,
    )


@router.get("/search/documents/{document_id}", response_model=Document, **EXCLUDE_UNSET)
async def get_document(
    settings: SettingsDep, principal: CurrentPrincipal, knowledge: Knowledge, document_id: str
) -> Any:
    await check_access(settings, principal, "document", document_id, "path.document_id")
    return await ask(knowledge, "get_document", document_id)


@router.delete("/search/documents/{document_id}", response_model=DocumentDeleted, **EXCLUDE_UNSET)
async def delete_document(
    settings: SettingsDep, principal: CurrentPrincipal, knowledge: Knowledge, document_id: str
) -> Any:
    await check_access(settings, principal, "document", document_id, "path.document_id", write=True)
    return await ask(knowledge, "delete_document", document_id)


@router.get("/search/stats", response_model=SearchStats, **EXCLUDE_UNSET)
async def stats(
    settings: SettingsDep,
    principal: CurrentPrincipal,
    knowledge: Knowledge,
    recall_sample: int | None = Query(None, ge=0, le=200),
) -> Any:
    """Counts, sizes, latency percentiles and a recall@10 estimate (the shards against an
    exact scan, on `recall_sample` stored vectors) per index: the indexes the caller sees; the
    totals are the platform's."""
    found = await ask(knowledge, "stats", recall_sample)
    found["indexes"] = await visible(settings, principal, "index", found.get("indexes", []), key="name")
    return found


async def _search(settings: Settings, principal: Principal, knowledge: ActorRef, body: SearchIn, mode: str) -> Any:
    await check_access(settings, principal, "index", body.index, "body.index")
    return await ask(
        knowledge, "search", body.query, body.index, body.k, mode, body.filters, body.backend, body.weights
    )


@router.post("/search/semantic", response_model=SearchAnswer, **EXCLUDE_UNSET)
async def semantic(settings: SettingsDep, principal: CurrentPrincipal, knowledge: Knowledge, body: SearchIn) -> Any:
    return await _search(settings, principal, knowledge, body, "semantic")


@router.post("/search/hybrid", response_model=SearchAnswer, **EXCLUDE_UNSET)
async def hybrid(settings: SettingsDep, principal: CurrentPrincipal, knowledge: Knowledge, body: SearchIn) -> Any:
    return await _search(settings, principal, knowledge, body, "hybrid")


@router.post("/search/keyword", response_model=SearchAnswer, **EXCLUDE_UNSET)
async def keyword(settings: SettingsDep, principal: CurrentPrincipal, knowledge: Knowledge, body: SearchIn) -> Any:
    return await _search(settings, principal, knowledge, body, "keyword")


@router.post("/search/batch", response_model=BatchAnswer, **EXCLUDE_UNSET)
async def batch(settings: SettingsDep, principal: CurrentPrincipal, knowledge: Knowledge, body: BatchIn) -> Any:
    """Many queries in one request (one embedding call, one call per shard)."""
    await check_access(settings, principal, "index", body.index, "body.index")
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
