"""Scripted control of a running platform from Python, through Ray actor handles.

    from serve_app.client import connect

    pygent = connect()                       # finds the platform `pygent up` started
    pygent.request("monitor/main", "tools/list")
    pygent.call_tool("supervisor/root", "tree")
    for event in pygent.subscribe(["supervision"], timeout_s=30):
        print(event["type"], event["data"])
    pygent.kill("bus/main")                  # chaos: its supervisor restarts it
    print(pygent.tree().find("bus/main").restarts)

Every call goes by address (a Ray actor name), never through a handle that may
have gone stale, so it keeps working across restarts.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import ray

from actors.auth.secret import read_local_key
from configs.settings import Settings, get_settings
from protocols.addresses import AUTH, BUS, ROOT, STORE, parse_address
from protocols.auth import AuthError, Principal, UserView
from protocols.jsonrpc import make_request
from protocols.rest import DatabaseHealth, HealthReport, NodeView
from protocols.supervision import ChildStatus
from serve_app.health_report import with_database
from serve_app.platform import read_info
from serve_app.ray_auth import prepare as prepare_ray_auth
from supervisors.health import health_from_tree
from supervisors.refs import lookup, unwrap


class PlatformNotRunning(RuntimeError):
    pass


class NotAuthenticated(RuntimeError):
    """No API key (PYGENT_API_KEY, or the platform's local admin key file), or one it refuses."""


class BusError(RuntimeError):
    """A JSON-RPC error answer, raised by `call` and `call_tool`."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(f"[{error.get('code')}] {error.get('message')}")
        self.code: int = error.get("code", 0)
        self.message: str = error.get("message", "")
        self.data: Any = error.get("data")


def connect(address: str | None = None, settings: Settings | None = None, api_key: str | None = None) -> PygentClient:
    """Attach to a running platform. `address` is a Ray address; by default the one in
    <state_dir>/platform.json, written by `pygent up`. The client acts with an API key:
    `api_key`, else PYGENT_API_KEY, else the local admin key the platform writes for its own
    CLI (<state_dir>/auth/local-admin.key, mode 0600, readable only by the user who started
    it); the key is checked now (NotAuthenticated), and its HTTP headers are `client.headers`."""
    settings = settings or get_settings()
    if not ray.is_initialized():
        target = address or settings.ray.address
        if target is None:
            info = read_info(settings)
            if info is None:
                raise PlatformNotRunning(
                    f"no running platform found in {settings.state_path} (start it with `pygent up`)"
                )
            target = info.gcs_address
        prepare_ray_auth(settings, starting=False)  # the cluster's token, from the state directory
        ray.init(
            address=target,
            namespace=settings.ray.namespace,
            logging_level=logging.WARNING,
            log_to_driver=False,
        )
    key = api_key or os.environ.get("PYGENT_API_KEY") or read_local_key(settings)
    if not key:
        raise NotAuthenticated(
            f"no API key: set PYGENT_API_KEY, or run as the user who started the platform ({settings.state_path})"
        )
    client = PygentClient(settings, api_key=key)
    client.principal = client.verify_key()
    return client


class PygentClient:
    """A handle on the platform. Blocking calls; safe to use from scripts and tests."""

    def __init__(self, settings: Settings, api_key: str | None = None) -> None:
        self.settings = settings
        self.api_key = api_key
        self.principal: Principal | None = None
        self.namespace = settings.ray.namespace
        self._ids = itertools.count(1)

    # ---- addressing --------------------------------------------------------------

    def actor(self, address: str) -> Any:
        """The current Ray handle of the actor at `address` (look it up again after a restart)."""
        found = lookup(parse_address(address), self.namespace)
        if found is None:
            raise KeyError(f"no actor at address '{address}'")
        return found

    # ---- credentials -------------------------------------------------------------

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers that carry this client's key (for the REST API, /ws, /mcp, /v1)."""
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def verify_key(self, timeout_s: float = 60.0) -> Principal:
        """Who the key belongs to; NotAuthenticated when the platform refuses it."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return ray.get(self.actor(AUTH).verify_api_key.remote(self.api_key), timeout=timeout_s)
            except KeyError:  # auth/main not up yet (the platform is starting)
                if time.monotonic() > deadline:
                    raise PlatformNotRunning(f"{AUTH} is not running") from None
                time.sleep(0.5)
            except Exception as exc:
                if isinstance(unwrap(exc), AuthError):
                    raise NotAuthenticated(f"the platform refuses the API key: {unwrap(exc)}") from None
                raise

    def create_user(self, username: str, password: str, role: str = "admin") -> UserView:
        """A new user (the first admin: `pygent users create-admin`). Needs an admin key."""
        if self.principal is None or not self.principal.is_admin:
            raise NotAuthenticated("creating users needs an admin key")
        actor = self.principal.user_id
        return ray.get(self.actor(AUTH).create_user.remote(username, password, role, actor), timeout=60)

    # ---- the bus -----------------------------------------------------------------

    def request(
        self,
        to: str,
        method: str,
        params: dict[str, Any] | None = None,
        timeout_s: float | None = None,
    ) -> dict[str, Any]:
        """Send a JSON-RPC request through the bus; returns the whole JSON-RPC response."""
        message = make_request(method, params, next(self._ids))
        return self.send(to, message, timeout_s)

    def send(self, to: str, message: Any, timeout_s: float | None = None) -> dict[str, Any]:
        """Send a raw message (any JSON value) through the bus; returns its answer."""
        wait = (timeout_s or self.settings.bus.request_timeout_s) + self.settings.bus.restart_wait_s + 5
        deadline = time.monotonic() + wait
        while True:
            try:
                response = ray.get(self.actor(BUS).request.remote(to, message, timeout_s), timeout=wait)
                return response or {}
            except (KeyError, ray.exceptions.RayActorError):
                # the bus itself is restarting: find it again by name
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def call(self, to: str, method: str, params: dict[str, Any] | None = None, timeout_s: float | None = None) -> Any:
        """Like `request`, but returns the result and raises BusError on an error answer."""
        response = self.request(to, method, params, timeout_s)
        if "error" in response:
            raise BusError(response["error"])
        return response.get("result")

    def call_tool(
        self, to: str, name: str, arguments: dict[str, Any] | None = None, timeout_s: float | None = None
    ) -> Any:
        """`tools/call` on an address; returns the tool's structured result when it has one."""
        result = self.call(to, "tools/call", {"name": name, "arguments": arguments or {}}, timeout_s)
        if isinstance(result, dict) and "structuredContent" in result:
            structured = result["structuredContent"]
            if isinstance(structured, dict) and set(structured) == {"result"}:
                return structured["result"]
            return structured
        return result

    def publish(self, topic: str, event_type: str, data: dict[str, Any] | None = None) -> int:
        return int(ray.get(self.actor(BUS).publish.remote(topic, event_type, data or {}, "client")))

    def subscribe(self, topics: list[str], timeout_s: float | None = None) -> Subscription:
        """Iterate over events on `topics` (until `timeout_s` passes, if given)."""
        return Subscription(self, topics, timeout_s)

    # ---- the tree ----------------------------------------------------------------

    def tree(self) -> ChildStatus:
        return ChildStatus.model_validate(ray.get(self.actor(ROOT).describe.remote(), timeout=30))

    def nodes(self) -> list[NodeView]:
        """The Ray cluster's nodes: address, resources, alive or dead, what runs there."""
        from serve_app.nodes import cluster_nodes

        return cluster_nodes()

    def health(self) -> HealthReport:
        """What /api/v1/health answers: the tree, and the database (never ok while it is down)."""
        try:
            tree: ChildStatus | None = self.tree()
        except Exception:
            tree = None
        try:
            database = self.database_health()
        except Exception as exc:
            database = DatabaseHealth(status="down", detail=f"the store did not answer: {type(exc).__name__}")
        return with_database(health_from_tree(tree, detail="root supervisor unreachable"), database)

    def database_health(self) -> DatabaseHealth:
        timeout_s = self.settings.database.health_timeout_s + 1.0
        return DatabaseHealth.model_validate(ray.get(self.actor(STORE).health.remote(), timeout=timeout_s))

    def kill(self, address: str, how: str = "kill") -> bool:
        """Chaos: kill the actor at `address` (`kill`: ray.kill; `exit`: os._exit inside it)."""
        handle = self.actor(address)
        if how == "exit":
            handle.chaos_exit.remote(1)
        elif how == "kill":
            ray.kill(handle, no_restart=True)
        else:
            raise ValueError("how must be 'kill' or 'exit'")
        return True

    def wait_until_running(self, address: str, timeout_s: float = 30.0, min_restarts: int = 0) -> ChildStatus:
        """Block until `address` runs (with at least `min_restarts`); returns its status."""
        deadline = time.monotonic() + timeout_s
        last: ChildStatus | None = None
        while time.monotonic() < deadline:
            try:
                last = self.tree().find(address)
            except Exception:
                last = None
            if last is not None and last.state.value == "running" and last.restarts >= min_restarts:
                return last
            time.sleep(0.05)
        raise TimeoutError(f"{address} not running after {timeout_s} s (last seen: {last})")

    def close(self) -> None:
        if ray.is_initialized():
            ray.shutdown()


class Subscription:
    """An iterator over bus events. Survives bus restarts (it re-declares itself by polling)."""

    def __init__(self, client: PygentClient, topics: list[str], timeout_s: float | None) -> None:
        self.client = client
        self.topics = list(topics)
        self.id = f"client-{uuid.uuid4().hex[:12]}"
        self.deadline = None if timeout_s is None else time.monotonic() + timeout_s
        self._buffer: list[dict[str, Any]] = []
        self.closed = False
        self._buffer.extend(self.poll(0.0))  # declare it now: events from here on are kept

    def poll(self, wait_s: float = 1.0) -> list[dict[str, Any]]:
        """Fetch the events waiting now (waiting up to `wait_s` for the first)."""
        try:
            batch = ray.get(self.client.actor(BUS).poll.remote(self.id, self.topics, wait_s), timeout=wait_s + 30)
        except (KeyError, ray.exceptions.RayActorError):
            time.sleep(0.05)
            return []
        events: list[dict[str, Any]] = batch.get("events", [])
        return events

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self

    def __next__(self) -> dict[str, Any]:
        while not self._buffer:
            if self.closed:
                raise StopIteration
            wait = 5.0
            if self.deadline is not None:
                wait = min(wait, self.deadline - time.monotonic())
                if wait <= 0:
                    raise StopIteration
            self._buffer.extend(self.poll(wait))
        return self._buffer.pop(0)

    def close(self) -> None:
        self.closed = True
        with contextlib.suppress(Exception):
            self.client.actor(BUS).unsubscribe.remote(self.id)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
