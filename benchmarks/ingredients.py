"""What each training-data ingredient adds: short fine-tunes from one start, one ingredient at a time.

Every run starts from the same weights (default: vncheck-nli-v1, the generic-NLI model; pass
``--init``), trains ``--steps`` batches of 32 with ``vncheck train-nli`` on a control mix
(English NLI + XNLI training rows) plus one ingredient, and is scored on the held-out sets that
``train-nli`` reports (XNLI slice en-en / de-de / de-en, RTE-3 held-out rows, the news-pairs
dev split). A run of the control mix alone separates the ingredient from "more steps".
Needs ../shared/data; runs one after another, one CPU thread each; resumable (a finished run
is not repeated).

Usage:
    python benchmarks/ingredients.py --init /path/to/vncheck-nli-v1 [--steps 100] [--runs control,news3,...]
    python benchmarks/ingredients.py --table                          # print the table of finished runs

Short runs measure the direction of each ingredient's effect, not what a full training run reaches.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUN_ROOT = ROOT / ".train" / "ingredients"

CONTROL = ["--english", "8000", "--xnli-repeats", "2", "--news", "0", "--paraphrase", "0", "--rte-repeats", "0"]
RUNS = {
    "control": ("English NLI + XNLI only", []),
    "news3": ("+ 24,000 targeted news pairs, recipe 3 (dates, numbers, negation, outcomes, countries)", ["--news", "24000", "--news-recipe", "3"]),
    "news4": ("+ 24,000 targeted news pairs, recipe 4 (+ actor swaps, role swaps, status verbs)", ["--news", "24000", "--news-recipe", "4"]),
    "paraphrase": ("+ 6,000 PAWS-X / STS-B paraphrases and word swaps", ["--paraphrase", "6000"]),
    "rte3": ("+ RTE-3 dev rows 0-599 in 4 combinations (2,400)", ["--rte-repeats", "1"]),
}
COLUMNS = ("en-en", "de-de", "de-en", "rte3", "news-dev")


def run(name: str, init: Path, steps: int, seed: int) -> None:
    out = RUN_ROOT / name / "out"
    if (out / "config.json").is_file():
        print(f"{name}: done before", flush=True)
        return
    cmd = [sys.executable, "-m", "checker.cli", "train-nli", "--init-from", str(init), "--run-dir", str(RUN_ROOT / name),
           "--out", str(out), "--max-steps", str(steps), "--lr", "3e-5", "--seed", str(seed), "--threads", "1",
           *CONTROL, *RUNS[name][1]]
    print(f"{name}: {' '.join(cmd[2:])}", flush=True)
    with open(RUN_ROOT / f"{name}.log", "w") as log:
        subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, check=True)


def table() -> None:
    print("| run | ingredient | " + " | ".join(COLUMNS) + " | mean |")
    print("|---|---|" + "---|" * (len(COLUMNS) + 1))
    control = None
    for name, (what, _) in RUNS.items():
        path = RUN_ROOT / name / "out" / "config.json"
        if not path.is_file():
            continue
        scores = json.loads(path.read_text())["training"]["history"][-1]
        row = [scores[c] for c in COLUMNS]
        mean = sum(row) / len(row)
        if name == "control":
            control = row + [mean]
            cells = [f"{v:.3f}" for v in control]
        else:
            cells = [f"{v:.3f}" + (f" ({v - c:+.3f})" if control else "") for v, c in zip(row + [mean], control or row + [mean])]
        print(f"| {name} | {what} | " + " | ".join(cells) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--init", type=Path, help="Start weights (a vncheck model folder).")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--seed", type=int, default=29)
    ap.add_argument("--runs", default=",".join(RUNS))
    ap.add_argument("--table", action="store_true")
    args = ap.parse_args()
    if not args.table:
        if not args.init:
            ap.error("--init is required to train")
        RUN_ROOT.mkdir(parents=True, exist_ok=True)
        for name in args.runs.split(","):
            run(name, args.init, args.steps, args.seed)
    table()


if __name__ == "__main__":
    main()
