"""A read-only presentation view of a :class:`~checker.records.Report`, shared by every renderer.

Renderers never recompute domain results; this module only *arranges* what the
pipeline decided, once, so that the terminal, JSON, Markdown and HTML reports
agree on finding ids, their order, topic groups, tallies and anchors.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

from ..records import Claim, Document, PairVerdict, Report, Verdict, finding_fingerprint

#: Finding kinds in report order: contradictions are what editors look for first.
KINDS: tuple[str, str] = ("contradiction", "agreement")

#: Shown where a finding has no topic, neither from the verdict nor from a cluster.
NO_TOPIC = "(no topic)"


@dataclass(frozen=True, slots=True)
class FindingView:
    """One reported finding with its claims and documents looked up.

    ``a``/``b`` (and their documents) are ``None`` only if the pipeline handed
    over a verdict whose claim ids are not in ``Report.claims``.
    """

    id: str  # "f001"
    kind: str  # "contradiction" | "agreement"
    verdict: PairVerdict
    topic: str  # "" when unknown
    a: Claim | None
    b: Claim | None
    a_doc: Document | None
    b_doc: Document | None
    fingerprint: str = ""  # content key, see records.finding_fingerprint
    accepted: bool = False  # in the baseline the run was checked against
    #: (start, end) offsets into ``a.text`` / ``b.text`` of the values that differ (contradictions only)
    a_marks: tuple[tuple[int, int], ...] = ()
    b_marks: tuple[tuple[int, int], ...] = ()

    @property
    def score(self) -> float:
        """The verdict's score, as the pipeline computed it."""
        return self.verdict.score

    @property
    def topic_label(self) -> str:
        """The topic, or ``NO_TOPIC`` for display."""
        return self.topic or NO_TOPIC

    @property
    def doc_ids(self) -> tuple[str, ...]:
        """Ids of the documents of both claims (for filters), without duplicates."""
        ids = [d.id for d in (self.a_doc, self.b_doc) if d is not None]
        return tuple(dict.fromkeys(ids))

    @property
    def languages(self) -> tuple[str, ...]:
        """Languages of both claims (for filters), without duplicates."""
        langs = [c.lang for c in (self.a, self.b) if c is not None]
        return tuple(dict.fromkeys(langs))

    @property
    def a_pieces(self) -> tuple[Piece, ...]:
        """Claim A's text cut into plain and highlighted pieces (see ``a_marks``)."""
        return split_marked(self.a.text, self.a_marks) if self.a is not None else ()

    @property
    def b_pieces(self) -> tuple[Piece, ...]:
        """Claim B's text cut into plain and highlighted pieces (see ``b_marks``)."""
        return split_marked(self.b.text, self.b_marks) if self.b is not None else ()


@dataclass(frozen=True, slots=True)
class Segment:
    """A slice of a document's text, either plain or one claim sentence."""

    text: str
    claim: Claim | None = None


@dataclass(frozen=True, slots=True)
class Piece:
    """A slice of a claim's text; ``marked`` slices hold a value the other claim does not share."""

    text: str
    marked: bool = False


@dataclass(frozen=True, slots=True)
class MatrixRow:
    """One claim of a topic, and the findings that pair it with each document of the topic."""

    claim: Claim
    #: document id -> findings between this claim and a claim of that document (every column present)
    links: dict[str, tuple[FindingView, ...]]


@dataclass(frozen=True, slots=True)
class TopicMatrix:
    """Which document says what about one topic: rows are claims, columns the topic's documents."""

    topic: str  # "" when unknown
    doc_ids: tuple[str, ...]
    rows: tuple[MatrixRow, ...]
    findings: tuple[FindingView, ...]  # the topic's findings, in report order; () for a cluster without any

    @property
    def topic_label(self) -> str:
        """The topic, or ``NO_TOPIC`` for display."""
        return self.topic or NO_TOPIC


