"""`manager/mcp`: decides which MCP servers run; `supervisor/mcp-servers` runs them.

It answers every known server's combined status (the supervisor's child state and the
handle's own status), adds and removes servers at run time (persisted, so the servers'
supervisor starts them again after its own restart), installs catalogue servers (pip or
npm, argv lists, no shell), and turns the supervisor's restarts of a handle into
`mcp_server_status` events. It asks the supervisor to start, stop and restart handles
through its address, as any sibling would.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from typing import Any

from actors.mcp.added import AddedServers
from actors.mcp.catalogue import load_catalogue
from actors.mcp.config import ConfigError, ServerConfig, parse_server
from actors.mcp.entries import server_entry, status_data, status_event
from actors.mcp.install import InstallRejected, plan_install
from actors.mcp.specs import catalogue_path, configured_servers, handle_spec
from actors.mcp.status import ServerStatus
from configs.settings import get_settings
from protocols.addresses import BUS, MCP_SERVERS_SUPERVISOR
from protocols.events import TOPIC_MCP, TOPIC_SUPERVISION
from supervisors.actor import SupervisedActor
from supervisors.engine import SupervisorError

log = logging.getLogger(__name__)

# How long the handle's own status may take inside a status answer.
HANDLE_STATUS_TIMEOUT_S = 3.0


class MCPManager(SupervisedActor):
    def __init__(self, address: str) -> None:
        super().__init__(address)
        self.settings = get_settings()
        self.configs: dict[str, ServerConfig] = {}
        self.added = AddedServers(self.settings, getattr(self, "namespace", None))
        self._installing: set[str] = set()
        self._relay_task: asyncio.Task[None] | None = None
        s = self.settings.supervision
        # A start, stop or restart of a handle: its stop, then its start, each bounded.
        self._change_timeout_s = s.shutdown_timeout_s + s.start_timeout_s + 10.0

    async def on_start(self) -> None:
        added = await self.added.load()
        self.configs = {c.id: c for c in configured_servers(self.settings, added)}
        self._relay_task = asyncio.create_task(self._relay_restarts())

    async def on_stop(self) -> None:
        if self._relay_task is not None:
            self._relay_task.cancel()

    @property
    def _servers(self) -> Any:
        return self.ref(MCP_SERVERS_SUPERVISOR)

    # ---- status ----------------------------------------------------------------

    async def child_restarts(self, address: str) -> int:
        child = (await self._child_states()).get(address)
        return int(child["restarts"]) if child else 0

    async def servers(self) -> list[dict[str, Any]]:
        states, history = await asyncio.gather(self._child_states(), self._history())
        entries = await asyncio.gather(*(self._entry(sid, states, history) for sid in sorted(self.configs)))
        return list(entries)

    async def server(self, server_id: str) -> dict[str, Any]:
        self._config(server_id)
        states, history = await asyncio.gather(self._child_states(), self._history())
        return await self._entry(server_id, states, history)

    async def _entry(
        self, server_id: str, states: dict[str, dict[str, Any]], history: list[dict[str, Any]]
    ) -> dict[str, Any]:
        config = self._config(server_id)
        child = states.get(config.address)
        handle_status: dict[str, Any] | None = None
        if child is not None and child["state"] == "running":
            with contextlib.suppress(Exception):
                handle_status = await self.ref(config.address).call(
                    "status", timeout_s=HANDLE_STATUS_TIMEOUT_S, wait_s=0
                )
        return server_entry(config, child, history, handle_status, self.settings.mcp.fail_after)

    async def _child_states(self) -> dict[str, dict[str, Any]]:
        states: dict[str, dict[str, Any]] = await self._servers.call("child_states", timeout_s=10.0, idempotent=True)
        return states

    async def _history(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = await self._servers.call("history", 200, timeout_s=10.0, idempotent=True)
        return events

    async def server_configs(self) -> list[dict[str, Any]]:
        """Every known server's config (configs/ and added at run time), for discovery."""
        return [c.model_dump(mode="json") for c in self.configs.values()]

    # ---- run-time changes ------------------------------------------------------

    async def start_server(self, server_id: str) -> dict[str, Any]:
        config = self._config(server_id)
        child = (await self._child_states()).get(config.address)
        if child is None:
            await self._start(config)
        elif child["state"] != "running":
            await self._servers.call("restart_child", config.address, timeout_s=self._change_timeout_s)
        return await self.server(server_id)

    async def stop_server(self, server_id: str) -> dict[str, Any]:
        await self._terminate(self._config(server_id))
        self._publish_stopped(server_id)
        return await self.server(server_id)

    async def restart_server(self, server_id: str) -> dict[str, Any]:
        config = self._config(server_id)
        if await self._servers.call("has_child", config.address, timeout_s=10.0, idempotent=True):
            await self._servers.call("restart_child", config.address, timeout_s=self._change_timeout_s)
        else:
            await self._start(config)
        return await self.server(server_id)

    async def add_server(self, config: dict[str, Any], start: bool = True) -> dict[str, Any]:
        """Register a server (persisted) and start it. Raises ConfigError for a bad or taken id."""
        server = parse_server(config)
        if server.id in self.configs:
            raise ConfigError(f"a server with id '{server.id}' already exists", "id")
        await self.added.put(server)
        self.configs[server.id] = server
        if start and server.enabled:
            with contextlib.suppress(SupervisorError):  # its status shows why
                await self._start(server)
        return await self.server(server.id)

    async def remove_server(self, server_id: str) -> dict[str, Any]:
        await self._terminate(self._config(server_id))
        await self.added.remove(server_id)
        del self.configs[server_id]
        self._publish_stopped(server_id)
        return {"id": server_id, "removed": True}

    async def _start(self, config: ServerConfig) -> None:
        spec = handle_spec(config, self.settings).model_dump(mode="json")
        await self._servers.call("start_child", config.address, spec=spec, timeout_s=self._change_timeout_s)

    async def _terminate(self, config: ServerConfig) -> None:
        """Stop and forget the server's handle, if its supervisor has one."""
        if await self._servers.call("has_child", config.address, timeout_s=10.0, idempotent=True):
            await self._servers.call("terminate_child", config.address, timeout_s=self._change_timeout_s)

    def _publish_stopped(self, server_id: str) -> None:
        # The supervisor has forgotten the handle: a stopped server counts no restarts.
        self.publish(TOPIC_MCP, "mcp_server_status", status_data(server_id, ServerStatus.STOPPED.value, 0))

    async def install(self, name: str) -> dict[str, Any]:
        """Install a catalogue server (pip or npm, argv lists, no shell) and register it."""
        m = self.settings.mcp
        plan = plan_install(
            name,
            load_catalogue(catalogue_path(self.settings)),
            target=m.install_target,
            venv_dir=self.settings.state_path / m.install_venv_dir,
            npm_prefix=self.settings.state_path / m.install_npm_prefix,
        )
        if plan.server.id in self._installing:
            raise InstallRejected(f"'{plan.name}' is being installed", "name")
        self._installing.add(plan.server.id)
        started = time.monotonic()
        try:
            for step in plan.steps:
                await self._run_step(plan.name, step, m.install_timeout_s)
        finally:
            self._installing.discard(plan.server.id)
        if plan.server.id in self.configs:
            entry = await self.server(plan.server.id)
        else:
            entry = await self.add_server(plan.server.model_dump(mode="json"))
        self.publish(TOPIC_MCP, "mcp_install", {"name": plan.name, "id": plan.server.id, "done": True})
        return {
            "name": plan.name,
            "package": plan.package,
            "registry_type": plan.registry_type,
            "target": plan.target,
            "seconds": round(time.monotonic() - started, 2),
            "server": entry,
        }

    async def _run_step(self, name: str, argv: list[str], timeout_s: float) -> None:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, stdin=asyncio.subprocess.DEVNULL
        )
        tail: list[str] = []

        async def pump() -> None:
            assert proc.stdout is not None
            async for raw in proc.stdout:
                line = raw.decode(errors="replace").rstrip()
                tail.append(line)
                del tail[:-20]
                self.publish(TOPIC_MCP, "mcp_install", {"name": name, "line": line[:500], "done": False})

        try:
            await asyncio.wait_for(asyncio.gather(pump(), proc.wait()), timeout_s)
        except TimeoutError:
            proc.kill()
            raise RuntimeError(f"installing {name} took longer than {timeout_s:g} s") from None
        if proc.returncode != 0:
            raise RuntimeError(f"{argv[0]} exited with {proc.returncode}: " + " | ".join(tail[-5:]))

    # ---- restarts as server status events ---------------------------------------

    async def _relay_restarts(self) -> None:
        """Follow the supervision topic: each restart, stop or escalation of a handle by
        `supervisor/mcp-servers` becomes an `mcp_server_status` event on topic `mcp`."""
        bus = self.ref(BUS)
        subscriber = f"{self.address}:{uuid.uuid4().hex[:8]}"
        try:
            while True:
                try:
                    batch = await bus.call("poll", subscriber, [TOPIC_SUPERVISION], 10.0, timeout_s=20.0, wait_s=1.0)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    await asyncio.sleep(0.5)  # the bus is restarting
                    continue
                for event in batch.get("events", []):
                    data = event.get("data") or {}
                    if event.get("type") == "supervision_event" and data.get("supervisor") == MCP_SERVERS_SUPERVISOR:
                        with contextlib.suppress(Exception):
                            await self._relay(data)
        finally:
            bus.tell("unsubscribe", subscriber)

    async def _relay(self, event: dict[str, Any]) -> None:
        if event.get("action") not in ("restart", "stop", "escalate"):
            return
        try:
            child = (await self._child_states()).get(str(event.get("child")))
        except Exception:
            if event.get("action") != "escalate":
                raise
            child = {}  # the supervisor gave up and is gone: its children failed with it
        data = status_event(event, set(self.configs), child, self.settings.mcp.fail_after)
        if data is not None:
            self.publish(TOPIC_MCP, "mcp_server_status", data)

    def _config(self, server_id: str) -> ServerConfig:
        config = self.configs.get(server_id)
        if config is None:
            raise ConfigError(f"no MCP server '{server_id}'", "id")
        return config
