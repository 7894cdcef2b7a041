"""Token streaming: the SmolLM2-135M model called raw in this process, through the actors,
and through Serve to a WebSocket client.

What is measured. The same chat requests (four short prompts of similar length,
`num_predict` tokens, temperature 0, a fixed seed) go along these paths, in one run:

- raw:    `llama_cpp.Llama(...).create_chat_completion(stream=True)` in this process,
          with the GGUF found by `actors.models.catalog.find_gguf` and the n_ctx and
          n_threads of configs `models.embedded` (the baseline);
- worker: `llm/<model>.0` (ModelWorker.chat_stream), a Ray streaming generator
          iterated from this driver (one actor hop);
- router: `model/<model>` (ModelRouter.chat_stream -> the worker), the same from the
          driver (two hops: what the router costs is router minus worker);
- ws:     the whole platform path: a WebSocket client sends `{"type": "chat", ...}` to
          the Serve gateway's `/ws`, which calls the router; one `chat_response`
          message per token, the last with data.done true.

Phases never overlap, since the paths share the same two cores: (1) raw, with the
model loaded in this process, which is then closed and freed (del + gc); (2) the
platform is started as `pygent up` starts it (supervision tree with the store, the
bus, the model worker and its router, the embedder; then Serve) and worker, router
and ws are measured in rounds, one request of each per round, the order rotating,
so drift hits the three alike; (3) the platform is stopped and raw runs once more in
this process (`raw again`), which brackets phase 2 in time. Consecutive requests to
the model always use different prompts, so llama.cpp's prefix cache helps every path
alike (only the shared chat-template prefix is reused).

Per request: t_send (just before the call, `.remote()` or the WebSocket send),
t_first (the first token chunk received) and t_last (the final chunk). Tokens are the
non-final chunks (one per token on every path); the final chunk's eval_count is
recorded where there is one (not on the raw path) and checked against the count.

How to read it. TTFT = t_first - t_send (median and p90, ms). tok/s = tokens /
(t_last - t_first): the streaming rate a reader sees once tokens flow; e2e tok/s =
tokens / (t_last - t_send), TTFT included. `engine` is the worker's own rate from the
final chunk (eval_count / eval_duration) or, on the raw path, the same measured here:
when a path's tok/s is below its engine rate the time goes into the hops; when the
engine itself is slower than raw, the model competed for CPU with the platform (the
raylet, Serve, the other actors) on this small machine. Ratios are medians over the
raw median (all raw runs, before and after). `text` says whether each prompt's
answer was the same as the raw one (greedy decoding is deterministic). The issue's
goal: ws tok/s >= 0.9x raw; the verdict line says whether it was met, with the numbers.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import shutil
import socket
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import numpy as np
import ray
from rich.table import Table

from bench.common import CpuMonitor, Stopwatch, console, fmt_ms, print_cpu, progress_bar, summarize, write_results

NAMESPACE = "pygent-bench-models"
GOAL_RATIO = 0.9
PLATFORM_PATHS = ("worker", "router", "ws")
ALL_PATHS = ("raw", "raw again", *PLATFORM_PATHS)

# Similar length (30-odd prompt tokens with the chat template's), open-ended: the model
# writes until num_predict unless it stops on its own.
PROMPTS = (
    "Write a short story about a robot who learns to paint the sea.",
    "Describe a busy morning in a small bakery in the old town.",
    "Explain to a child why the sky is blue and sunsets are red.",
    "Write a letter from a lighthouse keeper to his sister far away.",
)


@dataclass
class Sample:
    """One request along one path (times from time.perf_counter, seconds)."""

    path: str
    prompt: int
    t_send: float
    t_first: float | None = None
    t_last: float | None = None
    tokens: int = 0
    text: str = ""
    eval_count: int | None = None
    engine_prompt_s: float | None = None
    engine_eval_s: float | None = None
    done_reason: str | None = None

    @property
    def ttft_s(self) -> float:
        assert self.t_first is not None
        return self.t_first - self.t_send

    @property
    def tok_s(self) -> float:
        assert self.t_first is not None and self.t_last is not None
        return self.tokens / max(self.t_last - self.t_first, 1e-9)

    @property
    def e2e_tok_s(self) -> float:
        assert self.t_last is not None
        return self.tokens / max(self.t_last - self.t_send, 1e-9)

    @property
    def engine_tok_s(self) -> float | None:
        """The rate inside the model's process (on the raw path: the same as tok_s)."""
        if not self.engine_eval_s:
            return None
        count = self.eval_count if self.eval_count is not None else self.tokens
        return count / self.engine_eval_s

    def on_chunk(self, chunk: dict[str, Any], now: float) -> bool:
        """Account for one Ollama-shaped chunk; True on the final one."""
        if chunk.get("done"):
            self.t_last = now
            self.eval_count = chunk.get("eval_count")
            self.done_reason = chunk.get("done_reason")
            if chunk.get("eval_duration") is not None:
                self.engine_eval_s = chunk["eval_duration"] / 1e9
            if chunk.get("prompt_eval_duration") is not None:
                self.engine_prompt_s = chunk["prompt_eval_duration"] / 1e9
            return True
        if self.t_first is None:
            self.t_first = now
        self.tokens += 1
        self.text += (chunk.get("message") or {}).get("content", "")
        return False

    def check(self) -> None:
        if self.t_first is None or self.t_last is None or self.tokens == 0:
            raise RuntimeError(f"{self.path}: no tokens or no final chunk ({self!r})")


