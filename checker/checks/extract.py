"""All slots of one claim, in one pass: the input of :func:`checker.checks.compare.compare_slots`."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace
from typing import Sequence

from .context import build_context
from .lexicon import Lexicon, default_lexicon
from .levels import find_levels
from .quantities import find_quantities, find_ranks
from .slots import ClaimSlots, LevelSlot, TimeRef
from .status import find_statuses

log = logging.getLogger(__name__)

#: Levels and status events kept per claim (numbers: ``quantities.MAX_QUANTITIES``). Two claims
#: are compared slot by slot, so a claim with hundreds of them (a run of one phrase) would make
#: one comparison cost the product; a news sentence has one or two.
MAX_SLOTS_PER_KIND = 32


def extract_slots(
    text: str,
    lang: str = "en",
    published: dt.date | None = None,
    lexicon: Lexicon | None = None,
    source: str = "",
    previous: ClaimSlots | None = None,
    doc_actors: Sequence[str] = (),
) -> ClaimSlots:
    """Read every slot out of one claim.

    Args:
        text: the claim (one sentence).
        lang: "de" or "en".
        published: its document's publication date, when known.
        lexicon: vocabulary; the built-in one when None.
        source: label for reasons, usually the document id.
        previous: slots of the sentence before it in the same document. When the claim
            opens with a back-reference ("Diese umfasst ...", "This includes ..."), slots
            without actors or time take them from there (marked ``inherited``).
        doc_actors: the document's lexicon actors, most frequent first. A relationship level
            naming one actor ("the US is only a comprehensive partner") is a relation with
            the document's main other actor; it is completed from this list (marked
            ``completed``).
    Returns:
        The claim's slots.

    Example:
        >>> s = extract_slots("Meanwhile, the US is only a comprehensive partner.", "en", source="001")
        >>> s.levels[0].exclusive
        True
    """
    lexicon = lexicon or default_lexicon()
    own = _own_slots(text, lang, published, lexicon, source)
    return add_context(own, lexicon, previous, doc_actors)


def _own_slots(text: str, lang: str, published: dt.date | None, lexicon: Lexicon, source: str) -> ClaimSlots:
    """The slots the sentence states by itself (the expensive part: lexicon matching)."""
    ctx = build_context(text, lang, published, lexicon)
    sent = ctx.sentence
    levels = find_levels(ctx)[:MAX_SLOTS_PER_KIND]
    statuses = find_statuses(ctx)[:MAX_SLOTS_PER_KIND]
    ranks = [
        replace(r, time=ctx.time_for(r.span), tense=ctx.tense_for(r.span), polarity=ctx.polarity_for(r.span)) for r in find_ranks(sent, lexicon, ctx.actors)
    ]
    skip = {k for t in ctx.times for k in range(*t.span)} | {k for r in ranks for k in range(*r.span)}
    quantities = [
        replace(q, actors=ctx.actors_for(q.span), time=ctx.time_for(q.span), polarity=ctx.polarity_for(q.span))
        for q in find_quantities(sent, lexicon, skip)
    ]
    whole = (0, len(sent.tokens))
    return ClaimSlots(
        source=source,
        lang=sent.lang,
        text=text,
        published=published,
        actors=ctx.actors,
        times=ctx.times,
        quantities=tuple(quantities),
        ranks=tuple(ranks),
        levels=tuple(levels),
        statuses=tuple(statuses),
        polarity=ctx.polarity_for(whole),
        tense=ctx.tense_for(whole),
        opens_with_anaphora=bool(sent.tokens) and sent.tokens[0].norm in set(lexicon.words("clauses", "anaphora")),
    )


def add_context(own: ClaimSlots, lexicon: Lexicon, previous: ClaimSlots | None = None,
                doc_actors: Sequence[str] = (), story: Sequence[str] | None = None) -> ClaimSlots:
    """``own`` with what the surrounding text supplies (cheap; no lexicon matching).

    A claim that opens with a back-reference takes actors and time from ``previous`` for
    slots that lack them; a level naming one actor is completed from ``doc_actors`` (see
    :func:`extract_slots`). ``story`` (the document's main entities) is recorded, so that
    the comparison knows which story the claim belongs to.
    """
    levels, statuses, quantities = own.levels, own.statuses, own.quantities
    if previous is not None and own.opens_with_anaphora:
        inherited_actors = frozenset(x for x in previous.actor_ids if not x.startswith("name:"))
        inherited_time = _main_time(previous.times)

        def inherit(slot):
            changes = {}
            # Names outside the lexicon are a weak signal (German nouns are capitalised).
            if inherited_actors and not any(not x.startswith("name:") for x in slot.actors):
                changes["actors"] = inherited_actors
            if slot.time is None and inherited_time is not None:
                changes["time"] = inherited_time
            return replace(slot, inherited=True, **changes) if changes else slot

        levels = tuple(inherit(s) for s in levels)
        statuses = tuple(inherit(s) for s in statuses)
        quantities = tuple(inherit(s) for s in quantities)
    if doc_actors:
        levels = tuple(_complete(lv, doc_actors) for lv in levels)
    known = tuple(story) if story is not None else None
    if (levels, statuses, quantities, known) == (own.levels, own.statuses, own.quantities, own.story):
        return own
    return replace(own, levels=levels, statuses=statuses, quantities=quantities, story=known)


def _complete(level: LevelSlot, doc_actors: Sequence[str]) -> LevelSlot:
    named = [a for a in level.actors if not a.startswith("name:")]
    if len(named) != 1:
        return level
    partner = next((a for a in doc_actors if a != named[0]), None)
    if partner is None:
        return level
    return replace(level, actors=frozenset(named + [partner]), completed=True)


def _main_time(times: tuple[TimeRef, ...]) -> TimeRef | None:
    resolved = [t for t in times if t.resolved]
    return resolved[0] if len(resolved) == 1 else None
