"""Labels for the ADAPTIVE router from a model's own outcomes (Adaptive-RAG, Jeong et al. 2024, 3.2).

Adaptive-RAG trains its classifier on labels it collects by running the strategies: a query the
model answers right without retrieval is simple, one that single-step retrieval gets right is
moderate, one only the multi-step strategy gets right is complex. The labels depend on the
model (a 135M model answers almost nothing from memory), so a calibration belongs to one model.
A query no mode answered right says nothing about which mode to prefer: it takes its fallback
label where one is given (the paper's dataset bias) and is left out otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from protocols.reasoning import Complexity, ReasoningMode, RouterCalibration

# The strategies from the simplest up, and the label a first right answer among them gives.
LADDER: tuple[tuple[Complexity, frozenset[ReasoningMode]], ...] = (
    (Complexity.SIMPLE, frozenset({ReasoningMode.DIRECT})),
    (Complexity.MODERATE, frozenset({ReasoningMode.RAG_ONLY})),
    (Complexity.COMPLEX, frozenset({ReasoningMode.S3_RAG, ReasoningMode.TOT_ENHANCED_RAG, ReasoningMode.TOT_ONLY})),
)


@dataclass(frozen=True)
class Outcome:
    """One query and, for every mode tried on it, whether that mode answered it right."""

    query: str
    correct: Mapping[ReasoningMode, bool] = field(default_factory=dict)
    fallback: Complexity | None = None  # the label when no mode answered right (None: leave it out)


def outcome_label(outcome: Outcome) -> Complexity | None:
    """The simplest rung whose mode answered right; the fallback when none did."""
    for label, modes in LADDER:
        if any(outcome.correct.get(mode, False) for mode in modes):
            return label
    return outcome.fallback


def calibrate(outcomes: Sequence[Outcome], *, k: int = 7, source: str = "") -> RouterCalibration:
    """A model's calibration from its outcomes (queries labelled twice keep their first label).
    ValueError when no outcome gives a label."""
    examples: dict[Complexity, list[str]] = {}
    seen: set[str] = set()
    for outcome in outcomes:
        label = outcome_label(outcome)
        query = outcome.query.strip()
        if label is None or not query or query in seen:
            continue
        seen.add(query)
        examples.setdefault(label, []).append(query)
    if not examples:
        raise ValueError("no outcome gives a label: no mode answered any query right and none has a fallback")
    return RouterCalibration(examples=examples, k=k, source=source)


def label_counts(calibration: RouterCalibration) -> dict[str, int]:
    return {label.value: len(queries) for label, queries in calibration.examples.items()}
