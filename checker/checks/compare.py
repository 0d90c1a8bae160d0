"""Compare the slots of two aligned claims: conflicts and agreements, with reasons in words.

Principles:

- Slots compare only when they speak about the same actors (a relation between A and B
  is not one between A and C) and the same thing (same ladder, same embargo object,
  same unit and measure, same ranking role and direction).
- Different times make a timeline, not a conflict: "comprehensive partnership (2010)"
  and "comprehensive strategic partnership (2023)" are two steps. The exception is a
  one-off event (an embargo fully lifted, relations established, a company founded)
  dated differently by the two claims.
- An exclusive level stated in the present ("is only a comprehensive partner") holds at
  the document's date; against a different level at an overlapping or unknown time it
  is a conflict.
- Hedged slots (forecasts, plans, questions, conditions) never conflict.

Each finding carries a confidence in 0..1: the base value below for its kind, times the
actor factor and penalties for inherited context or unspecified details.
"""
from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from typing import Callable, Iterable

from rapidfuzz import fuzz

from ..records import Finding
from .actors import relate, same_name
from .lexicon import Lexicon, default_lexicon
from .slots import ActorMention, ClaimSlots, LevelSlot, Quantity, RankSlot, StatusEvent, TimeRef

log = logging.getLogger(__name__)

# --- base confidences ------------------------------------------------------------------
#: Two rungs of one ladder, both dated and overlapping (a relation has one level at a time).
LEVEL_CONFLICT_DATED = 0.9
#: "is only X" (present) against another rung at an unknown time, or both in the present.
LEVEL_CONFLICT_EXCLUSIVE = 0.9
#: "is only X" from an undated document against a dated higher rung: the exclusive claim
#: might predate the upgrade, so a little less sure.
LEVEL_CONFLICT_EXCLUSIVE_UNDATED = 0.8
#: Two different rungs, both undated and not in the past tense, neither exclusive.
LEVEL_CONFLICT_PRESENT = 0.75
#: "X, since upgraded" against "is only X".
LEVEL_CONFLICT_SUPERSEDED = 0.75
#: "is only a partner" against "alliance": different categories, below the decisive level.
LEVEL_CONFLICT_CATEGORY = 0.6
#: The same slot asserted and negated at compatible times.
NEGATION_CONFLICT = 0.85
#: A one-off action (fully lifted, established, founded) dated at two disjoint times.
STATUS_CONFLICT_ONCE = 0.9
#: "fully" against "partially" for the same action at the same time.
STATUS_CONFLICT_DEGREE = 0.85
#: A partial step dated after the full one ("fully lifted 2016", "partially lifted 2018"):
#: possible only if it was re-imposed in between, which the claims would say.
STATUS_CONFLICT_ORDER = 0.85
#: Opposite actions (lifted vs imposed) at overlapping times.
STATUS_CONFLICT_EFFECT = 0.8
#: The same side both won and lost the same contest.
OUTCOME_CONFLICT = 0.85
#: Two different winners of one dated contest; undated contests may be different ones.
WINNER_CONFLICT_DATED = 0.8
WINNER_CONFLICT_UNDATED = 0.6
#: Different numbers for the same unit, measure, actors and time.
COUNT_CONFLICT = 0.85
#: Opposite trends ("rose" vs "fell") of the same measure.
TREND_CONFLICT = 0.8
#: Different places in the same ranking (same role, subject and owner).
RANK_CONFLICT = 0.85
#: Agreements: same value for the same thing.
LEVEL_SUPPORT = 0.75
STATUS_SUPPORT = 0.75
COUNT_SUPPORT = 0.6
RANK_SUPPORT = 0.7

# --- factors ----------------------------------------------------------------------------
#: How sure we are that the two slots are about the same actors.
ACTOR_FACTOR = {"same": 1.0, "subset": 0.9, "overlap": 0.8}
#: Neither claim names an actor (aligned pairs usually speak of the same thing).
ACTOR_FACTOR_NONE = 0.9
#: Only one claim names actors.
ACTOR_FACTOR_ONE = 0.85
#: A slot that took its actors or time from the previous sentence.
INHERITED_FACTOR = 0.9
#: Counts of one noun where neither claim names anyone nor a time: on archive articles such
#: pairs were two events far more often than one, so the conflict needs NLI support.
NO_ANCHOR_FACTOR = 0.85
#: "lifted" without "fully"/"partially" against a dated full lifting.
UNSPECIFIED_FACTOR = 0.9
#: One side has a time expression that could not be placed ("vor zehn Jahren" without date).
UNRESOLVED_TIME_FACTOR = 0.8
#: Relative tolerance for exact numbers (rounding: "3.4 billion" vs "3,38 Mrd").
EXACT_TOLERANCE = 0.015
#: Relative tolerance when either number is approximate ("about", "rund").
APPROX_TOLERANCE = 0.10


@dataclass(frozen=True, slots=True)
class Comparison:
    """The outcome of comparing two claims' slots.

    ``notes`` explain what was compared but is no conflict ("timeline: ...",
    "different direction: ...").
    """

    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def conflict(self) -> float:
        """Confidence of the strongest conflict (0 when none)."""
        return max((f.confidence for f in self.findings if f.kind == "conflict"), default=0.0)

    @property
    def support(self) -> float:
        """Confidence of the strongest agreement (0 when none)."""
        return max((f.confidence for f in self.findings if f.kind == "support"), default=0.0)

    @property
    def timeline(self) -> bool:
        """True when a slot pair was found to describe different times."""
        return any(n.startswith("timeline") for n in self.notes)


class _Builder:
    def __init__(self, a: ClaimSlots, b: ClaimSlots, lexicon: Lexicon) -> None:
        self.a, self.b, self.lexicon = a, b, lexicon
        self.findings: dict[str, Finding] = {}
        self.notes: list[str] = []

    def add(self, check: str, kind: str, reason: str, confidence: float) -> None:
        reason = " ".join(reason.split())  # quoted claim text may hold line breaks: a reason is one line
        confidence = round(max(0.0, min(1.0, confidence)), 3)
        old = self.findings.get(reason)
        if old is None or old.confidence < confidence:
            self.findings[reason] = Finding(check, kind, reason, confidence)  # type: ignore[arg-type]

    @property
    def timeline(self) -> bool:
        """A check made a timeline note."""
        return any(n.startswith("timeline") for n in self.notes)

    def note(self, text: str) -> None:
        text = " ".join(text.split())
        if text not in self.notes:
            self.notes.append(text)

    def result(self) -> Comparison:
        ordered = sorted(self.findings.values(), key=lambda f: (f.kind != "conflict", -f.confidence, f.reason))
        return Comparison(tuple(ordered), tuple(self.notes))


