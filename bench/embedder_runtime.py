"""The Embedder's two runtimes side by side: ONNX Runtime (the default) against
sentence-transformers on torch, the same packaged model, in one run.

Each measurement runs in a fresh Python process of its own (so its memory is its own), the
runtimes alternating round by round, so drift from other work on the machine hits both alike:

- load: import and model load until the first vector (the Embedder's start, a restart too);
- memory: the process's USS after loading and one warm-up text (what an idle Embedder holds);
- throughput: `--texts` varied sentences in batches of 64 (the Embedder's batch size);
- latency: single texts one at a time, p50.

The vectors of both are compared on the same texts (cosine, min over texts).

    python -m bench.embedder_runtime [--texts 1024] [--rounds 2] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from rich.table import Table

from bench.common import Stopwatch, console, write_results

RUNTIMES = ("onnx", "torch")
BATCH = 64


def corpus(n: int) -> list[str]:
    subjects = ["The supervisor", "An agent", "The index shard", "A model worker", "The message bus", "A user"]
    verbs = ["restarts", "answers", "searches", "stores", "routes", "summarises"]
    objects = [
        "a crashed child",
        "the question",
        "the nearest passages",
        "every token",
        "a JSON-RPC call",
        "the report",
    ]
    tails = ["", " after a kill", " within a second", " on another node", " with its citations", " twice as fast"]
    return [
        f"{subjects[i % 6]} {verbs[(i // 6) % 6]} {objects[(i // 36) % 6]}{tails[(i // 216) % 6]} (#{i})."
        for i in range(n)
    ]


def measure(runtime: str, texts: int, threads: int | None, sample_out: str) -> dict[str, Any]:
    """In this (fresh) process: load, memory, throughput and latency of one runtime."""
    started = time.perf_counter()
    import asyncio

    import numpy as np
    import psutil

    from actors.models.embeddings import SentenceTransformerEncoder, locate_package_model
    from actors.models.onnx_encoder import OnnxEncoder, ensure_exported
    from configs.settings import get_settings

    settings = get_settings()
    model_dir = locate_package_model(settings.embeddings.package)
    encoder: Any
    if runtime == "onnx":
        cache = settings.resolve_path(settings.embeddings.onnx_cache_dir)
        encoder = OnnxEncoder(model_dir, asyncio.run(ensure_exported(model_dir, cache, 300.0)), threads)
    else:
        encoder = SentenceTransformerEncoder(model_dir, threads=threads)
    encoder.encode(["warm-up"])
    load_s = time.perf_counter() - started
    uss_mib = psutil.Process().memory_full_info().uss / 2**20
    sentences = corpus(texts)
    t = time.perf_counter()
    for i in range(0, len(sentences), BATCH):
        encoder.encode(sentences[i : i + BATCH])
    throughput = len(sentences) / (time.perf_counter() - t)
    lone = []
    for text in sentences[:40]:
        t = time.perf_counter()
        encoder.encode([text])
        lone.append(time.perf_counter() - t)
    np.save(sample_out, np.asarray(encoder.encode([*sentences[:32], "token " * 600])))
    return {
        "runtime": runtime,
        "threads": encoder.threads,
        "load_s": load_s,
        "uss_mib": uss_mib,
        "texts_per_s": throughput,
        "lone_p50_ms": statistics.median(lone) * 1000,
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=2, help="runs of each runtime, alternating")
    parser.add_argument("--threads", type=int, default=None, help="threads (default: the encoder's, half the cores)")
    parser.add_argument("--measure", choices=RUNTIMES, help=argparse.SUPPRESS)  # one run, in a child process
    parser.add_argument("--sample-out", default="", help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.texts, args.threads, args.sample_out)))
        return 0
    import numpy as np

    watch = Stopwatch()
    runs: list[dict[str, Any]] = []
    samples: dict[str, str] = {}
    for r in range(args.rounds):
        order = RUNTIMES if r % 2 == 0 else tuple(reversed(RUNTIMES))
        for runtime in order:
            samples[runtime] = f"/tmp/pygent-embedder-runtime-{runtime}.npy"
            command = [sys.executable, "-m", "bench.embedder_runtime", "--measure", runtime, "--texts", str(args.texts)]
            command += ["--sample-out", samples[runtime]] + (["--threads", str(args.threads)] if args.threads else [])
            console.print(f"round {r + 1}: {runtime}")
            done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=900)
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    onnx, torch = (np.load(samples[r]) for r in RUNTIMES)
    min_cosine = float((onnx * torch).sum(axis=1).min())
    table = Table(title=f"Embedder runtimes, {args.texts} texts, batches of {BATCH}, {args.rounds} round(s) each")
    for column in ("runtime", "threads", "load s", "USS MiB", "texts/s", "lone p50 ms"):
        table.add_column(column, justify="left" if column == "runtime" else "right")
    summary: dict[str, dict[str, float]] = {}
    for runtime in RUNTIMES:
        mine = [x for x in runs if x["runtime"] == runtime]
        summary[runtime] = {
            k: statistics.median(x[k] for x in mine) for k in ("load_s", "uss_mib", "texts_per_s", "lone_p50_ms")
        }
        s = summary[runtime]
        table.add_row(
            runtime,
            str(mine[0]["threads"]),
            f"{s['load_s']:.2f}",
            f"{s['uss_mib']:.0f}",
            f"{s['texts_per_s']:.0f}",
            f"{s['lone_p50_ms']:.1f}",
        )
    console.print(table)
    o, t = summary["onnx"], summary["torch"]
    console.print(
        f"onnx vs torch: memory {o['uss_mib'] - t['uss_mib']:+.0f} MiB, load {o['load_s'] / t['load_s']:.2f}x, "
        f"throughput {o['texts_per_s'] / t['texts_per_s']:.2f}x, "
        f"lone latency {o['lone_p50_ms'] / t['lone_p50_ms']:.2f}x; "
        f"vectors: min cosine {min_cosine:.6f}"
    )
    write_results(
        "embedder_runtime",
        {"args": vars(args), "runs": runs, "summary": summary, "min_cosine": min_cosine, "runtime_s": watch.elapsed_s},
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
