"""`supervisor/mcp-servers`: a plain supervisor of the MCPServerHandles.

Its only addition to the generic Supervisor is its initial children: the handles in its
spec composed, at each start, with the servers added at run time (kept in PostgreSQL by
`manager/mcp`), so that a restart of this supervisor, on whichever node, starts them again.
Everything else (status, run-time changes, install) is the manager's (actors/mcp/manager_actor.py).
"""

from __future__ import annotations

from typing import Any

from actors.mcp.added import AddedServers
from actors.mcp.specs import with_added_servers
from configs.settings import get_settings
from protocols.supervision import ChildSpec, SupervisorFlags
from supervisors.engine import SupervisorEngine
from supervisors.supervisor import Supervisor


class MCPSupervisor(Supervisor):
    def __init__(
        self,
        address: str,
        flags: dict[str, Any] | SupervisorFlags,
        children: list[dict[str, Any]] | list[ChildSpec] = (),  # type: ignore[assignment]
        namespace: str | None = None,
    ) -> None:
        super().__init__(address, flags, children, namespace)

    async def on_start(self) -> None:
        # Nothing runs yet: the engine is rebuilt with the added servers before the start.
        settings = get_settings()
        added = await AddedServers(settings, self.namespace).load()
        specs = [self.engine.child(cid).spec for cid in self.engine.child_ids]
        self.engine = SupervisorEngine(self.flags, with_added_servers(specs, added, settings))
        await super().on_start()
