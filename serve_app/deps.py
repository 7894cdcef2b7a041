"""What routes share, as FastAPI dependencies: the settings the gateway put on the app and
references to the actors at well-known addresses.

Serve replicas run in Serve's own Ray namespace, so every reference is built with the
platform's (`settings.ray.namespace`).

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from configs.settings import Settings
from protocols.addresses import AGENT_REGISTRY, BUS, KNOWLEDGE, MCP_MANAGER, MEMORY, MONITOR, OLLAMA, ROOT, STORE
from supervisors.refs import ActorRef


def settings_dep(conn: HTTPConnection) -> Settings:
    """The gateway's settings (HTTP requests and WebSockets alike)."""
    settings: Settings = conn.app.state.settings
    return settings


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
