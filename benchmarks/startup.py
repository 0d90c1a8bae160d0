"""Start-up time, each figure from fresh processes: ``vncheck --version`` and ``--help``, and loading each model.

Models are loaded the way ``vncheck check`` loads them (ONNX Runtime, own cache folder), with
the cache folder in one of four states:

- ``cold``:  empty; the ONNX graphs are exported from the torch weights (about a minute per
  model) and optimised. Only with ``--cold`` (one repeat).
- ``unkept``: exported graphs present, optimised at the start and nothing kept: what every
  start cost before the optimised graphs were kept.
- ``first``: exported graphs present, optimised and saved: the one start after an export
  or an ONNX Runtime upgrade.
- ``warm``:  exported and optimised graphs present: every later start.

The model figures split the load into the tokenizer (``load_tokenizer``, importing
transformers included) and the rest (building the ONNX Runtime session). ``both`` is what
``vncheck check`` waits for before it embeds (embedder and NLI model in one process). The
script also prints how far a kept graph's outputs are from a freshly optimised one's on
four fixed sentences (they should be equal).

The cache folder is a temporary copy (hard links where possible) of the exported graphs in
the platform cache folder, so the user's cache is never changed; pass ``--cache-dir`` to
use another folder as it is (its optimised graphs are deleted for the ``first`` rows). The
operating system's file cache is not dropped: the first repeat may read from disk, the
others from memory (the median is shown).

Usage:
    python benchmarks/startup.py [--repeats 5] [--cli-only] [--cold] [--cache-dir DIR] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = os.environ | {"PYTHONPATH": str(ROOT)}

CLI_RUNS = {
    "vncheck --version": ["--version"],
    "vncheck --help": ["--help"],
    "vncheck check --help": ["check", "--help"],
}

SENTENCES = ["Der Pegel der Donau in Passau erreichte am Montag 9,80 Meter.", "The Danube in Passau peaked at 8.50 metres on Monday.",
             "The city declared a state of emergency on Sunday evening.", "Die Stadt rief am Sonntagabend den Katastrophenfall aus."]

#: Child script: load what argv[1] names with the cache folder argv[2]; print the timings (and, after
#: the clock, the model's output on the sentences in argv[3]) as JSON.
LOAD = """
import json, sys, time
start = time.perf_counter()
what, cache_dir, SENTENCES, keep = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4] == "keep"
if not keep:  # the behaviour before optimised graphs were kept: optimise at every start, save nothing
    from checker.backends import onnx_runtime
    _open = onnx_runtime.open_session
    onnx_runtime.open_session = lambda path, threads=None: _open(path, threads, keep_optimized=False)
from checker.model.encoder import load_tokenizer
t0 = time.perf_counter()
load_tokenizer()
t1 = time.perf_counter()
output = []
if what == "embedder":
    from checker.backends.registry import get_embedder
    model = get_embedder("e5-small.v1", cache_dir=cache_dir, runtime="onnx")
    assert model.runtime == "onnx"
elif what == "nli":
    from checker.backends.registry import get_nli
    model = get_nli("vncheck-nli.v4", cache_dir=cache_dir, runtime="onnx")
    assert model.runtime == "onnx"
elif what == "both":
    from pathlib import Path
    from checker.config import Config
    from checker.pipeline import load_backends
    load_backends(Config(cache_dir=Path(cache_dir), nli_runtime="onnx"))
t2 = time.perf_counter()
# Outputs on fixed inputs, after the clock: a kept optimised graph must compute what a fresh one does.
if what == "embedder":
    output = model.encode(SENTENCES).ravel().tolist()
elif what == "nli":
    output = [r[k] for r in model.predict(list(zip(SENTENCES, SENTENCES[1:] + SENTENCES[:1]))) for k in sorted(r)]
