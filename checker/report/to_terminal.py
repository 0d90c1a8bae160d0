"""Rich terminal report: a summary table, then findings grouped by topic.

Article text is untrusted, so it only ever enters rich as :class:`~rich.text.Text`
(never as console markup): a sentence like ``[bold]`` prints as written. Every piece of
it (sentences, titles, ids, reasons, warnings) also passes ``safe_text.visible``, so an
escape sequence or a bidi override in an article shows as ``\x1b`` instead of acting on
the terminal.
"""
from __future__ import annotations

import io
import shutil
import sys

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text
from rich.theme import Theme

from ..records import Claim, Document, Report
from ..safe_text import visible
from .view import NO_TOPIC, FindingView, ReportView, build_view, fmt_date, fmt_position, fmt_score

#: Named styles, following rich/default_styles.py; override them with ``console.push_theme``.
THEME = Theme(
    {
        "verdict.contradiction": "bold red",
        "verdict.agreement": "bold green",
        "verdict.unrelated": "dim",
        "verdict.unscored": "yellow",
        "claim.doc": "bold cyan",
        "claim.lang": "magenta",
        "claim.position": "dim",
        "claim.id": "dim cyan",
        "claim.title": "italic",
        "claim.archived": "dim",
        "claim.text": "none",
        "finding.id": "bold",
        "finding.score": "bold",
        "finding.reason": "none",
        "finding.scorers": "dim italic",
        "finding.accepted": "bold yellow",
        "finding.fingerprint": "dim",
        "report.title": "bold",
        "report.topic": "bold blue",
        "report.label": "dim",
        "report.warning": "yellow",
        "report.skipped": "dim yellow",
    },
    inherit=True,
)

#: Width used when rendering to a file or pipe.
DEFAULT_WIDTH = 100


def make_console(**kwargs) -> Console:
    """A Console with the vncheck theme.

    Args:
        **kwargs: Passed to :class:`rich.console.Console`.

    Returns:
        The console.

    Example:
        >>> print_report(report, make_console(stderr=True))  # doctest: +SKIP
    """
    kwargs.setdefault("theme", THEME)
    return Console(**kwargs)


def render(report: Report, *, width: int | None = None, color: bool | None = None) -> str:
    """Render the terminal report to a string.

    Args:
        report: The pipeline's result.
        width: Columns; defaults to the terminal's width on a tty, else 100.
        color: ANSI colours; defaults to whether stdout is a tty (plain text otherwise).

    Returns:
        The report text, with ANSI escapes only when ``color`` is true.

    Example:
        >>> print(render(report, color=False))  # doctest: +SKIP
    """
    if color is None:
        color = sys.stdout.isatty()
    if width is None:
        width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns if color else DEFAULT_WIDTH
    buf = io.StringIO()
    console = Console(
        file=buf,
        width=width,
        force_terminal=color,
        color_system="auto" if color else None,
        theme=THEME,
        legacy_windows=False,
    )
    print_report(report, console)
    return buf.getvalue()


def print_report(report: Report, console: Console) -> None:
    """Draw the report on ``console``: header, summary, documents, findings by topic, warnings.

    Args:
        report: The pipeline's result.
        console: Where to draw; its theme is extended with :data:`THEME` while drawing.

    Returns:
        None.

    Example:
        >>> print_report(report, Console(width=100, file=io.StringIO(), color_system=None))  # doctest: +SKIP
    """
    view = build_view(report)
    with console.use_theme(THEME):
        console.print(_header(view))
        console.print(_summary_table(view))
        console.print(_documents_table(view))
        if not view.findings:
            console.print(Text("No findings at or above the minimum score.", style="report.label"))
        for topic, findings in view.topics:
            console.print()
            console.print(
                Rule(Text(f"Topic: {visible(topic or NO_TOPIC)}", style="report.topic"), style="report.topic")
            )
            for f in findings:
                console.print(_finding_panel(f))
        if report.warnings or report.skipped:
            console.print()
            console.print(Rule(Text("Warnings and skipped items", style="report.warning")))
        # A skipped document's message is also a warning: show each message once.
        skipped_reasons = {s.reason for s in report.skipped}
        for w in report.warnings:
            if w not in skipped_reasons:
                console.print(Text.assemble(("warning: ", "report.warning"), visible(w)))
        for s in report.skipped:
            line = Text.assemble(("skipped ", "report.skipped"), (visible(s.where), "claim.id"), f": {visible(s.reason)}")
            if s.text:
                line.append(f" — {s.text!r}", style="report.label")
            console.print(line)


