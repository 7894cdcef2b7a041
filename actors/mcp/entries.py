"""What the MCP manager shows for a server, from what its supervisor reports: plain
functions over the supervisor's `child_states()` and `history()` answers (JSON dicts),
so they are tested without Ray."""

from __future__ import annotations

from typing import Any

from actors.mcp.config import ServerConfig
from actors.mcp.status import ServerStatus, combined_status

# Keys of the handle's own status copied into a server's entry.
HANDLE_KEYS = ("tool_count", "pid", "last_ping_ms", "calls", "call_errors", "server_info", "error")

# The state a child is in right after its supervisor took each action.
STATE_AFTER = {"restart": "restarting", "stop": "stopped", "escalate": "failed"}


def server_entry(
    config: ServerConfig,
    child: dict[str, Any] | None,
    history: list[dict[str, Any]],
    handle_status: dict[str, Any] | None,
    fail_after: int,
) -> dict[str, Any]:
    """One server's entry: its config, its child state under the supervisor (None: not a
    child), the supervisor's restarts of it (newest last) and, while it runs, the handle's
    own status."""
    entry: dict[str, Any] = {
        "id": config.id,
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
    last_kind: str | None = None
    consecutive = 0
    if child is not None:
        child_state = child["state"]
        consecutive = int(child.get("consecutive_restarts", 0))
        entry["restarts"] = int(child.get("restarts", 0))
        last_exit = child.get("last_exit")
        if last_exit is not None:
            last_kind = last_exit["kind"]
            entry["last_exit"] = last_exit
    restarts = [e for e in history if e.get("child") == config.address and e.get("action") == "restart"]
    entry["restart_history"] = [
        {
            "at": e["at"],
            "delay_s": round(e.get("delay_s", 0.0), 3),
            "reason": e["reason"],
            "detail": e.get("detail", ""),
        }
        for e in restarts[-10:]
    ]
    status = combined_status(
        child_state,
        handle_status.get("status") if handle_status else None,
        last_kind,
        consecutive,
        fail_after,
    )
    if handle_status:
        for key in HANDLE_KEYS:
            if handle_status.get(key) is not None:
                entry[key] = handle_status[key]
    if "error" not in entry and status in (ServerStatus.FAILED, ServerStatus.RESTARTING) and last_kind:
        entry["error"] = entry.get("last_exit", {}).get("detail") or last_kind
    entry["status"] = status.value
    return entry


def status_event(
    event: dict[str, Any], server_ids: set[str], child: dict[str, Any] | None, fail_after: int
) -> dict[str, Any] | None:
    """The `mcp_server_status` data for a supervision event of `supervisor/mcp-servers`
    (a restart, a stop, an escalation), or None when it is about no known server or the
    child is gone (removed)."""
    address = str(event.get("child", ""))
    server_id = address.partition("/")[2]
    state = STATE_AFTER.get(str(event.get("action")))
    if server_id not in server_ids or child is None or state is None:
        return None
    status = combined_status(
        state, None, str(event.get("reason")), int(child.get("consecutive_restarts", 0)), fail_after
    )
    return status_data(server_id, status.value, int(event.get("restarts", 0)), str(event.get("detail") or ""))


def status_data(server_id: str, status: str, restarts: int, detail: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {"id": server_id, "status": status, "restarts": restarts, "tool_count": 0}
    if detail:
        data["error"] = detail
    return data
