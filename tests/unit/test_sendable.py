"""supervisors/sendable.py: exceptions that could not cross from an actor to its caller."""

from __future__ import annotations

import asyncio
import inspect
import pickle

import httpx
import pytest

from supervisors.actor import SupervisedActor, tool
from supervisors.sendable import UnsendableError, sendable, with_sendable_errors


def _status_error() -> httpx.HTTPStatusError:
    request = httpx.Request("GET", "http://127.0.0.1/x")
    return httpx.HTTPStatusError("server said 500", request=request, response=httpx.Response(500, request=request))


def test_a_picklable_exception_is_sent_as_it_is() -> None:
    exc = ValueError("bad")
    assert sendable(exc) is exc


def test_one_that_does_not_unpickle_becomes_a_named_platform_error() -> None:
    replacement = sendable(_status_error())
    assert isinstance(replacement, UnsendableError)
    assert replacement.code == "internal_error" and replacement.status == 500
    assert replacement.message == "HTTPStatusError: server said 500"
    again = pickle.loads(pickle.dumps(replacement))
    assert (again.code, again.message) == (replacement.code, replacement.message)


class _Probe(SupervisedActor):
    """A plain actor class, used in-process."""

    async def fails_unsendably(self) -> None:
        raise _status_error()

    async def fails_plainly(self) -> None:
        raise KeyError("k")

    @tool(description="Add two numbers.")
    async def add(self, a: int, b: int = 1) -> int:
        return a + b


def test_an_actor_class_raises_only_sendable_errors_and_keeps_its_face() -> None:
    guarded = with_sendable_errors(_Probe)
    assert issubclass(guarded, _Probe) and guarded.__name__ == "_Probe"
    assert guarded.__module__ == _Probe.__module__
    probe = guarded("probe/1")
    with pytest.raises(UnsendableError, match="HTTPStatusError"):
        asyncio.run(probe.fails_unsendably())
    with pytest.raises(KeyError):
        asyncio.run(probe.fails_plainly())
    assert asyncio.run(probe.add(2, b=3)) == 5
    # Ray and the tool schema read the signature; the tool mark survives the wrapping
    assert list(inspect.signature(guarded.add).parameters) == ["self", "a", "b"]
    assert "add" in probe._tools


def test_a_json_rpc_error_crosses_intact() -> None:
    from protocols.jsonrpc import RpcError

    error = RpcError(-32602, "bad arguments", {"field": "arguments.timezone"})
    assert sendable(error) is error
    again = pickle.loads(pickle.dumps(error))
    assert (again.code, again.message, again.data) == (-32602, "bad arguments", {"field": "arguments.timezone"})