def _header(view: ReportView) -> Panel:
    c = view.counts
    r = view.report
    line = Text.assemble(
        (_plural(c["contradictions"], "contradiction"), "verdict.contradiction"),
        " · ",
        (_plural(c["agreements"], "agreement"), "verdict.agreement"),
        f" · {_plural(c['documents'], 'document')} · {_plural(c['claims'], 'claim')}"
        f" · {_plural(c['pairs_scored'], 'pair')} scored",
    )
    sub = Text.assemble(
        ("scorers: ", "report.label"),
        visible(", ".join(r.scorers)) or "–",
        ("   embedder: ", "report.label"),
        visible(r.embedder) or "–",
        ("   min score: ", "report.label"),
        fmt_score(r.min_score),
    )
    title = Text("vncheck report" + (f" {visible(r.version)}" if r.version else ""), style="report.title")
    return Panel(Group(line, sub), title=title, title_align="left", box=box.ROUNDED)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _summary_table(view: ReportView) -> Table:
    c = view.counts
    t = Table(title="Summary", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False)
    t.add_column("Item")
    t.add_column("Count", justify="right")
    rows = [
        ("Documents", c["documents"], ""),
        ("Claims", c["claims"], ""),
        ("Clusters", c["clusters"], ""),
        ("Candidate pairs scored", c["pairs_scored"], ""),
        ("Contradictions", c["contradictions"], "verdict.contradiction"),
        ("Agreements", c["agreements"], "verdict.agreement"),
        ("Below minimum score", c["below_min_score"], "verdict.unrelated"),
        ("Unrelated", c["unrelated"], "verdict.unrelated"),
        ("Unscored", c["unscored"], "verdict.unscored"),
        ("Skipped items", c["skipped"], "report.skipped"),
        ("Warnings", c["warnings"], "report.warning"),
    ]
    if view.report.baseline is not None:
        rows.append(("Accepted (baseline)", view.report.baseline.accepted, "finding.accepted"))
    for label, n, style in rows:
        t.add_row(Text(label, style=style), Text(str(n), style=style))
    return t


def _documents_table(view: ReportView) -> Table:
    t = Table(title="Documents", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False)
    t.add_column("Document", style="claim.doc", overflow="fold")
    t.add_column("Lang", style="claim.lang")
    t.add_column("Published")
    t.add_column("Claims", justify="right")
    t.add_column("Title", style="claim.title", overflow="fold")
    for d in view.report.documents:
        t.add_row(
            Text.assemble(visible(d.id), (" (archive)" if d.from_archive else "", "claim.archived")),
            Text(visible(d.lang)),
            Text(fmt_date(d.published) or "–"),
            Text(str(len(view.doc_claims(d.id)))),
            Text(visible(d.title or "–")),
        )
    return t


def _side(label: str, claim: Claim | None, doc: Document | None, claim_id: str) -> list[Text]:
    """Rows for one side of a finding; both sides have the same rows so the grid aligns them."""
    head = Text.assemble(
        (f"{label}  ", "report.label"),
        (visible(doc.id if doc else (claim.doc_id if claim else "?")), "claim.doc"),
        (" (archive)" if doc is not None and doc.from_archive else "", "claim.archived"),
        " · ",
        (visible(claim.lang) if claim else "?", "claim.lang"),
    )
    # Sentences are counted from 1 here, as in every human-readable output; the claim id
    # ("doc:s0", counted from 0, the JSON contract) is shown only when the claim is missing.
    if claim is not None:
        where = Text(fmt_position(claim), style="claim.position")
    else:
        where = Text.assemble((fmt_position(claim), "claim.position"), " · ", (visible(claim_id), "claim.id"))
    title = Text(visible(doc.title) if doc is not None and doc.title else "", style="claim.title")
    sentence = Text(visible(claim.text) if claim else "(claim not in report)", style="claim.text")
    # The blank row keeps title and sentence apart where styles are not shown (plain text).
    return [head, where, title, Text(""), sentence]


def _finding_panel(f: FindingView) -> Panel:
    v = f.verdict
    style = f"verdict.{f.kind}"
    sides = Table.grid(padding=(0, 2), expand=True)
    sides.add_column(ratio=1)
    sides.add_column(ratio=1)
    for row in zip(_side("A", f.a, f.a_doc, v.a), _side("B", f.b, f.b_doc, v.b)):
        sides.add_row(*row)
    body: list = [sides, Text("")]
    if v.reasons:
        body.append(Text("Reasons:", style="report.label"))
        body.extend(Text.assemble("  • ", (visible(r), "finding.reason")) for r in v.reasons)
    body.append(
        Text.assemble(
            ("Scorers: ", "report.label"), (visible(", ".join(v.scorers)) or "–", "finding.scorers"),
            ("   fingerprint: ", "report.label"), (f.fingerprint, "finding.fingerprint"),
        )
    )
    title = Text.assemble(
        (f.id, "finding.id"),
        " ",
        (f.kind.upper(), style),
        " ",
        (fmt_score(v.score), "finding.score"),
        (" · accepted (baseline)" if f.accepted else "", "finding.accepted"),
    )
    return Panel(Group(*body), title=title, title_align="left", border_style=style, box=box.ROUNDED)
