"""NLI inference speed and accuracy on CPU: torch fp32, torch dynamic int8, ONNX Runtime fp32 and int8.

Speed: pairs per second for news-length pairs (about 40 + 40 tokens), built from the
sentences in seeds/ (no shared data needed). Accuracy: the fixed held-out XNLI dev slice
(en-en, de-de, de-en) from ../shared/data, skipped with a note when that folder is missing.

Usage:
    python benchmarks/nli_speed.py [--model-dir models/vncheck-nli-v4] [--pairs 512] [--threads 2] [--skip-accuracy]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checker.model.encoder import load_tokenizer  # noqa: E402
from checker.model.nli import DEFAULT_MODEL_DIR, length_batches, load_model, pad_batch, softmax  # noqa: E402


def news_pairs(tok, n: int, tokens: int = 40, seed: int = 0) -> list[tuple[str, str]]:
    """Sentence pairs from seeds/, each side cut to about ``tokens`` tokens."""
    sentences = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        sentences += [s.strip() for s in re.split(r"(?<=[.!?])\s+", path.read_text(encoding="utf-8")) if len(s.split()) > 12]
    cut = []
    for s in sentences:
        ids = tok(s, add_special_tokens=False)["input_ids"][:tokens]
        cut.append(tok.decode(ids))
    rng = np.random.default_rng(seed)
    return [(cut[rng.integers(len(cut))], cut[rng.integers(len(cut))]) for _ in range(n)]


def encode(tok, pairs, max_length=256):
    return tok([p for p, _ in pairs], [h for _, h in pairs], truncation=True, max_length=max_length)["input_ids"]


def batches(ids, batch_size, pad_id):
    for batch in length_batches([len(x) for x in ids], batch_size):
        yield (batch, *pad_batch([ids[i] for i in batch], pad_id))


class TorchRunner:
    def __init__(self, model):
        self.model = model

    def __call__(self, x, m):
        import torch

        with torch.inference_mode():
            return self.model(torch.from_numpy(x), torch.from_numpy(m)).float().numpy()


class OrtRunner:
    def __init__(self, path: Path, threads: int):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    def __call__(self, x, m):
        return self.session.run(["logits"], {"input_ids": x, "attention_mask": m})[0]


class SplitOrtRunner:
    """``sessions`` one-thread sessions of one graph, each running a slice of the batch at the same
    time (ONNX Runtime releases the GIL): parallel requests instead of parallel matrix kernels."""

    def __init__(self, path: Path, sessions: int):
        from concurrent.futures import ThreadPoolExecutor

        self.runners = [OrtRunner(path, 1) for _ in range(sessions)]
        self.pool = ThreadPoolExecutor(sessions)

    def __call__(self, x, m):
        parts = np.array_split(np.arange(len(x)), len(self.runners))
        jobs = [self.pool.submit(r, x[p], m[p]) for r, p in zip(self.runners, parts) if len(p)]
        return np.concatenate([j.result() for j in jobs])


def calibration_feeds(tok, n: int = 256, batch_size: int = 32) -> list[dict]:
    """Static-quantization calibration batches from the project's own sentences (seeds/, another
    draw than the timed pairs)."""
    ids = encode(tok, news_pairs(tok, n, seed=1))
    width = max(len(x) for x in ids)  # one width for all: the histogram calibrators stack the batches
    masks = [[1] * len(x) + [0] * (width - len(x)) for x in ids]
    ids = [x + [tok.pad_token_id] * (width - len(x)) for x in ids]
    return [{"input_ids": np.array(ids[i:i + batch_size], dtype=np.int64), "attention_mask": np.array(masks[i:i + batch_size], dtype=np.int64)}
            for i in range(0, len(ids) - batch_size + 1, batch_size)]


def static_variants(model, tok, folder: Path) -> dict[str, Path]:
    """int8 with fixed activation scales (QDQ, per-channel weights), calibrated on seeds/ pairs."""
    from checker.model.onnx_export import export_onnx, quantize_static_qdq

    fp32 = export_onnx(model, folder / "nli-static-fp32.onnx")
    feeds = calibration_feeds(tok)
    layers = model.encoder.config.num_hidden_layers
    return {
        "onnxruntime-static-int8-minmax": quantize_static_qdq(fp32, folder / "nli-s-minmax.onnx", feeds),
        "onnxruntime-static-int8-percentile": quantize_static_qdq(fp32, folder / "nli-s-pct.onnx", feeds, method="percentile"),
        "onnxruntime-static-int8-pct-ends-fp32": quantize_static_qdq(fp32, folder / "nli-s-pct-ends.onnx", feeds,
                                                                     method="percentile", keep_float=_ends(layers)),
    }


def export_variants(model, folder: Path) -> dict[str, Path]:
    """fp32 ONNX, int8 of the plain graph, and int8 of the BERT-fused graph (the one vncheck uses)."""
    from checker.model.onnx_export import export_onnx, fuse, fuse_and_quantize

    heads, hidden = model.encoder.config.num_attention_heads, model.encoder.config.hidden_size
    layers = model.encoder.config.num_hidden_layers
    fp32 = export_onnx(model, folder / "nli-fp32.onnx")
    return {
        "onnxruntime-fp32": fp32,
        "onnxruntime-fused-fp32": fuse(fp32, folder / "nli-fused.onnx", heads, hidden),
        "onnxruntime-int8": fuse_and_quantize(fp32, folder / "nli-int8.onnx", heads, hidden, fuse_first=False),
        "onnxruntime-fused-int8": fuse_and_quantize(fp32, folder / "nli-fused-int8.onnx", heads, hidden),
        "onnxruntime-fused-int8-per-channel": fuse_and_quantize(fp32, folder / "nli-fused-int8-pc.onnx", heads, hidden,
                                                                per_channel=True),
        # Accuracy-aware settings: the first and last blocks and the head stay fp32, or only the
        # feed-forward layers (two thirds of the multiply-adds) are int8.
        "onnxruntime-int8-per-channel": fuse_and_quantize(fp32, folder / "nli-int8-pc.onnx", heads, hidden,
                                                          fuse_first=False, per_channel=True),
        "onnxruntime-int8-pc-ends-fp32": fuse_and_quantize(fp32, folder / "nli-int8-ends.onnx", heads, hidden,
                                                           fuse_first=False, per_channel=True, keep_float=_ends(layers)),
        "onnxruntime-int8-pc-ffn-only": fuse_and_quantize(fp32, folder / "nli-int8-ffn.onnx", heads, hidden,
                                                          fuse_first=False, per_channel=True, keep_float=_not_ffn),
    }


def _ends(layers: int):
    ends = (f"/layer.0/", f"/layer.{layers - 1}/", "/classifier/")
    return lambda name: any(part in name for part in ends)


def _not_ffn(name: str) -> bool:
    return "/intermediate/dense/" not in name and "/output/dense/" not in name or "/attention/" in name


def speed(runner, ids, pad_id, batch_size, repeats=2) -> float:
    list(runner(x, m) for _, x, m in batches(ids[:batch_size], batch_size, pad_id))  # warm-up
    best = 0.0
    for _ in range(repeats):
        t = time.perf_counter()
        for _, x, m in batches(ids, batch_size, pad_id):
            runner(x, m)
        best = max(best, len(ids) / (time.perf_counter() - t))
    return best


def accuracy(runner, tok, sets, id2label) -> dict[str, float]:
    label_of = {i: name for i, name in id2label.items()}
    scores = {}
    for name, pairs in sets.items():
        ids = encode(tok, [(p.premise, p.hypothesis) for p in pairs])
        pred = [""] * len(pairs)
        for batch, x, m in batches(ids, 64, tok.pad_token_id):
            for i, row in zip(batch, softmax(runner(x, m))):
                pred[i] = label_of[int(row.argmax())]
        scores[name] = round(float(np.mean([p == q.label for p, q in zip(pred, pairs)])), 4)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", default=str(DEFAULT_MODEL_DIR))
    parser.add_argument("--pairs", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    parser.add_argument("--only", default="", help="comma-separated variant names to run (default: all)")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    tok = load_tokenizer()
    model, id2label = load_model(args.model_dir)
    pairs = news_pairs(tok, args.pairs)
    ids = encode(tok, pairs)
    print(f"{len(pairs)} pairs, mean {np.mean([len(x) for x in ids]):.1f} tokens per pair (incl. special tokens), "
          f"batch {args.batch_size}, {args.threads} threads")

    sets = None
    if not args.skip_accuracy:
        try:
            from checker.model import train_data

            sets = train_data.held_out_sets(train_data.shared_data_dir(args.data_dir))
        except Exception as exc:  # the shared data is optional for this benchmark
            print(f"XNLI and RTE-3 accuracy skipped: {exc}")
        sets = (sets or {}) | {"news-dev": train_data.read_nli(ROOT / "tests/data/news_pairs/dev.tsv", "news-dev")}

    wanted = set(filter(None, args.only.split(",")))
    runners = {"torch-fp32": TorchRunner(model)}
    runners["torch-int8-dynamic"] = TorchRunner(torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8))
    with tempfile.TemporaryDirectory() as tmp:
        try:
            variants = {}
            if not wanted or any(n.startswith("onnxruntime") and "static" not in n for n in wanted):
                variants |= export_variants(model, Path(tmp))
            if not wanted or any("static" in n for n in wanted):
                variants |= static_variants(model, tok, Path(tmp))
            for name, path in variants.items():
                runners[name] = OrtRunner(path, args.threads)
                if args.threads > 1 and name in ("onnxruntime-fp32", "onnxruntime-fused-int8-per-channel",
                                                 "onnxruntime-int8-pc-ffn-only"):
                    runners[f"{name}-{args.threads}x1-thread"] = SplitOrtRunner(path, args.threads)
        except Exception as exc:  # onnx/onnxruntime are optional (pip install -e .[bench])
            print(f"ONNX Runtime skipped: {exc}")
        results = {}
        for name, runner in runners.items():
            if wanted and name not in wanted:
                continue
            row = {"pairs_per_s": round(speed(runner, ids, tok.pad_token_id, args.batch_size), 1)}
            if sets:
                row["accuracy"] = accuracy(runner, tok, sets, id2label)
            results[name] = row
            print(f"{name:<22} {row['pairs_per_s']:>7.1f} pairs/s  {row.get('accuracy', '')}")
    if args.json:
        print(json.dumps(results, sort_keys=True))


if __name__ == "__main__":
    main()
