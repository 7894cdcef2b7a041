"""The research-analysis workflow as plain steps: ingest, plan, gather, read, reason,
synthesise, store.

Each step is a method with typed input and output (protocols/workflows.py). `run` composes
them through a StepRunner: the plain runner calls them, the durable one (durable.py) records
each output and replays it after a crash. Everything a step does outside itself (documents,
the report) is keyed by the workflow id, so a step cut off and run again does it once.

Deterministic step order, which a durable replay needs: the per-sub-question steps of one
phase start together in sub-question order (their ids are drawn in that order); the
concurrency limit is taken inside each step, after its id is drawn.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from pydantic import BaseModel

from actors.reasoning.pipeline import ReasoningPipeline
from protocols.reasoning import (
    Passage,
    ReasoningConfig,
    ReasoningRequest,
    S3Config,
    TreeOfThoughtsConfig,
)
from protocols.workflows import (
    Citation,
    Fact,
    Gathered,
    Ingested,
    Plan,
    Reading,
    Report,
    ResearchRequest,
    SourcePassage,
    StepName,
    StoredReport,
    SubAnswer,
)

from .ports import DocumentStore, Fetcher, Journal, ModelClient, Reasoner, ReportStore, RetrieverFor, StepRunner

M = TypeVar("M", bound=BaseModel)

# Document ids of a workflow's ingested documents: uuid5 of (workflow id, ordinal), so a
# re-run of the ingest step names the same documents.
_DOCUMENTS = uuid.UUID("8d3c7a9e-5f0b-4e55-9b57-3a0f0d6c1e21")
_CITATION = re.compile(r"\[(\d+)\]")
# What a small model writes where a citation number belongs ("[n]", "[source]"): not a citation.
_PLACEHOLDER = re.compile(r"\s?\[(?:[a-zA-Z]{1,10}|\.\.\.)\]")
_LIST_PREFIX = re.compile(r"^\s*(?:[-*•]|\d+[.)]|Q\d*[:.)]|Sub-question\s*\d*[:.)]?)\s*", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9_]+")
_STOP_WORDS = (
    "a an the of to in on for and or is are was were be by with what which who how why when where does do "
    "did it its this that these those from as at than then there their can could should would into about"
)
_STOP = frozenset(_STOP_WORDS.split(" "))


def document_id_for(workflow_id: str, ordinal: int) -> str:
    return str(uuid.uuid5(_DOCUMENTS, f"{workflow_id}:{ordinal}"))


def plan_prompt(question: str, max_sub_questions: int) -> str:
    return (
        f"Break the research question into at most {max_sub_questions} short sub-questions that "
        "together answer it. Write one sub-question per line, each ending with '?'. No other text.\n\n"
        f"Question: {question}\nSub-questions:\n"
    )


def parse_plan(text: str, question: str, limit: int) -> list[str]:
    """The sub-questions of a model's plan: list markers stripped, too short or repeated lines
    dropped, at most `limit`."""
    out: list[str] = []
    seen: set[str] = set()
    for line in text.splitlines():
        item = _LIST_PREFIX.sub("", line).strip().strip('"').strip()
        if len(item) < 8 or len(_words(item)) < 2:
            continue
        if not item.endswith("?"):
            item = item.rstrip(".:;") + "?"
        key = item.lower()
        if key in seen or key == question.strip().lower():
            continue
        seen.add(key)
        out.append(item)
        if len(out) == limit:
            break
    return out


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1}


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+|\n+", text)
    return [p.strip(" #*-\t") for p in parts if len(p.strip(" #*-\t")) >= 12]


def source_passage(passage: Passage) -> SourcePassage:
    document_id = passage.id.rsplit(":", 1)[0]
    return SourcePassage(
        id=passage.id, document_id=document_id, text=passage.text, score=passage.score, source=passage.source
    )


def read_facts(gathered: Gathered, max_facts: int) -> Reading:
    """The sentences of the gathered passages that share the most words with the
    sub-question (ties: the better passage first), at most `max_facts`, each with its passage."""
    terms = _words(gathered.sub_question)
    scored: list[tuple[int, int, int, Fact]] = []
    for rank, passage in enumerate(gathered.passages):
        for position, sentence in enumerate(_sentences(passage.text)):
            overlap = len(terms & _words(sentence))
            scored.append((-overlap, rank, position, Fact(passage_id=passage.id, text=sentence[:400])))
    scored.sort(key=lambda item: item[:3])
    facts = [fact for overlap, _, _, fact in scored if overlap < 0][:max_facts]
    if not facts and scored:  # nothing overlaps: the best passage's first sentence still says what was found
        facts = [min(scored, key=lambda item: (item[1], item[2]))[3]]
    return Reading(sub_question=gathered.sub_question, facts=facts)


def renumber(answer: str, local: Sequence[SourcePassage], numbers: dict[str, int]) -> str:
    """An answer's [k] (k-th of its own passages) as the report's [n]; unknown ones dropped."""

    def swap(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        if 0 <= index < len(local) and local[index].id in numbers:
            return f"[{numbers[local[index].id]}]"
        return ""

    return _CITATION.sub(swap, _PLACEHOLDER.sub("", answer))


def summary_prompt(question: str, answers: Sequence[SubAnswer]) -> str:
    findings = "\n".join(f"- {a.sub_question} {_CITATION.sub('', a.answer).strip()[:400]}" for a in answers)
    return (
        "Using only these findings, write a short answer (2 to 4 sentences) to the research question.\n\n"
        f"Findings:\n{findings}\n\nQuestion: {question}\nAnswer:"
    )


def _excerpt(text: str, limit: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


class PipelineReasoner:
    """A Reasoner over the reasoning pipeline (S3_RAG or TOT_ENHANCED_RAG), bounded by the
    request's limits."""

    def __init__(self, model: ModelClient, retriever_for: RetrieverFor, config: ReasoningConfig) -> None:
        self.model = model
        self.retriever_for = retriever_for
        self.config = config

    def reasoning_request(self, request: ResearchRequest, sub_question: str) -> ReasoningRequest:
        limits = request.limits
        s3 = S3Config(
            k=limits.search_k,
            max_turns=limits.reasoning_turns,
            max_kept=limits.search_k + 2,
            max_tokens=limits.answer_max_tokens,
        )
        tot = TreeOfThoughtsConfig(
            beam_width=2,
            max_depth=2,
            n_evaluate_sample=1,
            max_proposals=2,
            max_steps=4,
            max_tokens=limits.answer_max_tokens,
            retrieval_k=limits.search_k,
        )
        return ReasoningRequest(query=sub_question, mode=request.mode, s3=s3, tot=tot, rag=s3)

    async def answer(self, request: ResearchRequest, sub_question: str) -> SubAnswer:
        pipeline = ReasoningPipeline(self.model, self.config, retriever=self.retriever_for(request.index))
        result = await pipeline.run(self.reasoning_request(request, sub_question))
        passages = [source_passage(p) for p in result.passages]
        return SubAnswer(
            sub_question=sub_question,
            answer=(result.answer or "").strip(),
            mode=result.mode,
            passages=passages,
            cited=list(result.cited),
            model_calls=result.metrics.model_calls,
        )


