"""Findings on real archive articles, for reading by hand: precision of what vncheck reports.

Draws N articles at random (fixed seed) from the news corpus in ../shared/data/corpus/
(German and English; not shipped with vncheck), writes them as .txt files to a temporary
folder, runs `vncheck check --format json` on them and writes every reported contradiction and
a random sample of the agreements that are not exact duplicates to a Markdown sheet with an
empty "judgement" column. Read each row and mark it `right` or `wrong` (a note may follow); `--score SHEET`
then prints the precision of each kind.

Usage:
    python benchmarks/archive_sample.py --out reports/archive300 [--n 300] [--seed 300] [--agreements 30]
                                        [--vncheck "python -m checker.cli"] [-- extra check options]
    python benchmarks/archive_sample.py --score reports/archive300/sheet.md

`--vncheck` runs another checkout (e.g. an older commit in a git worktree, for a before/after
comparison on the same articles).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from scale import DEFAULT_CORPUS, read_corpus, write_articles  # noqa: E402


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def sample_sheet(report: dict, n_agreements: int, seed: int) -> tuple[list[dict], list[dict]]:
    """(contradictions, sampled agreements) of a JSON report, each with both sentences."""
    claims = {c["id"]: c for c in report["claims"]}
    contradictions = [f for f in report["findings"] if f["kind"] == "contradiction"]
    agreements = [f for f in report["findings"] if f["kind"] == "agreement"
                  and claims[f["a"]]["text"].strip().lower() != claims[f["b"]]["text"].strip().lower()]
    rng = random.Random(seed)
    agreements = rng.sample(agreements, min(n_agreements, len(agreements)))
    return contradictions, agreements


def write_sheet(path: Path, report: dict, contradictions: list[dict], agreements: list[dict], header: str) -> None:
    claims = {c["id"]: c for c in report["claims"]}
    lines = [f"# {header}", "", "Mark each row `right` or `wrong` (a note in brackets may follow) in the judgement column.", ""]
    for title, rows in (("Contradictions (all)", contradictions), ("Agreements (sample, exact duplicates left out)", agreements)):
        lines += [f"## {title}", "", "| # | score | A | B | reasons | judgement |", "|---|---|---|---|---|---|"]
        for i, f in enumerate(rows, 1):
            a, b = claims[f["a"]], claims[f["b"]]
            lines.append(f"| {i} | {f['score']:.2f} | {_cell(a['text'])} ({f['a']}) | {_cell(b['text'])} ({f['b']}) "
                         f"| {_cell('; '.join(f.get('reasons', [])))} |  |")
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def score_sheet(path: Path) -> None:
    section, counts = None, {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].split(" (")[0]
        elif section and re.match(r"\| \d+ \|", line):
            cell = line.rstrip(" |").rsplit("|", 1)[-1].strip().lower()
            judgement = cell.split()[0] if cell else ""
            c = counts.setdefault(section, {"right": 0, "wrong": 0, "unread": 0})
            c[judgement if judgement in ("right", "wrong") else "unread"] += 1
    for section, c in counts.items():
        read = c["right"] + c["wrong"]
        precision = f"{c['right'] / read:.2f}" if read else "-"
        print(f"{section}: {c['right']} right, {c['wrong']} wrong, {c['unread']} unread; precision {precision}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="Folder for report.json and sheet.md.")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=300)
    ap.add_argument("--agreements", type=int, default=30)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--vncheck", default=f"{shlex.quote(sys.executable)} -m checker.cli", help="Command that runs vncheck.")
    ap.add_argument("--score", type=Path, help="Print the precision of a judged sheet and stop.")
    ap.add_argument("extra", nargs="*", help="Further `vncheck check` options (after --).")
    args = ap.parse_args()
    if args.score:
        score_sheet(args.score)
        return
    if not args.out:
        ap.error("--out is required")
    articles = read_corpus(args.corpus)
    articles = random.Random(args.seed).sample(articles, args.n)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "articles"
        write_articles(articles, folder)
        cmd = [*shlex.split(args.vncheck), "check", str(folder), "--format", "json", "--out", str(args.out),
               "--cache-dir", str(Path(tmp) / "cache"), *args.extra]
        start = time.time()
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode not in (0, 1):
            sys.exit(f"error: vncheck failed ({done.returncode}): {done.stderr.strip().splitlines()[-1:]}")
    report = json.loads((args.out / "vncheck-report.json").read_text(encoding="utf-8"))
    contradictions, agreements = sample_sheet(report, args.agreements, args.seed)
    n_agree = sum(f["kind"] == "agreement" for f in report["findings"])
    header = (f"{args.n} corpus articles (seed {args.seed}): {len(contradictions)} contradictions, {n_agree} agreements "
              f"reported, {time.time() - start:.0f} s")
    write_sheet(args.out / "sheet.md", report, contradictions, agreements, header)
    print(header)
    print(f"sheet: {args.out / 'sheet.md'}")


if __name__ == "__main__":
    main()
