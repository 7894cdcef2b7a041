"""`supervisor/mcp-servers`: a plain supervisor of the MCPServerHandles.

Its only addition to the generic Supervisor is its initial children: the handles in its
spec plus those of the servers added at run time (persisted by `manager/mcp`), so that a
restart of this supervisor starts them again. Everything else (status, run-time changes,
install) is the manager's (actors/mcp/manager_actor.py).
"""

from __future__ import annotations

from typing import Any

from actors.mcp.specs import with_added_servers
from configs.settings import get_settings
from protocols.supervision import ChildSpec, SupervisorFlags
from supervisors.supervisor import Supervisor


class MCPSupervisor(Supervisor):
    def __init__(
        self,
        address: str,
        flags: dict[str, Any] | SupervisorFlags,
        children: list[dict[str, Any]] | list[ChildSpec] = (),  # type: ignore[assignment]
        namespace: str | None = None,
    ) -> None:
        specs = [c if isinstance(c, ChildSpec) else ChildSpec.model_validate(c) for c in children]
        super().__init__(address, flags, with_added_servers(specs, get_settings()), namespace)
