"""Choose the NLI bars of vncheck's decision rules on the dev split of the news pairs.

Usage:
    python benchmarks/calibrate_rules.py                      # vncheck-nli.v4 on tests/data/news_pairs/dev.tsv
    python benchmarks/calibrate_rules.py --nli-model PATH     # another local NLI model folder
    python benchmarks/calibrate_rules.py --plot benchmarks/results/calibration.png

What it does: scores every dev pair with the structured checks and the NLI model (both
directions), then searches the bars of ``checker.verify.Thresholds``:

1. contradictions: the NLI-alone bar, the bar that corroborates a weak structured conflict and
   the same-statement bar (the neutral veto stays at its default, set from the archive reading),
   taking the setting with the highest contradiction recall whose precision is at least
   ``--precision`` (0.9) and that flags at most ``--max-flagged`` (5%) of the compatible
   look-alikes;
2. agreements: the entailment bars (both directions) and the largest NLI contradiction an
   agreement may show, taking the fewest contradictions reported as agreements, then the
   highest agreement recall.

Where no setting reaches the precision target, the most precise one is taken (and printed).

It prints the chosen values (to be copied into ``Thresholds``), the precision-recall points and
writes the curves as a PNG. The frozen test split is never read here.
"""
from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import checks_eval  # noqa: E402
from news_pairs_eval import PAIRS, VERDICT_GOLD, load, verdict_metrics  # noqa: E402

from checker.checks import compare_slots, default_lexicon  # noqa: E402
from checker.verify import DEFAULT_THRESHOLDS, REVERSE_MIN, Thresholds, _disjoint_actors, decide  # noqa: E402

GRID = [round(0.05 * i, 2) for i in range(4, 20)]  # 0.20 .. 0.95


def evidence(rows, nli):
    """Per pair: (comparison, (a→b, b→a or None as the pipeline would skip it), disjoint actors)."""
    pairs = [checks_eval.Pair(r["premise"], r["hypothesis"], VERDICT_GOLD[r["verdict"]], r["direction"], r["phenomenon"]) for r in rows]
    lexicon = default_lexicon()
    slots = checks_eval.slots_for(pairs)
    comparisons = [compare_slots(a, b, lexicon) for a, b in slots]
    forward = nli.predict([(p.premise, p.hypothesis) for p in pairs])
    backward = nli.predict([(p.hypothesis, p.premise) for p in pairs])
    out = []
    for (sa, sb), cmp, ab, ba in zip(slots, comparisons, forward, backward):
        needed = cmp.support > 0 or ab["contradiction"] >= REVERSE_MIN or ab["entailment"] >= REVERSE_MIN
        out.append((cmp, (ab, ba if needed else None), _disjoint_actors(sa, sb)))
    return [p.label for p in pairs], out


def labels_for(ev, t: Thresholds, min_score: float = 0.5) -> list[str]:
    """Reported label per pair: a finding below ``min_score`` counts as unrelated."""
    out = []
    for cmp, scores, disjoint in ev:
        v = decide("a", "b", cmp, scores, None, disjoint, thresholds=t)
        out.append(v.label.value if v.score >= min_score or v.label.value == "unrelated" else "unrelated")
    return out


def calibrate(gold, ev, precision: float, max_flagged: float) -> tuple[Thresholds, list[dict], list[dict]]:
    """Search the contradiction bars, then the agreement bars (module doc)."""
    contra_points = []
    best = None
    for bar, corroborate, same, veto in itertools.product(GRID[4:], GRID[:9], GRID[4:] + [1.01], [DEFAULT_THRESHOLDS.neutral_veto]):
        t = replace(DEFAULT_THRESHOLDS, contradiction=bar, possible=max(0.2, round(bar - 0.2, 2)), corroborate=corroborate,
                    same_statement=same, neutral_veto=veto)
        m = verdict_metrics(gold, labels_for(ev, t))
        point = {"contradiction": bar, "corroborate": corroborate, "same_statement": same, "neutral_veto": veto, **m}
        contra_points.append(point)
        p, r, f = m["contradiction_precision"] or 0.0, m["contradiction_recall"] or 0.0, m["compatible_flagged"] or 0.0
        # The precision target first; where no setting reaches it, the most precise one.
        key = (p >= precision, r if p >= precision else p, r, -bar)
        if f <= max_flagged and (best is None or key > best[0]):
            best = (key, t)
    chosen = best[1] if best else DEFAULT_THRESHOLDS
    agree_points = []
    best_a = None
    for ent, other, cmax in itertools.product(GRID[6:], GRID[:13], GRID[:9]):
        if other > ent:
            continue
        t = replace(chosen, entailment=ent, entailment_other=other, agreement_max_contradiction=cmax, support=other)
        m = verdict_metrics(gold, labels_for(ev, t))
        agree_points.append({"entailment": ent, "entailment_other": other, "agreement_max_contradiction": cmax, **m})
        r = m["agreement_recall"] or 0.0
        # Fewest contradictions reported as agreements (the worst error), then the highest recall.
        key = (-m["contradiction_as_agreement"], r, -cmax, ent, other)
        if best_a is None or key > best_a[0]:
            best_a = (key, t)
    return (best_a[1] if best_a else chosen), contra_points, agree_points


