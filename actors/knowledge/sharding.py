"""Stable assignment of documents to shards: the same key goes to the same shard in every
process and every run (Python's own hash() is salted per process)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from protocols.addresses import shard_address

__all__ = ["shard_address", "shard_of", "snapshot_path"]  # shard_address: re-exported, for old importers


def shard_of(key: str, shards: int) -> int:
    if shards < 1:
        raise ValueError("shards must be >= 1")
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def snapshot_path(state_dir: Path, index: str, shard: int) -> Path:
    """Where shard `shard` of `index` keeps its FAISS snapshot."""
    return state_dir / "index" / f"{index}.{shard}.faiss"
