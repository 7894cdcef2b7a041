"""Tool references: how an agent names the tools it may call on the bus.

`<type>/<key>/<tool>` is a tool of any actor (knowledge/main/search, agent/<id>/ask);
`<server>/<tool>` is a tool of the MCP server at `mcp/<server>` (time/get_current_time),
as the MCP component names them.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocols.addresses import Address, InvalidAddress


class InvalidToolRef(ValueError):
    pass


@dataclass(frozen=True)
class ToolRef:
    name: str  # as the agent's config writes it
    address: str  # the bus address that serves it
    tool: str  # the tool's name at that address


def parse_tool_ref(text: str) -> ToolRef:
    parts = text.split("/") if isinstance(text, str) else []
    if len(parts) == 2 and all(parts):
        address, tool = f"mcp/{parts[0]}", parts[1]
    elif len(parts) == 3 and all(parts):
        address, tool = f"{parts[0]}/{parts[1]}", parts[2]
    else:
        raise InvalidToolRef(
            f"tool {text!r} must be '<server>/<tool>' (an MCP server's tool) or '<type>/<key>/<tool>' "
            "(a tool of an actor on the bus)"
        )
    try:
        Address.parse(address)
    except InvalidAddress as exc:
        raise InvalidToolRef(f"tool {text!r}: {exc}") from None
    return ToolRef(name=text, address=address, tool=tool)
