"""/api/v1/search/*: search indexes, documents, semantic / keyword / hybrid search, stats.

Routes call `knowledge/main` through its Ray handle. A refused request answers 4xx with
`{"code", "message", "field"}` naming the field; a coordinator that is restarting, 503.

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

import asyncio
from typing import Any

import ray
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from ray.exceptions import RayActorError, RayTaskError

from actors.refs import await_ref
from protocols.knowledge import KnowledgeError, KnowledgeErrorCode
from serve_app.lookup import settings_of

router = APIRouter()
TAG = "search"
KNOWLEDGE = "knowledge/main"
TIMEOUT_S = 120.0


def error_json(err: KnowledgeError) -> JSONResponse:
    return JSONResponse(status_code=err.status, content=err.to_dict())


async def ask(request: Request, address: str, method: str, *args: Any, **kwargs: Any) -> Any:
    """Call `address.method(...)`; a KnowledgeError (or the actor's absence) becomes the
    JSON error response to return."""
    settings = settings_of(request)
    try:
        actor = ray.get_actor(address, namespace=settings.ray.namespace)
    except ValueError:
        return error_json(KnowledgeError(KnowledgeErrorCode.UNAVAILABLE, f"{address} is not running; retry", None, 503))
    try:
        return await asyncio.wait_for(await_ref(getattr(actor, method).remote(*args, **kwargs)), TIMEOUT_S)
    except Exception as exc:
        cause: BaseException = exc
        while isinstance(cause, RayTaskError) and getattr(cause, "cause", None) is not None:
            cause = cause.cause  # type: ignore[assignment]
        if isinstance(cause, KnowledgeError):
            return error_json(cause)
        if isinstance(cause, RayActorError):
            return error_json(
                KnowledgeError(KnowledgeErrorCode.UNAVAILABLE, f"{address} died during this request; retry", None, 503)
            )
        if isinstance(cause, TimeoutError):
            return error_json(KnowledgeError(KnowledgeErrorCode.UNAVAILABLE, f"{address} did not answer", None, 504))
        raise


class IndexCreate(BaseModel):
    name: str = Field(description="lower-case letters, digits, '_' or '-'")
    type: str | None = Field(None, description="flat | hnsw | ivf")
    params: dict[str, Any] | None = Field(
        None, description="hnsw: M, ef_construction, ef_search; ivf: nlist, nprobe, train_size"
    )
    shards: int | None = None
    backend: str | None = Field(None, description="faiss (shards) | pgvector: the default search path")


class DocumentIn(BaseModel):
    index: str = "default"
    content: str | None = Field(None, description="the document as text (plain, Markdown or HTML)")
    content_base64: str | None = Field(None, description="the document as base64 bytes (e.g. a PDF)")
    format: str | None = Field(None, description="text | markdown | html | pdf (default: detected)")
    filename: str | None = None
    metadata: dict[str, Any] | None = None


class SearchIn(BaseModel):
    index: str = "default"
    query: str = ""
    k: int = 5
    filters: dict[str, Any] | None = Field(None, description='metadata filters: {"key": value or [values]}')
    backend: str | None = Field(None, description="faiss | pgvector (default: the index's)")
    weights: list[float] | None = Field(None, description="hybrid only: RRF weights [vector, keyword]")


class BatchIn(SearchIn):
    queries: list[str] = Field(default_factory=list)
    mode: str = "hybrid"


def _creation(body: IndexCreate) -> dict[str, Any]:
    return {k: v for k, v in body.model_dump().items() if v is not None}


@router.get("/search/indexes", tags=[TAG])
async def list_indexes(request: Request) -> Any:
    found = await ask(request, KNOWLEDGE, "list_indexes")
    return found if isinstance(found, JSONResponse) else {"indexes": found}


@router.post("/search/indexes", tags=[TAG], status_code=201)
async def create_index(request: Request, body: IndexCreate) -> Any:
    return await ask(request, KNOWLEDGE, "create_index", _creation(body))


@router.delete("/search/indexes/{name}", tags=[TAG])
async def delete_index(request: Request, name: str) -> Any:
    return await ask(request, KNOWLEDGE, "delete_index", name)


@router.post("/search/documents", tags=[TAG], status_code=201)
async def add_document(request: Request, body: DocumentIn) -> Any:
    return await ask(
        request,
        KNOWLEDGE,
        "add_document",
        body.content,
        body.index,
        body.metadata,
        body.format,
        body.filename,
        body.content_base64,
    )


@router.get("/search/documents/{document_id}", tags=[TAG])
async def get_document(request: Request, document_id: str) -> Any:
    return await ask(request, KNOWLEDGE, "get_document", document_id)


@router.delete("/search/documents/{document_id}", tags=[TAG])
async def delete_document(request: Request, document_id: str) -> Any:
    return await ask(request, KNOWLEDGE, "delete_document", document_id)


@router.get("/search/stats", tags=[TAG])
async def stats(request: Request, recall_sample: int | None = Query(None, ge=0, le=200)) -> Any:
    """Counts, sizes, latency percentiles and a recall@10 estimate (the shards against an
    exact scan, on `recall_sample` stored vectors) per index."""
    return await ask(request, KNOWLEDGE, "stats", recall_sample)


async def _search(request: Request, body: SearchIn, mode: str) -> Any:
    return await ask(
        request, KNOWLEDGE, "search", body.query, body.index, body.k, mode, body.filters, body.backend, body.weights
    )


@router.post("/search/semantic", tags=[TAG])
async def semantic(request: Request, body: SearchIn) -> Any:
    return await _search(request, body, "semantic")


@router.post("/search/hybrid", tags=[TAG])
async def hybrid(request: Request, body: SearchIn) -> Any:
    return await _search(request, body, "hybrid")


@router.post("/search/keyword", tags=[TAG])
async def keyword(request: Request, body: SearchIn) -> Any:
    return await _search(request, body, "keyword")


@router.post("/search/batch", tags=[TAG])
async def batch(request: Request, body: BatchIn) -> Any:
    """Many queries in one request (one embedding call, one call per shard)."""
    found = await ask(
        request,
        KNOWLEDGE,
        "search_batch",
        body.queries,
        body.index,
        body.k,
        body.mode,
        body.filters,
        body.backend,
        body.weights,
    )
    return found if isinstance(found, JSONResponse) else {"responses": found}