@dataclass(frozen=True, slots=True)
class ReportView:
    """Everything renderers need, looked up and ordered once."""

    report: Report
    findings: tuple[FindingView, ...]
    topics: tuple[tuple[str, tuple[FindingView, ...]], ...]
    counts: dict[str, int]
    documents: dict[str, Document]
    claims: dict[str, Claim]
    claim_anchors: dict[str, str]
    doc_anchors: dict[str, str]
    #: claim id -> findings that cite it, in finding order
    cited_by: dict[str, tuple[FindingView, ...]] = field(default_factory=dict)
    #: per-topic source matrices: topics of findings in finding order, then clusters without findings
    matrix: tuple[TopicMatrix, ...] = ()

    def skipped_doc(self, where: str) -> str:
        """Id of the document a skipped item belongs to ("" if none of this report's).

        ``where`` is a document id, or an id plus a position ("doc:s3", "doc:120-180").

        Example:
            >>> view.skipped_doc("001_547fc93670db27fd:768-795")  # doctest: +SKIP
            '001_547fc93670db27fd'
        """
        doc_id = where
        while doc_id not in self.documents and ":" in doc_id:
            doc_id = doc_id.rsplit(":", 1)[0]
        return doc_id if doc_id in self.documents else ""

    def claim_anchor(self, claim_id: str) -> str:
        """HTML/Markdown anchor name of a claim sentence (``claim-<slug>``)."""
        return self.claim_anchors.get(claim_id) or "claim-" + _slug(claim_id)

    def doc_anchor(self, doc_id: str) -> str:
        """Anchor name of a document's "in context" section (``doc-<slug>``)."""
        return self.doc_anchors.get(doc_id) or "doc-" + _slug(doc_id)

    def doc_claims(self, doc_id: str) -> tuple[Claim, ...]:
        """Claims of one document, in text order."""
        return tuple(
            sorted(
                (c for c in self.report.claims if c.doc_id == doc_id),
                key=lambda c: (c.start, c.end, c.index, c.id),
            )
        )

    def segments(self, doc: Document) -> tuple[Segment, ...]:
        """Split ``doc.text`` into plain and claim segments, using the claims' offsets.

        Offsets are clamped to the text; a claim overlapping an earlier one is
        left unmarked rather than garbling the text.

        Args:
            doc: A document of this report.

        Returns:
            Segments whose texts, joined, give ``doc.text`` back.

        Example:
            >>> "".join(s.text for s in view.segments(doc)) == doc.text  # doctest: +SKIP
            True
        """
        text = doc.text
        out: list[Segment] = []
        pos = 0
        for claim in self.doc_claims(doc.id):
            start = max(0, min(claim.start, len(text)))
            end = max(start, min(claim.end, len(text)))
            if start < pos or end == start:
                continue
            if start > pos:
                out.append(Segment(text[pos:start]))
            out.append(Segment(text[start:end], claim))
            pos = end
        if pos < len(text):
            out.append(Segment(text[pos:]))
        return tuple(out)

    def context(self, claim: Claim) -> tuple[str, str, str]:
        """The sentence before, the claim's own text, and the sentence after, from the document.

        Args:
            claim: A claim of this report.

        Returns:
            ``(before, sentence, after)``; ``before``/``after`` are "" at the
            edges of the document, or when the document is missing.

        Example:
            >>> view.context(claim)  # doctest: +SKIP
            ('Previous sentence. ', 'The claim.', ' Next sentence.')
        """
        doc = self.documents.get(claim.doc_id)
        if doc is None:
            return "", claim.text, ""
        siblings = self.doc_claims(doc.id)
        i = next((k for k, c in enumerate(siblings) if c.id == claim.id), None)
        text = doc.text
        start, end = max(0, claim.start), min(len(text), claim.end)
        before = after = ""
        if i is not None and i > 0:
            lo = max(0, min(siblings[i - 1].start, start))
            before = text[lo:start]
        if i is not None and i + 1 < len(siblings):
            hi = min(len(text), max(siblings[i + 1].end, end))
            after = text[end:hi]
        return before, text[start:end] or claim.text, after


