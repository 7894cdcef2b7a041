"""Every string a request brings (path and query parameters, the JSON body) is text the
platform can store (protocols/text.py), or the request is refused with a 422 `invalid_text`
naming the field (`path.agent_id`, `query.conversation_id`, `body.messages.0.content`).

One app-wide FastAPI dependency, so every route, today's and tomorrow's, is covered without
a model or a parameter having to opt in. It runs after routing (the path parameters have
names) and before the route's own validation. The JSON body is the one FastAPI parses for
the route (Starlette caches it on the request), so it is not read twice.

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

from starlette.requests import HTTPConnection, Request

from protocols.text import check_storable

_JSON_TYPES = ("application/json", "+json")


async def reject_unstorable_text(conn: HTTPConnection) -> None:
    """Raise InvalidText (422) for the first unstorable string of the request."""
    for name, value in conn.path_params.items():
        check_storable(value, f"path.{name}")
    for name, value in conn.query_params.multi_items():
        check_storable({name: value}, "query")  # the name too: "query.<name>" either way
    if isinstance(conn, Request) and _is_json(conn):
        body = await _json_body(conn)
        if body is not None:
            check_storable(body, "body")


def _is_json(request: Request) -> bool:
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return not content_type or content_type.endswith(_JSON_TYPES)


async def _json_body(request: Request) -> object:
    """The decoded body, or None when there is none or it is not JSON (the route's own
    parsing then answers as it always does)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if not await request.body():
        return None
    try:
        return await request.json()
    except (ValueError, UnicodeDecodeError):
        return None
