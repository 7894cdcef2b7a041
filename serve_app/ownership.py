"""Object-level authorization, in one place: who may reach which object.

- agents, conversations, reasoning sessions, evolution runs and search indexes belong to who
  made them; another user gets 404 for one (as for one that does not exist), admins reach all;
- an object without an owner (made before authentication, or by the platform itself) is the
  admins' alone, except a search index: the platform's own (`default`) is shared, every user
  reads and searches it, only admins change it (add or delete documents, delete it);
- a document belongs to its index's owner, a memory to its agent's (or conversation's) owner.

The owners live in PostgreSQL (actors/auth/ownership.py), asked through `auth/main`; /ws asks
the same rules of each event before it delivers it (`EventAudience`).
"""

from __future__ import annotations

import time
from typing import Any

from configs.settings import Settings
from protocols.addresses import AUTH
from protocols.auth import Principal
from protocols.errors import PlatformError
from serve_app.deps import actor_ref, ask

TIMEOUT_S = 10.0
# How long a lookup or claim waits for a restarting auth/main (before its own TIMEOUT_S).
RESTART_WAIT_S = 10.0
# Kinds whose objects without an owner are shared (read by all, written by admins).
SHARED_WHEN_UNOWNED = frozenset({"index", "document"})


def _auth(settings: Settings) -> Any:
    return actor_ref(settings, AUTH)


def owner_filter(principal: Principal) -> str | None:
    """What a list asks the store for: None (everything) for an admin, else the user's id."""
    return None if principal.is_admin else principal.user_id


def may(principal: Principal, kind: str, exists: bool, owner: str | None, write: bool) -> bool | None:
    """True: allowed; False: visible but not writable (403); None: hidden (404)."""
    if principal.is_admin:
        return True
    if not exists:
        return None
    if owner == principal.user_id:
        return True
    if owner is None and kind in SHARED_WHEN_UNOWNED:
        return not write
    return None


async def lookup(settings: Settings, kind: str, object_id: str) -> tuple[bool, str | None]:
    """Whether the object is known to auth/main, and its owner (a read: sent again to the
    successor of an auth/main that dies during it, and a restarting one is waited for)."""
    exists, owner = await ask(
        _auth(settings), "lookup", kind, object_id, timeout_s=TIMEOUT_S + RESTART_WAIT_S, wait_s=RESTART_WAIT_S
    )
    return exists, owner


async def check_access(
    settings: Settings, principal: Principal, kind: str, object_id: str, field: str, *, write: bool = False
) -> None:
    """404 unless this principal may see the object; 403 if it may see but not change it."""
    if principal.is_admin:
        return
    exists, owner = await lookup(settings, kind, object_id)
    allowed = may(principal, kind, exists, owner, write)
    if allowed is None:
        raise PlatformError("not_found", f"no {kind.replace('_', ' ')} {object_id!r}", field, 404)
    if not allowed:
        raise PlatformError("forbidden", f"the shared {kind} {object_id!r} is changed by admins only", field, 403)


async def check_owner(settings: Settings, principal: Principal, kind: str, object_id: str, field: str) -> None:
    """404 unless this principal owns the object (admins own everything)."""
    await check_access(settings, principal, kind, object_id, field, write=True)


async def claim(settings: Settings, principal: Principal, kind: str, object_id: str) -> None:
    """Make the principal the owner of a new object (first claim wins)."""
    # Idempotent (first claim wins; the same claim again changes nothing), so an auth/main
    # that dies during it, or is restarting, does not leave the new object without an owner.
    await ask(
        _auth(settings),
        "claim",
        kind,
        object_id,
        principal.user_id,
        timeout_s=TIMEOUT_S + RESTART_WAIT_S,
        wait_s=RESTART_WAIT_S,
        idempotent=True,
    )


