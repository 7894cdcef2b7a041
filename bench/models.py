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

Nothing runs at the same time as anything else: the paths share the machine's cores.
(1) raw, with the model loaded in this process, which is then closed and freed
(del + gc); (2) the platform is started as the integration tests start it (the
supervision tree with the store, the bus, the model worker and its router and the
embedder, then Serve), and worker, router and ws are measured in rounds, one request
of each per round with the order rotating, so drift hits the three alike; (3) the
platform is stopped and raw runs once more (`raw again`), bracketing phase 2 in time.
With --paired the raw model stays loaded in this process during phase 2 instead and
raw takes its turn in every round (still one request at a time): on a machine shared
with other work, that pairing is what makes the ratios trustworthy. Consecutive
requests to a model always use different prompts, so llama.cpp's prefix cache helps
every path alike (only the shared chat-template prefix is reused). Ray starts its
workers with OMP_NUM_THREADS=1 (num_cpus=0) and nice 15; the raw model gets the same
OMP_NUM_THREADS (llama.cpp's CPU backend uses OpenMP), and both are recorded. Raw and
worker use the same thread count, configs `models.embedded` `threads` (n_threads, or all
cores but one).

Per request: t_send (just before the call: create_chat_completion, `.remote()`, or the
WebSocket send), t_first (the first token chunk received) and t_last (the final chunk).
Tokens: on the raw path the non-final chunks (one per token); on the platform paths the
final chunk's eval_count, since the worker sends the tokens that piled up while its
reader was busy as one chunk (chunks are counted too, and shown beside the tokens).

How to read it. TTFT = t_first - t_send (median and p90, ms). tok/s = tokens /
(t_last - t_first), the rate a reader sees once tokens flow; e2e tok/s = tokens /
(t_last - t_send), TTFT included. `engine` is the rate inside the model's process (the
worker's final chunk: eval_count / eval_duration; on the raw path the same as tok/s):
where a path's tok/s is below its engine rate, time goes into the hops; where the engine
itself is slower than raw, the model competed for CPU with the platform (raylet, Serve,
the other actors). Ratios are medians over the raw median (raw and raw again together);
with --paired, `paired` is the median over rounds of the path's tok/s over the raw tok/s
of the same round. `text` says whether each prompt's answer equalled the raw one (greedy
decoding is deterministic). The issue's goal: ws tok/s >= 0.9x raw. The verdict line
says whether it was met, with the numbers and the machine's load.
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
from collections.abc import Callable
from dataclasses import asdict, dataclass
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
import ray
from rich.table import Table

from bench.common import (
    CpuMonitor,
    Stopwatch,
    actor_at,
    auth_headers,
    console,
    fmt_ms,
    print_cpu,
    progress_bar,
    summarize,
    write_results,
)

NAMESPACE = "pygent-bench-models"
GOAL_RATIO = 0.9
PLATFORM_PATHS = ("worker", "router", "ws")
ALL_PATHS = ("raw", "raw again", *PLATFORM_PATHS)
MIN_RUNS = 3  # per path, even when a phase runs over its time budget

# Similar length (about 40 prompt tokens with the chat template), open-ended: the model
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
    round: int = -1
    t_first: float | None = None
    t_last: float | None = None
    tokens: int = 0
    chunks: int = 0
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
        self.chunks += 1
        self.text += (chunk.get("message") or {}).get("content", "")
        return False

    def check(self) -> Sample:
        if self.t_first is None or self.t_last is None or self.tokens == 0:
            raise RuntimeError(f"{self.path}: no tokens or no final chunk ({self!r})")
        # The worker coalesces tokens into one chunk when its reader falls behind, so the
        # final chunk's eval_count (tokens generated) is the count; chunks are a lower bound.
        if self.eval_count is not None:
            self.tokens = self.eval_count
        return self


def chat_request(model: str, prompt: int, args: argparse.Namespace) -> dict[str, Any]:
    """The Ollama-shaped request every platform path gets."""
    return {
        "model": model,
        "messages": [{"role": "user", "content": PROMPTS[prompt]}],
        "stream": True,
        "options": {"num_predict": args.num_predict, "temperature": 0.0, "seed": args.seed},
    }


