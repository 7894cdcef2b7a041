"""The web UI in a real browser (Debian's Chromium driven by playwright-core) against the
whole platform. The browser scenarios live in ui/e2e/*.test.mjs (node --test); each test
here runs one of them and checks its exit code and the screenshots it leaves in
test-artifacts/ui/."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.integration import authed
from tests.integration.conftest import ADMIN, login

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "ui"
ARTIFACTS = ROOT / "test-artifacts" / "ui"
CHROMIUM = os.environ.get("PYGENT_CHROMIUM", "/usr/bin/chromium")
SOURCES = ("src", "index.html", "vite.config.ts", "package.json", "package-lock.json", "tsconfig.json")

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None or not Path(CHROMIUM).exists(),
    reason=f"needs node, npm and Chromium at {CHROMIUM} (`make test` installs Chromium)",
)


def _newest(path: Path) -> float:
    if path.is_file():
        return path.stat().st_mtime
    return max((p.stat().st_mtime for p in path.rglob("*") if p.is_file()), default=0.0)


@pytest.fixture(scope="session")
def ui_build() -> Path:
    """ui/dist, built now if it is missing or older than the sources (`make` builds it too)."""
    index = UI / "dist" / "index.html"
    sources = max(_newest(UI / name) for name in SOURCES if (UI / name).exists())
    if not index.is_file() or index.stat().st_mtime < sources:
        installed = UI / "node_modules" / ".package-lock.json"
        if not installed.is_file() or installed.stat().st_mtime < (UI / "package-lock.json").stat().st_mtime:
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=UI, check=True, timeout=600)
        subprocess.run(["npm", "run", "build"], cwd=UI, check=True, timeout=600)
    assert index.is_file()
    return index.parent


def summary(output: str, key: str) -> int:
    """A count from node's test summary ("# pass 7" with TAP; the spec reporter puts an info sign first)."""
    match = re.search(rf"^(?:#|\u2139) {key} (\d+)$", output, re.MULTILINE)
    assert match, f"no '{key}' count in the node --test output"
    return int(match.group(1))


