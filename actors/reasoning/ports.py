"""What the reasoning engines are given: a model, a retriever, an embedder, a node sink.

The engines only see these Protocols; the session actor plugs in the model router, the
knowledge coordinator and the store, the tests plug in scripted fakes. The metered wrappers
count calls and tokens into the session's metrics.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from protocols.knowledge import SearchMode
from protocols.reasoning import Completion, Passage, SessionMetrics, ThoughtNode


@runtime_checkable
class ModelClient(Protocol):
    async def generate(
        self,
        prompt: str,
        n: int = 1,
        temperature: float = 0.7,
        max_tokens: int = 256,
        stop: Sequence[str] | None = None,
    ) -> list[Completion]: ...


@runtime_checkable
class Retriever(Protocol):
    async def search(self, query: str, k: int, mode: SearchMode = SearchMode.HYBRID) -> list[Passage]: ...


@runtime_checkable
class Embedder(Protocol):
    async def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


@runtime_checkable
class NodeSink(Protocol):
    """Receives every node as it is made and again at each change (upsert by id)."""

    async def put(self, node: ThoughtNode) -> None: ...


class MemoryNodeSink:
    """Keeps the latest version of each node, and every put in order (for streams and tests)."""

    def __init__(self) -> None:
        self.nodes: dict[str, ThoughtNode] = {}
        self.events: list[ThoughtNode] = []

    async def put(self, node: ThoughtNode) -> None:
        copy = node.model_copy(deep=True)
        self.nodes[node.id] = copy
        self.events.append(copy)


class NullNodeSink:
    async def put(self, node: ThoughtNode) -> None:
        return None


class MeteredModel:
    """A ModelClient that counts calls and tokens into `metrics`."""

    def __init__(self, inner: ModelClient, metrics: SessionMetrics) -> None:
        self.inner = inner
        self.metrics = metrics

    async def generate(
        self,
        prompt: str,
        n: int = 1,
        temperature: float = 0.7,
        max_tokens: int = 256,
        stop: Sequence[str] | None = None,
    ) -> list[Completion]:
        self.metrics.model_calls += 1
        out = await self.inner.generate(prompt, n=n, temperature=temperature, max_tokens=max_tokens, stop=stop)
        for completion in out:
            self.metrics.prompt_tokens += completion.prompt_tokens
            self.metrics.completion_tokens += completion.completion_tokens
        return out

    async def text(self, prompt: str, temperature: float, max_tokens: int) -> str:
        out = await self.generate(prompt, n=1, temperature=temperature, max_tokens=max_tokens)
        return out[0].text if out else ""


class MeteredRetriever:
    def __init__(self, inner: Retriever, metrics: SessionMetrics) -> None:
        self.inner = inner
        self.metrics = metrics

    async def search(self, query: str, k: int, mode: SearchMode = SearchMode.HYBRID) -> list[Passage]:
        self.metrics.retrieval_calls += 1
        return await self.inner.search(query, k, mode)
