"""`supervisor/mcp-servers`: the supervisor of the MCPServerHandles, plus what only it can
answer: every known server's combined status, adding/removing servers at run time
(persisted), and installing catalogue servers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import ray

from actors.mcp.catalogue import load_catalogue
from actors.mcp.config import ConfigError, ServerConfig, parse_server
from actors.mcp.install import InstallRejected, plan_install
from actors.mcp.specs import added_servers, catalogue_path, configured_servers, handle_spec
from actors.mcp.status import ServerStatus, combined_status
from actors.refs import await_ref
from configs.settings import get_settings
from protocols.addresses import BUS as BUS_ADDRESS
from protocols.events import TOPIC_MCP
from protocols.supervision import ChildSpec, ChildState, ExitReason
from supervisors.engine import SupervisorError
from supervisors.supervisor import Supervisor

log = logging.getLogger(__name__)


class MCPSupervisor(Supervisor):
    def __init__(
        self,
        address: str,
        flags: dict[str, Any],
        children: list[dict[str, Any]] | list[ChildSpec] = (),  # type: ignore[assignment]
        namespace: str | None = None,
    ) -> None:
        self.settings = get_settings()
        specs = [c if isinstance(c, ChildSpec) else ChildSpec.model_validate(c) for c in children]
        self.configs: dict[str, ServerConfig] = {c.id: c for c in configured_servers(self.settings)}
        # Servers added at run time come back after a restart of this supervisor.
        have = {s.id for s in specs}
        added_ids = {c.id for c in added_servers(self.settings).load()}
        for config in self.configs.values():
            if config.enabled and config.id in added_ids and config.address not in have:
                specs.append(handle_spec(config, self.settings))
        super().__init__(address, flags, specs, namespace)
        self._installing: set[str] = set()

    # ---- status ----------------------------------------------------------------

    async def child_restarts(self, address: str) -> int:
        return self.engine.child(address).restarts if self.engine.has_child(address) else 0

    async def servers(self) -> list[dict[str, Any]]:
        entries = await asyncio.gather(*(self.server(sid) for sid in sorted(self.configs)))
        return list(entries)

    async def server(self, server_id: str) -> dict[str, Any]:
        config = self._config(server_id)
        address = config.address
        entry: dict[str, Any] = {
            "id": server_id,
            "transport": config.transport,
            "restarts": 0,
            "tool_count": 0,
            "enabled": config.enabled,
        }
        if config.transport == "stdio":
            entry["command"] = config.command
            entry["args"] = list(config.args)
        else:
            entry["url"] = config.url
        child_state: str | None = None
        handle_status: dict[str, Any] | None = None
        last_kind: str | None = None
        consecutive = 0
        if self.engine.has_child(address):
            record = self.engine.child(address)
            child_state = record.state.value
            consecutive = record.consecutive_restarts
            entry["restarts"] = record.restarts
            if record.last_exit is not None:
                last_kind = record.last_exit.kind.value
                entry["last_exit"] = record.last_exit.model_dump(mode="json")
            handle = self._handles.get(address)
            if handle is not None and record.state is ChildState.RUNNING:
                with contextlib.suppress(Exception):
                    handle_status = await asyncio.wait_for(await_ref(handle.status.remote()), 3.0)
        restarts = [e for e in self._history if e.child == address and e.action == "restart"]
        entry["restart_history"] = [
            {"at": e.at, "delay_s": round(e.delay_s, 3), "reason": e.reason.value, "detail": e.detail}
            for e in restarts[-10:]
        ]
        status = combined_status(
            child_state,
            handle_status.get("status") if handle_status else None,
            last_kind,
            consecutive,
            self.settings.mcp.fail_after,
        )
        if handle_status:
            for key in ("tool_count", "pid", "last_ping_ms", "calls", "call_errors", "server_info", "error"):
                if handle_status.get(key) is not None:
                    entry[key] = handle_status[key]
        if "error" not in entry and status in (ServerStatus.FAILED, ServerStatus.RESTARTING) and last_kind:
            entry["error"] = entry.get("last_exit", {}).get("detail") or last_kind
        entry["status"] = status.value
        return entry

    # ---- run-time changes ------------------------------------------------------

    async def start_server(self, server_id: str) -> dict[str, Any]:
        config = self._config(server_id)
        if not self.engine.has_child(config.address):
            await self.start_child(config.address, spec=handle_spec(config, self.settings).model_dump(mode="json"))
        elif self.engine.child(config.address).state is not ChildState.RUNNING:
            await self.restart_child(config.address)
        return await self.server(server_id)

    async def stop_server(self, server_id: str) -> dict[str, Any]:
        config = self._config(server_id)
        if self.engine.has_child(config.address):
            await self.terminate_child(config.address)
        self._publish_mcp(server_id, ServerStatus.STOPPED.value)
        return await self.server(server_id)

    async def restart_server(self, server_id: str) -> dict[str, Any]:
        config = self._config(server_id)
        if self.engine.has_child(config.address):
            await self.restart_child(config.address)
        else:
            await self.start_child(config.address, spec=handle_spec(config, self.settings).model_dump(mode="json"))
        return await self.server(server_id)

    async def add_server(self, config: dict[str, Any], start: bool = True) -> dict[str, Any]:
        """Register a server (persisted) and start it. Raises ConfigError for a bad or taken id."""
        server = parse_server(config)
        if server.id in self.configs:
            raise ConfigError(f"a server with id '{server.id}' already exists", "id")
        added_servers(self.settings).put(server)
        self.configs[server.id] = server
        if start and server.enabled:
            with contextlib.suppress(SupervisorError):  # its status shows why
                await self.start_child(server.address, spec=handle_spec(server, self.settings).model_dump(mode="json"))
        return await self.server(server.id)

    async def remove_server(self, server_id: str) -> dict[str, Any]:
        config = self._config(server_id)
        if self.engine.has_child(config.address):
            await self.terminate_child(config.address)
        added_servers(self.settings).remove(server_id)
        del self.configs[server_id]
        self._publish_mcp(server_id, ServerStatus.STOPPED.value)
        return {"id": server_id, "removed": True}

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
        self._publish_topic(TOPIC_MCP, "mcp_install", {"name": plan.name, "id": plan.server.id, "done": True})
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
                self._publish_topic(TOPIC_MCP, "mcp_install", {"name": name, "line": line[:500], "done": False})

        try:
            await asyncio.wait_for(asyncio.gather(pump(), proc.wait()), timeout_s)
        except TimeoutError:
            proc.kill()
            raise RuntimeError(f"installing {name} took longer than {timeout_s:g} s") from None
        if proc.returncode != 0:
            raise RuntimeError(f"{argv[0]} exited with {proc.returncode}: " + " | ".join(tail[-5:]))

    # ---- events ----------------------------------------------------------------

    def _record(self, child_id: str, action: str, reason: ExitReason, **kwargs: Any) -> None:
        super()._record(child_id, action, reason, **kwargs)
        server_id = child_id.partition("/")[2]
        if server_id in self.configs and self.engine.has_child(child_id):
            record = self.engine.child(child_id)
            status = combined_status(
                record.state.value,
                None,
                reason.kind.value,
                record.consecutive_restarts,
                self.settings.mcp.fail_after,
            )
            self._publish_mcp(server_id, status.value, detail=reason.detail)

    def _publish_mcp(self, server_id: str, status: str, detail: str = "") -> None:
        address = f"mcp/{server_id}"
        restarts = self.engine.child(address).restarts if self.engine.has_child(address) else 0
        data: dict[str, Any] = {"id": server_id, "status": status, "restarts": restarts, "tool_count": 0}
        if detail:
            data["error"] = detail
        self._publish_topic(TOPIC_MCP, "mcp_server_status", data)

    def _publish_topic(self, topic: str, event_type: str, data: dict[str, Any]) -> None:
        try:
            bus = ray.get_actor(BUS_ADDRESS, namespace=self.namespace)
            bus.publish.remote(topic, event_type, data, self.address)
        except Exception:
            pass

    def _config(self, server_id: str) -> ServerConfig:
        config = self.configs.get(server_id)
        if config is None:
            raise ConfigError(f"no MCP server '{server_id}'", "id")
        return config