# ---- the paths ----------------------------------------------------------------------


class RawModel:
    """The model loaded in this process, called as LlamaCppEngine.stream_chat calls it."""

    def __init__(self, gguf: Path, n_ctx: int, n_threads: int, args: argparse.Namespace) -> None:
        # llama.cpp's CPU backend runs on OpenMP (libgomp reads this when it loads): give
        # the raw model what Ray gives the worker (num_cpus=0 -> OMP_NUM_THREADS=1).
        os.environ.setdefault("OMP_NUM_THREADS", args.omp_threads)
        from llama_cpp import Llama

        self.args = args
        t = time.perf_counter()
        self.llm: Any = Llama(
            model_path=str(gguf), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads, verbose=False
        )
        self.load_s = time.perf_counter() - t

    def sample(self, prompt: int, path: str) -> Sample:
        sample = Sample(path, prompt, time.perf_counter())
        stream = self.llm.create_chat_completion(
            messages=[{"role": "user", "content": PROMPTS[prompt]}],
            stream=True,
            max_tokens=self.args.num_predict,
            temperature=0.0,
            seed=self.args.seed,
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
        if sample.t_first is not None:  # the engine's numbers, defined as LlamaCppEngine defines them
            sample.engine_prompt_s = sample.t_first - sample.t_send
            sample.engine_eval_s = sample.t_last - sample.t_first
        return sample.check()

    def close(self) -> None:
        self.llm.close()
        del self.llm
        gc.collect()


def ray_sample(handle: Any, request: dict[str, Any], prompt: int, path: str) -> Sample:
    """Iterate the actor's streaming generator from the driver."""
    sample = Sample(path, prompt, time.perf_counter())
    for ref in handle.chat_stream.remote(request):
        chunk = ray.get(ref)
        if sample.on_chunk(chunk, time.perf_counter()):
            break
    return sample.check()


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
            continue  # events, or answers to something else
        kind = message.get("type")
        if kind == "chat_error":
            raise RuntimeError(f"ws chat_error: {message.get('data')}")
        if kind == "chat_response" and sample.on_chunk(message.get("data") or {}, now):
            break
    return sample.check()


# ---- phases -------------------------------------------------------------------------


def measure_rounds(
    runners: dict[str, Callable[[], Sample]], args: argparse.Namespace, label: str
) -> tuple[dict[str, list[Sample]], dict[str, Any]]:
    """warmup + runs rounds, one request per path each, the order rotating by round.
    Stops early (after at least MIN_RUNS measured rounds) when the phase's budget is spent.
    Warm-up samples (round < 0) are returned too, last in each list; only their texts count."""
    paths = list(runners)
    samples: dict[str, list[Sample]] = {p: [] for p in paths}
    warm: dict[str, list[Sample]] = {p: [] for p in paths}
    rounds = args.warmup + args.runs
    info: dict[str, Any] = {"truncated": False}
    cpu: CpuMonitor | None = None
    started = time.perf_counter()
    with progress_bar() as progress:
        task = progress.add_task(label, total=rounds * len(paths))
        for r in range(rounds):
            if r == args.warmup:
                cpu, started = CpuMonitor(), time.perf_counter()
            elif r >= args.warmup + MIN_RUNS and time.perf_counter() - started > args.phase_budget_s:
                info["truncated"] = True
                console.print(
                    f"[yellow]{label}: over the {args.phase_budget_s:.0f} s budget, stopping after "
                    f"{r - args.warmup} measured rounds[/yellow]"
                )
                break
            k = r % len(paths)
            for path in paths[k:] + paths[:k]:
                s = runners[path]()
                s.round = r - args.warmup
                (samples if r >= args.warmup else warm)[path].append(s)
                progress.advance(task)
    info["measure_s"] = time.perf_counter() - started
    info["cpu"] = cpu.stop() if cpu is not None else None
    info["warmup_samples"] = warm
    return samples, info


def phase_raw(setup: Setup, args: argparse.Namespace, path: str) -> dict[str, Any]:
    """Load the model in this process, warm up, measure, and free it again."""
    model = RawModel(setup.gguf, setup.n_ctx, setup.n_threads, args)
    prompts = itertools.count()
    try:
        samples, info = measure_rounds(
            {path: lambda: model.sample(next(prompts) % len(PROMPTS), path)}, args, f"{path} (in this process)"
        )
    finally:
        load_s = model.load_s
        model.close()
    warm = info.pop("warmup_samples")[path]
    return {"samples": samples[path], "warmup_samples": warm, "load_s": load_s, **info}


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
    os.environ["PYGENT_RAY_NAMESPACE"] = NAMESPACE
    os.environ["PYGENT_RAY_INCLUDE_DASHBOARD"] = "false"
    os.environ["PYGENT_RAY_OBJECT_STORE_MEMORY_MB"] = "200"


def process_info(pid: int) -> dict[str, Any]:
    """Niceness of a process on this machine (Ray starts its workers at nice 15)."""
    try:
        return {"pid": pid, "nice": psutil.Process(pid).nice()}
    except psutil.Error as exc:
        return {"pid": pid, "error": f"{type(exc).__name__}: {exc}"}


def find_worker_process() -> dict[str, Any] | None:
    for proc in psutil.Process().children(recursive=True):
        try:
            if "ModelWorker" in " ".join(proc.cmdline()):
                return process_info(proc.pid)
        except psutil.Error:
            continue
    return None


def phase_platform(settings: Any, setup: Setup, args: argparse.Namespace) -> dict[str, Any]:
    """Start the whole platform, measure worker / router / ws (and raw, with --paired) in
    rotating rounds, stop it."""
    from websockets.sync.client import connect

    from actors.models.worker_actor import worker_address
    from serve_app.platform import init_ray, start_serve, start_tree, stop_platform

    out: dict[str, Any] = {}
    raw: RawModel | None = None
    t = time.perf_counter()
    owns = init_ray(settings)
    try:
        console.print("starting the platform (supervision tree, then Serve)")
        start_tree(settings)
        out["tree_start_s"] = time.perf_counter() - t
        # The port is picked now, not at the start: on a shared machine another process may
        # take a port that was free a minute ago.
        settings.serve.port = free_port()
        url = start_serve(settings)
        wait_http(url + "api/v1/health")
        out["platform_start_s"] = time.perf_counter() - t
        console.print(f"platform up in {out['platform_start_s']:.1f} s (tree {out['tree_start_s']:.1f} s)")

        model = setup.model
        handles = {"worker": actor_at(worker_address(model, 0)), "router": actor_at(f"model/{model}")}
        ws_url = f"ws://{settings.serve.host}:{settings.serve.port}{settings.serve.base_path}/ws"
        refs = itertools.count()
        prompts = itertools.count()  # one counter over every request to the worker: neighbours differ
        raw_prompts = itertools.count()
        with connect(ws_url, open_timeout=30, max_size=None, additional_headers=auth_headers()) as ws:
            out["ws_hello"] = json.loads(ws.recv(timeout=30)).get("type")

            def once(path: str) -> Sample:
                prompt = next(prompts) % len(PROMPTS)
                request = chat_request(model, prompt, args)
                if path == "ws":
                    return ws_sample(ws, request, prompt, f"bench-{next(refs)}", args.timeout_s)
                return ray_sample(handles[path], request, prompt, path)

            def runner(path: str) -> Callable[[], Sample]:
                return lambda: once(path)

            runners = {p: runner(p) for p in PLATFORM_PATHS}
            if args.paired:
                raw = RawModel(setup.gguf, setup.n_ctx, setup.n_threads, args)
                out["raw_load_s"] = raw.load_s
                model_raw = raw
                runners = {"raw": lambda: model_raw.sample(next(raw_prompts) % len(PROMPTS), "raw"), **runners}
            label = " / ".join(runners) + " (rotating rounds)"
            samples, info = measure_rounds(runners, args, label)
            out.update(info)
        out["samples"] = samples
        out["worker_status"] = ray.get(handles["worker"].status.remote(), timeout=30)
        out["worker_process"] = find_worker_process()
    finally:
        if raw is not None:
            raw.close()
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
        "chunks_median": float(np.median([s.chunks for s in samples])),
        "has_eval_count": bool(evals),
        "coalesced_runs": sum(1 for s in samples if s.chunks < s.tokens),
        "prompts": {i: sum(1 for s in samples if s.prompt == i) for i in range(len(PROMPTS))},
        "done_reasons": sorted({str(s.done_reason) for s in samples}),
        "tok_s_per_run": tok_s,
    }


