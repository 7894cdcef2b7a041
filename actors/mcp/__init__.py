"""MCP servers under supervision: configs, status, discovery, install, and the handle actor."""
