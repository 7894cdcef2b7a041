"""The ADAPTIVE router's complexity classifier (after Adaptive-RAG, Jeong et al. 2024).

Rules over surface features score the four labels; with an embedder, a nearest-centroid over
the labelled example queries of configs/reasoning.yaml is blended in. A model with a
calibration (queries labelled by its own outcomes, calibration.py) is routed by a
similarity-weighted vote of the k nearest of those queries instead: that vote follows how
often each label occurred, which a centroid per label does not. The decision carries its
features and scores so it can be stored with the session's outcome.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from protocols.reasoning import (
    ClassifierConfig,
    Complexity,
    ReasoningMode,
    RouterCalibration,
    RoutingDecision,
    TaskKind,
)

from .ports import Embedder

_WORD = re.compile(r"[A-Za-z0-9']+")
_NUMBER = re.compile(r"\b\d+\b")
_SIMPLE_OPENERS = {"who", "what", "when", "where", "which", "define", "is", "are"}


def detect_game24(query: str) -> bool:
    """Four small whole numbers and little else, or an explicit 'make 24' request."""
    numbers = _NUMBER.findall(query)
    words = [w for w in _WORD.findall(query) if not w.isdigit()]
    if len(numbers) == 4 and all(1 <= int(n) <= 13 for n in numbers) and not words:
        return True
    return "24" in query and len(numbers) >= 5 and bool(re.search(r"game of 24|make 24|reach 24|get 24", query, re.I))


def _hits(text: str, cues: Sequence[str]) -> list[str]:
    lowered = f" {text.lower()} "
    return [cue for cue in cues if cue.lower() in lowered]


def extract_features(query: str, config: ClassifierConfig) -> dict[str, Any]:
    words = _WORD.findall(query)
    return {
        "words": len(words),
        "opener": words[0].lower() if words else "",
        "numbers": len(_NUMBER.findall(query)),
        "sentences": max(1, len(re.findall(r"[.?!](?:\s|$)", query))),
        "capitalised": sum(1 for w in words[1:] if w[:1].isupper()),
        "conjunctions": len(re.findall(r"\b(?:and|versus|vs|between|both)\b", query, re.I)),
        "research_cues": _hits(query, config.research_cues),
        "complex_cues": _hits(query, config.complex_cues),
        "reasoning_cues": _hits(query, config.reasoning_cues),
        "game24": detect_game24(query),
    }


def rule_scores(features: dict[str, Any], config: ClassifierConfig) -> dict[Complexity, float]:
    scores = dict.fromkeys(Complexity, 0.05)
    if features["game24"]:
        scores[Complexity.COMPLEX] += 2.0
    if features["research_cues"]:
        scores[Complexity.RESEARCH] += 0.8 + 0.3 * (len(features["research_cues"]) - 1)
    if features["complex_cues"] or features["reasoning_cues"]:
        scores[Complexity.COMPLEX] += 0.6 + 0.2 * (len(features["complex_cues"]) + len(features["reasoning_cues"]) - 1)
    cued = features["game24"] or features["research_cues"] or features["complex_cues"] or features["reasoning_cues"]
    if features["words"] <= config.simple_max_words and not cued:
        scores[Complexity.SIMPLE] += 0.6 + (0.2 if features["opener"] in _SIMPLE_OPENERS else 0.0)
    elif features["words"] <= config.moderate_max_words:
        scores[Complexity.MODERATE] += 0.5
    else:
        scores[Complexity.COMPLEX] += 0.3
        scores[Complexity.RESEARCH] += 0.2
    if features["conjunctions"] and features["capitalised"] >= 2:
        scores[Complexity.COMPLEX] += 0.3  # several named things related: multi-hop
    if features["sentences"] >= 3:
        scores[Complexity.RESEARCH] += 0.2
    return _normalise(scores)


def _normalise(scores: dict[Complexity, float]) -> dict[Complexity, float]:
    total = sum(scores.values()) or 1.0
    return {label: value / total for label, value in scores.items()}


def _unit(vector: Sequence[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def _mean(vectors: Sequence[Sequence[float]]) -> list[float]:
    return [sum(column) / len(vectors) for column in zip(*vectors, strict=True)]


class ComplexityClassifier:
    def __init__(self, config: ClassifierConfig, embedder: Embedder | None = None, temperature: float = 0.05) -> None:
        self.config = config
        self.embedder = embedder
        self.temperature = temperature
        self._centroids: dict[Complexity, list[float]] | None = None
        self._labelled: dict[str, list[tuple[Complexity, list[float]]]] = {}  # model -> its examples, embedded

    async def _load_centroids(self) -> dict[Complexity, list[float]]:
        if self._centroids is None:
            assert self.embedder is not None
            centroids: dict[Complexity, list[float]] = {}
            for label, examples in self.config.examples.items():
                if examples:
                    vectors = await self.embedder.embed(examples)
                    centroids[label] = _unit(_mean([_unit(v) for v in vectors]))
            self._centroids = centroids
        return self._centroids

    async def centroid_scores(self, query: str) -> dict[Complexity, float] | None:
        """A softmax over the cosine to each label's centroid; None without embedder or examples."""
        if self.embedder is None or not self.config.examples:
            return None
        centroids = await self._load_centroids()
        if not centroids:
            return None
        vector = _unit((await self.embedder.embed([query]))[0])
        cosines = {label: sum(a * b for a, b in zip(vector, c, strict=True)) for label, c in centroids.items()}
        top = max(cosines.values())
        weights = {label: math.exp((cos - top) / self.temperature) for label, cos in cosines.items()}
        return _normalise({label: weights.get(label, 0.0) for label in Complexity})

    async def _embedded_examples(
        self, model: str, calibration: RouterCalibration
    ) -> list[tuple[Complexity, list[float]]]:
        if model not in self._labelled:
            assert self.embedder is not None
            pairs = [(label, query) for label, queries in calibration.examples.items() for query in queries]
            vectors = await self.embedder.embed([query for _, query in pairs])
            self._labelled[model] = [(label, _unit(v)) for (label, _), v in zip(pairs, vectors, strict=True)]
        return self._labelled[model]

    async def neighbour_scores(self, query: str, model: str | None) -> tuple[dict[Complexity, float], int] | None:
        """The k nearest of the model's labelled queries vote, each with its cosine (a negative
        one counts 0): normalised votes and k. None without an embedder or a calibration."""
        calibration = self.config.calibrations.get(model) if model else None
        if self.embedder is None or calibration is None or model is None:
            return None
        labelled = await self._embedded_examples(model, calibration)
        vector = _unit((await self.embedder.embed([query]))[0])
        ranked = sorted(
            ((sum(a * b for a, b in zip(vector, v, strict=True)), label) for label, v in labelled),
            key=lambda pair: pair[0],
            reverse=True,
        )
        votes = dict.fromkeys(Complexity, 0.0)
        for cosine, label in ranked[: calibration.k]:
            votes[label] += max(cosine, 0.0)
        return _normalise(votes), calibration.k

    async def classify(self, query: str, task: TaskKind = TaskKind.OPEN, model: str | None = None) -> RoutingDecision:
        """`model`: the model the session runs on; its calibration, where it has one, routes
        open questions (a Game of 24 puzzle is always the rules' to place)."""
        features = extract_features(query, self.config)
        if task is TaskKind.GAME24:
            features["game24"] = True
        rules = rule_scores(features, self.config)
        neighbours = None if features["game24"] else await self.neighbour_scores(query, model)
        centroid = None if neighbours is not None else await self.centroid_scores(query)
        if neighbours is not None:
            votes, k = neighbours
            w = self.config.calibrations[str(model)].embedding_weight
            scores, method = {c: (1 - w) * rules[c] + w * votes[c] for c in Complexity}, "rules+knn"
            features["knn_scores"] = {c.value: round(v, 4) for c, v in votes.items()}
            features["calibration"] = {"model": model, "k": k}
        elif centroid is None:
            scores, method = rules, "rules"
        else:
            w = self.config.embedding_weight
            scores, method = {k: (1 - w) * rules[k] + w * centroid[k] for k in Complexity}, "rules+centroid"
            features["centroid_scores"] = {k.value: round(v, 4) for k, v in centroid.items()}
        features["rule_scores"] = {k.value: round(v, 4) for k, v in rules.items()}
        complexity = max(Complexity, key=lambda label: scores[label])
        kind = "game24" if features["game24"] else "reasoning" if features["reasoning_cues"] else "open"
        return RoutingDecision(
            complexity=complexity,
            mode=self.mode_for(complexity, kind),
            task_kind=kind,
            method=method,
            scores={k.value: round(v, 4) for k, v in scores.items()},
            features=features,
        )

    def mode_for(self, complexity: Complexity, kind: str) -> ReasoningMode:
        if complexity is Complexity.SIMPLE:
            return ReasoningMode.DIRECT
        if complexity is Complexity.MODERATE:
            return ReasoningMode.RAG_ONLY
        if complexity is Complexity.RESEARCH:
            return self.config.research_mode
        return self.config.complex_modes.get(kind, ReasoningMode.S3_RAG)
