"""Typed slot records: what the extractors read out of one claim.

All records are frozen; token spans are (start, end) indices into the claim's tokens,
and ``text`` quotes the words they came from.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

Granularity = Literal["day", "month", "year", "decade", "range", "era", "unknown"]
TimeKind = Literal["point", "range", "since", "until", "relative", "era"]
Tense = Literal["present", "past"]


@dataclass(frozen=True, slots=True)
class TimeRef:
    """A time expression as an inclusive date interval.

    ``start``/``end`` are None for an open side ("since 2013" has no end) or, when
    ``resolved`` is False, because the expression could not be placed on the calendar
    (a relative phrase without publication date, "5. Februar" without year).
    ``parts`` keeps the (year, month, day) that were written, so granularity is never lost.
    """

    text: str
    start: dt.date | None
    end: dt.date | None
    granularity: Granularity
    kind: TimeKind = "point"
    resolved: bool = True
    parts: tuple[int | None, int | None, int | None] = (None, None, None)
    label: str = ""
    actor: str | None = None  # for eras: the government's actor id
    span: tuple[int, int] = (0, 0)

    def relation(self, other: "TimeRef") -> Literal["overlap", "before", "after", "unknown"]:
        """How this interval lies relative to ``other``.

        Returns:
            "before"/"after" when the intervals are disjoint, "overlap" when they share
            a day, "unknown" when either side is unresolved.

        Example:
            >>> a = TimeRef("2016", dt.date(2016, 1, 1), dt.date(2016, 12, 31), "year")
            >>> b = TimeRef("2021", dt.date(2021, 1, 1), dt.date(2021, 12, 31), "year")
            >>> a.relation(b)
            'before'
        """
        if not (self.resolved and other.resolved):
            return "unknown"
        lo_a, hi_a = self.start or dt.date.min, self.end or dt.date.max
        lo_b, hi_b = other.start or dt.date.min, other.end or dt.date.max
        if hi_a < lo_b:
            return "before"
        if hi_b < lo_a:
            return "after"
        return "overlap"

    def describe(self) -> str:
        """Short human form: "2016", "2023-09", "since 2013", "Biden administration (2021-01–2025-01)"."""
        return self.label or self.text


@dataclass(frozen=True, slots=True)
class ActorMention:
    """An actor named in a claim, normalised to a lexicon id (or "name:<text>" for other names)."""

    id: str
    label: str
    surface: str
    kind: str  # "country", "organisation", "place", "name"
    span: tuple[int, int]
    possessive: bool = False  # "Vietnam's", German genitive "Vietnams"


@dataclass(frozen=True, slots=True)
class Polarity:
    """Negation and hedging around a slot (or a whole claim)."""

    negated: bool = False
    hedged: bool = False  # modal: expected, soll, could, a question, a condition
    temporal: bool = False  # "so far", "bisher": true up to now
    cues: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number with what it counts or measures.

    ``unit`` is a lexicon unit ("percent", "USD") or counted noun ("seats"); ``noun`` is
    the lower-cased word after the number when no lexicon noun matched (compared only
    within one language).
    """

    value: float
    kind: Literal["cardinal", "ordinal"]
    text: str
    span: tuple[int, int]
    unit: str | None = None
    noun: str | None = None
    measure: str | None = None  # "revenue", "turnout" ...
    approx: Literal["exact", "about", "at_least", "at_most"] = "exact"
    trend: Literal["up", "down"] | None = None
    actors: frozenset[str] = frozenset()
    time: TimeRef | None = None
    polarity: Polarity = Polarity()
    inherited: bool = False


@dataclass(frozen=True, slots=True)
class RankSlot:
    """A place in a ranking and whose ranking it is: ``subject`` is ``rank``-th ``role`` of ``of``.

    "Vietnam is the US's second-largest trading partner" -> subject VNM, of USA, rank 2.
    """

    rank: int
    role: str
    text: str
    span: tuple[int, int]
    subject: str | None = None
    of: str | None = None
    time: TimeRef | None = None
    tense: Tense | None = None
    polarity: Polarity = Polarity()


@dataclass(frozen=True, slots=True)
class LevelSlot:
    """A relationship level between actors, on a ladder or in a category (alliance)."""

    category: str  # ladder or category id: "partnership", "alliance"
    rung: str
    rank: int  # 0 for categories outside a ladder
    label: str
    text: str
    span: tuple[int, int]
    actors: frozenset[str] = frozenset()
    exclusive: bool = False  # "only", "nur"
    qualifier: str = ""  # the exclusive word as written
    superseded: bool = False  # "..., die nun aufgewertet wurde": the level was since raised
    target: bool = False  # "upgrade to a strategic partnership": the level aimed at
    time: TimeRef | None = None
    tense: Tense | None = None
    polarity: Polarity = Polarity()
    inherited: bool = False
    completed: bool = False  # the second actor was taken from the document's main actors


@dataclass(frozen=True, slots=True)
class StatusEvent:
    """A change of state (embargo lifted) or a one-off event with an outcome (election won)."""

    subject: str  # "embargo"
    action: str  # "lifted"
    effect: str  # "lift", "impose", "establish", "win" ...
    text: str
    span: tuple[int, int]
    degree: Literal["full", "partial"] | None = None
    once: bool = False
    outcome: bool = False
    object: str | None = None
    agent: str | None = None  # actor before the action ("Bayern won ...")
    actors: frozenset[str] = frozenset()
    time: TimeRef | None = None
    tense: Tense | None = None
    polarity: Polarity = Polarity()
    inherited: bool = False


@dataclass(frozen=True, slots=True)
class ClaimSlots:
    """Everything the structured checks read out of one claim."""

    source: str  # label used in reasons: the document id, or "A"/"B"
    lang: str
    text: str
    published: dt.date | None = None
    actors: tuple[ActorMention, ...] = ()
    times: tuple[TimeRef, ...] = ()
    quantities: tuple[Quantity, ...] = ()
    ranks: tuple[RankSlot, ...] = ()
    levels: tuple[LevelSlot, ...] = ()
    statuses: tuple[StatusEvent, ...] = ()
    polarity: Polarity = Polarity()
    tense: Tense | None = None
    opens_with_anaphora: bool = False  # "Diese umfasst ...": slots may take actors/time from the sentence before
    # The entities its document is about most (actors, places and names; set by add_context
    # in the pipeline); None for a sentence compared on its own, whose partner the caller chose.
    story: tuple[str, ...] | None = None

    @property
    def actor_ids(self) -> frozenset[str]:
        """Ids of the actors that can be parties to a relation (places excluded)."""
        return frozenset(a.id for a in self.actors if a.kind != "place")

    @property
    def empty(self) -> bool:
        """True when no comparable slot was found."""
        return not (self.quantities or self.ranks or self.levels or self.statuses)
