"""Stage 3: split documents into sentence-level claims, and say why the rest is left out.

German text is split with SoMaJo (it knows "z. B.", "Okt." and ordinals such as
"5. Februar"), English with pysbd. Both run on the same-length mask built by
``textclean``, so every sentence span indexes ``Document.text`` directly:
``doc.text[c.start:c.end]`` is the raw sentence, ``c.text`` its cleaned form.

What is not a claim becomes a ``Skipped`` record with one of ``REASONS`` and is
logged at debug level.
"""
from __future__ import annotations

import functools
import logging
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from .ingest import E_NO_SENTENCES, input_error
from .language import sentence_language
from .records import Claim, Document, Lang, Skipped
from .textclean import (
    Markup,
    TableRow,
    build_markup,
    count_words,
    dateline_date,
    ends_sentence,
    last_punct,
    markup_kind,
)

logger = logging.getLogger(__name__)

#: Why a sentence is not a claim (``Skipped.reason`` of sentences).
REASONS = (
    "heading",  # title, section heading, table header: a short line without final punctuation
    "dateline",  # a line that is only a date ("Tuesday, April 23, 2024", "Stand: 05.02.2024")
    "byline",  # author, photo or agency credit (data/boilerplate.toml)
    "boilerplate",  # page furniture: subscribe, read more, cookies (data/boilerplate.toml)
    "question",  # a question asserts nothing
    "lead-in",  # "Key recommendations include:" introduces a list, asserts nothing itself
    "too short",  # fewer than MIN_WORDS words
    "fragment",  # a short piece starting in lower case, left over from a broken sentence
    "not de/en",  # a sentence langid is sure is in another language
)

#: Sentences with fewer words are fragments ("Thoibao.de (Translated)").
MIN_WORDS = 4
#: A piece starting in lower case with fewer words is the tail of a broken sentence ("just $5 a month.").
FRAGMENT_MAX_WORDS = 7
#: Table rows are terse ("Berlin: 3,7 Mio. Einwohner"), so they need fewer words.
MIN_ROW_WORDS = 3
#: A line without final punctuation up to this length is a heading; longer ones are
#: sentences that lost their full stop.
HEADING_MAX_WORDS = 16


@functools.lru_cache(maxsize=1)
def _patterns() -> dict[str, list[re.Pattern[str]]]:
    data = (Path(__file__).parent / "data" / "boilerplate.toml").read_text(encoding="utf-8")
    table = tomllib.loads(data)
    return {reason: [re.compile(p) for p in spec.get("patterns", [])] for reason, spec in table.items()}


@functools.lru_cache(maxsize=1)
def _somajo():
    from somajo import SoMaJo

    logger.debug("loading SoMaJo de_CMC")
    return SoMaJo("de_CMC", split_camel_case=False, split_sentences=True, character_offsets=True)


@functools.lru_cache(maxsize=1)
def _pysbd():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def _split_german(block: str) -> list[tuple[int, int]]:
    spans = []
    for sentence in _somajo().tokenize_text([block]):
        offsets = [t.character_offset for t in sentence if t.character_offset is not None]
        if offsets:
            spans.append((offsets[0][0], offsets[-1][1]))
    return spans


def _split_english(block: str) -> list[tuple[int, int]]:
    pieces = _pysbd().segment(block)
    spans, pos = [], 0
    if "".join(pieces) == block:  # pysbd with clean=False returns the text in pieces
        for piece in pieces:
            spans.append((pos, pos + len(piece)))
            pos += len(piece)
        return spans
    for piece in pieces:  # fall back to locating each piece
        piece = piece.strip()
        at = block.find(piece, pos) if piece else -1
        if at < 0:
            logger.debug("pysbd piece not found in block; keeping the block whole")
            return [(0, len(block))]
        spans.append((at, at + len(piece)))
        pos = at + len(piece)
    return spans


# A web domain opening a sentence ("... erheben. op-online.de berichtet, ...") starts in lower
# case, so neither segmenter sees a sentence start there.
_DOMAIN_START_RE = re.compile(
    r"(?<=[.!?…])[”“\"'’»«)]*\s+(?=[a-z][\w-]*(?:\.[a-z][\w-]*)*\.(?:de|at|ch|com|org|net|eu|info|io|news|gov|edu|co\.uk|uk|vn|cn)\b)"
)
_DOMAIN_TOKEN_RE = re.compile(r"^[a-z][\w-]*(?:\.[a-z][\w-]*)*\.[a-z]{2,6}\b")


