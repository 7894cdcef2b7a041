"""Checks on search, ingest and index requests, shared by the bus tools and the REST API:
every refusal is a KnowledgeError naming the field at fault."""

from __future__ import annotations

from typing import Any

from actors.knowledge.faiss_index import validate_params
from configs.settings import KnowledgeConfig
from protocols.knowledge import (
    INDEX_NAME,
    IndexSpec,
    IndexType,
    KnowledgeError,
    KnowledgeErrorCode,
    SearchBackend,
    SearchMode,
    invalid,
)


def check_query(query: Any, field: str = "query") -> str:
    if not isinstance(query, str) or not query.strip():
        raise invalid(field, "must be a non-empty string")
    if len(query) > 10_000:
        raise invalid(field, "longer than 10000 characters")
    return query.strip()


def check_k(k: Any, config: KnowledgeConfig) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= config.max_k:
        raise invalid("k", f"must be an integer between 1 and {config.max_k}")
    return k


def check_mode(mode: Any) -> SearchMode:
    try:
        return SearchMode(mode)
    except ValueError:
        raise invalid("mode", "must be one of semantic, keyword, hybrid") from None


def check_backend(backend: Any, default: SearchBackend) -> SearchBackend:
    if backend is None:
        return default
    try:
        return SearchBackend(backend)
    except ValueError:
        raise invalid("backend", "must be 'faiss' or 'pgvector'") from None


def check_weights(weights: Any) -> tuple[float, float] | None:
    if weights is None:
        return None
    if (
        not isinstance(weights, list | tuple)
        or len(weights) != 2
        or not all(isinstance(w, int | float) and not isinstance(w, bool) and w >= 0 for w in weights)
        or sum(weights) <= 0
    ):
        raise invalid("weights", "must be two non-negative numbers [vector, keyword], not both 0")
    return float(weights[0]), float(weights[1])


def check_content(content: str | bytes, config: KnowledgeConfig) -> None:
    size = len(content.encode("utf-8")) if isinstance(content, str) else len(content)
    if size == 0 or (isinstance(content, str) and not content.strip()):
        raise invalid("content", "the document is empty")
    if size > config.max_document_bytes:
        raise KnowledgeError(
            KnowledgeErrorCode.TOO_LARGE,
            f"content: {size} bytes is over the limit of {config.max_document_bytes} (knowledge.max_document_bytes)",
            "content",
            413,
        )


def index_spec(body: dict[str, Any], config: KnowledgeConfig) -> IndexSpec:
    """A full IndexSpec from a create request, defaults from the config."""
    name = body.get("name")
    if not isinstance(name, str) or not INDEX_NAME.match(name):
        raise invalid("name", "must be 1-63 characters: lower-case letters, digits, '_' or '-', starting alphanumeric")
    raw_type = body.get("type", config.default_type)
    try:
        kind = IndexType(str(raw_type).lower())
    except ValueError:
        raise invalid("type", f"unknown index type '{raw_type}' (one of flat, hnsw, ivf)") from None
    params_in = body.get("params")
    if params_in is None:
        params_in = config.default_params if kind.value == config.default_type else {}
    if not isinstance(params_in, dict):
        raise invalid("params", "must be an object")
    params = validate_params(kind, params_in)
    shards = body.get("shards", config.default_shards)
    if isinstance(shards, bool) or not isinstance(shards, int) or not 1 <= shards <= config.max_shards:
        raise invalid("shards", f"must be an integer between 1 and {config.max_shards}")
    backend = check_backend(body.get("backend"), SearchBackend(config.default_backend))
    return IndexSpec(name=name, type=kind, params=params, shards=shards, backend=backend, dimensions=config.dimensions)
