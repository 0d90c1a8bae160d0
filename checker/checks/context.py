"""What a slot is bound to inside its sentence: actors, time, tense and polarity.

The level, status and count extractors find a slot's words; this module decides who it
is about, when it holds, whether it is stated in the present, negated or hedged.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .actors import find_actors
from .dates import find_times
from .lexicon import Lexicon
from .negation import polarity_at
from .slots import ActorMention, Polarity, Tense, TimeRef
from .tokens import Sentence, analyse


@dataclass(frozen=True)
class Context:
    """An analysed sentence with its actors and time expressions.

    Example:
        >>> from checker.checks.lexicon import default_lexicon
        >>> ctx = build_context("In 2016, the US lifted the embargo.", "en", None, default_lexicon())
        >>> ctx.time_for((5, 6)).describe(), sorted(ctx.actors_for((5, 6)))
        ('2016', ['USA'])
    """

    sentence: Sentence
    lexicon: Lexicon
    published: dt.date | None
    actors: tuple[ActorMention, ...]
    times: tuple[TimeRef, ...]
    _tense_matches: dict = field(default_factory=dict, compare=False, repr=False)

    def parties(self, lo: int, hi: int) -> frozenset[str]:
        """Actor ids (places left out) named in tokens ``lo``..``hi``."""
        return frozenset(a.id for a in self.actors if a.kind != "place" and lo <= a.span[0] < hi)

    def actors_for(self, span: tuple[int, int]) -> frozenset[str]:
        """Actors of the slot's clause; the whole sentence's when the clause names none.

        Lexicon actors win over other names: a name is used only when the sentence has no
        lexicon actor, because capitalised words are a noisy signal in German.
        """
        clause = self.sentence.clause_of(span[0])
        found = self.parties(*clause) or self.parties(0, len(self.sentence.tokens))
        lexical = frozenset(a for a in found if not a.startswith("name:"))
        return lexical or found

    def time_for(self, span: tuple[int, int]) -> TimeRef | None:
        """The time a slot holds at.

        The nearest resolved expression in the slot's clause (unresolved ones only when
        no resolved one exists there); else the sentence's only time expression, unless
        the slot's clause is in the present tense ("In 2010 A, but B is only ...").
        """
        clause = self.sentence.clause_of(span[0])
        inside = [t for t in self.times if clause[0] <= t.span[0] < clause[1]]
        pool = [t for t in inside if t.resolved] or inside
        if pool:
            return min(pool, key=lambda t: min(abs(t.span[0] - span[0]), abs(t.span[1] - span[1])))
        if len(self.times) == 1 and self.tense_for(span) != "present":
            return self.times[0]
        return None

    def tense_for(self, span: tuple[int, int]) -> Tense | None:
        """"present" or "past" from tense cues nearest the slot in its clause, else None."""
        if "m" not in self._tense_matches:
            toks = self.sentence.tokens
            self._tense_matches["m"] = [("present", m) for m in self.lexicon.find("tense.present", toks)] + [
                ("past", m) for m in self.lexicon.find("tense.past", toks)
            ]
        clause = self.sentence.clause_of(span[0])
        cues = [(tense, m) for tense, m in self._tense_matches["m"] if clause[0] <= m.start < clause[1]]
        if not cues:
            return None
        return min(cues, key=lambda c: abs(c[1].start - span[0]))[0]  # type: ignore[return-value]

    def polarity_for(self, span: tuple[int, int]) -> Polarity:
        """Negation and hedges that apply to the slot."""
        return polarity_at(self.sentence, span, self.lexicon)


def build_context(text: str | Sentence, lang: str, published: dt.date | None, lexicon: Lexicon) -> Context:
    """Analyse a sentence and find its actors and times.

    Args:
        text: the sentence, or an already analysed one.
        lang: "de" or "en".
        published: publication date of its document (None when unknown).
        lexicon: vocabulary.
    Returns:
        The context the slot extractors bind to.
    """
    sent = text if isinstance(text, Sentence) else analyse(text, lang, lexicon)
    return Context(sent, lexicon, published, tuple(find_actors(sent, lexicon)), tuple(find_times(sent, lexicon, published)))