def _split_at_domains(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for s, e in spans:
        cut = s
        for m in _DOMAIN_START_RE.finditer(text, s, e):
            out.append((cut, m.start()))
            cut = m.start()
        out.append((cut, e))
    return out


def split_sentences(text: str, lang: Lang) -> list[tuple[int, int]]:
    """Sentence spans of one block of text (no block boundaries inside).

    Args:
        text: a paragraph or line of the mask.
        lang: "de" uses SoMaJo; anything else pysbd's English rules.

    Returns:
        (start, end) spans into ``text``, trimmed of surrounding whitespace.

    Example:
        >>> split_sentences("Das gilt z. B. im Okt. 2023. Am 5. Februar kam er.", "de")
        [(0, 28), (29, 50)]
    """
    raw = _split_german(text) if lang == "de" else _split_english(text)
    raw = _split_at_domains(text, raw)
    out = []
    for s, e in raw:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            out.append((s, e))
    return out


def classify(text: str, *, block_is_line: bool = False) -> str | None:
    """The reason a cleaned sentence is not a claim, or None when it is one.

    Language is checked separately (it needs the document's language).

    Args:
        text: the cleaned sentence.
        block_is_line: the sentence is a whole line on its own (headings are lines).

    Returns:
        One of ``REASONS`` or None.

    Example:
        >>> classify("Von Anna Müller, Berlin"), classify("Was bedeutet das für Vietnam?")
        ('byline', 'question')
    """
    if block_is_line and dateline_date(text):
        return "dateline"
    for reason, patterns in _patterns().items():
        if any(p.search(text) for p in patterns):
            return reason
    words = count_words(text)
    if block_is_line and not ends_sentence(text) and words <= HEADING_MAX_WORDS:
        return "heading"
    end = last_punct(text)
    if end == "?":
        return "question"
    if end == ":":
        return "lead-in"
    if words < MIN_WORDS:
        return "too short"
    if text[:1].islower() and words <= FRAGMENT_MAX_WORDS and not _DOMAIN_TOKEN_RE.match(text):
        return "fragment"
    return None


def _row_text(markup: Markup, row: TableRow) -> str:
    cells = [markup.clean(s, e) for s, e in row.cells]
    cells = [c for c in cells if c]
    return ": ".join(cells) if len(cells) == 2 else " | ".join(cells)


def _units(markup: Markup) -> Iterable[tuple[int, int, str]]:
    """Blocks of the document in order: (start, end, "row" | "header" | "heading" | "line")."""
    rows = sorted(markup.tables, key=lambda r: r.start)
    units: list[tuple[int, int, str]] = [(r.start, r.end, "header" if r.header else "row") for r in rows]
    for s, e in markup.lines():
        if any(s <= r.start < e for r in rows):
            continue
        if any(hs <= s < he or s <= hs < e for hs, he in markup.headings):
            units.append((s, e, "heading"))
        else:
            units.append((s, e, "line"))
    return sorted(units)


def segment(doc: Document) -> tuple[list[Claim], list[Skipped]]:
    """Split one document into claims.

    Args:
        doc: a loaded document (``doc.text`` is the decoded original).

    Returns:
        (claims, skipped sentences). Claim ids are ``f"{doc.id}:s{n}"`` with n counting
        kept claims from 0; skipped sentences are ``where=f"{doc.id}:{start}-{end}"``.

    Example:
        >>> doc = Document(id="d", path="d.txt", lang="de", text="Titel\\nDas ist z. B. ein Satz.")
        >>> [c.text for c in segment(doc)[0]]
        ['Das ist z. B. ein Satz.']
    """
    markup = build_markup(doc.text, markup_kind(doc.path, doc.text))
    claims: list[Claim] = []
    skipped: list[Skipped] = []
    lang: Lang = doc.lang if doc.lang in ("de", "en") else "en"

    def skip(start: int, end: int, reason: str, text: str) -> None:
        logger.debug("%s %d-%d skipped (%s): %s", doc.id, start, end, reason, text[:80])
        skipped.append(Skipped(where=f"{doc.id}:{start}-{end}", reason=reason, text=text))

    def keep(start: int, end: int, text: str, min_words: int) -> None:
        if count_words(text) < min_words:
            skip(start, end, "too short", text)
            return
        sent_lang, conf = sentence_language(text, lang)
        if sent_lang == "other":
            logger.debug("%s %d-%d: langid %.2f for another language", doc.id, start, end, conf)
            skip(start, end, "not de/en", text)
            return
        n = len(claims)
        claims.append(
            Claim(id=f"{doc.id}:s{n}", doc_id=doc.id, lang=sent_lang, text=text, start=start, end=end, index=n)
        )

    rows = {r.start: r for r in markup.tables}
    for start, end, kind in _units(markup):
        if kind in ("row", "header"):
            text = _row_text(markup, rows[start])
            if kind == "header":
                skip(start, end, "heading", text)
            else:
                keep(start, end, text, MIN_ROW_WORDS)
            continue
        line = markup.clean(start, end)
        if kind == "heading":
            skip(start, end, "heading", line)
            continue
        line_reason = classify(line, block_is_line=True)
        if line_reason in ("dateline", "heading"):
            skip(start, end, line_reason, line)
            continue
        spans = split_sentences(markup.mask[start:end], lang)
        for s, e in spans:
            s, e = start + s, start + e
            text = markup.clean(s, e)
            if not text:
                continue
            reason = classify(text, block_is_line=len(spans) == 1)
            if reason:
                skip(s, e, reason, text)
            else:
                keep(s, e, text, MIN_WORDS)
    logger.debug("%s: %d claims, %d skipped", doc.id, len(claims), len(skipped))
    return claims, skipped


def segment_all(
    docs: Sequence[Document], progress: Callable[[int], None] | None = None
) -> tuple[list[Claim], list[Skipped], list[Skipped]]:
    """Segment every document.

    Args:
        docs: loaded documents.
        progress: called with the number of documents done (every 10 and at the end).

    Returns:
        (all claims, all skipped sentences, documents without any claim as ``Skipped``
        with a one-line message).

    Example:
        >>> claims, skipped, empty = segment_all([])
        >>> claims, skipped, empty
        ([], [], [])
    """
    all_claims: list[Claim] = []
    all_skipped: list[Skipped] = []
    empty: list[Skipped] = []
    for n, doc in enumerate(docs, start=1):
        if progress is not None and (n % 10 == 0 or n == len(docs)):
            progress(n)
        claims, skipped = segment(doc)
        all_claims.extend(claims)
        all_skipped.extend(skipped)
        if not claims:
            err = input_error(
                E_NO_SENTENCES,
                f"'{doc.path or doc.id}' has no sentence that states a claim "
                f"({len(skipped)} left out as headings, questions or fragments).",
                "pass articles with running text; run with -v to see what was left out.",
            )
            logger.warning("%s", err)
            empty.append(Skipped(where=doc.id, reason=str(err)))
    return all_claims, all_skipped, empty
