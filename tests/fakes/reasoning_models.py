"""Scripted stand-ins for the reasoning engines' ports (no model, no index): unit tests only.

ScriptedGame24Model proposes only legal steps and values states with an exact solver, so a
correct search must solve every solvable puzzle whatever a real model would say.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import random
import re
from collections.abc import Callable, Sequence
from fractions import Fraction

from actors.reasoning.game24 import can_reach, fmt, legal_steps, parse_numbers
from protocols.knowledge import SearchMode
from protocols.reasoning import Completion, Passage


def _completion(prompt: str, text: str) -> Completion:
    return Completion(text=text, prompt_tokens=len(prompt.split()), completion_tokens=len(text.split()))


def _last_input(prompt: str) -> list[Fraction]:
    lines = [line for line in prompt.splitlines() if line.startswith("Input:")]
    return parse_numbers(lines[-1]) if lines else []


def legal_step_lines(numbers: list[Fraction], rng: random.Random) -> list[str]:
    """Every legal next step from `numbers`, in the propose format, in a shuffled order."""
    out = []
    for a, op, b, result, left in legal_steps(numbers):
        out.append(f"{fmt(a)} {op} {fmt(b)} = {fmt(result)} (left: {' '.join(fmt(n) for n in left)})")
    rng.shuffle(out)
    return out


def game24_reply(prompt: str, rng: random.Random, value_label: str | None = None) -> tuple[str, str]:
    """(kind, reply) of a Game-of-24 model that proposes only legal steps and values states with
    an exact solver (or always `value_label`). Kinds: propose, sample, value, vote, other (empty
    reply). Shared by ScriptedGame24Model and the fake Ollama server's scripted model."""
    if "Possible next steps:" in prompt:
        return "propose", "\n".join(legal_step_lines(_last_input(prompt), rng))
    if "Next step:" in prompt:
        steps = legal_step_lines(_last_input(prompt), rng)
        return "sample", rng.choice(steps) if steps else ""
    if "sure, likely or impossible" in prompt:
        label = value_label or ("sure" if can_reach(_last_input(prompt)) else "impossible")
        return "value", f"thinking...\n{label}"
    if "The best choice is N" in prompt:
        choices = re.findall(r"^Choice (\d+): (.*)$", prompt, re.MULTILINE)
        best = next((i for i, state in choices if can_reach(parse_numbers(state))), "1")
        return "vote", f"The best choice is {best}"
    return "other", ""


class ScriptedGame24Model:
    def __init__(self, seed: int = 0, delay_s: float = 0.0, value_label: str | None = None) -> None:
        self.rng = random.Random(seed)
        self.delay_s = delay_s
        self.value_label = value_label  # a fixed label instead of the solver's
        self.calls: list[tuple[str, str, int]] = []  # (kind, prompt, n)
        self.in_flight = 0
        self.max_in_flight = 0

    def count(self, kind: str) -> int:
        return sum(1 for k, _, _ in self.calls if k == kind)

    async def generate(
        self,
        prompt: str,
        n: int = 1,
        temperature: float = 0.7,
        max_tokens: int = 256,
        stop: Sequence[str] | None = None,
    ) -> list[Completion]:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            return self._reply(prompt, n)
        finally:
            self.in_flight -= 1

    def _reply(self, prompt: str, n: int) -> list[Completion]:
        out = []
        for _ in range(n):  # each sample its own draw (a propose or sample reply is random)
            kind, text = game24_reply(prompt, self.rng, self.value_label)
            out.append(_completion(prompt, text))
        self.calls.append((kind, prompt, n))
        return out


def game24_responder(seed: int = 0, value_label: str | None = None) -> Callable[[str], str]:
    """The scripted Game-of-24 model as a prompt -> reply function, for a fake Ollama model
    (tests/fakes/ollama_server.py `responders`): the platform then reaches it through the real
    Ollama client."""
    model = ScriptedGame24Model(seed=seed, value_label=value_label)
    return lambda prompt: model._reply(prompt, 1)[0].text


Rule = tuple[str, Callable[[str], str]]


class ScriptedModel:
    """Replies by the first rule whose marker is in the prompt; records every call."""

    def __init__(self, rules: Sequence[Rule], default: str = "", delay_s: float = 0.0) -> None:
        self.rules = list(rules)
        self.default = default
        self.delay_s = delay_s
        self.prompts: list[str] = []

    async def generate(
        self,
        prompt: str,
        n: int = 1,
        temperature: float = 0.7,
        max_tokens: int = 256,
        stop: Sequence[str] | None = None,
    ) -> list[Completion]:
        self.prompts.append(prompt)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        for marker, reply in self.rules:
            if marker in prompt:
                return [_completion(prompt, reply(prompt)) for _ in range(n)]
        return [_completion(prompt, self.default) for _ in range(n)]

    def calls_with(self, marker: str) -> list[str]:
        return [p for p in self.prompts if marker in p]


class KeywordRetriever:
    """Ranks a fixed corpus by word overlap with the query."""

    def __init__(self, corpus: Sequence[Passage]) -> None:
        self.corpus = list(corpus)
        self.queries: list[str] = []

    async def search(self, query: str, k: int, mode: SearchMode = SearchMode.HYBRID) -> list[Passage]:
        self.queries.append(query)
        words = set(re.findall(r"[a-z0-9]+", query.lower()))
        scored = []
        for passage in self.corpus:
            overlap = len(words & set(re.findall(r"[a-z0-9]+", passage.text.lower())))
            if overlap:
                scored.append(passage.model_copy(update={"score": float(overlap)}))
        scored.sort(key=lambda p: -p.score)
        return scored[:k]


class HashingEmbedder:
    """Bag-of-words hashed into a fixed number of dimensions: lexical similarity, deterministic."""

    def __init__(self, dims: int = 256) -> None:
        self.dims = dims

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        out = []
        for text in texts:
            vector = [0.0] * self.dims
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dims] += 1.0
            norm = math.sqrt(sum(x * x for x in vector)) or 1.0
            out.append([x / norm for x in vector])
        return out
