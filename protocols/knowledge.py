"""The wire of knowledge search and agent memory: index specs, documents, search hits, errors.

No Ray and no I/O in here: the coordinator, the shards, the REST API and the tests share
these shapes.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from protocols.errors import PlatformError

INDEX_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


class IndexType(StrEnum):
    FLAT = "flat"
    HNSW = "hnsw"
    IVF = "ivf"


class SearchBackend(StrEnum):
    FAISS = "faiss"  # the IndexShard actors
    PGVECTOR = "pgvector"  # HNSW inside PostgreSQL, on the same rows


class SearchMode(StrEnum):
    SEMANTIC = "semantic"
    KEYWORD = "keyword"
    HYBRID = "hybrid"


class KnowledgeErrorCode(StrEnum):
    INVALID_REQUEST = "validation_error"
    NOT_FOUND = "not_found"
    TOO_LARGE = "too_large"
    CONFLICT = "conflict"
    UNAVAILABLE = "unavailable"


class KnowledgeError(PlatformError):
    """A request the knowledge or memory actors refuse: a stable code, the field at fault
    and the HTTP status the gateway answers with."""

    def __init__(self, code: KnowledgeErrorCode, message: str, field: str | None = None, status: int = 422) -> None:
        super().__init__(code, message, field, status)
        self.code: KnowledgeErrorCode = KnowledgeErrorCode(code)  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        # Ray pickles exceptions raised in actors; keep every field across the trip.
        return (KnowledgeError, (self.code, self.message, self.field, self.status))

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code.value, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


def invalid(field: str, message: str, status: int = 422) -> KnowledgeError:
    return KnowledgeError(KnowledgeErrorCode.INVALID_REQUEST, f"{field}: {message}", field, status)


class IndexSpec(BaseModel):
    """A named search index: how its FAISS shards are built and how it is searched by default."""

    name: str
    type: IndexType = IndexType.HNSW
    params: dict[str, Any] = Field(default_factory=dict)
    shards: int = 2
    backend: SearchBackend = SearchBackend.FAISS
    dimensions: int = 384


class Chunk(BaseModel):
    """One piece of a document as the chunker cuts it (character offsets into the text)."""

    index: int
    text: str
    start: int
    end: int


class Hit(BaseModel):
    """A scored chunk id (higher score is better)."""

    id: int
    score: float


class SearchResult(BaseModel):
    text: str
    score: float
    document_id: str
    chunk_id: int
    metadata: dict[str, Any] = Field(default_factory=dict)
    # The FAISS shard that holds the chunk (a document's chunks all live on one shard), so the
    # one that answered it in a FAISS search; None where the row did not say.
    shard: int | None = None


class SearchResponse(BaseModel):
    results: list[SearchResult]
    partial: bool = False
    index: str
    mode: SearchMode
    backend: SearchBackend | None = None  # None: keyword search only (PostgreSQL full-text)
    shards: int = 0
    shards_answered: int = 0
    took_ms: float = 0.0


class Memory(BaseModel):
    id: str
    agent_id: str
    conversation_id: str | None = None
    kind: str = "fact"
    content: str
    metadata: dict[str, Any] = Field(default_factory=dict)
    score: float | None = None
    created_at: str