def build_view(report: Report) -> ReportView:
    """Arrange a report for rendering: number and order findings, group them by topic, tally verdicts.

    Findings are ``report.findings()``, ordered contradictions first, then by
    score descending, then by claim ids, and numbered ``f001``, ``f002``, ...
    so that ids stay the same between runs.

    Args:
        report: The pipeline's result.

    Returns:
        A :class:`ReportView`.

    Example:
        >>> [f.id for f in build_view(report).findings]  # doctest: +SKIP
        ['f001', 'f002', 'f003']
    """
    documents = {d.id: d for d in report.documents}
    claims = {c.id: c for c in report.claims}
    cluster_topics = _cluster_topics(report)

    ordered = sorted(report.findings(), key=_finding_key)
    width = max(3, len(str(len(ordered))))
    findings: list[FindingView] = []
    for n, v in enumerate(ordered, start=1):
        a, b = claims.get(v.a), claims.get(v.b)
        topic = v.topic or cluster_topics.get((v.a, v.b), "")
        # A claim missing from the report still gets a fingerprint, from its id.
        fingerprint = finding_fingerprint(v.label.value, a.text if a else v.a, b.text if b else v.b)
        # Agreeing claims share their values by definition; marks would only show extra detail.
        a_marks, b_marks = differing_values(a, b, v) if v.label is Verdict.CONTRADICTS else ((), ())
        findings.append(
            FindingView(
                id=f"f{n:0{width}d}",
                kind=v.label.value,
                verdict=v,
                topic=topic,
                a=a,
                b=b,
                a_doc=documents.get(a.doc_id) if a else None,
                b_doc=documents.get(b.doc_id) if b else None,
                fingerprint=fingerprint,
                accepted=report.baseline is not None and fingerprint in report.baseline.matched,
                a_marks=a_marks,
                b_marks=b_marks,
            )
        )

    groups: dict[str, list[FindingView]] = {}
    for f in findings:
        groups.setdefault(f.topic, []).append(f)

    cited: dict[str, list[FindingView]] = {}
    for f in findings:
        for cid in dict.fromkeys((f.verdict.a, f.verdict.b)):
            cited.setdefault(cid, []).append(f)

    return ReportView(
        report=report,
        findings=tuple(findings),
        topics=tuple((t, tuple(fs)) for t, fs in groups.items()),
        counts=_counts(report, findings),
        documents=documents,
        claims=claims,
        claim_anchors=_anchors("claim-", [c.id for c in report.claims]),
        doc_anchors=_anchors("doc-", [d.id for d in report.documents]),
        cited_by={k: tuple(v) for k, v in cited.items()},
        matrix=_source_matrix(report, findings, claims),
    )


def _source_matrix(report: Report, findings: list[FindingView], claims: dict[str, Claim]) -> tuple[TopicMatrix, ...]:
    """Per topic, its claims (those its findings cite, plus its clusters' members) by document.

    A cluster joins the topic of the first finding that pairs two of its claims, so
    that a finding named otherwise than its cluster does not show the claims twice.
    """
    members: dict[str, list[str]] = {}
    by_topic: dict[str, list[FindingView]] = {}
    for f in findings:
        by_topic.setdefault(f.topic, []).append(f)
        members.setdefault(f.topic, []).extend((f.verdict.a, f.verdict.b))
    clusters_of: dict[str, set[int]] = {}
    for n, c in enumerate(report.clusters):
        for cid in c.claim_ids:
            clusters_of.setdefault(cid, set()).add(n)
    host: dict[int, str] = {}
    for f in findings:
        for n in clusters_of.get(f.verdict.a, set()) & clusters_of.get(f.verdict.b, set()):
            host.setdefault(n, f.topic)
    for n, c in enumerate(report.clusters):
        members.setdefault(host.get(n, c.topic), []).extend(c.claim_ids)
    doc_order = {d.id: i for i, d in enumerate(report.documents)}
    out: list[TopicMatrix] = []
    for topic, ids in members.items():
        rows = sorted(
            (claims[i] for i in dict.fromkeys(ids) if i in claims),
            key=lambda c: (doc_order.get(c.doc_id, len(doc_order)), c.doc_id, c.index, c.id),
        )
        doc_ids = tuple(dict.fromkeys(c.doc_id for c in rows))
        topic_findings = tuple(by_topic.get(topic, ()))
        matrix_rows = []
        for claim in rows:
            links: dict[str, list[FindingView]] = {d: [] for d in doc_ids}
            for f in topic_findings:
                other = f.b if f.verdict.a == claim.id else f.a if f.verdict.b == claim.id else None
                if other is not None and other.doc_id in links:
                    links[other.doc_id].append(f)
            matrix_rows.append(MatrixRow(claim=claim, links={d: tuple(fs) for d, fs in links.items()}))
        if matrix_rows:
            out.append(TopicMatrix(topic=topic, doc_ids=doc_ids, rows=tuple(matrix_rows), findings=topic_findings))
    return tuple(out)


