"""Same-length cleaning of markup, shared by ingest and segmentation.

Every claim keeps character offsets into the decoded original text. To clean
markup without losing them we build a *mask*: a string exactly as long as the
text in which tags, markdown markers and skipped regions (``<script>``, front
matter...) are replaced by spaces, and block boundaries by a newline. The
segmenters run on the mask, so their spans index the original text as well;
``clean_span`` then turns a span into the tidy sentence text a claim shows.
"""
from __future__ import annotations

import bisect
import datetime as dt
import html
import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Literal

logger = logging.getLogger(__name__)

Kind = Literal["html", "text"]

#: Suffixes read as HTML; everything else is plain text, which may contain markdown.
HTML_SUFFIXES = frozenset({".html", ".htm"})

#: Tag names recognised as debris in plain text ("< strong >", "< / li >"). A closed list,
#: so that comparisons such as "a < b and c > d" are never taken for a tag.
KNOWN_TAGS = frozenset(
    """a abbr address article aside b bdi bdo big blockquote body br button caption center cite
    code col colgroup dd del details dfn dialog div dl dt em figcaption figure font footer form
    h1 h2 h3 h4 h5 h6 head header hr html i iframe img input ins kbd label legend li link main mark
    meta nav noscript ol option p picture pre q s samp script section small source span strike
    strong style sub summary sup table tbody td tfoot th thead time title tr tt u ul var video wbr""".split()
)

#: Tags that start a new block (a new line in the mask): sentences never cross them.
BLOCK_TAGS = frozenset(
    """address article aside blockquote body br caption center dd details dialog div dl dt
    figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hr html li main nav ol option p pre
    section summary table tbody tfoot thead title tr ul""".split()
)

#: HTML elements whose content is never article text.
SKIP_TAGS = frozenset(
    "script style nav footer head noscript template svg iframe form button select aside object canvas".split()
)

VOID_TAGS = frozenset("area base br col embed hr img input link meta source track wbr".split())

HEADING_TAGS = frozenset("h1 h2 h3 h4 h5 h6".split())

#: Characters that close a sentence. ":" and ";" are included so that a list lead-in
#: ("Key recommendations include:") is not mistaken for a heading.
_FINAL_PUNCT = ".!?…:;"
_CLOSERS = "\"'”’»«)]›‹“"

_WORD_RE = re.compile(r"\w+(?:[-'’.]+\w+)*\.?")
_WS_RE = re.compile(r"\s+")
_INVISIBLE_RE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
# "<em>October 2025</em>." leaves a space before the full stop once the tag is masked.
_SPACE_BEFORE_PUNCT_RE = re.compile(r"\s+([.,;:!?])(?=\s|$)")

# --- dates --------------------------------------------------------------------------------

_MONTHS = {
    # German (full and short forms, incl. Austrian "Jänner")
    "januar": 1, "jänner": 1, "februar": 2, "feber": 2, "märz": 3, "maerz": 3, "april": 4, "mai": 5,
    "juni": 6, "juli": 7, "august": 8, "september": 9, "oktober": 10, "november": 11, "dezember": 12,
    "jan": 1, "feb": 2, "mär": 3, "mrz": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "okt": 10, "nov": 11, "dez": 12,
    # English
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "october": 10,
    "december": 12, "mar": 3, "oct": 10, "dec": 12,
}
_MONTH_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY_ALT = (
    "Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonnabend|Sonntag|"
    "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
    "Mo|Di|Mi|Do|Fr|Sa|So|Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun"
)
_DATE_CORE = (
    r"(?P<iso>\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|(?P<dmy>\d{1,2})\.\s?(?P<dmm>\d{1,2})\.\s?(?P<dmyy>\d{4})"
    rf"|(?P<dn>\d{{1,2}})(?:\.|st|nd|rd|th)?\s+(?P<dnm>{_MONTH_ALT})\.?,?\s+(?P<dny>\d{{4}})"
    rf"|(?P<mn>{_MONTH_ALT})\.?\s+(?P<mnd>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<mny>\d{{4}})"
)
#: A date with day, month and year. The year is required: a date without one would have
#: to be guessed relative to today, which we never do.
DATE_RE = re.compile(rf"(?<!\w)(?:{_DATE_CORE})(?!\w)", re.IGNORECASE)
_WEEKDAY_PREFIX = rf"(?:(?:{_WEEKDAY_ALT})\.?,?\s+(?:(?:den|dem|the)\s+)?)?"
_TIME_SUFFIX = (
    r"(?:\s*(?:,|-|–|um|at|\|)?\s*\d{1,2}[:.]\d{2}"
    r"(?:\s*(?:Uhr|h|am|pm|AM|PM|a\.m\.|p\.m\.))?(?:\s*[A-Z]{2,4})?)?"
)
_PUBLISHED_PREFIX = (
    r"(?:(?:published|updated|last updated|posted|veröffentlicht|aktualisiert|zuletzt aktualisiert|"
    r"stand|erschienen|datum|date)(?:\s+(?:am|on|vom))?\s*:?\s*)"
)
_DATE_LINE_RE = re.compile(
    rf"^\s*{_PUBLISHED_PREFIX}?{_WEEKDAY_PREFIX}(?:{_DATE_CORE}){_TIME_SUFFIX}\s*[.,]?\s*$",
    re.IGNORECASE,
)
#: "BERLIN, 5. Februar 2024 (dpa) – " / "Hanoi (Reuters), March 3, 2024 -" at the start of a paragraph.
_DATELINE_PREFIX_RE = re.compile(
    r"\s*[A-ZÄÖÜ][\w.ÄÖÜäöüß/ -]{1,40}?\s*(?:\([\w/ ]{2,20}\))?\s*,\s*"
    rf"(?i:{_WEEKDAY_PREFIX}(?:{_DATE_CORE}))\s*(?:\([\w/ ]{{2,20}}\))?\s*[-–—:]\s+",
)


