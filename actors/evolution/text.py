"""LLM-guided variation of the text gene (the system prompt), after GEPA and EvoPrompt.

Reflection: the model reads the prompt and what went wrong on a train minibatch, and writes a
better prompt. Crossover: the model merges two parents' prompts. Both are bounded (feedback
and the new prompt are cut to configured lengths, one model call each, max_tokens capped) and
fall back to the parent's prompt when the reply holds none, so a weak model slows evolution
down but never breaks it. Calls and tokens are counted for the run's report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from protocols.evolution import Evaluation, Split, TextVariation

from .ports import ModelClient

REFLECT_MARKER = "Write an improved version of the instructions"
CROSSOVER_MARKER = "Combine the two sets of instructions"
_FENCE = re.compile(r"```(?:[a-zA-Z]*\n)?(.*?)```", re.DOTALL)


@dataclass
class TextMetrics:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    fallbacks: int = 0  # replies without a usable prompt


def extract_prompt(reply: str) -> str:
    """The new prompt: inside the first ``` fence if there is one, else the whole reply."""
    match = _FENCE.search(reply)
    text = match.group(1) if match else reply
    return text.strip()


class PromptVariation:
    def __init__(self, model: ModelClient, config: TextVariation, metrics: TextMetrics | None = None) -> None:
        self.model = model
        self.config = config
        self.metrics = metrics or TextMetrics()

    async def reflect(self, prompt: str, train: Sequence[Evaluation]) -> str:
        """A rewrite of `prompt` from its train evaluations (lowest scores first)."""
        for evaluation in train:
            if evaluation.split is not Split.TRAIN:
                raise ValueError(f"reflection reads train only, got a {evaluation.split.value} evaluation")
        worst = sorted(train, key=lambda e: e.score)[: self.config.minibatch_size]
        cases = "\n\n".join(
            f"Example {i} (score {e.score:.2f}):\n{(e.feedback or '(no feedback)')[: self.config.max_feedback_chars]}"
            for i, e in enumerate(worst, start=1)
        )
        request = (
            "You improve the instructions an assistant follows.\n"
            f"Current instructions:\n```\n{prompt}\n```\n\n"
            f"Here is how the assistant did on some examples:\n\n{cases}\n\n"
            f"{REFLECT_MARKER}, which fixes these failures and keeps what works. "
            "Answer with the new instructions only, inside ``` fences."
        )
        return await self._ask(request, fallback=prompt)

    async def crossover(self, first: str, second: str) -> str:
        request = (
            "You improve the instructions an assistant follows.\n"
            f"Instructions A:\n```\n{first}\n```\n\nInstructions B:\n```\n{second}\n```\n\n"
            f"{CROSSOVER_MARKER} into one, keeping the best parts of each. "
            "Answer with the new instructions only, inside ``` fences."
        )
        return await self._ask(request, fallback=first)

    async def _ask(self, request: str, fallback: str) -> str:
        self.metrics.calls += 1
        replies = await self.model.generate(
            request, n=1, temperature=self.config.temperature, max_tokens=self.config.max_tokens
        )
        for reply in replies:
            self.metrics.prompt_tokens += reply.prompt_tokens
            self.metrics.completion_tokens += reply.completion_tokens
        text = extract_prompt(replies[0].text if replies else "")[: self.config.max_prompt_chars]
        if not text:
            self.metrics.fallbacks += 1
            return fallback
        return text
