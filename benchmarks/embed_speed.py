"""Embedding speed and agreement per runtime: claims per second of the e5 embedder on news sentences.

Sentences: every sentence of seeds/ with at least 5 words, cycled to ``--claims`` (no shared data
needed). For each runtime (torch fp32, ONNX Runtime fp32), thread count and batch size it prints
claims/s (best of ``--repeats`` timed passes after one warm-up pass) and the cosine of its vectors
with torch fp32's (the accuracy bar: within 0.01). The ONNX graph is built once in a temporary
cache folder (its build time is not counted).

Usage:
    python benchmarks/embed_speed.py [--claims 512] [--threads 1,2] [--batch-sizes 16,32,64] [--repeats 2]
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checker.backends.e5 import E5Embedder  # noqa: E402


def seed_sentences(n: int) -> list[str]:
    sentences = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        sentences += [s.strip() for s in re.split(r"(?<=[.!?])\s+", path.read_text(encoding="utf-8")) if len(s.split()) >= 5]
    return [sentences[i % len(sentences)] for i in range(n)]


def timed(embedder: E5Embedder, texts: list[str], repeats: int) -> tuple[float, np.ndarray]:
    vectors = embedder.encode(texts)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        vectors = embedder.encode(texts)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best, vectors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=512)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--batch-sizes", default="16,32,64")
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    texts = seed_sentences(args.claims)
    threads = [int(t) for t in args.threads.split(",")]
    batches = [int(b) for b in args.batch_sizes.split(",")]
    rows = []
    reference = None
    with tempfile.TemporaryDirectory() as cache:
        for runtime in ("torch", "onnx"):
            for t in threads:
                for b in batches:
                    embedder = E5Embedder(batch_size=b, threads=t, runtime=runtime, cache_dir=cache)
                    rate, vectors = timed(embedder, texts, args.repeats)
                    if reference is None:
                        reference = vectors
                    cos = np.sum(vectors * reference, axis=1)
                    rows.append((runtime, t, b, rate, float(cos.min()), float(cos.mean())))
                    print(f"{runtime:5} threads {t} batch {b:3}: {rate:6.1f} claims/s, cosine to torch fp32 min {cos.min():.6f}", flush=True)
    print(f"\n{len(texts)} claims from seeds/ (sentences of 5+ words)\n")
    print("| runtime | threads | batch | claims/s | cosine to torch fp32 (min / mean) |")
    print("|---|---|---|---|---|")
    for runtime, t, b, rate, cmin, cmean in rows:
        print(f"| {runtime} fp32 | {t} | {b} | {rate:.1f} | {cmin:.6f} / {cmean:.6f} |")


if __name__ == "__main__":
    main()
