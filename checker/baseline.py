"""A CI baseline of accepted findings, as linters have one.

A team reviews the findings of a check, accepts the known ones into a baseline
file, and from then on ``vncheck check --baseline FILE --fail-on contradiction``
fails the build only on contradictions that are not in it. Entries are keyed by
:func:`~checker.records.finding_fingerprint` (the kind and the two normalised
claim texts), never by finding id or position: ids like "f001" renumber as soon
as the inputs change.

The file (JSON, UTF-8, sorted keys, one entry per accepted finding)::

    {"format": "vncheck-baseline", "version": 1, "entries": [
      {"fingerprint": "3f1c9a0b7d2e4f65", "kind": "contradiction", "reason": "...",
       "a": {"doc": "000_0e98a0b1cc9ab085", "sentence": 16, "text": "..."},
       "b": {"doc": "001_547fc93670db27fd", "sentence": 39, "text": "..."}}]}

Only ``fingerprint`` decides a match; documents, sentence numbers (counted from
1, as in the reports), texts and the reason are there for the people who review
the file and are never compared.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .errors import InputError
from .records import Report, finding_fingerprint
from .report.view import KINDS, FindingView, build_view, fmt_score, one_line

BASELINE_FORMAT = "vncheck-baseline"
BASELINE_VERSION = 1

#: The kinds a baseline accepts unless told otherwise: only contradictions fail a build.
DEFAULT_KINDS: tuple[str, ...] = ("contradiction",)

# Codes of the errors raised here (E100 is InputError's generic code; ingest uses E101-E109).
E_UNREADABLE = "E150"
E_NOT_BASELINE = "E151"
E_BAD_ENTRY = "E152"
E_NOT_REPORT = "E153"
E_UNWRITABLE = "E154"

_FINGERPRINT = re.compile(r"[0-9a-f]{16}")
#: How much of a reason or sentence the one-line messages quote.
_REASON_CHARS = 160
_TEXT_CHARS = 60


class BaselineError(InputError):
    """A baseline file (or the report it is made from) cannot be read or written.

    Example:
        >>> str(BaselineError(E_NOT_BASELINE, "'x.json' is not a vncheck baseline."))
        "[E151] 'x.json' is not a vncheck baseline."
    """

    def __init__(self, code: str, message: str, fix: str = "") -> None:
        self.code = code
        super().__init__(message, fix)


@dataclass(frozen=True, slots=True)
class BaselineSide:
    """One claim of an accepted finding, as a human recognises it (never used for matching)."""

    doc: str
    sentence: int | None  # counted from 1, as "sentence 4" in the reports
    text: str


@dataclass(frozen=True, slots=True)
class BaselineEntry:
    """One accepted finding: its fingerprint, kind, both claims and the first reason."""

    fingerprint: str
    kind: str  # "contradiction" | "agreement"
    a: BaselineSide
    b: BaselineSide
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Baseline:
    """The accepted findings of one baseline file, sorted by kind, documents and fingerprint."""

    entries: tuple[BaselineEntry, ...]
    path: str = ""  # where it was read from or written to, for messages

    @property
    def fingerprints(self) -> frozenset[str]:
        """All fingerprints in the baseline."""
        return frozenset(e.fingerprint for e in self.entries)


@dataclass(frozen=True, slots=True)
class BaselineMatch:
    """How a report's findings met a baseline; carried by ``Report.baseline`` for the renderers."""

    path: str
    entries: int  # entries in the baseline file
    matched: frozenset[str]  # fingerprints of entries that matched a finding of this run
    accepted: int  # findings of this run that are in the baseline
    new_contradictions: int  # contradictions of this run that are not in it (what --fail-on fails on)
    stale: tuple[BaselineEntry, ...]  # entries that match no finding any more


# -- making a baseline --


def baseline_from_report(report: Report, *, kinds: tuple[str, ...] = DEFAULT_KINDS) -> Baseline:
    """Accept the findings of a check run: one entry per fingerprint of the given kinds.

    Args:
        report: The pipeline's result.
        kinds: Finding kinds to accept ("contradiction", "agreement").

    Returns:
        The :class:`Baseline` (not yet written; see :func:`write_baseline`).

    Example:
        >>> [e.kind for e in baseline_from_report(report).entries]  # doctest: +SKIP
        ['contradiction', 'contradiction']
    """
    entries = [_entry_from_view(f) for f in build_view(report).findings if f.kind in kinds]
    return Baseline(entries=_dedupe_and_sort(entries))


