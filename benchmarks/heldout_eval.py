"""Accuracy of an NLI model folder on the held-out sets of training: the XNLI dev slice (en-en,
de-de, de-en; 600 rows each, never trained on), RTE-3 dev rows 600 on per language combination
(en, de, de-en, en-de; rows 0-599 are in the training mix) and the dev split of the news pairs.

Usage:
    python benchmarks/heldout_eval.py models/vncheck-nli-v4 [more model folders ...] [--threads 2]

Needs ../shared/data (XNLI, RTE-3). The same numbers as `train-nli`'s evaluations (torch fp32).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checker.model import train_data  # noqa: E402
from checker.model.news_pairs import NEWS_DEV  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+", type=Path)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    import torch

    from checker.model.encoder import load_tokenizer
    from checker.model.nli import load_model
    from checker.model.train import evaluate

    torch.set_num_threads(args.threads)
    data_dir = train_data.shared_data_dir(args.data_dir)
    _, held = train_data.xnli_split(data_dir)
    sets = {f"xnli {c}": train_data.xnli_pairs(data_dir, held, combos=(c,)) for c in ("en-en", "de-de", "de-en")}
    sets |= {f"rte3 {c}": train_data.rte3_pairs(data_dir, c, held_out=True) for c in train_data.RTE3_FILES}
    sets["news dev"] = train_data.held_out_sets(data_dir, NEWS_DEV)["news-dev"]
    tok = load_tokenizer()
    print("| model | " + " | ".join(f"{k} ({len(v)})" for k, v in sets.items()) + " |")
    print("|---|" + "---|" * len(sets))
    for folder in args.models:
        model, id2label = load_model(folder)
        assert id2label == {0: "entailment", 1: "neutral", 2: "contradiction"}, f"{folder}: unexpected labels {id2label}"
        scores = evaluate(model, tok, sets, 128, torch)
        print(f"| {folder} | " + " | ".join(f"{scores[k]:.3f}" for k in sets) + " |", flush=True)


if __name__ == "__main__":
    main()
