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

from ..records import Claim, Document, PairVerdict, Report, Verdict

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


@dataclass(frozen=True, slots=True)
class Segment:
    """A slice of a document's text, either plain or one claim sentence."""

    text: str
    claim: Claim | None = None


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
    )


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
    """Human position of a claim: "sentence 4, chars 120–180" (sentences counted from 1).

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
