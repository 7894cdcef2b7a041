"""Errors an actor can send back: every exception leaving an actor method reaches its caller.

Ray pickles an exception raised in an actor and unpickles it in the caller. One that
pickles but does not unpickle (a constructor with required keyword arguments, such as
httpx.HTTPStatusError) arrives as Ray's `UnserializableException`, which says only that
something failed. An actor class built by `remote_class` re-raises such an exception as a
PlatformError that keeps its type name and message; every other exception passes as it is.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from ray import cloudpickle

from protocols.errors import PlatformError


class UnsendableError(PlatformError):
    """An exception raised in an actor that could not have crossed to its caller intact."""

    default_code = "internal_error"
    default_status = 500


def sendable(exc: BaseException) -> BaseException:
    """`exc` if it survives a pickle round trip, else an UnsendableError that names it."""
    try:
        cloudpickle.loads(cloudpickle.dumps(exc))
        return exc
    except Exception:
        return UnsendableError(message=f"{type(exc).__name__}: {exc}")


def _guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    async def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await fn(self, *args, **kwargs)
        except Exception as exc:
            replacement = sendable(exc)
            if replacement is exc:
                raise
            raise replacement from None

    return guarded


def with_sendable_errors(cls: type) -> type:
    """A subclass of `cls` whose public coroutine methods raise only sendable exceptions.
    Generators (streams) and sync methods are left as they are."""
    guarded = {
        name: _guard(fn)
        for name, fn in inspect.getmembers(cls, inspect.iscoroutinefunction)
        if not name.startswith("_")
    }
    namespace = {**guarded, "__module__": cls.__module__, "__qualname__": cls.__qualname__, "__doc__": cls.__doc__}
    return type(cls.__name__, (cls,), namespace)
