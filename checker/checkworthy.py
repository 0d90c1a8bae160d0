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

import re
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


#: The reason shown for a list of names (a line-up, a table row): no statement to compare.
NAME_LIST = "not check-worthy: a list of names (line-up, table), no statement to check"
_LIST_ITEM = re.compile(r"^(?:\(?[\w.]+\)?\s)?(?:[A-ZÄÖÜ][\w'.-]*\s?){1,3}(?:\([^)]*\))?$")


def is_name_list(text: str) -> bool:
    """A sentence that is a list of names, not a statement: at least four items separated by
    commas, semicolons or dashes, nearly all of them one to three capitalised words
    ("G Murphy; G Dempsey, S Horgan, K Maggs ..."), or a short capitalised label and a colon
    before names only ("Subs Not Used: Howard, Bellion.").

    Example:
        >>> is_name_list("Subs Not Used: Macken, Weaver, Onuoha, Jordan."), is_name_list("Siemens, BASF and Bayer cut 300 jobs.")
        (True, False)
    """
    label, colon, rest = text.partition(":")
    labelled = bool(colon) and len(label.split()) <= 4 and bool(_LIST_ITEM.match(label.strip()))
    body = rest if labelled else text
    items = [i.strip(" .") for i in re.split(r"[,;–]| - ", body) if i.strip(" .")]
    names = sum(1 for i in items if _LIST_ITEM.match(i))
    if labelled and len(items) >= 2:  # "Subs Not Used: Howard, Bellion."
        return names == len(items)
    return len(items) >= 4 and names >= 0.8 * len(items)


def unworthy_claims(claims: Iterable[Claim], own_slots: Callable[[Claim], ClaimSlots]) -> dict[str, Skipped]:
    """The claims without a content anchor, or that are lists of names, as skipped entries by claim id.

    Args:
        claims: the claims to judge.
        own_slots: a claim's own slots, without context from other sentences (``SlotCache.own_slots``).
    Returns:
        claim id -> Skipped(where=claim id, reason=``NO_ANCHOR`` or ``NAME_LIST``, text).
    """
    out = {}
    for c in claims:
        if is_name_list(c.text):
            out[c.id] = Skipped(where=c.id, reason=NAME_LIST, text=c.text)
        elif not anchors(own_slots(c)):
            out[c.id] = Skipped(where=c.id, reason=NO_ANCHOR, text=c.text)
    return out


def drop_unworthy(pairs: Sequence[CandidatePair], unworthy: Iterable[str]) -> list[CandidatePair]:
    """The candidate pairs between two check-worthy claims, in input order."""
    skip = set(unworthy)
    return [p for p in pairs if p.a not in skip and p.b not in skip]
