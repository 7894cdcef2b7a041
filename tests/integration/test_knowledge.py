"""Knowledge search and agent memory on the running platform, with real MiniLM embeddings,
real PostgreSQL (pgvector + full-text) and real FAISS shard actors.

The corpus in tests/data/knowledge has one short document per topic (one chunk each) and
documents full of look-alike part and error codes, only one of which names part ZX-4417.
"""

from __future__ import annotations

import base64
import shutil
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.integration import authed
from tests.unit.test_knowledge_engines import _tiny_pdf

pytestmark = pytest.mark.integration

CORPUS = Path(__file__).resolve().parent.parent / "data" / "knowledge"
INDEX = "kbtest"
TOPICS = {
    "volcanoes.txt": "science",
    "photosynthesis.md": "science",
    "espresso.html": "cooking",
    "marathon.txt": "sport",
    "runbook-zx4471.md": "ops",
    "parts-catalog.txt": "ops",
    "elevator-service.txt": "ops",
    "runbook-zx7144.md": "ops",
}
PARAPHRASES = {
    "How do leaves turn light into food?": "photosynthesis.md",
    "What makes a mountain blow up and spew melted stone?": "volcanoes.txt",
    "getting ready to run 42 kilometres": "marathon.txt",
    "making strong coffee under high pressure": "espresso.html",
}


def api(platform: str, path: str) -> str:
    return platform + "api/v1" + path


@pytest.fixture(scope="module")
def corpus(platform: str) -> dict[str, dict[str, Any]]:
    """A 2-shard HNSW index created at run time, holding the corpus: file name -> document."""
    created = authed.post(
        api(platform, "/search/indexes"),
        json={"name": INDEX, "type": "hnsw", "params": {"M": 16, "ef_search": 64}, "shards": 2},
        timeout=120,
    )
    assert created.status_code == 201, created.text
    assert created.json()["shards"] == 2
    docs: dict[str, dict[str, Any]] = {}
    for name, topic in TOPICS.items():
        body = {
            "index": INDEX,
            "content": (CORPUS / name).read_text(),
            "filename": name,
            "metadata": {"topic": topic, "file": name},
        }
        response = authed.post(api(platform, "/search/documents"), json=body, timeout=120)
        assert response.status_code == 201, response.text
        docs[name] = response.json()
    filler = 0
    while {d["shard"] for d in docs.values()} != {0, 1}:  # both shards must hold documents
        filler += 1
        body = {
            "index": INDEX,
            "content": f"Filler note number {filler} about nothing much.",
            "metadata": {"topic": "filler"},
        }
        docs[f"filler-{filler}"] = authed.post(api(platform, "/search/documents"), json=body, timeout=120).json()
    return docs


def search(platform: str, mode: str, query: str, k: int = 3, **extra: Any) -> dict[str, Any]:
    response = authed.post(
        api(platform, f"/search/{mode}"), json={"index": INDEX, "query": query, "k": k, **extra}, timeout=60
    )
    assert response.status_code == 200, response.text
    return response.json()


def top_file(answer: dict[str, Any]) -> str | None:
    results = answer["results"]
    return results[0]["metadata"]["file"] if results else None


def test_ingest_parses_each_format(corpus: dict[str, dict[str, Any]]) -> None:
    assert corpus["espresso.html"]["format"] == "html"
    assert corpus["espresso.html"]["title"] == "Brewing espresso"
    assert corpus["photosynthesis.md"]["format"] == "markdown"
    assert corpus["volcanoes.txt"]["format"] == "text"
    assert all(d["chunks"] == 1 and d["indexed"] for d in corpus.values())


def test_paraphrased_queries_rank_the_right_chunk_first(platform: str, corpus: dict[str, Any]) -> None:
    for query, expected in PARAPHRASES.items():
        answer = search(platform, "semantic", query)
        assert top_file(answer) == expected, (query, answer["results"])
        assert answer["partial"] is False and answer["shards_answered"] == 2
        first = answer["results"][0]
        assert first["document_id"] == corpus[expected]["id"]
        assert first["text"] and 0 < first["score"] <= 1.0001


def test_hybrid_beats_keyword_on_a_paraphrase(platform: str, corpus: dict[str, Any]) -> None:
    query = "How do leaves turn light into food?"
    assert top_file(search(platform, "keyword", query)) != "photosynthesis.md"
    assert top_file(search(platform, "hybrid", query)) == "photosynthesis.md"


