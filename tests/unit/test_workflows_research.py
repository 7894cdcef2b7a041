"""The research-analysis engine without Ray, a model or a database: its steps, their order,
their bounds, and the report's structure and citations."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from pydantic import BaseModel

from actors.workflows.research import (
    PipelineReasoner,
    PlainSteps,
    ResearchAnalysis,
    document_id_for,
    parse_plan,
    read_facts,
    renumber,
)
from protocols.reasoning import Passage, ReasoningConfig, ReasoningMode
from protocols.workflows import (
    Gathered,
    IngestedDocument,
    Report,
    ResearchDocument,
    ResearchLimits,
    ResearchRequest,
    SourcePassage,
    StoredReport,
)
from tests.fakes.reasoning_models import KeywordRetriever, ScriptedModel

M = TypeVar("M", bound=BaseModel)

CORPUS = [
    Passage(
        id="d1:0",
        text="The one_for_one strategy restarts only the child that failed. Its siblings keep running.",
        source="supervision.md",
    ),
    Passage(
        id="d1:1",
        text="The one_for_all strategy restarts every child when one fails. It suits children that depend on each other.",  # noqa: E501
        source="supervision.md",
    ),
    Passage(
        id="d2:0",
        text="Restart intensity bounds how many restarts a supervisor allows within a period before it gives up.",
        source="intensity.md",
    ),
]
PLAN = "Break the research question"
ANSWER = "Answer from the passages"
SUMMARY = "Using only these findings"


def model(plan: str = "1. What does one_for_one restart?\n2. What does one_for_all restart?\n") -> ScriptedModel:
    return ScriptedModel(
        [
            (PLAN, lambda p: plan),
            (ANSWER, lambda p: "It restarts the failed child [1]."),
            (SUMMARY, lambda p: "one_for_one restarts one child; one_for_all restarts all."),
        ],
        default="",
    )


class MemoryDocuments:
    def __init__(self) -> None:
        self.stored: dict[str, tuple[str, str]] = {}
        self.adds = 0

    async def add(self, document_id: str, index: str, content: str, fmt: str, source: str) -> IngestedDocument:
        self.adds += 1
        existed = document_id in self.stored
        self.stored.setdefault(document_id, (index, content))
        return IngestedDocument(document_id=document_id, source=source, chunks=1, existed=existed)


class MemoryReports:
    def __init__(self) -> None:
        self.stored: dict[str, Report] = {}

    async def save(self, workflow_id: str, report: Report) -> StoredReport:
        created = workflow_id not in self.stored
        self.stored.setdefault(workflow_id, report)
        return StoredReport(
            workflow_id=workflow_id,
            report_id=f"report-{workflow_id}",
            citations=len(self.stored[workflow_id].citations),
            created=created,
        )


class Lines:
    def __init__(self) -> None:
        self.lines: list[tuple[str | None, str, str]] = []

    async def log(self, step: str | None, message: str, level: str = "info") -> None:
        self.lines.append((step, message, level))


class ConcurrencyWatch:
    """A runner that counts the steps in flight at once."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.most = 0
        self.names: list[str] = []

    async def run(self, name: str, fn: Callable[[], Awaitable[M]], out: type[M]) -> M:
        self.names.append(name)
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            await asyncio.sleep(0.01)
            return await fn()
        finally:
            self.in_flight -= 1


def engine(scripted: ScriptedModel, retriever: KeywordRetriever | None = None) -> ResearchAnalysis:
    found = retriever or KeywordRetriever(CORPUS)
    reasoner = PipelineReasoner(scripted, lambda index: found, ReasoningConfig())
    return ResearchAnalysis(scripted, lambda index: found, reasoner, MemoryDocuments(), MemoryReports())


def request(**extra: object) -> ResearchRequest:
    data: dict[str, object] = {
        "question": "How do one_for_one and one_for_all restarts differ?",
        "index": "docs",
        "model": "m",
        "mode": ReasoningMode.RAG_ONLY,
    }
    data.update(extra)
    return ResearchRequest.model_validate(data)


def test_parse_plan_strips_markers_drops_noise_and_bounds() -> None:
    text = (
        "Sub-questions:\n1. What does one_for_one restart?\n- what does one_for_all restart\n2) ok\n"
        "* What does one_for_one restart?\n3. Why bound restart intensity?"
    )
    assert parse_plan(text, "q", 2) == ["What does one_for_one restart?", "what does one_for_all restart?"]
    assert parse_plan("", "q", 3) == []