def _other_bars_chosen(point: dict, chosen: Thresholds) -> bool:
    """The contradiction point has the chosen same-statement bar and neutral veto (curves vary the rest)."""
    return point["same_statement"] == chosen.same_statement and point["neutral_veto"] == chosen.neutral_veto


def plot(contra_points, agree_points, chosen: Thresholds, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
    for corroborate in sorted({p["corroborate"] for p in contra_points}):
        pts = sorted((p for p in contra_points if p["corroborate"] == corroborate and _other_bars_chosen(p, chosen)),
                     key=lambda p: p["contradiction"])
        style = "-o" if corroborate == chosen.corroborate else ":"
        ax1.plot([p["contradiction_recall"] or 0 for p in pts], [p["contradiction_precision"] or 0 for p in pts], style,
                 markersize=3, label=f"corroborate {corroborate:.2f}" if corroborate == chosen.corroborate else None, alpha=0.8)
    sel = [p for p in contra_points if p["contradiction"] == chosen.contradiction and p["corroborate"] == chosen.corroborate
           and _other_bars_chosen(p, chosen)]
    if sel:
        ax1.plot(sel[0]["contradiction_recall"], sel[0]["contradiction_precision"], "r*", markersize=14,
                 label=f"chosen: NLI bar {chosen.contradiction:.2f}, corroborate {chosen.corroborate:.2f}")
    ax1.axhline(0.9, color="grey", lw=0.8, ls="--")
    ax1.set(xlabel="contradiction recall", ylabel="contradiction precision", title="Contradictions (dev split), NLI bar varied",
            xlim=(0, 1), ylim=(0, 1.02))
    ax1.legend(fontsize=8, loc="lower left")
    pts = [p for p in agree_points if p["agreement_max_contradiction"] == chosen.agreement_max_contradiction
           and p["entailment_other"] == chosen.entailment_other]
    pts.sort(key=lambda p: p["entailment"])
    ax2.plot([p["entailment"] for p in pts], [p["agreement_recall"] or 0 for p in pts], "-o", markersize=3, label="agreement recall")
    ax2.plot([p["entailment"] for p in pts], [p["contradiction_as_agreement"] / 10 for p in pts], "-s", markersize=3,
             label="contradictions reported as agreements (/10)")
    ax2.axvline(chosen.entailment, color="r", lw=1, label=f"chosen {chosen.entailment:.2f}")
    ax2.set(xlabel=f"entailment bar (other direction {chosen.entailment_other:.2f})", ylim=(0, 1.02),
            title="Agreements (dev split)")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nli", default="vncheck-nli.v4", help="registered NLI backend name")
    parser.add_argument("--nli-model", default=None, help="local NLI model folder (vncheck's own or Hugging Face)")
    parser.add_argument("--precision", type=float, default=0.9)
    parser.add_argument("--max-flagged", type=float, default=0.05)
    parser.add_argument("--plot", type=Path, default=ROOT / "benchmarks" / "results" / "calibration.png")
    parser.add_argument("--limit", type=int, default=None, help="only the first N dev pairs (smoke runs)")
    args = parser.parse_args(argv)

    from checker.backends.registry import get_nli
    from checker.pipeline import nli_backend_for_folder

    rows = load(PAIRS / "dev.tsv")[: args.limit]
    nli = get_nli(nli_backend_for_folder(args.nli_model), path=args.nli_model) if args.nli_model else get_nli(args.nli)
    gold, ev = evidence(rows, nli)
    before = verdict_metrics(gold, labels_for(ev, DEFAULT_THRESHOLDS))
    chosen, contra_points, agree_points = calibrate(gold, ev, args.precision, args.max_flagged)
    after = verdict_metrics(gold, labels_for(ev, chosen))
    print(f"{len(rows)} dev pairs; NLI {args.nli_model or args.nli}")
    print(f"current Thresholds: {DEFAULT_THRESHOLDS}\n  {before}")
    print(f"chosen  Thresholds: {chosen}\n  {after}")
    print(f"\ncontradiction bar points at the chosen corroboration and same-statement bar ({chosen.same_statement:.2f}; dev split, tuned on):")
    print("| NLI bar | precision | recall | compatible flagged |\n|---|---|---|---|")
    for p in sorted((p for p in contra_points if p["corroborate"] == chosen.corroborate and _other_bars_chosen(p, chosen)),
                    key=lambda p: p["contradiction"]):
        print(f"| {p['contradiction']:.2f} | {p['contradiction_precision'] or 0:.2f} | {p['contradiction_recall'] or 0:.2f} | "
              f"{p['compatible_flagged'] or 0:.2f} |")
    print("\nagreement settings on the Pareto front (dev split, tuned on):")
    print("| entailment | other direction | max NLI contradiction | agreement recall | contradictions as agreements |\n|---|---|---|---|---|")
    front, best_recall = [], -1.0
    for p in sorted(agree_points, key=lambda p: (p["contradiction_as_agreement"], -(p["agreement_recall"] or 0))):
        if (p["agreement_recall"] or 0) > best_recall:
            best_recall = p["agreement_recall"] or 0
            front.append(p)
    for p in front[:12]:
        print(f"| {p['entailment']:.2f} | {p['entailment_other']:.2f} | {p['agreement_max_contradiction']:.2f} | "
              f"{p['agreement_recall'] or 0:.2f} | {p['contradiction_as_agreement']} |")
    if args.plot:
        plot(contra_points, agree_points, chosen, args.plot)
        print(f"\ncurves written to {args.plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
