"""Code-switching augmentation: English NLI pairs with some words replaced by German ones.

Why: there is no German NLI training set. Replacing a share of the English words by
dictionary translations (CoSDA-ML style) makes the model align German and English word
pieces inside the same sentence, which transfers the English NLI signal to German and to
German-English pairs. The dictionary is Debian's ``trans-de-en`` (TU Chemnitz
German-English dictionary, GPL-2+), read from a local path at training time only; the
project ships neither the dictionary nor its output.

Dictionary lines look like ``Haus {n} | Häuser {pl} :: house | houses``: the two sides
hold the same number of ``|``-separated senses, each a ``;``-separated list of variants.
"""
from __future__ import annotations

import random
import re
from pathlib import Path

from ..errors import InputError

#: Where ``apt install trans-de-en`` puts the dictionary.
DEFAULT_DICTIONARY = Path("/usr/share/trans/de-en")

_ANNOTATION = re.compile(r"\{[^}]*\}|\[[^\]]*\]|\([^)]*\)|<[^>]*>")
_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
_GERMAN_WORD = re.compile(r"^[A-Za-zÄÖÜäöüß-]+$")
_STOP = frozenset(
    "a an the and or but of to in on at by for with from as is are was were be been being it its this that these those "
    "he she they we you i his her their our your my not no do does did has have had will would can could should may might "
    "there here than then so if".split()
)


def _clean(variant: str) -> str:
    return " ".join(_ANNOTATION.sub(" ", variant).split())


def load_dictionary(path: str | Path = DEFAULT_DICTIONARY, german_counts: dict[str, int] | None = None) -> dict[str, str]:
    """English word (lower case) -> one German word.

    Among the German words the dictionary gives for an English word, the one most
    frequent in ``german_counts`` (word counts from German text, e.g. news) wins; that
    avoids rare senses (house -> Geschlecht). Without counts, the most often listed one.

    Only one-word entries on both sides are kept (after dropping annotations and the
    English infinitive "to"), so inflected forms listed in the same line (houses ->
    Häuser, ran -> lief) are covered too.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(
            f"German-English dictionary not found at {path}: install Debian's trans-de-en "
            "(apt install trans-de-en, or apt-get download trans-de-en && dpkg-deb -x) or pass its path"
        )
    votes: dict[str, dict[str, float]] = {}
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.startswith("#") or "::" not in line:
                continue
            de_side, en_side = line.rstrip("\n").split("::", 1)
            de_senses, en_senses = de_side.split("|"), en_side.split("|")
            if len(de_senses) != len(en_senses):
                continue
            for de_sense, en_sense in zip(de_senses, en_senses):
                # annotations first: "{ran; run}" holds the separator of variants
                de_sense, en_sense = _ANNOTATION.sub(" ", de_sense), _ANNOTATION.sub(" ", en_sense)
                de_words = [w for w in (_clean(v) for v in de_sense.split(";")) if _GERMAN_WORD.match(w)]
                if not de_words:
                    continue
                for position, variant in enumerate(en_sense.split(";")):
                    en = _clean(variant)
                    if en.startswith("to "):
                        en = en[3:]
                    if not en.isalpha() or en.lower() in _STOP:
                        continue
                    # a German word that many entries give for this English word is its common translation
                    weight = 2.0 if position == 0 else 1.0
                    for rank, de in enumerate(de_words[:2]):
                        bucket = votes.setdefault(en.lower(), {})
                        bucket[de] = bucket.get(de, 0.0) + weight / (1 + rank)
    counts = german_counts or {}
    return {en: max(options.items(), key=lambda kv: (counts.get(kv[0], 0) + kv[1], kv[1]))[0] for en, options in votes.items()}


def word_counts(texts) -> dict[str, int]:
    """Word frequencies of (German) texts, for :func:`load_dictionary`."""
    counts: dict[str, int] = {}
    for text in texts:
        for word in re.findall(r"[A-Za-zÄÖÜäöüß]+", text):
            counts[word] = counts.get(word, 0) + 1
    return counts


def code_switch(text: str, dictionary: dict[str, str], rng: random.Random, ratio: float = 0.4) -> str:
    """Replace about ``ratio`` of the translatable words in ``text`` with German ones."""

    def swap(m: re.Match) -> str:
        word = m.group(0)
        german = dictionary.get(word.lower())
        if german is None or rng.random() >= ratio:
            return word
        return german

    return _WORD.sub(swap, text)
