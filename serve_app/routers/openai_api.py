"""/v1: the OpenAI-compatible API (chat completions, models, embeddings) for outside clients.

`model` names what answers (serve_app/compat/targets.py): a model, `agent:<id or name>`,
or `reasoning:<mode>`. `stream: true` answers server-sent events in OpenAI's chunk format,
ending with `data: [DONE]`; a client that closes the stream stops the generation. Every
error is OpenAI's `{"error": {"message", "type", "param", "code"}}` (serve_app/errors.py).

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

import asyncio
import base64
import contextlib
import logging
import re
import struct
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import StreamingResponse

from configs.settings import Settings
from protocols.addresses import embedder_address
from protocols.errors import PlatformError
from protocols.models import Backend, ModelError, ModelErrorCode
from protocols.openai_api import (
    CONVERSATION_HEADER,
    CONVERSATION_ID_PATTERN,
    OpenAIChatCompletion,
    OpenAIChatRequest,
    OpenAIEmbedding,
    OpenAIEmbeddingList,
    OpenAIEmbeddingRequest,
    OpenAIEmbeddingUsage,
    OpenAIErrorBody,
    OpenAIModel,
    OpenAIModelList,
)
from protocols.rest_models import SSE, sse_event_schema
from serve_app.compat.targets import TARGETS, Answer, Conversation, Target, TargetKind
from serve_app.compat.tool_calls import invalid
from serve_app.compat.translate import SSE_DONE, AnswerShape, Delta, Finish, Piece, sse
from serve_app.deps import SettingsDep, actor_ref
from serve_app.errors import as_platform_error, openai_error, styled_errors
from serve_app.routers.models import model_call, needs_ollama

router = APIRouter(
    prefix="/v1",
    tags=["openai"],
    route_class=styled_errors(openai_error),
    responses={"default": {"model": OpenAIErrorBody, "description": "OpenAI's error shape"}},
)
log = logging.getLogger(__name__)
_CONVERSATION_ID = re.compile(CONVERSATION_ID_PATTERN)
STREAMED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "one chat.completion (stream false), else server-sent chat.completion.chunk events",
        "content": {SSE: {"schema": sse_event_schema("one chat.completion.chunk as JSON, then [DONE]")}},
    }
}


def conversation_of(request: Request, body: OpenAIChatRequest, settings: Settings) -> Conversation:
    """The agent conversation the client names: a conversation header, else (when configured)
    the `user` field; neither: a new conversation."""
    for header in [CONVERSATION_HEADER, *settings.compat.conversation_headers]:
        value = request.headers.get(header)
        if value:
            if not _CONVERSATION_ID.match(value):
                raise PlatformError(
                    "invalid_request",
                    f"{header}: a conversation id is 1-64 letters, digits or '_.:@-', starting with a letter or digit",
                    f"header.{header}",
                    400,
                )
            return Conversation(value, f"header.{header}")
    # `user` is also OpenAI's end-user tag: a value that cannot be an id is not one
    if settings.compat.user_is_conversation and body.user and _CONVERSATION_ID.match(body.user):
        return Conversation(body.user, "body.user")
    return Conversation()


async def _next(pieces: AsyncIterator[Piece], deadline: float) -> Piece:
    async with asyncio.timeout_at(deadline):
        return await anext(pieces)


@router.post("/chat/completions", response_model=OpenAIChatCompletion, responses=STREAMED)
async def chat_completions(request: Request, response: Response, settings: SettingsDep, body: OpenAIChatRequest) -> Any:
    """An answer from a model, an agent (`agent:<id or name>`) or a reasoning mode. An agent's
    conversation: header X-PyGent-Conversation-Id (or the `user` field), continued or created
    under that id; the answer's X-PyGent-Conversation-Id header names it."""
    name = str(body.model or settings.compat.default_model or settings.models.default_model)
    target = await TARGETS.resolve(settings, name)
    conversation = conversation_of(request, body, settings) if target.kind is TargetKind.AGENT else Conversation()
    answer = await target.open(settings, body, conversation)
    deadline = asyncio.get_running_loop().time() + target.timeout_s(settings)
    shape = AnswerShape(model=name)
    if body.stream:
        return await _streamed(answer, shape, deadline, bool(body.stream_options and body.stream_options.include_usage))
    try:
        finish: Finish | None = None
        while finish is None:
            piece = await _next(answer.pieces, deadline)
            if isinstance(piece, Delta):
                shape.texts.append(piece.text)
            else:
                finish = piece
    except BaseException:
        answer.stop()
        raise
    finally:
        await answer.pieces.aclose()
    response.headers.update(answer.headers)
    return shape.completion(finish)


