"""Markdown report for editors: summary table, findings by topic with A | B tables, claims in context.

Article text is untrusted: every piece of it is escaped (HTML special characters
as entities, Markdown punctuation with backslashes, newlines folded, control and
bidi characters shown as ``\\x1b``-style escapes), so a sentence can neither inject
HTML, break a table nor send escape sequences to a terminal that shows the file.
"""
from __future__ import annotations

import html
import re

from ..records import Claim, Document, Report
from ..safe_text import visible
from .view import NO_TOPIC, FindingView, ReportView, build_view, fmt_date, fmt_position, fmt_score, one_line

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
# Only special at the start of a line: headings, list items, ordered lists.
_MD_LINE_START = re.compile(r"^(#|\+|-|\d+(?=[.)]))")


def md_escape(text: str, *, line_start: bool = False) -> str:
    """Escape untrusted text for inline Markdown (also safe inside table cells).

    Args:
        text: Any text.
        line_start: The text begins a line, list item or quote, where a leading
            "#", "-", "+" or "1." would start a heading or list.

    Returns:
        One line in which HTML and Markdown syntax are neutralised.

    Example:
        >>> md_escape("<b>a|b</b>")
        '&lt;b&gt;a\\\\|b&lt;/b&gt;'
    """
    text = html.escape(visible(one_line(text)), quote=False)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LINE_START.sub(_escape_line_start, text) if line_start else text


def _escape_line_start(m: re.Match) -> str:
    # "1." -> "1\." (the dot is what makes a list), "#" -> "\#".
    lead = m.group(1)
    return lead + "\\" if lead[0].isdigit() else "\\" + lead


def render(report: Report) -> str:
    """Render the report as Markdown.

    Args:
        report: The pipeline's result.

    Returns:
        Markdown text ending with a newline.

    Example:
        >>> render(report).splitlines()[0]  # doctest: +SKIP
        '# vncheck report'
    """
    view = build_view(report)
    out: list[str] = ["# vncheck report", ""]
    out += _summary(view)
    out += _documents(view)
    out += _findings(view)
    out += _context(view)
    out += _problems(view)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def _summary(view: ReportView) -> list[str]:
    r, c = view.report, view.counts
    rows = [
        ("Documents", c["documents"]),
        ("Claims", c["claims"]),
        ("Clusters", c["clusters"]),
        ("Candidate pairs scored", c["pairs_scored"]),
        ("**Contradictions**", c["contradictions"]),
        ("**Agreements**", c["agreements"]),
        ("Below minimum score", c["below_min_score"]),
        ("Unrelated", c["unrelated"]),
        ("Unscored", c["unscored"]),
        ("Skipped items", c["skipped"]),
        ("Warnings", c["warnings"]),
    ]
    out = ["## Summary", "", "| Item | Count |", "| --- | ---: |"]
    out += [f"| {label} | {n} |" for label, n in rows]
    out += [
        "",
        f"Minimum score: {fmt_score(r.min_score)} · "
        f"Scorers: {md_escape(', '.join(r.scorers)) or '–'} · "
        f"Embedder: {md_escape(r.embedder) or '–'}"
        + (f" · vncheck {md_escape(r.version)}" if r.version else ""),
        "",
    ]
    if r.baseline is not None:
        b = r.baseline
        out += [
            f"Baseline `{_code(b.path)}`: {len(b.matched)} of {b.entries} entries matched, "
            f"{b.accepted} findings accepted, {b.new_contradictions} new contradictions, {len(b.stale)} stale entries.",
            "",
        ]
        out += [
            f"- Stale `{e.fingerprint}` {md_escape(e.kind)}: {md_escape(e.a.doc or '?')} “{md_escape(e.a.text)}” "
            f"vs {md_escape(e.b.doc or '?')} “{md_escape(e.b.text)}”"
            for e in b.stale
        ]
        if b.stale:
            out.append("")
    return out


def _documents(view: ReportView) -> list[str]:
    out = [
        "## Documents",
        "",
        "| Document | Language | Published | Claims | Title | Path |",
        "| --- | --- | --- | ---: | --- | --- |",
    ]
    for d in view.report.documents:
        out.append(
            f"| [{md_escape(d.id)}](#{view.doc_anchor(d.id)}){_ARCHIVED if d.from_archive else ''} | {md_escape(d.lang)} "
            f"| {fmt_date(d.published) or '–'} | {len(view.doc_claims(d.id))} "
            f"| {md_escape(d.title or '–')} | `{_code(d.path)}` |"
        )
    return out + [""]


