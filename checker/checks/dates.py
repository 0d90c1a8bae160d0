"""Time expressions in German and English, as date intervals with their granularity.

Handles years ("in 2016"), months ("Sept 2023", "September 2023"), full dates ("5. Februar",
"February 5, 2024", "12.03.2024"), decades ("the late 1980s", "1990er Jahre"), ranges
("2014–2016", "zwischen 2014 und 2016", "April 14–16"), open ranges ("seit 2013", "until
2020"), relative expressions ("a decade ago", "in den letzten vier Jahren", "last year")
resolved against the publication date, and terms of office ("the Biden administration").
The spans are found with the lexicon; dateparser reads the calendar dates.
"""
from __future__ import annotations

import calendar
import datetime as dt
import functools
import logging
import re
from typing import Sequence

from .lexicon import Lexicon, default_lexicon
from .quantities import _NumberReader
from .slots import TimeRef
from .tokens import Sentence, Token, analyse

log = logging.getLogger(__name__)

#: Years outside this range are read as plain numbers ("3000 tons").
YEAR_MIN, YEAR_MAX = 1800, 2100
# "a decade ago" is approximate: widen the year by this much on each side.
_APPROX_YEARS = {"decade": 1, "century": 5}


@functools.lru_cache(maxsize=4)
def _parser(lang: str):
    from dateparser.date import DateDataParser

    # Day-month order follows the language; missing days fall on the 1st, so "Sept 2023"
    # is the month and its granularity comes from dateparser's "period".
    order = "DMY" if lang == "de" else "MDY"
    return DateDataParser(
        languages=[lang, "en" if lang == "de" else "de"],
        settings={"PREFER_DAY_OF_MONTH": "first", "DATE_ORDER": order, "STRICT_PARSING": False},
    )


def _parse(text: str, lang: str) -> tuple[dt.date, str] | None:
    try:
        data = _parser(lang).get_date_data(text)
    except Exception as err:  # dateparser raises assorted errors on odd input
        log.debug("dateparser failed on %r: %s", text, err)
        return None
    if data.date_obj is None:
        return None
    return data.date_obj.date(), data.period or "day"


def _year_ref(year: int, text: str, span: tuple[int, int]) -> TimeRef:
    return TimeRef(text, dt.date(year, 1, 1), dt.date(year, 12, 31), "year", "point", True, (year, None, None), str(year), span=span)


def _month_ref(year: int | None, month: int, day: int | None, text: str, span: tuple[int, int], published: dt.date | None) -> TimeRef:
    resolved = year is not None
    if year is None and published is not None:
        # A date without year in a dated article: the latest such date not after publication.
        year = published.year
        probe = dt.date(year, month, min(day or 1, calendar.monthrange(year, month)[1]))
        if probe > published:
            year -= 1
        resolved = True
    if year is None:
        label = f"{day:02d}.{month:02d}. (year unknown)" if day else f"{calendar.month_name[month]} (year unknown)"
        return TimeRef(text, None, None, "day" if day else "month", "point", False, (None, month, day), label, span=span)
    last = calendar.monthrange(year, month)[1]
    if day:
        day = min(day, last)
        date = dt.date(year, month, day)
        return TimeRef(text, date, date, "day", "point", resolved, (year, month, day), date.isoformat(), span=span)
    return TimeRef(
        text, dt.date(year, month, 1), dt.date(year, month, last), "month", "point", resolved, (year, month, None),
        f"{year}-{month:02d}", span=span,
    )


def _int(tok: Token) -> int | None:
    return int(tok.text) if tok.kind == "num" and tok.text.isdecimal() else None  # not "¹": isdigit() but no int


def _shift(date: dt.date, years: int = 0, months: int = 0, days: int = 0) -> dt.date:
    total = date.year * 12 + date.month - 1 - years * 12 - months
    year, month = divmod(total, 12)
    month += 1
    day = min(date.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day) - dt.timedelta(days=days)