print(json.dumps({"tokenizer": t1 - t0, "sessions": t2 - t1, "in_process": t2 - start, "output": output}))
"""


def _vncheck() -> list[str]:
    script = Path(sys.executable).with_name("vncheck")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "checker"]


def time_cli(args: list[str], repeats: int) -> list[float]:
    """Wall seconds of ``vncheck ARGS`` (interpreter start included), one fresh process per repeat."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run(_vncheck() + args, capture_output=True, text=True, env=ENV, cwd=ROOT)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"vncheck {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return times


def time_load(what: str, cache_dir: Path, keep: bool = True) -> dict:
    """One fresh process loading ``what``: wall seconds plus the child's own split and output."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", LOAD, what, str(cache_dir), json.dumps(SENTENCES), "keep" if keep else "no"],
                          capture_output=True, text=True, env=ENV, cwd=ROOT)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"loading {what} failed: {done.stderr.strip()[-800:]}")
    return {"wall": wall, **json.loads(done.stdout.strip().splitlines()[-1])}


def drop_optimised(cache_dir: Path) -> None:
    for path in (cache_dir / "onnx").glob("*.opt-*.*"):
        path.unlink()


def seed_cache(target: Path, optimised: bool = False) -> None:
    """Copy (hard-link where possible) the exported ONNX graphs of the platform cache folder into
    ``target``; with ``optimised``, the kept optimised graphs too."""
    from checker.config import default_cache_dir

    (target / "onnx").mkdir(parents=True, exist_ok=True)
    for source in (default_cache_dir() / "onnx").iterdir():
        if not source.is_file() or (".opt-" in source.name and not optimised):
            continue
        try:
            os.link(source, target / "onnx" / source.name)
        except OSError:
            shutil.copy2(source, target / "onnx" / source.name)


def _row(what: str, state: str, walls: list[float], splits: list[dict[str, float]] | None = None) -> dict:
    row = {"what": what, "state": state, "runs": len(walls), "median_s": statistics.median(walls), "min_s": min(walls),
           "max_s": max(walls)}
    if splits:
        row["tokenizer_s"] = statistics.median(s["tokenizer"] for s in splits)
        row["rest_s"] = statistics.median(s["sessions"] for s in splits)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="fresh processes per figure (default 5)")
    parser.add_argument("--cli-only", action="store_true", help="time --version and --help only (loads no model)")
    parser.add_argument("--cold", action="store_true", help="also time an empty cache folder (exports the ONNX graphs: minutes)")
    parser.add_argument("--cache-dir", type=Path, default=None, help="cache folder to use as it is (default: a temporary copy)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON lines instead of a table")
    args = parser.parse_args()

    rows = [_row(name, "-", time_cli(cli, args.repeats)) for name, cli in CLI_RUNS.items()]
    outputs: dict[tuple[str, str], list[float]] = {}
    notes: list[str] = []
    if not args.cli_only:
        with tempfile.TemporaryDirectory(prefix="vncheck-startup-") as tmp:
            cache_dir = args.cache_dir or Path(tmp) / "cache"
            if args.cache_dir is None:
                seed_cache(cache_dir)
            if args.cold:
                for what in ("embedder", "nli"):
                    cold = Path(tmp) / f"cold-{what}"
                    result = time_load(what, cold)
                    rows.append(_row(what, "cold", [result["wall"]], [result]))
                    shutil.rmtree(cold, ignore_errors=True)
            time_load("both", cache_dir)  # exports whatever graph the cache folder lacks, outside the figures
            splits = [time_load("tokenizer", cache_dir) for _ in range(args.repeats)]
            rows.append(_row("tokenizer", "-", [s["wall"] for s in splits], splits))
            for what in ("embedder", "nli", "both"):
                for state in ("unkept", "first", "warm"):
                    splits = []
                    for _ in range(args.repeats):
                        if state == "first":
                            drop_optimised(cache_dir)
                        splits.append(time_load(what, cache_dir, keep=state != "unkept"))
                    rows.append(_row(what, state, [s["wall"] for s in splits], splits))
                    outputs[(what, state)] = splits[-1]["output"]
                if outputs[(what, "unkept")]:
                    gap = max(abs(a - b) for a, b in zip(outputs[(what, "unkept")], outputs[(what, "warm")]))
                    notes.append(f"{what}: largest output difference between a freshly optimised and a kept graph: {gap:.2e}")
    if args.json:
        for row in rows:
            print(json.dumps(row, sort_keys=True))
        for note in notes:
            print(json.dumps({"note": note}))
        return
    print(f"Start-up on {os.cpu_count()} CPUs, {args.repeats} fresh processes per row (wall seconds, interpreter start included)")
    print()
    print("| what | cache | median s | min s | max s | tokenizer s | rest (sessions) s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for row in rows:
        split = (f"{row['tokenizer_s']:.2f} | {row['rest_s']:.2f}" if "tokenizer_s" in row else "- | -")
        print(f"| {row['what']} | {row['state']} | {row['median_s']:.2f} | {row['min_s']:.2f} | {row['max_s']:.2f} | {split} |")
    if notes:
        print()
        print("\n".join(notes))


if __name__ == "__main__":
    main()
