"""The NLI model alone and vncheck's verdicts on the labelled news pairs (tests/data/news_pairs/).

Usage:
    python benchmarks/news_pairs_eval.py                          # dev split, vncheck-nli.v4
    python benchmarks/news_pairs_eval.py --split test             # the frozen test split (report only)
    python benchmarks/news_pairs_eval.py --split test_b           # the second frozen test split (report only)
    python benchmarks/news_pairs_eval.py --nli-model PATH         # another local NLI model folder
    python benchmarks/news_pairs_eval.py --errors                 # list the wrong verdicts

Prints, per language direction and per phenomenon:
- **NLI alone** (argmax of premise -> hypothesis, as `vncheck nli-eval`): contradiction F1, macro F1, accuracy;
- **verdicts** (structured checks + NLI with the decision rules of checker/verify.py, as
  `vncheck compare`): contradiction precision and recall, agreement recall, the share of compatible
  look-alikes flagged as contradictions, and contradictions reported as agreements.

The test split is frozen: use it to report a change once, never to choose anything. Needs nothing
outside this repository.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import checks_eval  # noqa: E402

from checker.config import Config  # noqa: E402
from checker.records import NLI_LABELS  # noqa: E402

PAIRS = ROOT / "tests" / "data" / "news_pairs"
VERDICT_GOLD = {"contradiction": "contradiction", "agreement": "agreement", "compatible": "unrelated"}


def load(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def nli_metrics(gold: list[str], pred: list[str]) -> dict:
    """Per-class F1, macro F1 and accuracy of NLI labels."""
    f1 = {}
    for label in NLI_LABELS:
        tp = sum(g == label and p == label for g, p in zip(gold, pred))
        fp = sum(g != label and p == label for g, p in zip(gold, pred))
        fn = sum(g == label and p != label for g, p in zip(gold, pred))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1[label] = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    present = [lab for lab in NLI_LABELS if lab in gold]
    return {
        "n": len(gold),
        "accuracy": sum(g == p for g, p in zip(gold, pred)) / max(1, len(gold)),
        "contradiction_f1": f1["contradiction"],
        "macro_f1": sum(f1[lab] for lab in present) / max(1, len(present)),
    }


def verdict_metrics(gold: list[str], pred: list[str]) -> dict:
    """What an editor sees: contradiction P/R, agreement recall, false alarms on look-alikes."""
    c_tp = sum(g == "contradiction" and p == "contradiction" for g, p in zip(gold, pred))
    c_pred = sum(p == "contradiction" for p in pred)
    c_gold = sum(g == "contradiction" for g in gold)
    a_gold = sum(g == "agreement" for g in gold)
    u_gold = sum(g == "unrelated" for g in gold)
    return {
        "n": len(gold),
        "contradiction_precision": c_tp / c_pred if c_pred else None,
        "contradiction_recall": c_tp / c_gold if c_gold else None,
        "agreement_recall": sum(g == p == "agreement" for g, p in zip(gold, pred)) / a_gold if a_gold else None,
        "compatible_flagged": sum(g == "unrelated" and p == "contradiction" for g, p in zip(gold, pred)) / u_gold if u_gold else None,
        "contradiction_as_agreement": sum(g == "contradiction" and p == "agreement" for g, p in zip(gold, pred)),
    }


def _fmt(v) -> str:
    return "-" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v))


def grouped(rows: list[dict], fn, gold: list[str], pred: list[str], key: str) -> dict[str, dict]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        groups[r[key]].append(i)
    return {k: fn([gold[i] for i in idx], [pred[i] for i in idx]) for k, idx in sorted(groups.items())}


def print_table(title: str, results: dict[str, dict], columns: list[str]) -> None:
    print(f"\n{title}")
    print("| group | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name, m in results.items():
        print(f"| {name} | " + " | ".join(_fmt(m[c]) for c in columns) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "test", "test_b"], default="dev",
                        help="dev (tuning), test or test_b (the two frozen test splits: report only)")
    parser.add_argument("--nli", default="vncheck-nli.v4", help="registered NLI backend name")
    parser.add_argument("--nli-model", default=None, help="local NLI model folder (vncheck's own or Hugging Face)")
    parser.add_argument("--errors", action="store_true", help="print the wrong verdicts")
    parser.add_argument("--json", type=Path, default=None, help="also write all figures to this JSON file")
    parser.add_argument("--min-score", type=float, default=Config().min_score,
                        help="a finding below this score is not reported (as `vncheck check`/`compare`; default %(default)s)")
    args = parser.parse_args(argv)

    from checker.backends.registry import get_nli
    from checker.pipeline import nli_backend_for_folder

    rows = load(PAIRS / f"{args.split}.tsv")
    nli = get_nli(nli_backend_for_folder(args.nli_model), path=args.nli_model) if args.nli_model else get_nli(args.nli)
    t0 = time.perf_counter()
    pairs = [checks_eval.Pair(r["premise"], r["hypothesis"], VERDICT_GOLD[r["verdict"]], r["direction"], r["phenomenon"]) for r in rows]
    probs = nli.predict([(p.premise, p.hypothesis) for p in pairs])
    nli_pred = [max(NLI_LABELS, key=lambda lab: pr[lab]) for pr in probs]
    nli_gold = [r["label"] for r in rows]
    runs = checks_eval.evaluate(pairs, nli)
    # What the user is shown: a finding below --min-score (the "possible contradiction" tier) is not reported.
    verdict_pred = [v.label.value if v.score >= args.min_score or v.label.value == "unrelated" else "unrelated"
                    for v in runs["checks + NLI"]]
    verdict_gold = [p.label for p in pairs]
    elapsed = time.perf_counter() - t0

    name = args.nli_model or args.nli
    print(f"{len(rows)} pairs, {args.split} split ({PAIRS / (args.split + '.tsv')}); NLI: {name}; "
          f"findings reported from score {args.min_score}; {elapsed:.0f} s")
    out = {"split": args.split, "nli": name, "min_score": args.min_score, "nli_alone": {}, "verdicts": {}}
    nli_cols = ["n", "contradiction_f1", "macro_f1", "accuracy"]
    ver_cols = ["n", "contradiction_precision", "contradiction_recall", "agreement_recall", "compatible_flagged", "contradiction_as_agreement"]
    out["nli_alone"]["all"] = nli_metrics(nli_gold, nli_pred)
    out["nli_alone"]["direction"] = grouped(rows, nli_metrics, nli_gold, nli_pred, "direction")
    out["nli_alone"]["phenomenon"] = grouped(rows, nli_metrics, nli_gold, nli_pred, "phenomenon")
    out["verdicts"]["all"] = verdict_metrics(verdict_gold, verdict_pred)
    out["verdicts"]["direction"] = grouped(rows, verdict_metrics, verdict_gold, verdict_pred, "direction")
    out["verdicts"]["phenomenon"] = grouped(rows, verdict_metrics, verdict_gold, verdict_pred, "phenomenon")
    print_table("NLI alone (premise -> hypothesis)", {"all": out["nli_alone"]["all"]} | out["nli_alone"]["direction"], nli_cols)
    print_table("NLI alone, per phenomenon", out["nli_alone"]["phenomenon"], nli_cols)
    print_table("Verdicts (checks + NLI)", {"all": out["verdicts"]["all"]} | out["verdicts"]["direction"], ver_cols)
    print_table("Verdicts, per phenomenon", out["verdicts"]["phenomenon"], ver_cols)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, sort_keys=True), encoding="utf-8")
    if args.errors:
        for r, g, p, v in zip(rows, verdict_gold, verdict_pred, runs["checks + NLI"]):
            if g != p:
                print(f"\n[{r['direction']} {r['phenomenon']}] gold={g} got={p} ({v.label.value} {v.score:.2f})\n  A: {r['premise']}\n  B: {r['hypothesis']}")
                for reason in v.reasons[:4]:
                    print(f"    - {reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
