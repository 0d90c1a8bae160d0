"""Who beat whom: the winner and the loser of a contest named in one claim.

"A beat B", "A's win over B", "B lost to A", "B was beaten by A", "A besiegte B", "A hat B
besiegt", "B unterlag A", "Sieg über B". The parties are the claim's actor mentions (lexicon
actors and other names); the verb phrases are the ``[contest]`` word lists of the outcome
lexicon, so they are data, not code. Two claims that name the same contest with the winner
and the loser exchanged contradict each other (``compare._compare_contests``).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .lexicon import Lexicon
from .slots import ActorMention, ClaimSlots
from .tokens import tokenize

#: A match result ("18-17", "3:0", "4:6"), the strongest sign that two claims name one contest.
SCORE = re.compile(r"(?<![\d.,])(\d{1,3})\s?[-:–]\s?(\d{1,3})(?!\d|[.,]\d)")


@dataclass(frozen=True, slots=True)
class Contest:
    """One asymmetric act between two parties: who won against whom, who bought (took over) whom."""

    relation: str  # "won" or "bought"
    winner: ActorMention  # the winner, the buyer
    loser: ActorMention | None  # the loser, the one bought or sold from; None when not named
    phrase: str  # the phrase as written


#: The word lists of the ``[contest]`` lexicon table: (relation, the party named first, form).
#: "verb": "A beat B" (German also "A hat B besiegt", "Am Samstag besiegte A B"); "noun": the
#: possessor or the claim's first party before it ("A ... win over B"); "after": both parties
#: after it ("Sieg von A gegen B", "Niederlage der A gegen B"); "possessive": a bare noun that
#: counts only with a possessor just before it ("Philadelphia's 5:3 win").
ORDERS = {
    "winner_first": ("won", "winner", "verb"), "loser_first": ("won", "loser", "verb"),
    "winner_first_noun": ("won", "winner", "noun"), "loser_first_noun": ("won", "loser", "noun"),
    "winner_after_noun": ("won", "winner", "after"), "loser_after_noun": ("won", "loser", "after"),
    "winner_possessive": ("won", "winner", "possessive"), "loser_possessive": ("won", "loser", "possessive"),
    "buyer_first": ("bought", "winner", "verb"),
}


@functools.lru_cache(maxsize=16)
def _phrases(lexicon: Lexicon) -> list[tuple[tuple[str, ...], tuple[str, str, str]]]:
    """(lower-cased words, order) for every contest phrase, longest first."""
    table = lexicon.table("contest")
    out = []
    for key, order in ORDERS.items():
        for phrase in table.get(key, ()):
            out.append((tuple(phrase.lower().split()), order))
    return sorted(out, key=lambda p: -len(p[0]))


def find_contest(slots: ClaimSlots, lexicon: Lexicon) -> Contest | None:
    """The first contest of a claim whose two parties can be read, or None."""
    return _find(slots.text, slots.lang, slots.actors, lexicon)


@functools.lru_cache(maxsize=65536)
def _find(text: str, lang: str, actors: tuple[ActorMention, ...], lexicon: Lexicon) -> Contest | None:
    parties = sorted((m for m in actors if m.kind != "place"), key=lambda m: m.span)
    if len(parties) < 2:
        return None
    words = [t.norm for t in tokenize(text)]
    phrases = _phrases(lexicon)
    for i in range(len(words)):
        for phrase, order in phrases:
            j = _match(words, i, phrase)
            if j is None:
                continue
            relation, named_first, form = order
            before = [m for m in parties if m.span[1] <= i]
            after = _skip_possessor([m for m in parties if m.span[0] >= j])
            if form == "after":
                first, second = (after[0] if after else None), (after[1] if len(after) > 1 else None)
            elif form == "possessive":
                near = before[-1] if before and before[-1].possessive and i - before[-1].span[1] <= POSSESSOR_GAP else None
                first, second = near, None
            elif form == "noun":
                # "Northampton's defeat by Saracens": the possessor; "Hewitt ... with a win over
                # Roddick": the claim's first party (the nearest name before may be a title).
                near = before[-1] if before and before[-1].possessive and i - before[-1].span[1] <= 1 else None
                first, second = near or (before[0] if before else None), (after[0] if after else None)
            elif after and before:
                first, second = before[-1], after[0]
            elif len(after) >= 2 and lang == "de" and named_first == "winner":
                # German verb-second after an adverbial: "Am Samstag besiegte Bayern den BVB".
                first, second = after[0], after[1]
            elif len(before) >= 2:
                # German verb-final: "Michon hat im Finale Melzer besiegt"; passive "Melzer wurde
                # von Michon besiegt" names the winner after "von".
                first, second = before[0], before[-1]
                if _after_von(words, second) and _PASSIVE & set(words[:i]):
                    first, second = second, first
            else:
                first = second = None
            if first is None or (second is None and form not in ("after", "possessive")) or (second is not None and first.id == second.id):
                continue
            if named_first == "winner":
                return Contest(relation, first, second, " ".join(words[i:j]))
            if second is not None:
                return Contest(relation, second, first, " ".join(words[i:j]))
    return None


#: Tokens between a possessor and a bare contest noun ("Philadelphia's 5:3 win": "'s", 5, :, 3).
POSSESSOR_GAP = 5
#: A "*" in a phrase stands for one to this many words ("won the final against").
GAP_WORDS = 3


def _match(words: list[str], i: int, phrase: tuple[str, ...]) -> int | None:
    """End index of ``phrase`` matched at ``words[i]``, or None."""
    k = i
    for n, w in enumerate(phrase):
        if w == "*":
            rest = phrase[n + 1 :]
            for gap in range(1, GAP_WORDS + 1):
                end = _match(words, k + gap, rest) if rest else k + gap
                if end is not None and end <= len(words):
                    return end
            return None
        if k >= len(words) or words[k] != w:
            return None
        k += 1
    return k


_PASSIVE = {"wurde", "wurden", "worden", "wird", "werden"}
_ARTICLES = {"der", "die", "das", "den", "dem", "des"}


def _after_von(words: list[str], m: ActorMention) -> bool:
    """"von (der) (Axel) Michon": "von" within the three words before the name."""
    return any(w in ("von", "vom") for w in words[max(0, m.span[0] - 3) : m.span[0]])


def _skip_possessor(after: list[ActorMention]) -> list[ActorMention]:
    """"Cameroon's Cotonsport Garoua", "the German pump maker Putzmeister": the party is the
    name after the possessor or the nationality."""
    if len(after) >= 2 and ((after[0].possessive and after[1].span[0] - after[0].span[1] <= 1)
                            or (after[0].kind == "country" and after[1].span[0] - after[0].span[1] <= 3)):
        return after[1:]
    return after


def scores(text: str) -> set[tuple[int, int]]:
    """The match results of a text, each as an unordered pair ("18-17" and "17-18" are one)."""
    return {tuple(sorted((int(x), int(y)))) for x, y in SCORE.findall(text)}
