"""Ollama's own paths at the root: /api/chat, /api/generate, /api/tags, /api/show, /api/embed,
/api/embeddings, /api/ps, /api/version, /api/pull, /api/create, /api/delete, so
`ollama.Client(host="http://127.0.0.1:8000")` and the tools built on Ollama's API work
unchanged. The work is the /api/v1/ollama/* routes' (serve_app/routers/models.py); these
paths add the shapes only Ollama's client needs, and Ollama's error shape
`{"error": "<message>"}` (serve_app/errors.py). Every path is spelled out (no catch-all), so
none of them can shadow /api/v1/...

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

import contextlib
import logging
from typing import Any

from fastapi import APIRouter, Query, Request

from actors.models.catalog import configured_model, local_models
from configs.settings import Settings
from protocols.addresses import OLLAMA, model_router_address
from protocols.models import Backend, ChatRequest, EmbedRequest, ModelError, ModelErrorCode
from protocols.ollama_api import (
    DeleteBody,
    LegacyEmbedding,
    LegacyEmbeddingsBody,
    OllamaVersion,
    RunningModel,
    RunningModels,
    ShowAnswer,
    ShowBody,
)
from protocols.rest_models import (
    ChatAnswer,
    CreateBody,
    Deleted,
    Embeddings,
    GenerateAnswer,
    ModelTags,
    Progress,
    streaming,
)
from serve_app.deps import SettingsDep, actor_ref
from serve_app.errors import ollama_error, styled_errors
from serve_app.routers import models
from serve_app.routers.models import EXCLUDE_UNSET, PullRequest, model_call, needs_ollama, resolve

log = logging.getLogger(__name__)

router = APIRouter(
    prefix="/api",
    tags=["ollama-native"],
    route_class=styled_errors(ollama_error),
    responses={"default": {"description": 'Ollama\'s error shape: {"error": "<message>"}'}},
)


class NativeChatRequest(ChatRequest):
    """/api/chat as Ollama's client sends it (it always sends `tools`, mostly empty)."""

    tools: list[dict[str, Any]] | None = None


@router.post("/chat", response_model=ChatAnswer, responses=streaming(ChatAnswer), **EXCLUDE_UNSET)
async def chat(
    request: Request,
    settings: SettingsDep,
    body: NativeChatRequest,
    task_kind: str | None = Query(None, max_length=100),
) -> Any:
    """Ollama's /api/chat (NDJSON chunks when `stream` is true, its default)."""
    if body.tools:
        raise ModelError(
            ModelErrorCode.INVALID_REQUEST,
            "tools are not supported on /api/chat; /v1/chat/completions takes OpenAI tools",
            None,
            400,
        )
    plain = ChatRequest.model_validate(body.model_dump(exclude={"tools"}))
    return await models.ollama_chat(request, settings, plain, task_kind)


router.add_api_route(
    "/generate",
    models.ollama_generate,
    methods=["POST"],
    response_model=GenerateAnswer,
    responses=streaming(GenerateAnswer),
    summary="Ollama's /api/generate",
    **EXCLUDE_UNSET,
)
router.add_api_route(
    "/tags", models.ollama_models, methods=["GET"], response_model=ModelTags, summary="Ollama's /api/tags"
)
router.add_api_route(
    "/embed", models.ollama_embed, methods=["POST"], response_model=Embeddings, summary="Ollama's /api/embed"
)


@router.post("/pull", response_model=Progress, responses=streaming(Progress), **EXCLUDE_UNSET)
async def pull(request: Request, settings: SettingsDep, body: PullRequest) -> Any:
    """Pull a model into Ollama (progress as NDJSON); the embedded backend cannot."""
    return await models.ollama_pull(request, settings, body)


@router.post("/create", response_model=Progress, responses=streaming(Progress), **EXCLUDE_UNSET)
async def create(request: Request, settings: SettingsDep, body: CreateBody) -> Any:
    """Create an Ollama model `from` another, with a `system` prompt."""
    return await models.ollama_create(request, settings, body)


@router.delete("/delete", response_model=Deleted, **EXCLUDE_UNSET)
async def delete(settings: SettingsDep, body: DeleteBody) -> dict[str, Any]:
    """Delete an Ollama model (an embedded one is removed from configs instead: 400)."""
    return await models.ollama_delete(settings, body.target)


@router.post("/embeddings", response_model=LegacyEmbedding)
async def legacy_embeddings(settings: SettingsDep, body: LegacyEmbeddingsBody) -> dict[str, Any]:
    """Ollama's older embeddings call: one prompt in, one vector out."""
    answer = await models.ollama_embed(settings, EmbedRequest(model=body.model, input=[body.prompt]))
    return {"embedding": answer["embeddings"][0]}


@router.get("/version", response_model=OllamaVersion)
async def version(request: Request, settings: SettingsDep) -> dict[str, Any]:
    """PyGent's version (or configs compat.ollama_version)."""
    return {"version": settings.compat.ollama_version or request.app.version}


def _embedded_info(settings: Settings, name: str) -> Any:
    found = next((m for m in local_models(settings) if m.name == name), None)
    if found is None:
        raise ModelError(
            ModelErrorCode.MODEL_NOT_FOUND, f"model '{name}': its GGUF file is not found", Backend.EMBEDDED, 404
        )
    return found


@router.post("/show", response_model=ShowAnswer)
async def show(settings: SettingsDep, body: ShowBody) -> dict[str, Any]:
    """Ollama's /api/show: an embedded model's file and parameters, or Ollama's own answer."""
    name = body.target
    backend, _ = resolve(settings, name)
    if backend is Backend.OLLAMA:
        return dict(await model_call(needs_ollama(settings, "model info"), "info", name))
    config = configured_model(name, settings)
    assert config is not None  # resolve: an embedded name is configured
    info = _embedded_info(settings, name)
    parameters = {"num_ctx": config.n_ctx}
    if config.n_threads:
        parameters["num_thread"] = config.n_threads
    return {
        "modelfile": f"FROM {info.path}\n" + "".join(f"PARAMETER {k} {v}\n" for k, v in parameters.items()),
        "parameters": "\n".join(f"{k} {v}" for k, v in parameters.items()),
        "template": "",
        "details": {"format": "gguf", "family": "llama.cpp"},
        "model_info": {"general.file": info.path, "general.size": info.size, "pygent.workers": config.workers},
        "capabilities": ["completion"],
        "modified_at": info.modified_at,
    }


@router.get("/ps", response_model=RunningModels)
async def ps(settings: SettingsDep) -> dict[str, Any]:
    """The models in memory now: embedded models a worker holds, and Ollama's."""
    running: list[dict[str, Any]] = []
    for config in settings.models.embedded:
        status: dict[str, Any] = {}
        with contextlib.suppress(Exception):
            status = await model_call(actor_ref(settings, model_router_address(config.name)), "status", timeout_s=10.0)
        if not any(w.get("loaded") for w in status.get("workers", [])):
            continue
        info = _embedded_info(settings, config.name)
        entry = RunningModel(
            name=config.name,
            model=config.name,
            size=info.size,
            size_vram=0,  # llama.cpp on the CPU
            details={"format": "gguf", "family": "llama.cpp"},
            context_length=config.n_ctx,
        )
        running.append(entry.model_dump(mode="json", exclude_none=True))
    if settings.ollama.host:
        try:
            running += await model_call(actor_ref(settings, OLLAMA), "running")
        except ModelError as exc:
            log.warning("/api/ps: Ollama's running models left out: %s", exc.message)
    return {"models": running}
