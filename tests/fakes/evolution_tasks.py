"""A scripted recipe task for the evolution engines (no model, no index): unit tests only.

Each example needs one keyword in the system prompt: the score is 1 when the prompt has it
(less a little for temperature), else 0, and the feedback names the missing keyword. Latency
and tokens grow with max_tokens, beam width and the prompt's length. The reflection model
below adds the keywords its feedback names, so reflection improves quality the way a good
model would, and crossover joins both prompts' words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from protocols.evolution import Evaluation, Genome, Recipe, Split
from tests.fakes.reasoning_models import ScriptedModel

KEYWORDS = ["cite", "verify", "concise", "stepwise"]


class KeywordTask:
    def __init__(self, task: str = "keywords", n_train: int = 8, n_val: int = 8, n_test: int = 4) -> None:
        self.task = task
        self.splits = {
            Split.TRAIN: [f"train-{i}" for i in range(n_train)],
            Split.VAL: [f"val-{i}" for i in range(n_val)],
            Split.TEST: [f"test-{i}" for i in range(n_test)],
        }
        self.calls: list[tuple[str, Split, tuple[str, ...]]] = []  # (genome key, split, examples)

    def examples(self, split: Split) -> list[str]:
        return list(self.splits[split])

    def keyword(self, example: str) -> str:
        return KEYWORDS[int(example.rsplit("-", 1)[1]) % len(KEYWORDS)]

    async def evaluate(self, genome: Genome, key: str, split: Split, examples: Sequence[str]) -> list[Evaluation]:
        assert isinstance(genome, Recipe)
        self.calls.append((key, split, tuple(examples)))
        out = []
        for example in examples:
            word = self.keyword(example)
            hit = word in genome.system_prompt.lower().split()
            score = max(0.0, 1.0 - 0.1 * genome.temperature) if hit else 0.0
            out.append(
                Evaluation(
                    genome=key,
                    task=self.task,
                    split=split,
                    example=example,
                    score=score,
                    latency_s=0.1 * genome.max_tokens / 256 + 0.05 * genome.reasoning.beam_width,
                    tokens=genome.max_tokens // 2 + len(genome.system_prompt.split()),
                    feedback=None if hit else f"Input {example}: the answer should use the word '{word}'.",
                )
            )
        return out

    def computed(self, split: Split | None = None) -> int:
        return sum(len(ex) for _, s, ex in self.calls if split is None or s is split)


def _reflect(prompt: str) -> str:
    current = prompt.split("Current instructions:\n```\n", 1)[1].split("\n```", 1)[0]
    wanted = re.findall(r"should use the word '([a-z]+)'", prompt)
    words = current.split() + [w for w in dict.fromkeys(wanted) if w not in current.split()]
    return "```\n" + " ".join(words) + "\n```"


def _crossover(prompt: str) -> str:
    blocks = re.findall(r"```\n(.*?)\n```", prompt, re.DOTALL)
    words = list(dict.fromkeys(" ".join(blocks[:2]).split()))
    return "```\n" + " ".join(words) + "\n```"


def prompt_model() -> ScriptedModel:
    from actors.evolution.text import CROSSOVER_MARKER, REFLECT_MARKER

    return ScriptedModel([(REFLECT_MARKER, _reflect), (CROSSOVER_MARKER, _crossover)])
