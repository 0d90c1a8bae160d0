"""Archive scale: end-to-end `vncheck check` time versus number of articles, and `--against` timing.

Reads the real news articles in ../shared/data/corpus/ (German and English; see its
SOURCES.md). The articles are written to a temporary folder as .txt files for the run and
deleted afterwards; nothing from the corpus enters the repository. Every size runs in a
fresh Python process with a fresh embedding cache (only the ONNX model builds are shared),
so each figure is a cold end-to-end check: model loading, reading, splitting, embedding,
candidate search, structured checks, NLI and the report. The larger sets contain the
smaller ones (one fixed shuffled order, seed 7).

Then: `index add` of the largest set into a new archive (reusing that run's embedding
cache, as a newsroom would), and `check --against` of 10 articles that are not in it.

Usage:
    python benchmarks/scale.py [--sizes 250,500,1000,2000,4000] [--new 10] [--engine local|ray]
                               [--out reports/scale] [--corpus ../shared/data/corpus]
    python benchmarks/scale.py --replot reports/scale/scale.csv     # redraw the PNG only

Writes OUT/scale.csv (one row per size, plus the index and against rows) and OUT/scale.png
(time versus articles), and prints the table.
"""
from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "corpus"
FILES = ("bbc_en.jsonl.gz", "gnad_de.jsonl.gz", "wikinews_de.jsonl.gz")
FIELDS = ["step", "articles", "wall_s", "claims", "candidate_pairs", "pairs_checked", "nli_inputs", "contradictions",
          "agreements", "peak_rss_mb", "stages"]


def read_corpus(folder: Path) -> list[dict]:
    missing = [f for f in FILES if not (folder / f).is_file()]
    if missing:
        sys.exit(f"error: the benchmark corpus is missing ({folder / missing[0]}). It lives in ../shared/data/corpus/ "
                 "beside the repository (not shipped with vncheck); pass --corpus DIR.")
    articles = []
    for name in FILES:
        with gzip.open(folder / name, "rt", encoding="utf-8") as fh:
            articles += [json.loads(line) for line in fh if line.strip()]
    random.Random(7).shuffle(articles)
    return articles