def _finding_key(v: PairVerdict) -> tuple:
    kind_rank = 0 if v.label is Verdict.CONTRADICTS else 1
    score = v.score if math.isfinite(v.score) else 0.0
    return (kind_rank, -score, v.a, v.b)


def _cluster_topics(report: Report) -> dict[tuple[str, str], str]:
    """Topic of the first cluster holding both claims of each verdict (a lookup, not a clustering)."""
    out: dict[tuple[str, str], str] = {}
    for v in report.verdicts:
        for c in report.clusters:
            if v.a in c.claim_ids and v.b in c.claim_ids:
                out[(v.a, v.b)] = c.topic
                break
    return out


def _counts(report: Report, findings: list[FindingView]) -> dict[str, int]:
    labels = [v.label for v in report.verdicts]
    return {
        "documents": len(report.documents),
        "claims": len(report.claims),
        "clusters": len(report.clusters),
        "pairs_scored": len(report.verdicts),
        "contradictions": sum(f.kind == "contradiction" for f in findings),
        "agreements": sum(f.kind == "agreement" for f in findings),
        "below_min_score": sum(
            v.label in (Verdict.CONTRADICTS, Verdict.AGREES) and not v.score >= report.min_score
            for v in report.verdicts
        ),
        "unrelated": labels.count(Verdict.UNRELATED),
        "unscored": labels.count(Verdict.UNSCORED),
        "skipped": len(report.skipped),
        "warnings": len(report.warnings),
    }


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "x"


