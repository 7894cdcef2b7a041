"""How the gateway serves the built UI: base path injection, client routes, missing files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from configs.settings import Settings
from serve_app.routers.ui import dashboard_url, pick_ui_dir, render_index, ui_response

INDEX = (
    '<!doctype html><html><head><meta charset="utf-8">'
    '<script type="module" src="./assets/app.js"></script></head><body></body></html>'
)


@pytest.fixture()
def ui_dir(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "app.js").write_text("console.log(1)")
    return tmp_path


def _settings(base_path: str = "", **ray: object) -> Settings:
    # every field the tests read is given: the integration fixtures set PYGENT_* variables
    ray = {"include_dashboard": True, "address": None, "dashboard_host": "127.0.0.1", "dashboard_port": 8265, **ray}
    return Settings.model_validate({"serve": {"base_path": base_path}, "ray": ray})


def test_index_gets_base_href_and_runtime_config_under_a_sub_path(ui_dir: Path) -> None:
    text = render_index(ui_dir / "index.html", _settings("/pygent"))
    head = text[text.index("<head>") : text.index("</head>")]
    assert '<base href="/pygent/">' in head
    assert head.index("<base") < head.index("./assets/app.js")  # before any relative URL
    config = json.loads(text.split("window.__PYGENT__=", 1)[1].split("</script>", 1)[0])
    assert config == {"basePath": "/pygent/"}


def test_index_at_the_root(ui_dir: Path) -> None:
    assert '<base href="/">' in render_index(ui_dir / "index.html", _settings(""))


def test_an_index_that_sets_its_own_base_is_left_alone(tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text('<html><head><base href="/elsewhere/"></head></html>')
    assert render_index(page, _settings("/pygent")) == page.read_text()


def test_client_routes_get_index_assets_get_files_missing_files_404(ui_dir: Path) -> None:
    settings = _settings("/pygent")
    route = ui_response(ui_dir, "system", settings)
    assert route.status_code == 200 and b'<base href="/pygent/">' in route.body
    assert route.headers["cache-control"] == "no-cache"
    asset = ui_response(ui_dir, "assets/app.js", settings)
    assert asset.status_code == 200 and "immutable" in asset.headers["cache-control"]
    assert ui_response(ui_dir, "assets/gone-1234.js", settings).status_code == 404
    outside = ui_response(ui_dir, "../../etc/passwd", settings)  # never a file outside ui_dir
    assert b"root:" not in outside.body and b"<base" in outside.body
    assert ui_response(ui_dir, "", settings).status_code == 200


def test_built_ui_preferred_over_the_placeholder(tmp_path: Path) -> None:
    built, fallback = tmp_path / "dist", tmp_path / "public"
    fallback.mkdir()
    settings = Settings.model_validate({"serve": {"ui_dir": str(built), "ui_fallback_dir": str(fallback)}})
    assert pick_ui_dir(settings) == fallback
    built.mkdir()
    (built / "index.html").write_text(INDEX)
    assert pick_ui_dir(settings) == built  # picked per request: no restart needed


def test_dashboard_url() -> None:
    assert dashboard_url(_settings(dashboard_host="127.0.0.1", dashboard_port=8265), "x") == "http://127.0.0.1:8265"
    assert dashboard_url(_settings(dashboard_host="0.0.0.0", dashboard_port=9000), "box.lan") == "http://box.lan:9000"
    assert dashboard_url(_settings(include_dashboard=False), "x") is None
    assert dashboard_url(_settings(address="10.0.0.5:6379"), "x") is None