def _date_from_match(m: re.Match[str]) -> dt.date | None:
    """Turn a DATE_RE match into a date; dateparser first (restricted to de/en), our table as fallback."""
    text = m.group(0)
    if m.group("dnm") or m.group("mn"):
        try:
            import dateparser  # optional; imported lazily because its first call is slow

            parsed = dateparser.parse(
                text,
                languages=["de", "en"],
                settings={"STRICT_PARSING": True, "REQUIRE_PARTS": ["day", "month", "year"], "DATE_ORDER": "DMY"},
            )
            if parsed is not None:
                return parsed.date()
        except ImportError:
            pass
    try:
        if m.group("iso"):
            return dt.date.fromisoformat(m.group("iso"))
        if m.group("dmy"):
            return dt.date(int(m.group("dmyy")), int(m.group("dmm")), int(m.group("dmy")))
        if m.group("dnm"):
            return dt.date(int(m.group("dny")), _MONTHS[m.group("dnm").lower()], int(m.group("dn")))
        if m.group("mn"):
            return dt.date(int(m.group("mny")), _MONTHS[m.group("mn").lower()], int(m.group("mnd")))
    except (ValueError, KeyError):
        return None
    return None


def parse_date(text: str) -> dt.date | None:
    """Find the first full date (day, month and year) in ``text``.

    Args:
        text: any string, e.g. a meta attribute or a dateline.

    Returns:
        The date, or None when the text holds no date with a year.

    Example:
        >>> parse_date("Veröffentlicht am 5. Februar 2024, 10:30 Uhr")
        datetime.date(2024, 2, 5)
    """
    m = DATE_RE.search(text)
    return _date_from_match(m) if m else None


def dateline_date(line: str) -> dt.date | None:
    """Return the date when the whole line is a dateline ("Tuesday, April 23, 2024", "Stand: 05.02.2024").

    Args:
        line: one cleaned line.

    Returns:
        The date, or None when the line is more than a date.

    Example:
        >>> dateline_date("Tuesday, April 23, 2024")
        datetime.date(2024, 4, 23)
    """
    if not _DATE_LINE_RE.match(line):
        return None
    return parse_date(line)


# --- small text helpers -------------------------------------------------------------------


def collapse(text: str) -> str:
    """Decode entities, drop invisible characters and collapse whitespace.

    Args:
        text: a slice of the mask.

    Returns:
        The tidy text.

    Example:
        >>> collapse("  AT&amp;T\\n  rises ")
        'AT&T rises'
    """
    text = html.unescape(text)
    text = _INVISIBLE_RE.sub("", text)
    text = _WS_RE.sub(" ", text).strip()
    return _SPACE_BEFORE_PUNCT_RE.sub(r"\1", text)


def count_words(text: str) -> int:
    """Count words ("U.S." and "5." count as one each).

    Example:
        >>> count_words("Die U.S.-Regierung kam am 5. Februar.")
        6
    """
    return len(_WORD_RE.findall(text))


def ends_sentence(text: str) -> bool:
    """True when ``text`` ends with sentence punctuation, ignoring closing quotes and brackets.

    Example:
        >>> ends_sentence("Er sagte: „Wir kommen.“")
        True
    """
    stripped = text.rstrip().rstrip(_CLOSERS).rstrip()
    return bool(stripped) and stripped[-1] in _FINAL_PUNCT


def last_punct(text: str) -> str:
    """The final character once closing quotes/brackets are stripped ("" for empty text)."""
    stripped = text.rstrip().rstrip(_CLOSERS).rstrip()
    return stripped[-1] if stripped else ""


