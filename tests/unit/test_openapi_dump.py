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


def test_every_event_stream_describes_one_parsed_event() -> None:
    """OpenAPI 3.0/3.1 `text/event-stream` schemas are per event (what schemathesis and
    OpenAPI 3.2's itemSchema check): an object with the event's `data` text, not the raw body."""
    import jsonschema

    document = openapi_document()
    streams = [
        (path, response["content"]["text/event-stream"]["schema"])
        for path, operations in document["paths"].items()
        for operation in operations.values()
        for response in operation.get("responses", {}).values()
        if "text/event-stream" in response.get("content", {})
    ]
    assert any(path == "/v1/chat/completions" for path, _ in streams)
    chunk = '{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[]}'
    for path, schema in streams:
        jsonschema.validate({"data": chunk, "event": "message"}, schema)
        jsonschema.validate({"data": "[DONE]", "event": "message", "id": "7"}, schema)
        assert not jsonschema.Draft202012Validator(schema).is_valid({"event": "message"}), f"{path}: no data"
