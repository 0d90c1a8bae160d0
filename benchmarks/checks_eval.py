"""Precision/recall of the structured checks, alone and combined with an NLI scorer,
on the hand-labelled bilingual pairs in tests/data/claim_pairs.tsv.

Usage:
    python benchmarks/checks_eval.py                       # checks alone + fake NLI
    python benchmarks/checks_eval.py --nli vncheck-nli.v4  # with the project's NLI model
    python benchmarks/checks_eval.py --nli-model PATH      # a local Hugging Face NLI model
    python benchmarks/checks_eval.py --errors              # list the misclassified pairs

A pair counts as predicted "contradiction"/"agreement" when the verdict has that label
(scores above the verdict thresholds in checker/verify.py); everything else is
"unrelated". Needs nothing outside this repository.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.checks import compare_slots, default_lexicon, extract_slots  # noqa: E402
from checker.checks.compare import Comparison  # noqa: E402
from checker.errors import VncheckError  # noqa: E402
from checker.records import Verdict  # noqa: E402
from checker.verify import _disjoint_actors, decide, score_both_directions  # noqa: E402

DATA = ROOT / "tests" / "data" / "claim_pairs.tsv"
LABELS = ("contradiction", "agreement", "unrelated")


@dataclass(frozen=True)
class Pair:
    premise: str
    hypothesis: str
    label: str
    lang: str
    note: str


def load_pairs(path: Path = DATA) -> list[Pair]:
    """Read the labelled pairs (header: premise, hypothesis, label, lang, note)."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [Pair(r["premise"], r["hypothesis"], r["label"], r["lang"], r["note"]) for r in rows]


def slots_for(pairs: list[Pair]) -> list[tuple]:
    """Slots of both sides of every pair (each side is its own one-sentence document)."""
    lexicon = default_lexicon()
    out = []
    for i, p in enumerate(pairs):
        lang_a, lang_b = p.lang.split("-")
        out.append(
            (
                extract_slots(p.premise, lang_a, None, lexicon, source=f"p{i:03d}a"),
                extract_slots(p.hypothesis, lang_b, None, lexicon, source=f"p{i:03d}b"),
            )
        )
    return out


def evaluate(pairs: list[Pair], nli=None) -> dict[str, list]:
    """Verdicts of the structured checks alone, and (with ``nli``) combined and NLI alone.

    The NLI runs once per pair and direction; the three settings apply the same decision
    rules (checker.verify.decide) to different evidence.
    """
    lexicon = default_lexicon()
    slots = slots_for(pairs)
    comparisons = [compare_slots(a, b, lexicon) for a, b in slots]
    runs: dict[str, list] = {}
    runs["structured checks"] = [
        decide(a.source, b.source, cmp, None, None, _disjoint_actors(a, b)) for (a, b), cmp in zip(slots, comparisons)
    ]
    if nli is not None:
        scores, errors = score_both_directions(nli, [(p.premise, p.hypothesis) for p in pairs])
        runs["checks + NLI"] = [
            decide(a.source, b.source, cmp, sc, err, _disjoint_actors(a, b))
            for (a, b), cmp, sc, err in zip(slots, comparisons, scores, errors)
        ]
        runs["NLI rules alone"] = [
            decide(a.source, b.source, Comparison(), sc, err) for (a, b), sc, err in zip(slots, scores, errors)
        ]
    return runs


def metrics(gold: list[str], pred: list[str]) -> dict[str, dict[str, float]]:
    """Precision, recall and F1 per label, and accuracy."""
    out: dict[str, dict[str, float]] = {}
    for label in ("contradiction", "agreement"):
        tp = sum(g == label and p == label for g, p in zip(gold, pred))
        fp = sum(g != label and p == label for g, p in zip(gold, pred))
        fn = sum(g == label and p != label for g, p in zip(gold, pred))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[label] = {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3), "tp": tp, "fp": fp, "fn": fn}
    norm = [p if p in LABELS else "unrelated" for p in pred]
    out["all"] = {"accuracy": round(sum(g == p for g, p in zip(gold, norm)) / max(1, len(gold)), 3), "n": len(gold)}
    return out


def _labels(verdicts: list) -> list[str]:
    return [v.label.value if v.label != Verdict.UNSCORED else "unscored" for v in verdicts]


def _table(name: str, m: dict) -> str:
    c, a = m["contradiction"], m["agreement"]
    return (
        f"{name:<24} contradiction P={c['precision']:.2f} R={c['recall']:.2f} F1={c['f1']:.2f} "
        f"(tp={c['tp']} fp={c['fp']} fn={c['fn']})   agreement P={a['precision']:.2f} R={a['recall']:.2f} "
        f"F1={a['f1']:.2f}   accuracy={m['all']['accuracy']:.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="labelled pairs (TSV)")
    parser.add_argument("--nli", default="fake-nli.v1", help="registered NLI backend name")
    parser.add_argument("--nli-model", default=None, help="local NLI model folder (vncheck's own or Hugging Face)")
    parser.add_argument("--no-nli", action="store_true", help="structured checks only")
    parser.add_argument("--errors", action="store_true", help="print misclassified pairs")
    parser.add_argument("--json", action="store_true", help="print metrics as JSON")
    args = parser.parse_args(argv)

    pairs = load_pairs(args.data)
    gold = [p.label for p in pairs]
    t0 = time.perf_counter()
    nli = None
    nli_name = None
    if not args.no_nli:
        from checker.backends.registry import get_nli
        from checker.pipeline import nli_backend_for_folder

        try:
            if args.nli_model:
                nli_name = f"{nli_backend_for_folder(args.nli_model)} ({args.nli_model})"
                nli = get_nli(nli_backend_for_folder(args.nli_model), path=args.nli_model)
            else:
                nli_name = args.nli
                nli = get_nli(args.nli)
        except VncheckError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    runs = evaluate(pairs, nli)
    results = {name: metrics(gold, _labels(verdicts)) for name, verdicts in runs.items()}
    elapsed = time.perf_counter() - t0
    if args.json:
        print(json.dumps({"data": str(args.data), "pairs": len(pairs), "nli": nli_name, "metrics": results}, indent=2, sort_keys=True))
    else:
        print(f"{len(pairs)} pairs from {args.data} ({sum(g == 'contradiction' for g in gold)} contradictions, "
              f"{sum(g == 'agreement' for g in gold)} agreements); NLI: {nli_name or 'none'}; {elapsed:.1f}s")
        for name, m in results.items():
            print(_table(name, m))
    if args.errors:
        for name, verdicts in runs.items():
            for p, v in zip(pairs, verdicts):
                got = v.label.value
                if got != p.label and not (p.label == "unrelated" and got in ("unrelated", "unscored")):
                    print(f"[{name}] gold={p.label} got={got} ({p.note})\n    A: {p.premise}\n    B: {p.hypothesis}")
                    for f in v.findings[:3]:
                        print(f"      - {f.kind} {f.confidence:.2f}: {f.reason}")
                    for r in v.reasons:
                        if r.startswith(("NLI", "timeline", "different direction")):
                            print(f"      - {r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
