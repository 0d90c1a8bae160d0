"""Targeted training pairs from real German and English news, for the claim-pair model.

The generic NLI data teaches entailment in general; what vncheck needs on top is the boundary
between "the same event with a conflicting value" and "another fact of the same story". Every
pair here starts from a real news sentence (WMT German-English test sets, the news corpus):

- **contradiction**: a minimal edit of the sentence (or of its translation, for cross-lingual
  pairs): another day, month, year or weekday; another number, a scaled unit (million/billion),
  a number word; an inserted or removed negation; an antonymous outcome or direction word
  (rose/fell, approved/rejected, gestiegen/gesunken); another country; the two parties of an
  asymmetric verb swapped (A beat B / B beat A); another ordinal. The edit may be combined
  with a dropped clause, so that the model does not learn "any difference = contradiction".
- **entailment**: the translation; the same sentence with numbers or dates written another way;
  the sentence without a clause or attribution (premise full, hypothesis shorter).
- **neutral**: another sentence of the same article (nearby, the same story) or of the same WMT
  document; the shorter sentence as premise and the full one as hypothesis (it adds a detail).

Sentences used by the labelled evaluation pairs (``tests/data/news_pairs/``) are excluded by
their source ids, so the frozen test split stays unseen. Everything is seeded.
"""
from __future__ import annotations

import gzip
import json
import random
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

from .train_data import Pair, read_tsv

EDITS_FILE = Path(__file__).with_name("data") / "edits.toml"
CORPUS_FILES = ("bbc_en.jsonl.gz", "gnad_de.jsonl.gz", "wikinews_de.jsonl.gz")
_PAIRS_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "news_pairs"
#: The labelled evaluation pairs whose sources the training pairs must not use (test_b.tsv, the
#: second frozen test split, from 2026-12-04 on: models up to vncheck-nli-v4 were built without it).
EVAL_PAIR_FILES = (_PAIRS_DIR / "dev.tsv", _PAIRS_DIR / "test.tsv", _PAIRS_DIR / "test_b.tsv")
NEWS_DEV = _PAIRS_DIR / "dev.tsv"
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'“”»«]?\s+(?=[A-ZÄÖÜ\"„“»])")


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    lang: str
    doc: str  # article id or WMT document key, for same-story neutrals and for exclusion
    index: int  # position in its document


@lru_cache(maxsize=1)
def edit_lists() -> dict:
    """The word lists of ``data/edits.toml``."""
    with open(EDITS_FILE, "rb") as fh:
        return tomllib.load(fh)


# --- edits: each returns the edited text or None when the sentence offers nothing to edit ---

def _word_swap(text: str, pairs: Iterable[tuple[str, str]], rng: random.Random) -> str | None:
    options = []
    for a, b in pairs:
        for src, dst in ((a, b), (b, a)):
            for m in re.finditer(rf"(?<![\w-]){re.escape(src)}(?![\w-])", text):
                options.append((m.start(), m.end(), dst))
    if not options:
        return None
    start, end, dst = rng.choice(options)
    return text[:start] + dst + text[end:]


def _cycle_swap(text: str, words: list[str], rng: random.Random, ignore_case: bool = False) -> str | None:
    flags = re.IGNORECASE if ignore_case else 0
    options = [(m, i) for i, w in enumerate(words) for m in re.finditer(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text, flags)]
    if not options:
        return None
    m, i = rng.choice(options)
    new = words[(i + rng.randint(1, len(words) - 1)) % len(words)]
    if m.group()[0].isupper():
        new = new[0].upper() + new[1:]
    return text[: m.start()] + new + text[m.end() :]


_YEAR = re.compile(r"(?<![\d.,])(19[5-9]\d|20[0-3]\d)(?![\d.,]?\d)")
_DAY_EN = re.compile(r"(?<!\d)([1-9]|[12]\d|3[01])(st|nd|rd|th)?(?= (?:of )?(?:January|February|March|April|May|June|July|August|September|October|November|December))")
_DAY_EN_AFTER = re.compile(r"(?:January|February|March|April|May|June|July|August|September|October|November|December) ([1-9]|[12]\d|3[01])(st|nd|rd|th)?(?![\d:])")
_DAY_DE = re.compile(r"(?<![\d.])([1-9]|[12]\d|3[01])\.(?= ?(?:Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember|[01]?\d\.))")
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?)(?![\w]|[.,]\d)")


def edit_year(text: str, lang: str, rng: random.Random) -> str | None:
    matches = list(_YEAR.finditer(text))
    if not matches:
        return None
    m = rng.choice(matches)
    new = int(m.group()) + rng.choice([-4, -3, -2, -1, 1, 2, 3, 5])
    return text[: m.start()] + str(new) + text[m.end() :]