def chat_request(model: str, prompt: int, args: argparse.Namespace) -> dict[str, Any]:
    """The Ollama-shaped request every platform path gets."""
    return {
        "model": model,
        "messages": [{"role": "user", "content": PROMPTS[prompt]}],
        "stream": True,
        "options": {"num_predict": args.num_predict, "temperature": 0.0, "seed": args.seed},
    }


# ---- the paths ----------------------------------------------------------------------


def raw_sample(llm: Any, prompt: int, args: argparse.Namespace, path: str) -> Sample:
    """What LlamaCppEngine.stream_chat does, minus the actor: the same messages and kwargs."""
    sample = Sample(path, prompt, time.perf_counter())
    stream = llm.create_chat_completion(
        messages=[{"role": "user", "content": PROMPTS[prompt]}],
        stream=True,
        max_tokens=args.num_predict,
        temperature=0.0,
        seed=args.seed,
    )
    for part in stream:
        now = time.perf_counter()
        choice = part["choices"][0]
        text = choice.get("delta", {}).get("content")
        if text:
            sample.on_chunk({"message": {"content": text}}, now)
        if choice.get("finish_reason"):
            sample.done_reason = str(choice["finish_reason"])
    sample.t_last = time.perf_counter()
    if sample.t_first is not None:  # the engine's own numbers, defined as LlamaCppEngine does
        sample.engine_prompt_s = sample.t_first - sample.t_send
        sample.engine_eval_s = sample.t_last - sample.t_first
    sample.check()
    return sample


def ray_sample(handle: Any, request: dict[str, Any], prompt: int, path: str) -> Sample:
    """Iterate the actor's streaming generator from the driver."""
    sample = Sample(path, prompt, time.perf_counter())
    for ref in handle.chat_stream.remote(request):
        chunk = ray.get(ref)
        if sample.on_chunk(chunk, time.perf_counter()):
            break
    sample.check()
    return sample


def ws_sample(ws: Any, request: dict[str, Any], prompt: int, ref: str, timeout_s: float) -> Sample:
    """One chat over an open WebSocket: send, then read chat_response messages to the last."""
    sample = Sample("ws", prompt, time.perf_counter())
    ws.send(json.dumps({"type": "chat", "ref": ref, "message": request}))
    deadline = sample.t_send + timeout_s
    while True:
        raw = ws.recv(timeout=max(0.1, deadline - time.perf_counter()))
        now = time.perf_counter()
        message = json.loads(raw)
        if message.get("ref") != ref:
            continue  # events or answers of something else
        kind = message.get("type")
        if kind == "chat_error":
            raise RuntimeError(f"ws chat_error: {message.get('data')}")
        if kind == "chat_response" and sample.on_chunk(message.get("data") or {}, now):
            break
    sample.check()
    return sample


# ---- phases -------------------------------------------------------------------------


def phase_raw(gguf: Path, n_ctx: int, n_threads: int, args: argparse.Namespace, path: str) -> dict[str, Any]:
    """Load the model in this process, warm up, measure, and free it again."""
    from llama_cpp import Llama

    t = time.perf_counter()
    llm = Llama(model_path=str(gguf), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads, verbose=False)
    load_s = time.perf_counter() - t
    prompts = itertools.cycle(range(len(PROMPTS)))
    samples: list[Sample] = []
    cpu = CpuMonitor()
    with progress_bar() as progress:
        task = progress.add_task(f"{path} (in this process)", total=args.warmup + args.runs)
        for i in range(args.warmup + args.runs):
            s = raw_sample(llm, next(prompts), args, path)
            if i >= args.warmup:
                samples.append(s)
            progress.advance(task)
    usage = cpu.stop()
    llm.close()
    del llm
    gc.collect()
    return {"samples": samples, "load_s": load_s, "cpu": usage}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout_s} s")


