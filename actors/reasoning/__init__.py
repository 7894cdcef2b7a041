"""Reasoning engines: tree of thoughts, RAG, s3-style search, adaptive routing.

Plain Python with injected ports (model client, retriever, embedder, node sink): no Ray in
this package. The session actors wrap these engines.
"""
