"""Start and stop the whole platform: Ray, the supervision tree, and the Serve gateway.

`pygent up` runs `start_platform` and then waits; `pygent down` asks that process
to stop (SIGTERM), which runs `stop_platform`: Serve first, then the tree in
reverse start order (the store stops PostgreSQL), then Ray. A small JSON file in
the state directory tells other commands where the running platform is.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import ray

from configs.settings import Settings
from protocols.addresses import ROOT
from protocols.supervision import ChildSpec
from serve_app.ray_auth import auth_mode
from serve_app.ray_auth import prepare as prepare_ray_auth
from serve_app.replicas import gateway_placement
from serve_app.tree import SUPERVISOR_ACTOR, root_children, root_flags
from supervisors.placement import (
    describe_unplaceable,
    nodes_that_may_host,
    place,
    rule_for,
    rules_in_force,
    unplaceable,
)
from supervisors.refs import lookup
from supervisors.specs import start_budget_s
from supervisors.supervisor import DEFAULT_ACTOR_OPTIONS, remote_class

log = logging.getLogger(__name__)

SERVE_APP_NAME = "pygent"

Progress = Callable[[str], None]


class PlatformError(RuntimeError):
    pass


@dataclass
class PlatformInfo:
    """What `pygent up` writes to <state_dir>/platform.json for the other commands."""

    gcs_address: str
    namespace: str
    url: str
    dashboard_url: str | None
    pid: int
    owns_cluster: bool
    started_at: float
    state_dir: str


def state_file(settings: Settings) -> Path:
    return settings.state_path / "platform.json"


def read_info(settings: Settings) -> PlatformInfo | None:
    path = state_file(settings)
    if not path.is_file():
        return None
    try:
        return PlatformInfo(**json.loads(path.read_text()))
    except (ValueError, TypeError):
        return None


def write_info(settings: Settings, info: PlatformInfo) -> None:
    path = state_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(info), indent=2))
    tmp.replace(path)


def clear_info(settings: Settings) -> None:
    state_file(settings).unlink(missing_ok=True)


def ray_temp_dir(settings: Settings) -> str:
    return (
        str(Path(settings.ray.temp_dir).expanduser().resolve())
        if settings.ray.temp_dir
        else str(settings.state_path / "ray")
    )


def worker_env(settings: Settings) -> dict[str, str]:
    """PYGENT_* variables for every actor, so actors read the same settings as the driver
    even on other nodes; the state directory is passed as an absolute path."""
    env = {k: v for k, v in os.environ.items() if k.startswith("PYGENT_")}
    env["PYGENT_STATE_DIR"] = str(settings.state_path)
    if auth_mode(settings) == "disabled":
        env["RAY_AUTH_MODE"] = "disabled"
    return env


def init_ray(settings: Settings, address: str | None = None) -> bool:
    """Start a local Ray cluster, or join `address`. Returns True when we own the cluster."""
    address = address or settings.ray.address
    prepare_ray_auth(settings, starting=not address)
    common: dict[str, Any] = {
        "namespace": settings.ray.namespace,
        "runtime_env": {"env_vars": worker_env(settings)},
        "logging_level": logging.WARNING,
        "log_to_driver": False,
    }
    if address:
        ray.init(address=address, **common)
        return False
    settings.state_path.mkdir(parents=True, exist_ok=True)
    if settings.ray.malloc_arena_max is not None:
        # read by malloc at each process's start: Ray's processes inherit it from here
        os.environ.setdefault("MALLOC_ARENA_MAX", str(settings.ray.malloc_arena_max))
    ray.init(
        address="local",
        include_dashboard=settings.ray.include_dashboard,
        dashboard_host=settings.ray.dashboard_host,
        dashboard_port=settings.ray.dashboard_port,
        object_store_memory=settings.ray.object_store_memory_mb * 1024 * 1024,
        _temp_dir=ray_temp_dir(settings),
        _system_config=ray_system_config(settings),
        **common,
    )
    return True


def ray_system_config(settings: Settings) -> dict[str, Any]:
    """Ray's own settings for a cluster PyGent starts (the tests and benches use it too)."""
    config: dict[str, Any] = {
        "max_direct_call_object_size": settings.ray.max_inline_object_kb * 1024,
        # Also the threshold of Ray's "N worker processes have been started" warning.
        "worker_maximum_startup_concurrency": settings.ray.worker_startup_concurrency,
        "enable_worker_prestart": settings.ray.prestart_workers,
        "prestart_worker_first_driver": settings.ray.prestart_workers,
    }
    if settings.ray.node_health_check_period_ms is not None:
        config["health_check_period_ms"] = settings.ray.node_health_check_period_ms
    if settings.ray.node_health_check_failure_threshold is not None:
        config["health_check_failure_threshold"] = settings.ray.node_health_check_failure_threshold
    return config