def baseline_from_report_file(path: Path | str, *, kinds: tuple[str, ...] = DEFAULT_KINDS) -> Baseline:
    """Accept the findings of a JSON report written by ``vncheck check --format json``.

    Reports from before fingerprints existed work too: the fingerprint is then
    computed from the claim texts in the report.

    Args:
        path: The report file (``vncheck-report.json``).
        kinds: Finding kinds to accept.

    Returns:
        The :class:`Baseline`.

    Raises:
        BaselineError: If the file is missing, unreadable or not a vncheck JSON report (schema 1).

    Example:
        >>> len(baseline_from_report_file("reports/vncheck-report.json").entries)  # doctest: +SKIP
        3
    """
    data = _read_json(Path(path), what="report")
    if not isinstance(data, dict) or "findings" not in data or "claims" not in data:
        raise BaselineError(E_NOT_REPORT, f"{_q(path)} is not a vncheck JSON report.",
                            "pass the vncheck-report.json written by `vncheck check --format json`.")
    if data.get("schema") != 1:
        raise BaselineError(E_NOT_REPORT, f"{_q(path)} has report schema {_q(data.get('schema'))}, not 1.",
                            "make the report with this version of vncheck.")
    findings, claims = data["findings"], data["claims"]
    if not isinstance(findings, list) or not isinstance(claims, list):
        raise BaselineError(E_NOT_REPORT, f"{_q(path)}: 'findings' and 'claims' must be lists.")
    by_id = {c.get("id"): c for c in claims if isinstance(c, dict)}
    entries = []
    for n, f in enumerate(findings, start=1):
        if not isinstance(f, dict) or not all(isinstance(f.get(k), str) for k in ("kind", "a", "b")):
            raise BaselineError(E_NOT_REPORT, f"{_q(path)}: finding {n} lacks 'kind', 'a' or 'b'.")
        if f["kind"] in kinds:
            entries.append(_entry_from_json(f, by_id.get(f["a"]), by_id.get(f["b"])))
    return Baseline(entries=_dedupe_and_sort(entries))


def _entry_from_view(f: FindingView) -> BaselineEntry:
    def side(claim, claim_id: str) -> BaselineSide:
        if claim is None:
            return BaselineSide(doc="", sentence=None, text=claim_id)
        return BaselineSide(doc=claim.doc_id, sentence=claim.index + 1, text=claim.text)

    reasons = f.verdict.reasons
    return BaselineEntry(fingerprint=f.fingerprint, kind=f.kind, a=side(f.a, f.verdict.a), b=side(f.b, f.verdict.b),
                         reason=reasons[0] if reasons else "")


def _entry_from_json(f: dict[str, Any], a: dict[str, Any] | None, b: dict[str, Any] | None) -> BaselineEntry:
    def side(claim: dict[str, Any] | None, claim_id: str) -> BaselineSide:
        if claim is None or not isinstance(claim.get("text"), str):
            return BaselineSide(doc="", sentence=None, text=claim_id)
        index = claim.get("index")
        sentence = index + 1 if isinstance(index, int) and not isinstance(index, bool) else None
        doc = claim.get("doc")
        return BaselineSide(doc=doc if isinstance(doc, str) else "", sentence=sentence, text=claim["text"])

    sa, sb = side(a, f["a"]), side(b, f["b"])
    fingerprint = f.get("fingerprint")
    if not (isinstance(fingerprint, str) and _FINGERPRINT.fullmatch(fingerprint)):
        fingerprint = finding_fingerprint(f["kind"], sa.text, sb.text)
    reasons = f.get("reasons")
    reason = reasons[0] if isinstance(reasons, list) and reasons and isinstance(reasons[0], str) else ""
    return BaselineEntry(fingerprint=fingerprint, kind=f["kind"], a=sa, b=sb, reason=reason)


def _dedupe_and_sort(entries: list[BaselineEntry]) -> tuple[BaselineEntry, ...]:
    # The same two sentences can meet in several document pairs (syndicated copies): one entry covers all.
    unique = {e.fingerprint: e for e in reversed(entries)}  # the first in report order wins
    rank = {k: i for i, k in enumerate(KINDS)}
    return tuple(sorted(unique.values(), key=lambda e: (rank.get(e.kind, len(rank)), e.a.doc, e.b.doc, e.fingerprint)))