def _actor_factor(x: frozenset[str], y: frozenset[str], relation: bool = True) -> float | None:
    """Factor for the actors of two slots; None when they are about different actors.

    With ``relation`` (levels, counts of a pair), sharing only one actor of two pairs
    ({US, VN} vs {CN, VN}) is a different relation.
    """
    # Lexicon actors are reliable; other names only count when neither side has lexicon actors.
    lex_x = {i for i in x if not i.startswith("name:")}
    lex_y = {i for i in y if not i.startswith("name:")}
    if lex_x and lex_y:
        x, y = frozenset(lex_x), frozenset(lex_y)
    elif lex_x or lex_y:
        return ACTOR_FACTOR_ONE
    if not x and not y:
        return ACTOR_FACTOR_NONE
    if not x or not y:
        return ACTOR_FACTOR_ONE
    rel = relate(x, y)
    if rel == "disjoint" or (relation and rel == "overlap"):
        return None
    return ACTOR_FACTOR[rel]


def same_story(a: ClaimSlots, b: ClaimSlots) -> bool:
    """Whether two claims whose own actors do not settle it can be about the same thing.

    In a pipeline run each claim knows the entities its document is about most (actors,
    places, names): documents with none in common report different stories ("exports rose
    1.3%" in a piece on France and "exports grew 34%" in one on Latin America; the 48th
    minute of two different matches). Sentences compared on their own (``vncheck compare``)
    and documents without any entity carry no such context: then the pair is kept.
    """
    if not a.story or not b.story:
        return True
    return bool(set(a.story) & set(b.story))


def _time(t: TimeRef | None) -> TimeRef | None:
    return t if t is not None and t.resolved else None


def _unresolved(t: TimeRef | None) -> bool:
    return t is not None and not t.resolved


def _relation(x: TimeRef | None, y: TimeRef | None) -> str:
    if x is not None and y is not None and not x.resolved and not y.resolved and any(x.parts) and any(y.parts):
        # Both without year ("im Mai", "in May"): the same month/day reads as the same time.
        if x.parts[1:] == y.parts[1:]:
            return "overlap"
        key_x, key_y = [tuple(-1 if v is None else v for v in t.parts[1:]) for t in (x, y)]  # a month without day: unknown day
        if None in x.parts[1:] + y.parts[1:] and (x.parts[1] == y.parts[1] or None in (x.parts[1], y.parts[1])):
            return "unknown"  # "im Mai" vs "am 5. Mai": one day unknown, the same month or no month to compare
        return "before" if key_x < key_y else "after"
    x, y = _time(x), _time(y)
    return x.relation(y) if x and y else "unknown"


def _where(source: str, time: TimeRef | None, *extra: str) -> str:
    parts = [source] if source else []
    if time is not None:
        parts.append(time.describe())
    parts += [e for e in extra if e]
    return ", ".join(parts)


# --- levels ------------------------------------------------------------------------------
def _level_text(lv: LevelSlot) -> str:
    text = lv.label
    if lv.exclusive:
        text = f"only {text}"
    if lv.polarity.negated:
        text = f"not {text}"
    if lv.superseded:
        text += ", since upgraded"
    return text


def _level_where(src: str, lv: LevelSlot) -> str:
    extra = []
    if lv.time is None and lv.tense == "present":
        extra.append("present tense")
    if lv.exclusive:
        extra.append(f'exclusive "{lv.qualifier}"')
    if lv.inherited:
        extra.append("context from the previous sentence")
    if lv.completed:
        extra.append("partner from the document")
    return _where(src, lv.time, *extra)


def _compare_levels(bld: _Builder) -> None:
    a, b = bld.a, bld.b
    for la in a.levels:
        for lb in b.levels:
            if la.polarity.hedged or lb.polarity.hedged:
                continue
            factor = _actor_factor(la.actors, lb.actors)
            if factor is None:
                continue
            if la.inherited or lb.inherited or la.completed or lb.completed:
                factor *= INHERITED_FACTOR
            name = bld.lexicon.table("ladders").get(la.category, {}).get("label") or la.category
            reason = f"{name}: {_level_text(la)} ({_level_where(a.source, la)}) vs {_level_text(lb)} ({_level_where(b.source, lb)})"
            rel = _relation(la.time, lb.time)
            if la.category != lb.category:
                # "only a comprehensive partner" excludes an alliance, but the categories differ:
                # never decisive on its own.
                if (la.exclusive or lb.exclusive) and not (la.polarity.negated or lb.polarity.negated) and rel in ("overlap", "unknown"):
                    bld.add("level", "conflict", f"relationship: {_level_text(la)} ({_level_where(a.source, la)}) vs {_level_text(lb)} ({_level_where(b.source, lb)})", LEVEL_CONFLICT_CATEGORY * factor)
                continue
            same_rung = la.rank == lb.rank if la.rank else True
            if la.polarity.negated != lb.polarity.negated:
                if same_rung and rel in ("overlap", "unknown") and not (la.superseded or lb.superseded):
                    bld.add("negation", "conflict", reason, NEGATION_CONFLICT * factor)
                continue
            if la.polarity.negated:
                continue
            if same_rung:
                _same_level(bld, la, lb, rel, reason, factor)
            else:
                _different_levels(bld, la, lb, rel, reason, factor)


def _same_level(bld: _Builder, la: LevelSlot, lb: LevelSlot, rel: str, reason: str, factor: float) -> None:
    for old, now in ((la, lb), (lb, la)):
        if old.superseded and not now.superseded and now.exclusive and now.tense != "past" and _time(now.time) is None:
            bld.add("level", "conflict", reason, LEVEL_CONFLICT_SUPERSEDED * factor)
            return
    if la.superseded or lb.superseded:
        return
    if rel in ("before", "after"):
        bld.note(f"timeline: {reason}")
        return
    bld.add("level", "support", reason, LEVEL_SUPPORT * factor)


