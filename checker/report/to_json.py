"""Canonical JSON report (``"schema": 1``), documented in the README.

Sorted keys, ids instead of object references, floats rounded to 3 decimals,
dates as ISO strings: the same report always gives the same bytes. The layout is
described by the JSON Schema shipped with the package (``schema/report.schema.json``,
see :func:`json_schema`).
"""
from __future__ import annotations

import json
import math
from importlib import resources
from typing import Any

from ..baseline import BaselineMatch, entry_to_dict
from ..records import Claim, Document, Report, Verdict
from .view import FindingView, ReportView, build_view, fmt_date

#: Bump only on a breaking change; adding keys is not one.
SCHEMA_VERSION = 1

#: Keys every consumer may rely on (the README's contract); others are additive.
CONTRACT: dict[str, tuple[str, ...]] = {
    "report": ("schema", "documents", "claims", "findings", "summary"),
    "document": ("id", "path", "language", "title", "published"),
    "claim": ("id", "doc", "text", "start", "end", "language"),
    "finding": ("id", "kind", "score", "a", "b", "topic", "reasons", "scorers"),
    "summary": ("counts", "scorers", "embedder", "warnings", "skipped"),
}


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of this report, as shipped in ``checker/report/schema/``.

    Returns:
        The schema as a dict, e.g. for ``jsonschema.validate(report_dict, json_schema())``.

    Example:
        >>> json_schema()["properties"]["schema"]["const"]
        1
    """
    text = resources.files(__package__).joinpath("schema", "report.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def render(report: Report) -> str:
    """Render the report as canonical JSON text (UTF-8, 2-space indent, trailing newline).

    Args:
        report: The pipeline's result.

    Returns:
        The JSON document as a string.

    Example:
        >>> json.loads(render(report))["schema"]  # doctest: +SKIP
        1
    """
    data = to_dict(report)
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def to_dict(report: Report) -> dict[str, Any]:
    """Build the JSON-ready dict (plain lists, dicts, str, int, float, None).

    Args:
        report: The pipeline's result.

    Returns:
        A dict with the keys ``schema``, ``documents``, ``claims``, ``clusters``,
        ``findings`` and ``summary``.

    Example:
        >>> sorted(to_dict(report))  # doctest: +SKIP
        ['claims', 'clusters', 'documents', 'findings', 'schema', 'summary']
    """
    view = build_view(report)
    return {
        "schema": SCHEMA_VERSION,
        "documents": [_document(d) for d in report.documents],
        "claims": [_claim(c) for c in report.claims],
        "clusters": [
            {"id": c.id, "topic": c.topic, "claims": list(c.claim_ids)} for c in report.clusters
        ],
        "findings": [_finding(f) for f in view.findings],
        "summary": _summary(view),
    }


def _round(x: float | None) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    r = round(float(x), 3)
    return 0.0 if r == 0 else r  # no "-0.0" in the output


def _document(d: Document) -> dict[str, Any]:
    out = {
        "id": d.id,
        "path": d.path,
        "language": d.lang,
        "title": d.title,
        "published": fmt_date(d.published),
        "encoding": d.encoding,
        "length": len(d.text),
    }
    if d.from_archive:  # only on archived documents (check --against), so other reports keep their bytes
        out["from_archive"] = True
    return out


def _claim(c: Claim) -> dict[str, Any]:
    return {
        "id": c.id,
        "doc": c.doc_id,
        "text": c.text,
        "start": c.start,
        "end": c.end,
        "language": c.lang,
        "index": c.index,
    }


def _finding(f: FindingView) -> dict[str, Any]:
    v = f.verdict
    return {
        "id": f.id,
        "fingerprint": f.fingerprint,
        "accepted": f.accepted,
        "kind": f.kind,
        "score": _round(v.score),
        "a": v.a,
        "b": v.b,
        "a_doc": f.a.doc_id if f.a else None,
        "b_doc": f.b.doc_id if f.b else None,
        "topic": f.topic,
        "reasons": list(v.reasons),
        "scorers": list(v.scorers),
        "similarity": _round(v.similarity),
        "nli": None if v.nli is None else {k: _round(p) for k, p in v.nli.items()},
        "evidence": [
            {
                "check": e.check,
                "kind": e.kind,
                "reason": e.reason,
                "confidence": _round(e.confidence),
            }
            for e in v.findings
        ],
    }


def _summary(view: ReportView) -> dict[str, Any]:
    r = view.report
    return {
        "counts": dict(view.counts),
        "min_score": _round(r.min_score),
        "scorers": list(r.scorers),
        "embedder": r.embedder,
        "version": r.version,
        "warnings": list(r.warnings),
        "skipped": [{"where": s.where, "reason": s.reason, "text": s.text} for s in r.skipped],
        "meta": dict(r.meta),
        "baseline": _baseline(r.baseline),
        "possible_contradictions": _possible_contradictions(view),
    }


#: At most this many possible contradictions are listed (highest score first); ``counts.below_min_score`` has them all.
POSSIBLE_LISTED = 200


def _possible_contradictions(view: ReportView) -> list[dict[str, Any]]:
    """Contradictions below ``--min-score`` (the "possible contradiction" tier and weaker ones):
    not findings, never failing a build, listed so that a fact-checker can look further."""
    r = view.report
    below = [v for v in r.verdicts if v.label is Verdict.CONTRADICTS and not v.score >= r.min_score]
    below.sort(key=lambda v: (-(v.score if math.isfinite(v.score) else 0.0), v.a, v.b))
    out = []
    for v in below[:POSSIBLE_LISTED]:
        a, b = view.claims.get(v.a), view.claims.get(v.b)
        out.append({"a": v.a, "b": v.b, "score": _round(v.score), "reasons": list(v.reasons),
                    "a_text": a.text if a else None, "b_text": b.text if b else None})
    return out


def _baseline(match: BaselineMatch | None) -> dict[str, Any] | None:
    if match is None:
        return None
    return {
        "path": match.path,
        "entries": match.entries,
        "matched": len(match.matched),
        "accepted": match.accepted,
        "new_contradictions": match.new_contradictions,
        "stale": [entry_to_dict(e) for e in match.stale],
    }
