"""Training and selection data for vncheck's NLI model, read from the shared data folder.

Only training and benchmark code reads ``../shared/data``; the checker itself never does.
Ingredients (see models/vncheck-nli-v4/README.md for what each adds):

- English natural NLI pairs (LingNLI, SNLI dev/test, CAD-SNLI, TaxiNLI/MNLI, Watson, ANLI dev, SICK)
  plus a little Breaking NLI for lexical contradictions;
- XNLI dev (German and English, line-parallel) in all four combinations de-de, en-en,
  de-en, en-de, minus a fixed held-out slice used only for model selection;
- WMT German-English news translations: a sentence and its translation entail each
  other; an edited copy with a changed number, year or month, or an inserted negation,
  contradicts; the next sentence of the same test set is neutral.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import os
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..errors import InputError

LABELS = ("entailment", "neutral", "contradiction")
NATURAL_EN = (
    "lingnli_en_train.tsv.gz",
    "snli_devtest_en_train.tsv.gz",
    "cad_snli_en_train.tsv.gz",
    "taxinli_mnli_en_train.tsv.gz",
    "watson_en_train.tsv.gz",
    "anli_dev_en_train.tsv.gz",
    "sick_en_train.tsv.gz",
)
#: The shared data folder beside the repository (training and benchmarks only; users do not have it).
DEFAULT_SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
HELD_OUT_ROWS = 600
HELD_OUT_SEED = 20261123
#: RTE-3 three-way dev, one line-parallel file per language combination (premise-hypothesis).
RTE3_FILES = {"en-en": "rte3_en_dev.tsv", "de-de": "rte3_de_dev.tsv", "de-en": "rte3_deen_dev.tsv", "en-de": "rte3_ende_dev.tsv"}
RTE3_HELD_OUT_FROM = 600  # rows 600.. (about 195 per file) are held out; the files differ by at most 2 dropped rows


@dataclass(frozen=True, slots=True)
class Pair:
    premise: str
    hypothesis: str
    label: str
    source: str


def shared_data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """Locate the shared data folder: explicit path, $VNCHECK_DATA, or ../shared/data beside the repository."""
    candidates = [explicit, os.environ.get("VNCHECK_DATA"), DEFAULT_SHARED]
    for cand in candidates:
        if cand and (Path(cand) / "nli").is_dir():
            return Path(cand)
    raise InputError(
        "The shared training data folder (with nli/ and parallel/) was not found.",
        "training and benchmarks need ../shared/data beside the repository, or pass --data-dir / set VNCHECK_DATA.",
    )


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, recorded next to the trained weights."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _open_text(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def read_tsv(path: Path) -> list[dict[str, str]]:
    """Read a header TSV without quoting (the shared files use none)."""
    csv.field_size_limit(10_000_000)
    with _open_text(path) as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def read_nli(path: Path, source: str) -> list[Pair]:
    """Read a premise/hypothesis/label TSV, dropping rows with other labels or empty text."""
    out = []
    for row in read_tsv(path):
        label = (row.get("label") or "").strip().lower()
        p, h = (row.get("premise") or "").strip(), (row.get("hypothesis") or "").strip()
        if label in LABELS and p and h:
            out.append(Pair(p, h, label, source))
    return out


def xnli_split(data_dir: Path) -> tuple[list[int], list[int]]:
    """Fixed split of the 2,490 line-parallel XNLI dev rows into (train rows, held-out rows)."""
    n = len(read_tsv(data_dir / "nli" / "dev" / "xnli_en_dev.tsv"))
    rows = list(range(n))
    random.Random(HELD_OUT_SEED).shuffle(rows)
    held = sorted(rows[:HELD_OUT_ROWS])
    train = sorted(rows[HELD_OUT_ROWS:])
    return train, held


def xnli_pairs(data_dir: Path, rows: Iterable[int], combos=("en-en", "de-de", "de-en", "en-de")) -> list[Pair]:
    """XNLI dev rows as pairs in the given language combinations ("de-en" = German premise, English hypothesis)."""
    en = read_tsv(data_dir / "nli" / "dev" / "xnli_en_dev.tsv")
    de = read_tsv(data_dir / "nli" / "dev" / "xnli_de_dev.tsv")
    by_lang = {"en": en, "de": de}
    out = []
    for i in rows:
        label = en[i]["label"].strip().lower()
        if label not in LABELS:
            continue
        for combo in combos:
            lp, lh = combo.split("-")
            out.append(Pair(by_lang[lp][i]["premise"], by_lang[lh][i]["hypothesis"], label, f"xnli:{combo}"))
    return out


_MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"],
}
_EN_AUX = re.compile(r"\b(is|are|was|were|has|have|had|will|can|could|would|should|must|does|did)\b")
_DE_AUX = re.compile(r"\b(ist|sind|war|waren|hat|haben|hatte|hatten|wird|werden|kann|können|muss|müssen|soll|sollen)\b")
_NUMBER = re.compile(r"(?<![\d.,])\d{1,4}(?![\d.,]\d)")


def _edit_number(text: str, rng: random.Random) -> str | None:
    matches = list(_NUMBER.finditer(text))
    if not matches:
        return None
    m = rng.choice(matches)
    value = int(m.group())
    if 1900 <= value <= 2100:
        new = value + rng.choice([-7, -5, -3, -2, -1, 1, 2, 3, 4, 6])
    elif value <= 12:
        new = value + rng.choice([1, 2, 3, 5])
    else:
        new = max(0, int(value * rng.choice([0.5, 0.7, 1.5, 2, 3])) + rng.choice([1, 3, 7]))
    if new == value:
        return None
    return text[: m.start()] + str(new) + text[m.end() :]


def _edit_month(text: str, lang: str, rng: random.Random) -> str | None:
    months = _MONTHS[lang]
    for idx, name in enumerate(months):
        if re.search(rf"\b{name}\b", text):
            other = months[(idx + rng.randint(1, 11)) % 12]
            return re.sub(rf"\b{name}\b", other, text, count=1)
    return None


def _negate(text: str, lang: str) -> str | None:
    pattern, word = (_EN_AUX, "not") if lang == "en" else (_DE_AUX, "nicht")
    m = pattern.search(text)
    if not m or re.search(r"\b(not|n't|never|nicht|kein\w*|nie)\b", text):
        return None
    return text[: m.end()] + f" {word}" + text[m.end() :]


def contradict(text: str, lang: str, rng: random.Random) -> str | None:
    """An edited copy of ``text`` that contradicts it (changed number/year/month or negation), or None."""
    edits = [lambda: _edit_number(text, rng), lambda: _edit_month(text, lang, rng), lambda: _negate(text, lang)]
    rng.shuffle(edits)
    for edit in edits:
        result = edit()
        if result and result != text:
            return result
    return None


def wmt_pairs(data_dir: Path, n: int, seed: int) -> list[Pair]:
    """Cross-lingual synthetic pairs from WMT news translations (balanced over the three labels)."""
    rows = [r for r in read_tsv(data_dir / "parallel" / "wmt_news_de_en.tsv.gz") if not r["source"].startswith("generaltest")]
    rng = random.Random(seed)
    idx = list(range(len(rows) - 1))
    rng.shuffle(idx)
    out: list[Pair] = []
    per_label = n // 3
    counts = dict.fromkeys(LABELS, 0)
    for i in idx:
        de, en = rows[i]["de"].strip(), rows[i]["en"].strip()
        if not (6 <= len(en.split()) <= 45) or not de:
            continue
        p_lang = rng.choice(["de", "en"])
        premise, hyp_src, h_lang = (de, en, "en") if p_lang == "de" else (en, de, "de")
        choice = min(counts, key=lambda k: (counts[k], rng.random()))
        if choice == "entailment":
            out.append(Pair(premise, hyp_src, "entailment", "wmt:translation"))
        elif choice == "contradiction":
            edited = contradict(hyp_src, h_lang, rng)
            if edited is None:
                continue
            out.append(Pair(premise, edited, "contradiction", "wmt:edited"))
        else:
            nxt = rows[i + 1]
            if nxt["source"] != rows[i]["source"]:
                continue
            out.append(Pair(premise, nxt[h_lang].strip(), "neutral", "wmt:next-sentence"))
        counts[choice] += 1
        if len(out) >= 3 * per_label:
            break
    return out


def codeswitch_pairs(pairs: list[Pair], data_dir: Path, dictionary: Path, seed: int) -> list[Pair]:
    """English pairs with about 40% of the words of the premise, the hypothesis or both made German."""
    from .codeswitch import code_switch, load_dictionary, word_counts

    german = word_counts(r["de"] for r in read_tsv(data_dir / "parallel" / "wmt_news_de_en.tsv.gz"))
    table = load_dictionary(dictionary, german)
    rng = random.Random(seed)
    out = []
    for p in pairs:
        side = rng.choice(("premise", "hypothesis", "both"))
        premise = code_switch(p.premise, table, rng) if side != "hypothesis" else p.premise
        hypothesis = code_switch(p.hypothesis, table, rng) if side != "premise" else p.hypothesis
        out.append(Pair(premise, hypothesis, p.label, f"codeswitch:{p.source}"))
    return out


#: German PAWS-X (human-translated paraphrase pairs with high word overlap) and STS-B (en and
#: de, line-parallel), in ``parallel/``.
PAWSX_FILES = ("pawsx_de_dev.tsv", "pawsx_de_test.tsv")
STSB_FILES = {"en": "stsb_en.tsv", "de": "stsb_de.tsv"}
#: STS-B pairs scored at least this (of 5: "completely equivalent") count as paraphrases.
STS_PARAPHRASE_MIN = 4.6
_CAPITALISED = re.compile(r"\b[A-ZÄÖÜ][\w-]+")


def _is_word_swap(a: str, b: str) -> bool:
    """The same capitalised words (names, German nouns) in another order: PAWS-X builds its
    non-paraphrases by swapping them ("X replaced Y by Z" / "X replaced Z by Y")."""
    ca, cb = _CAPITALISED.findall(a)[1:], _CAPITALISED.findall(b)[1:]
    return len(ca) >= 2 and sorted(ca) == sorted(cb) and ca != cb


def paraphrase_pairs(data_dir: Path, n: int, seed: int) -> list[Pair]:
    """Up to ``n`` pairs of real paraphrases and word swaps.

    Entailment, in both directions: German PAWS-X paraphrases (the same words reordered, the
    meaning kept) and STS-B train pairs scored at least ``STS_PARAPHRASE_MIN``, in English,
    German and both cross-lingual directions (the two STS-B files are line-parallel).
    Contradiction: PAWS-X non-paraphrases that only reorder the same capitalised words (the
    roles swapped). Other PAWS-X non-paraphrases are left out (often just vaguer, not false).
    """
    rng = random.Random(seed)
    out: list[Pair] = []
    for name in PAWSX_FILES:
        for row in read_tsv(data_dir / "parallel" / name):
            a, b, label = (row.get("sentence1") or "").strip(), (row.get("sentence2") or "").strip(), (row.get("label") or "").strip()
            if not a or not b or a == b:
                continue
            if label == "1":
                out += [Pair(a, b, "entailment", "pawsx:paraphrase"), Pair(b, a, "entailment", "pawsx:paraphrase")]
            elif label == "0" and _is_word_swap(a, b):
                out.append(Pair(a, b, "contradiction", "pawsx:swap") if rng.random() < 0.5 else Pair(b, a, "contradiction", "pawsx:swap"))
    sts = {lang: read_tsv(data_dir / "parallel" / name) for lang, name in STSB_FILES.items()}
    for en, de in zip(sts["en"], sts["de"]):
        if en.get("split") != "train" or float(en.get("score") or 0) < STS_PARAPHRASE_MIN:
            continue
        first = {"en": en["sentence1"].strip(), "de": de["sentence1"].strip()}
        second = {"en": en["sentence2"].strip(), "de": de["sentence2"].strip()}
        for pl, hl in (("en", "en"), ("de", "de"), ("de", "en"), ("en", "de")):
            if first[pl] and second[hl] and first[pl] != second[hl]:
                p, h = (first[pl], second[hl]) if rng.random() < 0.5 else (second[pl], first[hl])
                out.append(Pair(p, h, "entailment", f"sts:{pl}-{hl}"))
    rng.shuffle(out)
    return out[:n]


def build_training_set(data_dir: Path, seed: int, n_english: int, n_breaking: int, n_wmt: int, xnli_repeats: int,
                       n_codeswitch: int = 0, dictionary: Path | None = None, n_news: int = 0,
                       rte_repeats: int = 0, n_paraphrase: int = 0, news_recipe: int = 3) -> tuple[list[Pair], dict]:
    """Assemble the training mix; returns (pairs, manifest with file hashes and counts).

    ``n_codeswitch`` further English pairs (not among the ``n_english`` plain ones) are
    code-switched with the German-English ``dictionary``. ``n_news`` targeted pairs come from
    real news (``news_pairs``, its generator version ``news_recipe``); ``rte_repeats`` passes over the RTE-3 dev rows outside the
    held-out slice, in all four language combinations.
    """
    rng = random.Random(seed)
    nli_dir = data_dir / "nli" / "train"
    english: list[Pair] = []
    for name in NATURAL_EN:
        english += read_nli(nli_dir / name, name.split("_en_")[0])
    rng.shuffle(english)
    switched = codeswitch_pairs(english[n_english : n_english + n_codeswitch], data_dir, dictionary, seed) if n_codeswitch else []
    english = english[:n_english]
    breaking = read_nli(nli_dir / "breaking_nli_en_train.tsv.gz", "breaking_nli")
    rng.shuffle(breaking)
    breaking = breaking[:n_breaking]
    train_rows, held_rows = xnli_split(data_dir)
    xnli = xnli_pairs(data_dir, train_rows) * xnli_repeats
    wmt = wmt_pairs(data_dir, n_wmt, seed) if n_wmt else []
    news = []
    if n_news:
        from .news_pairs import EVAL_PAIR_FILES, build_news_pairs, excluded_sources

        news = build_news_pairs(data_dir, n_news, seed, excluded_sources(EVAL_PAIR_FILES), recipe=news_recipe)
    rte = [p for combo in RTE3_FILES for p in rte3_pairs(data_dir, combo, held_out=False)] * rte_repeats
    paraphrase = paraphrase_pairs(data_dir, n_paraphrase, seed) if n_paraphrase else []
    pairs = english + switched + breaking + xnli + wmt + news + rte + paraphrase
    rng.shuffle(pairs)
    files = [nli_dir / n for n in NATURAL_EN] + [nli_dir / "breaking_nli_en_train.tsv.gz"]
    files += [data_dir / "nli" / "dev" / "xnli_en_dev.tsv", data_dir / "nli" / "dev" / "xnli_de_dev.tsv"]
    files += [data_dir / "parallel" / "wmt_news_de_en.tsv.gz"]
    if n_news:
        files += [data_dir / "corpus" / name for name in ("bbc_en.jsonl.gz", "gnad_de.jsonl.gz", "wikinews_de.jsonl.gz")]
    if n_paraphrase:
        files += [data_dir / "parallel" / name for name in (*PAWSX_FILES, *STSB_FILES.values())]
    if rte_repeats:
        files += [data_dir / "nli" / "dev" / name for name in RTE3_FILES.values()]
    counts: dict[str, int] = {}
    for p in pairs:
        key = p.source.split(":")[0]
        counts[key] = counts.get(key, 0) + 1
    manifest = {
        "files": {str(f.relative_to(data_dir)): sha256_file(f) for f in files}
        | ({f"dictionary:{dictionary}": sha256_file(Path(dictionary))} if n_codeswitch else {}),
        "counts": counts,
        "xnli_held_out_rows": len(held_rows),
        "xnli_held_out_seed": HELD_OUT_SEED,
    } | ({"news_recipe": news_recipe} if n_news else {})
    return pairs, manifest


def rte3_pairs(data_dir: Path, combo: str, held_out: bool) -> list[Pair]:
    """RTE-3 dev pairs of one language combination: the held-out slice (rows from
    ``RTE3_HELD_OUT_FROM`` on, the same pair ids in all four parallel files) or the rest."""
    pairs = read_nli(data_dir / "nli" / "dev" / RTE3_FILES[combo], f"rte3:{combo}")
    return pairs[RTE3_HELD_OUT_FROM:] if held_out else pairs[:RTE3_HELD_OUT_FROM]


def held_out_sets(data_dir: Path, news_dev: Path | None = None) -> dict[str, list[Pair]]:
    """The fixed held-out sets used for model selection: the XNLI dev slice per language
    combination, the RTE-3 held-out slice (four combinations together), and the dev split of
    the project's news pairs (never the frozen test split)."""
    _, held = xnli_split(data_dir)
    sets = {combo: xnli_pairs(data_dir, held, combos=(combo,)) for combo in ("en-en", "de-de", "de-en")}
    sets["rte3"] = [p for combo in RTE3_FILES for p in rte3_pairs(data_dir, combo, held_out=True)]
    if news_dev is not None and news_dev.is_file():
        sets["news-dev"] = read_nli(news_dev, "news-dev")
    return sets
