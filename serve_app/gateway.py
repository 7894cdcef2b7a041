"""The HTTP and WebSocket surface: a Ray Serve deployment with a FastAPI ingress.

This module composes the app: the FastAPI instance, the error handlers, the middleware,
the routers (serve_app/routers/, one per API group) and the Serve deployment class that
puts the settings and the shared WebSocket state on the app.

/api/v1/...   REST (one router per group)
/v1/...       the OpenAI-compatible API (serve_app/routers/openai_api.py)
/api/chat ... Ollama's own paths (serve_app/routers/ollama_api.py)
/ws           WebSocket (serve_app/routers/websocket.py)
/mcp          PyGent as an MCP server
/docs         OpenAPI
/             the web UI (ui/dist when built, else the placeholder in ui/public)

No `from __future__ import annotations` here: FastAPI reads the route annotations
at run time, and Serve's ingress rebinds the methods, which breaks string annotations.
"""

from typing import Any

from fastapi import Depends, FastAPI
from ray import serve

from configs.settings import Settings
from protocols.addresses import BUS
from protocols.rest import ErrorBody
from serve_app import deps
from serve_app.errors import JsonBodyByDefault, install_error_handlers
from serve_app.input_text import reject_unstorable_text
from serve_app.mcp_endpoint import mount as mount_mcp_endpoint
from serve_app.openapi_security import mark_security
from serve_app.relay import TopicRelay
from serve_app.replicas import GatewayPlacement
from serve_app.routers import (
    agents,
    auth,
    bus,
    chat,
    evolution,
    health,
    mcp,
    memory,
    models,
    ollama_api,
    openai_api,
    reasoning,
    search,
    system,
    ui,
    websocket,
    workflows,
)
from serve_app.security import Guard, SecurityHeaders
from supervisors import refs
from supervisors.logs import configure_process_logging
from supervisors.placement import rule_for, rules_in_force

API = "/api/v1"

app = FastAPI(
    title="PyGent Factory",
    version="0.1.0",
    description="Supervised AI agents on Ray: REST + WebSocket API.",
    # Every route: a string PostgreSQL cannot store (NUL, lone surrogate) is a 422 naming its field.
    dependencies=[Depends(reject_unstorable_text)],
)
install_error_handlers(app)
app.add_middleware(JsonBodyByDefault)
# Every request, whatever router or mount it goes to, is authenticated and checked against
# serve_app/access.py (public routes, roles, admin-only routes) and the rate limits, before
# any route runs; every answer, refusals included, gets the security headers.
app.add_middleware(Guard)
app.add_middleware(SecurityHeaders)
# every API answer that is not a success is an ErrorBody (serve_app/errors.py)
ERRORS: dict[int | str, dict[str, Any]] = {"default": {"model": ErrorBody, "description": "code, message, field"}}
GROUPS = (health, system, bus, models, ui, agents, chat, mcp, search, memory, reasoning, workflows, evolution, auth)
for group in GROUPS:
    app.include_router(group.router, prefix=API, responses=ERRORS)
app.include_router(websocket.router)
# Outside clients, in their own shapes and error shapes: OpenAI's API under /v1, Ollama's
# own paths under /api (each spelled out, none shadows /api/v1/...).
app.include_router(openai_api.router)
app.include_router(ollama_api.router)
mount_mcp_endpoint(app)  # PyGent as an MCP server at /mcp
app.include_router(ui.static_router)  # last: its catch-all path serves the UI's files
mark_security(app)  # the OpenAPI document says which operations need credentials


GATEWAY_ADDRESS = "gateway"  # what placement.rules match for the Serve replicas


@serve.deployment(
    name=GATEWAY_ADDRESS,
    num_replicas=1,
    ray_actor_options={"num_cpus": 0},
    max_ongoing_requests=1000,
)
@serve.ingress(app)
class Gateway:
    def __init__(self, settings: dict[str, Any], replicas: int = 1) -> None:
        self.settings = Settings.model_validate(settings)
        configure_process_logging(self.settings.logging.level)
        refs.configure(restart_wait_s=self.settings.supervision.ref_restart_wait_s)
        relay = TopicRelay(BUS, self.settings.ray.namespace, self.settings.bus.subscriber_queue_size)
        # for SettingsDep and /ws; `replicas`: how many share the rate limits (serve_app/security.py)
        deps.install(self.settings, ws=websocket.WsState(relay), replicas=replicas)


def build_app(settings: Settings, placement: GatewayPlacement | None = None) -> Any:
    """The Serve application, bound to these settings: one replica unless `placement` says
    more, each placed as `placement.rules` says for the address `gateway`."""
    options: dict[str, Any] = {}
    if placement is not None:
        options.update(num_replicas=placement.replicas, max_replicas_per_node=placement.max_per_node)
    rule = rule_for(GATEWAY_ADDRESS, rules_in_force(settings))
    if rule is not None:
        options["ray_actor_options"] = {"num_cpus": 0, "resources": dict(rule.resources)}
    deployment: Any = Gateway.options(**options) if options else Gateway  # type: ignore[attr-defined]
    return deployment.bind(settings.model_dump(mode="json"), placement.replicas if placement else 1)
