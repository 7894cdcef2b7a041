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
from fastapi.responses import StreamingResponse

from actors.models.catalog import configured_model, local_models
from actors.models.recommend import Recommender
from configs.settings import Settings
from protocols.addresses import OLLAMA, STORE, embedder_address, model_router_address
from protocols.errors import ActorTimeout, ActorUnavailable
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
from protocols.rest_models import (
    BackendsStatus,
    ChatAnswer,
    CreateBody,
    Deleted,
    Embeddings,
    GenerateAnswer,
    ModelDeleted,
    ModelDetails,
    ModelMetrics,
    ModelsList,
    ModelsSummary,
    ModelTags,
    PerformanceRow,
    Progress,
    PullBody,
    RatingAnswer,
    TrackedModel,
    streaming,
)
from serve_app.deps import SettingsDep, actor_ref, ask
from supervisors.refs import ActorRef, unwrap

router = APIRouter()
OLLAMA_TAG = "ollama"
MODELS_TAG = "models"
TIMEOUT_S = 30.0
EXCLUDE_UNSET: dict[str, Any] = {"response_model_exclude_unset": True}


class PullRequest(PullBody):
    def target(self) -> str:
        name = self.model or self.name
        if not name:
            raise ModelError(ModelErrorCode.INVALID_REQUEST, "give the model to pull in 'model'")
        return name


CreateRequest = CreateBody


def as_model_error(exc: BaseException, address: str) -> ModelError:
    """A model route's failure in the model vocabulary (ModelError codes name the backend's
    state: a worker that died mid-request is `worker_crashed`, one that is not there
    `backend_unavailable`)."""
    exc = unwrap(exc)
    if isinstance(exc, ModelError):
        return exc
    if isinstance(exc, ActorUnavailable):
        if exc.died_during_call:
            return ModelError(ModelErrorCode.WORKER_CRASHED, f"{address} died during this request; retry", None, 503)
        return ModelError(ModelErrorCode.BACKEND_UNAVAILABLE, f"{address} is restarting; retry", None, 503)
    if isinstance(exc, ray.exceptions.RayActorError):
        return ModelError(ModelErrorCode.WORKER_CRASHED, f"{address} died during this request; retry", None, 503)
    if isinstance(exc, ActorTimeout | TimeoutError):
        return ModelError(ModelErrorCode.TIMEOUT, f"{address} did not answer in time", None, 504)
    if isinstance(exc, ValueError):
        return ModelError(ModelErrorCode.INVALID_REQUEST, str(exc).splitlines()[0], None, 422)
    return ModelError(ModelErrorCode.GENERATION_FAILED, f"{type(exc).__name__}: {exc}".splitlines()[0], None, 500)


def resolve(settings: Settings, model: str) -> tuple[Backend, str]:
    """The backend and the address serving `model`, or MODEL_NOT_FOUND naming what exists."""
    if configured_model(model, settings) is not None:
        return Backend.EMBEDDED, model_router_address(model)
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


def needs_ollama(settings: Settings, what: str) -> ActorRef:
    """The Ollama worker; NOT_SUPPORTED when no Ollama is configured."""
    if not settings.ollama.host:
        raise ModelError(
            ModelErrorCode.NOT_SUPPORTED,
            f"{what} needs Ollama (set PYGENT_OLLAMA_HOST); the embedded backend serves the GGUF files "
            "listed in configs models.embedded",
            Backend.EMBEDDED,
            400,
        )
    return actor_ref(settings, OLLAMA)


async def _handle(ref: ActorRef) -> Any:
    """The raw handle for a streaming call; BACKEND_UNAVAILABLE while it restarts."""
    try:
        return await ref.resolve_live(wait_s=0)
    except ActorUnavailable as exc:
        raise as_model_error(exc, ref.address) from None


async def _stream(request: Request, refs: Any, address: str, shape: str = "chat") -> StreamingResponse:
    """Relay a Ray streaming generator as NDJSON or SSE. An error before the first chunk is
    an HTTP error (raised: the route's error shape renders it); after it, a last line
    `{"error": ..., "code": ...}` (Ollama's way)."""
    iterator = refs.__aiter__()
    try:
        first = await (await iterator.__anext__())
    except StopAsyncIteration:
        first = None
    except Exception as exc:
        with contextlib.suppress(Exception):
            ray.cancel(refs)
        raise as_model_error(exc, address) from None
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
                    error = as_model_error(exc, address)
                    yield frame({"error": error.message, "code": error.code.value})
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


