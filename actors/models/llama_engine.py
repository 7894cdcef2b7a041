"""The embedded language model: llama.cpp through llama-cpp-python (no Ray here).

`stream_chat` is a plain generator that yields ChatChunks as llama.cpp produces
tokens, and checks a stop flag between tokens, so a cancelled request frees the
model within one token. A `format` (\"json\" or a JSON schema) becomes a llama.cpp
grammar, so the answer parses.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from protocols.models import (
    ChatChunk,
    ChatMessage,
    ChatRequest,
    GenerationOptions,
    ModelError,
    ModelErrorCode,
)

log = logging.getLogger(__name__)

DEFAULT_MAX_TOKENS = 256


class LlamaCppEngine:
    """One loaded GGUF model. Not thread-safe: one generation at a time (the actor serialises)."""

    def __init__(self, name: str, path: Path, n_ctx: int = 2048, n_threads: int = 2) -> None:
        self.name = name
        self.path = path
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self._llm: Any = None
        self.load_duration_ns = 0

    @property
    def loaded(self) -> bool:
        return self._llm is not None

    def load(self) -> None:
        from llama_cpp import Llama  # imported here: only model workers pay for it

        started = time.perf_counter_ns()
        self._llm = Llama(
            model_path=str(self.path),
            n_ctx=self.n_ctx,
            n_threads=self.n_threads,
            n_threads_batch=self.n_threads,
            verbose=False,
        )
        self.load_duration_ns = time.perf_counter_ns() - started

    def count_tokens(self, text: str) -> int:
        return len(self._require().tokenize(text.encode(), add_bos=False, special=True))

    def stream_chat(self, request: ChatRequest, stop: threading.Event | None = None) -> Iterator[ChatChunk]:
        """Yield the answer token by token; the last chunk has done=True and the counts."""
        llm = self._require()
        stop = stop or threading.Event()
        kwargs = self._sampling(request.options)
        if request.format is not None:
            schema = {} if request.format == "json" else request.format
            kwargs["response_format"] = {"type": "json_object", "schema": schema} if schema else {"type": "json_object"}
        messages: list[Any] = [m.model_dump() for m in request.messages]
        started = time.perf_counter_ns()
        first_token_ns: int | None = None
        completion_tokens = 0
        done_reason = "stop"
        try:
            stream = llm.create_chat_completion(messages=messages, stream=True, **kwargs)
        except ValueError as exc:  # e.g. the prompt does not fit the context window
            raise ModelError(ModelErrorCode.INVALID_REQUEST, f"{self.name}: {exc}", "embedded") from exc
        try:
            for part in stream:
                if stop.is_set():
                    done_reason = "cancelled"
                    break
                choice = part["choices"][0]
                text = choice.get("delta", {}).get("content")
                if text:
                    if first_token_ns is None:
                        first_token_ns = time.perf_counter_ns()
                    completion_tokens += 1
                    yield ChatChunk(model=self.name, message=ChatMessage(role="assistant", content=text))
                if choice.get("finish_reason"):
                    done_reason = str(choice["finish_reason"])
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()  # stops llama.cpp's sampling loop at once
        total_ns = time.perf_counter_ns() - started
        prompt_tokens = max(0, int(llm.n_tokens) - completion_tokens)
        prompt_ns = (first_token_ns or time.perf_counter_ns()) - started
        yield ChatChunk(
            model=self.name,
            done=True,
            done_reason="length" if done_reason == "length" else done_reason,
            total_duration=total_ns,
            load_duration=0,
            prompt_eval_count=prompt_tokens,
            prompt_eval_duration=prompt_ns,
            eval_count=completion_tokens,
            eval_duration=max(0, total_ns - prompt_ns),
        )

    def _sampling(self, options: GenerationOptions | None) -> dict[str, Any]:
        opts = options or GenerationOptions()
        kwargs: dict[str, Any] = {"max_tokens": DEFAULT_MAX_TOKENS}
        if opts.num_predict is not None:
            kwargs["max_tokens"] = None if opts.num_predict < 0 else opts.num_predict
        if opts.temperature is not None:
            kwargs["temperature"] = opts.temperature
        if opts.top_p is not None:
            kwargs["top_p"] = opts.top_p
        if opts.top_k is not None:
            kwargs["top_k"] = opts.top_k
        if opts.seed is not None:
            kwargs["seed"] = opts.seed
        if opts.stop:
            kwargs["stop"] = opts.stop
        if opts.repeat_penalty is not None:
            kwargs["repeat_penalty"] = opts.repeat_penalty
        if opts.presence_penalty is not None:
            kwargs["presence_penalty"] = opts.presence_penalty
        if opts.frequency_penalty is not None:
            kwargs["frequency_penalty"] = opts.frequency_penalty
        return kwargs

    def _require(self) -> Any:
        if self._llm is None:
            raise ModelError(ModelErrorCode.BACKEND_UNAVAILABLE, f"{self.name} is not loaded", "embedded", 503)
        return self._llm