def test_read_keeps_the_sentences_that_share_the_sub_question_words() -> None:
    gathered = Gathered(
        sub_question="What does one_for_all restart?",
        passages=[SourcePassage(id=p.id, document_id=p.id.split(":")[0], text=p.text, source=p.source) for p in CORPUS],
    )
    reading = read_facts(gathered, max_facts=2)
    assert reading.facts[0].passage_id == "d1:1" and "every child" in reading.facts[0].text
    assert len(reading.facts) == 2


def test_renumber_maps_local_citations_to_report_numbers() -> None:
    local = [SourcePassage(id=i, document_id="d", text="t") for i in ("a", "b")]
    assert renumber("x [2] y [1] z [9]", local, {"a": 3, "b": 1}) == "x [1] y [3] z "
    assert renumber("a [n] in a [source]-space [1]", local, {"a": 2}) == "a in a-space [2]"


@pytest.mark.asyncio
async def test_a_run_plans_gathers_reads_reasons_synthesises_and_stores() -> None:
    scripted = model()
    research = engine(scripted)
    journal, steps = Lines(), PlainSteps()
    stored = await research.run("wf-1", request(), steps, journal)
    assert steps.ran == ["plan"] + ["gather"] * 3 + ["read"] * 3 + ["reason"] * 3 + ["synthesise", "store"]
    assert stored.created and stored.workflow_id == "wf-1"
    report = research.reports.stored["wf-1"]  # type: ignore[attr-defined]
    # the model's two, and the question itself (room for one more under the default bound of 3)
    assert report.sub_questions == [
        "What does one_for_one restart?",
        "What does one_for_all restart?",
        request().question,
    ]
    md = report.markdown
    for heading in ("# Research report:", "## Summary", "## Findings", "### 1. What does one_for_one", "## Sources"):
        assert heading in md
    # every [n] in the text is a listed source, and every source is cited in the text
    used = {int(n) for n in re.findall(r"\[(\d+)\]", md)}
    assert used == {c.number for c in report.citations} and used
    assert all(c.document_id in ("d1", "d2") and c.excerpt for c in report.citations)
    assert {step for step, _, _ in journal.lines} >= {"plan", "gather", "read", "reason", "synthesise", "store"}
    # bounded model calls: one plan, one answer per sub-question (RAG_ONLY), one summary
    assert len(scripted.prompts) == 5


@pytest.mark.asyncio
async def test_an_unusable_plan_falls_back_to_the_question_and_says_so() -> None:
    research = engine(model(plan="ok\n"))
    await research.run("wf-2", request(), PlainSteps(), Lines())
    report = research.reports.stored["wf-2"]  # type: ignore[attr-defined]
    assert report.sub_questions == [request().question]
    assert "the model gave no usable sub-questions" in report.markdown


@pytest.mark.asyncio
async def test_sub_questions_are_bounded_and_steps_respect_the_concurrency_limit() -> None:
    plan = "\n".join(f"{i}. What does restart number {i} mean?" for i in range(1, 9))
    research = engine(model(plan=plan))
    watch = ConcurrencyWatch()
    limits = ResearchLimits(max_sub_questions=4, concurrency=2)
    await research.run("wf-3", request(limits=limits), watch, Lines())
    assert watch.names.count("gather") == 4 and watch.names.count("reason") == 4
    # plain steps of one phase start together; the bounded ones hold the semaphore inside
    assert watch.most >= 2


@pytest.mark.asyncio
async def test_ingest_keys_documents_by_workflow_so_a_rerun_stores_them_once() -> None:
    research = engine(model())
    docs = [ResearchDocument(content="one_for_one restarts one child.", source="a.md"), ResearchDocument(content="b")]
    req = request(documents=docs, urls=["https://example.com/x"])
    journal = Lines()
    first = await research.ingest("wf-4", req, journal)
    again = await research.ingest("wf-4", req, journal)
    store: MemoryDocuments = research.documents  # type: ignore[assignment]
    assert [d.document_id for d in first.documents] == [document_id_for("wf-4", 0), document_id_for("wf-4", 1)]
    assert [d.existed for d in again.documents] == [True, True] and len(store.stored) == 2
    assert first.skipped and "no fetch server" in first.skipped[0]
    assert document_id_for("wf-5", 0) != document_id_for("wf-4", 0)


@pytest.mark.asyncio
async def test_store_twice_keeps_one_report() -> None:
    research = engine(model())
    await research.run("wf-6", request(), PlainSteps(), Lines())
    again = await research.store("wf-6", research.reports.stored["wf-6"], Lines())  # type: ignore[attr-defined]
    assert again.created is False
