"""Chat through agents: N concurrent conversations over the WebSocket, against the raw model.

What is measured, in one run:

- raw:  the SmolLM2 GGUF loaded in this process with llama_cpp, asked the same
        messages an agent sends for the first message of a conversation (the
        `general` type's system prompt, then the user's message), same max tokens,
        temperature 0, one request at a time (the baseline). It stays loaded and is
        measured again right before each size, so each ratio compares the same minute
        of a machine whose load drifts;
- chat: the whole platform (as the integration tests start it): for N concurrent
        conversations (default 1, 4, 16) each client opens its own WebSocket and
        sends `chat_message` to its own `general` agent; the agent stores the message,
        recalls memories (memory/main, when present), streams the model's answer as
        chat_response chunks, stores it and sends the final chat_response.

Per conversation: TTFT = first chunk - send; tok/s = tokens / (final - first chunk),
tokens being the model's eval_count carried by the final message. The table shows the
median (and p90 TTFT) over conversations and the ratios of the median and the
aggregate tok/s to the raw tok/s measured just before.
With one model worker (configs models.embedded workers), concurrent conversations
share that worker: per-conversation tok/s falls with N, aggregate tok/s is the figure
to compare with raw.

Memory: RSS of the platform's Ray worker processes (`ray::<Class>` processes started
by this driver), in total and per actor class, after the agents were created and
after the conversations ran.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # run as a file (`python bench/x.py`): Python put bench/ first on sys.path, where these
    # files would shadow packages of the same name (and Ray would hand it to its workers);
    # the repository root takes its place, so `bench` and the platform import as packages
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import httpx
import numpy as np
import psutil
from rich.table import Table

from bench.common import CpuMonitor, Stopwatch, auth_headers, console, print_cpu, write_results
from bench.models import free_port, locate, platform_env, wait_http

NAMESPACE = "pygent-bench-chat"
PROMPTS = (
    "Write a short story about a robot who learns to paint the sea.",
    "Describe a busy morning in a small bakery in the old town.",
    "Explain to a child why the sky is blue and sunsets are red.",
    "Write a letter from a lighthouse keeper to his sister far away.",
)


class RawModel:
    """The model loaded in this process (the baseline), asked what an agent asks."""

    def __init__(self, settings: Any, system_prompt: str, tokens: int) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", "1")  # what Ray gives its workers
        from llama_cpp import Llama

        setup = locate(settings)
        self.system_prompt = system_prompt
        self.tokens = tokens
        self.llm: Any = Llama(
            model_path=str(setup.gguf),
            n_ctx=setup.n_ctx,
            n_threads=setup.n_threads,
            n_threads_batch=setup.n_threads,
            verbose=False,
        )
        self.count = 0

    def sample(self) -> dict[str, float]:
        prompt = PROMPTS[self.count % len(PROMPTS)]
        self.count += 1
        t_send = time.perf_counter()
        t_first = None
        tokens = 0
        stream = self.llm.create_chat_completion(
            messages=[{"role": "system", "content": self.system_prompt}, {"role": "user", "content": prompt}],
            stream=True,
            max_tokens=self.tokens,
            temperature=0.0,
        )
        for part in stream:
            if part["choices"][0].get("delta", {}).get("content"):
                t_first = t_first or time.perf_counter()
                tokens += 1
        t_last = time.perf_counter()
        assert t_first is not None, "the raw model wrote nothing"
        return {"ttft_s": t_first - t_send, "tok_s": tokens / max(t_last - t_first, 1e-9), "tokens": tokens}

    def samples(self, n: int) -> list[dict[str, float]]:
        return [self.sample() for _ in range(n)]

    def close(self) -> None:
        self.llm.close()


def conversation(ws_url: str, agent_id: str, prompt: str, timeout_s: float, out: list[dict[str, Any]]) -> None:
    from websockets.sync.client import connect

    ref = f"c-{agent_id}"
    with connect(ws_url, open_timeout=60, max_size=None, additional_headers=auth_headers()) as ws:
        t_send = time.perf_counter()
        ws.send(json.dumps({"type": "chat_message", "ref": ref, "message": {"message": prompt, "agent_id": agent_id}}))
        t_first = None
        chunks = 0
        while True:
            frame = json.loads(ws.recv(timeout=timeout_s))
            if frame.get("ref") != ref:
                continue
            if frame["type"] == "chat_error":
                out.append({"error": frame["data"]})
                return
            if frame["type"] == "chat_response":
                if not frame["data"]["done"]:
                    t_first = t_first or time.perf_counter()
                    chunks += 1
                    continue
                t_last = time.perf_counter()
                tokens = frame["data"].get("eval_count") or chunks
                if t_first is None:
                    out.append({"error": "no chunk"})
                    return
                out.append(
                    {
                        "ttft_s": t_first - t_send,
                        "tok_s": tokens / max(t_last - t_first, 1e-9),
                        "tokens": tokens,
                        "chunks": chunks,
                        "wall_s": t_last - t_send,
                    }
                )
                return


def ray_rss() -> dict[str, float]:
    """RSS (MiB) of this driver's `ray::` worker processes, by actor class."""
    by_class: dict[str, float] = {}
    for proc in psutil.Process().children(recursive=True):
        try:
            title = proc.cmdline()[0] if proc.cmdline() else ""
            rss = proc.memory_info().rss / 2**20
        except (psutil.Error, IndexError):
            continue
        if title.startswith("ray::"):
            name = title.split()[0].removeprefix("ray::").split(".")[0]
            by_class[name] = by_class.get(name, 0.0) + rss
    return by_class


