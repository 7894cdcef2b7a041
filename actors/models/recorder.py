"""Records every model call in the store, without making the caller wait for it.

Calls are buffered and written in batches; while the store is away (restarting),
they stay in the buffer (bounded) and are written when it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

from protocols.addresses import STORE
from protocols.models import CallRecord
from supervisors.refs import ActorRef


class CallRecorder:
    def __init__(self, namespace: str, flush_interval_s: float = 0.5, max_buffer: int = 10_000) -> None:
        self.namespace = namespace
        self._store = ActorRef(STORE, namespace)
        self.flush_interval_s = flush_interval_s
        self._buffer: deque[CallRecord] = deque(maxlen=max_buffer)
        self._task: asyncio.Task[None] | None = None

    def record(self, call: CallRecord) -> None:
        self._buffer.append(call)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        while self._buffer:
            await asyncio.sleep(self.flush_interval_s)
            await self.flush()

    async def flush(self, timeout_s: float = 5.0) -> bool:
        if not self._buffer:
            return True
        batch = list(self._buffer)
        try:
            # no wait for a store that is away: the calls stay buffered for the next flush
            rows = [c.model_dump(mode="json") for c in batch]
            await self._store.call("record_model_calls", rows, timeout_s=timeout_s, wait_s=0.0)
        except Exception:
            return False  # keep them for the next try
        for _ in batch:
            self._buffer.popleft()
        return True

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.flush(timeout_s=2.0)
        if self._task is not None:
            self._task.cancel()