def platform_env(state_dir: Path) -> None:
    """The environment tests/integration/conftest.py gives the platform it starts."""
    os.environ["RAY_AUTH_MODE"] = "disabled"
    os.environ["PYGENT_STATE_DIR"] = str(state_dir)
    os.environ["PYGENT_SERVE_PORT"] = str(free_port())
    os.environ["PYGENT_RAY_NAMESPACE"] = NAMESPACE
    os.environ["PYGENT_RAY_INCLUDE_DASHBOARD"] = "false"
    os.environ["PYGENT_RAY_OBJECT_STORE_MEMORY_MB"] = "200"


def phase_platform(settings: Any, model: str, args: argparse.Namespace) -> dict[str, Any]:
    """Start the whole platform, measure worker / router / ws in rotating rounds, stop it."""
    from websockets.sync.client import connect

    from actors.models.worker import worker_address
    from serve_app.platform import init_ray, start_serve, start_tree, stop_platform

    out: dict[str, Any] = {}
    t = time.perf_counter()
    owns = init_ray(settings)
    try:
        console.print("starting the platform (supervision tree, then Serve)")
        start_tree(settings)
        out["tree_start_s"] = time.perf_counter() - t
        url = start_serve(settings)
        wait_http(url + "api/v1/health")
        out["platform_start_s"] = time.perf_counter() - t
        console.print(f"platform up in {out['platform_start_s']:.1f} s (tree {out['tree_start_s']:.1f} s)")

        handles = {"worker": ray.get_actor(worker_address(model, 0)), "router": ray.get_actor(f"model/{model}")}
        ws_url = f"ws://{settings.serve.host}:{settings.serve.port}{settings.serve.base_path}/ws"
        refs = itertools.count()
        prompts = itertools.count()  # one counter over every request to the model: neighbours differ
        samples: dict[str, list[Sample]] = {p: [] for p in PLATFORM_PATHS}
        with connect(ws_url, open_timeout=30, max_size=None) as ws:
            hello = json.loads(ws.recv(timeout=30))
            out["ws_hello"] = hello.get("type")

            def once(path: str) -> Sample:
                prompt = next(prompts) % len(PROMPTS)
                request = chat_request(model, prompt, args)
                if path == "ws":
                    return ws_sample(ws, request, prompt, f"bench-{next(refs)}", args.timeout_s)
                return ray_sample(handles[path], request, prompt, path)

            cpu = CpuMonitor()
            rounds = args.warmup + args.runs
            with progress_bar() as progress:
                task = progress.add_task("worker / router / ws (rotating rounds)", total=rounds * len(PLATFORM_PATHS))
                for r in range(rounds):
                    k = r % len(PLATFORM_PATHS)
                    for path in PLATFORM_PATHS[k:] + PLATFORM_PATHS[:k]:
                        s = once(path)
                        if r >= args.warmup:
                            samples[path].append(s)
                        progress.advance(task)
            out["cpu"] = cpu.stop()
        out["samples"] = samples
        out["worker_status"] = ray.get(handles["worker"].status.remote(), timeout=30)
    finally:
        t = time.perf_counter()
        stop_platform(settings, owns_cluster=owns)
        out["platform_stop_s"] = time.perf_counter() - t
    return out


# ---- statistics and report ------------------------------------------------------------


def path_stats(samples: list[Sample]) -> dict[str, Any]:
    tok_s = [s.tok_s for s in samples]
    e2e = [s.e2e_tok_s for s in samples]
    engine = [x for x in (s.engine_tok_s for s in samples) if x is not None]
    engine_ttft = [s.engine_prompt_s for s in samples if s.engine_prompt_s is not None]
    evals = [s.eval_count for s in samples if s.eval_count is not None]
    return {
        "runs": len(samples),
        "ttft": summarize([s.ttft_s for s in samples]),
        "engine_ttft": summarize(engine_ttft),
        "tok_s_median": float(np.median(tok_s)),
        "tok_s_min": float(np.min(tok_s)),
        "tok_s_max": float(np.max(tok_s)),
        "e2e_tok_s_median": float(np.median(e2e)),
        "engine_tok_s_median": float(np.median(engine)) if engine else None,
        "tokens_median": float(np.median([s.tokens for s in samples])),
        "eval_count_matches": all(s.eval_count == s.tokens for s in samples) if evals else None,
        "prompts": {i: sum(1 for s in samples if s.prompt == i) for i in range(len(PROMPTS))},
        "done_reasons": sorted({str(s.done_reason) for s in samples}),
        "tok_s_per_run": tok_s,
    }


