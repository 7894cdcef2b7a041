"""What the research-analysis engine is given: a model, a retriever per index, a reasoner,
document and report stores, an optional fetcher, a journal, and a step runner.

The engine sees only these Protocols; workflows/main plugs in the platform's actors and DBOS,
the unit tests plug in scripted fakes and a plain runner.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from pydantic import BaseModel

from actors.reasoning.ports import ModelClient, Retriever
from protocols.workflows import (
    IngestedDocument,
    Report,
    ResearchRequest,
    StoredReport,
    SubAnswer,
)

M = TypeVar("M", bound=BaseModel)

__all__ = [
    "DocumentStore",
    "Fetcher",
    "Journal",
    "ModelClient",
    "Reasoner",
    "ReportStore",
    "Retriever",
    "RetrieverFor",
    "StepRunner",
]

RetrieverFor = Callable[[str], Retriever]  # index name -> its retriever


class StepRunner(Protocol):
    """Runs one step and returns its output. The durable runner records the output when the
    step completes and, on a re-run of the workflow, answers the recorded output instead of
    running the step again. `name` is stable across runs (it checks the replay)."""

    async def run(self, name: str, fn: Callable[[], Awaitable[M]], out: type[M]) -> M: ...


class Reasoner(Protocol):
    """Answers one sub-question with the reasoning pipeline over the request's index."""

    async def answer(self, request: ResearchRequest, sub_question: str) -> SubAnswer: ...


class DocumentStore(Protocol):
    """Adds a document under a given id; adding an id that exists changes nothing (the
    idempotency key of a re-run step)."""

    async def add(self, document_id: str, index: str, content: str, fmt: str, source: str) -> IngestedDocument: ...


class ReportStore(Protocol):
    """Stores a workflow's report and citations once: a second save of the same workflow
    answers the stored one (`created` False)."""

    async def save(self, workflow_id: str, report: Report) -> StoredReport: ...


class Fetcher(Protocol):
    """Fetches a URL's text (an MCP fetch server)."""

    async def fetch(self, url: str) -> str: ...


class Journal(Protocol):
    """Where the engine says what it does: the workflow's log (stored and published)."""

    async def log(self, step: str | None, message: str, level: str = "info") -> None: ...