def paired_ratio(samples: list[Sample], raw: list[Sample]) -> float | None:
    """Median over rounds of tok/s over the raw tok/s of the same round (--paired only)."""
    by_round = {s.round: s.tok_s for s in raw}
    ratios = [s.tok_s / by_round[s.round] for s in samples if s.round in by_round]
    return float(np.median(ratios)) if ratios else None


def same_text(samples: list[Sample], reference: dict[int, str]) -> str:
    """'same' when every answer equals raw's answer to the same prompt, 'DIFF' if one does not."""
    compared = [s.text == reference[s.prompt] for s in samples if s.prompt in reference]
    if not compared:
        return "n/a"
    return "same" if all(compared) else "DIFF"


def report(results: dict[str, Any]) -> None:
    stats: dict[str, dict[str, Any]] = results["paths"]
    raw_tok = results["baseline"]["tok_s_median"]
    raw_e2e = results["baseline"]["e2e_tok_s_median"]
    paired = results["args"]["paired"]
    table = Table(title=f"SmolLM2-135M streaming, {results['args']['num_predict']} tokens, temperature 0")
    columns = ["path", "runs", "tokens", "TTFT p50", "TTFT p90", "engine TTFT", "tok/s", "min-max", "engine"]
    columns += ["e2e tok/s", "ratio", "e2e ratio", *(["paired"] if paired else []), "text"]
    for col in columns:
        table.add_column(col, justify="left" if col == "path" else "right", no_wrap=col == "path")
    for path in ALL_PATHS:
        if path not in stats:
            continue
        m = stats[path]
        tokens = f"{m['tokens_median']:.0f}/{m['chunks_median']:.0f}" + ("*" if m["coalesced_runs"] else "")
        pr = m.get("paired_ratio")
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
            *([("-" if pr is None else f"{pr:.2f}x")] if paired else []),
            m["same_text"],
        )
    raw_rows = "raw" if "raw again" not in stats else "raw + raw again"
    table.caption = (
        "TTFT ms (send -> first token chunk); engine TTFT: call -> first token inside the model's process. "
        "tok/s: tokens / (last - first chunk), median (min-max over runs); engine: the same inside the "
        "model's process; e2e: tokens / (last chunk - send). Ratios: median over the raw median "
        f"({raw_rows}, {results['baseline']['runs']} runs: {raw_tok:.1f} tok/s)"
        + ("; paired: median over rounds of tok/s / raw tok/s of the same round" if paired else "")
        + ". tokens: median tokens (the final chunk's eval_count; raw: chunks) / chunks received; '*' where "
        "the worker coalesced waiting tokens into one chunk in some runs. "
        "text: answers equal to raw's."
    )
    console.print(table)

    platform = results["platform"]
    ttft = {p: stats[p]["ttft"]["p50_ms"] for p in stats}
    rate = {p: stats[p]["tok_s_median"] for p in stats}
    worker = platform.get("worker_process") or {}
    console.print(
        f"platform start {platform['platform_start_s']:.1f} s (tree {platform['tree_start_s']:.1f} s), "
        f"stop {platform['platform_stop_s']:.1f} s; raw model load {results['raw_load_s'] * 1000:.0f} ms; "
        f"router hop (router - worker): TTFT {ttft['router'] - ttft['worker']:+.1f} ms p50, "
        f"tok/s {rate['router'] - rate['worker']:+.1f}; Serve + WebSocket (ws - router): "
        f"TTFT {ttft['ws'] - ttft['router']:+.1f} ms p50, tok/s {rate['ws'] - rate['router']:+.1f}"
    )
    console.print(
        f"processes: this one (raw) nice {results['driver_process'].get('nice', '?')}, OMP_NUM_THREADS "
        f"{results['raw_omp_num_threads']}; the worker nice {worker.get('nice', '?')}, OMP_NUM_THREADS 1 "
        "(set by Ray inside the worker for num_cpus=0)"
    )
    for label, key in (("raw", "raw_cpu"), ("platform phase", "platform_cpu"), ("raw again", "raw_again_cpu")):
        if results.get(key):
            console.print(f"[dim]{label}:[/dim]", end=" ")
            print_cpu(results[key])
    truncated = [k for k in ("raw", "platform", "raw_again") if results.get(f"{k}_truncated")]
    if truncated:
        console.print(f"[yellow]phases cut short by --phase-budget-s: {', '.join(truncated)}[/yellow]")
    load = results["loadavg_before"][0], results["loadavg_after"][0]

    ws = stats["ws"]
    ratio = ws["tok_s_median"] / raw_tok
    e2e_ratio = ws["e2e_tok_s_median"] / raw_e2e
    ws_paired = ws.get("paired_ratio")
    met = ratio >= GOAL_RATIO and (ws_paired is None or ws_paired >= GOAL_RATIO)
    texts_ok = all(m["same_text"] != "DIFF" for m in stats.values()) and results["raw_answers_consistent"]
    drift = ""
    if "raw again" in stats:
        before, after = stats["raw"]["tok_s_median"], stats["raw again"]["tok_s_median"]
        change = after / before - 1
        drift = f"; raw before/after the platform {before:.1f}/{after:.1f} tok/s ({change:+.0%})"
        if abs(change) > 0.1:
            drift += " (the machine's speed drifted: treat the ratios with care, or use --paired)"
    noisy = max(load) > 1.5 or any(
        (results.get(k) or {}).get("other_cores", 0.0) > 0.25 for k in ("raw_cpu", "platform_cpu", "raw_again_cpu")
    )
    busy = " (other work shared the machine: the numbers are not clean)" if noisy else ""
    colour = "green" if met else "red"
    console.print(
        f"[bold {colour}]verdict: goal ws >= {GOAL_RATIO}x raw tok/s {'MET' if met else 'NOT MET'}[/bold {colour}]: "
        f"ws {ws['tok_s_median']:.1f} vs raw {raw_tok:.1f} tok/s = {ratio:.2f}x"
        + (f" (paired {ws_paired:.2f}x)" if ws_paired is not None else "")
        + f", e2e {e2e_ratio:.2f}x with TTFT {ttft['ws']:.0f} vs {ttft['raw']:.0f} ms p50; "
        f"router {rate['router'] / raw_tok:.2f}x, worker {rate['worker'] / raw_tok:.2f}x"
        f"{drift}; answers {'identical on every path' if texts_ok else 'DIFFERED between paths'}; "
        f"load average {load[0]:.1f} -> {load[1]:.1f} on {os.cpu_count()} CPUs{busy}."
    )
    results["ratios"] = {p: stats[p]["tok_s_median"] / raw_tok for p in stats}
    results["e2e_ratios"] = {p: stats[p]["e2e_tok_s_median"] / raw_e2e for p in stats}
    results["verdict"] = {
        "goal_ratio": GOAL_RATIO,
        "met": met,
        "ws_ratio": ratio,
        "ws_paired_ratio": ws_paired,
        "ws_e2e_ratio": e2e_ratio,
        "noisy_machine": noisy,
    }


