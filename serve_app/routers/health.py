"""/api/v1/health/*: the platform from the supervision tree, and each subsystem from its
actors' states plus a call to its service, answered within a bounded time.

No `from __future__ import annotations`: FastAPI reads these annotations at run time.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter

from configs.settings import Settings
from protocols.addresses import (
    AGENT_REGISTRY,
    AGENTS_SUPERVISOR,
    KNOWLEDGE,
    MCP_MANAGER,
    MCP_SERVERS_SUPERVISOR,
    MCP_SUPERVISOR,
    MEMORY,
    STORE,
)
from protocols.rest import ComponentHealth, DatabaseHealth, HealthReport, HttpErrorCode, NodeView, SubsystemHealth
from protocols.supervision import ChildStatus
from serve_app.deps import Knowledge, McpManager, Memory, Ollama, Registry, Root, SettingsDep, Store
from serve_app.deps import ask as actor_ask
from serve_app.errors import ApiError
from serve_app.health_report import subsystem_health, with_database
from serve_app.nodes import alive_actor_names, cluster_health, cluster_nodes
from supervisors.health import health_from_tree
from supervisors.refs import ActorRef

router = APIRouter(tags=["health"])
TREE_TIMEOUT_S = 10.0
PROBE_TIMEOUT_S = 5.0  # a subsystem's service that does not answer in this time is down


async def tree_of(root: ActorRef) -> ChildStatus | None:
    """The supervision tree, or None when the root does not answer."""
    try:
        return ChildStatus.model_validate(await actor_ask(root, "describe", timeout_s=TREE_TIMEOUT_S, wait_s=0))
    except Exception:
        return None


@router.get("/health", response_model=HealthReport)
async def health(settings: SettingsDep, root: Root, store: Store, ollama: Ollama) -> HealthReport:
    """Overall status and every component of the supervision tree, the database (the
    store's live check: the platform is not ok while it is down), and Ollama when
    configured (an unreachable Ollama is reported as down without failing the platform)."""
    tree, database = await asyncio.gather(tree_of(root), database_health(settings, store))
    report = with_database(health_from_tree(tree, detail="root supervisor unreachable"), database)
    if tree is not None:
        await with_cluster(report, [child.address for child in tree.walk()])
    if settings.ollama.host:
        report.components["ollama"] = await ollama_health(settings.ollama.host, ollama)
    return report


async def with_cluster(report: HealthReport, addresses: list[str]) -> None:
    """A lost node makes the report degraded, naming the node and the components being
    re-placed (their supervisors may not have noticed yet)."""
    try:
        nodes, alive = await asyncio.wait_for(
            asyncio.gather(asyncio.to_thread(cluster_nodes), asyncio.to_thread(alive_actor_names)), PROBE_TIMEOUT_S
        )
    except Exception:
        return
    entry = cluster_health(addresses, nodes, alive)
    if entry is None:
        return
    report.components["cluster"] = entry
    if entry.status != "ok" and report.status == "ok":
        report.status = "degraded"


@router.get("/health/nodes", response_model=list[NodeView])
async def health_nodes() -> list[NodeView]:
    """The Ray cluster's nodes: address, resources, alive or dead, which actors run there."""
    return await asyncio.to_thread(cluster_nodes)


async def database_health(settings: Settings, store: ActorRef) -> DatabaseHealth:
    """The store's live check, or why there is none; always within the health timeout
    (plus a second for the call), whatever state the store or its server is in."""
    if store.try_handle() is None:
        return DatabaseHealth(status="down", detail="the store actor is not running (restarting?)")
    bound = settings.database.health_timeout_s
    try:
        answer = await asyncio.wait_for(actor_ask(store, "health", timeout_s=bound + 1.0, wait_s=0), bound + 1.0)
        return DatabaseHealth.model_validate(answer)
    except Exception as exc:
        reason = getattr(exc, "message", None) or type(exc).__name__
        return DatabaseHealth(status="down", detail=f"the store did not answer: {reason}")


async def ollama_health(host: str, ollama: ActorRef) -> ComponentHealth:
    status: dict[str, Any] = {}
    with contextlib.suppress(Exception):
        status = await actor_ask(ollama, "status", timeout_s=TREE_TIMEOUT_S, wait_s=0)
    reachable = bool(status.get("reachable"))
    return ComponentHealth(
        status="ok" if reachable else "down",
        state="reachable" if reachable else "unreachable",
        address=host,
        detail=status.get("error") or (f"version {status.get('version')}" if reachable else "no answer"),
    )


@router.get("/health/ollama", response_model=ComponentHealth)
async def health_ollama(settings: SettingsDep, ollama: Ollama) -> ComponentHealth:
    """Ollama: reachable or not (404 when no Ollama host is configured)."""
    if not settings.ollama.host:
        raise ApiError(404, HttpErrorCode.NOT_FOUND, "no Ollama is configured (PYGENT_OLLAMA_HOST)")
    return await ollama_health(settings.ollama.host, ollama)


@router.get("/health/database", response_model=DatabaseHealth)
async def health_database(settings: SettingsDep, store: Store) -> DatabaseHealth:
    """The store: PostgreSQL reachability, versions, pool and migrations (within
    `database.health_timeout_s`, plus a second)."""
    return await database_health(settings, store)


async def _probe(what: str, ask: Callable[[], Awaitable[dict[str, Any]]]) -> tuple[dict[str, Any], str | None]:
    """The service's answer, or the reason it gave none (bounded by PROBE_TIMEOUT_S)."""
    try:
        return await asyncio.wait_for(ask(), PROBE_TIMEOUT_S), None
    except Exception as exc:
        reason = getattr(exc, "message", None) or type(exc).__name__
        return {}, f"{what} did not answer: {reason}"


@router.get("/health/agents", response_model=SubsystemHealth)
async def health_agents(root: Root, registry: Registry) -> SubsystemHealth:
    """The agent registry and the agents: registered, running, and their supervision states."""

    async def ask() -> dict[str, Any]:
        agents = await actor_ask(registry, "list_agents", timeout_s=PROBE_TIMEOUT_S, wait_s=0)
        states: dict[str, int] = {}
        for agent in agents:
            state = str(agent.get("state") or "unknown")
            states[state] = states.get(state, 0) + 1
        return {
            "registry": AGENT_REGISTRY,
            "agents": len(agents),
            "running": states.get("running", 0),
            "states": states,
        }

    tree, (checks, failure) = await asyncio.gather(tree_of(root), _probe(AGENT_REGISTRY, ask))
    return subsystem_health(
        tree,
        lambda a: a in (AGENTS_SUPERVISOR, AGENT_REGISTRY) or a.startswith("agent/"),
        (AGENTS_SUPERVISOR, AGENT_REGISTRY),
        checks,
        failure,
    )


@router.get("/health/mcp", response_model=SubsystemHealth)
async def health_mcp(root: Root, manager: McpManager) -> SubsystemHealth:
    """The MCP servers (status each) and how many tools the ready ones offer."""

    async def ask() -> dict[str, Any]:
        servers = await actor_ask(manager, "servers", timeout_s=PROBE_TIMEOUT_S, wait_s=0)
        return {
            "manager": MCP_MANAGER,
            "servers": {s["id"]: s.get("status") for s in servers},
            "ready": sum(1 for s in servers if s.get("status") == "ready"),
            "tools": sum(int(s.get("tool_count") or 0) for s in servers),
        }

    tree, (checks, failure) = await asyncio.gather(tree_of(root), _probe(MCP_MANAGER, ask))
    return subsystem_health(
        tree,
        lambda a: a in (MCP_SUPERVISOR, MCP_SERVERS_SUPERVISOR, MCP_MANAGER) or a.startswith("mcp/"),
        (MCP_SERVERS_SUPERVISOR, MCP_MANAGER),
        checks,
        failure,
    )


@router.get("/health/memory", response_model=SubsystemHealth)
async def health_memory(root: Root, memory: Memory) -> SubsystemHealth:
    """The memory service and its store (memory rows in PostgreSQL)."""

    async def ask() -> dict[str, Any]:
        stats = await actor_ask(memory, "stats", timeout_s=PROBE_TIMEOUT_S, wait_s=0)
        return {"service": MEMORY, "stats": stats}

    tree, (checks, failure) = await asyncio.gather(tree_of(root), _probe(MEMORY, ask))
    return subsystem_health(tree, lambda a: a in (MEMORY, STORE), (MEMORY, STORE), checks, failure)


@router.get("/health/rag", response_model=SubsystemHealth)
async def health_rag(root: Root, knowledge: Knowledge) -> SubsystemHealth:
    """Retrieval: the index shards, the embedders and the knowledge service."""

    async def ask() -> dict[str, Any]:
        indexes = await actor_ask(knowledge, "list_indexes", timeout_s=PROBE_TIMEOUT_S, wait_s=0)
        return {
            "service": KNOWLEDGE,
            "indexes": {i["name"]: {"shards": i.get("shards"), "chunks": i.get("chunks")} for i in indexes},
        }

    tree, (checks, failure) = await asyncio.gather(tree_of(root), _probe(KNOWLEDGE, ask))
    return subsystem_health(
        tree,
        lambda a: a == KNOWLEDGE or a.startswith(("index/", "embedder/")),
        (KNOWLEDGE,),
        checks,
        failure,
    )