def median(values: list[float]) -> float:
    return float(np.median(values)) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,4,16", help="concurrent conversations, comma separated")
    parser.add_argument("--tokens", type=int, default=48, help="max answer tokens (agents.max_answer_tokens)")
    parser.add_argument("--raw-runs", type=int, default=4)
    parser.add_argument("--timeout-s", type=float, default=300.0)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    watch = Stopwatch()

    state_dir = Path(tempfile.mkdtemp(prefix="pgc-", dir="/tmp"))
    platform_env(state_dir)
    os.environ["PYGENT_RAY_NAMESPACE"] = NAMESPACE
    os.environ["PYGENT_AGENTS_MAX_ANSWER_TOKENS"] = str(args.tokens)
    os.environ["PYGENT_AGENTS_TEMPERATURE"] = "0"
    from actors.agents.types import load_agent_types
    from configs.settings import get_settings, load_settings

    get_settings.cache_clear()
    settings = load_settings()
    system_prompt = load_agent_types(settings.resolve_path(settings.agents.types_file))["general"].system_prompt

    console.print("raw: llama_cpp in this process (kept loaded: measured again right before each size)")
    raw_model = RawModel(settings, system_prompt, args.tokens)
    raw_model.sample()  # warm-up
    raw = raw_model.samples(args.raw_runs)
    raw_tok_s = median([s["tok_s"] for s in raw])
    raw_ttft = median([s["ttft_s"] for s in raw])

    from serve_app.platform import init_ray, start_serve, start_tree, stop_platform

    results: dict[str, Any] = {"raw": {"samples": raw, "median_tok_s": raw_tok_s, "median_ttft_ms": raw_ttft * 1000}}
    init_ray(settings)
    try:
        start_tree(settings)
        settings.serve.port = free_port()
        url = start_serve(settings)
        wait_http(url + "api/v1/health")
        ws_url = url.replace("http://", "ws://") + "ws"
        memory_before = ray_rss()
        agents: list[str] = []
        for size in sizes:
            while len(agents) < size:
                response = httpx.post(
                    url + "api/v1/agents",
                    json={"type": "general", "name": f"bench-{len(agents)}"},
                    headers=auth_headers(),
                    timeout=120,
                )
                response.raise_for_status()
                agents.append(response.json()["id"])
            memory_agents = ray_rss()
            # warm each agent once (its pool, the first model call)
            warm: list[dict[str, Any]] = []
            for agent_id in agents[:size]:
                conversation(ws_url, agent_id, "Hi.", args.timeout_s, warm)
            # the baseline again, in the same minute: the machine's load drifts
            raw_now = raw_model.samples(args.raw_runs)
            out: list[dict[str, Any]] = []
            cpu = CpuMonitor()
            started = time.perf_counter()
            threads = [
                threading.Thread(
                    target=conversation, args=(ws_url, agents[i], PROMPTS[i % len(PROMPTS)], args.timeout_s, out)
                )
                for i in range(size)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - started
            usage = cpu.stop()
            ok = [o for o in out if "error" not in o]
            results[str(size)] = {
                "conversations": out,
                "errors": len(out) - len(ok),
                "raw_before": raw_now,
                "raw_tok_s": median([r["tok_s"] for r in raw_now]),
                "raw_ttft_ms": median([r["ttft_s"] for r in raw_now]) * 1000,
                "median_ttft_ms": median([o["ttft_s"] for o in ok]) * 1000,
                "p90_ttft_ms": float(np.percentile([o["ttft_s"] for o in ok], 90)) * 1000 if ok else None,
                "median_tok_s": median([o["tok_s"] for o in ok]),
                "aggregate_tok_s": sum(o["tokens"] for o in ok) / wall,
                "wall_s": wall,
                "cpu": usage,
                "rss_mib_agents_created": memory_agents,
                "rss_mib_after": ray_rss(),
            }
        results["rss_mib_before_agents"] = memory_before
    finally:
        stop_platform(settings, owns_cluster=True)
        raw_model.close()
        shutil.rmtree(state_dir, ignore_errors=True)

    table = Table(title=f"chat over /ws, {args.tokens} tokens max, SmolLM2-135M, 1 model worker")
    for column in (
        "conversations",
        "TTFT p50 ms",
        "TTFT p90 ms",
        "tok/s p50 per conv",
        "raw tok/s (same minute)",
        "x raw",
        "aggregate tok/s",
        "x raw",
        "errors",
        "ray RSS MiB",
        "agents RSS MiB",
    ):
        table.add_column(column, justify="right")
    table.add_row("raw (1)", f"{raw_ttft * 1000:.0f}", "-", f"{raw_tok_s:.1f}", "-", "1.00", "-", "-", "0", "-", "-")
    for size in sizes:
        r = results[str(size)]
        rss = r["rss_mib_after"]
        table.add_row(
            str(size),
            f"{r['median_ttft_ms']:.0f}",
            f"{r['p90_ttft_ms'] or 0:.0f}",
            f"{r['median_tok_s']:.1f}",
            f"{r['raw_tok_s']:.1f}",
            f"{r['median_tok_s'] / r['raw_tok_s']:.2f}",
            f"{r['aggregate_tok_s']:.1f}",
            f"{r['aggregate_tok_s'] / r['raw_tok_s']:.2f}",
            str(r["errors"]),
            f"{sum(rss.values()):.0f}",
            f"{rss.get('Agent', 0):.0f}",
        )
    console.print(table)
    last = results[str(sizes[-1])]
    print_cpu(last["cpu"])
    path = write_results("chat", {"args": vars(args), "results": results, "elapsed_s": watch.elapsed_s})
    console.print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
