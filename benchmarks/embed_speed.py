"""Embedding speed and agreement per runtime: claims per second of the e5 embedder on news sentences.

Sentences: every sentence of seeds/ with at least 5 words, cycled to ``--claims`` (no shared data
needed). For each runtime (torch fp32, ONNX Runtime fp32), thread count and batching it prints
claims/s (best of ``--repeats`` timed passes after one warm-up pass) and the cosine of its vectors
with torch fp32's (the accuracy bar: within 0.01). Batching: a fixed number of texts per batch
(``--batch-sizes``), or batches of at most N padded tokens (``--batch-tokens``, at most 64 texts;
vncheck's default is 512 tokens). The ONNX graph is built once in a temporary cache folder (its
build time is not counted).

Usage:
    python benchmarks/embed_speed.py [--claims 512] [--threads 1,2] [--batch-sizes 16,32,64]
                                     [--batch-tokens 256,512,1024] [--runtimes torch,onnx] [--repeats 2]
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
    ap.add_argument("--batch-sizes", default="16,32,64", help="fixed texts per batch ('' for none)")
    ap.add_argument("--batch-tokens", default="256,512,1024", help="padded tokens per batch, at most 64 texts ('' for none)")
    ap.add_argument("--runtimes", default="torch,onnx")
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    texts = seed_sentences(args.claims)
    threads = [int(t) for t in args.threads.split(",")]
    # (label, texts per batch, padded tokens per batch)
    batchings = [(f"{b} texts", b, 10**9) for b in _ints(args.batch_sizes)]
    batchings += [(f"<= {n} tokens", 64, n) for n in _ints(args.batch_tokens)]
    rows = []
    reference = None
    with tempfile.TemporaryDirectory() as cache:
        if "torch" not in args.runtimes.split(","):  # the cosines are still against torch fp32
            reference = E5Embedder(threads=threads[-1], runtime="torch").encode(texts)
        for runtime in args.runtimes.split(","):
            for t in threads:
                for label, size, tokens in batchings:
                    embedder = E5Embedder(batch_size=size, batch_tokens=tokens, threads=t, runtime=runtime, cache_dir=cache)
                    rate, vectors = timed(embedder, texts, args.repeats)
                    if reference is None:
                        reference = vectors
                    cos = np.sum(vectors * reference, axis=1)
                    rows.append((runtime, t, label, rate, float(cos.min()), float(cos.mean())))
                    print(f"{runtime:5} threads {t} batch {label:>12}: {rate:6.1f} claims/s, cosine to torch fp32 min {cos.min():.6f}", flush=True)
    print(f"\n{len(texts)} claims from seeds/ (sentences of 5+ words)\n")
    print("| runtime | threads | batch | claims/s | cosine to torch fp32 (min / mean) |")
    print("|---|---|---|---|---|")
    for runtime, t, label, rate, cmin, cmean in rows:
        print(f"| {runtime} fp32 | {t} | {label} | {rate:.1f} | {cmin:.6f} / {cmean:.6f} |")


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


if __name__ == "__main__":
    main()
