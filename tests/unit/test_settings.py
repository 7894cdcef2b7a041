"""configs/settings.py: defaults from configs/default.yaml, PYGENT_CONFIG, PYGENT_* variables."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from configs import settings as settings_module
from configs.settings import (
    DEFAULT_CONFIG_FILE,
    PROJECT_ROOT,
    ServeConfig,
    Settings,
    get_settings,
    load_settings,
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No PYGENT_* variable from the caller's shell leaks into these tests."""
    for name in list(os.environ):
        if name.upper().startswith("PYGENT_"):
            monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def write_yaml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "override.yaml"
    path.write_text(text)
    return path


# ---- defaults ---------------------------------------------------------------------


def test_defaults_come_from_default_yaml() -> None:
    settings = load_settings()
    assert settings.serve.host == "127.0.0.1"
    assert settings.serve.port == 8000
    assert settings.serve.base_path == ""
    assert settings.state_dir == ".pygent"
    assert settings.database.url is None
    assert settings.ray.address is None
    assert settings.supervision.root_intensity == 10
    assert settings.supervision.ping_interval_s == 2.0
    assert settings.logging.level == "INFO"


def test_every_default_yaml_value_is_loaded() -> None:
    raw = yaml.safe_load(DEFAULT_CONFIG_FILE.read_text())
    dumped = load_settings().model_dump()
    for section, values in raw.items():
        if isinstance(values, dict):
            for key, value in values.items():
                assert dumped[section][key] == value, f"{section}.{key}"
        else:
            assert dumped[section] == values, section


def test_get_settings_is_cached_until_cleared() -> None:
    first = get_settings()
    assert get_settings() is first
    get_settings.cache_clear()
    assert get_settings() is not first


# ---- environment variables --------------------------------------------------------------


def test_env_overrides_serve_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYGENT_SERVE_PORT", "8123")
    settings = load_settings()
    assert settings.serve.port == 8123
    assert settings.serve.host == "127.0.0.1"  # the rest of the section stays


def test_env_overrides_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYGENT_DATABASE_URL", "postgresql://u:p@db.example/pygent")
    settings = load_settings()
    assert settings.database.url == "postgresql://u:p@db.example/pygent"
    assert settings.database.pool_max_size == 8


def test_env_overrides_top_level_state_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PYGENT_STATE_DIR", str(tmp_path / "state"))
    settings = load_settings()
    assert settings.state_dir == str(tmp_path / "state")
    assert settings.state_path == (tmp_path / "state").resolve()


def test_env_overrides_a_key_with_underscores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYGENT_SUPERVISION_PING_INTERVAL_S", "0.25")
    settings = load_settings()
    assert settings.supervision.ping_interval_s == 0.25
    assert settings.supervision.ping_timeout_s == 5.0


def test_env_values_are_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYGENT_SERVE_PORT", "0")
    with pytest.raises(ValidationError) as info:
        load_settings()
    assert info.value.errors()[0]["loc"] == ("serve", "port")
    assert "serve.port" in str(info.value)


def test_env_bool_and_literal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYGENT_SERVE_ACCESS_LOG", "true")
    monkeypatch.setenv("PYGENT_LOGGING_LEVEL", "DEBUG")
    settings = load_settings()
    assert settings.serve.access_log is True
    assert settings.logging.level == "DEBUG"


# ---- PYGENT_CONFIG -----------------------------------------------------------------------


def test_config_file_overrides_only_its_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = write_yaml(tmp_path, "serve:\n  port: 9001\nsupervision:\n  root_intensity: 7\n")
    monkeypatch.setenv("PYGENT_CONFIG", str(path))
    settings = load_settings()
    assert settings.serve.port == 9001
    assert settings.serve.host == "127.0.0.1"  # deep-merged, not replaced
    assert settings.supervision.root_intensity == 7
    assert settings.supervision.root_period_s == 10.0
    assert settings.database.pool_max_size == 8


def test_empty_config_file_changes_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PYGENT_CONFIG", str(write_yaml(tmp_path, "# nothing\n")))
    assert load_settings() == Settings()


def test_env_beats_config_file_and_arguments_beat_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PYGENT_CONFIG", str(write_yaml(tmp_path, "serve:\n  port: 9001\n")))
    monkeypatch.setenv("PYGENT_SERVE_PORT", "9002")
    assert load_settings().serve.port == 9002
    assert load_settings(serve={"port": 9003}).serve.port == 9003


