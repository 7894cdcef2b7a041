"""Knowledge engines without Ray: chunking, parsing, fusion, sharding, merging, filters,
the FAISS index wrapper and request validation."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import numpy as np
import pytest

from actors.knowledge.chunker import Chunker
from actors.knowledge.faiss_index import VectorIndex, validate_params
from actors.knowledge.filters import matches, validate_filters
from actors.knowledge.fusion import reciprocal_rank_fusion
from actors.knowledge.merge import hits_of, merge_arrays, merge_top_k
from actors.knowledge.parsing import DocumentFormat, detect_format, parse
from actors.knowledge.sharding import shard_address, shard_of, snapshot_path
from actors.knowledge.validate import check_content, check_k, check_query, check_weights, index_spec
from configs.settings import KnowledgeConfig
from protocols.knowledge import Hit, IndexType, KnowledgeError

# ---- chunker ---------------------------------------------------------------------------

SENTENCES = [f"Sentence number {n} talks about topic {n % 7} in some detail." for n in range(40)]


def test_chunks_respect_size_and_end_at_sentences() -> None:
    text = " ".join(SENTENCES)
    chunks = Chunker(size=200, overlap=60).split(text)
    assert len(chunks) > 5
    for chunk in chunks:
        assert len(chunk.text) <= 200
        assert chunk.text.endswith(".")  # whole sentences only
        assert chunk.text[0].isupper()
        assert text[chunk.start : chunk.end] == chunk.text
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_overlap_repeats_the_last_sentences() -> None:
    text = " ".join(SENTENCES)
    chunks = Chunker(size=200, overlap=60).split(text)
    for prev, nxt in itertools.pairwise(chunks):
        assert nxt.start < prev.end  # they share text
        assert prev.end - nxt.start <= 60
        assert nxt.start > prev.start  # always moves forward


def test_no_overlap_covers_the_text_once() -> None:
    text = " ".join(SENTENCES)
    chunks = Chunker(size=300, overlap=0).split(text)
    joined = " ".join(c.text for c in chunks)
    assert joined == text


def test_paragraph_end_is_preferred() -> None:
    para_a = " ".join(SENTENCES[:3])
    para_b = " ".join(SENTENCES[3:6])
    text = para_a + "\n\n" + para_b
    chunks = Chunker(size=len(para_a) + 40, overlap=0).split(text)
    assert chunks[0].text == para_a


def test_long_sentence_is_cut_at_words() -> None:
    text = "word " * 200
    chunks = Chunker(size=100, overlap=0).split(text.strip())
    assert all(len(c.text) <= 100 for c in chunks)
    assert all(not c.text.startswith("ord") for c in chunks)
    assert sum(len(c.text.split()) for c in chunks) == 200


def test_chunker_rejects_bad_settings() -> None:
    with pytest.raises(ValueError):
        Chunker(size=100, overlap=100)
    with pytest.raises(ValueError):
        Chunker(size=5)
    assert Chunker(100, 10).split("   \n\n ") == []


# ---- parsing ---------------------------------------------------------------------------


def test_markdown_loses_its_syntax() -> None:
    parsed = parse("# Title here\n\nSome **bold** and [a link](http://x.y) and `code`.\n\n- item one\n", "markdown")
    assert parsed.title == "Title here"
    assert "**" not in parsed.text and "](" not in parsed.text and "`" not in parsed.text
    assert "Some bold and a link and code." in parsed.text


def test_html_text_without_scripts() -> None:
    html = (
        "<html><head><title>The page</title><style>p{color:red}</style></head>"
        "<body><h1>Heading</h1><p>First paragraph.</p><script>alert(1)</script><p>Second one.</p></body></html>"
    )
    parsed = parse(html)
    assert parsed.format is DocumentFormat.HTML
    assert parsed.title == "The page"
    assert "alert" not in parsed.text and "color" not in parsed.text
    assert "First paragraph." in parsed.text and "Second one." in parsed.text
    assert parsed.text.index("Heading") < parsed.text.index("First")


def _tiny_pdf(text: str) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=300, height=200)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode())
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_text_is_extracted() -> None:
    data = _tiny_pdf("Quarterly revenue grew by nine percent.")
    assert detect_format(data) is DocumentFormat.PDF
    parsed = parse(data)
    assert parsed.format is DocumentFormat.PDF
    assert "Quarterly revenue grew by nine percent." in parsed.text


def test_bad_pdf_is_a_field_error() -> None:
    with pytest.raises(KnowledgeError) as err:
        parse(b"%PDF-1.4 garbage", "pdf")
    assert err.value.field == "content"
    with pytest.raises(KnowledgeError):
        parse("text is not a pdf", "pdf")


def test_format_detection() -> None:
    assert detect_format("plain words here") is DocumentFormat.TEXT
    assert detect_format("# Heading\n\ntext") is DocumentFormat.MARKDOWN
    assert detect_format("<p>x</p>") is DocumentFormat.HTML
    assert detect_format("anything", "notes.md") is DocumentFormat.MARKDOWN


# ---- fusion, sharding, merging, filters --------------------------------------------------


def test_rrf_rewards_agreement() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["c", "a", "d"]])
    assert [item for item, _ in fused] == ["a", "c", "b", "d"]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[-1][1] == pytest.approx(1 / 63)


def test_rrf_weights_and_k() -> None:
    fused = reciprocal_rank_fusion([["a", "b"], ["b", "a"]], k=0, weights=[1.0, 3.0])
    assert fused[0][0] == "b"
    assert fused[0][1] == pytest.approx(1 / 2 + 3 / 1)
    assert reciprocal_rank_fusion([["x"], []], weights=[0.0, 1.0]) == [("x", 0.0)]
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["a"]], weights=[1.0, 2.0])
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["a"]], k=-1)


def test_shards_are_stable_and_spread() -> None:
    keys = [f"doc-{n}" for n in range(4000)]
    first = [shard_of(k, 4) for k in keys]
    assert first == [shard_of(k, 4) for k in keys]
    counts = np.bincount(first, minlength=4)
    assert counts.min() > 850  # about 1000 each
    assert shard_of("abc", 1) == 0
    # Pinned: stored chunks carry their shard, so the mapping must never change (blake2b, not hash()).
    assert [shard_of(f"doc-{n}", 4) for n in range(1, 6)] == [1, 2, 2, 3, 3]
    assert shard_address("default", 3) == "index/default.3"
    with pytest.raises(ValueError):
        shard_of("x", 0)


def test_merge_top_k() -> None:
    merged = merge_top_k(
        [[Hit(id=1, score=0.9), Hit(id=2, score=0.5)], [Hit(id=3, score=0.7), Hit(id=1, score=0.95)]], 2
    )
    assert [(h.id, h.score) for h in merged] == [(1, 0.95), (3, 0.7)]


def test_merge_arrays_matches_a_global_sort() -> None:
    rng = np.random.default_rng(0)
    shards = []
    for s in range(3):
        scores = np.sort(rng.random((5, 4)).astype(np.float32), axis=1)[:, ::-1]
        ids = (np.arange(4) + 10 * s)[None, :].repeat(5, axis=0).astype(np.int64)
        shards.append((scores, ids))
    shards[2][1][:, 3] = -1  # padding in one shard
    scores, ids = merge_arrays(shards, 6)
    for q in range(5):
        pairs = [(float(sc), int(i)) for s, i_ in shards for sc, i in zip(s[q], i_[q], strict=True) if i >= 0]
        want = sorted(pairs, key=lambda p: -p[0])[:6]
        assert [int(i) for i in ids[q]] == [i for _, i in want]
    hits = hits_of(*merge_arrays([(np.array([[0.5]], np.float32), np.array([[7]]))], 3))
    assert [[h.id for h in row] for row in hits] == [[7]]


def test_filters() -> None:
    wanted = validate_filters({"lang": ["en", "de"], "year": 2024, "draft": False})
    assert matches({"lang": "en", "year": 2024, "draft": False}, wanted)
    assert not matches({"lang": "fr", "year": 2024, "draft": False}, wanted)
    assert not matches({"lang": "en", "year": 2024, "draft": 0}, wanted)  # JSON: false is not 0
    assert not matches({"lang": "en"}, wanted)
    assert validate_filters(None) == {}
    with pytest.raises(KnowledgeError) as err:
        validate_filters({"x": {"nested": 1}})
    assert err.value.field == "filters.x"


# ---- the FAISS index ---------------------------------------------------------------------


def _clustered(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(8, dim))
    x = centers[rng.integers(0, 8, n)] + 0.3 * rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _exact(x: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-(q @ x.T), axis=1)[:, :k]


@pytest.mark.parametrize(
    ("kind", "params"),
    [("flat", {}), ("hnsw", {"M": 16, "ef_search": 128}), ("ivf", {"nlist": 8, "nprobe": 8})],
)
def test_index_finds_the_nearest(kind: str, params: dict[str, int]) -> None:
    x = _clustered(1000)
    ids = list(range(100, 1100))
    index = VectorIndex(32, kind, params, use_gpu=False)
    index.add(ids, x)
    assert index.ntotal == 1000
    if kind == "ivf":
        assert index.trained  # 1000 >= 8 * 39 vectors
    queries = x[:20]
    scores, got = index.search(queries, 10)
    want = _exact(x, queries, 10) + 100
    recall = np.mean([len(set(g) & set(w)) / 10 for g, w in zip(got.tolist(), want.tolist(), strict=True)])
    assert recall >= 0.95
    assert np.all(np.diff(scores, axis=1) <= 1e-6)  # best first


def test_ivf_on_a_small_shard_stays_exact_until_it_can_train() -> None:
    x = _clustered(100)
    index = VectorIndex(32, "ivf", {"nlist": 16}, use_gpu=False)
    index.add(list(range(100)), x)
    assert not index.trained  # 100 < 16 * 39
    _, got = index.search(x[:5], 1)
    assert got[:, 0].tolist() == [0, 1, 2, 3, 4]
    index.add(list(range(100, 700)), _clustered(600, seed=1))
    assert index.trained and index.ntotal == 700
    _, got = index.search(x[:5], 1)
    assert got[:, 0].tolist() == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_remove_and_re_add(kind: str) -> None:
    x = _clustered(200)
    index = VectorIndex(32, kind, {"nlist": 2, "nprobe": 2} if kind == "ivf" else {}, use_gpu=False)
    index.add(list(range(200)), x)
    assert index.add([5], x[5:6]) == 0  # already there
    assert index.remove([5, 6, 999]) == 2
    assert index.ntotal == 198
    _, got = index.search(x[5:7], 5)
    assert 5 not in got[0] and 6 not in got[1]
    index.remove(list(range(10, 60)))  # HNSW: past the tombstone fraction, rebuilt
    assert index.ntotal == 148
    if kind == "hnsw":
        assert not index.tombstones
    _, got = index.search(x[10:11], 5)
    assert not set(got[0].tolist()) & set(range(10, 60))
    index.add([5], x[5:6])
    _, got = index.search(x[5:6], 1)
    assert got[0, 0] == 5


def test_filtered_search_and_padding() -> None:
    x = _clustered(300)
    metas = [{"group": "a" if n % 10 == 0 else "b"} for n in range(300)]
    index = VectorIndex(32, "hnsw", {}, use_gpu=False)
    index.add(list(range(300)), x, metas)
    wanted = validate_filters({"group": "a"})
    _, got = index.search(x[:3], 40, lambda m: matches(m, wanted))
    for row in got:
        found = [int(i) for i in row if i >= 0]
        assert found and all(i % 10 == 0 for i in found)
        assert len(found) == 30  # all 30 of group a, the rest padding
    ivf = VectorIndex(32, "ivf", {"nlist": 4, "nprobe": 4}, use_gpu=False)
    ivf.add(list(range(300)), x, metas)
    _, got = ivf.search(x[:3], 5, lambda m: matches(m, wanted))
    assert all(int(i) % 10 == 0 for i in got.ravel() if i >= 0) and (got[:, 0] >= 0).all()
    empty = VectorIndex(32, "flat", use_gpu=False)
    scores, got = empty.search(x[:2], 3)
    assert (got == -1).all() and np.isneginf(scores).all()


def test_snapshot_round_trip(tmp_path: Path) -> None:
    x = _clustered(300)
    index = VectorIndex(32, "hnsw", {"M": 8}, use_gpu=False)
    index.add(list(range(300)), x, [{"n": n} for n in range(300)])
    index.remove([3])
    path = tmp_path / "shard.faiss"
    index.save(path)
    loaded = VectorIndex.load(path, use_gpu=False)
    assert loaded.ntotal == 299 and loaded.params == index.params
    assert loaded.metadata[7] == {"n": 7} and 3 not in loaded.ids()
    a = index.search(x[:10], 5)[1]
    b = loaded.search(x[:10], 5)[1]
    assert (a == b).all()


def test_a_saved_snapshot_is_removed_with_its_sidecar(tmp_path: Path) -> None:
    path = snapshot_path(tmp_path, "notes", 1)
    assert path == tmp_path / "index" / "notes.1.faiss"
    index = VectorIndex(32, "flat", use_gpu=False)
    index.add([1, 2], _clustered(2), [{}, {}])
    index.save(path)
    other = snapshot_path(tmp_path, "notes2", 1)
    index.save(other)
    assert path.exists() and path.with_suffix(".json").exists()
    VectorIndex.remove_saved(path)
    VectorIndex.remove_saved(path)  # twice: nothing left is no error
    assert sorted(p.name for p in (tmp_path / "index").iterdir()) == ["notes2.1.faiss", "notes2.1.json"]


def test_index_params_are_validated() -> None:
    assert validate_params("hnsw", {"M": 8})["ef_search"] == 64
    for kind, params, field in [
        ("hnsw", {"M": 1}, "params.M"),
        ("hnsw", {"nlist": 4}, "params.nlist"),
        ("ivf", {"nlist": 4, "nprobe": 8}, "params.nprobe"),
        ("ivf", {"nlist": "many"}, "params.nlist"),
        ("annoy", {}, "type"),
    ]:
        with pytest.raises(KnowledgeError) as err:
            validate_params(kind, params)
        assert err.value.field == field
        assert err.value.status == 422


# ---- request validation ------------------------------------------------------------------


def test_request_checks_name_the_field() -> None:
    config = KnowledgeConfig(max_k=50, max_document_bytes=100, max_shards=4)
    cases = [
        (lambda: check_query("   "), "query", 422),
        (lambda: check_k(0, config), "k", 422),
        (lambda: check_k(51, config), "k", 422),
        (lambda: check_content("x" * 101, config), "content", 413),
        (lambda: check_weights([1, -1]), "weights", 422),
        (lambda: index_spec({"name": "Bad Name"}, config), "name", 422),
        (lambda: index_spec({"name": "ok", "shards": 9}, config), "shards", 422),
        (lambda: index_spec({"name": "ok", "type": "ivf", "params": {"nlist": 0}}, config), "params.nlist", 422),
        (lambda: index_spec({"name": "ok", "backend": "elastic"}, config), "backend", 422),
    ]
    for call, field, status in cases:
        with pytest.raises(KnowledgeError) as err:
            call()
        assert err.value.field == field
        assert err.value.status == status
        assert field in err.value.message
    spec = index_spec({"name": "kb", "type": "IVF", "params": {"nlist": 4}, "shards": 3}, config)
    assert spec.type is IndexType.IVF and spec.shards == 3 and spec.params["nprobe"] == 4  # clamped to nlist
    assert check_k(50, config) == 50


def test_knowledge_error_survives_pickling() -> None:
    import pickle

    err = KnowledgeError("too_large", "content: too big", "content", 413)  # type: ignore[arg-type]
    back = pickle.loads(pickle.dumps(err))
    assert back.to_dict() == {"code": "too_large", "message": "content: too big", "field": "content"}
    assert back.status == 413
