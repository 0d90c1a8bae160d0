"""Counts, amounts and ranks: digits and number words in German and English.

"drei Nein", "three nos", "Four Nos", "ein viertes", "3,000", "100 Milliarden Dollar",
"52 Prozent der Stimmen", "Vietnam is the US's second-largest trading partner".
"""
from __future__ import annotations

import functools
import logging
import re
from typing import Sequence

from .lexicon import Lexicon, Match, default_lexicon
from .slots import ActorMention, Quantity, RankSlot
from .tokens import Sentence, Token, analyse

log = logging.getLogger(__name__)

_DIGITS = re.compile(r"^(\d(?:[\d.,]*\d)?)([^\W\d_]{0,3})$")
_ORDINAL_SUFFIX = {"st", "nd", "rd", "th"}
# German superlative ending after an ordinal stem: "zweit|größte", "dritt|wichtigster".
_SUPERLATIVE = re.compile(r"(?:s|ß)te[rnsm]?$")
# How far a counted noun may follow its number ("15 defense exchanges").
_NOUN_WINDOW = 3
#: Numbers read per claim. A news sentence has a handful; a flattened table or a run of
#: "5 Prozent, 5 Prozent, ..." has hundreds, and two claims are compared number by number.
MAX_QUANTITIES = 32


def parse_digits(text: str, lang: str) -> float | None:
    """Read a digit string with the language's separators.

    German writes "3.000" and "1,5", English "3,000" and "1.5"; a lone separator followed
    by exactly three digits is read as a thousands separator in both.

    Args:
        text: the digits, e.g. "3,000".
        lang: "de" or "en".
    Returns:
        The value, or None when the string is not a plain number ("12.03.2024").

    Example:
        >>> parse_digits("3.000", "de"), parse_digits("1.5", "en")
        (3000.0, 1.5)
    """
    thousands, decimal = (".", ",") if lang == "de" else (",", ".")
    if text.count(decimal) > 1:
        return None
    groups = text.split(thousands)
    if len(groups) > 1 and not all(len(g) == 3 for g in groups[1:] if decimal not in g):
        # "1.5" in German text or "1,5" in English: the other convention, if unambiguous.
        if len(groups) == 2 and decimal not in text:
            try:
                return float(text.replace(thousands, "."))
            except ValueError:
                return None
        return None
    try:
        return float(text.replace(thousands, "").replace(decimal, "."))
    except ValueError:
        return None


def _german_compound(word: str, values: dict[str, float]) -> float | None:
    """Split German number words written as one token: "einundzwanzig", "dreihundert"."""
    word = word.lower()
    if word in values:
        return values[word]
    # Inside a compound "ein" is one: "einundzwanzig", "einhundert".
    values = {**values, "ein": 1.0}
    names = _longest_first(tuple(values))
    total, current, pos, parts = 0.0, 0.0, 0, 0
    # An index into the word, not ever shorter copies of it: a 100,000-letter "word" stays linear.
    while pos < len(word):
        if word.startswith("und", pos):
            pos += 3
            continue
        for name in names:
            if word.startswith(name, pos):
                value = values[name]
                if value in (100, 1000):
                    current = (current or 1) * value
                    if value == 1000:
                        total, current = total + current, 0.0
                else:
                    current += value
                pos += len(name)
                parts += 1
                break
        else:
            return None
    value = total + current
    return value if parts >= 2 and value else None


@functools.lru_cache(maxsize=16)
def _longest_first(names: tuple[str, ...]) -> tuple[str, ...]:
    """Number words longest first, so that "dreizehn" is read before "drei" (sorted once per vocabulary)."""
    return tuple(sorted(names, key=len, reverse=True))


def _single_word_cardinals(lexicon: Lexicon) -> dict[str, float]:
    words: dict[str, float] = {}
    for key, names in lexicon.table("cardinals").items():
        for name in names:
            if " " not in name:
                words[name.lower()] = float(key)
    return words