# -- reading and writing the file --


def load_baseline(path: Path | str) -> Baseline:
    """Read and validate a baseline file.

    Args:
        path: A file written by ``vncheck baseline create`` or ``check --write-baseline``.

    Returns:
        The :class:`Baseline`, with ``path`` set.

    Raises:
        BaselineError: If the file is missing, unreadable, not JSON, not a baseline, from a newer
            vncheck, or holds a malformed entry (the message names the entry).

    Example:
        >>> len(load_baseline("vncheck-baseline.json").fingerprints)  # doctest: +SKIP
        2
    """
    path = Path(path)
    data = _read_json(path, what="baseline")
    if not isinstance(data, dict) or data.get("format") != BASELINE_FORMAT:
        raise BaselineError(E_NOT_BASELINE, f"{_q(path)} is not a vncheck baseline (no \"format\": \"{BASELINE_FORMAT}\").",
                            "make one with `vncheck baseline create REPORT.json -o FILE`.")
    version = data.get("version")
    if version != BASELINE_VERSION or isinstance(version, bool):
        raise BaselineError(E_NOT_BASELINE, f"{_q(path)} is baseline version {_q(version)}; this vncheck reads version 1.",
                            "recreate it with `vncheck baseline create`.")
    raw = data.get("entries")
    if not isinstance(raw, list):
        raise BaselineError(E_NOT_BASELINE, f"{_q(path)}: 'entries' must be a list.")
    entries = [_parse_entry(item, n, path) for n, item in enumerate(raw, start=1)]
    return Baseline(entries=_dedupe_and_sort(entries), path=str(path))


def _parse_entry(item: Any, n: int, path: Path) -> BaselineEntry:
    def bad(what: str) -> BaselineError:
        return BaselineError(E_BAD_ENTRY, f"{_q(path)}: entry {n} {what}.",
                             "fix or delete that entry, or recreate the file with `vncheck baseline create`.")

    if not isinstance(item, dict):
        raise bad("is not an object")
    fingerprint = item.get("fingerprint")
    if not isinstance(fingerprint, str) or not _FINGERPRINT.fullmatch(fingerprint):
        raise bad("has no valid 'fingerprint' (16 lowercase hex digits)")
    kind = item.get("kind")
    if kind not in KINDS:
        raise bad(f"has kind {_q(kind)}, not one of {', '.join(KINDS)}")
    reason = item.get("reason", "")
    if not isinstance(reason, str):
        raise bad("has a 'reason' that is not text")
    return BaselineEntry(fingerprint=fingerprint, kind=kind, a=_parse_side(item.get("a"), bad, "a"),
                         b=_parse_side(item.get("b"), bad, "b"), reason=reason)


def _parse_side(value: Any, bad, name: str) -> BaselineSide:
    if value is None:
        return BaselineSide(doc="", sentence=None, text="")
    if not isinstance(value, dict):
        raise bad(f"has an '{name}' that is not an object")
    doc, sentence, text = value.get("doc", ""), value.get("sentence"), value.get("text", "")
    if not isinstance(doc, str) or not isinstance(text, str):
        raise bad(f"has an '{name}' whose 'doc' or 'text' is not text")
    if sentence is not None and (not isinstance(sentence, int) or isinstance(sentence, bool)):
        raise bad(f"has an '{name}' whose 'sentence' is not a number")
    return BaselineSide(doc=doc, sentence=sentence, text=text)


def dump_baseline(baseline: Baseline) -> str:
    """The baseline file's text: canonical JSON (sorted keys, 2-space indent, UTF-8, trailing newline).

    Example:
        >>> json.loads(dump_baseline(Baseline(entries=())))["format"]
        'vncheck-baseline'
    """
    data = {"format": BASELINE_FORMAT, "version": BASELINE_VERSION, "entries": [entry_to_dict(e) for e in baseline.entries]}
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def entry_to_dict(entry: BaselineEntry) -> dict[str, Any]:
    """One entry as it is written to the file (and listed under ``summary.baseline.stale`` in the JSON report).

    Example:
        >>> sorted(entry_to_dict(entry))  # doctest: +SKIP
        ['a', 'b', 'fingerprint', 'kind', 'reason']
    """

    def side(s: BaselineSide) -> dict[str, Any]:
        return {"doc": s.doc, "sentence": s.sentence, "text": s.text}

    return {"fingerprint": entry.fingerprint, "kind": entry.kind, "a": side(entry.a), "b": side(entry.b), "reason": entry.reason}


