"""Genome and run validation (errors name the field), genome keys, the defaults file and settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from actors.evolution.config import load_evolution_defaults, run_config
from configs.settings import PROJECT_ROOT, load_settings
from protocols.evolution import PRESET_OBJECTIVES, Direction, Recipe, RunConfig, genome_key


def _loc(error: ValidationError) -> list[str]:
    return [".".join(str(p) for p in e["loc"]) for e in error.errors()]


def test_recipe_errors_name_the_field() -> None:
    with pytest.raises(ValidationError) as bad_temperature:
        Recipe.model_validate({"model": "m", "temperature": 3})
    assert _loc(bad_temperature.value) == ["temperature"]
    with pytest.raises(ValidationError) as bad_beam:
        Recipe.model_validate({"model": "m", "reasoning": {"beam_width": 0}})
    assert _loc(bad_beam.value) == ["reasoning.beam_width"]
    with pytest.raises(ValidationError) as bad_mode:
        Recipe.model_validate({"model": "m", "reasoning": {"mode": "telepathy"}})
    assert _loc(bad_mode.value) == ["reasoning.mode"]
    with pytest.raises(ValidationError) as unknown:
        Recipe.model_validate({"model": "m", "colour": "red"})
    assert _loc(unknown.value) == ["colour"]
    with pytest.raises(ValidationError) as repeated:
        Recipe.model_validate({"model": "m", "tools": ["a", "a"]})
    assert _loc(repeated.value) == ["tools"]
    with pytest.raises(ValidationError) as version:
        Recipe.model_validate({"model": "m", "schema_version": 2})
    assert _loc(version.value) == ["schema_version"]


def test_genome_key_is_the_content() -> None:
    a = Recipe(model="m", system_prompt="be brief", tools=["b", "a"])
    same = Recipe(model="m", system_prompt="be brief", tools=["a", "b"])
    other = Recipe(model="m", system_prompt="be brief.", tools=["a", "b"])
    assert genome_key(a) == genome_key(same) != genome_key(other)


def _run(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {"task": "t", "objectives": ["quality"], "space": {"kind": "recipe", "models": ["m"]}}
    base.update(kw)
    return base


def test_run_config_presets_and_field_errors() -> None:
    config = RunConfig.model_validate(_run(objectives=["quality", "tokens"]))
    assert config.objectives == [PRESET_OBJECTIVES["quality"], PRESET_OBJECTIVES["tokens"]]
    assert config.objectives[0].direction is Direction.MAX
    cases = {
        "objectives": _run(objectives=["speed"]),
        "migration_rate": _run(migration_rate=1.5),
        "budget.metric_calls": _run(budget={"metric_calls": 0}),
        "parent_selection": _run(parent_selection="roulette"),
        "space.recipe.beam_width": _run(space={"kind": "recipe", "models": ["m"], "beam_width": {"low": 0, "high": 3}}),
        "space.real": _run(space={"kind": "real", "lower": [0, 1], "upper": [1, 1]}),
    }
    for field, data in cases.items():
        with pytest.raises(ValidationError) as error:
            RunConfig.model_validate(data)
        assert any(loc.startswith(field) for loc in _loc(error.value)), (field, _loc(error.value))
    with pytest.raises(ValidationError, match="seeds"):
        RunConfig.model_validate(_run(seeds=[{"kind": "real", "x": [0.5]}]))
    with pytest.raises(ValidationError, match="names must not repeat"):
        RunConfig.model_validate(_run(objectives=["quality", "quality"]))


def test_defaults_file_and_settings() -> None:
    settings = load_settings()
    assert settings.evolution.config_file == "configs/evolution.yaml"
    defaults = load_evolution_defaults(settings.resolve_path(settings.evolution.config_file))
    assert defaults.objectives == ["quality", "latency_p50", "tokens"]
    config = run_config(defaults, {"task": "rag_questions", "islands": 3}, default_model="qwen")
    assert config.islands == 3 and config.population_size == defaults.population_size
    assert config.space.kind == "recipe" and config.space.models == ["qwen"]
    assert config.cascade.minibatch_size == defaults.cascade.minibatch_size
    with pytest.raises(ValidationError) as error:
        run_config(defaults, {"task": "t", "space": {"temperature": {"low": 0, "high": 5}}}, default_model="qwen")
    assert any(loc.startswith("space.recipe") for loc in _loc(error.value))
    assert (PROJECT_ROOT / "configs" / "evolution.yaml").is_file()
