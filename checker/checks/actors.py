"""Actors: states, organisations and other names, normalised across languages.

"USA", "US", "Vereinigte Staaten", "Washington", "White House" and "die Biden-Regierung"
all become the actor id "USA"; "Peking" and "Beijing" become "CHN". Names outside the
lexicon (companies, parties, clubs) are kept as "name:<lower-case text>" and compared
fuzzily.
"""
from __future__ import annotations

import logging
from typing import Iterable, Literal

from rapidfuzz import fuzz

from .lexicon import Lexicon, default_lexicon
from .slots import ActorMention
from .tokens import Sentence, analyse

log = logging.getLogger(__name__)

#: Ratio at which two names outside the lexicon count as the same actor.
NAME_MATCH_RATIO = 90.0

# German nouns are capitalised, so a capitalised German word is a name only when it does
# not look like a common noun: these endings mark abstract and collective nouns.
_GERMAN_NOUN_ENDINGS = ("ung", "heit", "keit", "schaft", "tion", "ität", "ismus", "nis", "tum", "ment", "ik", "tur", "enz", "anz")

ActorRelation = Literal["same", "subset", "overlap", "disjoint", "unknown"]


def find_actors(sent: Sentence, lexicon: Lexicon, names: bool = True) -> list[ActorMention]:
    """Lexicon actors (and, optionally, other names) in an analysed sentence.

    Args:
        sent: the analysed sentence.
        lexicon: vocabulary.
        names: also collect capitalised names outside the lexicon.
    Returns:
        Mentions in text order.
    """
    toks = sent.tokens
    # "US-Dollar" names a currency, not the actor.
    unit_tokens = {k for m in lexicon.find("units", toks) for k in range(m.start, m.end)}
    out: list[ActorMention] = []
    taken: set[int] = set()
    eras = lexicon.table("eras")
    for m in lexicon.find("eras", toks):
        actor = eras[m.key].get("actor")
        if actor:
            out.append(ActorMention(actor, lexicon.actor_label(actor), sent.quote(m.start, m.end), "country", (m.start, m.end)))
            taken.update(range(m.start, m.end))
    for m in lexicon.find("actors", toks):
        if any(k in unit_tokens or k in taken for k in range(m.start, m.end)):
            continue
        surface = sent.quote(m.start, m.end)
        possessive = m.end < len(toks) and toks[m.end].norm == "'s"
        last = toks[m.end - 1].norm
        if sent.lang == "de" and last.endswith("s") and not m.phrase.lower().endswith("s") and len(last) > 3:
            possessive = True  # German genitive: "Chinas", "Vietnams"
        out.append(ActorMention(m.key, lexicon.actor_label(m.key), surface, lexicon.actor_kind(m.key), (m.start, m.end), possessive))
        taken.update(range(m.start, m.end))
    if names:
        # German: the word after a genitive ("Vietnams Rolle") is the noun it governs.
        after_genitive = {a.span[1] for a in out if a.possessive and sent.lang == "de"}
        out += _names(sent, lexicon, taken | unit_tokens | after_genitive)
    return sorted(out, key=lambda a: a.span)


