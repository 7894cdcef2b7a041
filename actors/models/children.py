"""Child specs of `supervisor/models`: each embedded model's workers and router, the
Ollama worker when a host is configured, the embedder."""

from __future__ import annotations

from configs.settings import Settings
from protocols.addresses import OLLAMA, embedder_address, model_router_address, model_worker_address
from protocols.supervision import ChildSpec
from supervisors.specs import worker


def child_specs(settings: Settings) -> list[ChildSpec]:
    """For each embedded model its workers, then its router at `model/<name>`; the Ollama
    worker when a host is configured; the embedder."""
    children: list[ChildSpec] = []
    for model in settings.models.embedded:
        for index in range(model.workers):
            children.append(
                worker(
                    model_worker_address(model.name, index),
                    "actors.models.worker_actor:ModelWorker",
                    settings,
                    args=(model.model_dump(),),
                )
            )
        children.append(
            worker(
                model_router_address(model.name),
                "actors.models.router_actor:ModelRouter",
                settings,
                args=(model.name, model.workers),
            )
        )
    if settings.ollama.host:
        children.append(worker(OLLAMA, "actors.models.ollama_actor:OllamaWorker", settings))
    embedder = embedder_address(settings.embeddings.name)
    children.append(worker(embedder, "actors.models.embedder_actor:Embedder", settings))
    return children
