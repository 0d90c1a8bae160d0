"""Relationship levels on an ordered ladder, in German and English.

"comprehensive partnership" < "strategic partnership" < "comprehensive strategic
partnership" (with equivalents such as "umfassende strategische Zusammenarbeit");
"alliance" / "Bündnis" is a category of its own. Qualifiers "only"/"nur" make a level
exclusive; "upgraded"/"aufgewertet" after a level marks it as a former level.
"""
from __future__ import annotations

import datetime as dt
import logging

from .context import Context, build_context
from .lexicon import Lexicon, default_lexicon
from .slots import LevelSlot

log = logging.getLogger(__name__)

#: Tokens between an exclusive qualifier and the level ("only a comprehensive partner").
QUALIFIER_WINDOW = 3


def find_levels(ctx: Context) -> list[LevelSlot]:
    """Relationship levels in an analysed sentence, bound to actors, time and polarity.

    Args:
        ctx: the sentence context.
    Returns:
        Level slots in text order.
    """
    lexicon = ctx.lexicon
    toks = ctx.sentence.tokens
    ladders = lexicon.table("ladders")
    categories = lexicon.table("categories")
    exclusive = lexicon.find("qualifiers.exclusive", toks)
    cancel = set(lexicon.words("qualifiers", "cancel_exclusive"))
    upgrades = lexicon.find("qualifiers.upgrade", toks)
    targets = set(lexicon.words("qualifiers", "target"))
    prospective = lexicon.find("qualifiers.prospective", toks)
    plural = tuple(w for w in lexicon.words("qualifiers", "plural"))
    sources = set(lexicon.words("qualifiers", "source"))
    out: list[LevelSlot] = []
    for m in lexicon.find("rungs", toks):
        category, rung = m.key.split("/", 1)
        if category in ladders:
            record = ladders[category]["rungs"][rung]
            rank, label = int(record["rank"]), record.get("label", rung)
        else:
            rank, label = 0, categories[category].get("label", category)
        clause = ctx.sentence.clause_of(m.start)
        qualifier = ""
        for q in exclusive:
            if clause[0] <= q.start and q.end <= m.start and m.start - q.end <= QUALIFIER_WINDOW:
                if q.start > 0 and toks[q.start - 1].norm in cancel:
                    continue  # "not only a partner"
                qualifier = ctx.sentence.quote(q.start, q.end)
        superseded = target = False
        for u in upgrades:
            if not (clause[0] <= u.start < clause[1]):
                continue
            if u.start >= m.end:
                # "eine umfassende Partnerschaft, die nun aufgewertet wurde": the level was raised since.
                between = {t.norm for t in toks[m.end : u.start]}
                if not between & targets:
                    superseded = True
            else:
                between = [t.norm for t in toks[u.end : m.start]]
                if any(w in sources for w in between) and not any(w in targets for w in between):
                    superseded = True  # "upgraded from a comprehensive partnership"
                elif any(w in targets for w in between):
                    target = True  # "upgraded to a strategic partnership"
        for pcue in prospective:
            if clause[0] <= pcue.start and pcue.end <= m.start and m.start - pcue.end <= QUALIFIER_WINDOW + 1:
                target = True
        span = (m.start, m.end)
        actors = ctx.actors_for(span)
        if len(actors) == 1 and toks[m.end - 1].norm in plural:
            continue  # "US strategic partners": the US's partners in general
        out.append(
            LevelSlot(
                category=category, rung=rung, rank=rank, label=label, text=ctx.sentence.quote(*span), span=span,
                actors=actors, exclusive=bool(qualifier), qualifier=qualifier, superseded=superseded,
                target=target, time=ctx.time_for(span), tense=ctx.tense_for(span), polarity=ctx.polarity_for(span),
            )
        )
    # Two rungs of one ladder in a sentence with an upgrade cue: the lower ones are the past.
    if upgrades:
        ladder_levels = [lv for lv in out if lv.rank > 0]
        top = max((lv.rank for lv in ladder_levels), default=0)
        out = [
            _replace_superseded(lv) if 0 < lv.rank < top and not lv.superseded else lv for lv in out
        ]
    return out


def _replace_superseded(level: LevelSlot) -> LevelSlot:
    from dataclasses import replace

    return replace(level, superseded=True, target=False)


def extract_levels(text: str, lang: str = "en", published: dt.date | None = None, lexicon: Lexicon | None = None) -> tuple[LevelSlot, ...]:
    """Relationship levels in one sentence.

    Args:
        text: one sentence.
        lang: "de" or "en".
        published: publication date of the document, if known.
        lexicon: vocabulary; the built-in one when None.
    Returns:
        Level slots with actors, time, tense, exclusivity and polarity.

    Example:
        >>> lv = extract_levels("Meanwhile, the US is only a comprehensive partner.")[0]
        >>> (lv.label, lv.exclusive, lv.tense, sorted(lv.actors))
        ('comprehensive partnership', True, 'present', ['USA'])
    """
    lexicon = lexicon or default_lexicon()
    return tuple(find_levels(build_context(text, lang, published, lexicon)))