def run_e2e(platform: str, script: str, extra_env: dict[str, str] | None = None, timeout_s: float = 420) -> str:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    root = platform.split("/pygent/")[0] + "/" if "/pygent/" in platform else platform
    env = {
        **os.environ,
        # logged in as the session admin: the access cookie for the pages, the key for api()
        "PYGENT_UI_TOKEN": login(root, ADMIN["username"], ADMIN["password"]),
        "PYGENT_UI_API_KEY": authed.HEADERS["Authorization"].removeprefix("Bearer "),
        "PYGENT_UI_URL": platform,
        "PYGENT_UI_ARTIFACTS": str(ARTIFACTS),
        "PYGENT_CHROMIUM": CHROMIUM,
        **(extra_env or {}),
    }
    result = subprocess.run(
        ["node", "--test", "--test-reporter=spec", f"e2e/{script}"],
        cwd=UI,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    output = result.stdout + result.stderr
    print(output)
    assert result.returncode == 0, f"node --test e2e/{script} failed:\n{output[-6000:]}"
    return output


def test_gateway_serves_the_built_ui_and_client_routes(platform: str, ui_build: Path) -> None:
    index = authed.get(platform, timeout=10)
    assert index.status_code == 200
    assert '<base href="/">' in index.text and 'id="root"' in index.text
    deep = authed.get(platform + "mcp-servers", timeout=10)
    assert deep.status_code == 200 and 'id="root"' in deep.text
    asset = next((ui_build / "assets").glob("*.js")).name
    js = authed.get(platform + f"assets/{asset}", timeout=10)
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert authed.get(platform + "assets/no-such-file.js", timeout=10).status_code == 404
    config = authed.get(platform + "api/v1/ui/config", timeout=10).json()
    assert config["base_path"] == ""
    assert config["dashboard_url"] is None  # the test cluster runs without the dashboard


def test_every_page_shows_live_platform_data(platform: str, ui_build: Path) -> None:
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    output = run_e2e(platform, "pages.test.mjs")
    assert summary(output, "fail") == 0
    assert summary(output, "pass") == 9
    for page in ("system", "models", "agents", "mcp", "chat", "knowledge-page", "reasoning-page"):
        shot = ARTIFACTS / f"{page}.png"
        assert shot.is_file() and shot.stat().st_size > 10_000, f"no screenshot of {page}"


def test_login_page_refuses_a_wrong_password_logs_in_makes_a_key_and_logs_out(platform: str, ui_build: Path) -> None:
    """The login flow in Chromium, from an anonymous browser (no session cookie)."""
    output = run_e2e(
        platform, "login.test.mjs", {"PYGENT_UI_USER": ADMIN["username"], "PYGENT_UI_PASSWORD": ADMIN["password"]}
    )
    assert summary(output, "pass") == 1 and summary(output, "fail") == 0
    assert (ARTIFACTS / "login-shell.png").is_file()


def test_killing_a_child_from_the_system_page_restarts_it(platform: str, ui_build: Path) -> None:
    output = run_e2e(platform, "kill.test.mjs", {"PYGENT_UI_KILL": "monitor/main"})
    assert summary(output, "pass") == 1
    assert (ARTIFACTS / "system-after-kill.png").is_file()


def test_chat_answer_streams_in_the_browser(platform: str, ui_build: Path) -> None:
    types = authed.get(platform + "api/v1/agents/types", timeout=10)
    if types.status_code == 404:
        pytest.skip("GET /api/v1/agents/types answers 404: the agents/chat API (issue 7) has not landed")
    output = run_e2e(platform, "chat.test.mjs", {"PYGENT_UI_KILL_AGENT": "1"}, timeout_s=600)
    assert summary(output, "pass") == 1 and summary(output, "skipped") == 0
    assert (ARTIFACTS / "chat-answer.png").is_file()
    assert (ARTIFACTS / "chat-after-agent-restart.png").is_file()


def test_the_ui_works_under_a_base_path(platform: str, settings: Any, ui_build: Path) -> None:
    """serve.base_path: a second gateway app mounted at /pygent in the same Serve instance
    (what `PYGENT_SERVE_BASE_PATH=/pygent pygent up` runs) serves the same build; the pages,
    the API calls and the WebSocket all go under /pygent/."""
    from ray import serve

    from serve_app.gateway import build_app

    sub = settings.model_copy(update={"serve": settings.serve.model_copy(update={"base_path": "/pygent"})})
    serve.run(build_app(sub), name="pygent-ui-subpath", route_prefix="/pygent", blocking=False)
    try:
        url = platform + "pygent/"
        deadline = time.monotonic() + 60
        while authed.get(url + "api/v1/health", timeout=10).status_code != 200:
            assert time.monotonic() < deadline, "the /pygent gateway did not come up"
            time.sleep(0.5)
        index = authed.get(url + "models", timeout=10)
        assert index.status_code == 200 and '<base href="/pygent/">' in index.text
        assert authed.get(url + "api/v1/ui/config", timeout=10).json()["base_path"] == "/pygent"
        output = run_e2e(url, "pages.test.mjs", {"PYGENT_UI_ARTIFACTS": str(ARTIFACTS / "base-path")})
        assert summary(output, "fail") == 0 and summary(output, "pass") == 9
    finally:
        serve.delete("pygent-ui-subpath")


def test_knowledge_page_creates_an_index_uploads_searches_and_deletes(platform: str, ui_build: Path) -> None:
    output = run_e2e(platform, "knowledge.test.mjs", timeout_s=600)
    assert summary(output, "pass") == 1 and summary(output, "fail") == 0
    assert (ARTIFACTS / "knowledge.png").is_file()


def test_reasoning_page_grows_a_tree_live_stops_a_session_and_lists_history(platform: str, ui_build: Path) -> None:
    output = run_e2e(platform, "reasoning.test.mjs", timeout_s=900)
    assert summary(output, "pass") == 1 and summary(output, "fail") == 0
    assert (ARTIFACTS / "reasoning.png").is_file() and (ARTIFACTS / "reasoning-stopped.png").is_file()


@pytest.mark.timeout(1800)  # two runs of model calls: minutes when the 2 cores are shared
def test_evolution_page_runs_watches_stops_and_lists_runs(platform: str, ui_build: Path) -> None:
    """A small recipe evolution from the Evolution page: its generations show live, it
    completes with a front, scatter, islands and charts; a recipe opens with its lineage; a
    second run is stopped from the page; the history lists both (mechanics, not scores)."""
    status = authed.get(platform + "api/v1/evolution/status", timeout=30)
    if status.status_code in (404, 503):
        pytest.skip(f"GET /api/v1/evolution/status answers {status.status_code}: the evolution backend is not there")
    output = run_e2e(platform, "evolution.test.mjs", timeout_s=1500)
    assert summary(output, "pass") == 1 and summary(output, "fail") == 0
    assert (ARTIFACTS / "evolution.png").is_file() and (ARTIFACTS / "evolution-stopped.png").is_file()


@pytest.mark.timeout(1800)  # two runs of model calls: minutes when the 2 cores are shared
def test_workflows_page_runs_a_research_analysis_stops_retries_and_exports(platform: str, ui_build: Path) -> None:
    """A small research analysis from the Workflows page: steps and logs show live, the report
    renders with its citations, both exports download; a second one is stopped from the page
    and retried to the end; the list shows both (mechanics, not wording)."""
    probe = authed.get(platform + "api/v1/workflows", timeout=30)
    if probe.status_code in (404, 503):
        pytest.skip(f"GET /api/v1/workflows answers {probe.status_code}: the workflows backend is not there")
    output = run_e2e(platform, "workflows.test.mjs", timeout_s=1500)
    assert summary(output, "pass") == 1 and summary(output, "fail") == 0
    assert (ARTIFACTS / "workflows.png").is_file() and (ARTIFACTS / "workflows-cancelled.png").is_file()