async def visible(
    settings: Settings, principal: Principal, kind: str, rows: list[dict[str, Any]], key: str = "id"
) -> list[dict[str, Any]]:
    """The rows of a list this principal may see (its own, and the shared ones of a shared kind)."""
    if principal.is_admin:
        return rows
    auth = _auth(settings)
    mine = set(await ask(auth, "owned_ids", kind, principal.user_id, timeout_s=TIMEOUT_S))
    if kind in SHARED_WHEN_UNOWNED:
        mine |= set(await ask(auth, "owned_ids", kind, None, timeout_s=TIMEOUT_S))
    return [row for row in rows if row.get(key) in mine]


# ---- /ws events ---------------------------------------------------------------------------------

# Topics only admins receive: the supervision tree (every actor, every user's agents by name)
# and MCP server installs and status (admin-only operations).
ADMIN_TOPICS = ("supervision", "mcp")
# Topics every user receives whole: machine metrics and alerts, model status.
OPEN_TOPICS = ("system_metrics", "system_alert", "models", "health")


def event_object(topic: str, data: dict[str, Any]) -> tuple[str, str] | None:
    """The (kind, id) an event is about, or None for an event about no user's object."""
    head, _, rest = topic.partition(".")
    if head == "reasoning":
        found = rest or data.get("session_id")
        return ("reasoning_session", str(found)) if found else None
    if head == "evolution":
        found = rest or data.get("run_id")
        return ("evolution_run", str(found)) if found else None
    if head == "agents":
        found = data.get("id") or data.get("agent_id")
        return ("agent", str(found)) if found else None
    if head == "memory":
        found = data.get("agent_id")
        return ("agent", str(found)) if found else None
    if head == "knowledge":
        found = data.get("index") or data.get("index_name") or data.get("name")
        return ("index", str(found)) if found else None
    if head in ("conversations", "chat"):
        found = data.get("conversation_id")
        return ("conversation", str(found)) if found else None
    return None


class EventAudience:
    """Which events one /ws client may receive. Owners are cached per gateway replica: an
    owner never changes once set; "no owner yet" is asked again after `unknown_ttl_s`."""

    def __init__(self, settings: Settings, unknown_ttl_s: float = 2.0, size: int = 10000) -> None:
        self.settings = settings
        self.unknown_ttl_s = unknown_ttl_s
        self.size = size
        self._owners: dict[tuple[str, str], tuple[bool, str | None, float]] = {}

    async def _lookup(self, kind: str, object_id: str) -> tuple[bool, str | None]:
        now = time.monotonic()
        cached = self._owners.get((kind, object_id))
        if cached is not None and (cached[1] is not None or cached[2] > now):
            return cached[0], cached[1]
        # Waits out a restarting auth/main: this socket's events are held back meanwhile, not lost.
        exists, owner = await lookup(self.settings, kind, object_id)
        if len(self._owners) >= self.size:
            self._owners.clear()
        self._owners[(kind, object_id)] = (exists, owner, now + self.unknown_ttl_s)
        return exists, owner

    def remember(self, kind: str, object_id: str, owner: str) -> None:
        """An owner the gateway just set (a start over /ws): its first events are not held back."""
        self._owners[(kind, object_id)] = (True, owner, time.monotonic())

    async def may_receive(self, principal: Principal | None, topic: str, data: dict[str, Any]) -> bool:
        if principal is None:
            return False
        if principal.is_admin:
            return True
        head = topic.partition(".")[0]
        if head in ADMIN_TOPICS:
            return False
        if head in OPEN_TOPICS:
            return True
        found = event_object(topic, data)
        if found is None:
            # an event about no object of a user's kind: workflows carry their owner, or are admins'
            owner = data.get("owner_id")
            return owner == principal.user_id if head == "workflows" else True
        kind, object_id = found
        if "owner_id" in data:  # said by the publisher (an object just deleted can no longer be looked up)
            return bool(may(principal, kind, True, data["owner_id"], write=False))
        try:
            exists, owner = await self._lookup(kind, object_id)
        except PlatformError:
            return False  # the owner cannot be checked now: withhold rather than leak
        return bool(may(principal, kind, exists, owner, write=False))
