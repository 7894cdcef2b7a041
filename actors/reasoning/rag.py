"""Answers from passages: DIRECT (no retrieval), RAG_ONLY (one retrieval) and S3_RAG (a bounded
search loop after "s3", arXiv 2505.14146: start from the question's top-k, then propose a query,
retrieve, keep what matters, decide to stop; a generator answers from the kept passages).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence

from protocols.reasoning import (
    Passage,
    RagConfig,
    ReasoningMode,
    ReasoningResult,
    S3Config,
    SessionMetrics,
    SessionStatus,
)

from .ports import MeteredModel, MeteredRetriever, ModelClient, Retriever
from .tasks import cited_passages, numbered_passages

_QUERY = re.compile(r"query\s*:\s*(.+)", re.IGNORECASE)
_KEEP = re.compile(r"keep\s*:\s*([^\n]*)", re.IGNORECASE)
_COMPLETE = re.compile(r"complete\s*:\s*(yes|no|true|false)", re.IGNORECASE)
_NO_QUERY = {"", "none", "stop", "n/a"}


def answer_prompt(question: str, passages: Sequence[Passage]) -> str:
    if not passages:
        return f"Question: {question}\nAnswer concisely.\nAnswer:"
    return (
        f"Passages:\n{numbered_passages(passages)}\n"
        f"Question: {question}\nAnswer from the passages and cite the ones you use as [n].\nAnswer:"
    )


def citation_confidence(cited: Sequence[str], passages: Sequence[Passage]) -> float:
    """A heuristic: an answer that cites the passages it was given is better grounded."""
    if not passages:
        return 0.1
    if not cited:
        return 0.3
    return min(1.0, 0.5 + 0.5 * len(cited) / min(3, len(passages)))


def parse_query(text: str) -> str | None:
    match = _QUERY.search(text)
    query = (match.group(1) if match else text.strip().splitlines()[0] if text.strip() else "").strip().strip('"')
    return None if query.lower().rstrip(".") in _NO_QUERY else query


def parse_selection(text: str, n: int) -> tuple[list[int], bool]:
    """0-based indices of the passages to keep, and whether the search is complete."""
    keep: list[int] = []
    match = _KEEP.search(text)
    if match:
        for number in re.findall(r"\d+", match.group(1)):
            index = int(number) - 1
            if 0 <= index < n and index not in keep:
                keep.append(index)
    done = _COMPLETE.search(text)
    return keep, bool(done and done.group(1).lower() in ("yes", "true"))


class _Session:
    def __init__(self, model: ModelClient, retriever: Retriever | None, metrics: SessionMetrics | None) -> None:
        self.metrics = metrics or SessionMetrics()
        self.model = MeteredModel(model, self.metrics)
        self.retriever = MeteredRetriever(retriever, self.metrics) if retriever is not None else None
        self.started = time.perf_counter()

    def finish(self, result: ReasoningResult) -> ReasoningResult:
        result.metrics = self.metrics
        result.metrics.wall_time_s = time.perf_counter() - self.started
        return result


class DirectAnswer:
    """SIMPLE queries: one model call, no retrieval."""

    def __init__(self, model: ModelClient, max_tokens: int = 256, metrics: SessionMetrics | None = None) -> None:
        self.session = _Session(model, None, metrics)
        self.max_tokens = max_tokens

    async def run(self, question: str) -> ReasoningResult:
        try:
            answer = await self.session.model.text(answer_prompt(question, []), 0.2, self.max_tokens)
        except asyncio.CancelledError:
            _uncancel()
            return self.session.finish(ReasoningResult(mode=ReasoningMode.DIRECT, status=SessionStatus.STOPPED))
        # no evidence either way: a fixed middle confidence
        return self.session.finish(
            ReasoningResult(
                mode=ReasoningMode.DIRECT, status=SessionStatus.COMPLETED, answer=answer.strip(), confidence=0.5
            )
        )


class RagOnly:
    """One retrieval, one answer that cites its passages as [n]."""

    def __init__(
        self, model: ModelClient, retriever: Retriever, config: RagConfig, metrics: SessionMetrics | None = None
    ) -> None:
        self.session = _Session(model, retriever, metrics)
        self.config = config

    async def run(self, question: str) -> ReasoningResult:
        assert self.session.retriever is not None
        passages: list[Passage] = []
        try:
            passages = await self.session.retriever.search(question, self.config.k, self.config.mode)
            text = await self.session.model.text(
                answer_prompt(question, passages), self.config.temperature, self.config.max_tokens
            )
        except asyncio.CancelledError:
            _uncancel()
            stopped = ReasoningResult(mode=ReasoningMode.RAG_ONLY, status=SessionStatus.STOPPED, passages=passages)
            return self.session.finish(stopped)
        answer = text.strip()
        cited = cited_passages(answer, passages)
        return self.session.finish(
            ReasoningResult(
                mode=ReasoningMode.RAG_ONLY,
                status=SessionStatus.COMPLETED,
                answer=answer,
                confidence=citation_confidence(cited, passages),
                passages=passages,
                cited=cited,
                queries=[question],
                stop_reason="answered",
            )
        )


class S3Search:
    """The s3 loop: bounded turns of query, retrieve, select, stop-or-continue; then generate."""

    def __init__(
        self, model: ModelClient, retriever: Retriever, config: S3Config, metrics: SessionMetrics | None = None
    ) -> None:
        self.session = _Session(model, retriever, metrics)
        self.config = config
        self.kept: list[Passage] = []
        self.first: list[Passage] = []  # the question's own top-k (turn 0)
        self.queries: list[str] = []
        self.turns = 0
        self._seen: set[str] = set()

    async def run(self, question: str) -> ReasoningResult:
        try:
            stop_reason = await self._search(question)
            answer = await self._generate(question)
        except asyncio.CancelledError:
            _uncancel()
            stopped = ReasoningResult(
                mode=ReasoningMode.S3_RAG,
                status=SessionStatus.STOPPED,
                passages=list(self.kept),
                queries=list(self.queries),
                stop_reason="stopped",
            )
            return self.session.finish(stopped)
        context = self._context()
        cited = cited_passages(answer, context)
        return self.session.finish(
            ReasoningResult(
                mode=ReasoningMode.S3_RAG,
                status=SessionStatus.COMPLETED,
                answer=answer,
                confidence=citation_confidence(cited, context),
                passages=context,
                cited=cited,
                queries=list(self.queries),
                stop_reason=stop_reason,
            )
        )

    async def _search(self, question: str) -> str:
        complete = await self._retrieve_and_select(question, question)
        while not complete:
            if self.turns >= self.config.max_turns:
                return "turn bound"
            self.turns += 1
            query = parse_query(await self.session.model.text(self._query_prompt(question), 0.3, 64))
            if query is None or query in self.queries:
                return "no new query"
            complete = await self._retrieve_and_select(question, query)
        return "complete"

    async def _retrieve_and_select(self, question: str, query: str) -> bool:
        assert self.session.retriever is not None
        self.queries.append(query)
        found = await self.session.retriever.search(query, self.config.k, self.config.mode)
        fresh = [p for p in found if p.id not in self._seen]
        if not self.queries[:-1]:
            self.first = list(found)
        self._seen.update(p.id for p in fresh)
        if not fresh:
            return False
        reply = await self.session.model.text(self._select_prompt(question, fresh), 0.0, 64)
        keep, complete = parse_selection(reply, len(fresh))
        for index in keep:
            if len(self.kept) < self.config.max_kept:
                self.kept.append(fresh[index])
        return complete or len(self.kept) >= self.config.max_kept

    def _query_prompt(self, question: str) -> str:
        kept = numbered_passages(self.kept, 300) if self.kept else "(none)"
        asked = "\n".join(f"- {q}" for q in self.queries)
        return (
            f"Question: {question}\nPassages kept so far:\n{kept}\nQueries already searched:\n{asked}\n"
            "Write one new search query for what is still missing, as 'Query: ...'. "
            "If nothing is missing, write 'Query: none'.\n"
        )

    def _select_prompt(self, question: str, passages: Sequence[Passage]) -> str:
        return (
            f"Question: {question}\nNew passages:\n{numbered_passages(passages, 400)}\n"
            "Which passages help answer the question? Reply 'Keep: 1, 3' (or 'Keep: none'), then on the next "
            "line 'Complete: yes' if the passages kept so far are enough to answer, else 'Complete: no'.\n"
        )

    def _context(self) -> list[Passage]:
        # A searcher that kept nothing leaves the generator the question's own top-k (what
        # RAG_ONLY would give it) rather than no evidence at all.
        return list(self.kept) if self.kept else self.first[: self.config.max_kept]

    async def _generate(self, question: str) -> str:
        text = await self.session.model.text(
            answer_prompt(question, self._context()), self.config.temperature, self.config.max_tokens
        )
        return text.strip()


def _uncancel() -> None:
    task = asyncio.current_task()
    if task is not None:
        task.uncancel()
