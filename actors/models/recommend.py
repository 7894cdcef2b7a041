"""Which model for which kind of task, from what was recorded (plain class, no I/O).

The score mixes four parts, each in 0..1: quality (mean user rating), reliability
(share of calls that succeeded), speed (tokens/s relative to the fastest candidate)
and latency (fastest p50 relative to this one's). Data for the asked task kind is
preferred over a model's overall data; a model with few calls gets a low confidence,
and its missing parts count as neutral (0.5) rather than as good or bad.
"""

from __future__ import annotations

from protocols.model_stats import ModelPerformance, Recommendation, RecommendationRequest

NEUTRAL = 0.5
CONFIDENT_AFTER_CALLS = 20


class Recommender:
    def recommend(
        self,
        request: RecommendationRequest,
        overall: list[ModelPerformance],
        by_task: list[ModelPerformance],
        available: dict[str, str] | None = None,
    ) -> list[Recommendation]:
        """`overall`: one row per model; `by_task`: rows for request.task_kind;
        `available`: model -> backend of models that can serve now (also those never used)."""
        rows: dict[str, ModelPerformance] = {p.model: p for p in overall}
        rows.update({p.model: p for p in by_task if p.calls > 0})
        for name, backend in (available or {}).items():
            rows.setdefault(name, ModelPerformance(model=name, backend=backend))
        if available is not None:
            rows = {name: perf for name, perf in rows.items() if name in available}
        if not rows:
            return []
        fastest = max((p.mean_tokens_per_s or 0.0) for p in rows.values()) or None
        quickest = min((p.p50_latency_ms for p in rows.values() if p.p50_latency_ms), default=None)
        weights = self._weights(request)
        scored: list[Recommendation] = []
        task_models = {p.model for p in by_task if p.calls > 0}
        for perf in rows.values():
            quality = NEUTRAL if perf.mean_rating is None else (perf.mean_rating - 1) / 4
            reliability = NEUTRAL if perf.success_rate is None else perf.success_rate
            speed = NEUTRAL if not fastest or perf.mean_tokens_per_s is None else perf.mean_tokens_per_s / fastest
            latency = NEUTRAL if not quickest or not perf.p50_latency_ms else quickest / perf.p50_latency_ms
            score = weights[0] * quality + weights[1] * reliability + weights[2] * speed + weights[3] * latency
            confidence = min(1.0, perf.calls / CONFIDENT_AFTER_CALLS)
            reasons = self._reasons(perf, request.task_kind, perf.model in task_models)
            scored.append(
                Recommendation(
                    model=perf.model,
                    backend=perf.backend,
                    score=round(score, 4),
                    confidence=round(confidence, 3),
                    reasons=reasons,
                    performance=perf,
                )
            )
        scored.sort(key=lambda r: (r.score, r.confidence), reverse=True)
        return scored[: request.limit]

    @staticmethod
    def _weights(request: RecommendationRequest) -> tuple[float, float, float, float]:
        raw = (request.weight_quality, request.weight_reliability, request.weight_speed, request.weight_latency)
        total = sum(raw) or 1.0
        return (raw[0] / total, raw[1] / total, raw[2] / total, raw[3] / total)

    @staticmethod
    def _reasons(perf: ModelPerformance, task_kind: str, task_data: bool) -> list[str]:
        if perf.calls == 0:
            return ["no recorded calls yet: scored as neutral"]
        scope = f"for '{task_kind}'" if task_data else "overall (no calls recorded for this task kind)"
        reasons = [f"{perf.calls} calls {scope}"]
        if perf.success_rate is not None:
            reasons.append(f"{perf.success_rate:.0%} succeeded")
        if perf.mean_tokens_per_s is not None:
            reasons.append(f"{perf.mean_tokens_per_s:.1f} tokens/s")
        if perf.p50_latency_ms is not None:
            reasons.append(f"p50 latency {perf.p50_latency_ms:.0f} ms")
        if perf.mean_rating is not None:
            reasons.append(f"rated {perf.mean_rating:.1f}/5 by {perf.ratings}")
        return reasons