#: Marks a document read from the archive (``check --against``) rather than checked in this run.
_ARCHIVED = " _(archive)_"


def _code(text: str) -> str:
    # Inline code shows text verbatim; only backticks and pipes need care.
    return visible(one_line(text)).replace("`", "'").replace("|", "\\|")


def _cell(view: ReportView, claim: Claim | None, doc: Document | None, claim_id: str) -> dict[str, str]:
    if claim is None:
        return {
            "doc": "?",
            "lang": "?",
            "pos": "not in report",
            "title": "–",
            "text": f"_claim {md_escape(claim_id)} not in report_",
        }
    doc_link = f"[{md_escape(claim.doc_id)}](#{view.doc_anchor(claim.doc_id)})" + (_ARCHIVED if doc and doc.from_archive else "")
    return {
        "doc": doc_link,
        "lang": md_escape(claim.lang),
        "pos": f"[{md_escape(fmt_position(claim))}](#{view.claim_anchor(claim.id)})",
        "title": md_escape(doc.title) if doc and doc.title else "–",
        "text": md_escape(claim.text),
    }


def _findings(view: ReportView) -> list[str]:
    out = ["## Findings", ""]
    if not view.findings:
        return out + ["No findings at or above the minimum score.", ""]
    for topic, findings in view.topics:
        out += [f"### Topic: {md_escape(topic or NO_TOPIC)}", ""]
        for f in findings:
            out += _finding(view, f)
    return out


def _finding(view: ReportView, f: FindingView) -> list[str]:
    v = f.verdict
    icon = "🔴" if f.kind == "contradiction" else "🟢"
    a = _cell(view, f.a, f.a_doc, v.a)
    b = _cell(view, f.b, f.b_doc, v.b)
    out = [
        f'<a id="{f.id}"></a>',
        "",
        f"#### {f.id} · {icon} {f.kind} · score {fmt_score(v.score)}" + (" · accepted (baseline)" if f.accepted else ""),
        "",
        "| | A | B |",
        "| --- | --- | --- |",
        f"| Sentence | {a['text']} | {b['text']} |",
        f"| Document | {a['doc']} | {b['doc']} |",
        f"| Language | {a['lang']} | {b['lang']} |",
        f"| Position | {a['pos']} | {b['pos']} |",
        f"| Title | {a['title']} | {b['title']} |",
        "",
    ]
    if v.reasons:
        out += ["Reasons:", ""]
        out += [f"- {md_escape(r, line_start=True)}" for r in v.reasons]
        out.append("")
    out += [f"Scorers: {md_escape(', '.join(v.scorers)) or '–'} · Fingerprint: `{f.fingerprint}`", ""]
    return out


def _context(view: ReportView) -> list[str]:
    """Each cited claim with the sentences around it, under its document's anchor."""
    out = ["## Claims in context", ""]
    if not view.cited_by:
        return out + ["No claims are cited by findings.", ""]
    for d in view.report.documents:
        cited = [c for c in view.doc_claims(d.id) if c.id in view.cited_by]
        if not cited:
            continue
        title = f" — {md_escape(d.title)}" if d.title else ""
        out += [f'<a id="{view.doc_anchor(d.id)}"></a>', "", f"### {md_escape(d.id)}{title}", ""]
        for c in cited:
            before, sentence, after = view.context(c)
            refs = ", ".join(f"[{f.id}](#{f.id})" for f in view.cited_by[c.id])
            out += [
                f'<a id="{view.claim_anchor(c.id)}"></a>',
                "",
                f"**{fmt_position(c)}** ({md_escape(c.lang)}; cited by {refs})",
                "",
                "> " + " ".join(
                    p
                    for p in (md_escape(before, line_start=True), f"**{md_escape(sentence)}**", md_escape(after))
                    if p
                ),
                "",
            ]
    return out


def _problems(view: ReportView) -> list[str]:
    r = view.report
    if not (r.warnings or r.skipped):
        return []
    out = ["## Warnings and skipped items", ""]
    # A skipped document's message is also a warning: show each message once.
    skipped_reasons = {s.reason for s in r.skipped}
    out += [f"- Warning: {md_escape(w)}" for w in r.warnings if w not in skipped_reasons]
    for s in r.skipped:
        text = f" — “{md_escape(s.text)}”" if s.text else ""
        out.append(f"- Skipped {md_escape(s.where)}: {md_escape(s.reason)}{text}")
    return out + [""]