def start_tree(settings: Settings, progress: Progress = lambda _: None) -> Any:
    """Create the detached root supervisor and wait until the whole tree runs."""
    namespace = settings.ray.namespace
    if lookup(ROOT, namespace) is not None:
        raise PlatformError("a PyGent platform is already running in this Ray cluster (`pygent down` first)")
    children = root_children(settings)
    check_placement(settings, children)
    progress("starting the supervision tree: " + ", ".join(c.id for c in children))
    root = (
        remote_class(SUPERVISOR_ACTOR)
        .options(**root_options(settings), name=ROOT, namespace=namespace, lifetime="detached")
        .remote(
            ROOT,
            root_flags(settings).model_dump(mode="json"),
            [c.model_dump(mode="json") for c in children],
            namespace,
        )
    )
    try:
        ray.get(root.supervision_ready.remote(), timeout=tree_start_budget_s(settings, children))
    except Exception:
        ray.kill(root, no_restart=True)
        raise
    return root


def tree_start_budget_s(settings: Settings, children: list[ChildSpec] | None = None) -> float:
    """How long the whole tree may take to start: the root is ready once every child is, each
    in turn within its own start budget (supervisors.specs.start_budget_s)."""
    flags = root_flags(settings)
    children = root_children(settings) if children is None else children
    return flags.start_timeout_s + sum(start_budget_s(c, flags.start_timeout_s) for c in children)


def alive_node_resources() -> list[dict[str, float]]:
    return [dict(node.get("Resources", {})) for node in ray.nodes() if node.get("Alive")]


def check_placement(settings: Settings, children: list[Any]) -> None:
    """Refuse to start when a placement rule asks for resources no alive node offers
    (Ray would otherwise leave that child pending forever)."""
    root = [place(ChildSpec(id=ROOT, actor=SUPERVISOR_ACTOR), rules_in_force(settings))]
    missing = unplaceable([*root, *children], alive_node_resources())
    if missing:
        raise PlatformError(describe_unplaceable(missing))


def root_options(settings: Settings) -> dict[str, Any]:
    rule = rule_for(ROOT, rules_in_force(settings))
    return {**DEFAULT_ACTOR_OPTIONS, **({"resources": dict(rule.resources)} if rule else {})}


def start_serve(settings: Settings, progress: Progress = lambda _: None) -> str:
    from ray import serve

    from serve_app.gateway import GATEWAY_ADDRESS, build_app

    host_nodes = nodes_that_may_host(GATEWAY_ADDRESS, rules_in_force(settings), alive_node_resources())
    placement = gateway_placement(settings.serve.replicas, host_nodes)
    progress(
        f"starting the gateway on {settings.serve.host}:{settings.serve.port}"
        f" ({placement.replicas} replica(s) over {host_nodes} node(s) that may host it,"
        f" proxies: {settings.serve.proxy_location})"
    )
    serve.start(
        proxy_location=settings.serve.proxy_location,
        http_options={"host": settings.serve.host, "port": settings.serve.port},
        logging_config={"enable_access_log": settings.serve.access_log, "log_level": "WARNING"},
    )
    serve.run(
        build_app(settings, placement),
        name=SERVE_APP_NAME,
        route_prefix=settings.serve.base_path or "/",
        blocking=False,
    )
    return platform_url(settings)


def platform_url(settings: Settings) -> str:
    return f"http://{settings.serve.host}:{settings.serve.port}{settings.serve.base_path}/"


def start_platform(settings: Settings, address: str | None = None, progress: Progress = lambda _: None) -> PlatformInfo:
    progress("joining Ray at " + address if address else "starting a local Ray cluster")
    owns = init_ray(settings, address)
    context = ray.get_runtime_context()
    gcs = context.gcs_address
    dashboard = None
    if owns and settings.ray.include_dashboard:
        dashboard = f"http://{settings.ray.dashboard_host}:{settings.ray.dashboard_port}"
    try:
        start_tree(settings, progress)
        url = start_serve(settings, progress)
    except BaseException:
        stop_platform(settings, owns_cluster=owns)
        raise
    info = PlatformInfo(
        gcs_address=gcs,
        namespace=settings.ray.namespace,
        url=url,
        dashboard_url=dashboard,
        pid=os.getpid(),
        owns_cluster=owns,
        started_at=time.time(),
        state_dir=str(settings.state_path),
    )
    write_info(settings, info)
    return info


def stop_platform(settings: Settings, owns_cluster: bool, progress: Progress = lambda _: None) -> None:
    """Serve, then the tree in reverse order, then (if ours) Ray; then sweep leftovers."""
    if ray.is_initialized():
        try:
            from ray import serve

            progress("stopping the gateway")
            serve.shutdown()
        except Exception as exc:
            log.warning("serve shutdown: %s", exc)
        root = lookup(ROOT, settings.ray.namespace)
        if root is not None:
            progress("stopping the supervision tree (reverse start order)")
            try:
                ray.get(root.supervision_stop.remote(), timeout=120)
            except Exception as exc:
                log.warning("tree shutdown: %s", exc)
            finally:
                ray.kill(root, no_restart=True)
        if owns_cluster:
            progress("stopping Ray")
            ray.shutdown()
    stop_embedded_database(settings, progress)
    clear_info(settings)


def stop_embedded_database(settings: Settings, progress: Progress = lambda _: None) -> None:
    """Make sure no embedded PostgreSQL of ours outlives the platform."""
    if settings.database.url:
        return
    try:
        from actors.store.embedded import stop_orphan
    except ImportError:
        return
    pgdata = settings.state_path / "pgdata"
    if pgdata.exists():
        stopped = stop_orphan(pgdata)
        if stopped:
            progress("stopped a leftover embedded PostgreSQL")
