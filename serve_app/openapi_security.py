"""The OpenAPI document's security: a bearer scheme (API key or access token) and a cookie
scheme (the UI's), required on every operation serve_app/access.py does not make public, so
clients and fuzzers (schemathesis's `ignored_auth` check) know what needs credentials."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from serve_app.access import rule_for

SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key (`pgk_...`) or an access token from POST /api/v1/auth/login",
    },
    "cookie": {"type": "apiKey", "in": "cookie", "name": "pygent_access"},
}


def mark_security(app: FastAPI) -> None:
    build = app.openapi  # FastAPI's own (it caches in app.openapi_schema)
    marked = False

    def openapi() -> dict[str, Any]:
        nonlocal marked
        schema = build()
        if marked:
            return schema
        schema.setdefault("components", {})["securitySchemes"] = SCHEMES
        for path, item in schema.get("paths", {}).items():
            for method, operation in item.items():
                if not isinstance(operation, dict) or method.upper() not in _METHODS:
                    continue
                rule = rule_for(method.upper(), path, public_docs=True)
                operation["security"] = [] if rule.public else [{"bearer": []}, {"cookie": []}]
        marked = True
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}
