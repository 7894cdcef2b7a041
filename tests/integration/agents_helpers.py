"""Shared helpers of the agents and chat integration tests."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.integration import authed

TIMEOUT = 180


def api(platform: str, path: str) -> str:
    return platform + "api/v1" + path


def create_agent(platform: str, **body: Any) -> dict[str, Any]:
    response = authed.post(api(platform, "/agents"), json=body, timeout=TIMEOUT)
    assert response.status_code == 201, response.text
    return dict(response.json())


def ws_url(platform: str) -> str:
    return platform.replace("http://", "ws://") + "ws"


def ws_chat(
    platform: str, ref: str, message: dict[str, Any], stop_after_chunks: int | None = None, on_first_chunk: Any = None
) -> list[dict[str, Any]]:
    """Send a chat_message; collect this ref's frames until the final chat_response or chat_error."""
    frames: list[dict[str, Any]] = []
    with authed.ws_connect(ws_url(platform), open_timeout=30) as ws:
        ws.send(json.dumps({"type": "chat_message", "ref": ref, "message": message}))
        chunks = 0
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            frame = json.loads(ws.recv(timeout=TIMEOUT))
            if frame.get("ref") != ref:
                continue
            frames.append(frame)
            if frame["type"] == "chat_response" and not frame["data"]["done"]:
                chunks += 1
                if chunks == 1 and on_first_chunk is not None:
                    on_first_chunk()
                if stop_after_chunks is not None and chunks == stop_after_chunks:
                    ws.send(json.dumps({"type": "stop", "ref": ref}))
            if frame["type"] == "chat_error" or (frame["type"] == "chat_response" and frame["data"]["done"]):
                return frames
    raise TimeoutError(f"no final chat_response for {ref}")


def memory_available(client: Any) -> bool:
    answer = client.send("memory/main", {"jsonrpc": "2.0", "id": 1, "method": "ping"})
    return "error" not in answer or answer["error"]["code"] != -32002