def same_text(samples: list[Sample], reference: dict[int, str]) -> bool:
    return all(s.text == reference.get(s.prompt) for s in samples)


def report(results: dict[str, Any]) -> None:
    stats: dict[str, dict[str, Any]] = results["paths"]
    raw_tok = results["baseline"]["tok_s_median"]
    raw_e2e = results["baseline"]["e2e_tok_s_median"]
    table = Table(title=f"SmolLM2-135M streaming, {results['args']['num_predict']} tokens, temperature 0")
    for col in (
        "path",
        "runs",
        "tokens",
        "TTFT p50",
        "TTFT p90",
        "engine TTFT",
        "tok/s",
        "min-max",
        "engine",
        "e2e tok/s",
        "ratio",
        "e2e ratio",
        "text",
    ):
        table.add_column(col, justify="left" if col == "path" else "right")
    for path in ALL_PATHS:
        if path not in stats:
            continue
        m = stats[path]
        tokens = f"{m['tokens_median']:.0f}"
        if m["eval_count_matches"] is not None:
            tokens += " =" if m["eval_count_matches"] else " !="
        table.add_row(
            path,
            str(m["runs"]),
            tokens,
            fmt_ms(m["ttft"]["p50_ms"], 1),
            fmt_ms(m["ttft"]["p90_ms"], 1),
            fmt_ms(m["engine_ttft"].get("p50_ms"), 1),
            f"{m['tok_s_median']:.1f}",
            f"{m['tok_s_min']:.0f}-{m['tok_s_max']:.0f}",
            "-" if m["engine_tok_s_median"] is None else f"{m['engine_tok_s_median']:.1f}",
            f"{m['e2e_tok_s_median']:.1f}",
            f"{m['tok_s_median'] / raw_tok:.2f}x",
            f"{m['e2e_tok_s_median'] / raw_e2e:.2f}x",
            "same" if m["same_text"] else "DIFF",
        )
    table.caption = (
        "TTFT ms (send -> first token chunk); engine TTFT: call -> first token inside the model's process. "
        "tok/s: tokens / (last - first chunk), median (min-max over runs); engine: the same inside the "
        "model's process; e2e: tokens / (last chunk - send). Ratios: median over the raw median "
        f"(raw + raw again, {results['baseline']['runs']} runs: {raw_tok:.1f} tok/s). tokens: median "
        "token chunks, '=' when the final chunk's eval_count matched on every run. text: answers equal to raw's."
    )
    console.print(table)

    platform = results["platform"]
    ttft = {p: stats[p]["ttft"]["p50_ms"] for p in stats}
    rate = {p: stats[p]["tok_s_median"] for p in stats}
    console.print(
        f"platform start {platform['platform_start_s']:.1f} s (tree {platform['tree_start_s']:.1f} s), "
        f"stop {platform['platform_stop_s']:.1f} s; raw model load {results['raw_load_s'] * 1000:.0f} ms; "
        f"router hop (router - worker): TTFT {ttft['router'] - ttft['worker']:+.1f} ms, "
        f"tok/s {rate['router'] - rate['worker']:+.1f}; Serve + WebSocket (ws - router): "
        f"TTFT {ttft['ws'] - ttft['router']:+.1f} ms, tok/s {rate['ws'] - rate['router']:+.1f}"
    )
    for label, key in (("raw", "raw_cpu"), ("platform paths", "platform_cpu"), ("raw again", "raw_again_cpu")):
        if key in results:
            console.print(f"[dim]{label}:[/dim]", end=" ")
            print_cpu(results[key])
    load = results["loadavg_before"][0], results["loadavg_after"][0]

    ws = stats["ws"]
    ratio = ws["tok_s_median"] / raw_tok
    e2e_ratio = ws["e2e_tok_s_median"] / raw_e2e
    met = ratio >= GOAL_RATIO
    texts_ok = all(m["same_text"] for m in stats.values())
    drift = ""
    if "raw again" in stats:
        before, after = stats["raw"]["tok_s_median"], stats["raw again"]["tok_s_median"]
        change = after / before - 1
        drift = f"; raw before/after the platform {before:.1f}/{after:.1f} tok/s ({change:+.0%})"
        if abs(change) > 0.1:
            drift += " [the machine's speed drifted: treat the ratios with care]"
    busy = " (other work shared the machine)" if max(load) > 1.5 else ""
    colour = "green" if met else "red"
    console.print(
        f"[bold {colour}]verdict: goal ws >= {GOAL_RATIO}x raw tok/s {'MET' if met else 'NOT MET'}[/bold {colour}]: "
        f"ws {ws['tok_s_median']:.1f} vs raw {raw_tok:.1f} tok/s = {ratio:.2f}x "
        f"(e2e {e2e_ratio:.2f}x incl. TTFT {ttft['ws']:.0f} vs {ttft['raw']:.0f} ms p50); "
        f"router {rate['router'] / raw_tok:.2f}x, worker {rate['worker'] / raw_tok:.2f}x"
        f"{drift}; answers {'identical on every path' if texts_ok else 'DIFFERED between paths'}; "
        f"load average {load[0]:.1f} -> {load[1]:.1f} on {os.cpu_count()} CPUs{busy}."
    )
    results["ratios"] = {p: stats[p]["tok_s_median"] / raw_tok for p in stats}
    results["e2e_ratios"] = {p: stats[p]["e2e_tok_s_median"] / raw_e2e for p in stats}
    results["verdict"] = {"goal_ratio": GOAL_RATIO, "met": met, "ws_ratio": ratio, "ws_e2e_ratio": e2e_ratio}


