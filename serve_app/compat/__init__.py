"""Outside clients: the OpenAI-compatible API (/v1) and Ollama's own paths (/api/chat, ...).

`translate` and `tool_calls` are plain functions (OpenAI shapes to and from the platform's);
`targets` resolves a request's `model` to what answers it (a model, an agent, a reasoning mode).
"""