def markup_kind(path: str, text: str) -> Kind:
    """Decide whether a document is HTML or (markdown-flavoured) plain text.

    Args:
        path: the file path (its suffix decides first).
        text: the decoded text (sniffed when the suffix says nothing).

    Returns:
        "html" or "text".

    Example:
        >>> markup_kind("a.txt", "<!DOCTYPE html><html>...")
        'html'
    """
    suffix = path[path.rfind(".") :].lower() if "." in path.rsplit("/", 1)[-1] else ""
    if suffix in HTML_SUFFIXES:
        return "html"
    head = text.lstrip()[:200].lower()
    if head.startswith("<!doctype html") or head.startswith("<html"):
        return "html"
    return "text"


# --- the mask -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TableRow:
    """One table row: its span in the text, whether it is a header, and its cell spans."""

    start: int
    end: int
    header: bool
    cells: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Markup:
    """The mask of a document plus what the markup told us (headings, tables, title, date)."""

    kind: Kind
    mask: str
    headings: tuple[tuple[int, int], ...] = ()
    tables: tuple[TableRow, ...] = ()
    title: str | None = None
    published: dt.date | None = None
    datelines: tuple[tuple[int, int], ...] = ()

    def clean(self, start: int, end: int) -> str:
        """Tidy text of ``mask[start:end]`` (see ``collapse``)."""
        return collapse(self.mask[start:end])

    def lines(self) -> list[tuple[int, int]]:
        """Spans of the non-blank lines of the mask, trimmed of surrounding whitespace."""
        spans = []
        for m in re.finditer(r"[^\n]+", self.mask):
            s, e = m.span()
            seg = m.group(0)
            lead = len(seg) - len(seg.lstrip())
            trail = len(seg) - len(seg.rstrip())
            if s + lead < e - trail:
                spans.append((s + lead, e - trail))
        return spans


def _blank(chars: list[str], start: int, end: int, keep_newlines: bool = True) -> None:
    for i in range(start, min(end, len(chars))):
        if not (keep_newlines and chars[i] == "\n"):
            chars[i] = " "


