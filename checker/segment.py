"""Stage 3: split documents into sentence-level claims, and say why the rest is left out.

German text is split with SoMaJo (it knows "z. B.", "Okt." and ordinals such as
"5. Februar"), English with pysbd. Both run on the same-length mask built by
``textclean``, so every sentence span indexes ``Document.text`` directly:
``doc.text[c.start:c.end]`` is the raw sentence, ``c.text`` its cleaned form.

What is not a claim becomes a ``Skipped`` record with one of ``REASONS`` and is
logged at debug level.
"""
from __future__ import annotations

import bisect
import functools
import logging
import re
import time
import tomllib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from .errors import E_TOO_SLOW
from .ingest import E_NO_SENTENCES, input_error
from .language import sentence_language
from .records import Claim, Document, Lang, Skipped
from .safe_text import visible_name
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
#: Seconds one document may take to be split into claims; a document that takes longer is
#: skipped with a warning (every stage is linear, so only a very large, very odd document
#: on a busy machine gets there: 2 MB of German prose takes about 30 s on 2 cores).
DOCUMENT_SECONDS = 120.0
#: The sentence splitters see at most this many characters at a time (see ``_split_bounded``):
#: a news sentence has up to a few hundred, so only a sentence of over 1,500 is ever cut.
MAX_SPLIT_CHARS = 2000


class SegmentTimeout(Exception):
    """Splitting a document took longer than its budget (``DOCUMENT_SECONDS``)."""


