"""Cheap filters between candidate pairs and NLI: run the expensive model only where it can matter.

Two decisions per candidate pair, both from data the pipeline already has (the claim texts,
their slots and which pairs share a slot key):

1. **Can the pair matter?** A pair that shares a slot key (``slot_pairs``) always goes on: the
   structured checks are built for it. A pair found only by embedding similarity goes on when
   its cosine is very high (``min_similarity``: near-paraphrases, where NLI sees negations and
   swapped roles), or, when their documents share one of their main entities (actors, places,
   names; ``checks.compare.same_story``), when the two claims name a common actor, or BOTH
   carry a time or BOTH carry a number or rank. Documents about different stories are where
   an archive's false alarms came from. "Both carry" rather than "share the same": a conflict is
   exactly two *different* years or counts, so requiring the same value would drop the
   contradictions this tool is for. Any other pair (two loosely related sentences with
   nothing in common to compare) is dropped before NLI.

2. **Is it a near-duplicate?** Two claims in the same language whose wording is almost
   identical (rapidfuzz ``ratio`` >= ``duplicate_ratio`` after lower-casing and stripping
   punctuation) AND that carry the same figures, the same negations and the same hedges
   ("may", "soll") are the same statement, typically agency copy printed by two outlets.
   A fact-checker reads that as agreement, but not as independent confirmation, so the
   verdict says "near-duplicate wording" instead of quoting an NLI score. NLI is skipped for
   them; the structured checks still run, and a pair in which they see any conflict is
   scored by NLI as usual (``checker.verify.verify_pairs``). Requiring identical digits keeps
   "9,80 Meter" vs "8,50 Meter" in an otherwise identical sentence out of this shortcut.

3. **Is it within the claim's NLI budget?** In an archive, a story covered by many outlets gives
   each of its claims more and more partners above the similarity bar, so NLI work grew faster
   than the archive (0.57 similarity-only pairs per claim at 1,000 news articles, 1.03 at
   4,000). Each claim therefore gets NLI on its ``nli_partners`` most similar similarity-only
   partners; a pair goes to NLI when it is among the closest ``nli_partners`` of *either* of its
   claims, so NLI verifies at most ``nli_partners`` times as many pairs as there are claims.
   The other pairs still get the structured checks, and one in which the checks see a conflict
   or an agreement is scored by NLI as usual; the rest are reported unrelated with the reason. Pairs that share a slot key
   never count against the budget (``slot_pairs`` bounds them already). Conflicts between two
   versions of a story are still found: each claim of the one version is compared with its
   closest claims, which belong to the other version or to claims already compared with it.
   The pipeline applies the budget to large checks only (``Config.nli_budget_from`` claims).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Callable, Collection, Mapping, Sequence

import numpy as np

from .checks.compare import same_story
from .checks.lexicon import Lexicon, default_lexicon
from .checks.slots import ClaimSlots
from .records import CandidatePair, Claim

logger = logging.getLogger(__name__)

#: rapidfuzz ratio (0-100) at or above which two same-language claims are near-duplicates.
#: 95 allows a changed article or a typo in a 20-word sentence, not a changed fact word.
DUPLICATE_RATIO = 95.0
#: Similarity-only partners per claim that NLI verifies (rule 3 of the module doc).
NLI_PARTNERS = 2
#: Embedding cosine at or above which a pair always goes to NLI (e5's cosines are compressed:
#: one cross-document pair in ten scores above 0.855, so 0.90 means "near-paraphrase").
MIN_SIMILARITY = 0.90

_WORD = re.compile(r"\w+|n't", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True, slots=True)
class PrefilterResult:
    """What the prefilter decided for a list of candidate pairs.

    Attributes:
        pairs: pairs to verify, in input order (duplicates included).
        duplicates: (a, b) -> rapidfuzz ratio for the near-duplicate pairs among ``pairs``.
        dropped: similarity-only pairs that could not matter and were left out.
        beyond_budget: (a, b) of the kept pairs outside both claims' NLI budget (rule 3).
    """

    pairs: list[CandidatePair]
    duplicates: dict[tuple[str, str], float] = field(default_factory=dict)
    dropped: int = 0
    beyond_budget: frozenset[tuple[str, str]] = frozenset()


def _cues(lexicon: Lexicon) -> frozenset[str]:
    """Single-word negators and modal hedges of both languages (words a duplicate must share)."""
    words = lexicon.words("negation", "negators") + lexicon.words("hedges", "modal")
    return frozenset(w for w in words if " " not in w)


def _signature(text: str, cues: frozenset[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The figures and the negation/hedge words of a text, in order."""
    lower = text.lower()
    return tuple(_NUMBER.findall(lower)), tuple(w for w in _WORD.findall(lower) if w in cues)


