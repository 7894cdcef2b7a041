"""The engines' ports (ports.py) on the platform: the model at its address, the knowledge
service, the embedder, and sinks that store and stream each node.

Each adapter takes a `Runtime` (supervisors/runtime.py), so the tests drive them with the
in-memory runtime and the session actor with Ray's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from protocols.knowledge import SearchMode
from protocols.reasoning import Completion, Passage, ThoughtNode
from protocols.rest_reasoning import session_topic
from supervisors.runtime import Runtime

from .ports import Embedder, NodeSink


class RuntimeModel:
    """A ModelClient over a model's `chat_stream` (its router, or the Ollama backend).

    n samples are n requests at once, so a router with several workers answers them in
    parallel. Each request is a stream: cancelling the caller closes it, which stops the
    generation at the worker (what `POST /reasoning/stop` relies on)."""

    def __init__(
        self, runtime: Runtime, address: str, model: str, task_kind: str = "reasoning", system: str | None = None
    ) -> None:
        self.runtime = runtime
        self.address = address
        self.model = model
        self.task_kind = task_kind
        self.system = system  # a system message before every prompt (an evolved recipe's text gene)

    def request(self, prompt: str, temperature: float, max_tokens: int, stop: Sequence[str] | None) -> dict[str, Any]:
        options: dict[str, Any] = {"temperature": temperature, "num_predict": max_tokens}
        if stop:
            options["stop"] = list(stop)
        messages = [{"role": "system", "content": self.system}] if self.system else []
        messages.append({"role": "user", "content": prompt})
        return {
            "model": self.model,
            "messages": messages,
            "stream": True,
            "options": options,
        }

    async def _one(self, request: dict[str, Any]) -> Completion:
        text: list[str] = []
        final: dict[str, Any] = {}
        stream = self.runtime.stream(self.address, "chat_stream", request, self.task_kind)
        try:
            async for chunk in stream:
                if chunk.get("done"):
                    final = chunk
                else:
                    text.append(chunk.get("message", {}).get("content", ""))
        finally:
            close = getattr(stream, "aclose", None)
            if close is not None:
                await close()
        return Completion(
            text="".join(text),
            prompt_tokens=int(final.get("prompt_eval_count") or 0),
            completion_tokens=int(final.get("eval_count") or 0),
        )

    async def generate(
        self,
        prompt: str,
        n: int = 1,
        temperature: float = 0.7,
        max_tokens: int = 256,
        stop: Sequence[str] | None = None,
    ) -> list[Completion]:
        request = self.request(prompt, temperature, max_tokens, stop)
        return list(await asyncio.gather(*(self._one(request) for _ in range(n))))


def passage_of(hit: dict[str, Any]) -> Passage:
    """A knowledge search result as a passage: id `<document>:<chunk>`, source from the
    document's metadata (`source`, else `title`), else the document id."""
    metadata = hit.get("metadata") or {}
    source = metadata.get("source") or metadata.get("title") or hit.get("document_id")
    return Passage(
        id=f"{hit['document_id']}:{hit['chunk_id']}",
        text=hit["text"],
        score=float(hit.get("score") or 0.0),
        source=str(source) if source is not None else None,
    )


PassagesSeen = Callable[[Sequence[Passage]], Awaitable[None]]


class KnowledgeRetriever:
    """A Retriever over the knowledge service's search of one index. `on_passages` sees every
    batch retrieved (the session stores them, so a tree's passages can be read later)."""

    def __init__(
        self,
        runtime: Runtime,
        address: str,
        index: str,
        on_passages: PassagesSeen | None = None,
        timeout_s: float = 60.0,
    ) -> None:
        self.runtime = runtime
        self.address = address
        self.index = index
        self.on_passages = on_passages
        self.timeout_s = timeout_s

    async def search(self, query: str, k: int, mode: SearchMode = SearchMode.HYBRID) -> list[Passage]:
        answer = await self.runtime.call(
            self.address, "search", query, self.index, k, mode.value, timeout_s=self.timeout_s, idempotent=True
        )
        found = [passage_of(hit) for hit in answer.get("results", [])]
        if self.on_passages is not None and found:
            await self.on_passages(found)
        return found


class RuntimeEmbedder:
    """An Embedder over the embedder actor (the classifier's nearest-centroid)."""

    def __init__(self, runtime: Runtime, address: str, timeout_s: float = 60.0) -> None:
        self.runtime = runtime
        self.address = address
        self.timeout_s = timeout_s

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        answer = await self.runtime.call(self.address, "embed", list(texts), timeout_s=self.timeout_s, idempotent=True)
        vectors: list[list[float]] = answer["embeddings"]
        return vectors


NodeWriter = Callable[[ThoughtNode], Awaitable[None]]


class StoredNodeSink:
    """Writes each node version to the store before anything else sees it."""

    def __init__(self, write: NodeWriter) -> None:
        self.write = write

    async def put(self, node: ThoughtNode) -> None:
        await self.write(node)


class PublishedNodeSink:
    """Publishes `reasoning_update` {session_id, event, node} on the session's bus topic
    (fire and forget: a slow browser never slows the search)."""

    def __init__(self, runtime: Runtime, session_id: str, source: str) -> None:
        self.runtime = runtime
        self.session_id = session_id
        self.source = source

    async def put(self, node: ThoughtNode) -> None:
        data = {"session_id": self.session_id, "event": node.status.value, "node": node.model_dump(mode="json")}
        self.runtime.publish(session_topic(self.session_id), "reasoning_update", data, self.source)


__all__ = [
    "Embedder",
    "KnowledgeRetriever",
    "NodeSink",
    "PublishedNodeSink",
    "RuntimeEmbedder",
    "RuntimeModel",
    "StoredNodeSink",
    "passage_of",
]