def test_hybrid_beats_vector_on_an_exact_identifier(platform: str, corpus: dict[str, Any]) -> None:
    # MiniLM ranks the catalogue full of look-alike codes first; only full-text search
    # knows that exactly one document mentions this part.
    query = "ZX-4417"
    assert top_file(search(platform, "semantic", query)) == "parts-catalog.txt"
    assert top_file(search(platform, "keyword", query)) == "elevator-service.txt"
    hybrid = search(platform, "hybrid", query)
    assert top_file(hybrid) == "elevator-service.txt"
    assert hybrid["mode"] == "hybrid"


def test_pgvector_backend_agrees_on_the_same_index(platform: str, corpus: dict[str, Any]) -> None:
    for query, expected in PARAPHRASES.items():
        answer = search(platform, "semantic", query, backend="pgvector")
        assert answer["backend"] == "pgvector"
        assert top_file(answer) == expected


def test_metadata_filters(platform: str, corpus: dict[str, Any]) -> None:
    coffee = "making strong coffee under high pressure"
    answer = search(platform, "hybrid", coffee, k=5, filters={"topic": "science"})
    assert answer["results"] and {r["metadata"]["topic"] for r in answer["results"]} == {"science"}
    answer = search(platform, "semantic", coffee, k=5, filters={"topic": ["cooking", "sport"]})
    assert {r["metadata"]["file"] for r in answer["results"]} == {"espresso.html", "marathon.txt"}
    answer = search(platform, "semantic", coffee, k=5, filters={"topic": "science"}, backend="pgvector")
    assert {r["metadata"]["topic"] for r in answer["results"]} == {"science"}