def test_config_file_bad_value_names_the_field(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PYGENT_CONFIG", str(write_yaml(tmp_path, "serve:\n  port: 0\n")))
    with pytest.raises(ValidationError) as info:
        load_settings()
    assert info.value.errors()[0]["loc"] == ("serve", "port")


@pytest.mark.parametrize(
    ("text", "loc"),
    [
        ("serve:\n  prot: 9000\n", ("serve", "prot")),
        ("sevre:\n  port: 9000\n", ("sevre",)),
    ],
)
def test_config_file_unknown_key_names_the_field(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str, loc: tuple[str, ...]
) -> None:
    monkeypatch.setenv("PYGENT_CONFIG", str(write_yaml(tmp_path, text)))
    with pytest.raises(ValidationError) as info:
        load_settings()
    error = info.value.errors()[0]
    assert error["loc"] == loc
    assert error["type"] == "extra_forbidden"
    assert ".".join(loc) in str(info.value)


def test_config_file_must_be_a_mapping(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PYGENT_CONFIG", str(write_yaml(tmp_path, "- serve\n- port\n")))
    with pytest.raises(ValueError, match="must be a mapping"):
        load_settings()


def test_missing_config_file_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PYGENT_CONFIG", str(tmp_path / "absent.yaml"))
    with pytest.raises(FileNotFoundError, match=r"absent\.yaml"):
        load_settings()


def test_deep_merge() -> None:
    into = {"a": {"b": 1, "c": {"d": 2}}, "e": 3}
    settings_module._deep_merge(into, {"a": {"c": {"d": 5, "f": 6}}, "e": {"x": 1}})
    assert into == {"a": {"b": 1, "c": {"d": 5, "f": 6}}, "e": {"x": 1}}


# ---- values and paths ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        ("", ""),
        ("/", ""),
        ("pygent", "/pygent"),
        ("/pygent", "/pygent"),
        ("/pygent/", "/pygent"),
        ("  pygent/  ", "/pygent"),
        ("a/b/", "/a/b"),
    ],
)
def test_base_path_normalisation(given: str, normalised: str) -> None:
    assert ServeConfig(base_path=given).base_path == normalised


def test_base_path_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYGENT_SERVE_BASE_PATH", "pygent/")
    assert load_settings().serve.base_path == "/pygent"


@pytest.mark.parametrize("port", [0, -1, 65536])
def test_port_range(port: int) -> None:
    with pytest.raises(ValidationError) as info:
        ServeConfig(port=port)
    assert info.value.errors()[0]["loc"] == ("port",)


def test_resolve_path() -> None:
    settings = load_settings()
    assert settings.resolve_path("ui/dist") == (PROJECT_ROOT / "ui" / "dist").resolve()
    assert settings.resolve_path("/abs/path") == Path("/abs/path")


def test_inline_object_size_reaches_rays_system_config(monkeypatch: pytest.MonkeyPatch) -> None:
    from serve_app.platform import ray_system_config

    assert ray_system_config(Settings())["max_direct_call_object_size"] == 1024 * 1024
    monkeypatch.setenv("PYGENT_RAY_MAX_INLINE_OBJECT_KB", "256")
    assert ray_system_config(Settings())["max_direct_call_object_size"] == 256 * 1024
    monkeypatch.setenv("PYGENT_RAY_MAX_INLINE_OBJECT_KB", "-1")
    with pytest.raises(ValidationError, match="max_inline_object_kb"):
        Settings()


def test_gateway_replicas_auto_is_one_on_one_node_and_two_spread_on_more() -> None:
    from serve_app.replicas import GatewayPlacement, gateway_placement

    assert load_settings().serve.replicas == "auto"
    assert load_settings().serve.proxy_location == "EveryNode"
    assert gateway_placement("auto", 1) == GatewayPlacement(replicas=1, max_per_node=None)
    assert gateway_placement("auto", 3) == GatewayPlacement(replicas=2, max_per_node=1)
    # a number is taken as is, spread only while every replica can have a node of its own
    assert gateway_placement(3, 2) == GatewayPlacement(replicas=3, max_per_node=None)
    assert gateway_placement(3, 3) == GatewayPlacement(replicas=3, max_per_node=1)
    assert gateway_placement(1, 4) == GatewayPlacement(replicas=1, max_per_node=None)


def test_gateway_replicas_refuse_zero_and_words_other_than_auto(monkeypatch: pytest.MonkeyPatch) -> None:
    for bad in ("0", "many"):
        monkeypatch.setenv("PYGENT_SERVE_REPLICAS", bad)
        with pytest.raises(ValueError, match="replicas"):
            load_settings()
    monkeypatch.setenv("PYGENT_SERVE_REPLICAS", "2")
    assert load_settings().serve.replicas == 2
