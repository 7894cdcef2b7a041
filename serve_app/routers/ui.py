"""What the web UI needs from the gateway: its runtime config, and index.html made to work
under any base path.

The UI is built once with relative asset URLs; at run time the gateway writes a
`<base href>` (serve.base_path) and `window.__PYGENT__` (where the API and WebSocket are)
into index.html, so client-side routes like `/pygent/system` load their assets from
`/pygent/assets/...` and call `/pygent/api/v1/...`.

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

import html
import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from configs.settings import Settings
from protocols.rest import HttpErrorCode, UiConfig
from serve_app.deps import SettingsDep
from serve_app.errors import ApiError

router = APIRouter()
UI_TAG = "ui"
_WILDCARD_HOSTS = ("0.0.0.0", "::", "")


def dashboard_url(settings: Settings, request_host: str | None) -> str | None:
    """The Ray dashboard as a browser can reach it, or None when it is off or not ours."""
    ray_settings = settings.ray
    if not ray_settings.include_dashboard or ray_settings.address:
        return None  # a joined cluster's dashboard is wherever that cluster put it
    host = ray_settings.dashboard_host
    if host in _WILDCARD_HOSTS:
        host = request_host or "127.0.0.1"
    return f"http://{host}:{ray_settings.dashboard_port}"


def pick_ui_dir(settings: Settings) -> Path:
    """The built UI when there is one, else the placeholder page. Chosen per request (one
    stat): a UI built while the platform runs is served without a restart."""
    built = settings.resolve_path(settings.serve.ui_dir)
    if (built / "index.html").is_file():
        return built
    return settings.resolve_path(settings.serve.ui_fallback_dir)


def runtime_config(settings: Settings) -> dict[str, Any]:
    return {"basePath": settings.serve.base_path + "/"}


def inline_config_script(settings: Settings) -> str:
    """The one inline script of index.html (its hash is in the CSP: serve_app/security.py)."""
    # JSON inside <script>: '<' is escaped so no value can close the tag.
    config = json.dumps(runtime_config(settings)).replace("<", "\\u003c")
    return f"window.__PYGENT__={config}"


def render_index(index: Path, settings: Settings) -> str:
    """index.html with <base href> and the runtime config put in right after <head>."""
    text = index.read_text(encoding="utf-8")
    base = html.escape(settings.serve.base_path + "/", quote=True)
    injected = f'<base href="{base}"><script>{inline_config_script(settings)}</script>'
    if "<base " in text:
        return text
    head = text.find("<head>")
    if head < 0:
        return injected + text
    return text[: head + len("<head>")] + injected + text[head + len("<head>") :]


def ui_response(ui_dir: Path, path: str, settings: Settings) -> Response:
    """A file of the built UI, or index.html for a client-side route.

    A missing file with an extension (a stale asset, a typo) answers 404: the browser
    should not get HTML where it asked for JavaScript."""
    if path:
        candidate = (ui_dir / path).resolve()
        if candidate.is_file() and candidate.is_relative_to(ui_dir.resolve()):
            # hashed asset names never change content: cache them; index.html never
            immutable = path.startswith("assets/")
            return FileResponse(
                candidate, headers={"Cache-Control": "public, max-age=31536000, immutable"} if immutable else None
            )
        if "." in path.rsplit("/", 1)[-1]:
            return Response(status_code=404, content=f"no such file: {path}", media_type="text/plain")
    return HTMLResponse(render_index(ui_dir / "index.html", settings), headers={"Cache-Control": "no-cache"})


@router.get("/ui/config", tags=[UI_TAG], response_model=UiConfig)
async def ui_config(request: Request, settings: SettingsDep) -> dict[str, Any]:
    """Runtime facts for the web UI: the base path and the Ray dashboard's address."""
    return {
        "base_path": settings.serve.base_path,
        "dashboard_url": dashboard_url(settings, request.url.hostname),
        "version": request.app.version,
    }


# The UI's own files: included last, after every API route (a catch-all path).
static_router = APIRouter(include_in_schema=False)


@static_router.get("/")
async def ui_index(settings: SettingsDep) -> Response:
    return ui_response(pick_ui_dir(settings), "", settings)


@static_router.get("/{path:path}")
async def ui_files(path: str, settings: SettingsDep) -> Response:
    if path.startswith("api/"):
        raise ApiError(404, HttpErrorCode.NOT_FOUND, f"no such path: /{path}")
    # files of the built UI; client-side routes of the single-page UI get index.html
    return ui_response(pick_ui_dir(settings), path, settings)