class _HtmlScanner(HTMLParser):
    """Collects tag spans, skipped regions, headings, table rows and metadata of an HTML page."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text = text
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.tags: list[tuple[int, int, str, str]] = []  # start, end, name, "start"|"end"|"other"
        self.skips: list[tuple[int, int]] = []
        self._skip_stack: list[tuple[str, int]] = []
        self._skip_open: dict[str, int] = {}  # tag name -> how often it is on the stack
        self.headings: list[tuple[int, int]] = []
        self._heading: tuple[str, int] | None = None
        self._capture: str | None = None
        self.title_parts: list[str] = []
        self.h1_parts: list[str] = []
        self._h1_done = False
        self.meta_dates: list[str] = []
        self.time_dates: list[str] = []
        self.rows: list[list] = []  # [tr_start, has_th, [cell tag starts]]

    def _pos(self) -> int:
        line, col = self.getpos()
        return self._line_starts[line - 1] + col

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], void: bool) -> None:
        start = self._pos()
        raw = self.get_starttag_text() or ""
        self.tags.append((start, start + len(raw), tag, "start"))
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key in {"article:published_time", "og:published_time", "datepublished", "date", "pubdate",
                       "publishdate", "dc.date", "dc.date.issued", "dcterms.date", "sailthru.date"}:
                self.meta_dates.append(a.get("content", ""))
        if tag == "time" and a.get("datetime"):
            self.time_dates.append(a["datetime"])
        if void or tag in VOID_TAGS:
            return
        if tag in SKIP_TAGS:
            self._skip_stack.append((tag, start))
            self._skip_open[tag] = self._skip_open.get(tag, 0) + 1
        if tag == "title" and not self.title_parts:
            self._capture = "title"
        if tag in HEADING_TAGS and self._heading is None and not self._skip_stack:
            self._heading = (tag, start)
            if tag == "h1" and not self._h1_done:
                self._capture = "h1"
        if tag == "tr" and not self._skip_stack:
            self.rows.append([start, False, []])
        if tag in ("td", "th") and self.rows and not self._skip_stack:
            self.rows[-1][2].append(start)
            if tag == "th":
                self.rows[-1][1] = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, void=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, void=True)

    def handle_endtag(self, tag: str) -> None:
        start = self._pos()
        close = self.text.find(">", start)
        end = len(self.text) if close < 0 else close + 1
        self.tags.append((start, end, tag, "end"))
        # The innermost open element of this name closes, with everything opened inside it.
        # Counted, and searched from the top, so that 100,000 nested <aside> stay linear.
        if self._skip_open.get(tag):
            i = len(self._skip_stack) - 1
            while self._skip_stack[i][0] != tag:
                i -= 1
            outer = self._skip_stack[0][1]
            for name, _ in self._skip_stack[i:]:
                self._skip_open[name] -= 1
            del self._skip_stack[i:]
            if not self._skip_stack:
                self.skips.append((outer, end))
        if self._heading and self._heading[0] == tag:
            self.headings.append((self._heading[1], end))
            self._heading = None
        if self._capture == "title" and tag == "title":
            self._capture = None
        if self._capture == "h1" and tag == "h1":
            self._capture = None
            self._h1_done = True

    def handle_data(self, data: str) -> None:
        if self._capture == "title":
            self.title_parts.append(data)
        elif self._capture == "h1":
            self.h1_parts.append(data)

    def _other(self, closing: str) -> None:
        start = self._pos()
        close = self.text.find(closing, start)
        end = len(self.text) if close < 0 else close + len(closing)
        self.tags.append((start, end, "!", "other"))

    def handle_comment(self, data: str) -> None:
        self._other("-->")

    def close(self) -> None:
        """End of the page: a comment, tag or declaration still open runs to the end of it.

        That is what browsers do, and what html.parser does from Python 3.13.4 on. Python
        3.11's ``close`` instead retries the open construct at every later "<", scanning to the
        end of the page each time: minutes for 40 KB of "<a b='".
        """
        rest = self.rawdata
        if self.cdata_elem:  # an unclosed <script> or <style>: skipped to the end (see _html_markup)
            self.rawdata = ""
        elif rest.startswith("<") and len(rest) > 1:
            self.tags.append((len(self.text) - len(rest), len(self.text), "!", "other"))
            self.rawdata = ""
        super().close()

    def handle_decl(self, decl: str) -> None:
        self._other(">")

    def handle_pi(self, data: str) -> None:
        self._other(">")

    def unknown_decl(self, data: str) -> None:
        self._other(">")


def _html_markup(text: str) -> Markup:
    scanner = _HtmlScanner(text)
    scanner.feed(text)
    scanner.close()
    if scanner._skip_stack:  # unclosed <script> etc.: skip to the end
        scanner.skips.append((scanner._skip_stack[0][1], len(text)))
    # Newlines in HTML source are mere whitespace; structure comes from block tags.
    chars = [" " if c in "\n\r\t\f\v\xa0" else c for c in text]
    cell_starts = {c for row in scanner.rows for c in row[2]}
    row_depth = 0
    for start, end, name, kind in scanner.tags:
        _blank(chars, start, end, keep_newlines=False)
        if name == "tr":
            row_depth += 1 if kind == "start" else -1 if row_depth else 0
            chars[start] = "\n"
        elif start in cell_starts and kind == "start":
            chars[start] = "|"  # cell boundary, read back by the table reader below
        elif name in BLOCK_TAGS and row_depth == 0 and end > start:
            chars[start] = "\n"
    for start, end in scanner.skips:
        _blank(chars, start, end)
    tables = []
    # Newline positions, found once: searching from each row start again is quadratic when an
    # unclosed comment has blanked every newline after many rows.
    newlines = [i for i, c in enumerate(chars) if c == "\n"]
    for tr_start, has_th, cells in scanner.rows:
        k = bisect.bisect_left(newlines, tr_start + 1)
        line_end = newlines[k] if k < len(newlines) else len(chars)
        spans = []
        for i, c in enumerate(cells):
            c_end = cells[i + 1] if i + 1 < len(cells) else line_end
            s, e = _trim(chars, c + 1, c_end)
            if s < e:
                spans.append((s, e))
        if len(spans) >= 2:
            tables.append(TableRow(spans[0][0], spans[-1][1], has_th, tuple(spans)))
        else:  # a layout table with one cell is just text
            for c in cells:
                chars[c] = " "
    mask = "".join(chars)
    title = collapse(" ".join(scanner.h1_parts)) or collapse(" ".join(scanner.title_parts)) or None
    published = None
    for raw in scanner.meta_dates + scanner.time_dates:
        published = parse_date(raw)
        if published:
            break
    markup = Markup("html", mask, tuple(scanner.headings), tuple(tables), title, published)
    if published is None:
        _, published, datelines = _read_header(markup)
        markup = Markup("html", mask, markup.headings, markup.tables, title, published, datelines)
    return markup


def _trim(chars: list[str], start: int, end: int) -> tuple[int, int]:
    while start < end and chars[start].isspace():
        start += 1
    while end > start and chars[end - 1].isspace():
        end -= 1
    return start, end


_DEBRIS_HEAD_RE = re.compile(r"<\s*/?\s*(?P<name>[A-Za-z][A-Za-z0-9]*)\b")
_SLASH_ONLY_RE = re.compile(r"\s*/?\s*")
#: Attribute text a debris tag may carry ("< a href=... >").
_DEBRIS_ATTRS = 300
_SCRIPT_OPEN_RE = re.compile(r"<\s*(script|style)\b", re.IGNORECASE)
_SCRIPT_CLOSE_RE = {name: re.compile(rf"<\s*/\s*{name}\s*>", re.IGNORECASE) for name in ("script", "style")}
_ATX_RE = re.compile(r"^[ \t]{0,3}(#{1,6})(?:[ \t]+|$)")
_ATX_CLOSE_RE = re.compile(r"[ \t]+#+[ \t]*$")
_SETEXT_RE = re.compile(r"^[ \t]{0,3}(=+|-+)[ \t]*$")
_HR_RE = re.compile(r"^[ \t]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_QUOTE_RE = re.compile(r"^[ \t]{0,3}(?:>[ \t]?)+")
_BULLET_RE = re.compile(r"^[ \t]*([-*+•▪‣◦–—])[ \t]+(?=\S)")
_NUMBERED_RE = re.compile(rf"^[ \t]*(\d{{1,3}})([.)])[ \t]+(?=\S)(?!(?:{_MONTH_ALT})\b)", re.IGNORECASE)
_EMPH_RE = re.compile(r"\*\*|__|~~|`")
_STAR_RE = re.compile(r"(?<![\w*])\*(?=[^\s*])[^*\n]+?(?<=[^\s*])\*(?![\w*])")
_UNDERSCORE_RE = re.compile(r"(?<![\w_])_(?=[^\s_])[^_\n]+?(?<=[^\s_])_(?![\w_])")
_SEPARATOR_CELL_RE = re.compile(r"^\s*:?-{2,}:?\s*$")
_FRONT_MATTER_RE = re.compile(r"\A(?:\ufeff)?---[ \t]*\n(.{0,3000}?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


# Comments, script blocks, images and links are found by hand rather than by regular
# expressions such as "<!--.*?-->" or r"!\[[^\]\n]*\]": a regex tries again at every
# opening and scans to the end of the text (or line) each time it finds no close, so a text of
# many "<!--" or "![" without a close took quadratic time (minutes for 40 KB).


class _Finder:
    """``text.find(char, pos)`` for positions that never go back: linear time over all calls."""

    def __init__(self, text: str, char: str) -> None:
        self.text, self.char = text, char
        self.start, self.found = 0, -2  # -2: nothing searched yet

    def __call__(self, pos: int) -> int:
        # No ``char`` lies in [start, found), so for start <= pos <= found the answer is found.
        if self.found == -2 or pos < self.start or (self.found != -1 and pos > self.found):
            self.start, self.found = pos, self.text.find(self.char, pos)
        return self.found


def _first(pos: int, *finders: _Finder) -> int:
    """The nearest of several ``_Finder`` answers at ``pos`` (-1 when none finds its character)."""
    hits = [h for h in (f(pos) for f in finders) if h >= 0]
    return min(hits) if hits else -1


def _comment_spans(text: str) -> list[tuple[int, int]]:
    """Spans of "<!-- ... -->" (what ``<!--.*?-->`` matches)."""
    spans, pos = [], 0
    while (start := text.find("<!--", pos)) >= 0:
        close = text.find("-->", start + 4)
        if close < 0:
            break  # no later comment can close either
        spans.append((start, close + 3))
        pos = close + 3
    return spans


def _script_spans(text: str) -> list[tuple[int, int]]:
    """Spans of script and style blocks (what ``<\\s*(script|style)\\b[^>]*>.*?<\\s*/\\s*\\1\\s*>`` matches)."""
    spans, pos = [], 0
    tag_end = _Finder(text, ">")
    unclosed: set[str] = set()  # names with no closing tag left after some point
    while (m := _SCRIPT_OPEN_RE.search(text, pos)) is not None:
        name = m.group(1).lower()
        gt = tag_end(m.end())
        if gt < 0:
            break  # no ">" left: no block can open from here on
        close = None if name in unclosed else _SCRIPT_CLOSE_RE[name].search(text, gt + 1)
        if close is None:
            unclosed.add(name)
            pos = m.start() + 1
            continue
        spans.append((m.start(), close.end()))
        pos = close.end()
    return spans


def _image_spans(text: str) -> list[tuple[int, int]]:
    """Spans of markdown images "![alt](url)" on one line (what ``!\\[[^\\]\\n]*\\]\\([^)\\n]*\\)`` matches)."""
    spans, pos = [], 0
    bracket, paren = _Finder(text, "]"), _Finder(text, ")")
    line_end_a, line_end_b = _Finder(text, "\n"), _Finder(text, "\n")  # one per kind of query, each moves forward
    while (start := text.find("![", pos)) >= 0:
        close = _first(start + 2, bracket, line_end_a)
        if close >= 0 and text[close] == "]" and text.startswith("(", close + 1):
            end = _first(close + 2, paren, line_end_b)
            if end >= 0 and text[end] == ")":
                spans.append((start, end + 1))
                pos = end + 1
                continue
        pos = start + 1
    return spans


def _link_spans(text: str) -> list[tuple[int, int, int]]:
    """(start, end of the link text, end) of markdown links "[text](url)" and "[text][ref]" on one
    line (what ``\\[([^\\]\\n]+)\\](\\([^)\\n]*\\)|\\[[^\\]\\n]*\\])`` matches)."""
    spans, pos = [], 0
    bracket, paren, ref_bracket = _Finder(text, "]"), _Finder(text, ")"), _Finder(text, "]")
    line_ends = [_Finder(text, "\n") for _ in range(3)]
    while (start := text.find("[", pos)) >= 0:
        close = _first(start + 1, bracket, line_ends[0])
        end = -1
        if close > start + 1 and text[close] == "]":
            opener = text[close + 1 : close + 2]
            if opener == "(":
                end = _first(close + 2, paren, line_ends[1])
                end = end if end >= 0 and text[end] == ")" else -1
            elif opener == "[":
                end = _first(close + 2, ref_bracket, line_ends[2])
                end = end if end >= 0 and text[end] == "]" else -1
        if end >= 0:
            spans.append((start, close, end + 1))
            pos = end + 1
        else:
            pos = start + 1
    return spans


def _debris_tags(text: str) -> list[tuple[int, int, str]]:
    """(start, end, name) of tag-like debris "< strong >", "</li>", "<a href=...>".

    What ``<\\s*/?\\s*(?P<name>[A-Za-z][A-Za-z0-9]*)\\b(?:\\s+[^<>]{0,300}?)?\\s*/?\\s*>`` matches;
    that regex backtracked through every split of a long run of spaces after a name (a
    minute for 8 KB of "<a" and spaces).
    """
    out, pos = [], 0
    next_lt, next_gt = _Finder(text, "<"), _Finder(text, ">")
    while (m := _DEBRIS_HEAD_RE.search(text, pos)) is not None:
        close = _first(m.end(), next_lt, next_gt)
        if close >= 0 and text[close] == ">" and _debris_tail(text[m.end() : close]):
            out.append((m.start(), close + 1, m.group("name")))
            pos = close + 1
        else:
            pos = m.start() + 1
    return out


def _debris_tail(inner: str) -> bool:
    """Whether the text between a tag name and ">" is "", "/" or attributes after a space."""
    if _SLASH_ONLY_RE.fullmatch(inner):
        return True
    if not inner[:1].isspace():
        return False
    attrs = inner.lstrip().rstrip()
    if attrs.endswith("/"):
        attrs = attrs[:-1].rstrip()
    return len(attrs) <= _DEBRIS_ATTRS


def _line_spans(text: str) -> list[tuple[int, int]]:
    """Spans of all lines (without their newline), blank ones included."""
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _pipe_cells(line: str) -> list[tuple[int, int]]:
    """Cell spans (relative to the line) of a pipe-separated row, ignoring escaped pipes."""
    cuts = [i for i, c in enumerate(line) if c == "|" and (i == 0 or line[i - 1] != "\\")]
    if not cuts:
        return []
    bounds = [-1] + cuts + [len(line)]
    cells = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        s, e = a + 1, b
        while s < e and line[s].isspace():
            s += 1
        while e > s and line[e - 1].isspace():
            e -= 1
        cells.append((s, e))
    # A leading/trailing pipe leaves an empty outer cell: drop those, keep inner empty cells.
    if cells and cells[0][0] == cells[0][1] and cuts[0] <= len(line) - len(line.lstrip()):
        cells = cells[1:]
    if cells and cells[-1][0] == cells[-1][1]:
        cells = cells[:-1]
    return cells


def _text_markup(text: str) -> Markup:
    chars = [" " if c in "\r\t\f\v\xa0" else c for c in text]
    title_meta: str | None = None
    published_meta: dt.date | None = None
    headings: list[tuple[int, int]] = []

    # YAML front matter of markdown files: read title/date, then hide it.
    fm = _FRONT_MATTER_RE.match(text)
    if fm:
        for line in fm.group(1).splitlines():
            key, _, value = line.partition(":")
            key, value = key.strip().lower(), value.strip().strip("\"'")
            if key == "title" and value:
                title_meta = value
            elif key in ("date", "published", "pubdate") and value:
                published_meta = parse_date(value)
        _blank(chars, 0, fm.end())

    # HTML left in plain text: comments, script/style blocks and tags from a closed list.
    for start, end in _comment_spans(text):
        _blank(chars, start, end)
    for start, end in _script_spans(text):
        _blank(chars, start, end)
    for start, end, name in _debris_tags(text):
        name = name.lower()
        if name in KNOWN_TAGS:
            _blank(chars, start, end)
            if name in BLOCK_TAGS and name not in ("html", "body", "head"):
                chars[start] = "\n"

    # Inline markdown: keep link text, drop images, URLs and emphasis markers.
    cur = "".join(chars)
    for start, end in _image_spans(cur):
        _blank(chars, start, end)
    cur = "".join(chars)
    for start, text_end, end in _link_spans(cur):
        chars[start] = " "
        _blank(chars, text_end, end)
    cur = "".join(chars)
    for m in _EMPH_RE.finditer(cur):
        _blank(chars, *m.span())
    cur = "".join(chars)
    for rx in (_STAR_RE, _UNDERSCORE_RE):
        for m in rx.finditer(cur):
            chars[m.start()] = " "
            chars[m.end() - 1] = " "
        cur = "".join(chars)

    # Line-level markdown: headings, rules, quotes, bullets.
    spans = _line_spans(cur)
    lines = [cur[s:e] for s, e in spans]
    numbered = [bool(_NUMBERED_RE.match(line)) for line in lines]

    def neighbour_numbered(i: int) -> bool:
        for j in (i - 1, i + 1):
            while 0 <= j < len(lines) and not lines[j].strip():
                j += -1 if j < i else 1
            if 0 <= j < len(lines) and numbered[j]:
                return True
        return False

    for i, ((s, e), line) in enumerate(zip(spans, lines, strict=True)):
        if not line.strip():
            continue
        m = _ATX_RE.match(line)
        if m:
            _blank(chars, s, s + m.end())
            close = _ATX_CLOSE_RE.search(line)
            if close and close.start() > m.end():
                _blank(chars, s + close.start(), e)
            headings.append((s, e))
            continue
        if _SETEXT_RE.match(line) and "|" not in line and i > 0 and lines[i - 1].strip() and "|" not in lines[i - 1]:
            _blank(chars, s, e)
            headings.append(spans[i - 1])
            continue
        if _HR_RE.match(line):
            _blank(chars, s, e)
            continue
        m = _QUOTE_RE.match(line)
        if m:
            _blank(chars, s, s + m.end())
            line = "".join(chars[s:e])
        m = _BULLET_RE.match(line)
        if m:
            _blank(chars, s, s + m.end())
            continue
        m = _NUMBERED_RE.match(line)
        # "5. Februar" opening a German line is a date, not a list item; the month look-ahead in
        # the pattern and the neighbour rule below keep it.
        if m and (m.group(2) == ")" or neighbour_numbered(i)):
            _blank(chars, s, s + m.end())

    # A dateline opening the first paragraph ("BERLIN, 5. Februar 2024 (dpa) – Die ...") dates
    # the article; it is not part of the first claim.
    cur = "".join(chars)
    prefix_date: dt.date | None = None
    for s, e in [span for span in _line_spans(cur) if cur[span[0] : span[1]].strip()][:5]:
        m = _DATELINE_PREFIX_RE.match(cur, s, e)
        if m:
            prefix_date = parse_date(m.group(0))
            if prefix_date:
                _blank(chars, s, m.end())
                break

    cur = "".join(chars)
    tables, separators = _find_pipe_tables(cur)
    for s, e in separators:
        _blank(chars, s, e)
    cur = "".join(chars)
    chars = _join_wrapped_lines(cur, tables)
    markup = Markup("text", "".join(chars), tuple(headings), tuple(tables))
    title, published, datelines = _read_header(markup)
    return Markup(
        "text", markup.mask, markup.headings, markup.tables,
        title_meta or title, published_meta or published or prefix_date, datelines,
    )


def _find_pipe_tables(mask: str) -> tuple[list[TableRow], list[tuple[int, int]]]:
    """Markdown tables: runs of pipe rows with a separator row (or at least two rows of equal width).

    Returns the rows and the spans of separator rows ("---|---"), which hold no text.
    """
    spans = _line_spans(mask)
    rows: list[TableRow] = []
    separators: list[tuple[int, int]] = []
    i = 0
    while i < len(spans):
        run = []
        while i < len(spans):
            s, e = spans[i]
            cells = _pipe_cells(mask[s:e])
            if len(cells) < 2:
                break
            run.append((s, e, cells))
            i += 1
        if not run:
            i += 1
            continue
        sep_index = next(
            (k for k, (s, e, cells) in enumerate(run)
             if all(_SEPARATOR_CELL_RE.match(mask[s + a : s + b]) for a, b in cells)),
            None,
        )
        if sep_index is None and (len(run) < 2 or len({len(c) for _, _, c in run}) != 1):
            continue
        for k, (s, e, cells) in enumerate(run):
            if k == sep_index:
                separators.append((s, e))
                continue
            header = sep_index is not None and k < sep_index
            abs_cells = tuple((s + a, s + b) for a, b in cells if a < b)
            if abs_cells:
                rows.append(TableRow(abs_cells[0][0], abs_cells[-1][1], header, abs_cells))
    return rows, separators


def _join_wrapped_lines(mask: str, tables: list[TableRow]) -> list[str]:
    """Turn newlines inside a hard-wrapped paragraph into spaces so sentences can span lines.

    Two cases: a line that stops mid-sentence and a next line starting in lower case (a
    continuation in any text), and documents wrapped at a fixed width, where a long line
    followed by another prose line continues the paragraph.
    """
    chars = list(mask)
    spans = _line_spans(mask)
    # Whether a position lies in a table row, by bisection over the rows (a set of every
    # position in a 1 MB table held a million numbers).
    rows = sorted((row.start, row.end) for row in tables)
    row_starts = [start for start, _ in rows]
    reach: list[int] = []  # reach[k]: the furthest end among rows[0..k]
    for _, end in rows:
        reach.append(max(end, reach[-1]) if reach else end)

    def in_table(pos: int) -> bool:
        k = bisect.bisect_right(row_starts, pos) - 1
        return k >= 0 and reach[k] > pos

    prose_lines = [bool(mask[s:e].strip()) and not in_table(s) and not in_table(e - 1) for s, e in spans]

    def prose(k: int) -> bool:
        return prose_lines[k]

    lengths = [len(mask[s:e].rstrip()) for k, (s, e) in enumerate(spans) if prose(k)]
    wrapped = False
    width = max(lengths, default=0)
    if len(lengths) >= 6 and width <= 100:
        long_lines = sum(1 for n in lengths if n >= 0.6 * width)
        open_lines = sum(
            1 for k, (s, e) in enumerate(spans) if prose(k) and not ends_sentence(mask[s:e])
        )
        wrapped = long_lines >= 0.5 * len(lengths) and open_lines >= 0.4 * len(lengths)
    for k in range(len(spans) - 1):
        if not (prose(k) and prose(k + 1)):
            continue
        s, e = spans[k]
        line, nxt = mask[s:e].rstrip(), mask[spans[k + 1][0] : spans[k + 1][1]].lstrip()
        if wrapped:
            join = len(line) >= 0.6 * width
        else:
            join = not ends_sentence(line) and nxt[:1].islower() and count_words(line) > 3
        if join:
            chars[e] = " "  # the newline between line k and k+1
    return chars


def _read_header(markup: Markup) -> tuple[str | None, dt.date | None, tuple[tuple[int, int], ...]]:
    """Title and publication date from the first lines: dateline, "Stand:" line, or short first line."""
    title: str | None = None
    published: dt.date | None = None
    datelines: list[tuple[int, int]] = []
    heading_starts = {s for s, _ in markup.headings}
    table_starts = {r.start for r in markup.tables}
    for s, e in markup.lines()[:6]:
        line = markup.clean(s, e)
        if not line or s in table_starts:
            break
        date = dateline_date(line)
        if date:
            datelines.append((s, e))
            published = published or date
            continue
        if title is None and (
            any(hs <= s < he for hs, he in markup.headings) or s in heading_starts
            or (not ends_sentence(line) and count_words(line) <= 20 and "|" not in line)
        ):
            title = line.lstrip("#").strip() or None
            continue
        if ends_sentence(line) and count_words(line) >= 4:
            break  # body text started
    return title, published, tuple(datelines)


def build_markup(text: str, kind: Kind) -> Markup:
    """Build the same-length mask of ``text`` and read headings, tables, title and date.

    Args:
        text: the decoded document text.
        kind: "html" (parsed with html.parser) or "text" (markdown-aware cleaning).

    Returns:
        A ``Markup`` whose ``mask`` has ``len(text)`` characters.

    Example:
        >>> m = build_markup("- < strong >Bold:< / strong > text.", "text")
        >>> len(m.mask) == len("- < strong >Bold:< / strong > text."), m.clean(0, len(m.mask))
        (True, 'Bold: text.')
    """
    markup = _html_markup(text) if kind == "html" else _text_markup(text)
    if len(markup.mask) != len(text):  # pragma: no cover - an invariant, checked loudly
        raise RuntimeError("mask length differs from text length")
    return markup
