"""Every failure the gateway can answer, mapped to a JSON body with a stable code in one place.

Routes raise `PlatformError` (or a subclass: ModelError, KnowledgeError, AgentSpecError,
ActorUnavailable 503, ActorTimeout 504); the actor errors Ray wraps are unwrapped here;
JSON-RPC errors (RpcError) get the HTTP status of their code. No route catches Ray's
exceptions itself unless it wants a route-specific message. The routers for outside
clients render the same errors in their clients' shapes (OpenAI's, Ollama's) through a
route class (`styled_errors`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import ValidationError
from ray.exceptions import RayActorError, RayTaskError
from starlette.exceptions import HTTPException as StarletteHTTPException

from protocols.errors import ActorUnavailable, PlatformError
from protocols.jsonrpc import ErrorCode as RpcCode
from protocols.jsonrpc import RpcError
from protocols.rest import ErrorBody, HttpErrorCode
from supervisors.refs import unwrap

log = logging.getLogger(__name__)

_STATUS_CODES: dict[int, HttpErrorCode] = {
    400: HttpErrorCode.BAD_REQUEST,
    404: HttpErrorCode.NOT_FOUND,
    405: HttpErrorCode.METHOD_NOT_ALLOWED,
    422: HttpErrorCode.VALIDATION_ERROR,
    503: HttpErrorCode.UNAVAILABLE,
    504: HttpErrorCode.TIMEOUT,
}


class ApiError(PlatformError):
    """Raise from a route to answer with this status and error body (the gateway's own
    refusals; the body has the `details` list of validation errors)."""

    def __init__(self, status: int, code: HttpErrorCode | str, message: str, field: str | None = None) -> None:
        super().__init__(str(code), message, field, status)

    def __reduce__(self) -> tuple[Any, ...]:
        return (ApiError, (self.status, self.code, self.message, self.field))

    @property
    def body(self) -> ErrorBody:
        return ErrorBody(code=self.code, message=self.message, field=self.field)

    def to_dict(self) -> dict[str, Any]:
        return self.body.model_dump(mode="json", exclude_none=True)


def error_response(status: int, body: ErrorBody) -> JSONResponse:
    return JSONResponse(status_code=status, content=body.model_dump(mode="json", exclude_none=True))


def rpc_error(err: RpcError) -> ApiError:
    """A JSON-RPC error (an actor endpoint's or the bus's) as the HTTP answer its code means."""
    data = err.data if isinstance(err.data, dict) else {}
    if err.code == RpcCode.TOOL_NOT_FOUND:
        return ApiError(404, HttpErrorCode.NOT_FOUND, err.message, "tool")
    if err.code == RpcCode.INVALID_PARAMS:
        code = data.get("code") or HttpErrorCode.VALIDATION_ERROR  # e.g. invalid_text (protocols/text.py)
        return ApiError(422, code, err.message, data.get("field", "arguments"))
    if err.code == RpcCode.REQUEST_TIMEOUT:
        return ApiError(504, HttpErrorCode.TIMEOUT, err.message)
    if err.code in (RpcCode.TARGET_UNAVAILABLE, RpcCode.TARGET_CRASHED):
        return ApiError(503, HttpErrorCode.UNAVAILABLE, err.message)
    return ApiError(502, HttpErrorCode.INTERNAL_ERROR, err.message)


def as_platform_error(exc: BaseException) -> PlatformError | None:
    """The platform error an exception means at the HTTP edge, or None for a bug (a 500)."""
    exc = unwrap(exc)
    if isinstance(exc, PlatformError):
        return exc
    if isinstance(exc, RpcError):
        return rpc_error(exc)
    if isinstance(exc, RayActorError):
        return ActorUnavailable("", "an actor died during this request; it is being restarted, retry")
    if isinstance(exc, TimeoutError):
        return ApiError(504, HttpErrorCode.TIMEOUT, "no answer in time")
    if isinstance(exc, ValidationError):
        return ApiError(422, HttpErrorCode.VALIDATION_ERROR, short_message(exc), validation_field(exc))
    return None


def short_message(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        return f"{loc}: {first['msg']}" if loc else first["msg"]
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def validation_field(exc: ValidationError) -> str | None:
    errors = exc.errors()
    return ".".join(str(p) for p in errors[0]["loc"]) or None if errors else None


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


def validation_error(exc: RequestValidationError) -> ErrorBody:
    """A request FastAPI could not parse: the first field at fault, and every problem."""
    details = [
        {"field": _field_of(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    first = details[0] if details else {"field": None, "message": "invalid request"}
    return ErrorBody(
        code=HttpErrorCode.VALIDATION_ERROR,
        message=f"{first['field']}: {first['message']}" if first["field"] else first["message"],
        field=first["field"],
        details=details,
    )


def http_error(request: Request, exc: StarletteHTTPException) -> ErrorBody:
    code = _STATUS_CODES.get(exc.status_code, HttpErrorCode.BAD_REQUEST)
    message = exc.detail if isinstance(exc.detail, str) else "request failed"
    if exc.status_code == 404 and message == "Not Found":
        message = f"no such path: {request.url.path}"
    return ErrorBody(code=code, message=message)


def platform_error_of(request: Request, exc: BaseException) -> PlatformError:
    """Any failure of a route as the platform error it means; a bug is an internal_error
    (500) whose traceback goes to the replica's log, never to the client."""
    if isinstance(exc, RequestValidationError):
        body = validation_error(exc)
        return PlatformError(body.code, body.message, body.field, 422)
    if isinstance(exc, StarletteHTTPException):
        body = http_error(request, exc)
        return PlatformError(body.code, body.message, None, exc.status_code)
    err = as_platform_error(exc)
    if err is not None:
        return err
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return PlatformError(HttpErrorCode.INTERNAL_ERROR, f"internal error ({type(exc).__name__})", None, 500)


