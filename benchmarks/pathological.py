"""Time per stage on pathological input shapes: no stage may grow faster than its input.

Each shape (see ``SHAPES``: a line without sentence end, runs of "1. ", "a. ", "Nr. ",
"U.S. " and "5 Prozent, ", one giant token, ordinary prose, deep HTML nesting, a huge
markdown table, control and surrogate characters) is generated at each size and run in a
fresh Python process; only the stage is timed, and one that runs past ``--limit`` seconds
is stopped and shown as ">LIMIT". The stages, each including the ones it needs:

- ``ingest``: ``load_document`` on a file holding the text (decoding, markup cleaning,
  language); "refused E107" and the like are results (that document is skipped), not failures.
- ``segment``: markup cleaning and sentence splitting, the text taken as one document in
  the shape's language (so refused shapes are split too).
- ``slots``: ``segment`` plus slot extraction of every claim, as the pipeline does it.
- ``pairs``: ``slots`` plus ``compare_slots`` of each claim with the next one.
- ``compare``: ``vncheck compare TEXT TEXT`` without NLI (``compare_texts``): the whole
  text as one sentence.
- ``document``: ``read_inputs`` of the pipeline on the file: ingest and segmentation under
  the per-document time budget (``Config.document_seconds``).

No embedding or NLI model is loaded (SoMaJo, pysbd, py3langid and dateparser only).

Usage:
    nice -n 19 python benchmarks/pathological.py                  # every shape at 25 KB, 200 KB, 2 MB
    nice -n 19 python benchmarks/pathological.py --shapes en-no-end,de-numbers --sizes 25000,200000
    nice -n 19 python benchmarks/pathological.py --stages segment,slots --limit 30
"""
from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STAGES = ("ingest", "segment", "slots", "pairs", "compare", "document")
DEFAULT_SIZES = (25_000, 200_000, 2_000_000)


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _prose(size: int, lang: str) -> str:
    """Ordinary prose: random sentences from the seed articles' words, in paragraphs."""
    seeds = {"de": ("000_0e98a0b1cc9ab085.txt", "004_d74fe1b2d45d56c6.txt"),
             "en": ("001_547fc93670db27fd.txt", "003_f0fdc740ba0c0083.txt")}[lang]
    words = [w.strip(".,;:!?\"'“”„()") for f in seeds for w in (ROOT / "seeds" / f).read_text(encoding="utf-8").split()]
    words = [w for w in words if w]
    rng = random.Random(0)
    parts: list[str] = []
    total = 0
    while total < size:
        paragraph = []
        for _ in range(rng.randint(2, 6)):
            sentence = " ".join(rng.choice(words) for _ in range(rng.randint(6, 28)))
            paragraph.append(sentence[:1].upper() + sentence[1:] + rng.choice(".....!?"))
        text = " ".join(paragraph) + "\n\n"
        parts.append(text)
        total += len(text)
    return "".join(parts)[:size]


def _table(size: int) -> str:
    rows = ["| Stadt | Einwohner | Fläche |", "|---|---|---|"]
    n, total = 0, 0
    while total < size:
        row = f"| Stadt {n} | {n * 37 % 9000},{n % 10} Mio. Einwohner | {n * 13 % 900} km² |"
        rows.append(row)
        total += len(row) + 1
        n += 1
    return "\n".join(rows)[:size]


def _control(size: int) -> str:
    rng = random.Random(1)
    specials = ["\x00", "\x07", "\x1b[2J", "\x1b]52;c;SGVsbG8=\x07", "\ud800", "\udfff", "\u202e", "\ufeff", "\x0c", "\r"]
    base = _prose(size, "en")
    out = []
    for k, ch in enumerate(base):
        out.append(ch)
        if k % 17 == 0:
            out.append(rng.choice(specials))
    return "".join(out)[:size]