def _different_levels(bld: _Builder, la: LevelSlot, lb: LevelSlot, rel: str, reason: str, factor: float) -> None:
    if la.superseded or lb.superseded:
        bld.note(f"timeline: {reason}")
        return
    if rel == "overlap":
        bld.add("level", "conflict", reason, LEVEL_CONFLICT_DATED * factor)
        return
    if rel in ("before", "after"):
        bld.note(f"timeline: {reason}")
        return
    ta, tb = _time(la.time), _time(lb.time)
    if ta is None and tb is None:
        if la.tense == "past" or lb.tense == "past" or la.target or lb.target:
            return
        base = LEVEL_CONFLICT_EXCLUSIVE if (la.exclusive or lb.exclusive) else LEVEL_CONFLICT_PRESENT
        bld.add("level", "conflict", reason, base * factor)
        return
    # One side dated, the other not.
    undated, dated, undated_slots = (la, lb, bld.a) if ta is None else (lb, la, bld.b)
    if undated.target:
        return  # an aim, not a state
    if not undated.exclusive or undated.tense == "past":
        return  # an undated plain level next to a dated one: can't tell which came first
    ref = undated_slots.published
    dated_time = _time(dated.time)
    if ref is not None and dated_time is not None:
        if dated_time.end is not None and dated_time.end < ref:
            if dated.rank < undated.rank:
                bld.note(f"timeline: {reason}")
                return
        elif dated_time.start is not None and dated_time.start > ref:
            bld.note(f"timeline: {reason}")
            return
        bld.add("level", "conflict", reason, LEVEL_CONFLICT_EXCLUSIVE * factor)
        return
    if dated.rank > undated.rank:
        bld.add("level", "conflict", reason, LEVEL_CONFLICT_EXCLUSIVE_UNDATED * factor)
    else:
        bld.note(f"timeline: {reason}")


# --- status events -----------------------------------------------------------------------
def _object_label(lexicon: Lexicon, obj: str | None) -> str:
    if obj is None:
        return ""
    return lexicon.table("objects").get(obj, {}).get("label", obj)


def _ancestors(lexicon: Lexicon, obj: str) -> list[str]:
    chain, seen = [obj], {obj}
    objects = lexicon.table("objects")
    while (parent := objects.get(chain[-1], {}).get("parent")) and parent not in seen:
        chain.append(parent)
        seen.add(parent)
    return chain


def _objects_fit(lexicon: Lexicon, x: str | None, y: str | None) -> bool:
    if x is None or y is None:
        return True
    return x in _ancestors(lexicon, y) or y in _ancestors(lexicon, x)


def _status_text(lexicon: Lexicon, ev: StatusEvent) -> str:
    label = lexicon.table("actions").get(ev.action, {}).get("label", ev.action)
    if ev.degree == "full" and "full" not in label:
        label = f"fully {label}"
    elif ev.degree == "partial" and "partial" not in label:
        label = f"partially {label}"
    if ev.polarity.negated:
        label = f"not {label}"
    if ev.outcome and ev.agent:
        label = f"{lexicon.actor_label(ev.agent) if not ev.agent.startswith('name:') else ev.agent[5:]} {label}"
    return label


def _status_where(src: str, ev: StatusEvent) -> str:
    return _where(src, ev.time, "context from the previous sentence" if ev.inherited else "")


_OPPOSITE = {"win": "lose", "lose": "win"}


def _compare_statuses(bld: _Builder) -> None:
    a, b, lex = bld.a, bld.b, bld.lexicon
    for ea in a.statuses:
        for eb in b.statuses:
            if ea.subject != eb.subject or ea.polarity.hedged or eb.polarity.hedged:
                continue
            if not _objects_fit(lex, ea.object, eb.object):
                continue
            subject = lex.table("subjects").get(ea.subject, {}).get("label", ea.subject)
            obj = _object_label(lex, ea.object if ea.object and (eb.object is None or ea.object in _ancestors(lex, eb.object)) else eb.object)
            head = f"{subject} on {obj}" if obj and ea.subject in ("embargo", "sanctions", "tariffs") else subject
            reason = f"{head}: {_status_text(lex, ea)} ({_status_where(a.source, ea)}) vs {_status_text(lex, eb)} ({_status_where(b.source, eb)})"
            rel = _relation(ea.time, eb.time)
            if ea.outcome and eb.outcome:
                _compare_outcomes(bld, ea, eb, rel, reason)
                continue
            factor = _actor_factor(ea.actors, eb.actors)
            if factor is None:
                continue
            if ea.inherited or eb.inherited:
                factor *= INHERITED_FACTOR
            if (ea.object is None) != (eb.object is None):
                factor *= UNSPECIFIED_FACTOR
            if ea.polarity.negated != eb.polarity.negated:
                neg = ea if ea.polarity.negated else eb
                if ea.effect == eb.effect and (rel == "overlap" or (rel == "unknown" and neg.tense != "past" and _time(neg.time) is None)):
                    bld.add("negation", "conflict", reason, NEGATION_CONFLICT * factor)
                elif rel in ("before", "after"):
                    bld.note(f"timeline: {reason}")
                continue
            if ea.polarity.negated:
                continue
            if ea.effect != eb.effect:
                if rel == "overlap" and {ea.effect, eb.effect} <= {"lift", "impose", "tighten"} and "tighten" not in (ea.effect, eb.effect):
                    bld.add("status", "conflict", reason, STATUS_CONFLICT_EFFECT * factor)
                elif rel in ("before", "after"):
                    bld.note(f"timeline: {reason}")
                continue
            degrees = {ea.degree, eb.degree}
            if rel == "overlap":
                if degrees == {"full", "partial"}:
                    bld.add("status", "conflict", reason, STATUS_CONFLICT_DEGREE * factor)
                else:
                    bld.add("status", "support", reason, STATUS_SUPPORT * factor)
                continue
            if rel == "unknown":
                if _time(ea.time) is None and _time(eb.time) is None and degrees != {"full", "partial"}:
                    bld.add("status", "support", reason, STATUS_SUPPORT * factor * ACTOR_FACTOR_NONE)
                continue
            first, second = (ea, eb) if rel == "before" else (eb, ea)
            if not (ea.once or eb.once):
                bld.note(f"timeline: {reason}")
                continue
            if first.degree != "partial" and second.degree != "partial":
                unspecified = UNSPECIFIED_FACTOR if None in degrees and degrees != {None} else 1.0
                bld.add("status", "conflict", reason, STATUS_CONFLICT_ONCE * factor * unspecified)
            elif first.degree != "partial" and second.degree == "partial":
                bld.add("status", "conflict", reason, STATUS_CONFLICT_ORDER * factor)
            else:
                bld.note(f"timeline: {reason}")