# ---- the same errors in the shapes outside clients expect (routers/openai_api.py, ollama_api.py) ----

_OPENAI_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "invalid_request_error",
    409: "invalid_request_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}
_INDEX = re.compile(r"\.(\d+)(?=\.|$)")


def openai_param(field: str | None) -> str | None:
    """A dotted field as OpenAI names a parameter: `body.messages.0.role` -> `messages[0].role`."""
    if not field:
        return None
    for prefix in ("body.", "query.", "path.", "header."):
        if field.startswith(prefix):
            field = field[len(prefix) :]
            break
    if field == "body":
        return None
    return _INDEX.sub(r"[\1]", field)


def openai_error(err: PlatformError) -> tuple[int, dict[str, Any]]:
    """OpenAI's error answer: `{"error": {"message", "type", "param", "code"}}`; a request it
    cannot parse is a 400 (OpenAI has no 422), an unknown model a 404 `model_not_found`."""
    status = 400 if err.status == 422 else err.status
    kind = _OPENAI_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    param = openai_param(err.field)
    if param is None and err.code == "model_not_found":
        param = "model"
    return status, {"error": {"message": err.message, "type": kind, "param": param, "code": err.code}}


def ollama_error(err: PlatformError) -> tuple[int, dict[str, Any]]:
    """Ollama's error answer: `{"error": "<message>"}` with the status (400 for a bad request)."""
    return (400 if err.status == 422 else err.status), {"error": err.message}


def outside_client_style(request: Request) -> Callable[[PlatformError], tuple[int, dict[str, Any]]] | None:
    """OpenAI's error shape under /v1, Ollama's under its own /api/ paths, else None."""
    path = request.url.path
    root = str(request.scope.get("root_path") or "")
    if root and path.startswith(root):
        path = path[len(root) :]
    if path == "/v1" or path.startswith("/v1/"):
        return openai_error
    if path.startswith("/api/") and not (path == "/api/v1" or path.startswith("/api/v1/")):
        return ollama_error
    return None


def styled_errors(render: Callable[[PlatformError], tuple[int, dict[str, Any]]]) -> type[APIRoute]:
    """A route class whose every failure (bad body, refusal, actor error, bug) answers in the
    shape `render` gives: the routers for outside clients answer errors as their clients
    expect, while the rest of the gateway keeps ErrorBody."""

    class StyledRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def styled(request: Request) -> Response:
                try:
                    return await handler(request)
                except Exception as exc:
                    status, body = render(platform_error_of(request, exc))
                    return JSONResponse(status_code=status, content=body)

            return styled

    return StyledRoute


def platform_response(err: PlatformError) -> JSONResponse:
    # ModelError's body names the backend, KnowledgeError's the field: each error's to_dict
    headers = None
    if err.status == 429:  # rate limits and the failed-login backoff say when to come back
        headers = {"Retry-After": str(int(err.extra.get("retry_after_s", 1)))}
    elif err.status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="pygent"'}
    return JSONResponse(status_code=err.status, content=err.to_dict(), headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PlatformError)
    async def _platform(request: Request, exc: PlatformError) -> JSONResponse:
        return platform_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, validation_error(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # a path no route matches under an outside client's surface answers in its shape
        render = outside_client_style(request)
        if render is not None:
            status, body = render(platform_error_of(request, exc))
            return JSONResponse(status_code=status, content=body)
        return error_response(exc.status_code, http_error(request, exc))

    async def _mapped(request: Request, exc: Exception) -> JSONResponse:
        err = as_platform_error(exc)
        if err is not None:
            return platform_response(err)
        # Never a traceback to the client: it goes to the replica's log.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(
            500,
            ErrorBody(code=HttpErrorCode.INTERNAL_ERROR, message=f"internal error ({type(exc).__name__})"),
        )

    for kind in (RpcError, RayTaskError, RayActorError, TimeoutError, ValidationError, Exception):
        app.add_exception_handler(kind, _mapped)


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
