"""Typed records passed between pipeline stages.

Every stage takes and returns these frozen dataclasses; ids are stable strings
("doc_id:s12") so that reports and golden files stay the same between runs.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # only for the annotation; checker.baseline imports this module
    from .baseline import BaselineMatch

Lang = Literal["de", "en", "other"]

#: Label names every NLI backend returns, whatever its checkpoint's order.
NLI_LABELS: tuple[str, str, str] = ("entailment", "neutral", "contradiction")


class Verdict(Enum):
    """Outcome for one aligned pair of claims."""

    CONTRADICTS = "contradiction"
    AGREES = "agreement"
    UNRELATED = "unrelated"
    UNSCORED = "unscored"


@dataclass(frozen=True, slots=True)
class Document:
    """One input article after decoding and cleaning.

    ``text`` is the decoded original text (tags and all, for HTML); every claim's
    ``start``/``end`` index into it, so ``text[start:end]`` is the raw sentence.
    ``from_archive`` is True for documents read back from an archive (``check --against``),
    which the reports mark.
    """

    id: str
    path: str
    lang: Lang
    text: str
    title: str | None = None
    published: dt.date | None = None
    encoding: str = "utf-8"
    from_archive: bool = False


@dataclass(frozen=True, slots=True)
class Claim:
    """One sentence-level claim with character offsets into ``Document.text``."""

    id: str  # "doc_id:s12"
    doc_id: str
    lang: Lang
    text: str
    start: int
    end: int
    index: int  # position of the sentence in its document (0-based)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A sentence or document left out, and why (shown with -v and in JSON)."""

    where: str  # document id or claim-like id
    reason: str
    text: str = ""


@dataclass(frozen=True, slots=True)
class Cluster:
    """Claims about the same thing, across documents."""

    id: str  # "t03"
    topic: str  # a few words naming the subject
    claim_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CandidatePair:
    """Two claims from different documents that may speak about the same thing."""

    a: str
    b: str
    similarity: float
    cluster_id: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of evidence from a structured check.

    ``kind`` is "conflict" or "support"; ``check`` names the slot ("time",
    "count", "level", "status", "actor", "negation"); ``reason`` is in words.
    """

    check: str
    kind: Literal["conflict", "support"]
    reason: str
    confidence: float = 1.0


@dataclass(frozen=True, slots=True)
class PairVerdict:
    """The verdict for one aligned pair, with all its evidence."""

    a: str
    b: str
    label: Verdict
    score: float  # 0..1, confidence in ``label``
    topic: str = ""
    reasons: tuple[str, ...] = ()
    scorers: tuple[str, ...] = ()  # e.g. ("nli", "checks")
    nli: dict[str, float] | None = None  # label name -> probability (max of both directions' view)
    findings: tuple[Finding, ...] = ()
    similarity: float = 0.0


@dataclass(frozen=True, slots=True)
class Report:
    """Everything a renderer needs; renderers never recompute."""

    documents: tuple[Document, ...]
    claims: tuple[Claim, ...]
    clusters: tuple[Cluster, ...]
    verdicts: tuple[PairVerdict, ...]
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[str, ...] = ()
    scorers: tuple[str, ...] = ()  # names of the backends used, e.g. "nli:vncheck-nli.v4"
    embedder: str = ""
    min_score: float = 0.5
    version: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    #: Set by ``checker.baseline.apply_baseline`` when the run was checked against a baseline file.
    baseline: BaselineMatch | None = None

    def findings(self) -> tuple[PairVerdict, ...]:
        """Verdicts that are reported as findings: contradictions and agreements at or above ``min_score``."""
        return tuple(
            v
            for v in self.verdicts
            if v.label in (Verdict.CONTRADICTS, Verdict.AGREES) and v.score >= self.min_score
        )


def finding_fingerprint(kind: str, text_a: str, text_b: str) -> str:
    """Stable key of a finding, from its content only: its kind and its two claim texts.

    Finding ids ("f001") renumber whenever the inputs change, so a CI baseline
    keys accepted findings by this instead. The texts are normalised (Unicode
    NFKC, case folded, whitespace runs collapsed) and sorted, so A/B order,
    document names and sentence positions do not matter.

    Args:
        kind: "contradiction" or "agreement".
        text_a: One claim's text.
        text_b: The other claim's text.

    Returns:
        16 lowercase hex digits (the start of a SHA-256).

    Example:
        >>> finding_fingerprint("contradiction", "A  b.", "c") == finding_fingerprint("contradiction", "C", "a b.")
        True
    """
    texts = sorted(_normalise_for_fingerprint(t) for t in (text_a, text_b))
    # Normalised texts hold no newline, so the joined key is unambiguous; "v1" names this recipe.
    key = "\n".join(["v1", kind.strip().lower(), *texts])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _normalise_for_fingerprint(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())