async def _streamed(answer: Answer, shape: AnswerShape, deadline: float, include_usage: bool) -> Any:
    # The first piece before the answer starts: a failure up to here is an HTTP error.
    try:
        first = await _next(answer.pieces, deadline)
    except BaseException:
        answer.stop()
        await answer.pieces.aclose()
        raise

    async def events() -> AsyncIterator[str]:
        piece: Piece = first
        ended = False
        try:
            yield sse(shape.first_chunk())
            while True:
                if isinstance(piece, Finish):
                    if piece.tool_calls:
                        yield sse(shape.tool_calls_chunk(piece.tool_calls))
                    yield sse(shape.finish_chunk(piece))
                    if include_usage:
                        yield sse(shape.usage_chunk(piece))
                    yield SSE_DONE
                    ended = True
                    return
                if piece.text:
                    yield sse(shape.text_chunk(piece.text))
                piece = await _next(answer.pieces, deadline)
        except Exception as exc:  # mid-answer: OpenAI's error event, then the stream ends
            ended = True
            _, body = openai_error(_mid_stream(exc))
            yield sse(body)
        finally:
            if not ended:  # the client went away: stop generating now
                answer.stop()
            with contextlib.suppress(BaseException):
                await answer.pieces.aclose()

    headers = {**answer.headers, "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type=SSE, headers=headers)


def _mid_stream(exc: Exception) -> PlatformError:
    if isinstance(exc, TimeoutError):
        return PlatformError("timeout", "the answer took longer than allowed and was stopped", None, 504)
    found = as_platform_error(exc)
    if found is None:
        log.error("/v1/chat/completions failed mid-stream", exc_info=exc)
        return PlatformError("internal_error", f"internal error ({type(exc).__name__})", None, 500)
    return found


# ---- models --------------------------------------------------------------------------------


@router.get("/models", response_model=OpenAIModelList)
async def list_models(settings: SettingsDep) -> OpenAIModelList:
    """Models (embedded, Ollama's, the embedder), agents (`agent:...`) and reasoning modes."""
    return OpenAIModelList(data=await TARGETS.listing(settings))


@router.get("/models/{model:path}", response_model=OpenAIModel)
async def get_model(settings: SettingsDep, model: str = Path(min_length=1, max_length=200)) -> OpenAIModel:
    kind = TARGETS.kind_of(model)
    for listed in await kind.listing(settings):
        if listed.id == model:
            return listed
    if kind.kind is TargetKind.AGENT:  # listed by name, asked by id
        target: Target = await kind.resolve(settings, model)
        return OpenAIModel(id=target.name, owned_by=kind.owned_by)
    raise ModelError(ModelErrorCode.MODEL_NOT_FOUND, f"the model '{model}' does not exist", None, 404)


# ---- embeddings ----------------------------------------------------------------------------


def _texts(body: OpenAIEmbeddingRequest) -> list[str]:
    texts = [body.input] if isinstance(body.input, str) else body.input
    if not texts:
        raise invalid("input", "input: give at least one text")
    if not all(isinstance(t, str) for t in texts):
        raise invalid("input", "input: token arrays are not supported; send the texts")
    return list(texts)  # type: ignore[arg-type]


def _encoded(vector: list[float], encoding: str) -> list[float] | str:
    if encoding == "base64":  # little-endian float32, as OpenAI sends it
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
    return vector


@router.post("/embeddings", response_model=OpenAIEmbeddingList)
async def embeddings(settings: SettingsDep, body: OpenAIEmbeddingRequest) -> OpenAIEmbeddingList:
    """Vectors from the platform's embedder (`all-minilm-l6-v2`, 384 dimensions; the default)
    or, for other names, from Ollama."""
    texts = _texts(body)
    name = body.model or settings.embeddings.name
    tokens: int | None
    answer: dict[str, Any]
    if name == settings.embeddings.name:
        embedder = actor_ref(settings, embedder_address(name))
        answer, tokens = await asyncio.gather(
            model_call(embedder, "embed", texts), model_call(embedder, "count_tokens", texts)
        )
        vectors = answer["embeddings"]
    elif settings.ollama.host:
        answer = await model_call(needs_ollama(settings, f"embedding with '{name}'"), "embed_counted", name, texts)
        vectors, tokens = answer["embeddings"], answer.get("prompt_eval_count")
    else:
        raise ModelError(
            ModelErrorCode.MODEL_NOT_FOUND,
            f"no embedding model '{name}' (available: {settings.embeddings.name}; no Ollama is configured)",
            Backend.EMBEDDED,
            404,
        )
    if body.dimensions is not None and vectors and body.dimensions != len(vectors[0]):
        raise invalid("dimensions", f"dimensions: '{name}' gives {len(vectors[0])} dimensions, not {body.dimensions}")
    return OpenAIEmbeddingList(
        data=[
            OpenAIEmbedding(index=i, embedding=_encoded(vector, body.encoding_format))
            for i, vector in enumerate(vectors)
        ],
        model=name,
        usage=OpenAIEmbeddingUsage(prompt_tokens=tokens or 0, total_tokens=tokens or 0),
    )


# ---- anything else under /v1 ------------------------------------------------------------------


@router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
async def unknown(request: Request, path: str) -> Response:
    """OpenAI's 404 for what this API does not have (not the web UI's page)."""
    raise PlatformError("unknown_url", f"Unrecognized request URL ({request.method} /v1/{path})", None, 404)
