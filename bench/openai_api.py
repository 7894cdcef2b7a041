"""What the OpenAI-compatible API costs: /v1/chat/completions against the platform's own
/api/v1/ollama/chat and against the raw model, same model, same prompts, one run.

Paths, one request each per round, the order rotating by round (drift hits all alike):

- raw:      SmolLM2-135M loaded in this process by llama-cpp-python (the baseline; see
            bench/models.py for why it runs in the same rounds as the platform paths);
- api_v1:   POST /api/v1/ollama/chat, stream true: NDJSON lines (the existing route);
- v1:       POST /v1/chat/completions, stream true: server-sent chunks read with httpx
            (the tokens counted from the usage chunk, `stream_options.include_usage`);
- v1_sdk:   the same through the official `openai` SDK (what its users get, SDK included);
- api_v1_whole, v1_whole: the same two routes with stream false (latency of a whole answer).

Every request: `num_predict`/`max_tokens` tokens, temperature 0, a fixed seed, so the
answers must equal the raw model's (`text`). Per streamed request: TTFT (send -> first text
chunk), tok/s (tokens / (last - first chunk)) and e2e tok/s (tokens / (last - send)).
The issue's goal: v1 streamed tok/s >= 0.9x raw; the added TTFT is v1's p50 minus
api_v1's (what the OpenAI layer adds) and minus raw's (what the platform adds).

`python -m bench.openai_api [--runs 10 --num-predict 64]`, `--quick` for a smoke run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import httpx
import numpy as np
from rich.table import Table

from bench.common import Stopwatch, auth_headers, console, fmt_ms, print_cpu, summarize, write_results
from bench.models import (
    MIN_RUNS,
    PROMPTS,
    RawModel,
    Sample,
    locate,
    measure_rounds,
    paired_ratio,
    path_stats,
    platform_env,
    process_info,
    same_text,
    wait_http,
)
from bench.models import free_port as pick_port

GOAL_RATIO = 0.9
STREAMED = ("raw", "api_v1", "v1", "v1_sdk")
WHOLE = ("api_v1_whole", "v1_whole")


def ollama_body(model: str, prompt: int, args: argparse.Namespace, stream: bool) -> dict[str, Any]:
    return {
        "model": model,
        "messages": [{"role": "user", "content": PROMPTS[prompt]}],
        "stream": stream,
        "options": {"num_predict": args.num_predict, "temperature": 0.0, "seed": args.seed},
    }


def openai_body(model: str, prompt: int, args: argparse.Namespace, stream: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": "user", "content": PROMPTS[prompt]}],
        "max_tokens": args.num_predict,
        "temperature": 0.0,
        "seed": args.seed,
        "stream": stream,
    }
    if stream:
        body["stream_options"] = {"include_usage": True}
    return body


def ndjson_sample(http: httpx.Client, url: str, body: dict[str, Any], prompt: int) -> Sample:
    sample = Sample("api_v1", prompt, time.perf_counter())
    with http.stream("POST", url, json=body) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if line.strip() and sample.on_chunk(json.loads(line), time.perf_counter()):
                break
    return sample.check()


def sse_sample(http: httpx.Client, url: str, body: dict[str, Any], prompt: int) -> Sample:
    sample = Sample("v1", prompt, time.perf_counter())
    with http.stream("POST", url, json=body) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[len("data: ") :])
            now = time.perf_counter()
            if chunk["choices"]:
                choice = chunk["choices"][0]
                if choice["delta"].get("content"):
                    sample.on_chunk({"message": {"content": choice["delta"]["content"]}}, now)
                if choice.get("finish_reason"):
                    sample.done_reason = choice["finish_reason"]
            elif chunk.get("usage"):
                sample.on_chunk({"done": True, "eval_count": chunk["usage"]["completion_tokens"]}, now)
    sample.done_reason = sample.done_reason or "?"
    return sample.check()


def sdk_sample(client: Any, body: dict[str, Any], prompt: int) -> Sample:
    sample = Sample("v1_sdk", prompt, time.perf_counter())
    for chunk in client.chat.completions.create(**body):
        now = time.perf_counter()
        if chunk.choices:
            if chunk.choices[0].delta.content:
                sample.on_chunk({"message": {"content": chunk.choices[0].delta.content}}, now)
            if chunk.choices[0].finish_reason:
                sample.done_reason = chunk.choices[0].finish_reason
        elif chunk.usage is not None:
            sample.on_chunk({"done": True, "eval_count": chunk.usage.completion_tokens}, now)
    return sample.check()


def whole_sample(http: httpx.Client, url: str, body: dict[str, Any], prompt: int, path: str) -> Sample:
    """A non-streamed answer: only the latency (t_first = t_last) and its text and tokens."""
    sample = Sample(path, prompt, time.perf_counter())
    response = http.post(url, json=body)
    response.raise_for_status()
    sample.t_last = sample.t_first = time.perf_counter()
    answer = response.json()
    if "choices" in answer:
        sample.text = answer["choices"][0]["message"]["content"] or ""
        sample.tokens = sample.eval_count = int(answer["usage"]["completion_tokens"])
    else:
        sample.text = answer["message"]["content"]
        sample.tokens = sample.eval_count = int(answer["eval_count"])
    return sample


def phase(settings: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Start the platform as the integration tests do, measure every path in rotating rounds
    (the raw model loaded in this process), stop it."""
    import openai

    from serve_app.platform import init_ray, start_serve, start_tree, stop_platform

    setup = locate(settings)
    out: dict[str, Any] = {"model": setup.model, "gguf": str(setup.gguf), "n_threads": setup.n_threads}
    raw: RawModel | None = None
    t = time.perf_counter()
    owns = init_ray(settings)
    try:
        console.print("starting the platform (supervision tree, then Serve)")
        start_tree(settings)
        settings.serve.port = pick_port()
        url = start_serve(settings)
        wait_http(url + "api/v1/health")
        out["platform_start_s"] = time.perf_counter() - t
        console.print(f"platform up in {out['platform_start_s']:.1f} s")
        raw = RawModel(setup.gguf, setup.n_ctx, setup.n_threads, args)
        model_raw = raw
        http = httpx.Client(timeout=args.timeout_s, headers=auth_headers())
        key = auth_headers()["Authorization"].removeprefix("Bearer ")
        sdk = openai.OpenAI(base_url=url + "v1", api_key=key, max_retries=0, timeout=args.timeout_s)
        prompts = itertools.count()
        model = setup.model

        def once(path: str) -> Sample:
            prompt = next(prompts) % len(PROMPTS)  # one counter for every path: neighbours differ
            if path == "raw":
                return model_raw.sample(prompt, path)
            if path == "api_v1":
                return ndjson_sample(http, url + "api/v1/ollama/chat", ollama_body(model, prompt, args, True), prompt)
            if path == "v1":
                return sse_sample(http, url + "v1/chat/completions", openai_body(model, prompt, args, True), prompt)
            if path == "v1_sdk":
                return sdk_sample(sdk, openai_body(model, prompt, args, True), prompt)
            if path == "api_v1_whole":
                body = ollama_body(model, prompt, args, False)
                return whole_sample(http, url + "api/v1/ollama/chat", body, prompt, path)
            return whole_sample(
                http, url + "v1/chat/completions", openai_body(model, prompt, args, False), prompt, path
            )

        def runner(path: str) -> Callable[[], Sample]:
            return lambda: once(path)

        runners = {path: runner(path) for path in (*STREAMED, *WHOLE)}
        samples, info = measure_rounds(runners, args, " / ".join(runners) + " (rotating rounds)")
        out.update(info)
        out["samples"] = samples
        http.close()
        sdk.close()
    finally:
        if raw is not None:
            raw.close()
        stop_platform(settings, owns_cluster=owns)
    return out