class _Finder:
    def __init__(self, sent: Sentence, lexicon: Lexicon, published: dt.date | None) -> None:
        self.sent = sent
        self.toks = sent.tokens
        self.lexicon = lexicon
        self.published = published
        self.used: set[int] = set()
        self.refs: list[TimeRef] = []
        self.words = {key: set(lexicon.words("time_words", key)) for key in lexicon.table("time_words")}

    def norm(self, i: int) -> str:
        return self.toks[i].norm if 0 <= i < len(self.toks) else ""

    def add(self, ref: TimeRef) -> None:
        if any(k in self.used for k in range(*ref.span)):
            return
        self.used.update(range(*ref.span))
        self.refs.append(ref)

    # -- calendar dates -------------------------------------------------------------------
    def eras(self) -> None:
        eras = self.lexicon.table("eras")
        for m in self.lexicon.find("eras", self.toks):
            record = eras[m.key]
            terms = record["terms"]
            term = terms[0] if len(terms) == 1 else None
            if term is None and self.published is not None:
                started = [t for t in terms if t["start"] <= self.published]
                term = started[-1] if started else None
            text = self.sent.quote(m.start, m.end)
            if term is None:
                self.add(TimeRef(text, None, None, "era", "era", False, label=f"{text} (term unknown)", actor=record.get("actor"), span=(m.start, m.end)))
                continue
            start, end = term["start"], term.get("end")
            end_incl = end - dt.timedelta(days=1) if end else None
            label = f"{text} ({start:%Y-%m}–{end:%Y-%m})" if end else f"{text} (since {start:%Y-%m})"
            self.add(TimeRef(text, start, end_incl, "era", "era", True, label=label, actor=record.get("actor"), span=(m.start, m.end)))

    def months(self) -> None:
        toks = self.toks
        for m in self.lexicon.find("months", toks):
            month = int(m.key)
            start, end = m.start, m.end
            day: int | None = None
            day_end: int | None = None
            # "5. Februar" / "5th May" / "the 5th of May"
            if start >= 2 and toks[start - 1].text == "." and (d := _int(toks[start - 2])) and 1 <= d <= 31:
                day, start = d, start - 2
            elif start >= 1 and re.fullmatch(r"\d{1,2}(st|nd|rd|th)", toks[start - 1].text):
                day, start = int(re.match(r"\d+", toks[start - 1].text).group()), start - 1
            elif start >= 2 and self.norm(start - 1) == "of" and re.fullmatch(r"\d{1,2}(st|nd|rd|th)", toks[start - 2].text):
                day, start = int(re.match(r"\d+", toks[start - 2].text).group()), start - 2
            # "3 June" (British day-month order, no suffix)
            elif start >= 1 and re.fullmatch(r"\d{1,2}", toks[start - 1].text) and 1 <= int(toks[start - 1].text) <= 31:
                day, start = int(toks[start - 1].text), start - 1
            # "February 5", "Feb. 5th", "April 14–16"
            if day is None and end < len(toks):
                mday = re.fullmatch(r"(\d{1,2})(st|nd|rd|th)?", toks[end].text)
                if mday and 1 <= int(mday.group(1)) <= 31:
                    day, end = int(mday.group(1)), end + 1
                    if end + 1 < len(toks) and toks[end].text in "-–" and (d2 := _int(toks[end + 1])) and day < d2 <= 31:
                        day_end, end = d2, end + 2
            year: int | None = None
            k = end + 1 if end < len(toks) and toks[end].text in (",", ".") else end
            if k < len(toks) and (y := _int(toks[k])) and YEAR_MIN <= y <= YEAR_MAX and len(toks[k].text) == 4:
                year, end = y, k + 1
            text = self.sent.quote(start, end)
            parsed = _parse(text, self.sent.lang) if year is not None else None
            if parsed is not None and parsed[0].month == month:
                year = parsed[0].year
                if parsed[1] != "day":
                    day = None if day is None else day
            ref = _month_ref(year, month, day, text, (start, end), self.published)
            if day_end and ref.resolved and ref.start:
                last = ref.start.replace(day=min(day_end, calendar.monthrange(ref.start.year, month)[1]))
                ref = TimeRef(text, ref.start, last, "range", "range", True, ref.parts, f"{ref.start.isoformat()}–{last.isoformat()}", span=ref.span)
            self.add(ref)

    def numeric_dates(self) -> None:
        toks = self.toks
        for i, tok in enumerate(toks):
            text = None
            end = i + 1
            if tok.kind == "num" and re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", tok.text):
                text = tok.text
            elif (
                i + 4 < len(toks) and tok.kind == "num" and toks[i + 1].text in "/-" and toks[i + 3].text == toks[i + 1].text
                and all(toks[k].kind == "num" and toks[k].text.isdecimal() for k in (i, i + 2, i + 4))
                and (len(toks[i].text) == 4 or len(toks[i + 4].text) == 4)
            ):
                text, end = self.sent.quote(i, i + 5), i + 5
            if text is None:
                continue
            parsed = _parse(text, self.sent.lang)
            if parsed is None:
                continue
            date = parsed[0]
            self.add(TimeRef(text, date, date, "day", "point", True, (date.year, date.month, date.day), date.isoformat(), span=(i, end)))

    def decades(self) -> None:
        toks = self.toks
        qualifiers = {w: key for key in ("early", "mid", "late") for w in self.words.get(key, ())}
        for i, tok in enumerate(toks):
            m = re.fullmatch(r"(\d{3}0)(s|er)", tok.text)
            if not m or i in self.used:
                continue
            base = int(m.group(1))
            start, end = i, i + 1
            lo, hi = base, base + 9
            q = self.norm(i - 1) if self.norm(i - 1) not in ("the", "der", "den") else self.norm(i - 2)
            if self.norm(i - 1) in ("der", "den") and qualifiers.get(self.norm(i - 2)):
                q = self.norm(i - 2)
            if q in qualifiers:
                part = qualifiers[q]
                lo, hi = {"early": (base, base + 3), "mid": (base + 3, base + 6), "late": (base + 6, base + 9)}[part]
                start = max(0, i - (2 if self.norm(i - 1) in ("the", "der", "den") else 1))
            if end < len(toks) and toks[end].norm in ("jahre", "jahren", "jahrzehnt"):
                end += 1
            text = self.sent.quote(start, end)
            self.add(TimeRef(text, dt.date(lo, 1, 1), dt.date(hi, 12, 31), "decade", "range", True, (None, None, None), f"{lo}–{hi}", span=(start, end)))

    def years(self) -> None:
        toks = self.toks
        units = {k for m in self.lexicon.find("units", toks) for k in range(m.start, m.end)}
        nouns = {m.start for m in self.lexicon.find("nouns", toks)}
        for i, tok in enumerate(toks):
            y = _int(tok)
            if y is None or len(tok.text) != 4 or not (YEAR_MIN <= y <= YEAR_MAX) or i in self.used:
                continue
            if (i - 1) in units or (i + 1) in units or (i + 1) in nouns:
                continue  # "$2000", "2000 soldiers"
            self.add(_year_ref(y, tok.text, (i, i + 1)))

    # -- relative expressions -------------------------------------------------------------
    def relative(self) -> None:
        toks = self.toks
        reader = _NumberReader(self.sent, self.lexicon)
        units = self.lexicon.table("time_units")
        for m in self.lexicon.find("time_units", toks):
            if m.start in self.used:
                continue
            record = units[m.key]
            n: float | None = None
            k = m.start - 1
            if k >= 0 and self.norm(k) in self.words.get("one", ()):
                n, k = 1.0, k - 1
            else:
                # the number word or digits just before the unit
                for j in range(max(0, k - 1), k + 1):
                    read = reader.read(j)
                    if read and read[1] == m.start and read[2] == "cardinal":
                        n, k = read[0], j - 1
                        break
            after = self.norm(m.end)
            before = self.norm(k)
            start = k + 1
            end = m.end
            mode = None
            if n is not None and after in self.words.get("ago_after", ()):
                mode, end = "ago", m.end + 1
            elif n is not None and before in self.words.get("ago_before", ()):
                mode, start = "ago", k
            elif before in self.words.get("last", ()):
                mode, start = ("last_n" if n is not None else "last"), k
            elif before in self.words.get("this", ()):
                mode, start = "this", k
            elif before in self.words.get("next", ()):
                mode, start = "next", k
            if mode is None:
                continue
            # "in den letzten vier Jahren", "over the past decade": keep the preposition and article in the quote
            while start > 0 and self.norm(start - 1) in ("in", "den", "the", "over", "im", "during", "within", "innerhalb", "der"):
                start -= 1
            text = self.sent.quote(start, end)
            self.add(self._resolve(text, mode, n or 1.0, m.key, record, (start, end)))

    def _resolve(self, text: str, mode: str, n: float, unit: str, record: dict, span: tuple[int, int]) -> TimeRef:
        pub = self.published
        if pub is None:
            return TimeRef(text, None, None, "unknown", "relative", False, label=f"{text} (no publication date)", span=span)
        years = int(record.get("years", 0) * n)
        months = int(record.get("months", 0) * n)
        days = int(record.get("days", 0) * n)
        yearly = bool(record.get("years"))
        if mode == "ago":
            point = _shift(pub, years, months, days)
            if yearly:
                slack = _APPROX_YEARS.get(unit, 0)
                lo, hi = point.year - slack, point.year + slack
                label = f"{lo}–{hi}" if slack else str(point.year)
                return TimeRef(text, dt.date(lo, 1, 1), dt.date(hi, 12, 31), "year", "relative", True, (point.year, None, None), f"{text} ≈ {label}", span=span)
            return TimeRef(text, point, point, "day", "relative", True, (point.year, point.month, point.day), f"{text} ≈ {point.isoformat()}", span=span)
        if mode == "last_n":
            lo = _shift(pub, years, months, days)
            return TimeRef(text, lo, pub, "range", "relative", True, label=f"{text} ({lo.isoformat()}–{pub.isoformat()})", span=span)
        offset = {"last": -1, "this": 0, "next": 1}[mode]
        if yearly:
            year = pub.year + offset * max(1, int(record.get("years", 1)))
            return TimeRef(text, dt.date(year, 1, 1), dt.date(year, 12, 31), "year", "relative", True, (year, None, None), f"{text} = {year}", span=span)
        if record.get("months"):
            total = pub.year * 12 + pub.month - 1 + offset
            year, month = divmod(total, 12)
            ref = _month_ref(year, month + 1, None, text, span, None)
            return TimeRef(text, ref.start, ref.end, "month", "relative", True, ref.parts, f"{text} = {ref.label}", span=span)
        delta = dt.timedelta(days=int(record.get("days", 1)))
        lo = pub + offset * delta
        return TimeRef(text, lo, lo + delta - dt.timedelta(days=1), "day", "relative", True, label=f"{text} ≈ {lo.isoformat()}", span=span)

    # -- combining ------------------------------------------------------------------------
    def combine(self) -> list[TimeRef]:
        refs = sorted(self.refs, key=lambda r: r.span)
        out: list[TimeRef] = []
        i = 0
        joiners = self.words.get("range_joiners", set())
        while i < len(refs):
            ref = refs[i]
            nxt = refs[i + 1] if i + 1 < len(refs) else None
            if nxt is not None and nxt.span[0] == ref.span[1] + 1 and ref.resolved and nxt.resolved and ref.kind == "point" == nxt.kind:
                joiner = self.norm(ref.span[1])
                opener = self.norm(ref.span[0] - 1)
                ok = joiner in joiners and (
                    joiner not in ("and", "und") or opener in self.words.get("between", ())
                )
                if ok and ref.start and nxt.end and ref.start <= nxt.end:
                    start = ref.span[0] - (1 if opener in self.words.get("between", ()) | self.words.get("from", ()) else 0)
                    text = self.sent.quote(start, nxt.span[1])
                    out.append(TimeRef(text, ref.start, nxt.end, "range", "range", True, label=f"{ref.describe()}–{nxt.describe()}", span=(start, nxt.span[1])))
                    i += 2
                    continue
            opener = self.norm(ref.span[0] - 1)
            if ref.resolved and ref.kind == "point" and opener in self.words.get("since", ()):
                text = self.sent.quote(ref.span[0] - 1, ref.span[1])
                ref = TimeRef(text, ref.start, None, ref.granularity, "since", True, ref.parts, f"since {ref.describe()}", span=(ref.span[0] - 1, ref.span[1]))
            elif ref.resolved and ref.kind == "point" and opener in self.words.get("until", ()):
                text = self.sent.quote(ref.span[0] - 1, ref.span[1])
                ref = TimeRef(text, None, ref.end, ref.granularity, "until", True, ref.parts, f"until {ref.describe()}", span=(ref.span[0] - 1, ref.span[1]))
            out.append(ref)
            i += 1
        return out