def _check(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise SegmentTimeout


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
    # pysbd's own ``segment`` finds each sentence by searching the text from its start again,
    # which is quadratic in the number of sentences (2,000 "Nr." took seconds); its processor
    # gives the sentences, and they are located here in one forward pass.
    spans, pos = [], 0
    for sentence in _pysbd().processor(block).process():
        piece = sentence.strip()
        if not piece:
            continue
        at = block.find(piece, pos)
        if at < 0:  # pysbd changed the text of this piece; its words stay out, as pysbd's spans did
            logger.debug("pysbd piece not found in block: %r", piece[:80])
            continue
        spans.append((at, at + len(piece)))
        pos = at + len(piece)
    return spans


def _window_end(text: str, start: int, size: int) -> int:
    """End of a window of at most ``size`` characters from ``start``, after a space when the
    second half of the window has one (so no word is cut), else exactly ``size``."""
    end = start + size
    cut = text.rfind(" ", start + size // 2, end)
    if cut < 0:
        cut = max(text.rfind(c, start + size // 2, end) for c in "\n\t\u00a0\u3000")
    return cut + 1 if cut >= 0 else end


def _split_bounded(text: str, split: Callable[[str], list[tuple[int, int]]], size: int) -> list[tuple[int, int]]:
    """``split(text)``, given at most ``size`` characters at a time.

    The splitters are slow on long text without sentence ends (pysbd rescans the line for
    every abbreviation, SoMaJo for runs of "1."), so a long block is split window by window:
    all sentences of a window but the last are kept, and the next window starts at that last
    one, which may go on past the window's end. The splitters read a sentence start from what
    precedes it (pysbd takes "5. Die." at the very start of a text as a list item, after a
    sentence as two sentences), so each window also holds the sentence before (when it is
    short), whose spans are dropped. So text splits as it would whole, as long as no sentence
    is longer than three quarters of a window; such a sentence is cut at a space.
    """
    if len(text) <= size:
        return split(text)
    out: list[tuple[int, int]] = []
    pos = 0  # text before pos is split; the window starts at ctx <= pos, one sentence before
    ctx = 0
    while len(text) - ctx > size:
        end = _window_end(text, ctx, size)
        spans = _spans_from(split(text[ctx:end]), ctx, pos)
        if len(spans) >= 2 and spans[-1][0] >= pos + (end - pos) // 4:
            out += spans[:-1]
            pos = spans[-1][0]
            ctx = spans[-2][0] if pos - spans[-2][0] <= size // 4 else pos
        else:  # no sentence ends in the window past its first quarter: cut the long one
            out += spans
            ctx = pos = end
    out += _spans_from(split(text[ctx:]), ctx, pos)
    return out


def _spans_from(spans: list[tuple[int, int]], offset: int, pos: int) -> list[tuple[int, int]]:
    """``spans`` of a window starting at ``offset``, moved into the text, without what lies
    before ``pos`` (a span across ``pos`` starts there)."""
    out = []
    for s, e in spans:
        s, e = s + offset, e + offset
        if e > pos:
            out.append((max(s, pos), e))
    return out


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


def split_sentences(text: str, lang: Lang, deadline: float | None = None) -> list[tuple[int, int]]:
    """Sentence spans of one block of text (no block boundaries inside).

    Args:
        text: a paragraph or line of the mask.
        lang: "de" uses SoMaJo; anything else pysbd's English rules.
        deadline: a ``time.monotonic()`` value; past it, ``SegmentTimeout`` is raised
            (checked between windows of ``MAX_SPLIT_CHARS``).

    Returns:
        (start, end) spans into ``text``, trimmed of surrounding whitespace.

    Example:
        >>> split_sentences("Das gilt z. B. im Okt. 2023. Am 5. Februar kam er.", "de")
        [(0, 28), (29, 50)]
    """
    split = _split_german if lang == "de" else _split_english
    if deadline is not None:
        plain = split

        def split(window: str) -> list[tuple[int, int]]:
            _check(deadline)
            return plain(window)

    raw = _split_bounded(text, split, MAX_SPLIT_CHARS)
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
    # Looked up by position (bisect), not by scanning all rows and headings for every line:
    # a 1 MB table has tens of thousands of each.
    row_starts = [r.start for r in rows]
    headings = sorted(markup.headings)
    heading_starts = [hs for hs, _ in headings]
    reach: list[int] = []  # reach[k]: the furthest end among headings[0..k]
    for _, he in headings:
        reach.append(max(he, reach[-1]) if reach else he)
    for s, e in markup.lines():
        k = bisect.bisect_left(row_starts, s)
        if k < len(row_starts) and row_starts[k] < e:
            continue  # a table row starts on this line
        # A heading overlaps the line when it starts inside it, or starts before and reaches into it.
        k = bisect.bisect_left(heading_starts, s)
        inside = k < len(heading_starts) and heading_starts[k] < e
        before = k > 0 and reach[k - 1] > s
        units.append((s, e, "heading" if inside or before else "line"))
    return sorted(units)


def segment(doc: Document, deadline: float | None = None) -> tuple[list[Claim], list[Skipped]]:
    """Split one document into claims.

    Args:
        doc: a loaded document (``doc.text`` is the decoded original).
        deadline: a ``time.monotonic()`` value; past it, ``SegmentTimeout`` is raised.

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
        _check(deadline)
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
        spans = split_sentences(markup.mask[start:end], lang, deadline)
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
    docs: Sequence[Document], progress: Callable[[int], None] | None = None,
    seconds: float | None = DOCUMENT_SECONDS,
) -> tuple[list[Claim], list[Skipped], list[Skipped]]:
    """Segment every document.

    Args:
        docs: loaded documents.
        progress: called with the number of documents done (every 10 and at the end).
        seconds: time budget per document (None: no limit); a document that takes longer
            is left out with a one-line message (code E124), and the others are split.

    Returns:
        (all claims, all skipped sentences, documents without any claim or over the budget
        as ``Skipped`` with a one-line message).

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
        try:
            claims, skipped = segment(doc, None if seconds is None else time.monotonic() + seconds)
        except SegmentTimeout:
            err = input_error(
                E_TOO_SLOW,
                f"{visible_name(doc.path or doc.id)} took more than {seconds:g} s to split into sentences; it is not checked.",
                "split it into articles (a very long text without sentence ends is slow to split).",
            )
            logger.debug("%s", err)  # reaches the user once, as a warning of the Report
            empty.append(Skipped(where=doc.id, reason=str(err)))
            continue
        all_claims.extend(claims)
        all_skipped.extend(skipped)
        if not claims:
            err = input_error(
                E_NO_SENTENCES,
                f"{visible_name(doc.path or doc.id)} has no sentence that states a claim "
                f"({len(skipped)} left out as headings, questions or fragments).",
                "pass articles with running text; run with -v to see what was left out.",
            )
            logger.debug("%s", err)  # reaches the user once, as a warning of the Report
            empty.append(Skipped(where=doc.id, reason=str(err)))
    return all_claims, all_skipped, empty