def near_duplicates(
    pairs: Sequence[CandidatePair],
    claims: Mapping[str, Claim],
    ratio: float = DUPLICATE_RATIO,
    lexicon: Lexicon | None = None,
) -> dict[tuple[str, str], float]:
    """Same-language pairs whose wording is nearly identical, with the same figures, negations and hedges.

    Args:
        pairs: candidate pairs.
        claims: claims by id.
        ratio: rapidfuzz ``fuzz.ratio`` threshold (0-100) on lower-cased, punctuation-free text.
        lexicon: for the negation and hedge words; the built-in one when None.
    Returns:
        (a, b) -> ratio for each near-duplicate pair.

    Example:
        >>> c = {"a:s0": Claim("a:s0", "a", "en", "The Danube peaked at 8.50 metres on Monday.", 0, 43, 0),
        ...      "b:s0": Claim("b:s0", "b", "en", "The Danube peaked at 8.50 metres on Monday", 0, 42, 0),
        ...      "c:s0": Claim("c:s0", "c", "en", "The Danube peaked at 9.80 metres on Monday.", 0, 43, 0)}
        >>> list(near_duplicates([CandidatePair("a:s0", "b:s0", 0.99), CandidatePair("a:s0", "c:s0", 0.98)], c))
        [('a:s0', 'b:s0')]
    """
    from rapidfuzz import fuzz, utils
    from rapidfuzz.process import cpdist

    same = [p for p in pairs if claims[p.a].lang == claims[p.b].lang]
    if not same:
        return {}
    # One vectorised call for all pairs (C loop, no Python loop over the ratio computations).
    scores = cpdist([claims[p.a].text for p in same], [claims[p.b].text for p in same],
                    scorer=fuzz.ratio, processor=utils.default_process, workers=1)
    cues = _cues(lexicon or default_lexicon())
    out: dict[tuple[str, str], float] = {}
    for p, score in zip(same, np.asarray(scores).reshape(-1)):
        if score >= ratio and _signature(claims[p.a].text, cues) == _signature(claims[p.b].text, cues):
            out[(p.a, p.b)] = round(float(score), 1)
    return out


def _features(slots: ClaimSlots) -> tuple[frozenset[str], bool, bool]:
    """(actor ids incl. places, has a time, has a number or rank) of one claim."""
    return frozenset(a.id for a in slots.actors), bool(slots.times), bool(slots.quantities or slots.ranks)


def can_matter(a: ClaimSlots, b: ClaimSlots, similarity: float, min_similarity: float = MIN_SIMILARITY) -> bool:
    """Whether a similarity-only pair is worth verifying (rule 1 of the module doc).

    Args:
        a, b: the two claims' slots.
        similarity: their embedding cosine.
        min_similarity: cosine from which a pair always matters.
    Returns:
        True when the pair should be verified.

    Example:
        >>> from checker.checks import extract_slots
        >>> a = extract_slots("The embargo was lifted in 2016.", "en")
        >>> b = extract_slots("Das Embargo wurde 2019 aufgehoben.", "de")
        >>> can_matter(a, b, 0.87), can_matter(extract_slots("Officials met.", "en"), b, 0.87)
        (True, False)
    """
    if similarity >= min_similarity:
        return True
    if not same_story(a, b):
        return False
    actors_a, time_a, number_a = _features(a)
    actors_b, time_b, number_b = _features(b)
    return bool(actors_a & actors_b) or (time_a and time_b) or (number_a and number_b)


