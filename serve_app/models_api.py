"""/api/v1/ollama/* (Ollama's own API shapes) and /api/v1/models/* (performance, ratings, advice).

A model name picks its backend: the names of configs `models.embedded` go to the
embedded llama.cpp pool at `model/<name>`; any other name goes to Ollama at
`ollama/main` when a host is configured. Streaming answers are NDJSON (one JSON
object a line, as Ollama does), or Server-Sent Events when the client sends
`Accept: text/event-stream`. A client that goes away stops the generation.

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import ray
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from ray.exceptions import RayActorError, RayTaskError

from actors.models.catalog import configured_model, local_models
from actors.models.recommend import Recommender
from actors.refs import await_ref
from configs.settings import Settings
from protocols.addresses import OLLAMA, STORE
from protocols.model_stats import (
    ModelEntry,
    ModelPerformance,
    RatingRequest,
    RecommendationRequest,
    RecommendationResponse,
)
from protocols.models import (
    Backend,
    ChatRequest,
    EmbedRequest,
    GenerateRequest,
    ModelError,
    ModelErrorCode,
)
from serve_app.lookup import actor_or_none, settings_of

router = APIRouter()
OLLAMA_TAG = "ollama"
MODELS_TAG = "models"
TIMEOUT_S = 30.0


class PullRequest(BaseModel):
    model: str | None = Field(None, min_length=1, max_length=200)
    name: str | None = Field(None, min_length=1, max_length=200, description="alias of model (older Ollama)")
    stream: bool = True

    def target(self) -> str:
        name = self.model or self.name
        if not name:
            raise ModelError(ModelErrorCode.INVALID_REQUEST, "give the model to pull in 'model'")
        return name


class CreateRequest(BaseModel):
    model: str = Field(min_length=1, max_length=200)
    from_: str = Field(alias="from", min_length=1, max_length=200)
    system: str | None = Field(None, max_length=50_000)
    stream: bool = True


def _error(exc: ModelError) -> JSONResponse:
    return JSONResponse(status_code=exc.status, content=exc.to_dict())


def unwrap(exc: BaseException) -> BaseException:
    while isinstance(exc, RayTaskError) and getattr(exc, "cause", None) is not None:
        exc = exc.cause  # type: ignore[assignment]
    return exc


def as_model_error(exc: BaseException, address: str) -> ModelError:
    exc = unwrap(exc)
    if isinstance(exc, ModelError):
        return exc
    if isinstance(exc, RayActorError):
        return ModelError(ModelErrorCode.WORKER_CRASHED, f"{address} died during this request; retry", None, 503)
    if isinstance(exc, TimeoutError):
        return ModelError(ModelErrorCode.TIMEOUT, f"{address} did not answer in time", None, 504)
    if isinstance(exc, ValueError):
        return ModelError(ModelErrorCode.INVALID_REQUEST, str(exc).splitlines()[0], None, 422)
    return ModelError(ModelErrorCode.GENERATION_FAILED, f"{type(exc).__name__}: {exc}".splitlines()[0], None, 500)


def resolve(settings: Settings, model: str) -> tuple[Backend, str]:
    """The backend and the address serving `model`, or MODEL_NOT_FOUND naming what exists."""
    if configured_model(model, settings) is not None:
        return Backend.EMBEDDED, f"model/{model}"
    if settings.ollama.host:
        return Backend.OLLAMA, OLLAMA
    names = ", ".join(m.name for m in settings.models.embedded) or "none"
    raise ModelError(
        ModelErrorCode.MODEL_NOT_FOUND,
        f"model '{model}' is not an embedded model (available: {names}) and no Ollama is configured "
        "(set PYGENT_OLLAMA_HOST)",
        Backend.EMBEDDED,
        404,
    )


def _needs_ollama(settings: Settings, what: str) -> Any:
    actor = actor_or_none(settings, OLLAMA) if settings.ollama.host else None
    if actor is None:
        raise ModelError(
            ModelErrorCode.NOT_SUPPORTED,
            f"{what} needs Ollama (set PYGENT_OLLAMA_HOST); the embedded backend serves the GGUF files "
            "listed in configs models.embedded",
            Backend.EMBEDDED,
            400,
        )
    return actor


async def _stream(request: Request, refs: Any, address: str, shape: str = "chat") -> StreamingResponse | JSONResponse:
    """Relay a Ray streaming generator as NDJSON or SSE. An error before the first chunk is
    an HTTP error; after it, a last line `{"error": ..., "code": ...}` (Ollama's way)."""
    iterator = refs.__aiter__()
    try:
        first = await (await iterator.__anext__())
    except StopAsyncIteration:
        first = None
    except Exception as exc:
        with contextlib.suppress(Exception):
            ray.cancel(refs)
        return _error(as_model_error(exc, address))
    sse = "text/event-stream" in request.headers.get("accept", "")

    def frame(obj: dict[str, Any]) -> str:
        if shape == "generate" and "message" in obj:
            obj = {**{k: v for k, v in obj.items() if k != "message"}, "response": obj["message"]["content"]}
        text = json.dumps(obj, separators=(",", ":"))
        return f"data: {text}\n\n" if sse else text + "\n"

    async def body() -> AsyncIterator[str]:
        finished = False
        try:
            if first is not None:
                yield frame(first)
            async for ref in iterator:
                try:
                    chunk = await ref
                except Exception as exc:
                    yield frame(
                        {"error": as_model_error(exc, address).message, "code": as_model_error(exc, address).code.value}
                    )
                    finished = True
                    return
                yield frame(chunk)
            finished = True
        finally:
            if not finished:  # the client went away: stop generating now
                with contextlib.suppress(Exception):
                    ray.cancel(refs)

    media = "text/event-stream" if sse else "application/x-ndjson"
    return StreamingResponse(body(), media_type=media)


async def _call(ref: Any, address: str, timeout_s: float = TIMEOUT_S) -> Any:
    import asyncio

    try:
        return await asyncio.wait_for(await_ref(ref), timeout_s)
    except Exception as exc:
        raise as_model_error(exc, address) from None


# ---- /ollama ---------------------------------------------------------------------------------


@router.get("/ollama/status", tags=[OLLAMA_TAG])
async def ollama_status(request: Request) -> dict[str, Any]:
    """Both backends: the embedded workers and whether Ollama is reachable."""
    settings = settings_of(request)
    embedded = []
    for model in settings.models.embedded:
        router_actor = actor_or_none(settings, f"model/{model.name}")
        status: dict[str, Any] = {"model": model.name, "state": "unavailable"}
        if router_actor is not None:
            with contextlib.suppress(Exception):
                status = await _call(router_actor.status.remote(), f"model/{model.name}", 10.0)
                status["state"] = "ok" if any(w.get("loaded") for w in status.get("workers", [])) else "loading"
        embedded.append(status)
    ollama: dict[str, Any] = {"configured": bool(settings.ollama.host), "host": settings.ollama.host}
    if settings.ollama.host:
        actor = actor_or_none(settings, OLLAMA)
        if actor is None:
            ollama.update(reachable=False, error="the Ollama worker is restarting")
        else:
            with contextlib.suppress(Exception):
                ollama.update(await _call(actor.status.remote(), OLLAMA, 10.0))
    return {"embedded": embedded, "ollama": ollama}


@router.get("/ollama/models", tags=[OLLAMA_TAG])
async def ollama_models(request: Request) -> dict[str, Any]:
    """Every model either backend can serve, in Ollama's /api/tags shape plus `backend`."""
    settings = settings_of(request)
    models = [m.model_dump(mode="json", exclude_none=True) for m in local_models(settings)]
    errors = {}
    if settings.ollama.host:
        try:
            models += await _call(_needs_ollama(settings, "listing Ollama models").list_models.remote(), OLLAMA)
        except ModelError as exc:
            errors["ollama"] = exc.to_dict()
    return {"models": models, "errors": errors}


@router.get("/ollama/models/{name}/info", tags=[OLLAMA_TAG])
async def ollama_model_info(request: Request, name: str = Path(min_length=1, max_length=200)) -> dict[str, Any]:
    settings = settings_of(request)
    backend, _ = resolve(settings, name)
    if backend is Backend.EMBEDDED:
        info = next(m for m in local_models(settings) if m.name == name)
        config = configured_model(name, settings)
        return {**info.model_dump(mode="json"), "parameters": config.model_dump() if config else {}}
    return dict(await _call(_needs_ollama(settings, "model info").info.remote(name), OLLAMA))


@router.post("/ollama/models/pull", tags=[OLLAMA_TAG])
async def ollama_pull(request: Request, body: PullRequest) -> Any:
    """Pull a model into Ollama, streaming progress (also published on the `models` topic
    as `model_pull_progress` events)."""
    settings = settings_of(request)
    name = body.target()
    actor = _needs_ollama(settings, "pulling models")
    refs = actor.pull.remote(name)
    if body.stream:
        return await _stream(request, refs, OLLAMA, shape="progress")
    last: dict[str, Any] = {}
    async for ref in refs:
        last = await _call(ref, OLLAMA, settings.ollama.timeout_s)
    return last


@router.post("/ollama/models/create", tags=[OLLAMA_TAG])
async def ollama_create(request: Request, body: CreateRequest) -> Any:
    settings = settings_of(request)
    actor = _needs_ollama(settings, "creating models")
    refs = actor.create.remote(body.model, body.from_, body.system)
    if body.stream:
        return await _stream(request, refs, OLLAMA, shape="progress")
    last: dict[str, Any] = {}
    async for ref in refs:
        last = await _call(ref, OLLAMA, settings.ollama.timeout_s)
    return last


@router.delete("/ollama/models/{name}", tags=[OLLAMA_TAG])
async def ollama_delete(request: Request, name: str = Path(min_length=1, max_length=200)) -> dict[str, Any]:
    settings = settings_of(request)
    if configured_model(name, settings) is not None:
        raise ModelError(
            ModelErrorCode.NOT_SUPPORTED,
            f"'{name}' is an embedded model: remove it from configs models.embedded instead; "
            "deleting models needs Ollama",
            Backend.EMBEDDED,
            400,
        )
    actor = _needs_ollama(settings, "deleting models")
    return dict(await _call(actor.delete.remote(name), OLLAMA))


@router.post("/ollama/chat", tags=[OLLAMA_TAG])
async def ollama_chat(request: Request, body: ChatRequest, task_kind: str | None = Query(None, max_length=100)) -> Any:
    """Ollama's /api/chat: `stream: true` (default) answers NDJSON chunks, else one object."""
    settings = settings_of(request)
    _, address = resolve(settings, body.model)
    actor = actor_or_none(settings, address)
    if actor is None:
        raise ModelError(ModelErrorCode.BACKEND_UNAVAILABLE, f"{address} is restarting; retry", None, 503)
    if body.stream:
        return await _stream(request, actor.chat_stream.remote(body.model_dump(mode="json"), task_kind), address)
    return await _call(
        actor.chat.remote(body.model_dump(mode="json"), task_kind), address, settings.models.request_timeout_s
    )


@router.post("/ollama/generate", tags=[OLLAMA_TAG])
async def ollama_generate(
    request: Request, body: GenerateRequest, task_kind: str | None = Query(None, max_length=100)
) -> Any:
    """Ollama's /api/generate: a prompt (and optional system) in, `response` text out."""
    settings = settings_of(request)
    backend, address = resolve(settings, body.model)
    actor = actor_or_none(settings, address)
    if actor is None:
        raise ModelError(ModelErrorCode.BACKEND_UNAVAILABLE, f"{address} is restarting; retry", None, 503)
    if backend is Backend.OLLAMA:
        refs = actor.generate_stream.remote(body.model_dump(mode="json"), task_kind)
    else:
        refs = actor.chat_stream.remote(body.as_chat().model_dump(mode="json"), task_kind)
    if body.stream:
        return await _stream(request, refs, address, shape="generate")
    text: list[str] = []
    final: dict[str, Any] = {}
    async for ref in refs:
        chunk = await _call(ref, address, settings.models.request_timeout_s)
        if chunk.get("done"):
            final = chunk
        else:
            text.append(chunk["message"]["content"])
    final.pop("message", None)
    return {**final, "response": "".join(text)}


@router.post("/ollama/embed", tags=[OLLAMA_TAG])
async def ollama_embed(request: Request, body: EmbedRequest) -> dict[str, Any]:
    """Embeddings: the platform's embedder for its own model name, else Ollama's embed."""
    settings = settings_of(request)
    texts = body.texts()
    if body.model == settings.embeddings.name:
        address = f"embedder/{settings.embeddings.name}"
        actor = actor_or_none(settings, address)
        if actor is None:
            raise ModelError(ModelErrorCode.BACKEND_UNAVAILABLE, f"{address} is restarting; retry", None, 503)
        answer = await _call(actor.embed.remote(texts), address)
        return {"model": body.model, "embeddings": answer["embeddings"]}
    actor = _needs_ollama(settings, f"embedding with '{body.model}'")
    return {"model": body.model, "embeddings": await _call(actor.embed.remote(body.model, texts), OLLAMA)}


@router.get("/ollama/metrics", tags=[OLLAMA_TAG])
async def ollama_metrics(request: Request) -> dict[str, Any]:
    """Per-model performance from the recorded calls, and the live state of the workers."""
    settings = settings_of(request)
    status = await ollama_status(request)
    return {"models": await _performance(settings), "backends": status}


# ---- /models ---------------------------------------------------------------------------------


def _store(settings: Settings) -> Any:
    """The store actor, or a 503 while it restarts."""
    store = actor_or_none(settings, STORE)
    if store is None:
        raise ModelError(ModelErrorCode.BACKEND_UNAVAILABLE, "the store is restarting; retry", None, 503)
    return store


async def _performance(settings: Settings, model: str | None = None, task_kind: str | None = None) -> list[Any]:
    store = _store(settings)
    return list(await _call(store.model_performance.remote(model, task_kind), STORE))


def _available(settings: Settings) -> dict[str, str]:
    return {m.name: Backend.EMBEDDED.value for m in settings.models.embedded}


@router.get("/models", tags=[MODELS_TAG])
async def models_list(request: Request) -> dict[str, Any]:
    """Models that can serve now and those with recorded data, with their performance."""
    settings = settings_of(request)
    perf = {p["model"]: p for p in await _performance(settings)}
    store = actor_or_none(settings, STORE)
    entries = await _call(store.model_entries.remote(), STORE) if store else []
    names = sorted(set(perf) | set(_available(settings)) | {e["name"] for e in entries})
    tracked = {e["name"]: e for e in entries}
    return {
        "models": [
            {"name": n, "available": n in _available(settings), "entry": tracked.get(n), "performance": perf.get(n)}
            for n in names
        ]
    }


@router.get("/models/stats/summary", tags=[MODELS_TAG])
async def models_summary(request: Request) -> dict[str, Any]:
    """Totals over all recorded calls, per backend, and the busiest models."""
    rows = [ModelPerformance.model_validate(p) for p in await _performance(settings_of(request))]
    by_backend: dict[str, dict[str, Any]] = {}
    for row in rows:
        agg = by_backend.setdefault(row.backend, {"calls": 0, "completion_tokens": 0, "errors": 0})
        agg["calls"] += row.calls
        agg["completion_tokens"] += row.completion_tokens
        agg["errors"] += row.errors
    calls = sum(r.calls for r in rows)
    return {
        "models": len(rows),
        "calls": calls,
        "errors": sum(r.errors for r in rows),
        "cancelled": sum(r.cancelled for r in rows),
        "prompt_tokens": sum(r.prompt_tokens for r in rows),
        "completion_tokens": sum(r.completion_tokens for r in rows),
        "success_rate": (sum(r.ok for r in rows) / calls) if calls else None,
        "by_backend": by_backend,
        "busiest": [r.model for r in sorted(rows, key=lambda r: r.calls, reverse=True)[:5]],
    }


@router.post("/models/recommendations", response_model=RecommendationResponse, tags=[MODELS_TAG])
async def models_recommendations(request: Request, body: RecommendationRequest) -> Any:
    """Which model for a kind of task, ranked from the recorded calls and ratings."""
    settings = settings_of(request)
    overall = [ModelPerformance.model_validate(p) for p in await _performance(settings)]
    by_task = [ModelPerformance.model_validate(p) for p in await _performance(settings, None, body.task_kind)]
    available = _available(settings)
    if settings.ollama.host:
        with contextlib.suppress(ModelError):
            for m in await _call(_needs_ollama(settings, "").list_models.remote(), OLLAMA):
                available[m["name"]] = Backend.OLLAMA.value
    ranked = Recommender().recommend(body, overall, by_task, available)
    return RecommendationResponse(task_kind=body.task_kind, recommendations=ranked)


@router.post("/models", tags=[MODELS_TAG])
async def models_upsert(request: Request, body: ModelEntry) -> dict[str, Any]:
    """Create or update a tracked model entry (what it is for)."""
    settings = settings_of(request)
    store = _store(settings)
    return dict(await _call(store.upsert_model_entry.remote(body.model_dump(mode="json")), STORE))


@router.get("/models/{name}", tags=[MODELS_TAG])
async def models_get(request: Request, name: str = Path(min_length=1, max_length=200)) -> Any:
    """One model's recorded performance (overall, and by task kind when asked)."""
    settings = settings_of(request)
    rows = await _performance(settings, name)
    if not rows and name not in _available(settings):
        raise ModelError(ModelErrorCode.MODEL_NOT_FOUND, f"no model '{name}' and no data recorded for it", None, 404)
    return rows[0] if rows else ModelPerformance(model=name, backend=Backend.EMBEDDED.value).model_dump()


@router.get("/models/{name}/performance", tags=[MODELS_TAG])
async def models_performance(
    request: Request,
    name: str = Path(min_length=1, max_length=200),
    task_kind: str | None = Query(None, max_length=100),
) -> Any:
    settings = settings_of(request)
    rows = await _performance(settings, name, task_kind)
    if not rows and name not in _available(settings):
        raise ModelError(ModelErrorCode.MODEL_NOT_FOUND, f"no model '{name}' and no data recorded for it", None, 404)
    return rows[0] if rows else ModelPerformance(model=name, backend=Backend.EMBEDDED.value, task_kind=task_kind)


@router.post("/models/{name}/rate", tags=[MODELS_TAG])
async def models_rate(request: Request, body: RatingRequest, name: str = Path(min_length=1, max_length=200)) -> Any:
    """A user's rating (1-5) of a model, optionally for a task kind."""
    settings = settings_of(request)
    store = _store(settings)
    rating_id = await _call(store.rate_model.remote(name, body.model_dump(mode="json")), STORE)
    return {"id": rating_id, "model": name, **body.model_dump()}


@router.delete("/models/{name}", tags=[MODELS_TAG])
async def models_delete(request: Request, name: str = Path(min_length=1, max_length=200)) -> Any:
    """Stop tracking a model: its entry, ratings and recorded calls."""
    settings = settings_of(request)
    store = _store(settings)
    if not await _call(store.delete_model_entry.remote(name), STORE):
        raise ModelError(ModelErrorCode.MODEL_NOT_FOUND, f"nothing is tracked for model '{name}'", None, 404)
    return {"deleted": name}
