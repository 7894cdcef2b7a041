"""Where the embedded models are: GGUF files in configured folders and in installed packages.

Packages are located with importlib's finder, never imported (a model package may
import heavy things, or nothing useful, at import time).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from configs.settings import EmbeddedModelConfig, Settings
from protocols.models import Backend, ModelInfo


def package_dirs(packages: list[str]) -> list[Path]:
    dirs: list[Path] = []
    for name in packages:
        spec = importlib.util.find_spec(name)
        if spec is None:
            continue
        if spec.submodule_search_locations:
            dirs.extend(Path(p) for p in spec.submodule_search_locations)
        elif spec.origin:
            dirs.append(Path(spec.origin).parent)
    return dirs


def search_dirs(settings: Settings) -> list[Path]:
    configured = [settings.resolve_path(d) for d in settings.models.gguf_dirs]
    return configured + package_dirs(settings.models.gguf_packages)


def find_gguf(file: str, settings: Settings) -> Path | None:
    """The configured model file: an absolute path, or the first match in the search dirs."""
    candidate = Path(file).expanduser()
    if candidate.is_absolute():
        return candidate if candidate.is_file() else None
    for directory in search_dirs(settings):
        found = directory / file
        if found.is_file():
            return found
        matches = sorted(directory.rglob(file))
        if matches:
            return matches[0]
    return None


def _info(name: str, path: Path, details: dict[str, object]) -> ModelInfo:
    stat = path.stat()
    return ModelInfo(
        name=name,
        model=name,
        backend=Backend.EMBEDDED,
        size=stat.st_size,
        modified_at=datetime.fromtimestamp(stat.st_mtime, UTC).isoformat().replace("+00:00", "Z"),
        details={"format": "gguf", "family": "llama.cpp", **details},
        path=str(path),
    )


def configured_model(name: str, settings: Settings) -> EmbeddedModelConfig | None:
    return next((m for m in settings.models.embedded if m.name == name), None)


def local_models(settings: Settings) -> list[ModelInfo]:
    """The configured embedded models whose files exist, then any other GGUF file found
    (listed under its file stem; serving one needs an entry in configs `models.embedded`)."""
    infos: list[ModelInfo] = []
    seen: set[Path] = set()
    for model in settings.models.embedded:
        path = find_gguf(model.file, settings)
        if path is not None:
            seen.add(path.resolve())
            infos.append(_info(model.name, path, {"configured": True, "n_ctx": model.n_ctx}))
    for directory in search_dirs(settings):
        if not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*.gguf")):
            if path.resolve() not in seen:
                seen.add(path.resolve())
                infos.append(_info(path.stem.lower(), path, {"configured": False}))
    return infos


def chat_address(settings: Settings, model: str) -> str:
    """Where a chat request for `model` goes: its router when it is an embedded model, else
    the Ollama backend when one is configured."""
    from protocols.addresses import OLLAMA, model_router_address

    if configured_model(model, settings) is not None:
        return model_router_address(model)
    if settings.ollama.host:
        return OLLAMA
    raise ValueError(f"model '{model}' is not an embedded model and no Ollama is configured")


def _canonical(name: str) -> str:
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


async def model_problem(
    settings: Settings, model: str, list_ollama: Callable[[], Awaitable[list[dict[str, Any]]]]
) -> str | None:
    """Why `model` cannot answer (None: it can): an embedded model, or one the configured
    Ollama serves (`list_ollama` asks it)."""
    if configured_model(model, settings) is not None:
        return None
    if not settings.ollama.host:
        names = ", ".join(m.name for m in settings.models.embedded) or "none"
        return f"not an embedded model (available: {names}) and no Ollama is configured"
    try:
        listed = await list_ollama()
    except Exception as exc:
        return f"Ollama could not be asked ({type(exc).__name__})"
    served = {_canonical(m.get("name", "")) for m in listed}
    if _canonical(model) not in served:
        embedded = ", ".join(m.name for m in settings.models.embedded)
        return f"not found (embedded: {embedded}; Ollama: {', '.join(sorted(served)) or 'none'})"
    return None