def edit_day(text: str, lang: str, rng: random.Random) -> str | None:
    patterns = [_DAY_DE] if lang == "de" else [_DAY_EN, _DAY_EN_AFTER]
    matches = [m for p in patterns for m in p.finditer(text)]
    if not matches:
        return None
    m = rng.choice(matches)
    day = int(m.group(1))
    new = day + rng.choice([-9, -5, -2, -1, 1, 2, 3, 7, 10])
    if not 1 <= new <= 28 or new == day:
        new = (day % 27) + 1
    suffix = ""
    if lang == "en" and m.group(2):
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(new % 10 if new not in (11, 12, 13) else 0, "th")
    return text[: m.start(1)] + str(new) + suffix + text[m.end(2) if lang == "en" and m.group(2) else m.end(1) :]


def edit_month(text: str, lang: str, rng: random.Random) -> str | None:
    return _cycle_swap(text, edit_lists()["months"][lang], rng)


def edit_weekday(text: str, lang: str, rng: random.Random) -> str | None:
    return _cycle_swap(text, edit_lists()["weekdays"][lang], rng)


def _format_number(value: float, template: str, lang: str) -> str:
    decimals = 0
    m = re.search(r"[.,](\d{1,2})$", template)
    if m and not re.search(r"\d[.,]\d{3}$", template):
        decimals = len(m.group(1))
    text = f"{value:,.{decimals}f}"
    if lang == "de":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    if not re.search(r"\d[.,]\d{3}", template) and value < 10000:
        text = text.replace("," if lang == "en" else ".", "")
    return text


def _parse_number(token: str, lang: str) -> float | None:
    thousands, decimal = (",", ".") if lang == "en" else (".", ",")
    if re.fullmatch(rf"\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+", token):
        return float(token.replace(thousands, ""))
    try:
        return float(token.replace(decimal, "."))
    except ValueError:
        return None


def edit_number(text: str, lang: str, rng: random.Random) -> str | None:
    months = "|".join(edit_lists()["months"][lang])
    matches = [m for m in _NUMBER.finditer(text) if not _YEAR.fullmatch(m.group())
               and not re.match(rf"\.? ?(?:{months})", text[m.end() :]) and not re.search(rf"(?:{months}) $", text[: m.start()])]
    if not matches:
        return None
    m = rng.choice(matches)
    value = _parse_number(m.group(), lang)
    if value is None:
        return None
    if value <= 12 and value == int(value):
        new = value + rng.choice([1, 2, 3, 5]) if value < 3 or rng.random() < 0.6 else value - rng.choice([1, 2])
    else:
        new = value * rng.choice([0.4, 0.6, 0.75, 1.3, 1.5, 2.0, 3.0])
        if value == int(value):
            new = round(new)
    if new == value or new < 0:
        return None
    return text[: m.start()] + _format_number(new, m.group(), lang) + text[m.end() :]


def edit_scale(text: str, lang: str, rng: random.Random) -> str | None:
    return _word_swap(text, edit_lists()["scales"][lang], rng)


def edit_number_word(text: str, lang: str, rng: random.Random) -> str | None:
    words = edit_lists()["number_words"][lang][1:]  # "one"/"ein" is also an article or pronoun
    return _cycle_swap(text, words, rng)


def edit_ordinal(text: str, lang: str, rng: random.Random) -> str | None:
    stems = edit_lists()["ordinals"][lang]
    if lang == "en":
        return _cycle_swap(text, stems, rng, ignore_case=True)
    options = [(m, i) for i, s in enumerate(stems) for m in re.finditer(rf"(?<![\w-]){s}(e|er|en|es|em)(?![\w-])", text, re.IGNORECASE)]
    if not options:
        return None
    m, i = rng.choice(options)
    new = stems[(i + rng.randint(1, len(stems) - 1)) % len(stems)]
    if m.group()[0].isupper():
        new = new.capitalize()
    return text[: m.start()] + new + m.group(1) + text[m.end() :]


def edit_antonym(text: str, lang: str, rng: random.Random) -> str | None:
    return _word_swap(text, edit_lists()["antonyms"][lang], rng)


def edit_antonym_v4(text: str, lang: str, rng: random.Random) -> str | None:
    """Recipe 4: the antonyms plus the outcome and status verbs of ``[antonyms_v4]``."""
    lists = edit_lists()
    return _word_swap(text, lists["antonyms"][lang] + lists["antonyms_v4"][lang], rng)


_EN_AUX = re.compile(r"\b(?:(?:is|are|was|were|will|can|could|would|should|must)\b(?! not\b)|(?:has|have|had)(?= (?:been|\w+ed|\w+en)\b))")
_DE_AUX = re.compile(r"\b(ist|sind|war|waren|hat|haben|hatte|hatten|wird|werden|wurde|wurden|kann|können|muss|müssen|soll|sollen)\b")
_EN_NEG = re.compile(r"\b(is|are|was|were|has|have|had|will|can|could|would|should|must|does|did|do) not\b|\b(is|are|was|were|has|have|had|does|did|do|would|could|should)n't\b")
_DE_NEG = re.compile(r" nicht\b")