def whole_stats(samples: list[Sample]) -> dict[str, Any]:
    return {
        "runs": len(samples),
        "latency": summarize([s.ttft_s for s in samples]),
        "tokens_median": float(np.median([s.tokens for s in samples])),
    }


def report(results: dict[str, Any]) -> None:
    stats = results["paths"]
    raw_tok = stats["raw"]["tok_s_median"]
    table = Table(title=f"{results['model']} streamed, {results['args']['num_predict']} tokens, temperature 0")
    for col in ("path", "runs", "tokens", "TTFT p50", "TTFT p90", "tok/s", "e2e tok/s", "vs raw", "paired", "text"):
        table.add_column(col, justify="left" if col == "path" else "right", no_wrap=col == "path")
    for path in STREAMED:
        m = stats[path]
        pr = m.get("paired_ratio")
        table.add_row(
            path,
            str(m["runs"]),
            f"{m['tokens_median']:.0f}",
            fmt_ms(m["ttft"]["p50_ms"], 1),
            fmt_ms(m["ttft"]["p90_ms"], 1),
            f"{m['tok_s_median']:.1f}",
            f"{m['e2e_tok_s_median']:.1f}",
            f"{m['tok_s_median'] / raw_tok:.2f}x",
            "-" if pr is None else f"{pr:.2f}x",
            m["same_text"],
        )
    table.caption = (
        "TTFT: send -> first text chunk; tok/s: tokens / (last - first chunk), median; e2e: tokens / (last - send); "
        "paired: median over rounds of tok/s / raw tok/s of the same round; text: answers equal to raw's"
    )
    console.print(table)
    whole = Table(title="whole answers (stream false)")
    for col in ("path", "runs", "tokens", "latency p50", "latency p90", "text"):
        whole.add_column(col, justify="left" if col == "path" else "right")
    for path in WHOLE:
        m = stats[path]
        whole.add_row(
            path,
            str(m["runs"]),
            f"{m['tokens_median']:.0f}",
            fmt_ms(m["latency"]["p50_ms"], 1),
            fmt_ms(m["latency"]["p90_ms"], 1),
            m["same_text"],
        )
    console.print(whole)
    if results.get("cpu"):
        print_cpu(results["cpu"])

    v1, api_v1, raw = stats["v1"], stats["api_v1"], stats["raw"]
    ratio = v1.get("paired_ratio") or v1["tok_s_median"] / raw_tok
    added_ttft = v1["ttft"]["p50_ms"] - api_v1["ttft"]["p50_ms"]
    added_whole = stats["v1_whole"]["latency"]["p50_ms"] - stats["api_v1_whole"]["latency"]["p50_ms"]
    met = ratio >= GOAL_RATIO
    load = results["loadavg_before"][0], results["loadavg_after"][0]
    busy = " (other work shared the machine)" if max(load) > 1.5 else ""
    colour = "green" if met else "red"
    console.print(
        f"[bold {colour}]verdict: v1 streamed >= {GOAL_RATIO}x raw tok/s "
        f"{'MET' if met else 'NOT MET'}[/bold {colour}]: "
        f"{v1['tok_s_median']:.1f} vs raw {raw_tok:.1f} tok/s (paired {ratio:.2f}x), api_v1 "
        f"{api_v1['tok_s_median']:.1f}; TTFT p50 v1 {v1['ttft']['p50_ms']:.0f} ms, api_v1 "
        f"{api_v1['ttft']['p50_ms']:.0f} ms (the OpenAI layer adds {added_ttft:+.1f} ms), raw "
        f"{raw['ttft']['p50_ms']:.0f} ms; whole answer p50 v1 - api_v1 {added_whole:+.1f} ms; "
        f"load average {load[0]:.1f} -> {load[1]:.1f} on {os.cpu_count()} CPUs{busy}."
    )
    results["verdict"] = {
        "goal_ratio": GOAL_RATIO,
        "met": met,
        "v1_paired_ratio": ratio,
        "added_ttft_ms_vs_api_v1": added_ttft,
        "added_ttft_ms_vs_raw": v1["ttft"]["p50_ms"] - raw["ttft"]["p50_ms"],
        "added_whole_latency_ms_vs_api_v1": added_whole,
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="measured requests per path")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up requests per path")
    parser.add_argument("--num-predict", type=int, default=64, help="tokens to generate")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--timeout-s", type=float, default=120.0)
    parser.add_argument(
        "--phase-budget-s", type=float, default=240.0, help=f"measuring time; past it, stop (>= {MIN_RUNS} runs)"
    )
    parser.add_argument("--omp-threads", default="1", help="OMP_NUM_THREADS for the raw model (Ray gives the worker 1)")
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.warmup = 4, 1
    return args


