"""The `pygent` command line: up, down, status, kill, request, events, health, users.

Commands that talk to a running platform act with an API key: PYGENT_API_KEY, or the local
admin key the platform writes for its own CLI (<state_dir>/auth/local-admin.key, mode 0600)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from configs.settings import Settings, load_settings

app = typer.Typer(
    name="pygent",
    help="PyGent Factory: supervised AI agents on Ray.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)


def _settings(port: int | None = None, host: str | None = None) -> Settings:
    overrides: dict[str, Any] = {}
    if port is not None or host is not None:
        serve: dict[str, Any] = {}
        base = load_settings()
        serve = base.serve.model_dump()
        if port is not None:
            serve["port"] = port
        if host is not None:
            serve["host"] = host
        overrides["serve"] = serve
    return load_settings(**overrides)


@app.command()
def up(
    detach: Annotated[bool, typer.Option("--detach", "-d", help="Run in the background and return.")] = False,
    address: Annotated[str | None, typer.Option(help="Join this Ray cluster instead of starting one.")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port (default from configs).")] = None,
    host: Annotated[str | None, typer.Option(help="HTTP host (default 127.0.0.1).")] = None,
) -> None:
    """Start Ray (or join --address), the supervision tree and the HTTP gateway."""
    settings = _settings(port, host)
    # read by Ray when it is imported (below, or in the detached child, which inherits it)
    os.environ.setdefault("RAY_DASHBOARD_STARTUP_TIMEOUT_S", str(settings.ray.dashboard_start_timeout_s))
    if detach:
        _up_detached(settings, address, port, host)
        return
    from serve_app.platform import PlatformError, read_info, start_platform, stop_platform

    existing = read_info(settings)
    if existing is not None and _alive(existing.pid):
        err.print(f"[red]already running[/] (pid {existing.pid}) at {existing.url}; `pygent down` first")
        raise typer.Exit(1)
    stop = {"requested": False}

    def _request_stop(signum: int, frame: Any) -> None:
        stop["requested"] = True

    signal.signal(signal.SIGTERM, _request_stop)
    signal.signal(signal.SIGINT, _request_stop)
    try:
        with console.status("starting PyGent Factory...") as status:
            info = start_platform(settings, address, progress=_reporter(status))
    except PlatformError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
    console.print(f"[bold green]PyGent Factory is up[/] at [link={info.url}]{info.url}[/link]")
    console.print(f"  API docs: {info.url}docs   health: {info.url}api/v1/health")
    if info.dashboard_url:
        console.print(f"  Ray dashboard: {info.dashboard_url}{_ray_token_hint(settings)}")
    _first_admin_hint(info.url)
    console.print("  stop with Ctrl-C or `pygent down`", style="dim")
    sys.stdout.flush()
    import ray

    from protocols.addresses import ROOT
    from supervisors.refs import ActorRef

    root = ActorRef(ROOT, settings.ray.namespace).handle()
    root_exit: Any = root.supervision_wait_exit.remote()
    code = 0
    while not stop["requested"]:
        done, _ = ray.wait([root_exit], timeout=0.5)
        if done:
            err.print("[red]the root supervisor exited: the platform is down[/]")
            code = 1
            break
    with console.status("stopping...") as status:
        stop_platform(settings, owns_cluster=info.owns_cluster, progress=_reporter(status))
    console.print("stopped.")
    raise typer.Exit(code)


def _ray_token_hint(settings: Settings) -> str:
    """Where the dashboard's token is, when Ray's token authentication is on."""
    from serve_app.ray_auth import auth_mode, token_location

    if auth_mode(settings) != "token":
        return ""
    return f" (asks for the cluster's token: `cat {token_location(settings)}`)"


def _first_admin_hint(url: str) -> None:
    """While no user exists, say how to make the first admin (there is no default account)."""
    import httpx

    try:
        needs_setup = httpx.get(url + "api/v1/auth/setup", timeout=30).json().get("needs_setup")
    except (httpx.HTTPError, ValueError):  # the hint is a courtesy; the platform runs either way
        return
    if needs_setup:
        console.print(
            "  [bold yellow]no user yet:[/] create the first admin with "
            "[bold]pygent users create-admin <name>[/] (or open the UI's setup page)"
        )


def _reporter(status: Any) -> Callable[[str], None]:
    """Progress callback: update the spinner and keep a log line of each step."""

    def report(message: str) -> None:
        status.update(message)
        console.log(message)

    return report


def _up_detached(settings: Settings, address: str | None, port: int | None, host: str | None) -> None:
    from serve_app.platform import read_info, tree_start_budget_s

    log_dir = settings.state_path / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / "pygent-up.log"
    args = [sys.executable, "-m", "serve_app.cli", "up"]
    if address:
        args += ["--address", address]
    if port is not None:
        args += ["--port", str(port)]
    if host is not None:
        args += ["--host", host]
    before = read_info(settings)
    with open(log_path, "ab") as log_file:
        proc = subprocess.Popen(
            args,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, "COLUMNS": "120"},
        )
    # as long as the foreground `up` would wait for the tree, and one more start timeout
    # for Ray and the gateway (a loaded machine takes minutes, not a fixed few)
    deadline = time.monotonic() + tree_start_budget_s(settings) + settings.supervision.start_timeout_s
    with console.status("starting PyGent Factory in the background..."):
        while time.monotonic() < deadline:
            info = read_info(settings)
            if info is not None and info.pid == proc.pid and (before is None or info.started_at != before.started_at):
                console.print(f"[bold green]PyGent Factory is up[/] at {info.url} (pid {proc.pid})")
                if info.dashboard_url:
                    console.print(f"  Ray dashboard: {info.dashboard_url}{_ray_token_hint(settings)}")
                console.print(f"  logs: {log_path}   stop: pygent down", style="dim")
                _first_admin_hint(info.url)
                return
            if proc.poll() is not None:
                err.print(f"[red]`pygent up` exited with {proc.returncode}[/]; see {log_path}:")
                err.print(_tail(log_path))
                raise typer.Exit(1)
            time.sleep(0.25)
    err.print(f"[red]timed out waiting for the platform[/]; see {log_path}")
    raise typer.Exit(1)


@app.command()
def down(
    timeout: Annotated[float, typer.Option(help="Seconds to wait for an orderly stop.")] = 120.0,
) -> None:
    """Stop everything `pygent up` started: Serve, the tree, PostgreSQL, Ray."""
    from serve_app.platform import clear_info, read_info, stop_embedded_database

    settings = load_settings()
    info = read_info(settings)
    if info is not None and _alive(info.pid):
        os.kill(info.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        with console.status(f"stopping (pid {info.pid})..."):
            while _alive(info.pid) and time.monotonic() < deadline:
                time.sleep(0.2)
        if _alive(info.pid):
            err.print(f"[yellow]pid {info.pid} did not stop in {timeout:g} s; killing it[/]")
            os.kill(info.pid, signal.SIGKILL)
    elif info is None:
        console.print("no running platform found", style="dim")
    stop_embedded_database(settings, progress=lambda m: console.print(m))
    _sweep_ray_processes(settings)
    clear_info(settings)
    console.print("PyGent Factory is down.")


def _sweep_ray_processes(settings: Settings) -> None:
    """Kill any process still running from our Ray session directory (a crashed `up`)."""
    import psutil

    from serve_app.platform import ray_temp_dir

    temp_dir = ray_temp_dir(settings)
    for proc in psutil.process_iter(["pid", "cmdline"]):
        try:
            cmdline = " ".join(proc.info["cmdline"] or [])
        except (psutil.Error, TypeError):
            continue
        if temp_dir in cmdline and proc.pid != os.getpid():
            with contextlib.suppress(psutil.Error):
                proc.kill()


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print the tree as JSON.")] = False,
) -> None:
    """Show the supervision tree: address, state, restarts, uptime, node."""
    client = _connect()
    tree = client.tree()
    if as_json:
        typer.echo(json.dumps(tree.model_dump(mode="json"), indent=2))
        return
    health = client.health()
    colour = {"ok": "green", "degraded": "yellow", "down": "red"}[health.status]
    console.print(f"platform: [{colour}]{health.status}[/]")
    console.print(_render(tree))
    console.print(_nodes_table(client.nodes()))


def _nodes_table(nodes: list[Any]) -> Table:
    table = Table(title="nodes")
    for column in ("node", "address", "state", "resources", "runs"):
        table.add_column(column)
    for node in nodes:
        state = "[green]alive[/]" if node.alive else "[red]dead[/]"
        resources = ", ".join(f"{k}={v:g}" for k, v in node.resources.items())
        table.add_row(
            node.node_id[:8] + (" (head)" if node.head else ""),
            node.address,
            state,
            escape(resources),
            escape(", ".join(node.actors)) or "-",
        )
    return table


def _render(node: Any, parent: Tree | None = None) -> Tree:
    state_colour = {"running": "green", "restarting": "yellow", "starting": "yellow", "failed": "red"}.get(
        node.state.value, "white"
    )
    uptime = f"{node.uptime_s:.0f}s" if node.uptime_s is not None else "-"
    strategy = escape(f" [{node.strategy.value}]") if node.strategy else ""
    label = (
        f"[bold]{node.address}[/]{strategy}  [{state_colour}]{node.state.value}[/]  "
        f"restarts={node.restarts}  up={uptime}  node={node.node_ip or '-'}  pid={node.pid or '-'}"
    )
    branch = Tree(label) if parent is None else parent.add(label)
    for child in node.children:
        _render(child, branch)
    return branch


@app.command()
def kill(
    address: Annotated[str, typer.Argument(help="Address of the actor, e.g. bus/main")],
    how: Annotated[str, typer.Option(help="kill (ray.kill) or exit (os._exit inside the actor)")] = "kill",
    wait: Annotated[bool, typer.Option(help="Wait until its supervisor has restarted it.")] = True,
) -> None:
    """Kill an actor on purpose (chaos testing); its supervisor restarts it."""
    client = _connect()
    before = client.tree().find(address)
    if before is None:
        err.print(f"[red]no actor at address '{address}'[/]")
        raise typer.Exit(1)
    started = time.monotonic()
    client.kill(address, how)
    console.print(f"killed {address} ({how})")
    if wait:
        status_ = client.wait_until_running(address, timeout_s=60, min_restarts=before.restarts + 1)
        console.print(
            f"{address} is running again after {time.monotonic() - started:.2f} s (restarts={status_.restarts})"
        )


@app.command()
def request(
    address: Annotated[str, typer.Argument(help="Target address")],
    method: Annotated[str, typer.Argument(help="JSON-RPC method, e.g. tools/list")],
    params: Annotated[str | None, typer.Option(help="JSON object of params")] = None,
    timeout: Annotated[float | None, typer.Option(help="Seconds")] = None,
) -> None:
    """Send a JSON-RPC request through the bus and print the answer."""
    parsed = json.loads(params) if params else None
    client = _connect()
    typer.echo(json.dumps(client.request(address, method, parsed, timeout), indent=2))


@app.command()
def events(
    topics: Annotated[list[str] | None, typer.Argument(help="Topics to follow (default: all)")] = None,  # type: ignore[assignment]
    duration: Annotated[float | None, typer.Option(help="Stop after this many seconds")] = None,
) -> None:
    """Follow events on bus topics (one JSON object a line)."""
    client = _connect()
    with client.subscribe(topics or ["*"], timeout_s=duration) as sub:
        for event in sub:
            typer.echo(json.dumps(event))


@app.command()
def health() -> None:
    """Print the platform's health as JSON."""
    client = _connect()
    report = client.health()
    typer.echo(json.dumps(report.model_dump(mode="json"), indent=2))
    if report.status == "down":
        raise typer.Exit(1)


def _connect() -> Any:
    from serve_app.client import NotAuthenticated, PlatformNotRunning, connect

    try:
        return connect()
    except (PlatformNotRunning, NotAuthenticated) as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None


users = typer.Typer(help="Users: create the first admin (there is no default account).", no_args_is_help=True)
app.add_typer(users, name="users")


@users.command("create-admin")
def create_admin(
    username: Annotated[str, typer.Argument(help="The admin's username.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin (scripts) instead of a prompt.")
    ] = False,
) -> None:
    """Create an admin user on the running platform (with the local admin key or PYGENT_API_KEY)."""
    from serve_app.client import NotAuthenticated
    from supervisors.refs import unwrap

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    client = _connect()
    try:
        user = client.create_user(username, password, "admin")
    except NotAuthenticated as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
    except Exception as exc:
        err.print(f"[red]{unwrap(exc)}[/]")
        raise typer.Exit(1) from None
    console.print(f"admin [bold]{user.username}[/] created (id {user.id}); log in at the UI or POST /api/v1/auth/login")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def main() -> None:
    app()


if __name__ == "__main__":
    main()