#: shape -> (language, file suffix, generator(size) -> text)
SHAPES = {
    "en-no-end": ("en", ".txt", lambda n: _repeat("the quick brown fox jumps over the lazy dog ", n)),
    "de-numbers": ("de", ".txt", lambda n: _repeat("1. ", n)),
    "de-abbrev": ("de", ".txt", lambda n: _repeat("a. ", n)),
    "de-prose": ("de", ".txt", lambda n: _prose(n, "de")),
    "en-nr": ("en", ".txt", lambda n: _repeat("Nr. ", n)),
    "en-us": ("en", ".txt", lambda n: _repeat("U.S. ", n)),
    "de-percent": ("de", ".txt", lambda n: _repeat("5 Prozent, ", n)),
    "one-token": ("en", ".txt", lambda n: "a" * n),
    "html-nesting": ("en", ".html", lambda n: _repeat("<div>", n // 2) + "The ministry said the talks went well." + _repeat("</div>", n // 2)),
    "md-table": ("de", ".md", _table),
    "control": ("en", ".txt", _control),
}


class _OverLimit(Exception):
    pass


def _measure(shape: str, size: int, stage: str, limit: float) -> dict:
    """Run one stage on one generated input, in this process; returns the result row.

    Only the stage itself is timed and limited (``limit`` seconds, by SIGALRM): loading the
    libraries first takes long on a busy machine and is not what is measured.
    """
    from checker.checks import default_lexicon
    from checker.records import Document
    from checker.segment import segment
    from checker.verify import SlotCache

    lang, suffix, make = SHAPES[shape]
    text = make(size)
    lexicon = default_lexicon()
    # Load the libraries (SoMaJo, pysbd, py3langid, the lexicon) before the clock starts.
    warm = Document(id="w", path="w.txt", lang=lang, text="Das ist ein Satz mit 5 Prozent. This is a sentence with 5 percent.")
    SlotCache({c.id: c for c in segment(warm)[0]}, {"w": warm}, lexicon).get("w:s0")
    doc = Document(id="d", path="d" + suffix, lang=lang, text=text)
    row = {"shape": shape, "size": size, "stage": stage, "seconds": None, "note": "did not finish"}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("d" + suffix)
        path.write_bytes(text.encode("utf-8", "surrogatepass"))

        def over_limit(signum, frame):
            raise _OverLimit

        signal.signal(signal.SIGALRM, over_limit)
        signal.setitimer(signal.ITIMER_REAL, limit)
        start = time.perf_counter()
        try:
            row["note"] = _run_stage(stage, path, doc, text, lexicon)
            row["seconds"] = round(time.perf_counter() - start, 2)
        except _OverLimit:
            pass
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    return row


def _run_stage(stage: str, path: Path, doc, text: str, lexicon) -> str:
    """One stage (the later ones include segmentation and slot extraction); returns a note."""
    from checker.checks import compare_slots
    from checker.config import Config
    from checker.errors import InputError
    from checker.ingest import load_document
    from checker.pipeline import read_inputs
    from checker.segment import segment
    from checker.verify import SlotCache, compare_texts

    no_size_limit = 10 * len(text) + 1000  # the shapes go beyond the 2 MB default on purpose
    if stage == "ingest":
        try:
            load_document(path, max_bytes=no_size_limit)
            return "loaded"
        except InputError as e:
            return "refused " + str(e)[:6]
    if stage == "document":
        try:
            inputs = read_inputs([str(path)], Config(cache_dir=None, max_bytes=no_size_limit))
            return f"{len(inputs.claims)} claims, skipped: {'; '.join(inputs.warnings)[:70] or '-'}"
        except InputError as e:
            return "refused " + str(e)[:70]
    if stage == "compare":
        compare_texts(text, text, None, lexicon)
        return "one pair"
    claims, _ = segment(doc)
    if stage in ("slots", "pairs"):
        slots = SlotCache({c.id: c for c in claims}, {doc.id: doc}, lexicon)
        extracted = [slots.get(c.id) for c in claims]
        if stage == "pairs":
            for a, b in zip(extracted, extracted[1:]):
                compare_slots(a, b, lexicon)
    return f"{len(claims)} claims"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated shapes")
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="comma-separated sizes in characters")
    parser.add_argument("--stages", default=",".join(STAGES), help="comma-separated stages")
    parser.add_argument("--limit", type=float, default=60.0, help="seconds before a case counts as hanging")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: shape,size,stage run in the child
    args = parser.parse_args()
    if args.one:
        shape, size, stage = args.one.split(",")
        print(json.dumps(_measure(shape, int(size), stage, args.limit)))
        return
    shapes = [s for s in args.shapes.split(",") if s]
    unknown = [s for s in shapes if s not in SHAPES]
    if unknown:
        sys.exit(f"error: unknown shape {unknown[0]!r} (known: {', '.join(SHAPES)})")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    stages = [s for s in args.stages.split(",") if s]
    print(f"{'shape':<14} {'size':>9} {'stage':<9} {'seconds':>9}  note")
    for shape in shapes:
        for size in sizes:
            for stage in stages:
                cmd = [sys.executable, __file__, "--one", f"{shape},{size},{stage}"]
                cmd += ["--limit", str(args.limit)]
                try:  # the child stops itself at the limit; this is for a stage stuck in C code
                    done = subprocess.run(cmd, capture_output=True, text=True, timeout=2 * args.limit + 300, cwd=ROOT)
                except subprocess.TimeoutExpired:
                    print(f"{shape:<14} {size:>9} {stage:<9} {'>' + format(args.limit, 'g'):>9}  did not finish", flush=True)
                    continue
                lines = done.stdout.strip().splitlines()
                if done.returncode != 0 or not lines:
                    last = (done.stderr.strip().splitlines() or ["?"])[-1]
                    print(f"{shape:<14} {size:>9} {stage:<9} {'error':>9}  {last[:100]}", flush=True)
                    continue
                row = json.loads(lines[-1])
                seconds = f"{row['seconds']:.2f}" if row["seconds"] is not None else ">" + format(args.limit, "g")
                print(f"{shape:<14} {size:>9} {stage:<9} {seconds:>9}  {row['note']}", flush=True)


if __name__ == "__main__":
    main()
