"""JSON errors with stable codes for every failure the gateway can answer."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from protocols.models import ModelError
from protocols.rest import ErrorBody, ErrorCode

log = logging.getLogger(__name__)

_STATUS_CODES: dict[int, ErrorCode] = {
    400: ErrorCode.BAD_REQUEST,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    422: ErrorCode.VALIDATION_ERROR,
    503: ErrorCode.UNAVAILABLE,
    504: ErrorCode.TIMEOUT,
}


class ApiError(Exception):
    """Raise from a route to answer with this status and error body."""

    def __init__(self, status: int, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = ErrorBody(code=code, message=message, field=field)


def error_response(status: int, body: ErrorBody) -> JSONResponse:
    return JSONResponse(status_code=status, content=body.model_dump(mode="json", exclude_none=True))


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.body)

    @app.exception_handler(ModelError)
    async def _model_error(request: Request, exc: ModelError) -> JSONResponse:
        # {"code", "message", "backend"}: the backend named, as users of two backends need
        return JSONResponse(status_code=exc.status, content=exc.to_dict())

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        details = [
            {"field": _field_of(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type", "")}
            for e in errors
        ]
        first = details[0] if details else {"field": None, "message": "invalid request"}
        body = ErrorBody(
            code=ErrorCode.VALIDATION_ERROR,
            message=f"{first['field']}: {first['message']}" if first["field"] else first["message"],
            field=first["field"],
            details=details,
        )
        return error_response(422, body)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, ErrorCode.BAD_REQUEST)
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such path: {request.url.path}"
        return error_response(exc.status_code, ErrorBody(code=code, message=message))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Never a traceback to the client: it goes to the replica's log.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(
            500,
            ErrorBody(code=ErrorCode.INTERNAL_ERROR, message=f"internal error ({type(exc).__name__})"),
        )


class JsonBodyByDefault:
    """ASGI middleware: a request body without a JSON content-type is read as JSON.

    Ollama's API takes JSON whatever the header says (its documented `curl -d '{...}'`
    examples send none), so Ollama users' scripts work here unchanged."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") == "http" and scope.get("method") in ("POST", "PUT", "PATCH"):
            headers = [(k, v) for k, v in scope.get("headers", []) if k != b"content-type"]
            content_type = dict(scope.get("headers", [])).get(b"content-type", b"")
            if not content_type or content_type.startswith(b"application/x-www-form-urlencoded"):
                scope = {**scope, "headers": [*headers, (b"content-type", b"application/json")]}
        await self.app(scope, receive, send)
