"""Object-level authorization in the routes: an agent or conversation belongs to who made it;
another user gets 404 for it (as for one that does not exist), admins see everything. The
owners live in PostgreSQL (actors/auth/ownership.py), asked through `auth/main`."""

from __future__ import annotations

from typing import Any

from configs.settings import Settings
from protocols.addresses import AUTH
from protocols.auth import Principal
from protocols.errors import PlatformError
from serve_app.deps import actor_ref, ask

TIMEOUT_S = 10.0


def _auth(settings: Settings) -> Any:
    return actor_ref(settings, AUTH)


async def check_owner(settings: Settings, principal: Principal, kind: str, object_id: str, field: str) -> None:
    """404 unless this principal owns the object (admins own everything)."""
    if principal.is_admin:
        return
    owner = await ask(_auth(settings), "owner_of", kind, object_id, timeout_s=TIMEOUT_S)
    if owner != principal.user_id:
        raise PlatformError("not_found", f"no {kind} {object_id!r}", field, 404)


async def claim(settings: Settings, principal: Principal, kind: str, object_id: str) -> None:
    """Make the principal the owner of a new object (first claim wins)."""
    await ask(_auth(settings), "claim", kind, object_id, principal.user_id, timeout_s=TIMEOUT_S)


async def visible(
    settings: Settings, principal: Principal, kind: str, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The rows of a list this principal may see."""
    if principal.is_admin:
        return rows
    mine = set(await ask(_auth(settings), "owned_ids", kind, principal.user_id, timeout_s=TIMEOUT_S))
    return [row for row in rows if row.get("id") in mine]
