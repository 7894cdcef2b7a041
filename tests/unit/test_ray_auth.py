"""Ray's token authentication set-up (serve_app/ray_auth.py), without starting Ray."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from configs.settings import Settings
from serve_app import ray_auth

NAMES = (ray_auth.MODE_VARIABLE, *ray_auth.TOKEN_VARIABLES)


@pytest.fixture
def clean_env() -> Iterator[None]:
    """None of Ray's auth variables; afterwards this process's environment and Ray's cached
    config as they were (one pytest process runs the integration platform later)."""
    saved = {name: os.environ.pop(name) for name in NAMES if name in os.environ}
    yield
    for name in NAMES:
        os.environ.pop(name, None)
    os.environ.update(saved)
    from ray._raylet import Config  # type: ignore[attr-defined]

    Config.initialize("")


def settings_in(state: Path, **ray: object) -> Settings:
    return Settings(state_dir=str(state), ray=ray)  # type: ignore[arg-type]


def test_a_cluster_pygent_starts_uses_a_token_by_default(tmp_path: Path, clean_env: None) -> None:
    settings = settings_in(tmp_path)
    assert ray_auth.auth_mode(settings) == "token"
    assert ray_auth.prepare(settings, starting=True) == "token"
    token = tmp_path / "ray-auth-token"
    assert os.environ["RAY_AUTH_MODE"] == "token" and os.environ["RAY_AUTH_TOKEN_PATH"] == str(token)
    assert stat.S_IMODE(token.stat().st_mode) == 0o600 and len(token.read_text()) >= 32
    first = token.read_text()
    del os.environ["RAY_AUTH_TOKEN_PATH"]
    ray_auth.prepare(settings, starting=True)  # a restart keeps the cluster's token
    assert token.read_text() == first and ray_auth.read_token(settings) == first


def test_a_joining_client_makes_no_token_and_uses_the_one_there_is(tmp_path: Path, clean_env: None) -> None:
    settings = settings_in(tmp_path)
    assert ray_auth.prepare(settings, starting=False) == "token"
    assert not (tmp_path / "ray-auth-token").exists() and "RAY_AUTH_TOKEN_PATH" not in os.environ
    assert ray_auth.read_token(settings) is None
    ray_auth.ensure_token(tmp_path / "ray-auth-token")
    ray_auth.prepare(settings, starting=False)
    assert os.environ["RAY_AUTH_TOKEN_PATH"] == str(tmp_path / "ray-auth-token")


def test_an_operators_token_and_rays_own_mode_win(tmp_path: Path, clean_env: None) -> None:
    settings = settings_in(tmp_path, auth_token_file=str(tmp_path / "elsewhere" / "token"))
    os.environ["RAY_AUTH_TOKEN"] = "operator-token-0123456789abcdef0123"
    ray_auth.prepare(settings, starting=True)
    assert not (tmp_path / "elsewhere").exists() and "RAY_AUTH_TOKEN_PATH" not in os.environ
    assert ray_auth.read_token(settings) == "operator-token-0123456789abcdef0123"
    os.environ["RAY_AUTH_MODE"] = "disabled"  # as the test suite and the benches run their clusters
    assert ray_auth.prepare(settings, starting=True) == "disabled" and os.environ["RAY_AUTH_MODE"] == "disabled"
    del os.environ["RAY_AUTH_MODE"]
    assert ray_auth.auth_mode(settings_in(tmp_path, auth_mode="disabled")) == "disabled"


def test_a_configured_token_file_is_where_the_token_is_made(tmp_path: Path, clean_env: None) -> None:
    settings = settings_in(tmp_path, auth_token_file=str(tmp_path / "secrets" / "ray"))
    ray_auth.prepare(settings, starting=True)
    assert os.environ["RAY_AUTH_TOKEN_PATH"] == str(tmp_path / "secrets" / "ray")
    assert stat.S_IMODE((tmp_path / "secrets" / "ray").stat().st_mode) == 0o600
