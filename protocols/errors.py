"""One error type for the whole platform: a stable code, a message, the field at fault and
the HTTP status an edge answers with.

Engines and actors raise it (or a subclass); Ray carries it across a call intact
(`__reduce__`), and the HTTP layer maps it to a JSON body in one place. The bus has its
own wire form (JSON-RPC errors, protocols/jsonrpc.py).
"""

from __future__ import annotations

from typing import Any


class PlatformError(Exception):
    """A refusal or failure with a stable `code` (clients switch on it), a readable
    `message`, the request `field` at fault (dotted, e.g. "body.title") and an HTTP `status`."""

    default_code = "bad_request"
    default_status = 400

    def __init__(
        self,
        code: str | None = None,
        message: str = "",
        field: str | None = None,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = str(code or self.default_code)
        self.message = message
        self.field = field
        self.status = int(status if status is not None else self.default_status)
        self.extra = dict(extra or {})

    def __reduce__(self) -> tuple[Any, ...]:
        # Ray pickles exceptions raised in actors; keep every field across the trip.
        return (_rebuild, (type(self), self.code, self.message, self.field, self.status, self.extra))

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r}, field={self.field!r}, status={self.status})"


def _rebuild(
    cls: type[PlatformError], code: str, message: str, field: str | None, status: int, extra: dict[str, Any]
) -> PlatformError:
    err = cls.__new__(cls)
    PlatformError.__init__(err, code, message, field, status, extra)
    return err


class ActorUnavailable(PlatformError):
    """The actor at an address is gone: it does not exist, did not come back from a restart
    within the wait, or died during a call that is not safe to repeat."""

    default_code = "unavailable"
    default_status = 503

    def __init__(self, address: str, message: str, *, retryable: bool = True, died_during_call: bool = False) -> None:
        super().__init__(
            self.default_code,
            message,
            None,
            self.default_status,
            {"address": address, "retryable": retryable, "died_during_call": died_during_call},
        )

    @property
    def address(self) -> str:
        return str(self.extra.get("address", ""))

    @property
    def died_during_call(self) -> bool:
        return bool(self.extra.get("died_during_call"))


class ActorTimeout(PlatformError, TimeoutError):
    """An actor did not answer within the caller's timeout."""

    default_code = "timeout"
    default_status = 504


class InvalidText(PlatformError):
    """Text the database cannot store (a NUL, a lone surrogate: protocols/text.py), refused
    at the edge with the field at fault, or by the store when it got that far."""

    default_code = "invalid_text"
    default_status = 422


class DatabaseUnavailable(PlatformError):
    """The database did not answer (its server is down, restarting or unreachable): nothing
    was written; the request may be sent again."""

    default_code = "database_unavailable"
    default_status = 503
