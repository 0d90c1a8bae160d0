"""Tokens and clauses of one sentence: the shared input of every slot extractor.

Tokens keep their character offsets so that slot records can quote the text they came
from. Clauses bound the scope of negation, qualifiers and time expressions.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # pragma: no cover
    from .lexicon import Lexicon

TokenKind = Literal["word", "num", "punct"]

# One pattern per token kind, tried in order. Dotted acronyms ("U.S.") stay one token;
# numbers keep their separators ("3,000", "12.03.2024") and a short suffix ("1980s",
# "5th", "1990er"); possessive "'s" and the "n't" clitic are tokens of their own so that
# "Vietnam's" still matches the actor "Vietnam".
_TOKEN = re.compile(
    r"(?P<acr>(?:[^\W\d_]\.){2,})"
    r"|(?P<num>\d(?:[\d.,]*\d)?(?:[^\W\d_]{1,3}\b)?)"
    r"|(?P<word>[^\W\d_][^\W_]*)"
    r"|(?P<clitic>['’](?:s|t)\b)"
    r"|(?P<punct>\S)"
)

#: Punctuation that ends a clause.
CLAUSE_PUNCT = frozenset({";", ":", "(", ")", "?", "!"})

#: Tokens of one claim read by the slot extractors. A news sentence has well under 100; text
#: without sentence ends (a table flattened into one line, a run of "1. 1. 1.") can have
#: thousands, and comparing every slot of two such claims costs the product of their slots.
MAX_SENTENCE_TOKENS = 400


@dataclass(frozen=True, slots=True)
class Token:
    """One token with its offsets into the sentence text.

    ``norm`` is lower-cased, with acronym dots removed and typographic apostrophes
    straightened, so "U.S." and "US" compare equal.
    """

    text: str
    norm: str
    start: int
    end: int
    kind: TokenKind

    @property
    def surface(self) -> str:
        """The text with acronym dots removed, case kept ("U.S." -> "US")."""
        return self.text.replace(".", "") if self.kind == "word" else self.text


def tokenize(text: str, limit: int | None = None) -> tuple[Token, ...]:
    """Split ``text`` into word, number and punctuation tokens.

    Args:
        text: any sentence or phrase.
        limit: stop after this many tokens (None: all).
    Returns:
        Tokens in text order.

    Example:
        >>> [t.norm for t in tokenize("Vietnam's U.S. ties")]
        ['vietnam', "'s", 'us', 'ties']
    """
    tokens: list[Token] = []
    for m in _TOKEN.finditer(text):
        if limit is not None and len(tokens) >= limit:
            break
        kind = m.lastgroup
        raw = m.group()
        if kind == "acr":
            tokens.append(Token(raw, raw.replace(".", "").lower(), m.start(), m.end(), "word"))
        elif kind == "clitic":
            tokens.append(Token(raw, raw.replace("’", "'").lower(), m.start(), m.end(), "word"))
        elif kind == "punct":
            norm = {"’": "'", "‘": "'", "„": '"', "“": '"', "”": '"', "«": '"', "»": '"'}.get(raw, raw)
            tokens.append(Token(raw, norm, m.start(), m.end(), "punct"))
        else:
            tokens.append(Token(raw, raw.lower(), m.start(), m.end(), kind))  # type: ignore[arg-type]
    return tuple(tokens)


@dataclass(frozen=True)
class Sentence:
    """A tokenised sentence with clause boundaries.

    Example:
        >>> from checker.checks.lexicon import default_lexicon
        >>> s = analyse("Although A is big, B is small.", "en", default_lexicon())
        >>> len(s.clauses)
        2
    """

    text: str
    lang: str
    tokens: tuple[Token, ...]
    clauses: tuple[tuple[int, int], ...]
    # Values derived from the sentence once, because every slot asks for them (clause starts,
    # whether it is a question): without this, a claim with n numbers costs n times its length.
    _memo: dict = field(default_factory=dict, compare=False, repr=False)

    def clause_of(self, index: int) -> tuple[int, int]:
        """The (start, end) token range of the clause holding token ``index``."""
        starts = self._memo.get("clause-starts")
        if starts is None:
            starts = self._memo["clause-starts"] = [start for start, _ in self.clauses]
        # Clauses are sorted and do not overlap, so the one holding ``index`` is the last that starts at or before it.
        k = bisect.bisect_right(starts, index) - 1
        if k >= 0:
            start, end = self.clauses[k]
            if start <= index < end:
                return start, end
        return 0, len(self.tokens)

    def has_token(self, text: str) -> bool:
        """Whether any token is ``text`` (e.g. "?"), answered from one pass over the tokens."""
        texts = self._memo.get("token-texts")
        if texts is None:
            texts = self._memo["token-texts"] = frozenset(t.text for t in self.tokens)
        return text in texts

    def quote(self, start: int, end: int) -> str:
        """The sentence text covered by tokens ``start``..``end`` (exclusive)."""
        if start >= end or start >= len(self.tokens):
            return ""
        return self.text[self.tokens[start].start : self.tokens[min(end, len(self.tokens)) - 1].end]


def analyse(text: str, lang: str, lexicon: "Lexicon") -> Sentence:
    """Tokenise ``text`` and find its clauses.

    A clause ends at ``;``, ``:``, a dash or a bracket, and at a comma followed by a
    conjunction ("but", "und", "während"). A sentence that opens with a subordinator
    ("Although", "Obwohl") ends its first clause at the first comma. Plain commas do
    not split: German relative clauses ("..., die nun aufgewertet wurde") belong to
    the noun before them.

    Args:
        text: one sentence.
        lang: "de" or "en" (anything else is read as English).
        lexicon: supplies the conjunction lists.
    Returns:
        The analysed sentence.

    Only the first ``MAX_SENTENCE_TOKENS`` tokens are read.

    Example:
        >>> from checker.checks.lexicon import default_lexicon
        >>> analyse("A, aber B", "de", default_lexicon()).clauses
        ((0, 2), (2, 4))
    """
    tokens = tokenize(text, limit=MAX_SENTENCE_TOKENS)
    conj = set(lexicon.words("clauses", "conjunctions"))
    subord = set(lexicon.words("clauses", "subordinators"))
    bounds = [0]
    opened_with_subordinator = bool(tokens) and tokens[0].norm in subord
    n_spaced_dashes = sum(
        1 for k, t in enumerate(tokens) if t.text in ("–", "—", "-") and k > 0 and tokens[k - 1].end < t.start
    )
    for i, tok in enumerate(tokens):
        if tok.kind != "punct":
            continue
        nxt = tokens[i + 1].norm if i + 1 < len(tokens) else ""
        if tok.text in ("–", "—", "-"):
            # A single spaced dash before a lower-case word opens an aside that runs to the end
            # ("Vietnam – the highest position ..."); between names it joins them ("Vietnam – US
            # relations"); a pair of dashes encloses an aside inside the clause.
            spaced = i > 0 and tokens[i - 1].end < tok.start
            if (
                spaced and n_spaced_dashes == 1 and nxt[:1].isalpha() and i + 1 < len(tokens)
                and tokens[i + 1].text[:1].islower()
            ):
                bounds.append(i + 1)
        elif tok.text in CLAUSE_PUNCT:
            bounds.append(i + 1)
        elif tok.text == ",":
            if nxt in conj:
                bounds.append(i + 1)
            elif opened_with_subordinator and len(bounds) == 1:
                bounds.append(i + 1)
    bounds.append(len(tokens))
    clauses = tuple((a, b) for a, b in zip(bounds, bounds[1:]) if b > a)
    return Sentence(text, lang if lang in ("de", "en") else "en", tokens, clauses or ((0, len(tokens)),))
