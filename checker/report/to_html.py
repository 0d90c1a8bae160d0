"""Single self-contained HTML report for editors (jinja2, autoescaped).

Editor first: the summary, then the findings (contradictions first, by score,
then agreements; the values that differ highlighted), the sources by topic
(which document says what), the warnings and the skipped items (collapsed), and
the documents in context. Search, sort and filters run in the page, and a link
can preset them (``URL_PRESETS``).

Everything is inlined: no external URL, font or script. Article text is
untrusted: jinja2 autoescapes every value, and a Content-Security-Policy allows
only the report's own inline style and script (by hash), so even a missed
escape could not run injected code.
"""
from __future__ import annotations

import base64
import hashlib
import re

import jinja2
from markupsafe import Markup

from ..records import Report
from .view import Segment, build_view, fmt_date, fmt_position, fmt_score

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("checker.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


#: The filters a link can preset (``report.html?kind=agreement`` or ``report.html#doc=001&min=0.8``),
#: as the page's script reads them; shown in the page footer and documented in the README.
URL_PRESETS: dict[str, str] = {
    "kind": "contradiction or agreement (repeat it, or separate with commas)",
    "doc": "a document id, or the start of exactly one",
    "lang": "de or en",
    "min": "the lowest score shown, 0 to 1",
    "q": "words that must all occur in claim A or B (case ignored)",
    "sort": "kind (contradictions first, by score: the report's order), score or doc",
}


def csp_hash(source: str) -> str:
    """CSP source expression for an inline ``<style>`` or ``<script>`` body.

    Args:
        source: The exact text between the tags.

    Returns:
        ``'sha256-<base64>'``.

    Example:
        >>> csp_hash("")
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
    """
    digest = hashlib.sha256(str(source).encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _display(segment: Segment) -> str:
    # Text from HTML input keeps tag-sized runs of spaces and blank lines (so
    # offsets stay valid); show at most one blank line between paragraphs.
    return re.sub(r"\n[ \t\r\f\v]*(?:\n[ \t\r\f\v]*)+", "\n\n", segment.text)


def _short_claim(claim_id: str, doc_id: str) -> str:
    # Inside its own document "de_x:s3" reads better as "s3".
    prefix = doc_id + ":"
    return claim_id[len(prefix):] if claim_id.startswith(prefix) and len(claim_id) > len(prefix) else claim_id


def _lang_attr(lang: str) -> str:
    return lang if lang in ("de", "en") else ""


# The hash is base64 between quotes: safe as is, and readable in the page source.
_ENV.filters["csp_hash"] = lambda source: Markup(csp_hash(source))
_ENV.filters["score"] = fmt_score
_ENV.filters["isodate"] = fmt_date
_ENV.filters["position"] = fmt_position
_ENV.filters["display"] = _display
_ENV.filters["lang_attr"] = _lang_attr
_ENV.filters["short_claim"] = _short_claim


def render(report: Report) -> str:
    """Render the report as one self-contained HTML page.

    Args:
        report: The pipeline's result.

    Returns:
        The HTML document (UTF-8 text).

    Example:
        >>> render(report).startswith("<!DOCTYPE html>")  # doctest: +SKIP
        True
    """
    view = build_view(report)
    languages = sorted({d.lang for d in report.documents} | {c.lang for c in report.claims})
    return _ENV.get_template("report.html.j2").render(
        view=view, report=report, languages=languages, url_presets=URL_PRESETS
    )
