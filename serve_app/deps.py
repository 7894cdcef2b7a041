"""What routes share, as FastAPI dependencies: the settings the gateway put on the app and
references to the actors at well-known addresses.

Serve replicas run in Serve's own Ray namespace, so every reference is built with the
platform's (`settings.ray.namespace`).

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

from typing import Annotated, Any

from fastapi import Depends
from starlette.requests import HTTPConnection

from configs.settings import Settings
from protocols.addresses import (
    AGENT_REGISTRY,
    AUTH,
    BUS,
    EVOLUTION_MANAGER,
    KNOWLEDGE,
    MCP_MANAGER,
    MEMORY,
    MONITOR,
    OLLAMA,
    REASONING_MANAGER,
    ROOT,
    STORE,
    WORKFLOWS,
)
from protocols.auth import AuthError, Principal
from supervisors.refs import ActorRef

# What the gateway replica was started with (set by Gateway.__init__). Process-wide, not on
# `app.state`: Serve serves a frozen copy of the FastAPI app, not the module's `app` object.
_gateway: dict[str, Any] = {}


def install(settings: Settings, **shared: Any) -> None:
    """Called once per replica: the settings and the state its routes share."""
    _gateway.clear()
    _gateway.update(shared, settings=settings)


def shared(name: str) -> Any:
    return _gateway[name]


def shared_or(name: str, default: Any) -> Any:
    """A shared value, or `default` where none was installed (an app built without Serve)."""
    return _gateway.get(name, default)


def current_settings(app: Any = None) -> Settings:
    """The replica's settings (an app built without Serve, in tests: its `state.settings`)."""
    found = _gateway.get("settings") or getattr(getattr(app, "state", None), "settings", None)
    if found is None:
        raise RuntimeError("the gateway's settings are not installed (serve_app.deps.install)")
    settings: Settings = found
    return settings


def settings_dep(conn: HTTPConnection) -> Settings:
    """The gateway's settings (HTTP requests and WebSockets alike)."""
    return current_settings(conn.app)


SettingsDep = Annotated[Settings, Depends(settings_dep)]


def actor_ref(settings: Settings, address: str) -> ActorRef:
    """A reference to the actor at `address` in the platform's namespace."""
    return ActorRef(address, settings.ray.namespace)


def _ref_to(address: str) -> object:
    def dependency(settings: SettingsDep) -> ActorRef:
        return actor_ref(settings, address)

    dependency.__name__ = f"ref_{address.replace('/', '_')}"
    return dependency


Root = Annotated[ActorRef, Depends(_ref_to(ROOT))]
Store = Annotated[ActorRef, Depends(_ref_to(STORE))]
Bus = Annotated[ActorRef, Depends(_ref_to(BUS))]
Monitor = Annotated[ActorRef, Depends(_ref_to(MONITOR))]
Ollama = Annotated[ActorRef, Depends(_ref_to(OLLAMA))]
Knowledge = Annotated[ActorRef, Depends(_ref_to(KNOWLEDGE))]
Memory = Annotated[ActorRef, Depends(_ref_to(MEMORY))]
Registry = Annotated[ActorRef, Depends(_ref_to(AGENT_REGISTRY))]
McpManager = Annotated[ActorRef, Depends(_ref_to(MCP_MANAGER))]
Reasoning = Annotated[ActorRef, Depends(_ref_to(REASONING_MANAGER))]
Workflows = Annotated[ActorRef, Depends(_ref_to(WORKFLOWS))]
Evolution = Annotated[ActorRef, Depends(_ref_to(EVOLUTION_MANAGER))]
Auth = Annotated[ActorRef, Depends(_ref_to(AUTH))]


def principal_dep(conn: HTTPConnection) -> Principal:
    """Who this request acts as (put in the scope by serve_app/security.py's Guard)."""
    found = conn.scope.get("pygent.principal")
    if not isinstance(found, Principal):
        raise AuthError("unauthenticated", "log in or send an API key (Authorization: Bearer ...)")
    return found


CurrentPrincipal = Annotated[Principal, Depends(principal_dep)]


# Methods that only read: a call through a handle cached before a restart is sent again to
# the successor. Any other call first checks that a cached handle is alive (a ping), so a
# request is never refused only because this replica held the dead incarnation's handle.
READ_ONLY = frozenset(
    {
        "describe",
        "status",
        "health",
        "info",
        "ping",
        "metrics",
        "supervision_events",
        "agent_types",
        "list_agents",
        "get_agent",
        "agent_memory",
        "route",
        "conversations",
        "conversation_history",
        "export",
        "servers",
        "server",
        "list_indexes",
        "get_document",
        "stats",
        "search",
        "search_batch",
        "memories",
        "recall",
        "model_performance",
        "model_entries",
        "list_models",
        "embed",
        "embed_counted",
        "count_tokens",
        "running",
        "history",
        "result",
        "tree",
        "defaults",
        "list_workflows",
        "logs",
        "results",
        "run_view",
        "front",
        "recipes",
        "recipe",
        "lineage",
        "signing_key",
        "needs_setup",
        "verify_api_key",
        "list_users",
        "get_user",
        "list_api_keys",
        "audit_entries",
        "owner_of",
        "owned_ids",
        "lookup",
    }
)


async def ask(
    ref: ActorRef, method: str, *args: Any, timeout_s: float, wait_s: float = 0.0, idempotent: bool | None = None
) -> Any:
    """`method(*args)` on the actor behind `ref`; failures are the reference's typed errors
    (ActorUnavailable 503, ActorTimeout 504) or the actor's own, mapped in serve_app/errors.py.
    `idempotent` (default: the method is in READ_ONLY) sends the call again to the successor
    of an actor that died during it."""
    if idempotent is None:
        idempotent = method in READ_ONLY
    return await ref.call(method, *args, timeout_s=timeout_s, wait_s=wait_s, idempotent=idempotent)
