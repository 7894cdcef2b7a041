"""The wire: pydantic models for addresses, JSON-RPC/MCP envelopes, events, supervision and REST.

Nothing in this package imports Ray or does I/O, so every model here is usable
(and unit-tested) anywhere.
"""