def edit_negation(text: str, lang: str, rng: random.Random) -> str | None:
    """Insert a negation after the first auxiliary, or remove the only one there is."""
    if lang == "en":
        negs = list(_EN_NEG.finditer(text))
        if len(negs) == 1:
            m = negs[0]
            return text[: m.start()] + (m.group(1) or m.group(2)) + text[m.end() :]
        if negs or re.search(r"\b(no|never|neither|nor)\b", text, re.IGNORECASE):
            return None
        m = _EN_AUX.search(text)
        return text[: m.end()] + " not" + text[m.end() :] if m else None
    negs = list(_DE_NEG.finditer(text))
    if len(negs) == 1 and not re.search(r"\b(kein\w*|nie|niemals|weder)\b", text, re.IGNORECASE):
        return text[: negs[0].start()] + text[negs[0].end() :]
    if negs or re.search(r"\b(kein\w*|nie|niemals|weder)\b", text, re.IGNORECASE):
        return None
    m = _DE_AUX.search(text)
    # Only a finite verb in second position (main clause, V2): after a verb at the end of a
    # subordinate clause "nicht" would land in the wrong place.
    if not m or len(text[: m.start()].split()) > 5 or "," in text[: m.start()] or re.match(r"\s*[,.;:!?]", text[m.end() :]):
        return None
    return text[: m.end()] + " nicht" + text[m.end() :]


@lru_cache(maxsize=1)
def _countries() -> list[str]:
    """Single-word country and capital names of the checker's actor lexicon (both languages)."""
    with open(Path(__file__).parents[1] / "checks" / "lexicon" / "actors.toml", "rb") as fh:
        actors = tomllib.load(fh)["actors"]
    names = {name for actor in actors.values() if actor.get("kind", "country") == "country" for name in actor["names"]
             if len(name) > 3 and name[0].isupper() and " " not in name
             and not name.endswith(("isch", "ische", "ischen", "ischer", "an", "ans", "ese"))}
    return sorted(names)


def edit_country(text: str, lang: str, rng: random.Random) -> str | None:
    names = _countries()
    present = [n for n in names if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text)]
    if not present:
        return None
    old = rng.choice(present)
    new = rng.choice([n for n in names if n != old and n not in text])
    return re.sub(rf"(?<![\w-]){re.escape(old)}(?![\w-])", new, text, count=1)


_NOT_NAMES = {"The", "A", "An", "On", "In", "At", "By", "After", "Before", "When", "Then", "But", "And", "Last", "This",
              "Der", "Die", "Das", "Ein", "Eine", "Am", "Im", "Nach", "Vor", "Als", "Dann", "Aber", "Und", "Doch", "Auch"}
_NAME = r"(?:[A-ZÄÖÜ][\w'.-]+(?: [A-ZÄÖÜ][\w'.-]+){0,2})"


@lru_cache(maxsize=2)
def _role_pattern(lang: str) -> re.Pattern:
    """NAME VERB NAME for the asymmetric verbs of ``lang`` (longest verb first)."""
    verbs = "|".join(re.escape(v) for v in sorted(edit_lists()["role_verbs"][lang], key=len, reverse=True))
    return re.compile(rf"(?<![\w-])({_NAME}) ({verbs}) ({_NAME})(?![\w-])")


def edit_role_swap(text: str, lang: str, rng: random.Random) -> str | None:
    m = _role_pattern(lang).search(text)
    if not m:
        return None
    # A capitalised run may begin with a sentence-initial word ("On Sunday Arsenal"): the
    # party is what follows the last such word.
    first = m.group(1).split()
    while first and (first[0] in _NOT_NAMES or first[0] in edit_lists()["weekdays"][lang] or first[0] in edit_lists()["months"][lang]):
        first.pop(0)
    a, b = " ".join(first), m.group(3)
    if not a or a == b:
        return None
    start = m.start(1) + len(m.group(1)) - len(a)
    return text[:start] + f"{b} {m.group(2)} {a}" + text[m.end() :]


# --- names (recipe 4): people, teams, firms, places, learnt from the parallel news ---

_CAP_RUN = re.compile(r"(?<![\w'.-])[A-ZÄÖÜ][\w'-]*\w(?: [A-ZÄÖÜ][\w'-]*\w)*(?![\w'-])")
_WORD = re.compile(r"[^\W\d_][\w'-]*")


