"""`supervisor/mcp-servers`: a plain supervisor of the MCPServerHandles.

Its only addition to the generic Supervisor is its initial children: the handles in its
spec composed, at each start, with the servers added at run time (kept in PostgreSQL by
`manager/mcp`), so that a restart of this supervisor, on whichever node, starts them again.
Everything else (status, run-time changes, install) is the manager's (actors/mcp/manager_actor.py).
"""

from __future__ import annotations

from actors.mcp.added import AddedServers
from actors.mcp.specs import with_added_servers
from configs.settings import get_settings
from protocols.supervision import ChildSpec
from supervisors.supervisor import Supervisor


class MCPSupervisor(Supervisor):
    async def initial_children(self, specs: list[ChildSpec]) -> list[ChildSpec]:
        # The Store unreachable fails this start (its supervisor retries, with backoff):
        # starting without the added servers would silently drop them.
        settings = get_settings()
        added = await AddedServers(settings, self.namespace).load()
        return with_added_servers(specs, added, settings)
