"""psycopg's failures as the platform's errors: the store's last line of defence.

The edges refuse text the database cannot store (protocols/text.py); what gets past them
(a value built inside an actor, a route not yet covered) must still not surface as a 500,
and a server that is down must read as "the database is unavailable", not as whichever
psycopg exception the query happened to meet. Every pool of the platform maps its errors
here (database.StorePool), so no query needs to.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
from psycopg import errors as pg_errors

from protocols.errors import DatabaseUnavailable, InvalidText, PlatformError

# SQLSTATEs of text the server could not take: untranslatable character (\u0000 in jsonb)
# and character not in repertoire.
_TEXT_STATES = frozenset({"22P05", "22021"})


def platform_error(exc: BaseException) -> PlatformError | None:
    """The PlatformError a database failure means, or None when it is not one we map."""
    if isinstance(exc, PlatformError):
        return exc
    if isinstance(exc, UnicodeEncodeError):  # a lone surrogate: psycopg cannot encode it
        bad = exc.object[exc.start : exc.end]
        return InvalidText(message=f"text the database cannot store: {exc.reason} ({bad!a})")
    if isinstance(exc, psycopg.DataError):
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if _is_text_error(exc):
            return InvalidText(message=f"text the database cannot store: {first_line}")
        return PlatformError("invalid_value", f"a value the database refused: {first_line}", status=422)
    if isinstance(exc, psycopg.OperationalError) and not isinstance(exc, pg_errors.QueryCanceled):
        # The server is gone, restarting or out of reach; PoolTimeout (no connection in
        # time) is one too. The transaction, if any, was rolled back with the connection.
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return DatabaseUnavailable(message=f"the database is unavailable: {type(exc).__name__}: {first_line}")
    return None


def _is_text_error(exc: psycopg.DataError) -> bool:
    text = str(exc)
    if exc.sqlstate in _TEXT_STATES:
        return True
    if exc.sqlstate == "22P02":  # invalid text representation: of a lone surrogate's escape in json
        return "Unicode" in text
    return exc.sqlstate is None and "NUL" in text  # psycopg's own check before sending


@asynccontextmanager
async def mapped_errors() -> AsyncIterator[None]:
    """Re-raise a database failure in the block as its PlatformError (the cause kept)."""
    try:
        yield
    except (psycopg.Error, UnicodeEncodeError) as exc:
        mapped = platform_error(exc)
        if mapped is None:
            raise
        raise mapped from exc
