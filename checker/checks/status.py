"""Status events: embargo lifted / partially lifted / imposed, relations established,
company founded, agreement signed, election won or lost; with date, actor and degree.

German separable verbs ("Die USA hoben das Embargo 2016 auf") are found from the verb
and its particle later in the clause.
"""
from __future__ import annotations

import datetime as dt
import logging

from .context import Context, build_context
from .lexicon import Lexicon, Match, default_lexicon
from .slots import StatusEvent

log = logging.getLogger(__name__)

#: Tokens between an action and its subject ("lifted the ban on selling ...").
SUBJECT_WINDOW = 8
#: Tokens between a subject and its object ("Aufhebung von Embargos für den Verkauf tödlicher Waffen").
OBJECT_WINDOW = 8
#: Tokens between a degree word and the action ("completely lifted", "partial lifting").
DEGREE_WINDOW = 3


def _separable(ctx: Context) -> list[Match]:
    toks = ctx.sentence.tokens
    out = []
    for aid, record in ctx.lexicon.table("actions").items():
        for verb, particle in record.get("separable", ()):
            for i, tok in enumerate(toks):
                if tok.norm != verb.lower():
                    continue
                clause = ctx.sentence.clause_of(i)
                if any(toks[k].norm == particle.lower() for k in range(i + 1, clause[1])):
                    out.append(Match(aid, i, i + 1, 100.0, verb))
    return out


def _particles(ctx: Context, a: Match, clause: tuple[int, int]) -> list[int]:
    """Position of the particle when ``a`` is the verb of a separable German verb."""
    record = ctx.lexicon.table("actions")[a.key]
    toks = ctx.sentence.tokens
    out = []
    for verb, particle in record.get("separable", ()):
        if toks[a.start].norm == verb.lower():
            out += [k for k in range(a.end, clause[1]) if toks[k].norm == particle.lower()]
    return out


def _nearest(matches: list[Match], pos: int, clause: tuple[int, int], window: int) -> Match | None:
    inside = [m for m in matches if clause[0] <= m.start < clause[1] and min(abs(m.start - pos), abs(m.end - pos)) <= window]
    return min(inside, key=lambda m: min(abs(m.start - pos), abs(m.end - pos)), default=None)


def find_statuses(ctx: Context) -> list[StatusEvent]:
    """Status events in an analysed sentence, bound to actors, time and polarity.

    Args:
        ctx: the sentence context.
    Returns:
        Events in text order.
    """
    lexicon = ctx.lexicon
    toks = ctx.sentence.tokens
    actions = lexicon.table("actions")
    subjects_table = lexicon.table("subjects")
    subjects = lexicon.find("subjects", toks)
    objects = lexicon.find("objects", toks)
    degrees = lexicon.find("degrees", toks)
    action_matches = sorted(lexicon.find("actions", toks) + _separable(ctx), key=lambda m: m.start)
    out: list[StatusEvent] = []
    for a in action_matches:
        record = actions[a.key]
        clause = ctx.sentence.clause_of(a.start)
        applies = record.get("applies_to")
        pool = [s for s in subjects if not applies or s.key in applies]
        subj = _nearest(pool, a.start, clause, SUBJECT_WINDOW)
        subject = subj.key if subj else record.get("implies_subject")
        if subject is None:
            continue
        obj = None
        if subj is not None:
            implied = {k.lower(): v for k, v in subjects_table[subject].get("with_object", {}).items()}
            obj = implied.get(subj.phrase.lower())
            if obj is None:
                near = _nearest([o for o in objects if o.start >= subj.end or o.end <= subj.start], subj.start, clause, OBJECT_WINDOW)
                obj = near.key if near else None
        degree = record.get("degree")
        if degree is None:
            # Near the action, its subject, or the particle of a separable verb ("hob ... vollständig auf").
            anchors = [a.start] + ([subj.start] if subj else []) + _particles(ctx, a, clause)
            near = [m for pos in anchors if (m := _nearest(degrees, pos, clause, DEGREE_WINDOW))]
            degree = near[0].key if near else None
        span = (a.start, a.end)
        parties = [x for x in ctx.actors if x.kind != "place" and clause[0] <= x.span[0] < clause[1]]
        before = [x for x in parties if x.span[1] <= a.start]
        agent = before[-1].id if before else (parties[0].id if parties else None)
        lo = min(a.start, subj.start) if subj else a.start
        hi = max(a.end, subj.end) if subj else a.end
        out.append(
            StatusEvent(
                subject=subject, action=a.key, effect=record["effect"], text=ctx.sentence.quote(lo, hi), span=span,
                degree=degree, once=bool(record.get("once")), outcome=bool(record.get("outcome")), object=obj,
                agent=agent, actors=ctx.actors_for(span), time=ctx.time_for(span), tense=ctx.tense_for(span),
                polarity=ctx.polarity_for(span),
            )
        )
    return out


def extract_statuses(text: str, lang: str = "en", published: dt.date | None = None, lexicon: Lexicon | None = None) -> tuple[StatusEvent, ...]:
    """Status events in one sentence.

    Args:
        text: one sentence.
        lang: "de" or "en".
        published: publication date of the document, if known.
        lexicon: vocabulary; the built-in one when None.
    Returns:
        Events with subject, action, degree, object, actors and time.

    Example:
        >>> e = extract_statuses("In 2016, the US completely lifted the arms embargo against Vietnam.")[0]
        >>> (e.subject, e.action, e.degree, e.object, e.time.describe())
        ('embargo', 'lifted', 'full', 'arms', '2016')
    """
    lexicon = lexicon or default_lexicon()
    return tuple(find_statuses(build_context(text, lang, published, lexicon)))