def _anchors(prefix: str, ids: list[str]) -> dict[str, str]:
    """Unique, URL- and CSS-safe anchor names, deterministic in the order given."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for i in ids:
        if i in out:
            continue
        base = prefix + _slug(i)
        name, n = base, 2
        while name in used:
            name, n = f"{base}-{n}", n + 1
        used.add(name)
        out[i] = name
    return out


# -- the values that differ between the two claims of a contradiction (presentation only) --
#
# Structured evidence names its values in words ("... : 310 Menschen (000, 2024) vs 350 people
# (001)"), not as offsets, so the marks are found again in the claim texts: each side's value
# where it occurs literally in its own claim, plus numbers, months and weekdays that one claim
# has and the other lacks. Nothing here decides anything; a missing mark only means plain text.

# A number not glued to letters or to other digits: "9,80", "1.500", "2016" (not "G20", "v1.2").
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w]|[.,]\d)")
_MONTHS = {
    "Januar": 1, "Jänner": 1, "January": 1, "Februar": 2, "February": 2, "März": 3, "March": 3,
    "April": 4, "Mai": 5, "May": 5, "Juni": 6, "June": 6, "Juli": 7, "July": 7, "August": 8,
    "September": 9, "Sept": 9, "Oktober": 10, "October": 10, "November": 11, "Dezember": 12, "December": 12,
}
_WEEKDAYS = {
    "Montag": 1, "Monday": 1, "Dienstag": 2, "Tuesday": 2, "Mittwoch": 3, "Wednesday": 3,
    "Donnerstag": 4, "Thursday": 4, "Freitag": 5, "Friday": 5, "Samstag": 6, "Sonnabend": 6,
    "Saturday": 6, "Sonntag": 7, "Sunday": 7,
}
# Capitalised only: English "may" is mostly a verb. German compounds ("Sonntagabend") count as the day.
_CALENDAR = re.compile(
    r"\b(" + "|".join(sorted({**_MONTHS, **_WEEKDAYS}, key=len, reverse=True)) + r")"
    r"(?:abend|morgen|vormittag|nachmittag|mittag|nacht)?\b"
)


def differing_values(a: Claim | None, b: Claim | None, verdict: PairVerdict) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """Spans of the values that differ between two claims, in each claim's text.

    Args:
        a: Claim A (``None`` if missing from the report: no marks).
        b: Claim B.
        verdict: Their verdict; its conflict evidence names the values the checks compared.

    Returns:
        ``(a_spans, b_spans)``: sorted, non-overlapping ``(start, end)`` offsets
        into ``a.text`` and ``b.text``.

    Example:
        >>> differing_values(claim("310 Tote am 14. September"), claim("350 dead on 21 September"), v)  # doctest: +SKIP
        (((0, 3), (12, 14)), ((0, 3), (12, 14)))
    """
    if a is None or b is None:
        return (), ()
    spans_a: list[tuple[int, int]] = []
    spans_b: list[tuple[int, int]] = []
    for evidence in verdict.findings:
        if evidence.kind != "conflict":
            continue
        for side, value in _conflict_values(evidence.reason, a.doc_id, b.doc_id):
            own, other, spans = (a, b, spans_a) if side == "a" else (b, a, spans_b)
            if not _find_literal(value, other.text):
                spans += _find_literal(value, own.text)
    tokens_a, tokens_b = _value_tokens(a.text, a.lang), _value_tokens(b.text, b.lang)
    keys_a, keys_b = {k for _, _, k in tokens_a}, {k for _, _, k in tokens_b}
    spans_a += [(s, e) for s, e, k in tokens_a if k not in keys_b]
    spans_b += [(s, e) for s, e, k in tokens_b if k not in keys_a]
    return _merge_spans(spans_a), _merge_spans(spans_b)


def split_marked(text: str, spans: tuple[tuple[int, int], ...]) -> tuple[Piece, ...]:
    """Cut ``text`` into plain and marked pieces; joined, they give ``text`` back.

    Example:
        >>> [(p.text, p.marked) for p in split_marked("310 dead", ((0, 3),))]
        [('310', True), (' dead', False)]
    """
    out: list[Piece] = []
    pos = 0
    for start, end in spans:
        start, end = max(pos, min(start, len(text))), max(pos, min(end, len(text)))
        if end <= start:
            continue
        if start > pos:
            out.append(Piece(text[pos:start]))
        out.append(Piece(text[start:end], marked=True))
        pos = end
    if pos < len(text) or not out:
        out.append(Piece(text[pos:]))
    return tuple(out)


def _conflict_values(reason: str, a_doc: str, b_doc: str) -> list[tuple[str, str]]:
    """("a"|"b", value) from a reason shaped "what: VALUE (doc, when) vs VALUE (doc, when)"."""
    sides = _split_outside_parens(reason, " vs ")
    if len(sides) != 2:
        return []
    out = []
    for default, text in zip("ab", sides):
        value, where = _trailing_parens(text.strip())
        if default == "a":
            value = value.rsplit(": ", 1)[-1]  # drop "embargo on arms: "
        side = default
        first = where.split(",", 1)[0].strip()
        if first and first != (a_doc if default == "a" else b_doc) and first in (a_doc, b_doc):
            side = "a" if first == a_doc else "b"  # the checks saw the pair the other way round
        out.append((side, value.strip()))
    if out[0][1].casefold() == out[1][1].casefold():
        return []  # the same value: what differs is in the parentheses (time, source)
    return [(side, value) for side, value in out if len(value) >= 2]


def _split_outside_parens(text: str, sep: str) -> list[str]:
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            start = i = i + len(sep)
            continue
        i += 1
    parts.append(text[start:])
    return parts


def _trailing_parens(text: str) -> tuple[str, str]:
    """Split "value (a, b (c))" into ("value", "a, b (c)"); text without a final group stays whole."""
    if not text.endswith(")"):
        return text, ""
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] == ")":
            depth += 1
        elif text[i] == "(":
            depth -= 1
            if depth == 0:
                return text[:i].rstrip(), text[i + 1 : -1]
    return text, ""


def _find_literal(value: str, text: str) -> list[tuple[int, int]]:
    pattern = r"(?<!\w)" + re.escape(value) + r"(?!\w)"
    return [m.span() for m in re.finditer(pattern, text, re.IGNORECASE)]


def _value_tokens(text: str, lang: str) -> list[tuple[int, int, str]]:
    """Numbers, months and weekdays in ``text`` with a language-free key ("n:9.8", "month:9")."""
    out = [(m.start(), m.end(), "n:" + _number_key(m.group(), lang)) for m in _NUMBER.finditer(text)]
    for m in _CALENDAR.finditer(text):
        word = m.group(1)
        key = f"month:{_MONTHS[word]}" if word in _MONTHS else f"weekday:{_WEEKDAYS[word]}"
        out.append((m.start(), m.end(), key))
    return out


def _number_key(raw: str, lang: str) -> str:
    """"9,80" (de) and "9.8" (en) -> "9.8"; "1.500" (de) and "1,500" (en) -> "1500"."""
    seps = [ch for ch in raw if ch in ".,"]
    if not seps:
        digits = raw
    else:
        thousands = "." if lang == "de" else ","
        if len(set(seps)) == 2:
            decimal = raw[max(raw.rfind("."), raw.rfind(","))]
        elif len(seps) > 1 or (seps[0] == thousands and all(len(g) == 3 for g in raw.split(thousands)[1:])):
            decimal = ""
        else:
            decimal = seps[0]
        whole, _, frac = raw.rpartition(decimal) if decimal else (raw, "", "")
        digits = re.sub(r"[.,]", "", whole) + ("." + frac.rstrip("0") if frac.rstrip("0") else "")
    whole, dot, frac = digits.partition(".")
    return (whole.lstrip("0") or "0") + (dot + frac if frac else "")


def _merge_spans(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return tuple(out)


# -- small formatting helpers shared by the renderers (presentation only) --


def fmt_score(score: float | None) -> str:
    """Format a score with two decimals ("0.91"), or "–" when missing.

    Example:
        >>> fmt_score(0.9123)
        '0.91'
    """
    if score is None or not math.isfinite(score):
        return "–"
    return f"{score:.2f}"


def fmt_date(value: dt.date | None) -> str | None:
    """ISO date ("2024-06-03") of a date or datetime, or ``None``.

    Example:
        >>> fmt_date(dt.date(2024, 6, 3))
        '2024-06-03'
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat()


def fmt_position(claim: Claim | None) -> str:
    """Human position of a claim: "sentence 4, chars 120–180".

    Every human-readable output (terminal, text, Markdown, warnings) counts a
    document's sentences from 1 this way; only the JSON claim ids ("doc:s3") and
    ``index`` count from 0.

    Example:
        >>> fmt_position(claim)  # index=3, start=120, end=180  # doctest: +SKIP
        'sentence 4, chars 120–180'
    """
    if claim is None:
        return "not in report"
    return f"sentence {claim.index + 1}, chars {claim.start}–{claim.end}"


def one_line(text: str) -> str:
    """Collapse all whitespace runs to single spaces (for table cells and quotes).

    Example:
        >>> one_line("a\\n  b")
        'a b'
    """
    return " ".join(text.split())
