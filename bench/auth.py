"""What authentication adds per request: the same cheap route (`GET /api/v1/ui/config`, no
actor call) anonymously (it is public), with an access token (JWT verified in the gateway)
and with an API key (checked by `auth/main`, then cached for `auth.key_cache_s`), plus the
unauthenticated liveness call (`GET /api/v1/health`) and a protected route with each credential,
in rotating rounds against one running platform.

    python -m bench.auth [--runs 300] [--quick]

Writes bench/results/auth_<stamp>.json; the table shows p50/p90 per path and the p50 cost of
each credential over the anonymous call of the same route.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import console, fmt_ms, summarize, write_results
from bench.models import free_port as pick_port
from bench.models import platform_env, wait_http


def measure(settings: Any, args: argparse.Namespace) -> dict[str, list[float]]:
    import httpx

    from serve_app.client import connect
    from serve_app.platform import init_ray, start_serve, start_tree, stop_platform

    owns = init_ray(settings)
    try:
        start_tree(settings)
        settings.serve.port = pick_port()
        url = start_serve(settings)
        wait_http(url + "api/v1/health")
        password = secrets.token_hex(12)
        connect(settings=settings).create_user("bench", password, "admin")
        http = httpx.Client(timeout=60)
        token = http.post(url + "api/v1/auth/login", json={"username": "bench", "password": password}).json()
        key = http.post(
            url + "api/v1/api-keys",
            json={"name": "bench", "scopes": ["read"]},
            headers={"Authorization": f"Bearer {token['access_token']}"},
        ).json()["key"]
        jwt_headers = {"Authorization": f"Bearer {token['access_token']}"}
        key_headers = {"Authorization": f"Bearer {key}"}

        def call(path: str, headers: dict[str, str] | None) -> Callable[[], float]:
            def once() -> float:
                t = time.perf_counter()
                answer = http.get(url + path, headers=headers)
                elapsed = time.perf_counter() - t
                assert answer.status_code == 200, (path, answer.status_code, answer.text[:200])
                return elapsed

            return once

        paths = {
            "config_anonymous": call("api/v1/ui/config", None),
            "config_jwt": call("api/v1/ui/config", jwt_headers),
            "config_api_key": call("api/v1/ui/config", key_headers),
            "health_anonymous": call("api/v1/health", None),
            "tree_jwt": call("api/v1/system/tree", jwt_headers),
            "tree_api_key": call("api/v1/system/tree", key_headers),
        }
        samples: dict[str, list[float]] = {p: [] for p in paths}
        for _ in range(args.warmup):
            for once in paths.values():
                once()
        order = list(paths.items())
        shuffle = random.Random(7).shuffle
        for _ in range(args.runs):  # rounds in a shuffled order: every path sees the same load
            shuffle(order)
            for name, once in order:
                samples[name].append(once())
        return samples
    finally:
        stop_platform(settings, owns_cluster=owns)


def in_process(n: int = 5000) -> dict[str, float]:
    """The guard's own work per request, without HTTP: verifying an access token and finding
    the route's rule (p50, microseconds). An API key costs a dict lookup while cached."""
    from actors.auth.tokens import AccessTokens
    from protocols.auth import Role
    from serve_app.access import rule_for
    from serve_app.gateway import app
    from serve_app.security import route_template

    tokens = AccessTokens(b"k" * 32, "pygent", 900)
    token = tokens.issue("u1", "u1", Role.ADMIN)
    first = {"type": "http", "method": "POST", "path": "/api/v1/chat/message", "app": app}
    last = {"type": "http", "method": "GET", "path": "/assets/index.js", "app": app}  # the catch-all, matched last

    def p50_us(fn: Callable[[], object]) -> float:
        samples = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t)
        samples.sort()
        return samples[len(samples) // 2] * 1e6

    return {
        "jwt_verify_us": p50_us(lambda: tokens.verify(token)),
        "route_rule_us": p50_us(lambda: rule_for("POST", route_template(first), True)),
        "route_rule_catch_all_us": p50_us(lambda: rule_for("GET", route_template(last), True)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.warmup = 50, 5
    state_dir = Path(tempfile.mkdtemp(prefix="pga-", dir="/tmp"))
    try:
        platform_env(state_dir)
        os.environ["PYGENT_RAY_NAMESPACE"] = "pygent-bench-auth"
        os.environ["PYGENT_AUTH_RATE_LIMIT"] = "1000000/minute"
        from configs.settings import get_settings, load_settings

        get_settings.cache_clear()
        settings = load_settings()
        load_before = os.getloadavg()
        samples = measure(settings, args)
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)
    stats = {name: summarize(values) for name, values in samples.items()}
    guard = in_process()
    console.print("the guard's own work (p50): " + ", ".join(f"{k} {v:.1f}" for k, v in guard.items()))
    base = stats["config_anonymous"]["p50_ms"]
    console.print(f"[bold]authentication cost per request[/bold] ({args.runs} rounds, load {load_before[0]:.1f})")
    console.print(f"{'path':<20} {'p50':>10} {'p90':>10} {'p50 over anonymous':>20}")
    for name, row in stats.items():
        extra = fmt_ms(row["p50_ms"] - base) if name.startswith("config_") else ""
        console.print(f"{name:<20} {fmt_ms(row['p50_ms']):>10} {fmt_ms(row['p90_ms']):>10} {extra:>20}")
    results = {
        "args": vars(args),
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "paths": stats,
        "guard_in_process_p50_us": guard,
        "added_p50_ms": {
            "jwt": stats["config_jwt"]["p50_ms"] - base,
            "api_key": stats["config_api_key"]["p50_ms"] - base,
        },
    }
    console.print(f"results: {write_results('auth', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