def check_baseline_target(path: Path | str) -> Path:
    """Fail early (before a long check) when the baseline cannot be written to ``path``.

    Raises:
        BaselineError: If ``path`` is a folder, or its folder does not exist or is not a folder.

    Example:
        >>> check_baseline_target("vncheck-baseline.json")  # doctest: +SKIP
        PosixPath('vncheck-baseline.json')
    """
    path = Path(path)
    if path.is_dir():
        raise BaselineError(E_UNWRITABLE, f"Cannot write the baseline to {_q(path)}: it is a folder.", "name a file.")
    folder = path.parent
    if not folder.is_dir():
        raise BaselineError(E_UNWRITABLE, f"Cannot write the baseline to {_q(path)}: folder {_q(folder)} does not exist.",
                            "create the folder first or name another file.")
    return path


def write_baseline(baseline: Baseline, path: Path | str) -> Baseline:
    """Write the baseline file atomically (readers see the old file or the complete new one).

    Args:
        baseline: From :func:`baseline_from_report` or :func:`baseline_from_report_file`.
        path: Target file; its folder must exist.

    Returns:
        The baseline with ``path`` set.

    Raises:
        BaselineError: If the file cannot be written.

    Example:
        >>> write_baseline(baseline_from_report(report), "vncheck-baseline.json")  # doctest: +SKIP
    """
    from .report.write import write_report_atomically

    path = check_baseline_target(path)
    try:
        write_report_atomically(dump_baseline(baseline), path)
    except OSError as exc:
        raise BaselineError(E_UNWRITABLE, f"Cannot write the baseline to {_q(path)}: {_show(exc.strerror or exc)}.",
                            "check the folder's permissions or name another file.") from None
    return replace(baseline, path=str(path))


def _read_json(path: Path, *, what: str) -> Any:
    fix = f"pass an existing {what} file." if what == "report" else "pass the file written by `vncheck baseline create`."
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BaselineError(E_UNREADABLE, f"The {what} file {_q(path)} does not exist.", fix) from None
    except IsADirectoryError:
        raise BaselineError(E_UNREADABLE, f"The {what} file {_q(path)} is a folder.", fix) from None
    except OSError as exc:
        raise BaselineError(E_UNREADABLE, f"Cannot read the {what} file {_q(path)}: {_show(exc.strerror or exc)}.", fix) from None
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise BaselineError(E_UNREADABLE, f"The {what} file {_q(path)} is not UTF-8 text.", fix) from None
    except ValueError as exc:
        raise BaselineError(E_UNREADABLE, f"The {what} file {_q(path)} is not valid JSON ({_show(str(exc))}).", fix) from None
    except RecursionError:  # "[[[[..." nested deeper than the parser allows
        raise BaselineError(E_UNREADABLE, f"The {what} file {_q(path)} is nested too deeply to be a {what}.", fix) from None


# -- checking a run against a baseline --


def apply_baseline(report: Report, baseline: Baseline) -> Report:
    """Mark the report's findings that are in the baseline as accepted.

    Args:
        report: The pipeline's result.
        baseline: From :func:`load_baseline`.

    Returns:
        The report with ``baseline`` set to a :class:`BaselineMatch`: renderers mark the
        accepted findings, and :func:`build_failures` leaves them out.

    Example:
        >>> apply_baseline(report, load_baseline("vncheck-baseline.json")).baseline.accepted  # doctest: +SKIP
        2
    """
    findings = build_view(report).findings
    accepted = baseline.fingerprints
    found = {f.fingerprint for f in findings}
    match = BaselineMatch(
        path=baseline.path,
        entries=len(baseline.entries),
        matched=frozenset(accepted & found),
        accepted=sum(f.fingerprint in accepted for f in findings),
        new_contradictions=sum(f.kind == "contradiction" and f.fingerprint not in accepted for f in findings),
        stale=tuple(e for e in baseline.entries if e.fingerprint not in found),
    )
    return replace(report, baseline=match)