class PlainSteps:
    """A StepRunner that only runs the steps (no record): the baseline durability is measured
    against, and the runner of the unit tests."""

    def __init__(self) -> None:
        self.ran: list[str] = []

    async def run(self, name: str, fn: Callable[[], Awaitable[M]], out: type[M]) -> M:
        self.ran.append(name)
        return await fn()


class ResearchAnalysis:
    """The engine: one instance serves every workflow (it keeps no per-run state)."""

    def __init__(
        self,
        model: ModelClient,
        retriever_for: RetrieverFor,
        reasoner: Reasoner,
        documents: DocumentStore,
        reports: ReportStore,
        fetcher: Fetcher | None = None,
    ) -> None:
        self.model = model
        self.retriever_for = retriever_for
        self.reasoner = reasoner
        self.documents = documents
        self.reports = reports
        self.fetcher = fetcher

    # ---- the steps ---------------------------------------------------------------------

    async def ingest(self, workflow_id: str, request: ResearchRequest, journal: Journal) -> Ingested:
        """Add the request's documents (and the text of its URLs) to its index, each under
        an id made of the workflow id and its ordinal."""
        out = Ingested()
        texts: list[tuple[str, str, str]] = [
            (d.content, d.format, d.source or f"document {i + 1}") for i, d in enumerate(request.documents)
        ]
        for url in request.urls:
            if self.fetcher is None:
                out.skipped.append(f"{url}: no fetch server is configured")
                await journal.log(StepName.INGEST, f"skipped {url}: no fetch server is configured", "warning")
                continue
            try:
                texts.append((await self.fetcher.fetch(url), "markdown", url))
            except Exception as exc:  # one unreachable URL does not fail the research
                out.skipped.append(f"{url}: {exc}")
                await journal.log(StepName.INGEST, f"could not fetch {url}: {exc}", "warning")
        for ordinal, (content, fmt, source) in enumerate(texts):
            added = await self.documents.add(document_id_for(workflow_id, ordinal), request.index, content, fmt, source)
            out.documents.append(added)
            state = "already stored" if added.existed else f"{added.chunks} chunks"
            await journal.log(StepName.INGEST, f"document '{source}' -> {added.document_id} ({state})")
        return out

    async def plan(self, request: ResearchRequest, journal: Journal) -> Plan:
        limits = request.limits
        replies = await self.model.generate(
            plan_prompt(request.question, limits.max_sub_questions),
            n=1,
            temperature=0.2,
            max_tokens=limits.plan_max_tokens,
        )
        text = replies[0].text if replies else ""
        subs = parse_plan(text, request.question, limits.max_sub_questions)
        from_model = bool(subs)
        if len(subs) < limits.max_sub_questions:
            # room left: the question itself too, so what the model's plan missed is still asked
            subs.append(request.question)
        plan = Plan(question=request.question, sub_questions=subs, from_model=from_model)
        how = "from the model" if plan.from_model else "the question itself (the model's plan was unusable)"
        await journal.log(StepName.PLAN, f"{len(plan.sub_questions)} sub-question(s), {how}")
        for i, sub in enumerate(plan.sub_questions, start=1):
            await journal.log(StepName.PLAN, f"  {i}. {sub}")
        return plan

    async def gather(self, request: ResearchRequest, sub_question: str, journal: Journal) -> Gathered:
        found = await self.retriever_for(request.index).search(sub_question, request.limits.search_k)
        gathered = Gathered(sub_question=sub_question, passages=[source_passage(p) for p in found])
        await journal.log(StepName.GATHER, f"{len(gathered.passages)} passage(s) for: {sub_question}")
        return gathered

    async def read(self, request: ResearchRequest, gathered: Gathered, journal: Journal) -> Reading:
        reading = read_facts(gathered, request.limits.max_facts)
        await journal.log(StepName.READ, f"{len(reading.facts)} fact(s) for: {gathered.sub_question}")
        return reading

    async def reason(self, request: ResearchRequest, sub_question: str, journal: Journal) -> SubAnswer:
        answer = await self.reasoner.answer(request, sub_question)
        await journal.log(
            StepName.REASON,
            f"answered ({answer.mode.value}, {answer.model_calls} model call(s), "
            f"{len(answer.cited)} citation(s)): {sub_question}",
        )
        return answer

    async def synthesise(
        self,
        request: ResearchRequest,
        plan: Plan,
        gathered: Sequence[Gathered],
        readings: Sequence[Reading],
        answers: Sequence[SubAnswer],
        journal: Journal,
    ) -> Report:
        # The report's sources: what the answers cite, then what the reading kept, numbered
        # in order of first use.
        known: dict[str, SourcePassage] = {}
        for found in [*(a.passages for a in answers), *(g.passages for g in gathered)]:
            for p in found:
                known.setdefault(p.id, p)
        numbers: dict[str, int] = {}

        def number(passage_id: str) -> int:
            if passage_id not in numbers:
                numbers[passage_id] = len(numbers) + 1
            return numbers[passage_id]

        for answer in answers:
            for cited in answer.cited:
                number(cited)
        for reading in readings:
            for fact in reading.facts:
                if fact.passage_id in known:
                    number(fact.passage_id)

        replies = await self.model.generate(
            summary_prompt(request.question, answers),
            n=1,
            temperature=0.2,
            max_tokens=request.limits.summary_max_tokens,
        )
        summary = _PLACEHOLDER.sub("", _CITATION.sub("", replies[0].text if replies else "")).strip()
        summary = summary or "The findings below are all the sources gave."

        lines = [f"# Research report: {request.question}", "", "## Summary", "", summary, "", "## Findings", ""]
        for i, (reading, answer) in enumerate(zip(readings, answers, strict=True), start=1):
            lines += [f"### {i}. {answer.sub_question}", ""]
            text = renumber(answer.answer, answer.passages, numbers).strip() or "_No answer was found._"
            lines += [text, ""]
            facts = [f for f in reading.facts if f.passage_id in numbers]
            if facts:
                lines += ["Evidence:", ""]
                lines += [f"- {_excerpt(f.text, 300)} [{numbers[f.passage_id]}]" for f in facts]
                lines.append("")
        citations = [
            Citation(
                number=n,
                passage_id=pid,
                document_id=known[pid].document_id,
                source=known[pid].source,
                excerpt=_excerpt(known[pid].text),
            )
            for pid, n in sorted(numbers.items(), key=lambda item: item[1])
            if pid in known
        ]
        lines += ["## Sources", ""]
        if not citations:
            lines += ["_No passages were found in the index._", ""]
        for c in citations:
            label = c.source or c.document_id
            lines.append(f'{c.number}. <a id="source-{c.number}"></a>**{label}** (`{c.passage_id}`): "{c.excerpt}"')
        if plan.sub_questions == [request.question] and not plan.from_model:
            lines += ["", "_The plan was the question itself: the model gave no usable sub-questions._"]
        report = Report(
            question=request.question,
            title=f"Research report: {request.question}"[:300],
            markdown="\n".join(lines).rstrip() + "\n",
            citations=citations,
            sub_questions=list(plan.sub_questions),
        )
        await journal.log(StepName.SYNTHESISE, f"report of {len(report.markdown)} chars, {len(citations)} source(s)")
        return report

    async def store(self, workflow_id: str, report: Report, journal: Journal) -> StoredReport:
        stored = await self.reports.save(workflow_id, report)
        state = "stored" if stored.created else "already stored"
        await journal.log(StepName.STORE, f"report {stored.report_id} {state} with {stored.citations} citation(s)")
        return stored

    # ---- the workflow ------------------------------------------------------------------

    async def run(
        self, workflow_id: str, request: ResearchRequest, steps: StepRunner, journal: Journal
    ) -> StoredReport:
        limit = asyncio.Semaphore(request.limits.concurrency)

        def bounded(make: Callable[[], Awaitable[M]]) -> Callable[[], Awaitable[M]]:
            async def call() -> M:
                async with limit:
                    return await make()

            return call

        if request.documents or request.urls:
            await steps.run(StepName.INGEST, lambda: self.ingest(workflow_id, request, journal), Ingested)
        plan = await steps.run(StepName.PLAN, lambda: self.plan(request, journal), Plan)
        subs = plan.sub_questions
        gathered = await asyncio.gather(
            *(
                steps.run(StepName.GATHER, bounded(lambda s=s: self.gather(request, s, journal)), Gathered)  # type: ignore[misc]
                for s in subs
            )
        )
        readings = await asyncio.gather(
            *(steps.run(StepName.READ, lambda g=g: self.read(request, g, journal), Reading) for g in gathered)  # type: ignore[misc]
        )
        answers = await asyncio.gather(
            *(
                steps.run(StepName.REASON, bounded(lambda s=s: self.reason(request, s, journal)), SubAnswer)  # type: ignore[misc]
                for s in subs
            )
        )
        report = await steps.run(
            StepName.SYNTHESISE, lambda: self.synthesise(request, plan, gathered, readings, answers, journal), Report
        )
        return await steps.run(StepName.STORE, lambda: self.store(workflow_id, report, journal), StoredReport)


__all__ = [
    "PipelineReasoner",
    "PlainSteps",
    "ResearchAnalysis",
    "document_id_for",
    "parse_plan",
    "read_facts",
    "renumber",
]
