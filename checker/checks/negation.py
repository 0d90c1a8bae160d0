"""Negation and hedges around a slot: "not", "nicht", "kein", "no longer", "so far", "soll".

A negated slot says the opposite of the same slot without negation; a hedged slot
(forecast, plan, question, condition) is not a statement of fact and never decides a
conflict on its own.
"""
from __future__ import annotations

from .lexicon import Lexicon, default_lexicon
from .slots import Polarity
from .tokens import Sentence, analyse

#: Tokens before a slot that a negator may stand at ("has not yet been lifted").
NEGATION_WINDOW_BEFORE = 6
#: German places "nicht" late ("hob das Embargo nicht auf"); tokens after the slot.
NEGATION_WINDOW_AFTER_DE = 3


def polarity_at(sent: Sentence, span: tuple[int, int], lexicon: Lexicon) -> Polarity:
    """Negation and hedges that apply to the tokens in ``span``.

    Args:
        sent: the analysed sentence.
        span: (start, end) token range of the slot.
        lexicon: vocabulary.
    Returns:
        The polarity of that slot.

    Example:
        >>> from checker.checks.lexicon import default_lexicon
        >>> lex = default_lexicon()
        >>> s = analyse("The embargo was not lifted.", "en", lex)
        >>> polarity_at(s, (4, 5), lex).negated
        True
    """
    toks = sent.tokens
    first = sent.clause_of(span[0])
    clause = (min(first[0], span[0]), max(first[1], span[1]))  # a span may cover several clauses
    negators = lexicon.find("negation.negators", toks)
    barriers = set(lexicon.words("negation", "barriers"))
    exclusive_starts = {m.start for m in lexicon.find("qualifiers.exclusive", toks)}
    cues: list[str] = []
    negated = False
    for m in negators:
        if not (clause[0] <= m.start < clause[1]):
            continue
        if m.end in exclusive_starts:
            continue  # "not only" / "nicht nur" is not a negation of the slot
        before = span[0] - NEGATION_WINDOW_BEFORE <= m.start < span[0] + (span[1] - span[0])
        after = sent.lang == "de" and span[1] <= m.start < span[1] + NEGATION_WINDOW_AFTER_DE
        if before and m.start < span[0]:
            if any(toks[k].norm in barriers for k in range(m.end, span[0])):
                continue
        if before or after:
            negated = True
            cues.append(sent.quote(m.start, m.end))
    hedged = False
    for m in lexicon.find("hedges.modal", toks):
        in_clause = clause[0] <= m.start < clause[1]
        conditional = toks[m.start].norm in ("if", "unless", "whether", "falls", "sofern", "ob")
        if in_clause or conditional:
            hedged = True
            cues.append(sent.quote(m.start, m.end))
    if sent.has_token("?"):
        hedged = True
        cues.append("?")
    temporal = False
    for m in lexicon.find("hedges.temporal", toks):
        if clause[0] <= m.start < clause[1]:
            temporal = True
            cues.append(sent.quote(m.start, m.end))
    return Polarity(negated, hedged, temporal, tuple(cues))


def extract_polarity(text: str, lang: str = "en", lexicon: Lexicon | None = None) -> Polarity:
    """Negation and hedges anywhere in a sentence.

    Args:
        text: one sentence.
        lang: "de" or "en".
        lexicon: vocabulary; the built-in one when None.
    Returns:
        Polarity of the whole sentence.

    Example:
        >>> p = extract_polarity("Das Embargo soll bisher nicht aufgehoben worden sein.", "de")
        >>> (p.negated, p.hedged, p.temporal)
        (True, True, True)
    """
    lexicon = lexicon or default_lexicon()
    sent = analyse(text, lang, lexicon)
    return polarity_at(sent, (0, len(sent.tokens)), lexicon)