def test_batched_queries(platform: str, corpus: dict[str, Any]) -> None:
    response = authed.post(
        api(platform, "/search/batch"),
        json={"index": INDEX, "queries": list(PARAPHRASES), "k": 2, "mode": "semantic"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    answers = response.json()["responses"]
    assert [top_file(a) for a in answers] == list(PARAPHRASES.values())


def test_bus_tools(client: Any, corpus: dict[str, Any]) -> None:
    added = client.call_tool(
        "knowledge/main",
        "add_document",
        {"content": "The lighthouse keeper logs ships passing the reef at night.", "metadata": {"topic": "sea"}},
    )
    assert added["index"] == "default" and added["id"]
    found = client.call_tool("knowledge/main", "search", {"query": "who records boats near the rocks after dark"})
    assert found["results"][0]["document_id"] == added["id"]
    assert found["partial"] is False
    with pytest.raises(Exception) as err:
        client.call_tool("knowledge/main", "search", {"query": "x", "index": "nope"})
    assert "nope" in str(err.value)


def test_pdf_upload(platform: str) -> None:
    data = _tiny_pdf("The warranty covers water damage for two years.")
    response = authed.post(
        api(platform, "/search/documents"),
        json={"content_base64": base64.b64encode(data).decode(), "metadata": {"kind": "pdf"}},
        timeout=60,
    )
    assert response.status_code == 201, response.text
    doc = response.json()
    assert doc["format"] == "pdf"
    answer = authed.post(
        api(platform, "/search/semantic"),
        json={"query": "is liquid damage included in the guarantee", "k": 1},
        timeout=60,
    ).json()
    assert answer["results"][0]["document_id"] == doc["id"]


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/search/semantic", {"index": "default", "query": "   ", "k": 3}, 422, "query"),
        ("/search/hybrid", {"index": "no-such-index", "query": "x", "k": 3}, 404, "index"),
        ("/search/hybrid", {"index": "default", "query": "x", "k": 0}, 422, "k"),
        ("/search/semantic", {"index": "default", "query": "x", "k": 100000}, 422, "k"),
        ("/search/documents", {"index": "default", "content": "x" * 1_000_001}, 413, "content"),
        ("/search/documents", {"index": "default", "content": ""}, 422, "content"),
        ("/search/documents", {"index": "missing", "content": "text"}, 404, "index"),
        ("/search/indexes", {"name": "bad-params", "type": "hnsw", "params": {"M": 1}}, 422, "params.M"),
        ("/search/indexes", {"name": "bad-type", "type": "annoy"}, 422, "type"),
        ("/search/indexes", {"name": "Bad Name!"}, 422, "name"),
        ("/search/indexes", {"name": "default"}, 409, "name"),
        ("/search/semantic", {"index": "default", "query": "x", "filters": {"a": {"b": 1}}}, 422, "filters.a"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(
    platform: str, path: str, body: dict[str, Any], status: int, field: str
) -> None:
    response = authed.post(api(platform, path), json=body, timeout=60)
    assert response.status_code == status, response.text
    error = response.json()
    assert error["field"] == field
    assert error["message"]


def test_delete_removes_a_document_from_results(platform: str) -> None:
    body = {
        "index": INDEX,
        "content": "Beekeepers smoke the hive to calm the bees before taking honey.",
        "metadata": {"topic": "farming", "file": "bees"},
    }
    doc = authed.post(api(platform, "/search/documents"), json=body, timeout=60).json()
    query = "how to keep honeybees quiet while harvesting"
    for mode in ("semantic", "hybrid"):
        assert search(platform, mode, query)["results"][0]["document_id"] == doc["id"]
    deleted = authed.delete(api(platform, f"/search/documents/{doc['id']}"), timeout=60)
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    for mode in ("semantic", "hybrid", "keyword"):
        assert doc["id"] not in {r["document_id"] for r in search(platform, mode, query, k=10)["results"]}
    for backend in ("pgvector",):
        answer = search(platform, "semantic", query, k=10, backend=backend)
        assert doc["id"] not in {r["document_id"] for r in answer["results"]}
    again = authed.delete(api(platform, f"/search/documents/{doc['id']}"), timeout=60)
    assert again.status_code == 404 and again.json()["field"] == "id"


def test_delete_index_removes_it_everywhere(platform: str, client: Any, settings: Any) -> None:
    name = f"kbdel{uuid.uuid4().hex[:6]}"
    created = authed.post(api(platform, "/search/indexes"), json={"name": name, "shards": 2}, timeout=120)
    assert created.status_code == 201, created.text
    body = {"index": name, "content": "Otters hold hands while they sleep so they do not drift apart."}
    assert authed.post(api(platform, "/search/documents"), json=body, timeout=60).status_code == 201
    query = {"index": name, "query": "sea animals sleeping together", "k": 3}
    assert authed.post(api(platform, "/search/semantic"), json=query, timeout=60).json()["results"]
    shard_pids = [
        s["pid"]
        for i in authed.get(api(platform, "/search/stats"), params={"recall_sample": 0}, timeout=60).json()["indexes"]
        if i["name"] == name
        for s in i["shard_status"]
    ]
    assert len(shard_pids) == 2

    deleted = authed.delete(api(platform, f"/search/indexes/{name}"), timeout=120)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {
        "name": name,
        "deleted": True,
        "documents": 1,
        "chunks": 1,
        "shards_stopped": 2,
    }
    listed = authed.get(api(platform, "/search/indexes"), timeout=60).json()["indexes"]
    assert name not in {i["name"] for i in listed}
    gone = authed.post(api(platform, "/search/semantic"), json=query, timeout=60)
    assert gone.status_code == 404 and gone.json()["field"] == "index"
    deadline = time.monotonic() + 10
    while any(psutil.pid_exists(pid) for pid in shard_pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(psutil.pid_exists(pid) for pid in shard_pids), "the shard processes are still running"
    assert not list((settings.state_path / "index").glob(f"{name}.*")), "snapshots left behind"

    # The name is free again, and the new index starts empty.
    again = authed.post(api(platform, "/search/indexes"), json={"name": name, "shards": 1}, timeout=120)
    assert again.status_code == 201, again.text
    assert authed.post(api(platform, "/search/semantic"), json=query, timeout=60).json()["results"] == []
    assert authed.delete(api(platform, f"/search/indexes/{name}"), timeout=120).status_code == 200


def test_delete_index_refuses_unknown_and_default(platform: str) -> None:
    unknown = authed.delete(api(platform, "/search/indexes/no-such-index"), timeout=60)
    assert unknown.status_code == 404 and unknown.json()["field"] == "index"
    default = authed.delete(api(platform, "/search/indexes/default"), timeout=60)
    assert default.status_code == 409 and default.json()["field"] == "name"
    assert "default" in default.json()["message"]


def test_killed_shard_gives_partial_results_then_full_after_rebuild(
    platform: str, client: Any, corpus: dict[str, dict[str, Any]]
) -> None:
    victim_shard = corpus["photosynthesis.md"]["shard"]
    victim = f"index/{INDEX}.{victim_shard}"
    query = "How do leaves turn light into food?"
    answers: list[dict[str, Any]] = []
    stop = threading.Event()

    def keep_searching() -> None:
        while not stop.is_set():
            answers.append(search(platform, "semantic", query, k=7))

    worker = threading.Thread(target=keep_searching)
    worker.start()
    try:
        time.sleep(0.3)
        before = client.wait_until_running(victim).restarts
        client.kill(victim)
        client.wait_until_running(victim, timeout_s=60, min_restarts=before + 1)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (
            answers and answers[-1]["partial"] is False and any(a["partial"] for a in answers)
        ):
            time.sleep(0.2)
    finally:
        stop.set()
        worker.join(timeout=60)
    partial = [a for a in answers if a["partial"]]
    assert partial, "no search saw the shard missing"
    for answer in partial:  # answered from the other shard, never an error
        assert answer["shards_answered"] == 1
        shards = {
            next(d["shard"] for d in corpus.values() if d["id"] == r["document_id"])
            for r in answer["results"]
            if any(d["id"] == r["document_id"] for d in corpus.values())
        }
        assert victim_shard not in shards
    full = search(platform, "semantic", query, k=7)
    if full["partial"]:
        shards = authed.get(api(platform, "/search/stats"), params={"recall_sample": 0}, timeout=60).json()
        pytest.fail(f"still partial after the restart: {shards['indexes']}")
    assert top_file(full) == "photosynthesis.md"  # the rebuilt shard has its vectors back


def test_a_shard_without_its_snapshot_rebuilds_from_the_database(
    platform: str, client: Any, settings: Any, corpus: dict[str, dict[str, Any]]
) -> None:
    """A shard restarted on another node finds no snapshot there (they are a per-node cache):
    it rebuilds from PostgreSQL and answers as before."""
    import ray

    def hits() -> list[list[tuple[int, float]]]:
        answers = [search(platform, "semantic", query, k=7) for query in PARAPHRASES]
        assert not any(a["partial"] for a in answers)
        return [[(r["chunk_id"], r["score"]) for r in a["results"]] for a in answers]

    victim = f"index/{INDEX}.{corpus['photosynthesis.md']['shard']}"
    ray.get(client.actor(victim).wait_ready.remote(60), timeout=90)
    before = hits()
    shutil.rmtree(settings.state_path / "index", ignore_errors=True)  # no snapshot on "this node"
    restarts = client.wait_until_running(victim).restarts
    client.kill(victim)  # a crash: no snapshot is written on the way out
    client.wait_until_running(victim, timeout_s=60, min_restarts=restarts + 1)
    status = ray.get(client.actor(victim).wait_ready.remote(60), timeout=90)
    assert status["state"] == "ready" and status["source"] == "database", status
    after = hits()
    assert [[chunk for chunk, _ in answer] for answer in after] == [[chunk for chunk, _ in answer] for answer in before]
    for answer_before, answer_after in zip(before, after, strict=True):
        assert [s for _, s in answer_after] == pytest.approx([s for _, s in answer_before], abs=1e-4)


def test_stats(platform: str, corpus: dict[str, Any]) -> None:
    search(platform, "hybrid", "espresso crema")
    stats = authed.get(api(platform, "/search/stats"), params={"recall_sample": 5}, timeout=120).json()
    by_name = {i["name"]: i for i in stats["indexes"]}
    assert by_name[INDEX]["documents"] >= len(TOPICS)
    assert by_name[INDEX]["chunks"] >= len(TOPICS)
    assert by_name[INDEX]["recall_at_10"] == pytest.approx(1.0)  # tiny index: HNSW is exact
    assert [s["state"] for s in by_name[INDEX]["shard_status"]] == ["ready", "ready"]
    for shard in by_name[INDEX]["shard_status"]:
        # the shard's own environment: passive OpenMP threads, and the platform's settings
        environ = psutil.Process(shard["pid"]).environ()
        assert environ.get("OMP_WAIT_POLICY") == "PASSIVE"
        assert environ.get("PYGENT_STATE_DIR")
    assert "default" in by_name
    assert stats["latency_ms"]["hybrid"]["p50"] > 0
    assert stats["sizes"]["chunks_bytes"] > 0
    listed = authed.get(api(platform, "/search/indexes"), timeout=60).json()["indexes"]
    assert {"default", INDEX} <= {i["name"] for i in listed}


# ---- agent memory ------------------------------------------------------------------------


def test_memory_add_search_delete_and_survive_a_restart(platform: str, client: Any) -> None:
    agent = "agent-mem-1"
    facts = [
        ("The user's dog is called Biscuit.", "conv-1", "fact"),
        ("The user prefers answers in French.", "conv-1", "preference"),
        ("The user lives in Lisbon near the river.", "conv-2", "fact"),
    ]
    ids = []
    for content, conversation, kind in facts:
        response = authed.post(
            api(platform, f"/memory/agents/{agent}"),
            json={"content": content, "conversation_id": conversation, "kind": kind},
            timeout=60,
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    other = client.call_tool("memory/main", "remember", {"agent_id": "agent-mem-2", "content": "Likes cats."})
    assert other["id"]

    listed = authed.get(api(platform, f"/memory/agents/{agent}"), timeout=60).json()
    assert [m["id"] for m in listed["memories"]] == ids
    conv = authed.get(api(platform, "/memory/conversations/conv-1"), timeout=60).json()
    assert {m["content"] for m in conv["memories"]} == {facts[0][0], facts[1][0]}

    found = authed.post(
        api(platform, "/memory/search"),
        json={"query": "what is the name of the pet?", "agent_id": agent, "k": 2},
        timeout=60,
    ).json()
    assert found["memories"][0]["id"] == ids[0]
    assert set(found["memories"][0]) >= {"id", "agent_id", "conversation_id", "kind", "content", "score", "created_at"}

    before = client.wait_until_running("memory/main").restarts
    client.kill("memory/main")
    client.wait_until_running("memory/main", timeout_s=60, min_restarts=before + 1)
    recalled = client.call_tool(
        "memory/main", "recall", {"query": "which city does the user live in", "agent_id": agent, "k": 1}
    )
    assert recalled["memories"][0]["id"] == ids[2]

    stats = authed.get(api(platform, "/memory/stats"), timeout=60).json()
    assert stats["memories"] >= 4 and stats["agents"] >= 2 and stats["by_kind"]["preference"] >= 1

    one = authed.delete(api(platform, f"/memory/agents/{agent}"), params={"memory_id": ids[1]}, timeout=60)
    assert one.status_code == 200 and one.json()["deleted"] == 1
    gone = authed.delete(api(platform, f"/memory/agents/{agent}"), timeout=60).json()
    assert gone["deleted"] == 2
    assert authed.get(api(platform, f"/memory/agents/{agent}"), timeout=60).json()["memories"] == []
    bad = authed.post(api(platform, "/memory/search"), json={"query": "", "k": 2}, timeout=60)
    assert bad.status_code == 422 and bad.json()["field"] == "query"


def test_coordinator_restart_starts_the_shards_of_stored_indexes(
    platform: str, client: Any, corpus: dict[str, Any]
) -> None:
    """What happens at platform start: the shards of indexes created at run time are not in
    the static tree; knowledge/main starts them from the search_indexes table."""
    import ray

    supervisor = client.actor("supervisor/index")
    ray.get(supervisor.terminate_child.remote(f"index/{INDEX}.1"), timeout=60)
    assert f"index/{INDEX}.1" not in {c["address"] for c in ray.get(supervisor.which_children.remote(), timeout=30)}
    before = client.wait_until_running("knowledge/main").restarts
    client.kill("knowledge/main")
    client.wait_until_running("knowledge/main", timeout_s=60, min_restarts=before + 1)
    client.wait_until_running(f"index/{INDEX}.1", timeout_s=120)
    deadline = time.monotonic() + 60
    answer = search(platform, "semantic", "How do leaves turn light into food?", k=7)
    while answer["partial"] and time.monotonic() < deadline:
        time.sleep(0.5)
        answer = search(platform, "semantic", "How do leaves turn light into food?", k=7)
    assert answer["partial"] is False
    assert len(answer["results"]) == 7