def _compare_outcomes(bld: _Builder, ea: StatusEvent, eb: StatusEvent, rel: str, reason: str) -> None:
    if rel in ("before", "after"):
        bld.note(f"timeline: {reason}")
        return
    if (ea.agent is None) != (eb.agent is None):
        return
    eff_a = _OPPOSITE[ea.effect] if ea.polarity.negated else ea.effect
    eff_b = _OPPOSITE[eb.effect] if eb.polarity.negated else eb.effect
    dated = rel == "overlap"
    # Neither names the side ("Die Partei verlor die Wahl"): aligned claims speak of the same one.
    factor = ACTOR_FACTOR_NONE if ea.agent is None else 1.0
    if ea.agent is None or same_name(ea.agent, eb.agent):
        factor *= 1.0 if dated else ACTOR_FACTOR_NONE
        if eff_a != eff_b:
            bld.add("status", "conflict", reason, OUTCOME_CONFLICT * factor)
        else:
            bld.add("status", "support", reason, STATUS_SUPPORT * factor)
        return
    # Different agents: two winners of one contest conflict (a loser and a winner do not).
    if eff_a == eff_b == "win":
        bld.add("status", "conflict", reason, WINNER_CONFLICT_DATED if dated else WINNER_CONFLICT_UNDATED)


# --- quantities --------------------------------------------------------------------------
def _unit_key(q: Quantity, lang: str) -> str | None:
    if q.unit:
        return q.unit
    if q.noun:
        return f"{lang}:{q.noun}"
    return None


def _fits(x: Quantity, y: Quantity) -> bool:
    """True when the two numbers can describe the same value."""
    tol = APPROX_TOLERANCE if "about" in (x.approx, y.approx) else EXACT_TOLERANCE
    for lo_q, other in ((x, y), (y, x)):
        if lo_q.approx == "at_least" and other.approx in ("exact", "about", "at_least"):
            if other.value < lo_q.value * (1 - tol) and other.approx != "at_least":
                return False
        if lo_q.approx == "at_most" and other.approx in ("exact", "about", "at_most"):
            if other.value > lo_q.value * (1 + tol) and other.approx != "at_most":
                return False
    if "at_least" in (x.approx, y.approx) or "at_most" in (x.approx, y.approx):
        return True
    scale = max(abs(x.value), abs(y.value), 1e-9)
    return abs(x.value - y.value) / scale <= tol


def _plan_only(polarity, lexicon: Lexicon) -> bool:
    """Hedged only by words of a plan or forecast ("will build 300 flats", "will now go ahead")."""
    plans = set(lexicon.words("hedges", "plans"))
    return polarity.hedged and bool(polarity.cues) and all(c.lower() in plans for c in polarity.cues)


def _possible(slots: ClaimSlots, lexicon: Lexicon) -> bool:
    """The claim states a possibility, question or condition (a plan is a statement too)."""
    return slots.polarity.hedged and not _plan_only(slots.polarity, lexicon)


def _qty_text(q: Quantity) -> str:
    return q.text.strip() or f"{q.value:g}"


def _compare_quantities(bld: _Builder) -> None:
    a, b = bld.a, bld.b
    keys_a = [_unit_key(q, a.lang) for q in a.quantities]
    keys_b = [_unit_key(q, b.lang) for q in b.quantities]
    # Currencies and percentages say how much, not of what: two amounts compare only when both
    # name what they measure ("revenue") or both name the same actors ("the SPD won 25.7
    # percent"); else any two sums of money in similar sentences would "conflict" (on a news
    # archive most such findings were about different things: benchmarks/scale.py, 250 articles).
    amount_units = set(bld.lexicon.table("units"))
    for qa, ka in zip(a.quantities, keys_a):
        for qb, kb in zip(b.quantities, keys_b):
            if ka is None or ka != kb or qa.kind != qb.kind:
                continue
            bare_amount = ka in amount_units and not (qa.measure and qb.measure)
            # An ordinal is a position in a sequence ("in der 48. Minute"): without a named
            # measure, two positions belong to two sequences as often as to one (two matches).
            if qa.kind == "ordinal" and not (qa.measure and qb.measure):
                continue
            if qa.polarity.negated or qb.polarity.negated:
                continue
            if (qa.polarity.hedged or qb.polarity.hedged) and not (_plan_only(qa.polarity, bld.lexicon) and _plan_only(qb.polarity, bld.lexicon)):
                continue  # a fact against a possibility; two plans of one thing ("will build") do compare
            if qa.measure and qb.measure and qa.measure != qb.measure:
                continue
            # Two numbers of one unit in a claim ("from 5% to 8%"): which one to compare is unclear.
            if sum(1 for q, k in zip(a.quantities, keys_a) if k == ka and q.measure == qa.measure) > 1:
                continue
            if sum(1 for q, k in zip(b.quantities, keys_b) if k == kb and q.measure == qb.measure) > 1:
                continue
            # Numbers bound to no actor belong to what the whole claim is about: two claims naming
            # only different people or organisations ("48. Minute" of two matches) are about different things.
            factor = _actor_factor(qa.actors or a.actor_ids, qb.actors or b.actor_ids)
            if factor is None:
                continue
            if factor in (ACTOR_FACTOR_NONE, ACTOR_FACTOR_ONE) and (bare_amount or not same_story(a, b)):
                continue
            if factor == ACTOR_FACTOR_NONE and qa.time is None and qb.time is None:
                factor *= NO_ANCHOR_FACTOR  # "11 Menschen verletzt" / "26 Menschen verletzt": no one, no time named
            if qa.inherited or qb.inherited:
                factor *= INHERITED_FACTOR
            if (qa.measure is None) != (qb.measure is None):
                factor *= UNSPECIFIED_FACTOR
            what = qa.measure or qa.unit or qa.noun or "number"
            reason = f"{what.replace('_', ' ')}: {_qty_text(qa)} ({_where(a.source, qa.time)}) vs {_qty_text(qb)} ({_where(b.source, qb.time)})"
            rel = _relation(qa.time, qb.time)
            if rel in ("before", "after"):
                bld.note(f"timeline: {reason}")
                continue
            if rel == "unknown" and (_time(qa.time) is None) != (_time(qb.time) is None):
                factor *= UNSPECIFIED_FACTOR
            if (_unresolved(qa.time) or _unresolved(qb.time)) and rel == "unknown":
                factor *= UNRESOLVED_TIME_FACTOR
            if qa.trend and qb.trend and qa.trend != qb.trend and (qa.measure or qb.measure):
                bld.add("count", "conflict", f"trend of {reason}", TREND_CONFLICT * factor)
                continue
            if _fits(qa, qb):
                bld.add("count", "support", reason, COUNT_SUPPORT * factor)
            else:
                bld.add("count", "conflict", reason, COUNT_CONFLICT * factor)
    _same_figures(bld, keys_a, keys_b)


