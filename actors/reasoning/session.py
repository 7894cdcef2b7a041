"""A running session: the pipeline in an asyncio task that can be stopped, and a sink that
fans each node out to several consumers (the store and the live stream)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from protocols.reasoning import ReasoningRequest, ReasoningResult, RoutingDecision, SessionStatus, ThoughtNode

from .pipeline import ReasoningPipeline
from .ports import NodeSink


class FanOutSink:
    """Puts each node into every sink, in order (the store first, so a streamed node is stored)."""

    def __init__(self, *sinks: NodeSink) -> None:
        self.sinks = sinks

    async def put(self, node: ThoughtNode) -> None:
        for sink in self.sinks:
            await sink.put(node)


class ReasoningSession:
    def __init__(
        self,
        pipeline: ReasoningPipeline,
        request: ReasoningRequest,
        *,
        sink: NodeSink | None = None,
        stored: Sequence[ThoughtNode] = (),
        routing: RoutingDecision | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.request = request
        self.sink = sink
        self.stored = stored
        self.routing = routing
        self._task: asyncio.Task[ReasoningResult] | None = None

    def start(self) -> asyncio.Task[ReasoningResult]:
        if self._task is None:
            coro = self.pipeline.run(self.request, sink=self.sink, stored=self.stored, routing=self.routing)
            self._task = asyncio.create_task(coro)
        return self._task

    @property
    def status(self) -> SessionStatus:
        if self._task is None or not self._task.done():
            return SessionStatus.RUNNING
        if self._task.cancelled() or self._task.exception() is not None:
            return SessionStatus.FAILED
        return self._task.result().status

    async def result(self) -> ReasoningResult:
        return await self.start()

    async def stop(self) -> ReasoningResult:
        """Cancel the calls in flight; the engine ends the session as `stopped` with what it has."""
        task = self.start()
        if not task.done():
            task.cancel()
        try:
            return await task
        except asyncio.CancelledError:  # cancelled before the engine began: nothing was made
            return ReasoningResult(mode=self.request.mode, status=SessionStatus.STOPPED, stop_reason="stopped")
