"""A caller's side of the bus: one hop to a target it already knows, the bus for the rest.

A JSON-RPC request through the bus costs two actor calls (caller -> bus -> target) and a
pass through the bus's event loop. Once an address has been resolved, the caller can send
`handle_rpc` to the target's cached handle itself: one call, as fast as a direct Ray call.
The bus stays the path whenever it knows better than the caller:

- an address not resolved yet (the bus resolves it, waits while it restarts, knows which
  addresses exist); the answer teaches this process the handle for next time;
- the bus itself (`bus/main` is answered by the bus, never sent to a cached handle);
- a target that died during a one-hop request: an idempotent method goes again through
  the bus, which waits for the successor; any other asks the bus whether the supervisor
  saw the death before the request was sent (then it never ran and is delivered again),
  else it answers TARGET_CRASHED, as the bus would.

Same answers as the bus for the same cases (timeouts: REQUEST_TIMEOUT; a crash during a
non-repeatable request: TARGET_CRASHED). The bus's request counters do not see one-hop
requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import ray
from ray.exceptions import RayActorError, RayTaskError

from protocols.addresses import BUS
from protocols.jsonrpc import IDEMPOTENT_METHODS, ErrorCode, make_error, request_id_of
from supervisors.refs import ActorRef

# Extra seconds a request through the bus may take beyond its own timeout (the two hops).
_BUS_GRACE_S = 2.0


class OneHop:
    """`request(address, message)`: one hop when the target's handle is cached, else the bus."""

    def __init__(self, default_timeout_s: float, namespace: str | None = None, bus: str = BUS) -> None:
        self.default_timeout_s = default_timeout_s
        self.namespace = namespace
        self.bus = ActorRef(bus, namespace)
        self._refs: dict[str, ActorRef] = {}

    def _ref(self, address: str) -> ActorRef:
        found = self._refs.get(address)
        if found is None:
            found = self._refs[address] = ActorRef(address, self.namespace)
        return found

    async def request(self, address: str, message: dict[str, Any], timeout_s: float | None = None) -> Any:
        """Deliver one JSON-RPC message to `address`; its answer (None for a notification)."""
        timeout = self.default_timeout_s if timeout_s is None else float(timeout_s)
        # Only addresses the bus has delivered to are in _refs: they are valid addresses.
        known = self._refs.get(address) if timeout > 0 else None
        handle = known.cached() if known is not None else None
        method = _method_of(message)
        if handle is None or method is None:
            # unresolved, or a message the bus must word the error for
            return await self._via_bus(address, message, timeout_s, learn=handle is None)
        request_id = request_id_of(message)
        sent_at = time.time()
        try:
            pending = handle.handle_rpc.remote(message)
        except RayActorError as exc:  # the handle knows it is dead already: nothing was sent
            self._ref(address).forget(handle, exc)
            return await self._via_bus(address, message, timeout_s)
        if "id" not in message:
            return None
        try:
            async with asyncio.timeout(timeout):  # no extra task per request, unlike wait_for
                return await pending
        except TimeoutError:
            with contextlib.suppress(Exception):
                ray.cancel(pending)
            return make_error(
                request_id,
                ErrorCode.REQUEST_TIMEOUT,
                f"{address} did not answer '{method}' within {timeout:g} s",
                {"address": address, "method": method, "timeout_s": timeout},
            )
        except RayTaskError as exc:  # handle_rpc answers errors itself; this is a bug
            return make_error(request_id, ErrorCode.INTERNAL_ERROR, f"{address}: {str(exc).splitlines()[0][:200]}")
        except RayActorError as exc:
            self._ref(address).forget(handle, exc)
            if method in IDEMPOTENT_METHODS or await self._never_reached(address, sent_at):
                return await self._via_bus(address, message, timeout_s)
            return make_error(
                request_id,
                ErrorCode.TARGET_CRASHED,
                f"{address} died while handling '{method}'; it is being restarted",
                {
                    "address": address,
                    "method": method,
                    "retryable": True,
                    "cause": (str(exc).splitlines() or [""])[0][:200],
                },
            )

    async def _never_reached(self, address: str, sent_at: float) -> bool:
        """The bus knows when the supervisor saw `address` die: before `sent_at`, the
        request went to a corpse and never ran."""
        try:
            # the bus waits (its DEATH_EVENT_WAIT_S) for the supervisor's word on the death
            return bool(await self.bus.call("sent_after_death", address, sent_at, timeout_s=5.0))
        except Exception:  # no word from the bus: it may have run, so do not repeat it
            return False

    async def _via_bus(
        self, address: str, message: dict[str, Any], timeout_s: float | None, learn: bool = False
    ) -> Any:
        bus_timeout = (self.default_timeout_s if timeout_s is None else timeout_s) + _BUS_GRACE_S
        answer = await self.bus.call("request", address, message, timeout_s, timeout_s=bus_timeout)
        if learn and address != str(self.bus.address) and not _routing_error(answer):
            # the bus found it (so the address is valid): look the handle up, off the loop,
            # for the next request
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self._ref(address).try_handle)
        return answer


def _method_of(message: Any) -> str | None:
    """The method of a well-formed request or notification (the checks parse_message starts
    with; the target validates the rest itself), else None."""
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
        return None
    method = message.get("method")
    params = message.get("params")
    if not isinstance(method, str) or not method or (params is not None and not isinstance(params, dict)):
        return None
    return method


def _routing_error(answer: Any) -> bool:
    if not isinstance(answer, dict) or "error" not in answer:
        return False
    return answer["error"].get("code") in (
        ErrorCode.INVALID_ADDRESS,
        ErrorCode.UNKNOWN_ADDRESS,
        ErrorCode.TARGET_UNAVAILABLE,
    )


_shared: dict[str | None, OneHop] = {}


def one_hop(namespace: str | None = None) -> OneHop:
    """This process's OneHop for `namespace` (the current one when None), with the bus's
    configured default timeout (`bus.request_timeout_s`)."""
    found = _shared.get(namespace)
    if found is None:
        timeout_s = 30.0
        with contextlib.suppress(Exception):  # settings that do not load leave the default
            from configs.settings import get_settings

            timeout_s = get_settings().bus.request_timeout_s
        found = _shared[namespace] = OneHop(timeout_s, namespace)
    return found
