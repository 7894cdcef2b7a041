"""Metadata filters: `{"key": value}` matches equal values, `{"key": [a, b]}` any of them.

The same filter runs in two places: in an IndexShard over its in-memory metadata, and in
PostgreSQL (jsonb containment) for keyword and pgvector search; both must agree.
"""

from __future__ import annotations

from typing import Any

from protocols.knowledge import invalid

Scalar = str | int | float | bool | None


def validate_filters(filters: dict[str, Any] | None) -> dict[str, list[Scalar]]:
    """Normalise to key -> allowed values; refuse nested objects."""
    if not filters:
        return {}
    if not isinstance(filters, dict):
        raise invalid("filters", "must be an object of metadata key -> value or list of values")
    out: dict[str, list[Scalar]] = {}
    for key, value in filters.items():
        values = value if isinstance(value, list) else [value]
        if not values:
            raise invalid(f"filters.{key}", "an empty list matches nothing")
        for v in values:
            if v is not None and not isinstance(v, str | int | float | bool):
                raise invalid(f"filters.{key}", "values must be strings, numbers, booleans or null")
        out[str(key)] = list(values)
    return out


def matches(metadata: dict[str, Any], filters: dict[str, list[Scalar]]) -> bool:
    for key, allowed in filters.items():
        if key not in metadata:
            return False
        value = metadata[key]
        if not any(_same(value, a) for a in allowed):
            return False
    return True


def _same(value: Any, allowed: Scalar) -> bool:
    # JSON semantics, as jsonb containment has: true is not 1.
    if isinstance(value, bool) or isinstance(allowed, bool):
        return isinstance(value, bool) and isinstance(allowed, bool) and value == allowed
    return bool(value == allowed)


def containment_documents(filters: dict[str, list[Scalar]]) -> list[list[dict[str, Scalar]]]:
    """For SQL: per key, the jsonb documents one of which the metadata must contain."""
    return [[{key: v} for v in allowed] for key, allowed in filters.items()]