#: One figure differs where all the others of two claims agree: weak alone (a table row of
#: another year looks the same); with the NLI model's support, or where it reads the claims
#: as one statement, a contradiction (checker/verify.py).
FIGURES_CONFLICT = 0.6


def _figures(slots: ClaimSlots) -> list[Quantity]:
    """The claim's cardinal figures in order, without bare years (1900-2100 without a unit)."""
    return [q for q in slots.quantities if q.kind == "cardinal" and not q.inherited
            and not (q.unit is None and q.value.is_integer() and 1900 <= q.value <= 2100)]


def _compare_figure_lists(bld: _Builder) -> None:
    """Two claims with the same number of figures (at least two), all equal in order but one:
    "3 suspects, 8 tonnes, 150 kilograms" / "three suspects, eight tonnes, 1.5 tonnes". Works
    across languages, where the words the figures count are not comparable."""
    if any(f.check == "count" and f.kind == "conflict" for f in bld.findings.values()):
        return
    xs, ys = _figures(bld.a), _figures(bld.b)
    if len(xs) < 2 or len(xs) != len(ys) or len(xs) > 8:
        return
    if any(q.polarity.negated or q.polarity.hedged for q in xs + ys):
        return
    differ = [(x, y) for x, y in zip(xs, ys) if not _fits(x, y)]
    if len(differ) != 1:
        return
    x, y = differ[0]
    if x.unit and y.unit and x.unit != y.unit:
        return  # "£600m" / "$639m": one sum in two currencies
    same = ", ".join(_qty_text(q) for q in xs if q is not x)
    bld.add("figures", "conflict", f"one figure differs: {_qty_text(x)} ({bld.a.source}) vs {_qty_text(y)} ({bld.b.source}); "
            f"the others agree ({same})", FIGURES_CONFLICT)


def _same_figures(bld: _Builder, keys_a: list[str | None], keys_b: list[str | None]) -> None:
    """All figures of one unit are the same in both claims ("90 £ ... 100 £" / "ninety pounds
    ... £100"; "must pay 1.47m yuan" / "ordered to pay 1,470,000 yuan"): support, which the
    pairwise comparison above leaves out when a unit occurs twice or one side is hedged."""
    if any(f.check == "count" for f in bld.findings.values()):
        return
    a, b = bld.a, bld.b
    for key in sorted({k for k in keys_a if k} & {k for k in keys_b if k}):
        xs = sorted(q.value for q, k in zip(a.quantities, keys_a) if k == key and q.kind == "cardinal")
        ys = sorted(q.value for q, k in zip(b.quantities, keys_b) if k == key and q.kind == "cardinal")
        if xs and len(xs) == len(ys) and all(abs(x - y) <= EXACT_TOLERANCE * max(abs(x), abs(y), 1e-9) for x, y in zip(xs, ys)):
            shown = ", ".join(_qty_text(q) for q, k in zip(a.quantities, keys_a) if k == key)
            bld.add("count", "support", f"same figures: {shown} ({a.source}) and in {b.source}", COUNT_SUPPORT * UNSPECIFIED_FACTOR)


# --- ranks -------------------------------------------------------------------------------
def _rank_text(lexicon: Lexicon, r: RankSlot) -> str:
    def name(x: str | None) -> str:
        if x is None:
            return "?"
        return x[5:] if x.startswith("name:") else lexicon.actor_label(x)

    ordinal = {1: "1st", 2: "2nd", 3: "3rd"}.get(r.rank, f"{r.rank}th")
    return f"{name(r.subject)} is {name(r.of)}'s {ordinal} {r.role.replace('_', ' ')}"


def _compare_ranks(bld: _Builder) -> None:
    a, b, lex = bld.a, bld.b, bld.lexicon
    for ra in a.ranks:
        for rb in b.ranks:
            if ra.role != rb.role or ra.polarity.hedged or rb.polarity.hedged or ra.polarity.negated or rb.polarity.negated:
                continue
            if not (ra.subject and rb.subject):
                continue
            reason = f"ranking: {_rank_text(lex, ra)} ({_where(a.source, ra.time)}) vs {_rank_text(lex, rb)} ({_where(b.source, rb.time)})"
            if ra.of and rb.of:
                if same_name(ra.subject, rb.of) and same_name(ra.of, rb.subject) and not same_name(ra.subject, rb.subject):
                    bld.note(f"different direction: {reason}")
                    continue
                if not (same_name(ra.subject, rb.subject) and same_name(ra.of, rb.of)):
                    continue
                factor = 1.0
            elif same_name(ra.subject, rb.subject) and not (ra.of and rb.of and not same_name(ra.of, rb.of)):
                factor = 0.75  # whose ranking is unknown on one side
            else:
                continue
            rel = _relation(ra.time, rb.time)
            if rel in ("before", "after") or (ra.tense and rb.tense and ra.tense != rb.tense and rel != "overlap"):
                bld.note(f"timeline: {reason}")
                continue
            if (_unresolved(ra.time) or _unresolved(rb.time)) and rel == "unknown":
                factor *= UNRESOLVED_TIME_FACTOR
            if ra.rank == rb.rank:
                bld.add("rank", "support", reason, RANK_SUPPORT * factor)
            else:
                bld.add("rank", "conflict", reason, RANK_CONFLICT * factor)