async def model_call(ref: ActorRef, method: str, *args: Any, timeout_s: float = TIMEOUT_S) -> Any:
    """`method(*args)` on a model actor; a failure in the model vocabulary (as_model_error)."""
    try:
        return await ask(ref, method, *args, timeout_s=timeout_s, wait_s=0)
    except Exception as exc:
        raise as_model_error(exc, ref.address) from None


async def _next(ref: Any, address: str, timeout_s: float) -> Any:
    """One item of a streaming generator, in the model vocabulary on failure."""
    import asyncio

    try:
        return await asyncio.wait_for(_await(ref), timeout_s)
    except Exception as exc:
        raise as_model_error(exc, address) from None


async def _await(ref: Any) -> Any:
    return await ref


# ---- /ollama ---------------------------------------------------------------------------------


@router.get("/ollama/status", tags=[OLLAMA_TAG], response_model=BackendsStatus)
async def ollama_status(settings: SettingsDep) -> dict[str, Any]:
    """Both backends: the embedded workers and whether Ollama is reachable."""
    embedded = []
    for model in settings.models.embedded:
        address = model_router_address(model.name)
        status: dict[str, Any] = {"model": model.name, "state": "unavailable"}
        with contextlib.suppress(Exception):
            status = await model_call(actor_ref(settings, address), "status", timeout_s=10.0)
            status["state"] = "ok" if any(w.get("loaded") for w in status.get("workers", [])) else "loading"
        embedded.append(status)
    ollama: dict[str, Any] = {"configured": bool(settings.ollama.host), "host": settings.ollama.host}
    if settings.ollama.host:
        worker = actor_ref(settings, OLLAMA)
        if worker.try_handle() is None:
            ollama.update(reachable=False, error="the Ollama worker is restarting")
        else:
            with contextlib.suppress(Exception):
                ollama.update(await model_call(worker, "status", timeout_s=10.0))
    return {"embedded": embedded, "ollama": ollama}


@router.get("/ollama/models", tags=[OLLAMA_TAG], response_model=ModelTags)
async def ollama_models(settings: SettingsDep) -> dict[str, Any]:
    """Every model either backend can serve, in Ollama's /api/tags shape plus `backend`."""
    models = [m.model_dump(mode="json", exclude_none=True) for m in local_models(settings)]
    errors = {}
    if settings.ollama.host:
        try:
            models += await model_call(needs_ollama(settings, "listing Ollama models"), "list_models")
        except ModelError as exc:
            errors["ollama"] = exc.to_dict()
    return {"models": models, "errors": errors}


@router.get("/ollama/models/{name}/info", tags=[OLLAMA_TAG], response_model=ModelDetails)
async def ollama_model_info(settings: SettingsDep, name: str = Path(min_length=1, max_length=200)) -> dict[str, Any]:
    backend, _ = resolve(settings, name)
    if backend is Backend.EMBEDDED:
        info = next(m for m in local_models(settings) if m.name == name)
        config = configured_model(name, settings)
        return {**info.model_dump(mode="json"), "parameters": config.model_dump() if config else {}}
    return dict(await model_call(needs_ollama(settings, "model info"), "info", name))


async def _progress(request: Request, settings: Settings, refs: Any, stream: bool) -> Any:
    if stream:
        return await _stream(request, refs, OLLAMA, shape="progress")
    last: dict[str, Any] = {}
    async for ref in refs:
        last = await _next(ref, OLLAMA, settings.ollama.timeout_s)
    return last


@router.post(
    "/ollama/models/pull", tags=[OLLAMA_TAG], response_model=Progress, responses=streaming(Progress), **EXCLUDE_UNSET
)
async def ollama_pull(request: Request, settings: SettingsDep, body: PullRequest) -> Any:
    """Pull a model into Ollama, streaming progress (also published on the `models` topic
    as `model_pull_progress` events)."""
    name = body.target()
    actor = await _handle(needs_ollama(settings, "pulling models"))
    return await _progress(request, settings, actor.pull.remote(name), body.stream)


@router.post(
    "/ollama/models/create", tags=[OLLAMA_TAG], response_model=Progress, responses=streaming(Progress), **EXCLUDE_UNSET
)
async def ollama_create(request: Request, settings: SettingsDep, body: CreateRequest) -> Any:
    actor = await _handle(needs_ollama(settings, "creating models"))
    return await _progress(request, settings, actor.create.remote(body.model, body.from_, body.system), body.stream)


