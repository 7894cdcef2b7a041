"""Awaiting Ray calls from asyncio code.

An ObjectRef is awaitable but not a coroutine, and `asyncio.wait_for`, `gather` with
timeouts and `create_task` want one: `await_ref` is that coroutine. Every actor and
route that awaits another actor goes through here.
"""

from __future__ import annotations

import asyncio
from typing import Any


async def await_ref(ref: Any) -> Any:
    """The value of a Ray ObjectRef, as a coroutine."""
    return await ref


async def call(handle_method: Any, *args: Any, timeout_s: float, **kwargs: Any) -> Any:
    """`handle.method.remote(*args, **kwargs)`, awaited for at most `timeout_s` seconds."""
    return await asyncio.wait_for(await_ref(handle_method.remote(*args, **kwargs)), timeout_s)