# ---- main -------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="measured requests per path")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up requests per path")
    parser.add_argument("--num-predict", type=int, default=64, help="tokens to generate (num_predict)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--timeout-s", type=float, default=120.0, help="per WebSocket request")
    parser.add_argument("--no-raw-again", action="store_true", help="skip the raw re-run after the platform")
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.warmup, args.no_raw_again = 4, 1, True
    return args


@dataclass
class Setup:
    model: str
    gguf: Path
    n_ctx: int
    n_threads: int
    extra: dict[str, Any] = field(default_factory=dict)


def locate(settings: Any) -> Setup:
    from actors.models.catalog import find_gguf

    config = next(m for m in settings.models.embedded if m.name == settings.models.default_model)
    gguf = find_gguf(config.file, settings)
    if gguf is None:
        raise SystemExit(f"GGUF file {config.file} not found (gguf_dirs, packages {settings.models.gguf_packages})")
    return Setup(config.name, gguf, config.n_ctx, config.n_threads)


@dataclass
class StateDir:
    path: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="pgm-", dir="/tmp")))

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *_: object) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def main() -> int:
    args = parse_args()
    watch = Stopwatch()
    results: dict[str, Any] = {"args": vars(args), "prompts": list(PROMPTS), "loadavg_before": os.getloadavg()}
    # Short path: Ray's and PostgreSQL's Unix sockets live under it (107-byte limit).
    with StateDir() as state_dir:
        platform_env(state_dir)
        from configs.settings import get_settings, load_settings

        get_settings.cache_clear()
        settings = load_settings()
        setup = locate(settings)
        results["model"] = {
            "name": setup.model,
            "gguf": str(setup.gguf),
            "n_ctx": setup.n_ctx,
            "n_threads": setup.n_threads,
        }
        console.print(
            f"[bold]models benchmark[/bold]: {setup.model} ({setup.gguf.name}), n_ctx {setup.n_ctx}, "
            f"n_threads {setup.n_threads}, {args.num_predict} tokens, {args.warmup} warm-up + {args.runs} runs per path"
        )
        samples: dict[str, list[Sample]] = {}

        raw = phase_raw(setup.gguf, setup.n_ctx, setup.n_threads, args, "raw")
        samples["raw"] = raw["samples"]
        results["raw_load_s"] = raw["load_s"]
        results["raw_cpu"] = raw["cpu"]

        platform = phase_platform(settings, setup.model, args)
        samples.update(platform.pop("samples"))
        results["platform_cpu"] = platform.pop("cpu")
        results["platform"] = platform

        if not args.no_raw_again:
            again = phase_raw(setup.gguf, setup.n_ctx, setup.n_threads, args, "raw again")
            samples["raw again"] = again["samples"]
            results["raw_again_cpu"] = again["cpu"]
    results["loadavg_after"] = os.getloadavg()

    reference = {s.prompt: s.text for s in samples["raw"]}
    stats = {p: {**path_stats(v), "same_text": same_text(v, reference)} for p, v in samples.items()}
    raw_all = samples["raw"] + samples.get("raw again", [])
    results["baseline"] = {k: v for k, v in path_stats(raw_all).items() if k != "tok_s_per_run"}
    results["paths"] = stats
    results["answers"] = {i: reference.get(i) for i in range(len(PROMPTS))}
    results["samples"] = {p: [asdict(s) for s in v] for p, v in samples.items()}
    results["runtime_s"] = watch.elapsed_s
    report(results)
    path = write_results("models", results)
    console.print(f"results: {path}  (runtime {results['runtime_s']:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
