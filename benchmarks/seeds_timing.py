"""Wall time of ``vncheck check seeds/`` as a fact-checker meets it, each run a fresh process, with
the time of every stage (from the ``-v`` stage log).

Runs, in this order, with one cache folder of its own:

- ``new articles``: the ONNX graphs are built and kept (as after any earlier run on this machine),
  but no vector or score of these articles is cached: every claim is embedded and every pair scored.
- ``repeated``: the same check again: vectors and scores come from the caches.
- ``one line edited``: one sentence of one article changed: only what it touches is computed.
- ``--no-cache``: nothing read from or written to the caches (ONNX graphs are still used).
- ``cold`` (only with ``--cold``): an empty cache folder: the ONNX graphs are exported first.

Each cache folder starts as hard links to the ONNX graphs (exported and optimised) of the platform
cache folder, which a first ``--no-cache`` run builds where they are missing; vectors and scores
are never written there. Keep other work off the machine while it runs.

Usage:
    python benchmarks/seeds_timing.py [--repeats 3] [--cold] [--json]
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from startup import seed_cache  # noqa: E402

STAGE = re.compile(r"Stage '([^']+)': ([0-9.]+) s")


def check(folder: Path, cache: Path | None, out: Path) -> dict:
    """One fresh ``vncheck check`` process: wall time and seconds per stage."""
    command = [sys.executable, "-m", "checker", "check", str(folder), "--out", str(out), "-v"]
    command += ["--no-cache"] if cache is None else ["--cache-dir", str(cache)]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"vncheck failed ({done.returncode}): {done.stderr.strip().splitlines()[-1:]}")
    stages = {name: float(seconds) for name, seconds in STAGE.findall(done.stderr)}
    return {"wall_s": round(wall, 2), "stages": stages}


def edited_copy(target: Path) -> Path:
    """seeds/ with the first sentence of one article changed (a number added)."""
    shutil.copytree(ROOT / "seeds", target)
    first = sorted(target.glob("*.txt"))[0]
    text = first.read_text(encoding="utf-8")
    head, dot, rest = text.partition(". ")
    first.write_text(f"{head}, wrote 12 reporters{dot}{rest}", encoding="utf-8")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="runs per row (the median is shown)")
    parser.add_argument("--cold", action="store_true", help="also time a run with an empty cache folder")
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    args = parser.parse_args()

    rows: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        out = tmp_path / "reports"
        check(ROOT / "seeds", None, out)  # builds and keeps the graphs in the platform cache if missing
        if args.cold:
            rows["cold"] = [check(ROOT / "seeds", tmp_path / "cold-cache", out)]
        for n in range(args.repeats):
            cache = tmp_path / f"cache-{n}"
            seed_cache(cache, optimised=True)
            rows.setdefault("new articles", []).append(check(ROOT / "seeds", cache, out))
            rows.setdefault("repeated", []).append(check(ROOT / "seeds", cache, out))
            edited = edited_copy(tmp_path / f"edited-{n}")
            rows.setdefault("one line edited", []).append(check(edited, cache, out))
            rows.setdefault("--no-cache", []).append(check(ROOT / "seeds", None, out))

    names = list(dict.fromkeys(s for runs in rows.values() for r in runs for s in r["stages"]))
    summary = {}
    print(f"vncheck check seeds/ (fresh processes, median of {args.repeats}; seconds)")
    print(f"{'run':<16} {'wall':>6}  " + "  ".join(f"{n[:22]:>22}" for n in names))
    for label, runs in rows.items():
        wall = statistics.median(r["wall_s"] for r in runs)
        stages = {n: round(statistics.median(r["stages"].get(n, 0.0) for r in runs), 2) for n in names}
        summary[label] = {"wall_s": round(wall, 2), "stages": stages, "runs": len(runs)}
        print(f"{label:<16} {wall:>6.2f}  " + "  ".join(f"{stages[n]:>22.2f}" for n in names))
    if args.json:
        print(json.dumps(summary, sort_keys=True))


if __name__ == "__main__":
    main()