def compare_slots(a: ClaimSlots, b: ClaimSlots, lexicon: Lexicon | None = None) -> Comparison:
    """Compare two claims' slots.

    Args:
        a, b: slots of the two claims (``source`` labels appear in the reasons).
        lexicon: vocabulary for labels; the built-in one when None.
    Returns:
        Conflict and support findings (strongest first) and timeline notes.

    Example:
        >>> from checker.checks.extract import extract_slots
        >>> x = extract_slots("Die USA und Vietnam sind umfassende strategische Partner.", "de", source="000")
        >>> y = extract_slots("Meanwhile, the US is only a comprehensive partner.", "en", source="001")
        >>> compare_slots(x, y).findings[0].kind
        'conflict'
    """
    bld = _Builder(a, b, lexicon or default_lexicon())
    _compare_levels(bld)
    _compare_statuses(bld)
    _compare_quantities(bld)
    _compare_figure_lists(bld)
    _compare_ranks(bld)
    _compare_outcome_words(bld)
    _compare_placings(bld)
    _compare_polarity(bld)
    _compare_roles(bld)
    _compare_actor_swap(bld)
    _compare_contests(bld)
    _compare_series(bld)
    _compare_dates(bld)
    return bld.result()


#: Opposite outcome words (lexicon ``outcomes``) alone: other facts of one story can move in
#: opposite directions, so this blocks an agreement and needs NLI support to be a contradiction.
OUTCOME_CONFIDENCE = 0.6
#: One claim negated, the other not, with nothing else compared: weak for the same reason.
POLARITY_CONFIDENCE = 0.5
_OUTCOME_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@functools.lru_cache(maxsize=65536)
def _padded_words(text: str) -> str:
    """The claim's words, lower-cased, one space apart and around, for whole-word look-ups
    (" failed to " in it). Cached: a claim meets many partners, and ``compare_slots`` runs
    once per pair."""
    return " " + " ".join(_OUTCOME_WORD.findall(text.lower())) + " "


def _has_phrase(text: str, phrases: Iterable[str]) -> str | None:
    """The first of ``phrases`` (lower-case) that ``text`` holds as whole words."""
    padded = _padded_words(text)
    return next((w for w in phrases if f" {w} " in padded), None)


@functools.lru_cache(maxsize=65536)
def _outcome_poles(text: str, lexicon: Lexicon) -> dict[str, dict[str, str]]:
    """Outcome group -> pole ("yes"/"no") -> the first word of that pole found in ``text``.

    Cached: a claim meets many partners, and ``compare_slots`` runs once per pair (read only)."""
    padded = _padded_words(text)
    found: dict[str, dict[str, str]] = {}
    for group, record in lexicon.table("outcomes").items():
        for pole in ("yes", "no"):
            word = next((w for w in record[pole] if f" {w.lower()} " in padded), None)
            if word:
                found.setdefault(group, {})[pole] = word
    return found


def _compare_outcome_words(bld: _Builder) -> None:
    _one_each_side(bld, "outcomes", _outcome_poles, "opposite")


def _one_each_side(bld: _Builder, table: str, read: Callable[[str, Lexicon], dict[str, dict[str, str]]], wording: str) -> None:
    """An outcome conflict for each group of lexicon ``table`` where each claim names exactly one
    value ("yes"/"no" pole, place) and the two differ; ``read`` gives group -> value -> word."""
    a, b = bld.a, bld.b
    if a.polarity.negated or b.polarity.negated or _possible(a, bld.lexicon) or _possible(b, bld.lexicon):
        return  # a negation or a possibility changes what the word says; the negation check decides
    pa, pb = read(a.text, bld.lexicon), read(b.text, bld.lexicon)
    for group in sorted(set(pa) & set(pb)):
        if len(pa[group]) == 1 and len(pb[group]) == 1 and set(pa[group]) != set(pb[group]):
            label = bld.lexicon.table(table)[group].get("label", group)
            word_a, word_b = next(iter(pa[group].values())), next(iter(pb[group].values()))
            bld.add(f"outcome:{group}", "conflict",
                    f"{wording} {label}: '{word_a}' ({a.source}) vs '{word_b}' ({b.source})", OUTCOME_CONFIDENCE)


_PLACE_WORD = re.compile(r"\w+(?:-\w+)*", re.UNICODE)


@functools.lru_cache(maxsize=65536)
def _placings(text: str, lexicon: Lexicon) -> dict[str, dict[str, str]]:
    """Placing family -> place -> the first phrase of that place found in ``text`` (lexicon ``placings``)."""
    padded = " " + " ".join(_PLACE_WORD.findall(text.lower())) + " "
    found: dict[str, dict[str, str]] = {}
    for family, record in lexicon.table("placings").items():
        for place, phrases in record["places"].items():
            phrase = next((p for p in phrases if f" {p.lower()} " in padded), None)
            if phrase:
                found.setdefault(family, {})[place] = phrase
    # German ordinals as nouns are places ("wurde in Berlin nur Zweiter"); before a capitalised
    # noun they are adjectives ("Zweiter Weltkrieg"), at the start of the sentence either.
    if "place" in lexicon.table("placings"):
        for value, names in lexicon.table("ordinals").items():
            for name in names:
                noun = name[:1].upper() + name[1:]
                if re.search(rf"(?<=\s){noun}r?(?![\w-])(?!\s+[A-ZÄÖÜ])", text):
                    found.setdefault("place", {}).setdefault(str(int(float(value))), noun)
    return found


def _compare_placings(bld: _Builder) -> None:
    _one_each_side(bld, "placings", _placings, "another")


#: One actor replaced where the others agree ("Ryan Giggs will captain Wales against Hungary in
#: Cardiff" / "Craig Bellamy will captain Wales ..."): weak alone (two people can do the same
#: thing), a contradiction with the NLI model's support or a same-statement reading.
ACTOR_SWAP_CONFIDENCE = 0.6


