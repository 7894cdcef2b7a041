"""A running session without Ray: start, stop mid-search, fan-out sinks."""

from __future__ import annotations

import asyncio

import pytest

from actors.reasoning.pipeline import ReasoningPipeline
from actors.reasoning.ports import MemoryNodeSink
from actors.reasoning.session import FanOutSink, ReasoningSession
from protocols.reasoning import ReasoningConfig, ReasoningMode, ReasoningRequest, SessionStatus, TaskKind
from tests.fakes.reasoning_models import KeywordRetriever, ScriptedGame24Model, ScriptedModel
from tests.unit.test_reasoning_rag import CORPUS


@pytest.mark.asyncio
async def test_stop_ends_a_tree_search_with_its_partial_tree_in_every_sink() -> None:
    store, stream = MemoryNodeSink(), MemoryNodeSink()
    pipeline = ReasoningPipeline(ScriptedGame24Model(delay_s=0.02), ReasoningConfig())
    request = ReasoningRequest(query="1 1 1 1", mode=ReasoningMode.TOT_ONLY, task=TaskKind.GAME24)
    session = ReasoningSession(pipeline, request, sink=FanOutSink(store, stream))
    session.start()
    while len(store.nodes) < 5:
        await asyncio.sleep(0.005)
    assert session.status is SessionStatus.RUNNING
    result = await session.stop()
    assert result.status is SessionStatus.STOPPED and session.status is SessionStatus.STOPPED
    assert result.mode is ReasoningMode.TOT_ONLY
    assert [e.id for e in store.events] == [e.id for e in stream.events]
    assert {n.id for n in result.nodes} == set(store.nodes)


@pytest.mark.asyncio
async def test_stop_ends_a_retrieval_session_and_a_finished_session_keeps_its_result() -> None:
    slow = ScriptedModel([], default="Keep: 1\nComplete: no", delay_s=0.5)
    pipeline = ReasoningPipeline(slow, ReasoningConfig(), retriever=KeywordRetriever(CORPUS))
    session = ReasoningSession(pipeline, ReasoningRequest(query="asyncio threads", mode=ReasoningMode.S3_RAG))
    session.start()
    await asyncio.sleep(0.05)
    stopped = await session.stop()
    assert stopped.status is SessionStatus.STOPPED and stopped.metrics.retrieval_calls == 1

    quick = ReasoningPipeline(ScriptedModel([], default="Paris"), ReasoningConfig())
    done = ReasoningSession(quick, ReasoningRequest(query="Capital of France?", mode=ReasoningMode.DIRECT))
    first = await done.result()
    assert first.status is SessionStatus.COMPLETED and (await done.stop()).answer == "Paris"
