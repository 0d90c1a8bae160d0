"""Blocking keys: which claims talk about the same slot (same relation, event or measure of the same actors).

Two claims sharing a key become candidate pairs even when their wording (and so their
embeddings) differ: "the US is only a comprehensive partner" and a German sentence on the
"umfassende strategische Partnerschaft" between the USA and Vietnam share ("level",
"partnership", "USA").
"""
from __future__ import annotations

from .slots import ClaimSlots

SlotKey = tuple[str, ...]


def slot_keys(slots: ClaimSlots) -> frozenset[SlotKey]:
    """Keys for the comparable slots of one claim.

    Example:
        >>> from checker.checks import extract_slots
        >>> sorted(slot_keys(extract_slots("In 2016, the US lifted the arms embargo against Vietnam.", "en")))
        [('status', 'embargo', 'USA'), ('status', 'embargo', 'VNM')]
    """
    keys: set[SlotKey] = set()
    for level in slots.levels:
        keys.update(("level", level.category, actor) for actor in level.actors)
    for event in slots.statuses:
        actors = event.actors or frozenset({""})
        keys.update(("status", event.subject, actor) for actor in actors)
    for rank in slots.ranks:
        if rank.of:
            keys.add(("rank", rank.role, rank.of))
    for quantity in slots.quantities:
        if quantity.measure:
            keys.update(("quantity", quantity.measure, actor) for actor in quantity.actors)
    return frozenset(keys)
