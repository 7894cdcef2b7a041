"""Text the platform can store: the one rule every edge (HTTP, /ws, the bus) applies to what
comes in, so bad text is refused with a 422 naming the field instead of failing in PostgreSQL.

PostgreSQL cannot store two kinds of Python text:
- NUL (U+0000): `text` refuses it (psycopg: "cannot contain NUL (0x00) bytes") and `jsonb`
  refuses its escape `\\u0000` ("unsupported Unicode escape sequence");
- a lone surrogate (U+D800-U+DFFF): not Unicode text at all; JSON's `"\\ud800"` decodes to
  one, UTF-8 cannot encode it and `jsonb` rejects its escape.
Every other code point is storable (the database is UTF-8).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from protocols.errors import InvalidText

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

# Containers nested deeper than this are not walked further (JSON parsers stop far earlier).
MAX_DEPTH = 200

Path = tuple[str | int, ...]


def unstorable_reason(text: str) -> str | None:
    """Why PostgreSQL cannot store `text`, or None when it can."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    char = found.group()
    if char == "\x00":
        return f"must not contain NUL (\\u0000) characters (at position {found.start()})"
    return f"must not contain a lone surrogate (\\u{ord(char):04x}, at position {found.start()}): not Unicode text"


def find_unstorable(value: Any, path: Path = ()) -> tuple[Path, str] | None:
    """The first string in a JSON-like value (dict keys included) that PostgreSQL cannot
    store: its path from `value` and the reason; None when everything is storable."""
    for where, text in _strings(value, path, 0):
        reason = unstorable_reason(text)
        if reason is not None:
            return where, reason
    return None


def check_storable(value: Any, field: str) -> None:
    """Raise InvalidText naming the dotted field (`field` then the path inside the value)
    when any string in `value` cannot be stored."""
    found = find_unstorable(value)
    if found is None:
        return
    path, reason = found
    dotted = dotted_field(field, path)
    raise InvalidText(message=f"{dotted}: {reason}", field=dotted)


def dotted_field(field: str, path: Path) -> str:
    """`body` + ("messages", 0, "content") -> "body.messages.0.content" (FastAPI's style).
    A key that is itself bad text is shown escaped, so the message stays printable."""
    parts = [field] if field else []
    parts.extend(_printable(str(part)) for part in path)
    return ".".join(parts)


def _printable(part: str) -> str:
    return part if unstorable_reason(part) is None else part.encode("unicode_escape", "backslashreplace").decode()


def _strings(value: Any, path: Path, depth: int) -> Iterator[tuple[Path, str]]:
    if isinstance(value, str):
        yield path, value
    elif depth >= MAX_DEPTH:
        return
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                yield (*path, key), key
            yield from _strings(item, (*path, key), depth + 1)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index), depth + 1)