# ---- main -------------------------------------------------------------------------------


@dataclass
class Setup:
    model: str
    gguf: Path
    n_ctx: int
    n_threads: int


def locate(settings: Any) -> Setup:
    from actors.models.catalog import find_gguf

    config = next(m for m in settings.models.embedded if m.name == settings.models.default_model)
    gguf = find_gguf(config.file, settings)
    if gguf is None:
        raise SystemExit(f"GGUF file {config.file} not found (gguf_dirs, packages {settings.models.gguf_packages})")
    return Setup(config.name, gguf, config.n_ctx, config.threads)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="measured requests per path")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up requests per path")
    parser.add_argument("--num-predict", type=int, default=64, help="tokens to generate (num_predict)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--timeout-s", type=float, default=120.0, help="per WebSocket request")
    parser.add_argument(
        "--phase-budget-s",
        type=float,
        default=75.0,
        help=f"measuring time per phase; past it a phase stops early (keeping >= {MIN_RUNS} runs per path)",
    )
    parser.add_argument(
        "--omp-threads", default="1", help="OMP_NUM_THREADS for the raw model (Ray gives the worker 1), unless set"
    )
    parser.add_argument(
        "--paired", action="store_true", help="raw takes its turn in every round of phase 2 instead of phases 1 and 3"
    )
    parser.add_argument("--no-raw-again", action="store_true", help="skip the raw re-run after the platform")
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.warmup, args.no_raw_again = 4, 1, True
    return args