def _compare_actor_swap(bld: _Builder) -> None:
    a, b = bld.a, bld.b
    if a.polarity.negated != b.polarity.negated:
        return  # the negation check decides

    def mentions(slots: ClaimSlots) -> dict[str, ActorMention]:
        # a capitalised first word alone is as often no name ("Allein", "Laut") as one
        return {m.id: m for m in slots.actors if not (m.kind == "name" and m.span == (0, 1))}

    xs, ys = mentions(a), mentions(b)
    only_a = [x for x in xs if not any(same_name(x, y) for y in ys)]
    only_b = [y for y in ys if not any(same_name(x, y) for x in xs)]
    shared = len(xs) - len(only_a)
    if len(only_a) == 1 and len(only_b) == 1 and shared >= 2:
        x, y = xs[only_a[0]], ys[only_b[0]]
        if "place" in (x.kind, y.kind):
            return  # a region named as context ("in the Indo-Pacific") is no actor
        if x.kind == "name" and y.kind == "name" and fuzz.partial_ratio(x.surface.lower(), y.surface.lower()) >= NAME_SIMILARITY:
            return  # one name written two ways ("Timoschenko" / "Tymoshenko")
        bld.add("actor", "conflict", f"another actor: {x.surface} ({a.source}) vs {y.surface} ({b.source}); "
                f"the other {shared} agree", ACTOR_SWAP_CONFIDENCE)


#: Two parties named in opposite order ("A beat B" / "B beat A"): weak, since a passive
#: ("B was beaten by A") reorders them too; it blocks an agreement, NLI must support a contradiction.
ROLES_CONFIDENCE = 0.5
_COORDINATED = re.compile(r"^\W*(?:(?:and|und|&|sowie|or|oder|with|mit|,)\W*(?:the|die|der|den|dem|das)?\W*)?$", re.IGNORECASE)


def _party_order(slots: ClaimSlots) -> list[ActorMention]:
    """Actors and names of one claim in the order of their first mention."""
    seen: dict[str, ActorMention] = {}
    for m in sorted(slots.actors, key=lambda m: m.span):
        seen.setdefault(m.id, m)
    return list(seen.values())


def _coordinated(slots: ClaimSlots, x: ActorMention, y: ActorMention) -> bool:
    """The two are joined as one party ("the US and Vietnam"): their order says nothing."""
    first, second = sorted((x, y), key=lambda m: m.span)
    i = slots.text.find(first.surface)
    j = slots.text.find(second.surface, i + len(first.surface)) if i >= 0 else -1
    return i >= 0 and j >= 0 and bool(_COORDINATED.match(slots.text[i + len(first.surface): j]))


def _compare_roles(bld: _Builder) -> None:
    a, b = bld.a, bld.b
    if any(n.startswith("different direction") for n in bld.notes):
        return  # the rank or level check already read who is whose partner
    order_a, order_b = _party_order(a), _party_order(b)
    ids_b = [m.id for m in order_b]
    common = [m for m in order_a if m.id in ids_b]
    if len(common) < 2:
        return
    x, y = common[0], common[1]
    bx, by = order_b[ids_b.index(x.id)], order_b[ids_b.index(y.id)]
    if bx.span > by.span and not _coordinated(a, x, y) and not _coordinated(b, bx, by):
        bld.add("roles", "conflict", f"roles may be swapped: {x.label} before {y.label} in {a.source}, after it in {b.source}",
                ROLES_CONFIDENCE)


#: Winner and loser exchanged, with the same match result or time named by both: one contest
#: told two ways (decisive). Without such evidence two contests of the same parties (home and
#: away) are possible, so NLI must support it.
CONTEST_CONFLICT = 0.8
CONTEST_CONFLICT_WEAK = 0.5


def _same_party(x: ActorMention, y: ActorMention) -> bool:
    if x.id == y.id:
        return True
    from rapidfuzz import fuzz

    a, b = x.surface.lower(), y.surface.lower()
    return min(len(a), len(b)) >= 4 and (fuzz.ratio(a, b) >= NAME_SIMILARITY or a in b.split() or b in a.split())


def _compare_contests(bld: _Builder) -> None:
    """Who beat whom: a party that won in one claim and lost in the other (checks/contests.py)."""
    from .contests import find_contest, scores

    a, b = bld.a, bld.b
    if a.polarity.negated or b.polarity.negated or a.polarity.hedged or b.polarity.hedged:
        return
    ca, cb = find_contest(a, bld.lexicon), find_contest(b, bld.lexicon)
    if ca is None or cb is None or ca.relation != cb.relation:
        return

    def same(x: ActorMention | None, y: ActorMention | None) -> bool:
        return x is not None and y is not None and _same_party(x, y)

    won_lost, lost_won = same(ca.winner, cb.loser), same(ca.loser, cb.winner)
    if not (won_lost or lost_won) or same(ca.winner, cb.winner) or same(ca.loser, cb.loser):
        return
    party = ca.winner if won_lost else ca.loser
    verbs = {"won": ("won", "lost"), "bought": ("bought", "was bought or sold")}[ca.relation]

    def told(c) -> str:
        return f"{c.winner.surface} {c.phrase} {c.loser.surface}" if c.loser else f"{c.phrase} {c.winner.surface}"

    reason = (f"who {ca.relation}: {told(ca)} ({a.source}) vs {told(cb)} ({b.source}): "
              f"{party.surface} {verbs[0]} in one, {verbs[1]} in the other")
    same_result = scores(a.text) & scores(b.text)
    same_time = len(a.times) == 1 and len(b.times) == 1 and _relation(a.times[0], b.times[0]) == "overlap"
    same_day = bool(_weekdays(a.text, bld.lexicon) & _weekdays(b.text, bld.lexicon))
    bld.add("contest", "conflict", reason, CONTEST_CONFLICT if (same_result or same_time or same_day) else CONTEST_CONFLICT_WEAK)


#: One event given two different dates (or one state two different starts: "since 2018" vs
#: "seit 2020"): two events of one story can have two dates, so NLI must support it.
DATE_CONFLICT = 0.6
_NAME_WORD = re.compile(r"[A-ZÄÖÜ][\w-]{2,}")


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: Two names this similar (rapidfuzz ratio) are one name in two spellings ("Donezk", "Donetsk").
NAME_SIMILARITY = 75.0


def _names(text: str, drop: str = "") -> set[str]:
    """Capitalised words after the first (names; German nouns too), lower-cased, without the date text."""
    words = _NAME_WORD.findall(text.replace(drop, " ") if drop else text)
    return {w.lower() for w in words[1:]}


def _share_a_name(a: ClaimSlots, b: ClaimSlots, drop_a: str = "", drop_b: str = "") -> bool:
    if a.actor_ids & b.actor_ids:
        return True
    from rapidfuzz import fuzz

    names_b = _names(b.text, drop_b)
    return any(x == y or (len(x) >= 5 and fuzz.ratio(x, y) >= NAME_SIMILARITY) for x in _names(a.text, drop_a) for y in names_b)


