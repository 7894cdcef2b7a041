"""MCP engines without Ray: server configs, status, catalogue, discovery, install planning."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from actors.mcp.added import import_servers_file, imported_path, read_servers_file
from actors.mcp.catalogue import SERVER_SCHEMA, CatalogueError, load_catalogue
from actors.mcp.config import ConfigError, load_servers_file, parse_server, resolve_command
from actors.mcp.discovery import Discovery, merge, scan_scripts
from actors.mcp.install import InstallRejected, plan_install
from actors.mcp.specs import mcp_children, servers_flags
from actors.mcp.status import InvalidTransition, ServerStatus, StatusMachine, combined_status
from configs.settings import PROJECT_ROOT, load_settings

CATALOGUE = PROJECT_ROOT / "configs" / "mcp_catalogue.json"
SERVERS = PROJECT_ROOT / "configs" / "mcp_servers.yaml"


# ---- configs -------------------------------------------------------------------


def test_stdio_and_http_configs_validate() -> None:
    stdio = parse_server({"id": "time", "command": "mcp-server-time", "args": ["--local-timezone", "UTC"]})
    assert stdio.transport == "stdio" and stdio.address == "mcp/time"
    http = parse_server({"id": "remote", "transport": "streamable-http", "url": "http://127.0.0.1:9/mcp"})
    assert http.url == "http://127.0.0.1:9/mcp" and http.command is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"id": "x"}, None),  # stdio without command
        ({"id": "x", "transport": "streamable-http"}, None),
        ({"id": "x", "transport": "streamable-http", "url": "file:///etc/passwd"}, "url"),
        ({"id": "bad/id", "command": "x"}, "id"),
        ({"id": "x", "command": "x", "shell": True}, "shell"),
    ],
)
def test_bad_configs_name_the_field(data: dict[str, object], field: str | None) -> None:
    with pytest.raises(ConfigError) as err:
        parse_server(data)
    assert err.value.field == field
    assert str(err.value)


def test_shipped_servers_file_runs_time_over_stdio() -> None:
    servers = {s.id: s for s in load_servers_file(SERVERS)}
    assert servers["time"].enabled and servers["time"].command == "mcp-server-time"
    assert servers["time"].transport == "stdio"


def test_a_legacy_added_servers_file_is_read_skipping_bad_entries(tmp_path: Path) -> None:
    path = tmp_path / "mcp_servers.json"
    assert read_servers_file(path) == []  # none yet
    good = {"id": "a", "command": "x"}
    http = {"id": "b", "transport": "streamable-http", "url": "http://h/mcp"}
    path.write_text(json.dumps({"servers": [good, {"id": "bad id!", "command": "x"}, http]}))
    assert [c.id for c in read_servers_file(path)] == ["a", "b"]
    path.write_text("{not json")
    assert read_servers_file(path) == []


def test_a_legacy_file_is_imported_once_then_renamed(tmp_path: Path) -> None:
    path = tmp_path / "mcp_servers.json"
    path.write_text(json.dumps({"servers": [{"id": "a", "command": "x", "args": ["1"]}]}))
    received: list[list[dict[str, object]]] = []

    async def store_import(configs: list[dict[str, object]]) -> int:
        received.append(configs)
        return len(configs)

    assert asyncio.run(import_servers_file(path, store_import)) == 1
    assert received[0][0]["id"] == "a" and received[0][0]["args"] == ["1"]
    assert not path.exists() and imported_path(path).name == "mcp_servers.json.imported"
    assert imported_path(path).is_file()
    assert asyncio.run(import_servers_file(path, store_import)) is None  # once
    assert len(received) == 1


def test_a_failed_import_keeps_the_file_for_the_next_start(tmp_path: Path) -> None:
    path = tmp_path / "mcp_servers.json"
    path.write_text(json.dumps({"servers": [{"id": "a", "command": "x"}]}))

    async def store_down(configs: list[dict[str, object]]) -> int:
        raise ConnectionError("store unavailable")

    with pytest.raises(ConnectionError):
        asyncio.run(import_servers_file(path, store_down))
    assert path.is_file() and not imported_path(path).exists()


def test_command_resolves_in_the_interpreters_bin_dir(tmp_path: Path) -> None:
    script = tmp_path / "mcp-server-demo"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    assert resolve_command("mcp-server-demo", [tmp_path]) == str(script)
    assert resolve_command("/abs/path/tool") == "/abs/path/tool"
    python = Path(sys.executable).name
    assert Path(resolve_command(python)).parent == Path(sys.executable).parent


# ---- status --------------------------------------------------------------------


def test_status_machine_lifecycle() -> None:
    machine = StatusMachine()
    assert machine.status is ServerStatus.STARTING and not machine.serving
    assert machine.set(ServerStatus.READY)
    assert not machine.set(ServerStatus.READY)  # a repeat is no change
    assert machine.set(ServerStatus.DEGRADED, "ping failed")
    assert machine.error == "ping failed" and machine.serving
    assert machine.set(ServerStatus.READY) and machine.error is None
    assert machine.set(ServerStatus.FAILED, "process exited")
    with pytest.raises(InvalidTransition):
        machine.set(ServerStatus.READY)
    assert machine.history == ["starting", "ready", "degraded", "ready", "failed"]


def test_combined_status_from_supervisor_and_handle() -> None:
    assert combined_status(None, None) is ServerStatus.STOPPED
    assert combined_status("running", None) is ServerStatus.STARTING
    assert combined_status("running", "ready") is ServerStatus.READY
    assert combined_status("running", "degraded") is ServerStatus.DEGRADED
    assert combined_status("restarting", None, "crash", 1) is ServerStatus.RESTARTING
    assert combined_status("restarting", None, "start_failed", 2, fail_after=3) is ServerStatus.RESTARTING
    assert combined_status("restarting", None, "start_failed", 3, fail_after=3) is ServerStatus.FAILED
    assert combined_status("failed", None) is ServerStatus.FAILED
    assert combined_status("stopping", "ready") is ServerStatus.STOPPED


# ---- catalogue and discovery -----------------------------------------------------


def test_catalogue_entries_pin_the_schema_and_carry_hints() -> None:
    entries = {e.server_id: e for e in load_catalogue(CATALOGUE)}
    assert {"time", "git", "fetch", "filesystem"} <= set(entries)
    assert all(e.schema_ == SERVER_SCHEMA for e in entries.values())
    assert entries["time"].package is not None and entries["time"].package.registryType == "pypi"
    assert entries["filesystem"].package is not None and entries["filesystem"].package.registryType == "npm"
    assert entries["time"].category == "utilities" and entries["time"].priority > entries["filesystem"].priority


def test_catalogue_rejects_an_unpinned_schema(tmp_path: Path) -> None:
    raw = json.loads(CATALOGUE.read_text())
    raw["servers"][0]["$schema"] = "https://example.com/other.json"
    path = tmp_path / "c.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(CatalogueError, match="must pin"):
        load_catalogue(path)


def _script(directory: Path, name: str) -> Path:
    path = directory / name
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_merge_joins_config_catalogue_and_scripts(tmp_path: Path) -> None:
    _script(tmp_path, "mcp-server-time")
    _script(tmp_path, "mcp-server-local")
    (tmp_path / "mcp-server-notexec").write_text("")
    _script(tmp_path, "other-tool")
    scripts = scan_scripts([tmp_path])
    assert set(scripts) == {"mcp-server-time", "mcp-server-local"}
    configured = [
        parse_server({"id": "time", "command": "mcp-server-time"}),
        parse_server({"id": "remote", "transport": "streamable-http", "url": "http://h/mcp"}),
    ]
    rows = {r.name: r for r in merge(configured, load_catalogue(CATALOGUE), scripts)}
    time_row = rows["io.github.modelcontextprotocol/time"]
    assert time_row.sources == ["config", "catalogue", "installed"]
    assert time_row.source == "config" and time_row.installed and time_row.configured
    assert time_row.category == "utilities"
    fetch = rows["io.github.modelcontextprotocol/fetch"]
    assert fetch.source == "catalogue" and not fetch.installed and not fetch.configured
    assert rows["mcp-server-local"].source == "installed" and rows["mcp-server-local"].installed
    assert rows["remote"].source == "config"
    ordered = merge(configured, load_catalogue(CATALOGUE), scripts)
    priorities = [r.priority for r in ordered]
    assert priorities == sorted(priorities, reverse=True)
    assert set(ordered[0].to_dict()) >= {"name", "title", "description", "source", "category", "priority", "installed"}


def test_discovery_caches_until_refresh_or_ttl(tmp_path: Path) -> None:
    now = [0.0]
    discovery = Discovery(
        configured=list,
        catalogue=lambda: load_catalogue(CATALOGUE),
        script_dirs=lambda: [tmp_path],
        ttl_s=60.0,
        clock=lambda: now[0],
    )
    first = discovery.servers()
    assert discovery.scans == 1
    _script(tmp_path, "mcp-server-new")
    assert discovery.servers() == first and discovery.scans == 1  # cached
    assert any(r.name == "mcp-server-new" for r in discovery.servers(refresh=True))
    assert discovery.scans == 2
    now[0] = 61.0
    discovery.servers()
    assert discovery.scans == 3


# ---- install planning ------------------------------------------------------------


def _plan(name: str, tmp_path: Path, target: str = "platform"):  # type: ignore[no-untyped-def]
    return plan_install(
        name,
        load_catalogue(CATALOGUE),
        target=target,  # type: ignore[arg-type]
        venv_dir=tmp_path / "venv",
        npm_prefix=tmp_path / "npm",
    )


def test_pip_plan_is_an_argv_list_into_this_environment(tmp_path: Path) -> None:
    plan = _plan("io.github.modelcontextprotocol/fetch", tmp_path)
    assert plan.steps == [
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-input",
            "--disable-pip-version-check",
            "--",
            "mcp-server-fetch==2025.4.7",
        ]
    ]
    assert plan.server.id == "fetch" and plan.server.command == str(Path(sys.executable).parent / "mcp-server-fetch")
    assert plan.server.source == "io.github.modelcontextprotocol/fetch"


def test_pip_plan_into_a_dedicated_venv(tmp_path: Path) -> None:
    plan = _plan("time", tmp_path, target="venv")  # by server id
    assert plan.steps[0] == [sys.executable, "-m", "venv", str(tmp_path / "venv")]
    assert plan.steps[1][0] == str(tmp_path / "venv" / "bin" / "python")
    assert plan.steps[1][-1] == "mcp-server-time"
    assert plan.server.command == str(tmp_path / "venv" / "bin" / "mcp-server-time")


def test_npm_plan(tmp_path: Path) -> None:
    plan = _plan("filesystem", tmp_path)
    assert plan.steps == [
        [
            "npm",
            "install",
            "--prefix",
            str(tmp_path / "npm"),
            "--no-audit",
            "--no-fund",
            "--",
            "@modelcontextprotocol/server-filesystem@2026.8.31",
        ]
    ]
    assert plan.server.command == str(tmp_path / "npm" / "node_modules" / ".bin" / "mcp-server-filesystem")
    assert plan.server.args == ["."]


@pytest.mark.parametrize(
    "name",
    [
        "x; rm -rf /",
        "$(id)",
        "`id`",
        "--index-url=https://evil.example/simple",
        "-e git+https://evil.example/x",
        "mcp-server-time && curl evil",
        "mcp-server-time==1.0",
        "../../etc/passwd",
        "io.github.modelcontextprotocol/time\n--pre",
        "",
        "x" * 500,
        "requests",  # a real package, but not a catalogue entry
    ],
)
def test_install_rejects_anything_but_a_catalogue_entry(name: str, tmp_path: Path) -> None:
    with pytest.raises(InstallRejected) as err:
        _plan(name, tmp_path)
    assert err.value.field == "name"


def test_install_rejects_a_catalogue_entry_with_a_hostile_package(tmp_path: Path) -> None:
    raw = json.loads(CATALOGUE.read_text())
    for identifier, version in [
        ("--index-url=https://evil.example", None),
        ("x; rm -rf /", None),
        ("mcp-server-time", "1.0; rm -rf /"),
        ("$(id)", None),
    ]:
        entry = raw["servers"][0]
        entry["packages"][0]["identifier"] = identifier
        entry["packages"][0]["version"] = version
        path = tmp_path / "c.json"
        path.write_text(json.dumps(raw))
        with pytest.raises(InstallRejected):
            plan_install("time", load_catalogue(path), venv_dir=tmp_path, npm_prefix=tmp_path)


# ---- the subtree -------------------------------------------------------------------


def test_mcp_children_have_their_own_backoff(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYGENT_STATE_DIR", str(tmp_path))
    settings = load_settings()
    (child,) = mcp_children(settings)
    assert child.id == "supervisor/mcp-servers" and child.actor == "actors.mcp.supervisor:MCPSupervisor"
    assert [c.id for c in child.children] == ["mcp/time"]  # git is disabled by default
    flags = servers_flags(settings)
    assert flags.backoff is not None and flags.backoff.max_s == settings.mcp.backoff_max_s
    assert flags.intensity == settings.mcp.restart_intensity
    # a broken server retried at the backoff's pace never exhausts the intensity
    delays, at, times = [], 0.0, []
    for n in range(50):
        delay = min(
            flags.backoff.max_s,
            flags.backoff.initial_s if n == 0 else flags.backoff.base_s * flags.backoff.multiplier ** (n - 1),
        )
        at += delay + 1.0  # +1 s: a failed start takes about that long
        times.append(at)
        delays.append(delay)
    worst = max(sum(1 for t in times if s <= t < s + flags.period_s) for s in times)
    assert worst <= flags.intensity
    assert os.environ["PYGENT_STATE_DIR"] == str(tmp_path)
