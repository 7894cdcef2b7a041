"""A FAISS index of chunk vectors keyed by chunk id: Flat, HNSW or IVF, inner product.

Vectors are unit length (MiniLM's are), so inner product is cosine similarity and a
higher score is better. Ids are the chunks' database ids (IndexIDMap2).

- HNSW cannot remove vectors: removed ids become tombstones that searches skip, and
  the graph is rebuilt without them once they reach `rebuild_fraction` of the index.
- IVF must be trained before use. A small shard cannot train it well (FAISS wants
  about 39 points per list), so until `train_size` vectors are present the shard keeps
  them in an exact Flat index; then it trains IVF on them and moves them over.
- With faiss-gpu and a GPU, Flat and IVF indexes run on the GPU; otherwise on the CPU.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from protocols.knowledge import IndexType, invalid

Metadata = dict[str, Any]

# name -> (default, minimum, maximum) per index type
_PARAMS: dict[IndexType, dict[str, tuple[int, int, int]]] = {
    IndexType.FLAT: {},
    IndexType.HNSW: {"M": (32, 4, 128), "ef_construction": (80, 8, 1024), "ef_search": (64, 1, 4096)},
    IndexType.IVF: {"nlist": (64, 1, 65536), "nprobe": (8, 1, 65536), "train_size": (0, 0, 10_000_000)},
}
REBUILD_FRACTION = 0.2
# A filter that leaves at most this many vectors is answered by an exact scan over them:
# an ANN walk finds too few of a small allowed set.
EXACT_FILTER_MAX = 20_000


def validate_params(kind: IndexType | str, params: dict[str, Any] | None) -> dict[str, int]:
    """Known parameters with their defaults filled in; 422 naming `params.<name>` otherwise."""
    try:
        kind = IndexType(kind)
    except ValueError:
        raise invalid("type", f"unknown index type '{kind}' (one of flat, hnsw, ivf)") from None
    allowed = _PARAMS[kind]
    out: dict[str, int] = {}
    for name, value in (params or {}).items():
        if name not in allowed:
            known = ", ".join(allowed) or "none"
            raise invalid(f"params.{name}", f"not a parameter of a {kind.value} index (known: {known})")
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(f"params.{name}", "must be an integer")
        _, low, high = allowed[name]
        if not low <= value <= high:
            raise invalid(f"params.{name}", f"must be between {low} and {high}")
        out[name] = value
    given = set(out)
    for name, (default, _, _) in allowed.items():
        out.setdefault(name, default)
    if kind is IndexType.IVF:
        if "nprobe" not in given:
            out["nprobe"] = min(out["nprobe"], out["nlist"])
        if out["nprobe"] > out["nlist"]:
            raise invalid("params.nprobe", "cannot exceed nlist")
        out["train_size"] = max(out["train_size"], out["nlist"] * 39)
    return out


def gpu_available() -> bool:
    import faiss

    try:
        return hasattr(faiss, "StandardGpuResources") and faiss.get_num_gpus() > 0
    except Exception:  # a CPU build without the GPU entry points
        return False


class VectorIndex:
    def __init__(
        self,
        dim: int,
        kind: IndexType | str = IndexType.HNSW,
        params: dict[str, Any] | None = None,
        use_gpu: bool = True,
    ) -> None:
        self.dim = dim
        self.kind = IndexType(kind)
        self.params = validate_params(self.kind, params)
        self.device = "gpu" if use_gpu and self.kind is not IndexType.HNSW and gpu_available() else "cpu"
        self.metadata: dict[int, Metadata] = {}
        self.tombstones: set[int] = set()
        self.trained = self.kind is not IndexType.IVF
        self._index = self._new_index(trained_ivf=False)

    # ---- building ---------------------------------------------------------------

    def _new_index(self, trained_ivf: bool, training: np.ndarray | None = None) -> Any:
        import faiss

        inner: Any
        if self.kind is IndexType.HNSW:
            inner = faiss.IndexHNSWFlat(self.dim, self.params["M"], faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = self.params["ef_construction"]
            inner.hnsw.efSearch = self.params["ef_search"]
        elif self.kind is IndexType.IVF and trained_ivf:
            assert training is not None
            quantizer = faiss.IndexFlatIP(self.dim)
            inner = faiss.IndexIVFFlat(quantizer, self.dim, self.params["nlist"], faiss.METRIC_INNER_PRODUCT)
            inner.train(training)
            inner.nprobe = self.params["nprobe"]
            self._quantizer = quantizer  # the Python wrapper must outlive the index
        else:
            inner = faiss.IndexFlatIP(self.dim)
        if self.device == "gpu":
            resources = faiss.StandardGpuResources()
            inner = faiss.index_cpu_to_gpu(resources, 0, inner)
            self._gpu_resources = resources
        index = faiss.IndexIDMap2(inner)
        self._inner = inner
        return index

    @property
    def ntotal(self) -> int:
        return int(self._index.ntotal) - len(self.tombstones)

    def __len__(self) -> int:
        return self.ntotal

    def __contains__(self, chunk_id: int) -> bool:
        return chunk_id in self.metadata

    def add(
        self,
        ids: Sequence[int],
        vectors: np.ndarray | Sequence[Sequence[float]],
        metadata: Sequence[Metadata] | None = None,
    ) -> int:
        """Add vectors; ids already present are skipped (an add can race a rebuild).
        Returns how many were added."""
        matrix = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim))
        if len(ids) != len(matrix):
            raise ValueError("one id per vector")
        metas = list(metadata) if metadata is not None else [{} for _ in ids]
        keep = [n for n, i in enumerate(ids) if int(i) not in self.metadata]
        if not keep:
            return 0
        id_array = np.asarray([int(ids[n]) for n in keep], dtype=np.int64)
        for n in keep:
            self.metadata[int(ids[n])] = metas[n]
        self._index.add_with_ids(matrix[keep], id_array)
        if not self.trained and self._index.ntotal >= self.params["train_size"]:
            self._train_ivf()
        return len(keep)

    def remove(self, ids: Sequence[int]) -> int:
        present = [int(i) for i in ids if int(i) in self.metadata]
        for i in present:
            del self.metadata[i]
        if not present:
            return 0
        if self.kind is IndexType.HNSW:
            self.tombstones.update(present)
            if len(self.tombstones) >= REBUILD_FRACTION * max(1, int(self._index.ntotal)):
                self._rebuild()
        else:
            self._index.remove_ids(np.asarray(present, dtype=np.int64))
        return len(present)

    def _all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        import faiss

        ids = faiss.vector_to_array(self._index.id_map).astype(np.int64)
        vectors = (
            self._index.index.reconstruct_n(0, int(self._index.ntotal))
            if len(ids)
            else np.zeros((0, self.dim), np.float32)
        )
        return ids, np.asarray(vectors, dtype=np.float32)

    def _rebuild(self) -> None:
        ids, vectors = self._all_vectors()
        live = np.asarray([int(i) not in self.tombstones for i in ids], dtype=bool)
        self.tombstones.clear()
        self._index = self._new_index(trained_ivf=self.trained and self.kind is IndexType.IVF)
        if live.any():
            self._index.add_with_ids(vectors[live], ids[live])

    def _train_ivf(self) -> None:
        ids, vectors = self._all_vectors()
        self._index = self._new_index(trained_ivf=True, training=vectors)
        self._index.add_with_ids(vectors, ids)
        self.trained = True

    # ---- searching ----------------------------------------------------------------

    def search(
        self, queries: np.ndarray | Sequence[Sequence[float]], k: int, allowed: Callable[[Metadata], bool] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k per query: (scores, ids) of shape (q, k), best first; -1 ids pad short rows."""
        matrix = np.ascontiguousarray(np.asarray(queries, dtype=np.float32).reshape(-1, self.dim))
        total = int(self._index.ntotal)
        scores = np.full((len(matrix), k), -np.inf, dtype=np.float32)
        out_ids = np.full((len(matrix), k), -1, dtype=np.int64)
        if total == 0 or k < 1:
            return scores, out_ids
        if allowed is None and not self.tombstones:
            fetch = min(k, total)
            d, i = self._index.search(matrix, fetch)
            scores[:, :fetch], out_ids[:, :fetch] = d, i
            return scores, out_ids
        if allowed is not None:
            subset = [i for i, meta in self.metadata.items() if allowed(meta)]
            # (IVF cannot reconstruct by id under removals; it over-fetches instead.)
            if len(subset) <= EXACT_FILTER_MAX and (self.kind is not IndexType.IVF or not self.trained):
                return self._exact_subset(matrix, k, subset)
        fetch = min(total, k + len(self.tombstones))
        if allowed is not None:
            fetch = min(total, max(fetch, 4 * k))
        pending = list(range(len(matrix)))
        while pending:
            d, i = self._index.search(matrix[pending], fetch)
            retry: list[int] = []
            for row, q in enumerate(pending):
                kept = 0
                for score, chunk_id in zip(d[row], i[row], strict=True):
                    cid = int(chunk_id)
                    if cid < 0 or cid in self.tombstones:
                        continue
                    if allowed is not None and not allowed(self.metadata.get(cid, {})):
                        continue
                    scores[q, kept], out_ids[q, kept] = score, cid
                    kept += 1
                    if kept == k:
                        break
                if kept < k and fetch < total:
                    retry.append(q)
            if not retry:
                break
            pending, fetch = retry, min(total, fetch * 4)
        return scores, out_ids

    def _exact_subset(self, matrix: np.ndarray, k: int, subset: list[int]) -> tuple[np.ndarray, np.ndarray]:
        scores = np.full((len(matrix), k), -np.inf, dtype=np.float32)
        out_ids = np.full((len(matrix), k), -1, dtype=np.int64)
        if not subset:
            return scores, out_ids
        ids = np.asarray(subset, dtype=np.int64)
        vectors = np.stack([self._index.reconstruct(int(i)) for i in ids])
        sims = matrix @ vectors.T
        take = min(k, len(ids))
        order = np.argsort(-sims, axis=1, kind="stable")[:, :take]
        scores[:, :take] = np.take_along_axis(sims, order, axis=1)
        out_ids[:, :take] = ids[order]
        return scores, out_ids

    # ---- snapshots ------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the index and a sidecar (ids' metadata, tombstones) next to it, atomically."""
        import faiss

        path.parent.mkdir(parents=True, exist_ok=True)
        index = faiss.index_gpu_to_cpu(self._index) if self.device == "gpu" else self._index
        tmp = path.with_suffix(".tmp")
        faiss.write_index(index, str(tmp))
        side = {
            "kind": self.kind.value,
            "params": self.params,
            "dim": self.dim,
            "trained": self.trained,
            "tombstones": sorted(self.tombstones),
            "metadata": {str(k): v for k, v in self.metadata.items()},
        }
        side_tmp = path.with_suffix(".json.tmp")
        side_tmp.write_text(json.dumps(side))
        tmp.replace(path)
        side_tmp.replace(path.with_suffix(".json"))

    @staticmethod
    def remove_saved(path: Path) -> None:
        """Delete a snapshot written by `save`: the index, its sidecar and any leftovers."""
        for leftover in (path, path.with_suffix(".json"), path.with_suffix(".tmp"), path.with_suffix(".json.tmp")):
            leftover.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path, use_gpu: bool = True) -> VectorIndex:
        import faiss

        side = json.loads(path.with_suffix(".json").read_text())
        self = cls(side["dim"], side["kind"], {k: v for k, v in side["params"].items()}, use_gpu=False)
        index: Any = faiss.read_index(str(path))
        self._index = index
        self._inner = faiss.downcast_index(index.index)
        self.trained = side["trained"]
        self.tombstones = set(side["tombstones"])
        self.metadata = {int(k): v for k, v in side["metadata"].items()}
        if self.kind is IndexType.HNSW:
            self._inner.hnsw.efSearch = self.params["ef_search"]
        return self

    def ids(self) -> set[int]:
        return set(self.metadata)

    def memory_bytes(self) -> int:
        per_vector = self.dim * 4 + (self.params.get("M", 0) * 2 * 4 if self.kind is IndexType.HNSW else 0) + 8
        return int(self._index.ntotal) * per_vector

    def describe(self) -> dict[str, Any]:
        return {
            "type": self.kind.value,
            "params": self.params,
            "vectors": self.ntotal,
            "tombstones": len(self.tombstones),
            "trained": self.trained,
            "device": self.device,
            "memory_bytes": self.memory_bytes(),
        }
