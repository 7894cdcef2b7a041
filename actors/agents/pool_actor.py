"""`supervisor/agent-pool`: the simple_one_for_one supervisor that runs the agents.

A plain `Supervisor` but for one thing: after a restart (its node was lost, or
`supervisor/agents` restarted) it creates the processes of the recorded agents in the
background (`expected_children`), while its sibling, the registry, is still starting. The
registry then asks for each agent as before (`start_child`), and finds it constructed: on a
loaded node that takes one process start (seconds) off the time until chat answers again.
Which agents run is still the registry's decision; one it does not ask for is killed after
the start timeout.
"""

from __future__ import annotations

from typing import Any

from actors.store import agents_chat as q
from actors.store.pool import open_store_pool
from configs.settings import get_settings
from protocols.addresses import agent_address
from supervisors.supervisor import Supervisor


class AgentPool(Supervisor):
    async def expected_children(self) -> list[tuple[str, list[Any]]]:
        """The first recorded agents (the registry starts them again once it runs, in this
        order, `agents.restore_concurrency` at a time): at most that many, so a pool of
        many agents does not create them all at once only to kill those not yet asked for."""
        settings = get_settings()
        if not settings.agents.restore_on_start:
            return []
        db = await open_store_pool(settings, self.namespace, max_size=1)
        try:
            rows = await q.list_agents(db)
        finally:
            await db.close()
        first = rows[: settings.agents.restore_concurrency]
        return [(agent_address(row["id"]), [row["id"]]) for row in first]