def build_failures(report: Report) -> tuple[FindingView, ...]:
    """The contradictions that fail a build with ``--fail-on contradiction``: those not accepted by a baseline.

    Example:
        >>> [f.id for f in build_failures(report)]  # doctest: +SKIP
        ['f002']
    """
    return tuple(f for f in build_view(report).findings if f.kind == "contradiction" and not f.accepted)


def baseline_lines(match: BaselineMatch) -> list[str]:
    """Lines for stderr: how many entries matched, and each stale entry.

    Example:
        >>> baseline_lines(report.baseline)[0]  # doctest: +SKIP
        'baseline vncheck-baseline.json: 2 of 3 entries matched, 2 findings accepted, 1 new contradiction'
    """
    lines = [
        f"baseline {_q(match.path)}: {len(match.matched)} of {_plural(match.entries, 'entry', 'entries')} matched, "
        f"{_plural(match.accepted, 'finding')} accepted, {_plural(match.new_contradictions, 'new contradiction')}"
    ]
    if match.stale:
        lines.append(f"baseline: {_plural(len(match.stale), 'stale entry', 'stale entries')} no longer "
                     f"{'matches' if len(match.stale) == 1 else 'match'} a finding (recreate the baseline to drop "
                     f"{'it' if len(match.stale) == 1 else 'them'}):")
        lines += [f"  stale {describe_entry(e)}" for e in match.stale]
    return lines


def written_line(baseline: Baseline) -> str:
    """The one line saying where a baseline was written and what it holds.

    Example:
        >>> written_line(Baseline(entries=(), path="b.json"))
        "Baseline written to 'b.json': 0 entries"
    """
    kinds = sorted({e.kind for e in baseline.entries}, key=KINDS.index)
    what = f" ({', '.join(kinds)})" if kinds else ""
    return f"Baseline written to {_q(baseline.path)}: {_plural(len(baseline.entries), 'entry', 'entries')}{what}"


def describe_entry(entry: BaselineEntry) -> str:
    """One line naming a baseline entry: fingerprint, kind, both sides with a short quote.

    Example:
        >>> describe_entry(entry)  # doctest: +SKIP
        '3f1c9a0b7d2e4f65 contradiction: 000_x sentence 16 "Diese umfasst..." vs 001_y sentence 39 "In 2016, ..."'
    """

    def side(s: BaselineSide) -> str:
        where = " ".join(p for p in (_show(s.doc) if s.doc else "", f"sentence {s.sentence}" if s.sentence else "") if p)
        quote = f'"{_shorten(s.text, _TEXT_CHARS)}"'
        return f"{where} {quote}" if where else quote

    return f"{entry.fingerprint} {entry.kind}: {side(entry.a)} vs {side(entry.b)}"


def failure_lines(failures: tuple[FindingView, ...], min_score: float, *, with_baseline: bool) -> list[str]:
    """The last lines of a failed build on stderr: each contradiction that failed it.

    Each line names both documents, the sentence numbers (from 1, as in the reports),
    a short reason and the fingerprint (to find the finding in the JSON report).

    Example:
        >>> failure_lines(build_failures(report), 0.5, with_baseline=False)[1]  # doctest: +SKIP
        '  f001 de_a sentence 1 vs en_b sentence 1: water level differs: 9,80 m vs 8.50 m [3f1c9a0b7d2e4f65]'
    """
    if not failures:
        return []
    scope = " not in the baseline" if with_baseline else ""
    lines = [f"Build failed: {_plural(len(failures), 'contradiction')} at or above --min-score {fmt_score(min_score)}{scope}:"]
    for f in failures:
        reason = _shorten(f.verdict.reasons[0], _REASON_CHARS) if f.verdict.reasons else "no reason given"
        lines.append(f"  {f.id} {_where(f.a, f.verdict.a)} vs {_where(f.b, f.verdict.b)}: {reason} [{f.fingerprint}]")
    return lines


def _where(claim, claim_id: str) -> str:
    if claim is None:
        return f"{_show(claim_id)} (not in report)"
    return f"{_show(claim.doc_id)} sentence {claim.index + 1}"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _shorten(text: str, limit: int) -> str:
    text = _show(one_line(text))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _q(value: object) -> str:
    return "'" + _show(value) + "'"


def _show(value: object) -> str:
    """Text for a one-line message: control and other invisible characters made visible (``\\x1b``).

    File names and article text are untrusted: a newline or an escape sequence must
    neither forge a second message line nor reach the terminal.
    """
    text = str(value)
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