@router.delete("/ollama/models/{name}", tags=[OLLAMA_TAG], response_model=Deleted, **EXCLUDE_UNSET)
async def ollama_delete(settings: SettingsDep, name: str = Path(min_length=1, max_length=200)) -> dict[str, Any]:
    if configured_model(name, settings) is not None:
        raise ModelError(
            ModelErrorCode.NOT_SUPPORTED,
            f"'{name}' is an embedded model: remove it from configs models.embedded instead; "
            "deleting models needs Ollama",
            Backend.EMBEDDED,
            400,
        )
    return dict(await model_call(needs_ollama(settings, "deleting models"), "delete", name))


@router.post(
    "/ollama/chat", tags=[OLLAMA_TAG], response_model=ChatAnswer, responses=streaming(ChatAnswer), **EXCLUDE_UNSET
)
async def ollama_chat(
    request: Request, settings: SettingsDep, body: ChatRequest, task_kind: str | None = Query(None, max_length=100)
) -> Any:
    """Ollama's /api/chat: `stream: true` (default) answers NDJSON chunks, else one object."""
    _, address = resolve(settings, body.model)
    worker = actor_ref(settings, address)
    if body.stream:
        actor = await _handle(worker)
        return await _stream(request, actor.chat_stream.remote(body.model_dump(mode="json"), task_kind), address)
    await _handle(worker)
    return await model_call(
        worker, "chat", body.model_dump(mode="json"), task_kind, timeout_s=settings.models.request_timeout_s
    )


@router.post(
    "/ollama/generate",
    tags=[OLLAMA_TAG],
    response_model=GenerateAnswer,
    responses=streaming(GenerateAnswer),
    **EXCLUDE_UNSET,
)
async def ollama_generate(
    request: Request, settings: SettingsDep, body: GenerateRequest, task_kind: str | None = Query(None, max_length=100)
) -> Any:
    """Ollama's /api/generate: a prompt (and optional system) in, `response` text out."""
    backend, address = resolve(settings, body.model)
    actor = await _handle(actor_ref(settings, address))
    if backend is Backend.OLLAMA:
        refs = actor.generate_stream.remote(body.model_dump(mode="json"), task_kind)
    else:
        refs = actor.chat_stream.remote(body.as_chat().model_dump(mode="json"), task_kind)
    if body.stream:
        return await _stream(request, refs, address, shape="generate")
    text: list[str] = []
    final: dict[str, Any] = {}
    async for ref in refs:
        chunk = await _next(ref, address, settings.models.request_timeout_s)
        if chunk.get("done"):
            final = chunk
        else:
            text.append(chunk["message"]["content"])
    final.pop("message", None)
    return {**final, "response": "".join(text)}


@router.post("/ollama/embed", tags=[OLLAMA_TAG], response_model=Embeddings)
async def ollama_embed(settings: SettingsDep, body: EmbedRequest) -> dict[str, Any]:
    """Embeddings: the platform's embedder for its own model name, else Ollama's embed."""
    texts = body.texts()
    if body.model == settings.embeddings.name:
        embedder = actor_ref(settings, embedder_address(settings.embeddings.name))
        await _handle(embedder)
        answer = await model_call(embedder, "embed", texts)
        return {"model": body.model, "embeddings": answer["embeddings"]}
    ollama = needs_ollama(settings, f"embedding with '{body.model}'")
    return {"model": body.model, "embeddings": await model_call(ollama, "embed", body.model, texts)}


@router.get("/ollama/metrics", tags=[OLLAMA_TAG], response_model=ModelMetrics)
async def ollama_metrics(settings: SettingsDep) -> dict[str, Any]:
    """Per-model performance from the recorded calls, and the live state of the workers."""
    status = await ollama_status(settings)
    return {"models": await _performance(settings), "backends": status}


# ---- /models ---------------------------------------------------------------------------------


async def _store(settings: Settings) -> ActorRef:
    """The store, or a 503 while it restarts."""
    store = actor_ref(settings, STORE)
    if store.try_handle() is None:
        raise ModelError(ModelErrorCode.BACKEND_UNAVAILABLE, "the store is restarting; retry", None, 503)
    return store


async def _performance(settings: Settings, model: str | None = None, task_kind: str | None = None) -> list[Any]:
    return list(await model_call(await _store(settings), "model_performance", model, task_kind))


def _available(settings: Settings) -> dict[str, str]:
    """The generation models (what a recommendation may pick)."""
    return {m.name: Backend.EMBEDDED.value for m in settings.models.embedded}


def _serving(settings: Settings) -> dict[str, str]:
    """Every model that serves now: the generation models and the embedder, whose calls
    are recorded under `embeddings.name` (it was listed as unavailable while serving)."""
    return {**_available(settings), settings.embeddings.name: settings.embeddings.backend}


