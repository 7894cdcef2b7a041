"""serve_app.openapi_dump: the gateway's OpenAPI document, written without Ray, the same text
on every run (the UI's generated types and `make test`'s staleness check rest on it)."""

from __future__ import annotations

import json
from pathlib import Path

from serve_app.openapi_dump import main, openapi_document, openapi_text


def test_the_document_has_the_rest_shapes_the_ui_aliases() -> None:
    document = openapi_document()
    schemas = document["components"]["schemas"]
    for name in ("ChildStatus", "HealthReport", "ComponentHealth", "DatabaseHealth", "ModelPerformance"):
        assert name in schemas
    assert "/api/v1/health" in document["paths"]


def test_the_text_is_stable_and_sorted(tmp_path: Path) -> None:
    first = openapi_text(openapi_document())
    assert openapi_text(openapi_document()) == first
    assert first.endswith("}\n")
    keys = list(json.loads(first)["paths"])
    assert keys == sorted(keys)
    out = tmp_path / "openapi.json"
    assert main([str(out)]) == 0
    assert out.read_text(encoding="utf-8") == first


def test_the_committed_copy_is_current() -> None:
    committed = Path(__file__).resolve().parents[2] / "ui" / "openapi.json"
    assert committed.read_text(encoding="utf-8") == openapi_text(openapi_document()), "run `make ui-types`"