class _NumberReader:
    """Reads numbers at token positions of one sentence (matches computed once)."""

    def __init__(self, sent: Sentence, lexicon: Lexicon) -> None:
        self.sent = sent
        self.lexicon = lexicon
        self.cardinals = {m.start: m for m in lexicon.find("cardinals", sent.tokens)}
        self.ordinals = {m.start: m for m in lexicon.find("ordinals", sent.tokens)}
        self.words = lexicon.cached("single-word-cardinals", lambda: _single_word_cardinals(lexicon))
        self.scale_articles = set(lexicon.words("scale_articles", sent.lang))

    def read(self, i: int) -> tuple[float, int, str] | None:
        """(value, end index, "cardinal"|"ordinal") for a number starting at token ``i``."""
        toks = self.sent.tokens
        tok = toks[i]
        if tok.kind == "word" and tok.norm in self.scale_articles and i + 1 < len(toks):
            nxt = toks[i + 1]
            # "a billion", "einer Milliarde": the scale word written out (not "a m", "ein Mio")
            if nxt.kind == "word" and len(nxt.text) >= 6 and self._scale(nxt.norm):
                return 1.0, i + 1, "cardinal"
        if tok.kind == "num":
            m = _DIGITS.match(tok.text)
            if not m:
                return None
            value = parse_digits(m.group(1), self.sent.lang)
            if value is None:
                return None
            suffix = m.group(2).lower()
            if suffix in _ORDINAL_SUFFIX:
                return value, i + 1, "ordinal"
            if suffix:
                scale = self._scale(suffix)
                return (value * scale, i + 1, "cardinal") if scale else None
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            # German ordinal "3." followed by more words ("der 3. Platz"); a final "." ends the sentence.
            if (
                self.sent.lang == "de" and nxt is not None and nxt.text == "." and i + 2 < len(toks)
                and toks[i + 2].kind == "word" and len(m.group(1)) <= 3
            ):
                return value, i + 2, "ordinal"
            return value, i + 1, "cardinal"
        if i in self.ordinals and i not in self.cardinals:  # the ordinal look-up is fuzzy: "eight" is near "eighth"
            om = self.ordinals[i]
            return float(om.key), om.end, "ordinal"
        if i in self.cardinals or (tok.kind == "word" and self.sent.lang == "de"):
            value = float(self.cardinals[i].key) if i in self.cardinals else _german_compound(tok.norm, self.words)
            if value is None:
                return None
            end = self.cardinals[i].end if i in self.cardinals else i + 1
            # "three hundred", "twenty-one", "two thousand"
            while end < len(toks):
                j = end + 1 if toks[end].text == "-" else end
                if j in self.cardinals:
                    nxt_value = float(self.cardinals[j].key)
                    if nxt_value in (100, 1000):
                        value *= nxt_value
                    elif value >= 20 and value % 10 == 0 and nxt_value < 10:
                        value += nxt_value
                    else:
                        break
                    end = self.cardinals[j].end
                else:
                    break
            return value, end, "cardinal"
        return None

    def _scale(self, word: str) -> float | None:
        for key, names in self.lexicon.table("scales").get(self.sent.lang, {}).items():
            if word in (n.lower() for n in names):
                return float(key)
        return None

    def scale_at(self, i: int) -> tuple[float, int] | None:
        """A scale word ("billion", "Mrd.") at token ``i``: (factor, end index)."""
        toks = self.sent.tokens
        if i >= len(toks) or toks[i].kind != "word":
            return None
        scale = self._scale(toks[i].norm)
        if scale is None:
            return None
        end = i + 1
        if end < len(toks) and toks[end].text == "." and len(toks[i].text) <= 4:
            end += 1  # "Mrd."
        return scale, end


def _first_at(matches: "Sequence[Match] | _ByStart", lo: int, hi: int) -> Match | None:
    if isinstance(matches, _ByStart):
        return matches.first(lo, hi)
    for m in matches:
        if lo <= m.start < hi:
            return m
    return None


class _ByStart:
    """Matches (sorted, not overlapping, as ``Lexicon.find`` returns them) looked up by start
    position, so that reading n numbers does not scan every unit match n times."""

    def __init__(self, matches: Sequence[Match]) -> None:
        self.at: dict[int, Match] = {}
        for m in matches:
            self.at.setdefault(m.start, m)

    def first(self, lo: int, hi: int) -> Match | None:
        for k in range(lo, hi):
            if k in self.at:
                return self.at[k]
        return None