@router.get("/models", tags=[MODELS_TAG], response_model=ModelsList)
async def models_list(settings: SettingsDep) -> dict[str, Any]:
    """Models that can serve now and those with recorded data, with their performance."""
    perf = {p["model"]: p for p in await _performance(settings)}
    store = actor_ref(settings, STORE)
    entries = await model_call(store, "model_entries") if store.try_handle() is not None else []
    serving = _serving(settings)
    names = sorted(set(perf) | set(serving) | {e["name"] for e in entries})
    tracked = {e["name"]: e for e in entries}
    return {
        "models": [
            {"name": n, "available": n in serving, "entry": tracked.get(n), "performance": perf.get(n)} for n in names
        ]
    }


@router.get("/models/stats/summary", tags=[MODELS_TAG], response_model=ModelsSummary)
async def models_summary(settings: SettingsDep) -> dict[str, Any]:
    """Totals over all recorded calls, per backend, and the busiest models."""
    rows = [ModelPerformance.model_validate(p) for p in await _performance(settings)]
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
async def models_recommendations(settings: SettingsDep, body: RecommendationRequest) -> Any:
    """Which model for a kind of task, ranked from the recorded calls and ratings."""
    overall = [ModelPerformance.model_validate(p) for p in await _performance(settings)]
    by_task = [ModelPerformance.model_validate(p) for p in await _performance(settings, None, body.task_kind)]
    available = _available(settings)
    if settings.ollama.host:
        with contextlib.suppress(ModelError):
            for m in await model_call(needs_ollama(settings, ""), "list_models"):
                available[m["name"]] = Backend.OLLAMA.value
    ranked = Recommender().recommend(body, overall, by_task, available)
    return RecommendationResponse(task_kind=body.task_kind, recommendations=ranked)


@router.post("/models", tags=[MODELS_TAG], response_model=TrackedModel, **EXCLUDE_UNSET)
async def models_upsert(settings: SettingsDep, body: ModelEntry) -> dict[str, Any]:
    """Create or update a tracked model entry (what it is for)."""
    return dict(await model_call(await _store(settings), "upsert_model_entry", body.model_dump(mode="json")))


@router.get("/models/{name}", tags=[MODELS_TAG], response_model=PerformanceRow, **EXCLUDE_UNSET)
async def models_get(settings: SettingsDep, name: str = Path(min_length=1, max_length=200)) -> Any:
    """One model's recorded performance (overall, and by task kind when asked)."""
    rows = await _performance(settings, name)
    if not rows and name not in _serving(settings):
        raise ModelError(ModelErrorCode.MODEL_NOT_FOUND, f"no model '{name}' and no data recorded for it", None, 404)
    return rows[0] if rows else ModelPerformance(model=name, backend=Backend.EMBEDDED.value).model_dump()


@router.get("/models/{name}/performance", tags=[MODELS_TAG], response_model=PerformanceRow)
async def models_performance(
    settings: SettingsDep,
    name: str = Path(min_length=1, max_length=200),
    task_kind: str | None = Query(None, max_length=100),
) -> Any:
    rows = await _performance(settings, name, task_kind)
    if not rows and name not in _serving(settings):
        raise ModelError(ModelErrorCode.MODEL_NOT_FOUND, f"no model '{name}' and no data recorded for it", None, 404)
    found = rows[0] if rows else ModelPerformance(model=name, backend=Backend.EMBEDDED.value, task_kind=task_kind)
    return found if isinstance(found, dict) else found.model_dump(mode="json")


@router.post("/models/{name}/rate", tags=[MODELS_TAG], response_model=RatingAnswer, **EXCLUDE_UNSET)
async def models_rate(
    settings: SettingsDep, body: RatingRequest, name: str = Path(min_length=1, max_length=200)
) -> Any:
    """A user's rating (1-5) of a model, optionally for a task kind."""
    rating_id = await model_call(await _store(settings), "rate_model", name, body.model_dump(mode="json"))
    return {"id": rating_id, "model": name, **body.model_dump()}


@router.delete("/models/{name}", tags=[MODELS_TAG], response_model=ModelDeleted)
async def models_delete(settings: SettingsDep, name: str = Path(min_length=1, max_length=200)) -> Any:
    """Stop tracking a model: its entry, ratings and recorded calls."""
    if not await model_call(await _store(settings), "delete_model_entry", name):
        raise ModelError(ModelErrorCode.MODEL_NOT_FOUND, f"nothing is tracked for model '{name}'", None, 404)
    return {"deleted": name}
