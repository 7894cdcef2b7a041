"""Object-level rules without Ray (serve_app/ownership.py, serve_app/access.py): who may see or
change which object, which /ws events a user receives, which /mcp tools a role may call."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from configs.settings import load_settings
from protocols.auth import Principal, Role
from serve_app.access import mcp_refusal, rule_for
from serve_app.ownership import EventAudience, event_object, may

ALICE = Principal(user_id="alice", username="alice", role=Role.USER)
BOB = Principal(user_id="bob", username="bob", role=Role.USER)
ADMIN = Principal(user_id="root", username="root", role=Role.ADMIN)
VIEWER = Principal(user_id="vera", username="vera", role=Role.VIEWER)

KINDS = ["agent", "conversation", "reasoning_session", "evolution_run", "index", "document"]


@pytest.mark.parametrize("kind", KINDS)
def test_an_owner_reaches_their_object_others_get_not_found_admins_all(kind: str) -> None:
    for write in (False, True):
        assert may(ALICE, kind, True, "alice", write) is True
        assert may(BOB, kind, True, "alice", write) is None  # 404, as if it did not exist
        assert may(ADMIN, kind, True, "alice", write) is True
        assert may(ALICE, kind, False, None, write) is None


@pytest.mark.parametrize("kind", KINDS)
def test_objects_without_an_owner_are_admins_except_shared_indexes(kind: str) -> None:
    shared = kind in ("index", "document")
    assert may(ALICE, kind, True, None, False) is (True if shared else None)
    assert may(ALICE, kind, True, None, True) is (False if shared else None)  # 403 / 404
    assert may(ADMIN, kind, True, None, True) is True


@pytest.mark.parametrize(
    ("topic", "data", "expected"),
    [
        ("reasoning.s1", {}, ("reasoning_session", "s1")),
        ("reasoning", {"session_id": "s2"}, ("reasoning_session", "s2")),
        ("reasoning", {"default_mode": "adaptive"}, None),
        ("evolution.r1", {"run_id": "r1"}, ("evolution_run", "r1")),
        ("agents", {"id": "a1", "status": "idle"}, ("agent", "a1")),
        ("memory", {"agent_id": "a2"}, ("agent", "a2")),
        ("knowledge", {"index": "docs", "state": "ready"}, ("index", "docs")),
        ("knowledge", {"name": "docs2"}, ("index", "docs2")),
        ("system_metrics", {"cpu": 1}, None),
    ],
)
def test_the_object_an_event_is_about(topic: str, data: dict[str, Any], expected: tuple[str, str] | None) -> None:
    assert event_object(topic, data) == expected


class _Owners(EventAudience):
    """The audience with its owner lookups answered from a table (the platform asks auth/main)."""

    def __init__(self, owners: dict[tuple[str, str], str | None]) -> None:
        super().__init__(load_settings())
        self.owners = owners

    async def _lookup(self, kind: str, object_id: str) -> tuple[bool, str | None]:
        key = (kind, object_id)
        return key in self.owners, self.owners.get(key)


def test_a_socket_receives_only_events_about_what_its_user_may_see() -> None:
    audience = _Owners({("reasoning_session", "s1"): "alice", ("agent", "a1"): "alice", ("index", "default"): None})

    def receives(who: Principal | None, topic: str, data: dict[str, Any]) -> bool:
        return asyncio.run(audience.may_receive(who, topic, data))

    assert receives(ALICE, "reasoning.s1", {})
    assert not receives(BOB, "reasoning.s1", {})
    assert receives(ADMIN, "reasoning.s1", {})
    assert not receives(BOB, "agents", {"id": "a1"})
    assert not receives(BOB, "memory", {"agent_id": "a1"})
    assert receives(BOB, "knowledge", {"index": "default"})  # the shared index
    assert not receives(BOB, "knowledge", {"index": "gone"})
    assert not receives(ALICE, "supervision", {"address": "agent/a1"})
    assert not receives(ALICE, "mcp", {"name": "time"})
    assert receives(ADMIN, "supervision", {})
    assert receives(VIEWER, "system_metrics", {"cpu": 1})
    assert receives(ALICE, "workflows", {"owner_id": "alice"})
    assert not receives(BOB, "workflows", {"owner_id": "alice"})
    assert not receives(BOB, "workflows", {"workflow_id": "w1"})
    assert not receives(None, "system_metrics", {})
    # an index just deleted cannot be looked up: its owner travels with the event
    deleted = {"name": "gone", "documents": 3, "chunks": 9, "owner_id": "alice"}
    assert receives(ALICE, "knowledge", deleted) and not receives(BOB, "knowledge", deleted)
    assert receives(BOB, "knowledge", {**deleted, "owner_id": None})  # an unowned index is shared
    assert not receives(BOB, "agents", {"id": "a9", "owner_id": "alice"})


def test_mcp_tools_follow_the_callers_role() -> None:
    reading = ["supervision_tree", "search_knowledge", "list_mcp_servers", "reasoning_result", "evolution.status"]
    changing = ["ask_agent", "call_mcp_tool", "reasoning", "research", "evolution.start", "evolution.stop"]
    for tool in reading:
        assert mcp_refusal(VIEWER, tool) is None
    for tool in changing:
        assert mcp_refusal(VIEWER, tool) is not None
        assert mcp_refusal(ALICE, tool) is None
    assert mcp_refusal(None, "supervision_tree") is not None
    # the HTTP guard lets a viewer reach /mcp (the tools decide), and keeps the shared settings admin-only
    assert rule_for("POST", "/mcp", True).read_only
    assert rule_for("POST", "/api/v1/reasoning/modes", True).admin
    assert rule_for("DELETE", "/api/v1/evolution/recipes/{recipe_id}", True).admin
