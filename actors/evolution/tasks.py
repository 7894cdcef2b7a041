"""Evaluation tasks of recipe evolution: examples dealt into train / val / test, and a metric.

A task is data (configs/evolution_tasks.yaml): Game of 24 puzzles, scored by the game's own
checker, and the Python-docs question set, scored by its gold strings. Examples are shuffled
once by the task's `split_seed` and dealt by the configured sizes, so the splits never overlap
and never change between runs.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field

from actors.reasoning.game24 import Game24Task, check_expression, load_puzzles
from protocols.evolution import Split
from protocols.reasoning import ReasoningResult, TaskKind


class TaskFormat(StrEnum):
    GAME24 = "game24"
    QA = "qa"


class TaskSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: TaskFormat
    path: str
    split_seed: int = 0
    splits: dict[Split, int] = Field(default_factory=dict)


@dataclass(frozen=True)
class Example:
    id: str
    query: str  # what the reasoning pipeline is asked
    gold: tuple[str, ...] = ()  # QA: any of these in the answer counts


@dataclass(frozen=True)
class Scored:
    score: float
    feedback: str  # input, output, expected: what reflection reads


class EvaluationTask(Protocol):
    name: str
    reasoning_task: TaskKind

    def examples(self, split: Split) -> list[Example]: ...

    def score(self, example: Example, result: ReasoningResult) -> Scored: ...


def _deal(items: list[Example], seed: int, sizes: dict[Split, int]) -> dict[Split, list[Example]]:
    order = list(items)
    random.Random(seed).shuffle(order)
    out: dict[Split, list[Example]] = {}
    start = 0
    for split in (Split.TRAIN, Split.VAL, Split.TEST):
        n = max(0, sizes.get(split, 0))
        out[split] = order[start : start + n]
        start += n
    return out


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


class _Dealt:
    name: str
    split_examples: dict[Split, list[Example]]

    def examples(self, split: Split) -> list[Example]:
        return list(self.split_examples.get(split, []))


class Game24Evaluation(_Dealt):
    """Puzzles of the dev split; an answer counts when the checker accepts its expression."""

    reasoning_task = TaskKind.GAME24

    def __init__(self, name: str, puzzles: list[list[int]], split_seed: int, sizes: dict[Split, int]) -> None:
        self.name = name
        unique = {" ".join(map(str, p)): p for p in puzzles}
        items = [Example(id=key, query=key) for key in unique]
        self.split_examples = _deal(items, split_seed, sizes)

    def score(self, example: Example, result: ReasoningResult) -> Scored:
        numbers = [int(n) for n in example.query.split()]
        answer = result.answer or ""
        expression = Game24Task.extract_answer(answer) if answer else None
        ok, why = check_expression(expression, numbers) if expression else (False, "no answer")
        return Scored(
            score=1.0 if ok else 0.0,
            feedback=f"Input: {example.query}\nOutput: {answer.strip()[:300]}\nChecker: {why}",
        )


class QuestionEvaluation(_Dealt):
    """Questions with gold strings; an answer counts when one of them occurs in it."""

    reasoning_task = TaskKind.OPEN

    def __init__(self, name: str, rows: Sequence[Mapping[str, Any]], split_seed: int, sizes: dict[Split, int]) -> None:
        self.name = name
        items = []
        for row in rows:
            answers = row.get("answers") or row.get("answer") or []
            gold = (answers,) if isinstance(answers, str) else tuple(str(a) for a in answers)
            items.append(Example(id=str(row["id"]), query=str(row["question"]), gold=gold))
        self.split_examples = _deal(items, split_seed, sizes)

    def score(self, example: Example, result: ReasoningResult) -> Scored:
        answer = result.answer or ""
        text = _normalise(answer)
        ok = any(_normalise(g) in text for g in example.gold)
        return Scored(
            score=1.0 if ok else 0.0,
            feedback=(
                f"Question: {example.query}\nOutput: {answer.strip()[:300]}\n"
                f"Expected the answer to contain: {' or '.join(example.gold)}"
            ),
        )


def load_task_specs(path: str | Path) -> dict[str, TaskSpec]:
    data = yaml.safe_load(Path(path).read_text()) or {}
    return {name: TaskSpec.model_validate(spec) for name, spec in data.items()}


def load_task(name: str, spec: TaskSpec, root: Path) -> EvaluationTask:
    """The task's examples from its file (`path` relative to `root`, the project root)."""
    path = Path(spec.path)
    path = path if path.is_absolute() else (root / path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"task {name}: {path} does not exist")
    if spec.kind is TaskFormat.GAME24:
        return Game24Evaluation(name, load_puzzles(path), spec.split_seed, spec.splits)
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return QuestionEvaluation(name, rows, spec.split_seed, spec.splits)