@dataclass(frozen=True, slots=True)
class NamePool:
    """Names seen in the WMT news: runs of capitalised words that stand, word for word, in both
    the English sentence (not at its start) and its German translation, in at least two sentence
    pairs, and none of whose words is ever written in lower case in either language ("Office",
    "Home" and German nouns drop out). A capitalised German word counts as a name only when it is
    one of these."""

    words: frozenset[str]
    by_length: dict[int, tuple[str, ...]]

    @classmethod
    def from_wmt(cls, rows: Iterable[tuple[int, str, str, str]], min_count: int = 2) -> "NamePool":
        stop = _name_stop_words()
        rows = list(rows)
        lower = {w for _, de, en, _ in rows for t in (de, en) for w in _WORD.findall(t) if w[0].islower()}
        # A word the German side often has without the English one is a noun ("Zeit"), not a name.
        with_en: dict[str, list[int]] = {}
        for _, de, en, _ in rows:
            en_words = set(_WORD.findall(en))
            for w in set(_WORD.findall(de)):
                if w[0].isupper():
                    seen = with_en.setdefault(w, [0, 0])
                    seen[0] += w in en_words
                    seen[1] += 1
        counts: dict[str, int] = {}
        for _, de, en, _ in rows:
            for m in _CAP_RUN.finditer(en):
                start, words = _after_stop_words(m, stop)
                if start == 0 or en[:start].rstrip().endswith((".", ":", "\"", "'")):
                    continue
                if words and all(w not in stop and w.lower() not in lower and w[0].upper() + w[1:].lower() not in stop
                                 and (len(w) >= 3 or w.isupper() and len(w) == 2)
                                 and w in with_en and with_en[w][0] * 2 >= with_en[w][1] for w in words):
                    run = " ".join(words)
                    counts[run] = counts.get(run, 0) + 1
        runs = sorted(r for r, c in counts.items() if c >= min_count)
        by_length: dict[int, list[str]] = {}
        for run in runs:
            by_length.setdefault(len(run.split()), []).append(run)
        return cls(frozenset(w for r in runs for w in r.split()), {k: tuple(v) for k, v in by_length.items()})

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, name) of each whole capitalised run made only of known name words,
        after leading function words ("The", "Am"); a run at the start of the sentence or
        after an abbreviation ("St. Petersburg") is left out."""
        stop = _name_stop_words()
        out = []
        for m in _CAP_RUN.finditer(text):
            start, words = _after_stop_words(m, stop)
            if not words or start == 0 or not all(w in self.words for w in words):
                continue
            if re.search(r"(?:^|\s)[A-Z][\w]{0,3}\.\s*$", text[:start]) or text[:start].rstrip().endswith((".", ":")):
                continue
            name = " ".join(words)
            out.append((start, start + len(name), name))
        return out

    def other(self, name: str, text: str, rng: random.Random, story: Iterable[str] = ()) -> str | None:
        """Another name of the same length and shape (all capitals or not), from the same story
        when it has one: "Jamie Foxx won" / "Don Cheadle won", "die SPD" / "die CDU"."""
        n, caps = len(name.split()), name.isupper()
        fits = lambda c: (c != name and len(c.split()) == n and c.isupper() == caps and c not in text
                          and c not in name and name not in c)
        near = sorted({s for s in story if fits(s)})
        if near:
            return rng.choice(near)
        pool = self.by_length.get(n, ())
        for _ in range(8):
            cand = rng.choice(pool) if pool else None
            if cand and fits(cand):
                return cand
        return None


def _after_stop_words(m: re.Match, stop: frozenset[str]) -> tuple[int, list[str]]:
    """Start and words of a capitalised run without its leading function words ("The", "Am")."""
    words = m.group().split()
    start = m.start()
    while words and words[0] in stop:
        start += len(words.pop(0)) + 1
    return start, words


@lru_cache(maxsize=1)
def _name_stop_words() -> frozenset[str]:
    lists = edit_lists()
    words = set(_NOT_NAMES) | {"I", "Mr", "Mrs", "Ms", "Dr", "Herr", "Frau", "Sir", "St", "Mit", "Für", "Von", "Zu",
                               "Den", "Dem", "Des", "Einer", "Einem", "Einen", "Es", "Er", "Sie", "Wir", "Ich",
                               "It", "He", "She", "We", "They", "His", "Her", "Its", "Their", "If", "As", "For",
                               "Of", "To", "With", "From", "That", "These", "Those", "There", "Here", "What"}
    for key in ("weekdays", "months"):
        for lang in ("en", "de"):
            words.update(lists[key][lang])
    return frozenset(words)


def edit_name(text: str, lang: str, rng: random.Random, names: NamePool, story: Iterable[str] = ()) -> str | None:
    """Another actor: one name (person, team, firm, place) replaced by another, preferably one
    from the same story ("Jamie Foxx won best actor" / "Don Cheadle won best actor")."""
    spans = names.spans(text)
    if not spans:
        return None
    start, end, old = rng.choice(spans)
    new = names.other(old, text, rng, story)
    return text[:start] + new + text[end:] if new else None


_ROLE_AUX = r"(?:(?:has|have|had|hat|haben|hatte) )?"
_ROLE_ART = r"(?:(?:the|den|die|das|dem) )?"


def edit_role_swap_names(text: str, lang: str, rng: random.Random, names: NamePool) -> str | None:
    """The two parties of an asymmetric verb exchanged, when both are known names or countries
    standing right before and after it ("Slovakia beat Argentina 3-0", "Bayern schlug den BVB")."""
    parties = sorted({(a, b): (a, b, n) for a, b, n in names.spans(text) + _country_spans(text)}.values())
    between = _between_parties(lang)
    for first in parties:
        m = between.match(text[first[1]:])
        if not m:
            continue
        second = next((p for p in parties if p[0] == first[1] + m.end()), None)
        if second and second[2] != first[2]:
            return text[: first[0]] + second[2] + text[first[1] : second[0]] + first[2] + text[second[1] :]
    return None


@lru_cache(maxsize=2)
def _between_parties(lang: str) -> re.Pattern:
    """What stands between the two parties of an asymmetric verb: " has beat the ", " schlug den "."""
    verbs = "|".join(re.escape(v) for v in sorted(edit_lists()["role_verbs"][lang], key=len, reverse=True))
    return re.compile(rf" {_ROLE_AUX}(?:{verbs}) {_ROLE_ART}")


def _country_spans(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for n in _countries() for m in re.finditer(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text)]


CONTRADICTIONS: dict[str, Callable[[str, str, random.Random], str | None]] = {
    "day": edit_day, "month": edit_month, "year": edit_year, "weekday": edit_weekday,
    "number": edit_number, "scale": edit_scale, "number_word": edit_number_word, "ordinal": edit_ordinal,
    "negation": edit_negation, "antonym": edit_antonym, "country": edit_country, "role_swap": edit_role_swap,
}
#: How often each edit is tried first (the rarer ones are worth more: dates and numbers abound).
EDIT_WEIGHTS = {"day": 2, "month": 2, "year": 2, "weekday": 1, "number": 3, "scale": 1, "number_word": 1,
                "ordinal": 1, "negation": 3, "antonym": 3, "country": 1, "role_swap": 2}


#: Recipe 4 (vncheck-nli-v4): names and general role swaps, fewer negations, more outcomes.
EDIT_WEIGHTS_V4 = {"day": 2, "month": 2, "year": 2, "weekday": 1, "number": 3, "scale": 1, "number_word": 1,
                   "ordinal": 1, "negation": 2, "antonym": 5, "country": 1, "role_swap": 3, "name": 4, "role_names": 4}


def contradict(text: str, lang: str, rng: random.Random, used: dict[str, int] | None = None,
               names: NamePool | None = None, story: Iterable[str] = ()) -> tuple[str, str] | None:
    """One contradicting minimal edit of ``text``: (edited text, edit name), or None.

    With ``used`` (edit name -> count so far), the applicable edit least used relative to its
    weight is taken, so that negation, which fits almost any sentence, does not crowd out the
    rarer dates, ranks and role swaps. With ``names`` (recipe 4) actors are swapped too, with
    names of the same ``story`` where it has some, antonyms include ``[antonyms_v4]``, and the
    weights are ``EDIT_WEIGHTS_V4``.
    """
    weights = EDIT_WEIGHTS_V4 if names is not None else EDIT_WEIGHTS
    found = {}
    for name in weights:
        if name == "name":
            edited = edit_name(text, lang, rng, names, story)
        elif name == "role_names":
            edited = edit_role_swap_names(text, lang, rng, names)
        elif name == "antonym" and names is not None:
            edited = edit_antonym_v4(text, lang, rng)
        else:
            edited = CONTRADICTIONS[name](text, lang, rng)
        if edited and edited != text:
            found[name] = edited
    if not found:
        return None
    if used is None:
        name = rng.choice(sorted(found))
    else:
        name = min(found, key=lambda n: (used.get(n, 0) / weights[n], rng.random()))
        used[name] = used.get(name, 0) + 1
    return found[name], name


# --- meaning-preserving variants ---

def _group_en(value: int) -> str:
    return f"{value:,}"


def _group_de(value: int) -> str:
    return f"{value:,}".replace(",", ".")


_SCALES = {"m": 10**6, "million": 10**6, "bn": 10**9, "billion": 10**9,
           "Millionen": 10**6, "Mio.": 10**6, "Million": 10**6, "Milliarden": 10**9, "Mrd.": 10**9, "Milliarde": 10**9}


def _expand_scaled(m: re.Match, lang: str) -> str:
    """ "1.47m" -> "1,470,000", "1,3 Millionen" -> "1.300.000" (the same value in digits)."""
    whole, frac, unit = m.group(1), m.group(2) or "", m.group(3)
    value = (int(whole) * 10 ** len(frac) + (int(frac) if frac else 0)) * _SCALES[unit] // 10 ** len(frac)
    return (_group_en if lang == "en" else _group_de)(value)


def _ordinal_en(day: int) -> str:
    return f"{day}{'th' if 10 <= day % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th')}"


def _format_options(lang: str) -> list[tuple[str, str | Callable[[re.Match], str]]]:
    """(pattern, replacement) pairs that write a number or date another way, meaning kept."""
    months = edit_lists()["months"][lang]
    month_alt = "|".join(months)
    words = edit_lists()["number_words"][lang]
    if lang == "en":
        options: list = [(r"(\d) ?%", r"\1 per cent"), (r"(\d) per cent", r"\1%"), (r"(\d) percent", r"\1%"),
                         (r"(\d),(\d{3})(?!\d)", r"\1\2"), (r"\$(\d+(?:\.\d+)?)bn", r"$\1 billion"), (r"£(\d+(?:\.\d+)?)m\b", r"£\1 million"),
                         (r"(\d+(?:\.\d+)?) ?bn\b", r"\1 billion"), (r"(\d+(?:\.\d+)?) billion", r"\1bn"),
                         (r"(\d+(?:\.\d+)?) million", r"\1m"),
                         (r"(?<![\d.,])(\d{1,3})(?:\.(\d{1,3}))? ?(m|million|bn|billion)\b", lambda m: _expand_scaled(m, "en")),
                         (rf"\b([1-9]|[12]\d|3[01]) ({month_alt})", r"\2 \1"),
                         (rf"\b({month_alt}) ([1-9]|[12]\d|3[01])\b(?!,? \d{{4}})", r"\2 \1"),
                         (rf"\b({month_alt}) ([1-9]|[12]\d|3[01])\b(?!\w)", lambda m: f"{m.group(1)} {_ordinal_en(int(m.group(2)))}"),
                         (rf"\b([1-9]|[12]\d|3[01]) ({month_alt})", lambda m: f"{m.group(2)[:3]}. {m.group(1)}" if m.group(2) != "May" else m.group()),
                         (rf"(?<![\d.,$£€])([2-9]|1[0-2])(?= (?!(?:{month_alt})\b)[a-z]+)", lambda m: words[int(m.group(1)) - 1])]
    else:
        options = [(r"(\d) Prozent", r"\1 %"), (r"(\d) ?%", r"\1 Prozent"), (r"(\d)\.(\d{3})(?!\d)", r"\1\2"),
                   (r"(\d+(?:,\d+)?) Millionen", r"\1 Mio."), (r"(\d+(?:,\d+)?) Milliarden", r"\1 Mrd."),
                   (r"(\d+(?:,\d+)?) Mio\.", r"\1 Millionen"), (r"(\d+(?:,\d+)?) Mrd\.", r"\1 Milliarden"),
                   (r"(?<![\d.,])(\d{1,3})(?:,(\d{1,3}))? (Millionen|Mio\.|Milliarden|Mrd\.)(?!\w)", lambda m: _expand_scaled(m, "de")),
                   (rf"(?<![\d.,])([2-9]|1[0-2])(?= (?!(?:{month_alt})\b)[A-Za-zÄÖÜäöü]+)", lambda m: words[int(m.group(1)) - 1])]
        for i, name in enumerate(months):
            options += [(rf"\b([1-9]|[12]\d|3[01])\. {name}\b(?! \d)", rf"\1.{i + 1}."),
                        (rf"\b([1-9]|[12]\d|3[01])\. {name} (\d{{4}})\b", lambda m, i=i: f"{int(m.group(1)):02d}.{i + 1:02d}.{m.group(2)}"),
                        (rf"\b([1-9]|[12]\d|3[01])\. {name} (\d{{4}})\b", lambda m, i=i: f"{m.group(1)}.{i + 1}.{m.group(2)}")]
        options.append((r"\b(0?[1-9]|[12]\d|3[01])\.(0?[1-9]|1[0-2])\.(\d{4})\b",
                        lambda m: f"{int(m.group(1))}. {months[int(m.group(2)) - 1]} {m.group(3)}"))
    for i, w in enumerate(words[1:], start=2):
        options.append((rf"(?<![\w-]){w}(?= [a-zäöü]+)", str(i)))
    return options


def number_format_variant(text: str, lang: str, rng: random.Random, most: int = 2) -> str | None:
    """The same numbers and dates written another way (entailment): up to ``most`` rewrites."""
    options = _format_options(lang)
    rng.shuffle(options)
    new, done = text, 0
    for pattern, repl in options:
        if done >= most:
            break
        changed, n = re.subn(pattern, repl, new, count=1)
        if n and changed not in (new, text):  # (two rewrites may undo each other)
            new, done = changed, done + 1
            if rng.random() < 0.5:
                break
    return new if new != text else None


_CLAUSE_EN = [r", (?:which|who|whose|where|while|although|because) [^,]+,", r", (?:which|who|whose|while|although|because|as|after) [^,]+[.!?]$",
              r", (?:he|she|they|the \w+|a spokesman|a spokeswoman|officials|police) (?:said|says|added|told [^,.]+)[.!?]?$",
              r" \([^()]+\)", r", [^,]{3,40}, (?=(?:said|says|has|had|was|is|will)\b)", r", according to [^,.]+"]
_CLAUSE_DE = [r", (?:der|die|das|deren|dessen|welche[rsn]?|wo|weil|obwohl|nachdem) [^,]+,", r", (?:weil|obwohl|nachdem) [^,]+[.!?]$",
              r", (?:sagte|teilte|erklärte|berichtete|so) [^,.]+[.!?]?$", r" \([^()]+\)", r", (?:so|laut) [^,.]+,"]


def drop_clause(text: str, lang: str, rng: random.Random) -> str | None:
    """The sentence without one relative or subordinate clause, parenthesis or attribution."""
    patterns = list(_CLAUSE_EN if lang == "en" else _CLAUSE_DE)
    rng.shuffle(patterns)
    for pattern in patterns:
        m = re.search(pattern, text)
        if not m:
            continue
        tail = m.group()[-1] if m.group().endswith((".", "!", "?")) else " "
        new = (text[: m.start()] + tail + text[m.end() :]).strip()
        new = re.sub(r"\s+", " ", new).replace(" ,", ",").replace(" .", ".")
        if len(new.split()) >= 6 and len(new) < len(text) - 8 and not re.search(r"\b(not|no|never|nicht|kein\w*|nie)\b", m.group()):
            return new
    return None


# --- sources ---

def split_sentences(text: str) -> list[str]:
    """A quick regex split for training data (the checker's own segmenter is far slower)."""
    out = []
    for para in re.split(r"\n\s*\n|\n", text):
        out += [s.strip() for s in _SENTENCE_END.split(para) if s.strip()]
    return out


def _good(text: str) -> bool:
    words = text.split()
    return 8 <= len(words) <= 45 and text[-1:] in ".!?\"”“»«'" and "\t" not in text and not text.isupper()


def corpus_sentences(data_dir: Path, exclude_docs: set[str], exclude_texts: Iterable[str] = ()) -> dict[str, list[Sentence]]:
    """Sentences of the news corpus, by article id, without the excluded articles and without any
    article that quotes one of ``exclude_texts`` (the corpus holds some articles twice, under two ids)."""
    exclude_texts = tuple(exclude_texts)
    docs: dict[str, list[Sentence]] = {}
    for name in CORPUS_FILES:
        path = data_dir / "corpus" / name
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                art = json.loads(line)
                if art["id"] in exclude_docs or any(t in art["text"] for t in exclude_texts):
                    continue
                sents = [s for s in split_sentences(art["text"]) if _good(s)]
                docs[art["id"]] = [Sentence(s, art["lang"], art["id"], i) for i, s in enumerate(sents)]
    return docs


def wmt_rows(data_dir: Path, exclude_rows: set[int], exclude_texts: Iterable[str] = ()) -> list[tuple[int, str, str, str]]:
    """(1-based row, de, en, test set) of the WMT news sets (not the mixed-domain 2022 set), without
    the excluded rows and rows that quote one of ``exclude_texts`` (a sentence repeated in another set)."""
    exclude_texts = tuple(exclude_texts)
    rows = read_tsv(data_dir / "parallel" / "wmt_news_de_en.tsv.gz")
    out = []
    for i, r in enumerate(rows, start=1):
        if r["source"].startswith("generaltest") or i in exclude_rows:
            continue
        de, en = r["de"].strip(), r["en"].strip()
        # the cheap checks first: the quote search runs over every labelled premise
        if de and en and _good(en) and _good(de) and not any(t in de or t in en for t in exclude_texts):
            out.append((i, de, en, r["source"]))
    return out


def excluded_sources(pair_files: Iterable[Path]) -> tuple[set[str], set[int], set[str]]:
    """Article ids, WMT rows (with their neighbours) and premises of the labelled evaluation pairs."""
    docs: set[str] = set()
    rows: set[int] = set()
    premises: set[str] = set()
    for path in pair_files:
        if not path.is_file():
            continue
        for r in read_tsv(path):
            source = r.get("source") or ""
            if "#row=" in source:
                row = int(re.sub(r"\D.*", "", source.split("#row=")[1]))
                rows.update(range(row - 3, row + 4))
            elif "#" in source:
                docs.add(source.split("#", 1)[1].strip())
            if r.get("premise"):
                premises.add(r["premise"])
    return docs, rows, premises


def _pick_neighbour(text: str, near: list[str], rng: random.Random) -> str | None:
    """A neighbouring sentence for a same-story neutral; for a sentence with a number or date,
    mostly one that has numbers too (the look-alikes: a timeline, another figure)."""
    if not near:
        return None
    if re.search(r"\d", text) and rng.random() < 0.6:
        alike = [t for t in near if re.search(r"\d", t)]
        if alike:
            return rng.choice(alike)
    return rng.choice(near)


def build_news_pairs(data_dir: Path, n: int, seed: int,
                     exclude: tuple[set[str], set[int], set[str]] = (set(), set(), set()), recipe: int = 3) -> list[Pair]:
    """About ``n`` targeted pairs: 45% contradiction, 27% entailment, 28% neutral.

    Half cross-lingual (WMT: German original against the edited English translation and the
    reverse), half monolingual (corpus and WMT sentences against edited copies and neighbours).
    Recipe 3 is what vncheck-nli-v3 was trained on; recipe 4 adds actor swaps (another name of
    the same story) and role swaps wherever the two parties stand (``EDIT_WEIGHTS_V4``).
    """
    rng = random.Random(seed)
    exclude_docs, exclude_rows, exclude_texts = exclude
    wmt = wmt_rows(data_dir, exclude_rows, exclude_texts)
    names = NamePool.from_wmt(wmt) if recipe >= 4 else None
    by_row = {w[0]: w for w in wmt}
    docs = corpus_sentences(data_dir, exclude_docs, exclude_texts)
    rng.shuffle(wmt)
    doc_ids = sorted(docs)
    rng.shuffle(doc_ids)
    out: list[Pair] = []
    target = {"contradiction": 0.45 * n, "entailment": 0.27 * n, "neutral": 0.28 * n}
    counts = dict.fromkeys(target, 0)
    used: dict[str, int] = {}

    def add(premise: str, hypothesis: str, label: str, source: str) -> None:
        if counts[label] < target[label] and premise != hypothesis:
            out.append(Pair(premise, hypothesis, label, source))
            counts[label] += 1

    if names is not None:
        # Role swaps are rare in running text (a few hundred sentences in all): each is used once,
        # half of the WMT ones against the original in the other language.
        def role_swap(text: str, lang: str) -> tuple[str, str] | None:
            swapped = edit_role_swap_names(text, lang, rng, names)
            if swapped:
                return swapped, "role_names"
            swapped = edit_role_swap(text, lang, rng)
            return (swapped, "role_swap") if swapped else None

        for _, de, en, _ in wmt:
            for text, lang, other in ((de, "de", en), (en, "en", de)):
                found = role_swap(text, lang)
                if found:
                    kind = rng.choice(["cross", "mono"])
                    add(other if kind == "cross" else text, found[0], "contradiction", f"news:{kind}:{found[1]}")
        for doc in doc_ids:
            for sent in docs[doc]:
                found = role_swap(sent.text, sent.lang)
                if found:
                    add(sent.text, found[0], "contradiction", f"news:mono:{found[1]}")

    def from_sentence(premise: str, hyp_base: str, h_lang: str, kind: str, neighbour: str | None,
                      story: list[str] = ()) -> None:
        want = min(counts, key=lambda k: (counts[k] / target[k], rng.random()))
        if want == "contradiction":
            base = hyp_base
            if rng.random() < 0.3:
                base = drop_clause(hyp_base, h_lang, rng) or hyp_base
            story_names = [sp[2] for t in story for sp in names.spans(t)] if names is not None else ()
            edited = contradict(base, h_lang, rng, used, names, story_names)
            if edited:
                add(premise, edited[0], "contradiction", f"news:{kind}:{edited[1]}")
        elif want == "entailment":
            r = rng.random()
            variant = None
            if kind == "cross" and r < 0.5:
                variant, how = hyp_base, "translation"
                if rng.random() < 0.5:
                    variant = number_format_variant(hyp_base, h_lang, rng) or hyp_base
            elif r < 0.75:
                variant, how = drop_clause(hyp_base, h_lang, rng), "dropped-clause"
            if variant is None:
                variant, how = number_format_variant(hyp_base, h_lang, rng), "format"
            if variant is None and kind == "cross":
                variant, how = hyp_base, "translation"
            if variant:
                add(premise, variant, "entailment", f"news:{kind}:{how}")
        else:
            shorter = drop_clause(premise, h_lang, rng) if kind == "mono" else None
            if neighbour and (shorter is None or rng.random() < 0.75):
                add(premise, neighbour, "neutral", f"news:{kind}:same-story")
            elif shorter:
                add(shorter, premise, "neutral", f"news:{kind}:added-detail")

    half = n // 2
    # Cross-lingual and German/English monolingual pairs from WMT.
    for row, de, en, src in wmt:
        if len(out) >= half:
            break
        near = [by_row[r] for r in range(row - 3, row + 4) if r != row and r in by_row and by_row[r][3] == src]
        nxt = None
        if near:  # a look-alike neighbour (with numbers or dates too) when the sentence has some
            nxt = near[[n[2] for n in near].index(_pick_neighbour(en, [n[2] for n in near], rng))]
        if rng.random() < 0.7:
            p_lang = rng.choice(["de", "en"])
            premise, hyp, h_lang = (de, en, "en") if p_lang == "de" else (en, de, "de")
            neighbour = (nxt[2] if h_lang == "en" else nxt[1]) if nxt else None
            from_sentence(premise, hyp, h_lang, "cross", neighbour, [n[2 if h_lang == "en" else 1] for n in near])
        else:
            lang = rng.choice(["de", "en"])
            text = de if lang == "de" else en
            neighbour = (nxt[1] if lang == "de" else nxt[2]) if nxt else None
            from_sentence(text, text, lang, "mono", neighbour, [n[1 if lang == "de" else 2] for n in near])
    # Monolingual pairs from whole articles (same-story neighbours are real other facts).
    for doc in doc_ids:
        if len(out) >= n:
            break
        sents = docs[doc]
        if len(sents) < 3:
            continue
        for s in rng.sample(sents, min(8, len(sents))):
            near = [t for t in sents if t.index != s.index and abs(t.index - s.index) <= 4]
            neighbour = _pick_neighbour(s.text, [t.text for t in near], rng)
            from_sentence(s.text, s.text, s.lang, "mono", neighbour, [t.text for t in near])
    rng.shuffle(out)
    return out