def _weekdays(text: str, lexicon: Lexicon) -> set[str]:
    words = [w.lower() for w in _OUTCOME_WORD.findall(text)]
    return {day for day in WEEKDAYS for name in lexicon.words("time_words", day) if any(w.startswith(name) for w in words)}


def _recurring(text: str, lexicon: Lexicon) -> str | None:
    return _has_phrase(text, lexicon.words("time_words", "recurring"))


def _compare_dates(bld: _Builder) -> None:
    """Different dates of the same one-time event conflict; of a recurring thing, a timeline.

    "The same event": both name a common actor or name (or a figure that agrees), neither is
    negated or hedged, and no other check found values that differ with the times (a timeline
    of levels, statuses or figures, see ``_compare_series``). Dates are compared when each claim
    has one time expression, weekdays when each names one weekday. The finding is weak on its
    own: NLI must corroborate it."""
    a, b = bld.a, bld.b
    if bld.timeline or a.polarity.negated or b.polarity.negated or a.polarity.hedged or b.polarity.hedged:
        return  # a check that compared values at the two times already made them a timeline
    found = []
    if len(a.times) == 1 and len(b.times) == 1:
        x, y = a.times[0], b.times[0]
        if x.kind == "since" and y.kind == "since" and _time(x) is not None and _time(y) is not None and x.start != y.start:
            found.append((x.text, y.text, "start of the same state"))
        elif x.kind == "point" and y.kind == "point" and _relation(x, y) in ("before", "after"):
            found.append((x.text, y.text, "the same one-time event"))
    days_a, days_b = _weekdays(a.text, bld.lexicon), _weekdays(b.text, bld.lexicon)
    if len(days_a) == 1 and len(days_b) == 1 and days_a != days_b:
        found.append((next(iter(days_a)).title(), next(iter(days_b)).title(), "the same one-time event"))
    if not found:
        return
    agreeing_figure = any(f.kind == "support" for f in bld.findings.values())
    if not (agreeing_figure or _share_a_name(a, b, found[0][0], found[0][1])):
        return
    for when_a, when_b, what in found:
        reason = f"date: {when_a} ({a.source}) vs {when_b} ({b.source})"
        if cue := _recurring(a.text, bld.lexicon) or _recurring(b.text, bld.lexicon):
            bld.note(f"timeline: {reason}, of a recurring or ongoing thing ('{cue}')")
        else:
            bld.add("date", "conflict", f"{reason}, {what}", DATE_CONFLICT)


def _compare_series(bld: _Builder) -> None:
    """Two claims of different times whose figures all differ read as a series ("1990: 9.5
    percent", "2015: 26 percent"; one quarter's figure and the next's), not as one event with
    conflicting values: a timeline note, which keeps NLI alone from calling it a contradiction.
    One event given two dates, with its figures equal or absent, stays comparable."""
    a, b = bld.a, bld.b
    times_a = [t for t in a.times if _time(t)]
    times_b = [t for t in b.times if _time(t)]
    if not times_a or not times_b or any(_relation(x, y) not in ("before", "after") for x in times_a for y in times_b):
        return
    values_a = [q for q in a.quantities if q.kind == "cardinal"]
    values_b = [q for q in b.quantities if q.kind == "cardinal"]
    if not values_a or not values_b or any(_fits(x, y) for x in values_a for y in values_b):
        return
    bld.note(f"timeline: figures of different times: {_qty_text(values_a[0])} ({times_a[0].text}, {a.source}) "
             f"vs {_qty_text(values_b[0])} ({times_b[0].text}, {b.source})")


def _predicate_negated(slots: ClaimSlots, lexicon: Lexicon) -> bool:
    """The claim states a negation: a negator other than a phrase one ("ohne Ausbildung")."""
    phrase_only = set(lexicon.words("negation", "phrase_only"))
    return slots.polarity.negated and any(c.lower() not in phrase_only for c in slots.polarity.cues)


def _implicitly_negative(text: str, lexicon: Lexicon) -> bool:
    return _has_phrase(text, lexicon.words("negation", "implicit")) is not None


def _compare_polarity(bld: _Builder) -> None:
    a, b = bld.a, bld.b
    if a.polarity.hedged or b.polarity.hedged:
        return
    na, nb = _predicate_negated(a, bld.lexicon), _predicate_negated(b, bld.lexicon)
    if na == nb:
        return
    negated, other = (a, b) if na else (b, a)
    if _implicitly_negative(other.text, bld.lexicon):
        return  # "konnte keine Einigung erzielen" vs "failed to agree"
    if a.lang == b.lang and _shared_content_words(a.text, b.text, bld.lexicon) < POLARITY_MIN_SHARED:
        return  # one negated sentence and another on something else: nothing to contradict
    cue = ", ".join(negated.polarity.cues[:2])
    bld.add("polarity", "conflict", f"negation: only {negated.source} is negated ({cue})", POLARITY_CONFIDENCE)


#: Content words (four letters or more, no function words) two same-language claims must share
#: for a one-sided negation to be about the same thing ("he stepped down as chairman" / "he did
#: not step down as chairman" share "down", "chairman"); on archive articles, one-sided negations
#: between sentences sharing fewer were all about different things.
POLARITY_MIN_SHARED = 2


def _shared_content_words(x: str, y: str, lexicon: Lexicon) -> int:
    # computed once per lexicon: this runs for every pair with a one-sided negation
    excluded = lexicon.cached("polarity-excluded-words", lambda: frozenset(
        lexicon.words("function_words", "en") + lexicon.words("function_words", "de") + lexicon.words("negation", "negators")))

    def words(text: str) -> set[str]:
        return {w for w in _OUTCOME_WORD.findall(text.lower()) if len(w) >= 4 and w not in excluded}

    return len(words(x) & words(y))


def strongest(findings: Iterable[Finding], kind: str) -> Finding | None:
    """The most confident finding of ``kind`` ("conflict" or "support"), if any.

    Example:
        >>> strongest([Finding("level", "conflict", "x", 0.8)], "conflict").confidence
        0.8
    """
    return max((f for f in findings if f.kind == kind), key=lambda f: f.confidence, default=None)
