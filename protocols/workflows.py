"""The research-analysis workflow's own shapes: what each step takes and returns.

The engine (actors/workflows/research.py) passes these between its steps; the durable runner
records each step's output as JSON, so every shape round-trips through `model_dump(mode="json")`.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from protocols.reasoning import ReasoningMode


class StepName(StrEnum):
    INGEST = "ingest"
    PLAN = "plan"
    GATHER = "gather"
    READ = "read"
    REASON = "reason"
    SYNTHESISE = "synthesise"
    STORE = "store"


# The order the steps run in (gather, read and reason run once per sub-question).
STEP_ORDER: tuple[StepName, ...] = tuple(StepName)


class ResearchDocument(BaseModel):
    """A document to add to the index before the research starts."""

    content: str = Field(min_length=1, max_length=1_000_000)
    format: str = Field("markdown", pattern=r"^(text|markdown|html)$")
    source: str | None = Field(None, max_length=500)


class ResearchLimits(BaseModel):
    """Bounds on one run (the small embedded model is slow: every model call is bounded)."""

    max_sub_questions: int = Field(3, ge=1, le=10)
    search_k: int = Field(4, ge=1, le=20)
    max_facts: int = Field(4, ge=1, le=20)
    concurrency: int = Field(2, ge=1, le=16)
    plan_max_tokens: int = Field(96, ge=8, le=2048)
    answer_max_tokens: int = Field(160, ge=8, le=4096)
    summary_max_tokens: int = Field(160, ge=8, le=4096)
    reasoning_turns: int = Field(1, ge=0, le=5)  # s3 search turns after the first retrieval


class ResearchRequest(BaseModel):
    """What a run is asked: recorded with the workflow, so a resumed run runs exactly this."""

    question: str = Field(min_length=3, max_length=4000)
    index: str = Field(min_length=1, max_length=200)
    model: str = Field(min_length=1, max_length=200)
    mode: ReasoningMode = ReasoningMode.S3_RAG
    documents: list[ResearchDocument] = Field(default_factory=list, max_length=20)
    urls: list[str] = Field(default_factory=list, max_length=10)
    limits: ResearchLimits = Field(default_factory=ResearchLimits)


class IngestedDocument(BaseModel):
    document_id: str
    source: str
    chunks: int = 0
    existed: bool = False  # a re-run found it stored already (same idempotency key)


class Ingested(BaseModel):
    documents: list[IngestedDocument] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)  # URLs not fetched, with the reason


class Plan(BaseModel):
    question: str
    sub_questions: list[str]
    from_model: bool  # False: the model's plan was unusable and the question itself is the plan


class SourcePassage(BaseModel):
    """A retrieved passage: id `<document>:<chunk>`."""

    id: str
    document_id: str
    text: str
    score: float = 0.0
    source: str | None = None


class Gathered(BaseModel):
    sub_question: str
    passages: list[SourcePassage] = Field(default_factory=list)


class Fact(BaseModel):
    passage_id: str
    text: str


class Reading(BaseModel):
    sub_question: str
    facts: list[Fact] = Field(default_factory=list)


class SubAnswer(BaseModel):
    sub_question: str
    answer: str
    mode: ReasoningMode
    passages: list[SourcePassage] = Field(default_factory=list)  # what the answer may cite
    cited: list[str] = Field(default_factory=list)  # passage ids it cites
    model_calls: int = 0


class Citation(BaseModel):
    number: int = Field(ge=1)  # [n] in the report
    passage_id: str
    document_id: str
    source: str | None = None
    excerpt: str


class Report(BaseModel):
    question: str
    title: str
    markdown: str
    citations: list[Citation] = Field(default_factory=list)
    sub_questions: list[str] = Field(default_factory=list)


class StoredReport(BaseModel):
    workflow_id: str
    report_id: str
    citations: int
    created: bool  # False: a re-run found it stored already
