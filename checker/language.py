"""Language identification for documents and sentences (de / en / other).

Uses py3langid (a maintained, offline port of langid.py with a model shipped in
the wheel). The model is loaded once per process, on first use.
"""
from __future__ import annotations

import functools
import logging

from .records import Lang
from .textclean import count_words

logger = logging.getLogger(__name__)

#: English names for the codes most often met, for error messages.
LANGUAGE_NAMES = {
    "de": "German", "en": "English", "fr": "French", "es": "Spanish", "it": "Italian", "nl": "Dutch",
    "pt": "Portuguese", "pl": "Polish", "cs": "Czech", "da": "Danish", "sv": "Swedish", "no": "Norwegian",
    "fi": "Finnish", "ru": "Russian", "uk": "Ukrainian", "tr": "Turkish", "vi": "Vietnamese",
    "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "ar": "Arabic", "el": "Greek", "hu": "Hungarian",
    "ro": "Romanian", "lb": "Luxembourgish", "la": "Latin", "id": "Indonesian",
}

#: A non-de/en label must be at least this probable to call a text "other"; below it,
#: langid is guessing (names, numbers) and the better of de/en is more useful.
OTHER_MIN_CONFIDENCE = 0.5
#: A sentence switches away from its document's language only when langid is this sure ...
SWITCH_MIN_CONFIDENCE = 0.9
#: ... and the sentence has at least this many words (short ones are mostly names and numbers).
SWITCH_MIN_WORDS = 6
OTHER_MIN_WORDS = 8
#: Labels that name no language: py3langid's "zxx" (no linguistic content) wins on tables
#: of numbers and names, but says nothing about the language of the words around them.
NO_LANGUAGE = frozenset({"zxx"})


@functools.lru_cache(maxsize=1)
def _identifier():
    from py3langid import langid

    logger.debug("loading py3langid model")
    return langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)


def identify(text: str) -> list[tuple[str, float]]:
    """Rank all languages py3langid knows for ``text``.

    Args:
        text: cleaned text.

    Returns:
        (ISO 639-1 code, probability) pairs, most probable first.

    Example:
        >>> identify("Die Regierung hat das Gesetz beschlossen.")[0][0]
        'de'
    """
    return [(code, float(p)) for code, p in _identifier().rank(text)]


def language_name(code: str) -> str:
    """English name of a language code, or the code itself ("fr" -> "French")."""
    return LANGUAGE_NAMES.get(code, code)


def detect_language(text: str) -> tuple[Lang, float]:
    """Detect whether ``text`` is German, English or something else.

    Args:
        text: cleaned text (a sentence or a whole document).

    Returns:
        ("de" | "en" | "other", confidence in 0..1). For "other" the confidence is that
        of the most probable other language.

    Example:
        >>> detect_language("The government passed the law on Monday.")[0]
        'en'
    """
    if not text.strip():
        return "other", 0.0
    ranked = [(code, p) for code, p in identify(text) if code not in NO_LANGUAGE]
    if not ranked:
        return "other", 0.0
    top, p_top = ranked[0]
    if top in ("de", "en"):
        return top, p_top  # type: ignore[return-value]
    probs = dict(ranked)
    best = max(("de", "en"), key=lambda c: probs.get(c, 0.0))
    # Below OTHER_MIN_CONFIDENCE langid is guessing: never reject a text on a guess.
    if p_top < OTHER_MIN_CONFIDENCE:
        return best, probs.get(best, 0.0)  # type: ignore[return-value]
    return "other", p_top


def sentence_language(text: str, doc_lang: Lang) -> tuple[Lang, float]:
    """Language of one sentence, falling back to the document's when langid is unsure.

    Short sentences ("Vietnam und USA.") carry too little signal; they inherit the
    document's language unless langid is confident and the sentence is long enough.

    Args:
        text: the cleaned sentence.
        doc_lang: the language of its document.

    Returns:
        (language, confidence of the detector for that decision).

    Example:
        >>> sentence_language("Hanoi 2023.", "de")[0]
        'de'
    """
    lang, conf = detect_language(text)
    if lang == doc_lang:
        return lang, conf
    words = count_words(text)
    if lang in ("de", "en") and conf >= SWITCH_MIN_CONFIDENCE and words >= SWITCH_MIN_WORDS:
        return lang, conf
    if lang == "other" and conf >= SWITCH_MIN_CONFIDENCE and words >= OTHER_MIN_WORDS:
        return "other", conf
    return doc_lang, conf
