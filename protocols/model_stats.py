"""Per-model performance, ratings and recommendations (REST shapes of /api/v1/models)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ModelPerformance(BaseModel):
    """Aggregates over the recorded calls of one model (optionally one task kind)."""

    model: str
    backend: str
    task_kind: str | None = None
    calls: int = 0
    ok: int = 0
    errors: int = 0
    cancelled: int = 0
    success_rate: float | None = None
    mean_latency_ms: float | None = None
    p50_latency_ms: float | None = None
    p95_latency_ms: float | None = None
    mean_tokens_per_s: float | None = None
    mean_time_to_first_token_ms: float | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    mean_rating: float | None = None
    ratings: int = 0
    last_used: float | None = None


class RatingRequest(BaseModel):
    rating: int = Field(ge=1, le=5)
    task_kind: str | None = Field(None, max_length=100)
    comment: str = Field("", max_length=5000)


class ModelEntry(BaseModel):
    """A model tracked by hand: what it is for."""

    name: str = Field(min_length=1, max_length=200)
    backend: str = Field("ollama", pattern="^(embedded|ollama)$")
    task_kinds: list[str] = Field(default_factory=list, max_length=50)
    description: str = Field("", max_length=5000)
    parameters: dict[str, object] = Field(default_factory=dict)


class RecommendationRequest(BaseModel):
    task_kind: str = Field(min_length=1, max_length=100)
    limit: int = Field(3, ge=1, le=50)
    # Weights of the score's parts; they are normalised to sum to 1.
    weight_quality: float = Field(0.4, ge=0)
    weight_reliability: float = Field(0.3, ge=0)
    weight_speed: float = Field(0.2, ge=0)
    weight_latency: float = Field(0.1, ge=0)


class Recommendation(BaseModel):
    model: str
    backend: str
    score: float
    confidence: float  # 0..1: how much recorded data the score rests on
    reasons: list[str]
    performance: ModelPerformance


class RecommendationResponse(BaseModel):
    task_kind: str
    recommendations: list[Recommendation]
