"""The embedding model on ONNX Runtime: the same vectors as sentence-transformers, without torch.

A sentence-transformers model of the usual shape (a BERT-like transformer, mean or CLS
pooling, normalised) is exported once to ONNX (`actors/models/onnx_export.py`, run in a
subprocess: torch is imported there and never in the long-lived Embedder), cached under
`embeddings.onnx_cache_dir` by a key of the model's files, and run here with `tokenizers` and
`onnxruntime`. The process then holds about half the memory of the torch encoder and starts
in a fraction of its time. A model this cannot read (other pooling, no tokenizer.json) is an
OnnxUnsupported: the Embedder then falls back to sentence-transformers.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, cast

from actors.models.embeddings import Vectors, default_threads

INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class OnnxUnsupported(RuntimeError):
    """This model cannot run on the ONNX path (the caller falls back to sentence-transformers)."""


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return cast(dict[str, Any], json.loads(path.read_text()))
    except (OSError, ValueError):
        return {}


def pooling_of(model_dir: Path) -> str:
    """`mean` or `cls`, as the model's sentence-transformers Pooling module says."""
    modules = json.loads((model_dir / "modules.json").read_text()) if (model_dir / "modules.json").is_file() else []
    pooling = next((m for m in modules if m.get("type", "").endswith("Pooling")), None)
    if pooling is None:
        raise OnnxUnsupported(f"{model_dir}: no sentence-transformers Pooling module")
    config = _read_json(model_dir / pooling.get("path", "") / "config.json")
    modes = [mode for mode in ("mean_tokens", "cls_token") if config.get(f"pooling_mode_{mode}")]
    others = [k for k, v in config.items() if k.startswith("pooling_mode_") and v and k[13:] not in modes]
    if len(modes) != 1 or others:
        raise OnnxUnsupported(f"{model_dir}: pooling {config} is not one of mean or cls")
    return "mean" if modes[0] == "mean_tokens" else "cls"


def export_key(model_dir: Path) -> str:
    """Names the export of this model's files: another model, or new weights, get another."""
    digest = hashlib.sha256(str(model_dir.resolve()).encode())
    for path in sorted(model_dir.glob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
    return digest.hexdigest()[:16]


def onnx_path(model_dir: Path, cache_dir: Path) -> Path:
    return cache_dir / f"{model_dir.parent.name}-{model_dir.name}-{export_key(model_dir)}.onnx"


async def ensure_exported(model_dir: Path, cache_dir: Path, timeout_s: float) -> Path:
    """The model's ONNX file, exported first (in a subprocess, written atomically) if needed."""
    target = onnx_path(model_dir, cache_dir)
    if target.is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "actors.models.onnx_export",
        str(model_dir),
        str(target),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
    )
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), timeout_s)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise OnnxUnsupported(f"exporting {model_dir} to ONNX took over {timeout_s:g} s") from None
    if process.returncode != 0 or not target.is_file():
        tail = stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise OnnxUnsupported(f"exporting {model_dir} to ONNX failed: {tail[0]}")
    return target


class OnnxEncoder:
    """Unit vectors from the exported model: tokenise, run, pool, normalise."""

    def __init__(self, model_dir: Path | str, model_file: Path | str, threads: int | None = None) -> None:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import onnxruntime
        from tokenizers import Tokenizer

        self.model_dir = Path(model_dir)
        self.model_file = Path(model_file)
        self.threads = threads or default_threads()
        tokenizer_file = self.model_dir / "tokenizer.json"
        if not tokenizer_file.is_file():
            raise OnnxUnsupported(f"{self.model_dir}: no tokenizer.json")
        self.pooling = pooling_of(self.model_dir)
        self.max_length = int(_read_json(self.model_dir / "sentence_bert_config.json").get("max_seq_length") or 512)
        started = time.perf_counter()
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.enable_truncation(self.max_length)
        self._tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(str(self.model_file), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._dimensions = int(self._session.get_outputs()[0].shape[-1])
        self.load_s = time.perf_counter() - started

    @property
    def dimensions(self) -> int:
        return self._dimensions

    def count_tokens(self, texts: list[str]) -> int:
        """The tokens the model reads (special tokens included, long texts cut as in encode)."""
        return sum(sum(e.attention_mask) for e in self._tokenizer.encode_batch(texts))

    def encode(self, texts: list[str]) -> Vectors:
        """Unit-norm float32 vectors (as Python floats, so they travel as JSON), one per text."""
        if not texts:
            return []
        import numpy as np

        encoded = self._tokenizer.encode_batch(texts)
        arrays = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
        }
        hidden = self._session.run(None, {k: v for k, v in arrays.items() if k in self._inputs})[0]
        if self.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            mask = arrays["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return cast(Vectors, (pooled / norms).astype(np.float32).tolist())


def main() -> int:
    """`python -m actors.models.onnx_encoder`: export the configured embedding model now (`make
    install` runs it), so the Embedder's first start finds it; prints where it is."""
    from actors.models.embeddings import locate_package_model
    from configs.settings import get_settings

    config = get_settings().embeddings
    if config.backend != "embedded" or config.runtime != "onnx":
        print(f"embeddings run on {config.backend}/{config.runtime}: nothing to export")
        return 0
    model_dir = locate_package_model(config.package)
    cache = get_settings().resolve_path(config.onnx_cache_dir)
    print(asyncio.run(ensure_exported(model_dir, cache, config.onnx_export_timeout_s)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