def beyond_budget(pairs: Sequence[CandidatePair], partners: int) -> frozenset[tuple[str, str]]:
    """Pairs that are not among the ``partners`` most similar pairs of either of their claims.

    Ties in similarity are broken by the partner's id, so the result does not depend on the
    order of ``pairs``. ``partners`` <= 0 means no budget.

    Args:
        pairs: the similarity-only pairs (near-duplicates and slot-key pairs left out).
        partners: pairs per claim that NLI verifies.
    Returns:
        (a, b) of the pairs beyond the budget.

    Example:
        >>> ps = [CandidatePair("x:s0", "a:s0", 0.95), CandidatePair("x:s0", "b:s0", 0.93),
        ...       CandidatePair("y:s0", "a:s1", 0.94), CandidatePair("y:s0", "b:s1", 0.92),
        ...       CandidatePair("x:s0", "y:s0", 0.87)]
        >>> sorted(beyond_budget(ps, 2)), sorted(beyond_budget(ps, 3))
        ([('x:s0', 'y:s0')], [])
    """
    if partners <= 0:
        return frozenset()
    ranked: dict[str, list[tuple[float, str, int]]] = {}
    for i, p in enumerate(pairs):
        ranked.setdefault(p.a, []).append((-p.similarity, p.b, i))
        ranked.setdefault(p.b, []).append((-p.similarity, p.a, i))
    within = set()
    for entries in ranked.values():
        within.update(i for _, _, i in sorted(entries)[:partners])
    return frozenset((p.a, p.b) for i, p in enumerate(pairs) if i not in within)


def prefilter(
    pairs: Sequence[CandidatePair],
    claims: Mapping[str, Claim],
    slots: Callable[[str], ClaimSlots],
    keyed: Collection[tuple[str, str]],
    min_similarity: float = MIN_SIMILARITY,
    duplicate_ratio: float = DUPLICATE_RATIO,
    lexicon: Lexicon | None = None,
    nli_partners: int = NLI_PARTNERS,
) -> PrefilterResult:
    """Drop similarity-only pairs that cannot matter, mark near-duplicates and the pairs beyond the NLI budget.

    Args:
        pairs: candidate pairs (from ``nearest_pairs`` and ``slot_pairs``).
        claims: claims by id.
        slots: claim id -> slots (``SlotCache.get``; slots are extracted once per claim).
        keyed: (a, b) of the pairs that share a slot key: they always pass.
        min_similarity: cosine from which a similarity-only pair always passes.
        duplicate_ratio: rapidfuzz ratio for near-duplicates.
        lexicon: negation and hedge words; the built-in one when None.
        nli_partners: similarity-only pairs per claim that NLI verifies (0: all).
    Returns:
        The kept pairs, the near-duplicates among them, the number dropped and the kept pairs
        beyond the NLI budget.

    Example:
        >>> from checker.verify import SlotCache
        >>> c = {"a:s0": Claim("a:s0", "a", "en", "Officials met on the bridge.", 0, 28, 0),
        ...      "b:s0": Claim("b:s0", "b", "en", "Anwohner räumten die Keller.", 0, 28, 0)}
        >>> cache = SlotCache(c, {}, default_lexicon())
        >>> prefilter([CandidatePair("a:s0", "b:s0", 0.87)], c, cache.get, keyed=()).dropped
        1
    """
    keyed = set(keyed)
    kept = [p for p in pairs if (p.a, p.b) in keyed or can_matter(slots(p.a), slots(p.b), p.similarity, min_similarity)]
    duplicates = near_duplicates(kept, claims, duplicate_ratio, lexicon)
    dropped = len(pairs) - len(kept)
    open_search = [p for p in kept if (p.a, p.b) not in keyed and (p.a, p.b) not in duplicates]
    beyond = beyond_budget(open_search, nli_partners)
    logger.info("Prefilter: %d of %d pairs kept, %d near-duplicates, %d beyond the NLI budget of %d partners per claim "
                "(NLI skipped unless the checks see a conflict or an agreement)",
                len(kept), len(pairs), len(duplicates), len(beyond), nli_partners)
    return PrefilterResult(kept, duplicates, dropped, beyond)
