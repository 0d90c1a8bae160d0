"""Typed records passed between pipeline stages.

Every stage takes and returns these frozen dataclasses; ids are stable strings
("doc_id:s12") so that reports and golden files stay the same between runs.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

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
    """

    id: str
    path: str
    lang: Lang
    text: str
    title: str | None = None
    published: dt.date | None = None
    encoding: str = "utf-8"


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
    scorers: tuple[str, ...] = ()  # names of the backends used, e.g. "nli:vncheck-nli.v1"
    embedder: str = ""
    min_score: float = 0.5
    version: str = ""
    meta: dict[str, str] = field(default_factory=dict)

    def findings(self) -> tuple[PairVerdict, ...]:
        """Verdicts that are reported as findings: contradictions and agreements at or above ``min_score``."""
        return tuple(
            v
            for v in self.verdicts
            if v.label in (Verdict.CONTRADICTS, Verdict.AGREES) and v.score >= self.min_score
        )
