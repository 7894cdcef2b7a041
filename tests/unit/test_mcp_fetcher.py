"""McpFetcher (the research workflow's URL fetcher over the bus): what it returns, what it
raises, and the one case it asks again (the server died during the call)."""

from __future__ import annotations

from typing import Any

import pytest

from actors.workflows.runtime_actor import McpFetcher
from protocols.jsonrpc import ErrorCode

pytestmark = pytest.mark.asyncio


class Bus:
    """Answers `request` with the given answers in turn and records what it was sent."""

    def __init__(self, *answers: dict[str, Any]) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def request(self, address: str, message: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        self.sent.append((address, message))
        return self.answers.pop(0)


def page(text: str, is_error: bool = False) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": "x", "result": {"content": [{"type": "text", "text": text}], "isError": is_error}}


def failure(code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": "x", "error": {"code": code, "message": message}}


async def test_the_page_text_is_returned_from_the_servers_fetch_tool() -> None:
    bus = Bus(page("Contents of http://a/:\n# A"))
    assert await McpFetcher(bus, "fetch").fetch("http://a/") == "Contents of http://a/:\n# A"  # type: ignore[arg-type]
    address, message = bus.sent[0]
    assert address == "mcp/fetch" and message["method"] == "tools/call"
    assert message["params"] == {"name": "fetch", "arguments": {"url": "http://a/"}}


async def test_a_server_that_died_during_the_call_is_asked_once_more() -> None:
    bus = Bus(failure(ErrorCode.TARGET_CRASHED, "mcp/fetch died"), page("the page"))
    assert await McpFetcher(bus, "fetch").fetch("http://a/") == "the page"  # type: ignore[arg-type]
    assert len(bus.sent) == 2 and bus.sent[0][1]["id"] != bus.sent[1][1]["id"]


async def test_a_second_death_is_raised_with_its_code() -> None:
    bus = Bus(failure(ErrorCode.TARGET_CRASHED, "died"), failure(ErrorCode.CONNECTION_CLOSED, "closed"))
    with pytest.raises(RuntimeError, match=r"closed \(code -32000\)"):
        await McpFetcher(bus, "fetch").fetch("http://a/")  # type: ignore[arg-type]


@pytest.mark.parametrize("code", [ErrorCode.REQUEST_TIMEOUT, ErrorCode.TARGET_UNAVAILABLE, ErrorCode.UNKNOWN_ADDRESS])
async def test_other_bus_errors_are_raised_at_once(code: int) -> None:
    bus = Bus(failure(code, "no"))
    with pytest.raises(RuntimeError, match=f"code {int(code)}"):
        await McpFetcher(bus, "fetch").fetch("http://a/")  # type: ignore[arg-type]
    assert len(bus.sent) == 1


async def test_the_tools_own_failure_is_raised_with_its_text() -> None:
    bus = Bus(page("Failed to fetch http://a/ - status code 404", is_error=True))
    with pytest.raises(RuntimeError, match="status code 404"):
        await McpFetcher(bus, "fetch").fetch("http://a/")  # type: ignore[arg-type]
    assert len(bus.sent) == 1
