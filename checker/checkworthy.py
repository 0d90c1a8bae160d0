"""Which claims are worth pairing: only sentences that say something checkable on their own.

A news article is full of sentences that carry no fact another outlet could confirm or
contradict: "So etwas ist kaum vorstellbar.", "It was a good day.", "Das wurde nicht allen
gerecht." Paired with each other they made most of the agreements nobody needed at archive
scale (9 of 10 non-duplicate agreements in 300 corpus articles). A claim is check-worthy when
its own text has a *content anchor* the structured checks can read: a named entity (a lexicon
actor, a place or another name), a time, a number or rank, a relationship level or a status
event. Sentences that open with a back-reference ("Diese umfasst ...") get their previous
sentence as context from the checks (``checks.context``); whether they are check-worthy
still depends on what they say themselves, because NLI sees only their own text.

Claims that are not check-worthy stay in the report (they are part of the document) but are
not paired; the report lists them as skipped with the reason.
"""
from __future__ import annotations

from typing import Callable, Iterable, Sequence

from .checks.slots import ClaimSlots
from .records import CandidatePair, Claim, Skipped

#: The reason shown for a claim without a content anchor (``-vv`` and ``summary.skipped``).
NO_ANCHOR = "not check-worthy: no name, place, time, number, rank, level or status event to check"


def anchors(slots: ClaimSlots) -> tuple[str, ...]:
    """The kinds of content anchor in one claim's own slots.

    Example:
        >>> from checker.checks import extract_slots
        >>> anchors(extract_slots("Siemens cut 300 jobs in 2016.", "en"))
        ('name', 'time', 'number')
        >>> anchors(extract_slots("So etwas ist kaum vorstellbar.", "de"))
        ()
    """
    found = []
    if slots.actors:
        found.append("name")
    if slots.times:
        found.append("time")
    if slots.quantities or slots.ranks:
        found.append("number")
    if slots.levels:
        found.append("level")
    if slots.statuses:
        found.append("status")
    return tuple(found)


def unworthy_claims(claims: Iterable[Claim], own_slots: Callable[[Claim], ClaimSlots]) -> dict[str, Skipped]:
    """The claims without a content anchor, as skipped entries by claim id.

    Args:
        claims: the claims to judge.
        own_slots: a claim's own slots, without context from other sentences (``SlotCache.own_slots``).
    Returns:
        claim id -> Skipped(where=claim id, reason=``NO_ANCHOR``, text).
    """
    return {c.id: Skipped(where=c.id, reason=NO_ANCHOR, text=c.text) for c in claims if not anchors(own_slots(c))}


def drop_unworthy(pairs: Sequence[CandidatePair], unworthy: Iterable[str]) -> list[CandidatePair]:
    """The candidate pairs between two check-worthy claims, in input order."""
    skip = set(unworthy)
    return [p for p in pairs if p.a not in skip and p.b not in skip]
