"""REST schemas of /api/v1/search and /api/v1/memory (no Ray, no I/O). Answers are the
knowledge and memory services' dicts: the models name what clients read and allow the rest."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from protocols.knowledge import IndexType, Memory, SearchBackend, SearchResponse


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


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


class IndexInfo(_Open):
    """An index: how it is built and searched, and what it holds."""

    name: str
    type: IndexType
    params: dict[str, Any]
    shards: int
    backend: SearchBackend
    dimensions: int
    created_at: str
    documents: int
    chunks: int


class IndexList(BaseModel):
    indexes: list[IndexInfo]


class IndexDeleted(_Open):
    name: str
    deleted: bool


class DocumentAdded(_Open):
    """The stored document: its id, index, the shard that holds it and its chunks."""

    id: str
    index: str
    shard: int
    chunks: int
    title: str | None = None
    format: str
    chars: int
    indexed: bool = Field(description="false: the shard was away and rebuilds from the rows")
    took_ms: float


class Document(_Open):
    id: str | None = None


class DocumentDeleted(_Open):
    id: str
    deleted: bool


class Percentiles(BaseModel):
    p50: float | None
    p95: float | None
    p99: float | None
    count: int


class IndexStats(IndexInfo):
    shard_status: list[dict[str, Any]] = Field(description="each shard's status (state, vectors, ...)")
    recall_at_10: float | None = Field(description="the shards' top 10 against an exact scan; None: not measured")


class SearchStats(_Open):
    """Counts, sizes, latency percentiles and a recall@10 estimate per index."""

    indexes: list[IndexStats]
    documents: int
    chunks: int
    sizes: dict[str, int | None] = Field(description="bytes on disk of the tables and their indexes")
    latency_ms: dict[str, Percentiles] = Field(description="per search mode, over the latest searches")
    documents_added: int


class SearchAnswer(SearchResponse):
    model_config = ConfigDict(extra="allow")


class BatchAnswer(BaseModel):
    responses: list[SearchAnswer]


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


class MemoryList(_Open):
    memories: list[Memory]
    agent_id: str | None = None
    conversation_id: str | None = None


class MemoryStored(Memory):
    model_config = ConfigDict(extra="allow")


class MemoriesDeleted(_Open):
    agent_id: str
    deleted: int


class MemoryStats(_Open):
    """Counts of memories (by agent, by kind)."""