def find_times(sent: Sentence, lexicon: Lexicon, published: dt.date | None = None) -> list[TimeRef]:
    """Time expressions in an analysed sentence.

    Args:
        sent: the analysed sentence.
        lexicon: vocabulary.
        published: the document's publication date, for relative expressions.
    Returns:
        Time references in text order.
    """
    finder = _Finder(sent, lexicon, published)
    finder.eras()
    finder.numeric_dates()
    finder.months()
    finder.decades()
    finder.relative()
    finder.years()
    return finder.combine()


def extract_times(text: str, lang: str = "en", published: dt.date | None = None, lexicon: Lexicon | None = None) -> tuple[TimeRef, ...]:
    """Time expressions in one sentence.

    Args:
        text: one sentence.
        lang: "de" or "en" (decides day-month order of numeric dates).
        published: publication date of the document, to resolve "a decade ago" or
            "5. Februar" without year; None leaves them unresolved.
        lexicon: vocabulary; the built-in one when None.
    Returns:
        Time references in text order.

    Example:
        >>> [t.describe() for t in extract_times("Im September 2023, seit 2013.", "de")]
        ['2023-09', 'since 2013']
    """
    lexicon = lexicon or default_lexicon()
    return tuple(find_times(analyse(text, lang, lexicon), lexicon, published))


def token_indices(refs: Sequence[TimeRef]) -> set[int]:
    """Token indices covered by time references (so numbers there are not counts)."""
    return {k for r in refs for k in range(*r.span)}
