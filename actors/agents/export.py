"""A conversation exported as Markdown, JSON or plain text."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Literal

from protocols.agents import Conversation, StoredMessage

ExportFormat = Literal["markdown", "json", "text"]
MEDIA_TYPES: dict[str, str] = {"markdown": "text/markdown", "json": "application/json", "text": "text/plain"}


def export_conversation(conversation: Conversation, messages: Sequence[StoredMessage], fmt: ExportFormat) -> str:
    if fmt == "json":
        return json.dumps(
            {
                "conversation": conversation.model_dump(mode="json"),
                "messages": [m.model_dump(mode="json") for m in messages],
            },
            indent=2,
        )
    if fmt == "markdown":
        lines = [
            f"# {conversation.title}",
            "",
            f"*Conversation {conversation.id}, started {conversation.created_at}*",
            "",
        ]
        for m in messages:
            who = "User" if m.role == "user" else f"Assistant ({m.agent_id})" if m.agent_id else m.role.title()
            status = "" if m.status == "complete" else f" _[{m.status}]_"
            lines += [f"## {who}{status}", f"*{m.created_at}*", "", m.content, ""]
        return "\n".join(lines)
    if fmt == "text":
        lines = [conversation.title, "=" * len(conversation.title), ""]
        for m in messages:
            status = "" if m.status == "complete" else f" [{m.status}]"
            lines += [f"[{m.created_at}] {m.role}{status}: {m.content}", ""]
        return "\n".join(lines)
    raise ValueError(f"unknown export format '{fmt}' (markdown, json, text)")