def _nearest(matches: Sequence[Match], pos: int, clause: tuple[int, int]) -> Match | None:
    inside = [m for m in matches if clause[0] <= m.start < clause[1]]
    return min(inside, key=lambda m: abs(m.start - pos), default=None)


def _counted_word(toks: Sequence[Token], end: int, function: set[str], lang: str) -> str | None:
    """The word a bare number counts, when no lexicon noun names it: the next word, or in
    German the first capitalised one within ``_NOUN_WINDOW`` words after lower-case
    adjectives ("1,3 Millionen deutsche Bundesbürger" -> "bundesbürger")."""
    for k in range(end, min(len(toks), end + _NOUN_WINDOW)):
        tok = toks[k]
        if tok.kind != "word" or tok.norm in function:
            return None
        if lang != "de" or tok.text[:1].isupper():
            return tok.norm
    return None


def find_quantities(sent: Sentence, lexicon: Lexicon, skip: set[int] = frozenset()) -> list[Quantity]:  # type: ignore[assignment]
    """Numbers in ``sent`` with unit, counted noun, measure, approximation and trend.

    Args:
        sent: the analysed sentence.
        lexicon: vocabulary.
        skip: token indices already read as something else (dates, ranks).
    Returns:
        Quantities without actor/time binding (see ``extract.extract_slots``).
    """
    toks = sent.tokens
    reader = _NumberReader(sent, lexicon)
    units = _ByStart(lexicon.find("units", toks))
    nouns = _ByStart(lexicon.find("nouns", toks))
    measures = lexicon.find("measures", toks)
    trends = lexicon.find("trend", toks)
    approx_by_end: dict[int, Match] = {}
    for m in lexicon.find("approx", toks):
        approx_by_end.setdefault(m.end, m)
    durations = _ByStart(lexicon.find("time_units", toks))
    function = set(lexicon.words("function_words", sent.lang))
    out: list[Quantity] = []
    i = 0
    while i < len(toks) and len(out) < MAX_QUANTITIES:
        if i in skip:
            i += 1
            continue
        read = reader.read(i)
        if read is None:
            i += 1
            continue
        value, end, kind = read
        if any(k in skip for k in range(i, end)):
            i = end
            continue
        start = i
        scale = reader.scale_at(end)
        if scale:
            value *= scale[0]
            end = scale[1]
        unit = None
        before = _first_at(units, i - 1, i)
        if before is not None and before.end == i:
            unit, start = before.key, before.start
        after = _first_at(units, end, end + 1)
        if after is not None:
            unit, end = after.key, after.end
        if _first_at(durations, end, end + 1) is not None:
            # "50 Jahre", "every four years": a duration needs its event to compare; skip it.
            i = end
            continue
        noun_match = _first_at(nouns, end, end + _NOUN_WINDOW)
        noun_key: str | None = None
        fallback: str | None = None
        if noun_match is not None and not any(toks[k].text in ",;:." for k in range(end, noun_match.start)):
            noun_key = noun_match.key
            end = max(end, noun_match.end)
        elif unit is None:
            fallback = _counted_word(toks, end, function, sent.lang)
        approx_match = approx_by_end.get(start)
        clause = sent.clause_of(i)
        measure = _nearest(measures, i, clause)
        trend = _nearest(trends, i, clause)
        out.append(
            Quantity(
                value=value,
                kind=kind,  # type: ignore[arg-type]
                text=sent.quote(approx_match.start if approx_match else start, end),
                span=(start, end),
                unit=unit if unit else noun_key,
                noun=fallback if unit is None and noun_key is None else (noun_key if unit else None),
                measure=measure.key if measure else None,
                approx=approx_match.key if approx_match else "exact",  # type: ignore[arg-type]
                trend=trend.key if trend else None,  # type: ignore[arg-type]
            )
        )
        i = end
    return out