def write_articles(articles: list[dict], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for a in articles:
        text = (a["title"] + "\n\n" if a.get("title") else "") + a["text"]
        (folder / f"{a['id']}.txt").write_text(text, encoding="utf-8")


class _Timings:
    """Progress sink that records the wall time of each pipeline stage."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def stage(self, description: str, total: int | None = None):
        from contextlib import contextmanager

        @contextmanager
        def timed():
            start = time.perf_counter()
            try:
                yield self
            finally:
                self.seconds[description] = self.seconds.get(description, 0.0) + time.perf_counter() - start

        return timed()

    def update(self, completed: int) -> None:
        pass


class _CountingNli:
    """Wraps an NLI scorer and counts the (premise, hypothesis) inputs it scores."""

    def __init__(self, inner) -> None:
        self.inner, self.inputs = inner, 0
        self.name = inner.name
        if hasattr(inner, "preferred_chunk"):
            self.preferred_chunk = inner.preferred_chunk

    def predict(self, pairs):
        self.inputs += len(pairs)
        return self.inner.predict(pairs)


def _config(args, cache: Path):
    from checker.config import Config

    return Config(cache_dir=cache, engine=args.engine)


def one_run(args) -> dict:
    """In a child process: check (or index, or check --against) one folder; print one JSON line."""
    start = time.perf_counter()
    from checker.pipeline import check_against, index_paths, load_embedder, load_nli, run
    from checker.records import Verdict

    config = _config(args, Path(args.cache))
    timings = _Timings()
    embedder = load_embedder(config, timings)
    row: dict = {"step": args.mode}
    if args.mode == "index":
        from checker.archive import Archive

        with Archive.open(Path(args.archive)) as archive:
            result, inputs = index_paths([args.folder], archive, config, embedder=embedder, progress=timings)
        row |= {"claims": len(inputs.claims), "articles": len(inputs.documents)}
    else:
        nli = _CountingNli(load_nli(config, timings))
        if args.mode == "against":
            from checker.archive import Archive

            with Archive.open(Path(args.archive), create=False) as archive:
                report = check_against([args.folder], archive, config, embedder=embedder, nli=nli, progress=timings)
        else:
            report = run([args.folder], config, embedder=embedder, nli=nli, progress=timings)
        findings = report.findings()
        folder = Path(args.folder).resolve()
        new_docs = {d.id for d in report.documents if Path(d.path).resolve().parent == folder}
        row |= {
            "articles": len(new_docs),
            "claims": sum(1 for c in report.claims if c.doc_id in new_docs),
            "candidate_pairs": len(report.verdicts) + int(report.meta.get("prefilter_dropped", 0)),
            "pairs_checked": len(report.verdicts),
            "nli_inputs": nli.inputs,
            "contradictions": sum(1 for v in findings if v.label is Verdict.CONTRADICTS),
            "agreements": sum(1 for v in findings if v.label is Verdict.AGREES),
        }
    row["wall_s"] = round(time.perf_counter() - start, 1)
    row["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    row["stages"] = "; ".join(f"{k} {v:.0f}s" for k, v in timings.seconds.items() if v >= 0.5)
    return row


def _child(args, mode: str, folder: Path, cache: Path, archive: Path | None = None) -> dict:
    cmd = [sys.executable, __file__, "--one", mode, "--folder", str(folder), "--cache", str(cache), "--engine", args.engine]
    if archive:
        cmd += ["--archive", str(archive)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"error: {mode} run on {folder} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _fresh_cache(base: Path, name: str, onnx: Path) -> Path:
    cache = base / name
    cache.mkdir(parents=True)
    (cache / "onnx").symlink_to(onnx)  # share the one-time ONNX builds, not the embeddings
    return cache


def write_csv(rows: list[dict], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r for r in rows if r["step"] == "check"]
    x = [r["articles"] for r in sizes]
    y = [r["wall_s"] / 60 for r in sizes]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.plot(x, y, "o-", label="vncheck check (end to end)")
    if len(x) >= 1:
        ref = [y[0] * a / x[0] for a in x]
        ax.plot(x, ref, ":", color="grey", label="linear from the smallest size")
    by_size = dict(zip(x, y))
    if 1000 in by_size and 4000 in by_size:  # the near-linear target: at most 5x from 1,000 to 4,000 articles
        ax.plot([4000], [5 * by_size[1000]], "x", color="tab:red", ms=9,
                label=f"limit at 4,000: 5x the 1,000-article time (measured {by_size[4000] / by_size[1000]:.2f}x)")
    against = [r for r in rows if r["step"] == "against"]
    if against:
        ax.axhline(against[0]["wall_s"] / 60, color="tab:green", ls="--",
                   label=f"{against[0]['articles']} new vs archive: {against[0]['wall_s']:.0f} s")
    ax.set_xlabel("articles")
    ax.set_ylabel("wall time (minutes)")
    ax.set_title("vncheck on 2 CPU cores: time versus articles")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="250,500,1000,2000,4000")
    parser.add_argument("--new", type=int, default=10, help="new articles checked against the largest archive (0: skip)")
    parser.add_argument("--engine", choices=["local", "ray"], default="local")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "scale")
    parser.add_argument("--one", choices=["check", "index", "against"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    parser.add_argument("--archive", help=argparse.SUPPRESS)
    parser.add_argument("--replot", type=Path, metavar="CSV", help="only redraw the PNG (next to CSV) from a CSV this script wrote")
    args = parser.parse_args()
    if args.replot:
        with open(args.replot, newline="", encoding="utf-8") as fh:
            rows = [r | {"wall_s": float(r["wall_s"]), "articles": int(r["articles"])} for r in csv.DictReader(fh)]
        plot(rows, args.replot.with_suffix(".png"))
        print(f"wrote {args.replot.with_suffix('.png')}")
        return
    if args.one:
        args.mode = args.one
        print(json.dumps(one_run(args)))
        return

    sizes = sorted(int(s) for s in args.sizes.split(","))
    articles = read_corpus(args.corpus)
    if sizes[-1] + args.new > len(articles):
        sys.exit(f"error: the corpus has {len(articles)} articles, fewer than {sizes[-1]} + {args.new} new ones.")
    args.out.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="vncheck-scale-") as tmp:
        tmp = Path(tmp)
        onnx = tmp / "onnx"
        onnx.mkdir()
        # Build the ONNX models once, outside the timed runs (a first `vncheck check` does this once per machine).
        warm = _fresh_cache(tmp, "warm", onnx)
        write_articles(articles[:3], tmp / "warm-docs")
        _child(args, "check", tmp / "warm-docs", warm)
        for n in sizes:
            folder = tmp / f"articles-{n}"
            write_articles(articles[:n], folder)
            row = _child(args, "check", folder, _fresh_cache(tmp, f"cache-{n}", onnx))
            rows.append(row)
            print(json.dumps(row), flush=True)
            write_csv(rows, args.out / "scale.csv")  # after every size: a long run leaves what it measured
        if args.new:
            largest = sizes[-1]
            archive = tmp / "archive.sqlite"
            row = _child(args, "index", tmp / f"articles-{largest}", tmp / f"cache-{largest}", archive)
            rows.append(row)
            print(json.dumps(row), flush=True)
            new = tmp / "new"
            write_articles(articles[largest : largest + args.new], new)
            row = _child(args, "against", new, _fresh_cache(tmp, "cache-new", onnx), archive)
            row["step"] = "against"
            rows.append(row)
            print(json.dumps(row), flush=True)
    write_csv(rows, args.out / "scale.csv")
    try:
        plot(rows, args.out / "scale.png")
    except ImportError:  # the table below is the result; the PNG needs the bench extra
        print("matplotlib is not installed (pip install -e '.[bench]'): scale.png not drawn; "
              f"redraw it later with --replot {args.out / 'scale.csv'}", file=sys.stderr)
    print()
    print("| step | articles | wall s | claims | candidate pairs | pairs checked | NLI inputs | contradictions | agreements | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['step']} | {r.get('articles', '')} | {r['wall_s']} | {r.get('claims', '')} | {r.get('candidate_pairs', '')} | "
              f"{r.get('pairs_checked', '')} | {r.get('nli_inputs', '')} | {r.get('contradictions', '')} | {r.get('agreements', '')} | {r['peak_rss_mb']} |")
    checks = {r["articles"]: r["wall_s"] for r in rows if r["step"] == "check"}
    if 1000 in checks and 4000 in checks:
        print(f"\ngrowth 1,000 -> 4,000 articles: {checks[4000] / checks[1000]:.2f}x")
    print(f"wrote {args.out / 'scale.csv'} and {args.out / 'scale.png'}")


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main()