def _names(sent: Sentence, lexicon: Lexicon, taken: set[int]) -> list[ActorMention]:
    toks = sent.tokens
    function = set(lexicon.words("function_words", "en")) | set(lexicon.words("function_words", "de"))
    months = {n.lower() for names in lexicon.table("months").values() for n in names}
    vocabulary = _vocabulary(lexicon)
    out: list[ActorMention] = []
    run: list[int] = []

    def is_name(k: int) -> bool:
        tok = toks[k]
        text = tok.surface
        if k in taken or tok.kind != "word" or len(text) < 2 or tok.norm in function or tok.norm in months:
            return False
        if tok.norm in vocabulary or (k > 0 and toks[k - 1].kind == "num"):
            return False  # a domain word ("Umsatz", "Sitze") or a counted noun ("5000 Stellen")
        if text.isupper():
            return True  # acronyms: SPD, BMW, NATO
        if not (text[0].isupper() and text[1:].islower()):
            return False
        if sent.lang == "de":
            prev = toks[k - 1].norm if k > 0 else ""
            if prev in function or tok.norm.endswith(_GERMAN_NOUN_ENDINGS):
                return False
            if prev.endswith(("e", "en", "er", "es", "em")) and toks[k - 1].text.islower():
                return False  # "neue Regierung": adjective + noun
        return True

    for k in range(len(toks) + 1):
        if k < len(toks) and is_name(k):
            run.append(k)
            continue
        if run:
            start, end = run[0], run[-1] + 1
            surface = sent.quote(start, end)
            possessive = end < len(toks) and toks[end].norm == "'s"
            out.append(ActorMention("name:" + surface.lower(), surface, surface, "name", (start, end), possessive))
            run = []
    return out


def _vocabulary(lexicon: Lexicon) -> frozenset[str]:
    """Every single word of the domain vocabulary: such words are never names."""

    def build() -> frozenset[str]:
        words: set[str] = set()

        def collect(value) -> None:
            if isinstance(value, str):
                if " " not in value.strip():
                    words.add(value.lower())
            elif isinstance(value, list):
                for v in value:
                    collect(v)
            elif isinstance(value, dict):
                for key, v in value.items():
                    if key not in ("label", "name", "actor", "kind", "effect", "parent", "degree"):
                        collect(v)

        for section, table in lexicon.data.items():
            if section not in ("actors", "eras", "era_templates"):
                collect(table)
        return frozenset(words)

    return lexicon.cached("vocabulary", build)


def extract_actors(text: str, lang: str = "en", lexicon: Lexicon | None = None) -> tuple[ActorMention, ...]:
    """Actors named in one sentence, normalised to lexicon ids.

    Args:
        text: one sentence.
        lang: "de" or "en".
        lexicon: vocabulary; the built-in one when None.
    Returns:
        Mentions in text order (lexicon actors, eras as their government, other names).

    Example:
        >>> [a.id for a in extract_actors("Peking und die Vereinigten Staaten", "de")]
        ['CHN', 'USA']
    """
    lexicon = lexicon or default_lexicon()
    return tuple(find_actors(analyse(text, lang, lexicon), lexicon))


def same_name(a: str, b: str) -> bool:
    """Two actor ids denote the same actor: equal ids, or fuzzy-equal names outside the lexicon.

    Example:
        >>> same_name("name:siemens", "name:siemens ag"), same_name("USA", "CHN")
        (True, False)
    """
    if a == b:
        return True
    if not (a.startswith("name:") and b.startswith("name:")):
        return False
    x, y = a[5:], b[5:]
    if fuzz.ratio(x, y) >= NAME_MATCH_RATIO:
        return True
    # "Siemens" vs "Siemens AG", "Bayern" vs "Bayern München": same first word.
    fx, fy = x.split()[0], y.split()[0]
    return len(fx) >= 4 and fx == fy


def relate(a: Iterable[str], b: Iterable[str]) -> ActorRelation:
    """How two sets of actor ids relate.

    Returns:
        "same" (equal sets), "subset" (one contains the other), "overlap" (share some),
        "disjoint" (share none), "unknown" (either side empty).

    Example:
        >>> relate({"USA", "VNM"}, {"USA"}), relate({"USA", "VNM"}, {"CHN", "VNM"})
        ('subset', 'overlap')
    """
    a, b = list(a), list(b)
    if not a or not b:
        return "unknown"
    a_in_b = all(any(same_name(x, y) for y in b) for x in a)
    b_in_a = all(any(same_name(y, x) for x in a) for y in b)
    if a_in_b and b_in_a:
        return "same"
    if a_in_b or b_in_a:
        return "subset"
    if any(same_name(x, y) for x in a for y in b):
        return "overlap"
    return "disjoint"