def find_ranks(sent: Sentence, lexicon: Lexicon, actors: Sequence[ActorMention]) -> list[RankSlot]:
    """Places in a ranking with the relation's direction.

    "X is Y's second-largest trading partner", "X ist der zweitwichtigste Handelspartner
    der USA", "X is the largest trading partner of Y", "the US will come in second place".
    ``subject`` is the actor ranked, ``of`` the actor whose ranking it is.

    Args:
        sent: the analysed sentence.
        lexicon: vocabulary.
        actors: actors found in the sentence.
    Returns:
        Rank slots without time/polarity binding.
    """
    toks = sent.tokens
    reader = _NumberReader(sent, lexicon)
    superlatives = {m.start: m for m in lexicon.find("superlatives", toks)}
    roles = _ByStart(lexicon.find("roles", toks))
    prefixes = {
        p.lower(): int(float(k)) for k, names in lexicon.table("ordinal_prefixes").items() for p in names
    }
    parties = [a for a in actors if a.kind != "place"]
    out: list[RankSlot] = []
    i = 0
    while i < len(toks) and len(out) < MAX_QUANTITIES:
        rank: int | None = None
        end = i
        read = reader.read(i)
        if read is not None and read[2] == "ordinal":
            rank, end = int(read[0]), read[1]
            j = end + 1 if end < len(toks) and toks[end].text == "-" else end
            if j in superlatives:
                end = superlatives[j].end
        elif i in superlatives:
            rank, end = 1, superlatives[i].end
        elif toks[i].kind == "word":
            word = toks[i].norm
            for prefix, value in prefixes.items():
                if word.startswith(prefix) and _SUPERLATIVE.search(word) and len(word) > len(prefix) + 4:
                    rank, end = value, i + 1
                    break
        if rank is None:
            i += 1
            continue
        role = _first_at(roles, end, end + 3)
        if role is None or any(toks[k].text in ",;:" for k in range(end, role.start)):
            i = end
            continue
        clause = sent.clause_of(i)
        of = _owner(toks, parties, i, role.end, clause)
        subject = None
        for a in sorted(parties, key=lambda a: -a.span[0]):
            if a.span[1] <= i and a.span[0] >= clause[0] and a.id != of and not a.possessive:
                subject = a.id
                break
        out.append(RankSlot(rank, role.key, sent.quote(i, role.end), (i, role.end), subject, of))
        i = role.end
    return out


def _owner(toks: Sequence[Token], parties: Sequence[ActorMention], start: int, role_end: int, clause: tuple[int, int]) -> str | None:
    """Whose ranking: a possessive right before the rank, or "of Y" / "der USA" after the role."""
    for a in parties:
        gap = [t.norm for t in toks[a.span[1] : start]]
        if a.possessive and a.span[1] <= start and all(g in ("'s", "the", "der", "die", "das") for g in gap):
            return a.id
    for a in parties:
        if role_end <= a.span[0] < min(clause[1], role_end + 4):
            between = [t.norm for t in toks[role_end : a.span[0]]]
            if not between or between[0] in ("of", "for", "der", "des", "von", "für", "among") or a.possessive:
                return a.id
    return None


def extract_quantities(text: str, lang: str = "en", lexicon: Lexicon | None = None) -> tuple[Quantity, ...]:
    """Numbers in one sentence, with units and counted nouns (no actor/time binding).

    Args:
        text: one sentence.
        lang: "de" or "en" (decides "3.000" vs "3,000").
        lexicon: vocabulary; the built-in one when None.
    Returns:
        The quantities in text order.

    Example:
        >>> [(q.value, q.noun) for q in extract_quantities("Vietnam folgt den drei Nein.", "de")]
        [(3.0, 'nein')]
    """
    lexicon = lexicon or default_lexicon()
    return tuple(find_quantities(analyse(text, lang, lexicon), lexicon))


def extract_ranks(text: str, lang: str = "en", lexicon: Lexicon | None = None) -> tuple[RankSlot, ...]:
    """Rank relations in one sentence.

    Args:
        text: one sentence.
        lang: "de" or "en".
        lexicon: vocabulary; the built-in one when None.
    Returns:
        Rank slots with subject and owner actor ids.

    Example:
        >>> r = extract_ranks("Vietnam is the US's second-largest trading partner.")[0]
        >>> (r.rank, r.subject, r.of)
        (2, 'VNM', 'USA')
    """
    from .actors import find_actors

    lexicon = lexicon or default_lexicon()
    sent = analyse(text, lang, lexicon)
    return tuple(find_ranks(sent, lexicon, find_actors(sent, lexicon)))