def main() -> int:
    args = parse_args()
    watch = Stopwatch()
    results: dict[str, Any] = {"args": vars(args), "prompts": list(PROMPTS), "loadavg_before": os.getloadavg()}
    # Short path: Ray's and PostgreSQL's Unix sockets live under it (107-byte limit).
    state_dir = Path(tempfile.mkdtemp(prefix="pgm-", dir="/tmp"))
    try:
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
            f"n_threads {setup.n_threads}, {args.num_predict} tokens, {args.warmup} warm-up + {args.runs} runs "
            f"per path{', paired rounds' if args.paired else ''}; load average {os.getloadavg()[0]:.1f}"
        )
        samples: dict[str, list[Sample]] = {}
        warmups: dict[str, list[Sample]] = {}

        if not args.paired:
            raw = phase_raw(setup, args, "raw")
            samples["raw"] = raw["samples"]
            warmups["raw"] = raw["warmup_samples"]
            results["raw_load_s"] = raw["load_s"]
            results["raw_cpu"] = raw["cpu"]
            results["raw_truncated"] = raw["truncated"]

        platform = phase_platform(settings, setup, args)
        samples.update(platform.pop("samples"))
        warmups.update(platform.pop("warmup_samples"))
        results["platform_cpu"] = platform.pop("cpu")
        results["platform_truncated"] = platform.pop("truncated")
        if args.paired:
            results["raw_load_s"] = platform.pop("raw_load_s")
        results["platform"] = platform

        if not args.paired and not args.no_raw_again:
            again = phase_raw(setup, args, "raw again")
            samples["raw again"] = again["samples"]
            warmups["raw again"] = again["warmup_samples"]
            results["raw_again_cpu"] = again["cpu"]
            results["raw_again_truncated"] = again["truncated"]
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)
    results["loadavg_after"] = os.getloadavg()
    results["driver_process"] = process_info(os.getpid())
    results["raw_omp_num_threads"] = os.environ.get("OMP_NUM_THREADS")

    # The reference answers: the raw path's, warm-ups included; they must agree among themselves.
    raw_texts: dict[int, set[str]] = {}
    for s in [*warmups.get("raw", []), *samples["raw"], *warmups.get("raw again", []), *samples.get("raw again", [])]:
        raw_texts.setdefault(s.prompt, set()).add(s.text)
    results["raw_answers_consistent"] = all(len(v) == 1 for v in raw_texts.values())
    reference = {p: sorted(v)[0] for p, v in raw_texts.items()}
    stats = {p: {**path_stats(v), "same_text": same_text(v, reference)} for p, v in samples.items()}
    if args.paired:
        for p in PLATFORM_PATHS:
            stats[p]["paired_ratio"] = paired_ratio(samples[p], samples["raw"])
    raw_all = samples["raw"] + samples.get("raw again", [])
    results["baseline"] = {k: v for k, v in path_stats(raw_all).items() if k != "tok_s_per_run"}
    results["paths"] = stats
    results["answers"] = {i: reference.get(i) for i in range(len(PROMPTS))}
    results["samples"] = {p: [asdict(s) for s in v] for p, v in samples.items()}
    results["warmup_samples"] = {p: [asdict(s) for s in v] for p, v in warmups.items()}
    results["runtime_s"] = watch.elapsed_s
    report(results)
    path = write_results("models", results)
    console.print(f"results: {path}  (runtime {results['runtime_s']:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
