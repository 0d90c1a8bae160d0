"""Structured claim checks: slots (time, counts, actors, levels, status events, negation)
read from each claim and compared between two aligned claims.

Public API:

- :func:`load_lexicon` / :class:`Lexicon`: built-in vocabulary plus ``--lexicon`` files.
- :func:`extract_slots` -> :class:`ClaimSlots`: all slots of one claim.
- :func:`compare_slots` -> :class:`Comparison`: conflict/support findings with reasons.
- :func:`check_claims`: both steps for two :class:`~checker.records.Claim` records.
- Per-concern extractors: :func:`extract_times`, :func:`extract_quantities`,
  :func:`extract_ranks`, :func:`extract_actors`, :func:`extract_levels`,
  :func:`extract_statuses`, :func:`extract_polarity`.
"""
from __future__ import annotations

import datetime as dt

from ..records import Claim, Finding
from .actors import extract_actors
from .compare import Comparison, compare_slots
from .dates import extract_times
from .extract import extract_slots
from .levels import extract_levels
from .lexicon import Lexicon, default_lexicon, load_lexicon
from .negation import extract_polarity
from .quantities import extract_quantities, extract_ranks
from .slots import ActorMention, ClaimSlots, LevelSlot, Polarity, Quantity, RankSlot, StatusEvent, TimeRef
from .status import extract_statuses

__all__ = [
    "ActorMention", "ClaimSlots", "Comparison", "LevelSlot", "Lexicon", "Polarity", "Quantity", "RankSlot",
    "StatusEvent", "TimeRef", "check_claims", "compare_slots", "default_lexicon", "extract_actors",
    "extract_levels", "extract_polarity", "extract_quantities", "extract_ranks", "extract_slots",
    "extract_statuses", "extract_times", "load_lexicon",
]


def check_claims(
    a: Claim,
    b: Claim,
    published_a: dt.date | None = None,
    published_b: dt.date | None = None,
    lexicon: Lexicon | None = None,
) -> list[Finding]:
    """Structured findings for two claims: (Claim, Claim) -> list[Finding].

    Args:
        a, b: the claims (their ``doc_id`` labels the reasons).
        published_a, published_b: their documents' publication dates, if known.
        lexicon: vocabulary; the built-in one when None.
    Returns:
        Conflict and support findings, strongest conflict first.

    Example:
        >>> a = Claim("d0:s0", "d0", "en", "In 2016, the US fully lifted the arms embargo.", 0, 46, 0)
        >>> b = Claim("d1:s0", "d1", "en", "The US fully lifted the arms embargo in 2019.", 0, 45, 0)
        >>> check_claims(a, b)[0].kind
        'conflict'
    """
    lexicon = lexicon or default_lexicon()
    sa = extract_slots(a.text, a.lang, published_a, lexicon, source=a.doc_id)
    sb = extract_slots(b.text, b.lang, published_b, lexicon, source=b.doc_id)
    return list(compare_slots(sa, sb, lexicon).findings)
