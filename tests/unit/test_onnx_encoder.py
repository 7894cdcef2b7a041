"""The embedding model on ONNX Runtime (actors/models/onnx_encoder.py): the same vectors as
sentence-transformers, read from the real model package; what it refuses, it says."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from actors.models.embeddings import SentenceTransformerEncoder, locate_package_model
from actors.models.onnx_encoder import OnnxEncoder, OnnxUnsupported, ensure_exported, export_key, pooling_of
from configs.settings import load_settings

TEXTS = [
    "hello world",
    "A one_for_one supervisor restarts only the child that crashed.",
    "Die Überwachung startet abgestürzte Kinder neu — ünïcödé ✓",
    "token " * 600,  # past the model's 256 tokens: cut the same way
]


@pytest.fixture(scope="module")
def model_dir() -> Path:
    return locate_package_model(load_settings().embeddings.package)


@pytest.fixture(scope="module")
def onnx_file(model_dir: Path) -> Path:
    """The export `make install` made (or made now, once: a few seconds)."""
    config = load_settings().embeddings
    cache = load_settings().resolve_path(config.onnx_cache_dir)
    return asyncio.run(ensure_exported(model_dir, cache, config.onnx_export_timeout_s))


def test_onnx_vectors_are_the_sentence_transformers_vectors(model_dir: Path, onnx_file: Path) -> None:
    onnx = OnnxEncoder(model_dir, onnx_file, threads=1)
    torch = SentenceTransformerEncoder(model_dir, threads=1)
    assert onnx.dimensions == torch.dimensions == 384 and onnx.pooling == "mean" and onnx.max_length == 256
    ours, theirs = np.array(onnx.encode(TEXTS)), np.array(torch.encode(TEXTS))
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert (ours * theirs).sum(axis=1).min() > 0.9999
    assert onnx.count_tokens(TEXTS) == torch.count_tokens(TEXTS)
    assert onnx.encode([]) == []
    # one at a time or in a padded batch: the same vector (padding is masked out of the mean)
    alone = np.array(onnx.encode([TEXTS[0]]))[0]
    assert float(alone @ ours[0]) > 0.99999


def _model_copy(model_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "model"
    shutil.copytree(model_dir, copy, ignore=shutil.ignore_patterns("*.safetensors", "*.bin"))
    return copy


def test_the_pooling_is_read_from_the_model_and_others_are_refused(model_dir: Path, tmp_path: Path) -> None:
    assert pooling_of(model_dir) == "mean"
    copy = _model_copy(model_dir, tmp_path)
    config = copy / "1_Pooling" / "config.json"
    settings = json.loads(config.read_text())
    config.write_text(json.dumps({**settings, "pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}))
    assert pooling_of(copy) == "cls"
    config.write_text(json.dumps({**settings, "pooling_mode_max_tokens": True}))
    with pytest.raises(OnnxUnsupported, match="pooling"):
        pooling_of(copy)
    (copy / "modules.json").unlink()
    with pytest.raises(OnnxUnsupported, match="Pooling"):
        pooling_of(copy)


def test_new_weights_get_a_new_export_and_a_failed_export_says_why(model_dir: Path, tmp_path: Path) -> None:
    copy = _model_copy(model_dir, tmp_path)
    before = export_key(copy)
    (copy / "model.safetensors").write_bytes(b"not weights")
    assert export_key(copy) != before
    with pytest.raises(OnnxUnsupported, match="export"):
        asyncio.run(ensure_exported(copy, tmp_path / "cache", 120.0))
    assert not list((tmp_path / "cache").glob("*.onnx")), "no half-written export is left"
