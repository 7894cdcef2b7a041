"""Knowledge: documents, chunks, FAISS index shards, hybrid search, and agent memory.

Engines (plain Python, no Ray): `chunker`, `parsing`, `fusion`, `sharding`, `merge`,
`filters`, `faiss_index`, `search_pipeline` (a search: embed, shards, fusion, rows);
PostgreSQL queries: `store`; actors: `shard` (IndexShard), `coordinator` (knowledge/main),
`memory` (memory/main).
"""
