"""The gateway closes a turn it gives up on (serve_app/routers/agents._close_turn): the
registry is asked idempotently, so a registry killed during the call is asked again, and a
failure is logged, never raised into the caller's 503."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from configs.settings import load_settings
from serve_app.routers import agents

PLAN = {"conversation_id": "c1", "agent_id": "a1"}


class RecordingRef:
    address = "registry/agents"

    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.error = error

    async def call(self, method: str, *args: Any, **kwargs: Any) -> bool:
        self.calls.append((method, args, kwargs))
        if self.error is not None:
            raise self.error
        return True


def test_the_registry_is_asked_idempotently_with_room_to_come_back(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    ref = RecordingRef()
    monkeypatch.setattr(agents, "actor_ref", lambda _settings, _address: ref)
    asyncio.run(agents._close_turn(settings, PLAN, "m1", "agent/a1 died twice"))
    [(method, args, kwargs)] = ref.calls
    assert method == "close_turn"
    assert args == ("c1", "m1", "a1", "agent/a1 died twice")
    assert kwargs["idempotent"] is True
    assert kwargs["wait_s"] == settings.chat.redeliver_wait_s
    assert kwargs["timeout_s"] > kwargs["wait_s"]  # the wait for a successor leaves time for the call


def test_a_failure_is_logged_not_raised(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    ref = RecordingRef(RuntimeError("registry gone"))
    monkeypatch.setattr(agents, "actor_ref", lambda _settings, _address: ref)
    with caplog.at_level(logging.WARNING, logger=agents.__name__):
        asyncio.run(agents._close_turn(load_settings(), PLAN, "m1", "gone"))
    assert len(ref.calls) == 1
    assert "turn m1 not closed here" in caplog.text