def main() -> int:
    args = parse_args()
    watch = Stopwatch()
    results: dict[str, Any] = {"args": vars(args), "prompts": list(PROMPTS), "loadavg_before": os.getloadavg()}
    state_dir = Path(tempfile.mkdtemp(prefix="pgo-", dir="/tmp"))
    try:
        platform_env(state_dir)
        os.environ["PYGENT_RAY_NAMESPACE"] = "pygent-bench-openai"
        from configs.settings import get_settings, load_settings

        get_settings.cache_clear()
        settings = load_settings()
        console.print(
            f"[bold]OpenAI-compatible API benchmark[/bold]: {settings.models.default_model}, {args.num_predict} "
            f"tokens, {args.warmup} warm-up + {args.runs} rounds; load average {os.getloadavg()[0]:.1f}"
        )
        measured = phase(settings, args)
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)
    samples: dict[str, list[Sample]] = measured.pop("samples")
    warm = measured.pop("warmup_samples")
    results["loadavg_after"] = os.getloadavg()
    results["model"] = measured["model"]
    results["cpu"] = measured.pop("cpu")
    results["platform"] = measured
    results["driver_process"] = process_info(os.getpid())
    reference = {s.prompt: s.text for s in [*warm["raw"], *samples["raw"]]}
    stats: dict[str, Any] = {}
    for path in STREAMED:
        stats[path] = {**path_stats(samples[path]), "same_text": same_text(samples[path], reference)}
        if path != "raw":
            stats[path]["paired_ratio"] = paired_ratio(samples[path], samples["raw"])
    for path in WHOLE:
        stats[path] = {**whole_stats(samples[path]), "same_text": same_text(samples[path], reference)}
    results["paths"] = stats
    results["samples"] = {p: [asdict(s) for s in v] for p, v in samples.items()}
    results["runtime_s"] = watch.elapsed_s
    report(results)
    path = write_results("openai_api", results)
    console.print(f"results: {path}  (runtime {results['runtime_s']:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
