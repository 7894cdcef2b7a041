"""MCP tools/call latency: the SDK client straight to a server, versus the platform's paths.

What is measured. One supervisor runs `bus/main` and an MCPServerHandle for each target
server. The same `tools/call` goes to the same server program along three paths, the
paths interleaved call by call (so drift hits all alike), one call at a time:

- direct: the official SDK `mcp.Client` in the driver, its own session to the server;
- handle: `handle.call_tool.remote(...)`: a Ray call to the handle at `mcp/<id>`, which
  calls the server over its session;
- bus:    `bus.request.remote("mcp/<id>", tools/call)`: driver -> bus -> handle -> server;
- (ray hop): `handle.ping.remote()`, no MCP work: the floor one Ray round trip sets here.

Targets: `time` (the reference mcp-server-time over stdio: the direct client spawns its
own copy of the same program) and `http` (a streamable-HTTP MCPServer of the bench's
own in the driver; direct and the handle talk to the very same server). Every answer is
checked. The goal: the platform path adds <= 2 ms at p50 over the direct SDK call.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
import warnings
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # run as a file (`python bench/x.py`): Python put bench/ first on sys.path, where these
    # files would shadow packages of the same name (and Ray would hand it to its workers);
    # the repository root takes its place, so `bench` and the platform import as packages
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import ray
from rich.table import Table

from bench.common import (
    BUS_ACTOR,
    BUS_ADDRESS,
    CpuMonitor,
    Stopwatch,
    actor_at,
    console,
    fmt_ms,
    local_cluster,
    print_cpu,
    spawn_supervisor,
    stop_supervisor,
    summarize,
    write_results,
)
from protocols.jsonrpc import make_request
from protocols.supervision import BackoffPolicy, ChildSpec, Strategy, SupervisorFlags

PATHS = ("direct", "handle", "bus")
FLOOR = "ray hop"  # measured alongside: what one Ray round trip to the handle costs here
GOAL_ADDED_P50_MS = 2.0


def targets(http_url: str) -> dict[str, dict[str, Any]]:
    return {
        "time": {
            "config": {"id": "time", "command": "mcp-server-time", "args": ["--local-timezone", "UTC"]},
            "tool": "get_current_time",
            "arguments": {"timezone": "UTC"},
        },
        "http": {
            "config": {"id": "http", "transport": "streamable-http", "url": http_url},
            "tool": "echo",
            "arguments": {"text": "ping"},
        },
    }


def answer_ok(result: Any) -> bool:
    return isinstance(result, dict) and result.get("isError") is False and bool(result.get("content"))


async def measure(name: str, target: dict[str, Any], calls: int, warmup: int) -> dict[str, Any]:
    from mcp import Client, StdioServerParameters

    from actors.mcp.config import resolve_command

    config = target["config"]
    if config.get("transport") == "streamable-http":
        direct_target: Any = config["url"]
    else:
        direct_target = StdioServerParameters(command=resolve_command(config["command"]), args=config["args"])
    bus = actor_at(BUS_ADDRESS)
    handle = actor_at(f"mcp/{config['id']}")
    tool, arguments = target["tool"], target["arguments"]
    samples: dict[str, list[float]] = {p: [] for p in (*PATHS, FLOOR)}
    errors = dict.fromkeys((*PATHS, FLOOR), 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        async with Client(direct_target, mode="legacy", cache=None) as client:

            async def direct() -> Any:
                result = await client.call_tool(tool, arguments)
                return result.model_dump(by_alias=True, exclude_none=True, mode="json")

            async def via_handle() -> Any:
                return await handle.call_tool.remote(tool, arguments)

            async def via_bus() -> Any:
                answer = await bus.request.remote(
                    f"mcp/{config['id']}", make_request("tools/call", {"name": tool, "arguments": arguments}, 1)
                )
                return answer.get("result") if answer else None

            async def ray_hop() -> Any:  # the floor: one Ray call to the handle, no MCP work
                return await handle.ping.remote()

            paths = {"direct": direct, "handle": via_handle, "bus": via_bus, "ray hop": ray_hop}
            for _ in range(warmup):
                for call in paths.values():
                    await call()
            for i in range(calls):
                order = (*PATHS, FLOOR) if i % 2 == 0 else (FLOOR, *reversed(PATHS))
                for path in order:
                    started = time.perf_counter()
                    try:
                        result = await paths[path]()
                    except Exception:
                        errors[path] += 1
                        continue
                    elapsed = time.perf_counter() - started
                    if answer_ok(result) or (path == "ray hop" and result.get("ok")):
                        samples[path].append(elapsed)
                    else:
                        errors[path] += 1
    return {
        "target": name,
        "tool": tool,
        **{p: {"latency": summarize(samples[p]), "errors": errors[p]} for p in (*PATHS, FLOOR)},
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=1000, help="calls per path and target")
    parser.add_argument("--warmup", type=int, default=50, help="warm-up calls per path and target")
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    if args.quick:
        args.calls, args.warmup = 50, 5
    return args


def main() -> int:
    args = parse_args()
    for noisy in ("httpx", "httpx2", "mcp", "uvicorn"):  # one INFO line per request otherwise
        logging.getLogger(noisy).setLevel(logging.WARNING)
    watch = Stopwatch()
    from configs.settings import get_settings
    from tests.conftest import free_port
    from tests.mcp_servers import start_http_server

    http_server = start_http_server(free_port())
    results: dict[str, Any] = {"args": vars(args), "targets": []}
    try:
        with local_cluster():
            from actors.mcp.config import parse_server
            from actors.mcp.specs import handle_spec

            settings = get_settings()
            chosen = targets(http_server.url)
            children = [ChildSpec(id=BUS_ADDRESS, actor=BUS_ACTOR)] + [
                handle_spec(parse_server(t["config"]), settings) for t in chosen.values()
            ]
            flags = SupervisorFlags(
                strategy=Strategy.ONE_FOR_ONE, intensity=10, period_s=10.0, backoff=BackoffPolicy(initial_s=0.0)
            )
            console.print(
                "[bold]mcp benchmark[/bold]: starting bus/main and the handles " + ", ".join(f"mcp/{n}" for n in chosen)
            )
            _, supervisor = spawn_supervisor(flags, children)
            try:
                for name in chosen:  # wait until each handle's session is up
                    ray.get(actor_at(f"mcp/{name}").list_tools.remote(), timeout=60)
                cpu = CpuMonitor()
                for name, target in chosen.items():
                    console.print(f"measuring {name}: {args.calls} calls per path")
                    results["targets"].append(asyncio.run(measure(name, target, args.calls, args.warmup)))
                results["cpu"] = cpu.stop()
                results["supervisor_history"] = ray.get(supervisor.history.remote())
            finally:
                stop_supervisor(supervisor)
    finally:
        http_server.stop()
    results["runtime_s"] = watch.elapsed_s
    report(results)
    path = write_results("mcp", results)
    console.print(f"results: {path}  (runtime {results['runtime_s']:.1f} s)")
    return 0


def report(results: dict[str, Any]) -> None:
    table = Table(title="tools/call latency, one call at a time (ms)")
    for col in ("target", "path", "n", "mean", "p50", "p90", "p99", "max", "errors", "added p50", "added p99"):
        table.add_column(col, justify="left" if col in ("target", "path") else "right")
    verdicts = []
    for t in results["targets"]:
        base = t["direct"]["latency"]
        for path in (*PATHS, FLOOR):
            lat = t[path]["latency"]
            compared = path in PATHS and path != "direct"  # the floor is shown, not compared
            added50 = lat["p50_ms"] - base["p50_ms"] if compared else None
            added99 = lat["p99_ms"] - base["p99_ms"] if compared else None
            table.add_row(
                t["target"],
                path if path in PATHS else f"({path})",
                str(lat["n"]),
                *(fmt_ms(lat[k]) for k in ("mean_ms", "p50_ms", "p90_ms", "p99_ms", "max_ms")),
                str(t[path]["errors"]),
                fmt_ms(added50),
                fmt_ms(added99),
            )
            if compared:
                t[path]["added_p50_ms"], t[path]["added_p99_ms"] = added50, added99
        verdicts.append((t["target"], t["bus"]["added_p50_ms"], t["handle"]["added_p50_ms"]))
    console.print(table)
    print_cpu(results["cpu"])
    floors = ", ".join(f"{t['target']} {t[FLOOR]['latency']['p50_ms']:.2f} ms" for t in results["targets"])
    console.print(
        f"floor: one Ray round trip to the handle (ping, no MCP work), p50: {floors}. "
        "The handle path makes one such hop, the bus path two."
    )
    met = all(bus <= GOAL_ADDED_P50_MS for _, bus, _ in verdicts)
    colour = "green" if met else "red"
    detail = "; ".join(f"{n}: bus +{b:.2f} ms, handle +{h:.2f} ms" for n, b, h in verdicts)
    console.print(
        f"[bold {colour}]verdict: platform path adds <= {GOAL_ADDED_P50_MS} ms at p50 "
        f"{'MET' if met else 'NOT MET'}[/bold {colour}] ({detail})"
    )
    results["verdict"] = {"goal_added_p50_ms": GOAL_ADDED_P50_MS, "met": met}


if __name__ == "__main__":
    raise SystemExit(main())
