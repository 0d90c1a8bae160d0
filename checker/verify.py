"""Pair verdicts: the NLI model and the structured checks combined into one label per pair.

How a verdict is decided (first rule that applies; NLI bars in :class:`Thresholds`, chosen on
the dev split of the news pairs; ``c`` = NLI contradiction averaged over both directions):

1. A structured conflict with confidence >= ``CHECKS_DECISIVE`` -> CONTRADICTS, whatever
   the NLI says (a year, a count or a relationship level is where NLI models are weakest).
   If ``c`` >= ``corroborate`` the two are combined (noisy-or) and both scorers are credited.
   A conflict of figures alone that the model reads as unrelated (neutral >= ``neutral_veto``
   each way) is only a possible contradiction (score below 0.5).
2. NLI failed for the pair -> AGREES on a decisive structured agreement, else UNSCORED.
3. A weaker structured conflict (an opposite outcome word, a negation on one side only, one
   figure or actor changed) about different times, or read as unrelated by the model in either
   direction (neutral >= ``neutral_veto``) -> a possible contradiction; else with ``c`` >=
   ``corroborate`` -> CONTRADICTS (noisy-or of the two); else, for an outcome, placing, figure,
   count or actor conflict where the model reads both claims as one statement (entailment >=
   ``same_statement``) -> CONTRADICTS.
4. NLI alone: ``c`` >= ``contradiction``, no slot agreement, no timeline (the claims are
   about different times) and no disjoint actors -> CONTRADICTS, score 0.5 at the bar rising
   to 1; ``possible`` <= ``c`` < ``contradiction`` -> a "possible contradiction" with a score
   below 0.5 (hidden at the default ``--min-score``, shown with a lower one).
5. AGREES only without any structured conflict, with entailment both ways and ``c`` below
   ``agreement_max_contradiction``: a structured agreement plus NLI entailment >= ``support``
   in the weaker direction (noisy-or), or NLI entailment both ways (>= ``entailment`` one way,
   >= ``entailment_other`` the other); or a decisive structured agreement (the relation itself
   matched) with ``c`` below ``structured_max_contradiction``.
6. Otherwise UNRELATED.

``score`` is always the confidence in the label, in 0..1.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace
from typing import Callable, Collection, Mapping, Sequence

from .backends.base import NliScorer
from .checks.compare import Comparison, compare_slots
from .checks.extract import add_context, extract_slots
from .checks.lexicon import Lexicon, default_lexicon
from .checks.slots import ClaimSlots
from .errors import InputError, ModelLoadError
from .records import NLI_LABELS, CandidatePair, Claim, Document, PairVerdict, Verdict

log = logging.getLogger(__name__)

#: (premise, hypothesis) inputs per ``nli.predict`` call.
NLI_CHUNK = 128
#: A structured conflict at or above this confidence decides CONTRADICTS on its own.
#: Findings score 0.9 at best (same actors, dated); 0.7 still allows one discount
#: (actors named on one side only, context from the previous sentence, an unspecified degree).
CHECKS_DECISIVE = 0.70


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The NLI bars of the decision rules (module doc), chosen on the dev split of the news
    pairs (``benchmarks/calibrate_rules.py``; the curve and the chosen points are in the README).

    ``c`` below is the NLI contradiction probability averaged over both directions (a→b alone
    when b→a was not needed), ``e_fwd``/``e_back`` the entailment of the stronger and the
    weaker direction.
    """

    # Chosen with `python benchmarks/calibrate_rules.py` (vncheck-nli-v4, dev split, 358 pairs):
    # contradictions: the highest recall at precision >= 0.9 with <= 5% of the look-alikes
    # flagged: NLI bar 0.90, corroboration from 0.20, same statement from 0.40 (P 0.92, R 0.65,
    # 4.7% flagged); the neutral veto stays at 0.80 (not searched: the archive reading in the
    # README is why it exists). Agreements: the first point of the Pareto
    # front, no dev contradiction reported as an agreement (recall 0.11; the next point, 0.26,
    # reports one).
    #: NLI alone: ``c`` from which a pair is a contradiction (score 0.5 at this bar).
    contradiction: float = 0.90
    #: ``c`` from which a pair is a "possible contradiction" (score below 0.5, hidden by default).
    possible: float = 0.70
    #: ``c`` that corroborates a weaker structured conflict.
    corroborate: float = 0.20
    #: Agreement by NLI: entailment in the stronger direction ...
    entailment: float = 0.95
    #: ... and in the other (entailment both ways).
    entailment_other: float = 0.80
    #: Entailment in the weaker direction that, with a structured agreement, makes an agreement.
    support: float = 0.80
    #: No agreement while ``c`` (contradiction over both directions) reaches this.
    agreement_max_contradiction: float = 0.20
    #: No agreement from a decisive structured agreement while ``c`` reaches this.
    structured_max_contradiction: float = 0.50
    #: Entailment (stronger direction) from which the model reads two claims as one statement:
    #: then opposite outcome words in them ("dismissed" / "stattgegeben") are a contradiction.
    same_statement: float = 0.40
    #: A conflict of figures alone ("150 Menschen" / "13 Menschen") where the NLI model reads
    #: the claims as unrelated (neutral at least this in each direction scored) is only a
    #: possible contradiction: two counts of one noun are as often two events as one.
    neutral_veto: float = 0.80


DEFAULT_THRESHOLDS = Thresholds()
#: b→a is scored when a→b shows entailment or contradiction of at least this (see score_both_directions).
REVERSE_MIN = 0.30


def _noisy_or(*scores: float) -> float:
    """Combined confidence of independent pieces of evidence: 1 - prod(1 - s)."""
    out = 1.0
    for s in scores:
        out *= 1.0 - max(0.0, min(1.0, s))
    return round(1.0 - out, 4)


def _valid(result: object) -> bool:
    return isinstance(result, Mapping) and all(isinstance(result.get(k), (int, float)) for k in NLI_LABELS)


def score_both_directions(
    nli: NliScorer,
    texts: Sequence[tuple[str, str]],
    progress: Callable[[int], None] | None = None,
    always_reverse: Sequence[bool] | None = None,
) -> tuple[list[tuple[dict, dict | None] | None], list[str | None]]:
    """Score every (a, b) text pair as a→b, and as b→a where the second direction can matter.

    A pair whose a→b shows neither entailment nor contradiction of at least ``REVERSE_MIN``
    cannot reach any NLI bar of :func:`decide` by averaging in b→a, except an agreement
    backed by a structured one, which takes entailment in either direction: those pairs are
    flagged in ``always_reverse``. So b→a is scored only where it can matter.

    Args:
        nli: the scorer (``NLI_CHUNK`` inputs per ``predict`` call).
        texts: (text_a, text_b) per pair.
        progress: called after each chunk of the a→b pass with the number of pairs done.
        always_reverse: per pair, score b→a whatever a→b says.
    Returns:
        Per pair: (scores a→b, scores b→a or None when not needed), or None when a needed
        chunk failed; and per pair the error message (None when scored).

    Example:
        >>> from checker.backends.fake import RuleNli
        >>> scores, errors = score_both_directions(RuleNli(), [("The minister did attend.", "The minister did not attend.")])
        >>> max(scores[0][0], key=scores[0][0].get), scores[0][1] is not None, errors
        ('contradiction', True, [None])
    """
    forward, forward_errors = _predict_chunks(nli, list(texts), progress)
    always = list(always_reverse) if always_reverse is not None else [False] * len(texts)
    reverse_rows = [
        i for i, ab in enumerate(forward)
        if ab is not None and (always[i] or ab["contradiction"] >= REVERSE_MIN or ab["entailment"] >= REVERSE_MIN)
    ]
    backward, backward_errors = _predict_chunks(nli, [(texts[i][1], texts[i][0]) for i in reverse_rows], None)
    reverse = {i: (ba, err) for i, ba, err in zip(reverse_rows, backward, backward_errors)}
    pairs: list[tuple[dict, dict | None] | None] = []
    pair_errors: list[str | None] = []
    for i, ab in enumerate(forward):
        ba, err = reverse.get(i, (None, None))
        failed = forward_errors[i] or err
        pairs.append(None if failed else (ab, ba))
        pair_errors.append(failed)
    return pairs, pair_errors


def _predict_chunks(
    nli: NliScorer, inputs: list[tuple[str, str]], progress: Callable[[int], None] | None
) -> tuple[list[dict | None], list[str | None]]:
    """``nli.predict`` over ``NLI_CHUNK``-sized chunks; a failing chunk leaves its rows None with the error.

    Inputs go shortest first, so that each chunk holds pairs of similar length and its
    batches pad little (in document order, 64-input chunks ran at about two thirds of the speed).
    """
    out: list[dict | None] = [None] * len(inputs)
    errors: list[str | None] = [None] * len(inputs)
    size = int(getattr(nli, "preferred_chunk", NLI_CHUNK))  # the Ray engine wants bigger chunks to spread
    order = sorted(range(len(inputs)), key=lambda i: (len(inputs[i][0]) + len(inputs[i][1]), i))
    for start in range(0, len(inputs), size):
        rows = order[start : start + size]
        chunk = [inputs[i] for i in rows]
        try:
            result = nli.predict(chunk)
            if len(result) != len(chunk) or not all(_valid(r) for r in result):
                raise ValueError(f"predict returned {len(result)} results for {len(chunk)} pairs or lacks labels {NLI_LABELS}")
            for i, r in zip(rows, result):
                out[i] = {label: float(r[label]) for label in NLI_LABELS}
        except ModelLoadError:  # a model that cannot load (a lazy backend's first call) stops the run
            raise
        except Exception as err:  # any backend failure leaves these pairs unscored, never guessed
            message = f"{type(err).__name__}: {err}"
            log.warning("NLI scoring failed for %d inputs: %s", len(chunk), message)
            for i in rows:
                errors[i] = message
        if progress is not None:
            progress(start + len(chunk))
    return out, errors


def _nli_reason(ab: Mapping[str, float], ba: Mapping[str, float] | None) -> str:
    top_ab = max(NLI_LABELS, key=lambda k: ab[k])
    if ba is None:
        return f"NLI: {top_ab} {ab[top_ab]:.2f} (a→b; b→a not needed: a→b neither entails nor contradicts)"
    top_ba = max(NLI_LABELS, key=lambda k: ba[k])
    if top_ab == top_ba:
        return f"NLI: {top_ab} {ab[top_ab]:.2f} (a→b), {ba[top_ba]:.2f} (b→a)"
    return f"NLI: {top_ab} {ab[top_ab]:.2f} (a→b), {top_ba} {ba[top_ba]:.2f} (b→a)"


def _disjoint_actors(a: ClaimSlots, b: ClaimSlots) -> bool:
    x = {i for i in a.actor_ids if not i.startswith("name:")}
    y = {i for i in b.actor_ids if not i.startswith("name:")}
    return bool(x and y and not x & y)


def decide(
    a_id: str,
    b_id: str,
    cmp: Comparison,
    scores: tuple[Mapping[str, float], Mapping[str, float] | None] | None,
    nli_error: str | None = None,
    disjoint_actors: bool = False,
    topic: str = "",
    similarity: float = 0.0,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> PairVerdict:
    """Combine structured findings and NLI scores into one verdict (rules in the module doc).

    Args:
        a_id, b_id: claim ids.
        cmp: the structured comparison of the two claims.
        scores: NLI label probabilities (a→b, b→a), or None without NLI; b→a is None when
            it was not needed (see :func:`score_both_directions`).
        nli_error: why NLI failed for this pair (then ``scores`` is None).
        disjoint_actors: the claims name different lexicon actors.
        topic, similarity: copied into the verdict.
        thresholds: the NLI bars (calibrated defaults).
    Returns:
        The pair verdict.

    Example:
        >>> from checker.records import Finding
        >>> cmp = Comparison((Finding("level", "conflict", "level: x vs y", 0.9),))
        >>> ent = {"entailment": 0.95, "neutral": 0.03, "contradiction": 0.02}
        >>> decide("a", "b", cmp, (ent, ent)).label
        <Verdict.CONTRADICTS: 'contradiction'>
    """
    t = thresholds
    conflict, support = cmp.conflict, cmp.support
    conflicts = [f.reason for f in cmp.findings if f.kind == "conflict"]
    supports = [f.reason for f in cmp.findings if f.kind == "support"]
    notes = list(cmp.notes)
    nli_dict = None
    c = e_fwd = e_back = 0.0
    nli_line: list[str] = []
    ab = ba_or_ab = None
    if scores is not None:
        ab, ba = scores
        ba_or_ab = ba if ba is not None else ab  # b→a is skipped only when a→b shows nothing (REVERSE_MIN)
        nli_dict = {k: round(max(ab[k], ba_or_ab[k]), 4) for k in NLI_LABELS}
        c = (ab["contradiction"] + ba_or_ab["contradiction"]) / 2
        e_fwd = max(ab["entailment"], ba_or_ab["entailment"])
        e_back = min(ab["entailment"], ba_or_ab["entailment"])
        nli_line = [_nli_reason(ab, ba)]
    elif nli_error:
        nli_line = [f"NLI failed: {nli_error}"]

    def verdict(label: Verdict, score: float, reasons: list[str], scorers: tuple[str, ...]) -> PairVerdict:
        return PairVerdict(
            a=a_id, b=b_id, label=label, score=round(max(0.0, min(1.0, score)), 4), topic=topic,
            reasons=tuple(dict.fromkeys(reasons)), scorers=scorers, nli=nli_dict, findings=cmp.findings,
            similarity=similarity,
        )

    def possible(why: str) -> PairVerdict:
        """A structured conflict the NLI reading leaves in doubt: a possible contradiction, below 0.5."""
        return verdict(Verdict.CONTRADICTS, min(0.3 + 0.2 * conflict, 0.4999), [f"possible contradiction: {why}"]
                       + conflicts + nli_line + notes, ("checks", "nli"))

    # 1. A confident slot conflict decides, even against NLI entailment; a conflict of figures
    #    alone not against a confident NLI "unrelated".
    checks_in_conflict = {f.check for f in cmp.findings if f.kind == "conflict"}
    if conflict >= CHECKS_DECISIVE and scores is not None and checks_in_conflict <= {"count"} and c < t.corroborate:
        neutral = min(ab["neutral"], ba_or_ab["neutral"])
        if neutral >= t.neutral_veto:
            return possible(f"the figures differ, but the NLI model reads the claims as unrelated (neutral {neutral:.2f}): "
                            "two events, or one?")
    if conflict >= CHECKS_DECISIVE:
        extra = []
        if scores is not None and e_fwd >= t.entailment:
            extra = [f"structured check outranks NLI entailment {e_fwd:.2f}"]
        if scores is not None and c >= t.corroborate:
            return verdict(Verdict.CONTRADICTS, _noisy_or(conflict, c), conflicts + nli_line + notes, ("checks", "nli"))
        return verdict(Verdict.CONTRADICTS, conflict, conflicts + extra + nli_line + notes, ("checks",))
    # 2. NLI failed: only a decisive structured agreement may stand.
    if nli_error is not None:
        if support >= CHECKS_DECISIVE:
            return verdict(Verdict.AGREES, support, supports + nli_line, ("checks",))
        return verdict(Verdict.UNSCORED, 0.0, conflicts + supports + nli_line + notes, ())
    if scores is not None:
        # 3. Weak slot conflict (an opposite outcome word, a negation on one side only ...) corroborated
        #    by NLI, unless the claims are about different times or the model reads them as unrelated
        #    in either direction (on archive articles, most weak conflicts were two events).
        unrelated = max(ab["neutral"], ba_or_ab["neutral"])
        if conflict > 0 and (cmp.timeline or unrelated >= t.neutral_veto):
            return possible("different times" if cmp.timeline else f"the NLI model reads them as unrelated (neutral {unrelated:.2f})")
        if conflict > 0 and c >= t.corroborate:
            return verdict(Verdict.CONTRADICTS, _noisy_or(conflict, c), conflicts + nli_line + notes, ("checks", "nli"))
        # 3b. Opposite outcome words (or one figure that differs among matching ones) in two
        # claims the model reads as one statement: the model entails across words it does not
        # know as opposites, so its entailment says "same event" here and the outcome words say
        # which way it went. Other facts of one story ("imports rose" / "exports fell") read as
        # neutral and stay out.
        flipped = max((f.confidence for f in cmp.findings if f.kind == "conflict"
                       and (f.check.startswith("outcome:") or f.check in ("figures", "actor", "count"))), default=0.0)
        if flipped and e_fwd >= t.same_statement:
            why = f"the NLI model reads both as one statement (entailment {e_fwd:.2f}), with another outcome, figure, count or actor"
            return verdict(Verdict.CONTRADICTS, _noisy_or(flipped, 0.5 * e_fwd), conflicts + [why] + nli_line + notes, ("checks", "nli"))
        # 4. NLI alone, guarded: not where a slot agrees, the times differ or the actors do.
        if c >= t.possible:
            if support > 0 or cmp.timeline or disjoint_actors:
                why = "slot agreement" if support > 0 else ("different times" if cmp.timeline else "different actors")
                notes.append(f"NLI contradiction not reported: {why}")
            elif c >= t.contradiction:
                score = 0.5 + 0.5 * (c - t.contradiction) / max(1e-9, 1.0 - t.contradiction)
                return verdict(Verdict.CONTRADICTS, score, nli_line + conflicts + notes, ("nli",))
            else:
                # Between the bars: a lower tier, below the default --min-score (0.5).
                score = 0.3 + 0.2 * (c - t.possible) / max(1e-9, t.contradiction - t.possible)
                why = f"possible contradiction: NLI contradiction {c:.2f} (both directions) is below the {t.contradiction:.2f} bar"
                return verdict(Verdict.CONTRADICTS, min(score, 0.4999), [why] + nli_line + conflicts + notes, ("nli",))
        # 5. Agreement: never with a conflict of value, polarity or outcome, nor with NLI contradiction either way.
        if conflict == 0 and c < t.agreement_max_contradiction:
            # Entailment both ways, always: a structured agreement lowers the bar, but a figure in
            # common ("three suspects") says nothing about the rest of the claim.
            if support > 0 and e_back >= t.support:
                return verdict(Verdict.AGREES, _noisy_or(support, e_fwd), supports + nli_line + notes, ("checks", "nli"))
            if e_fwd >= t.entailment and e_back >= t.entailment_other:
                return verdict(Verdict.AGREES, e_fwd, nli_line + supports + notes, ("nli",))
        # ... except where a check matches the claim's relation itself (same actors, relation and
        # time: "diplomatic relations established in 1995"), which a figure never does; the model
        # may then read the longer sentence's extra clause as a contradiction one way.
        if conflict == 0 and support >= CHECKS_DECISIVE and c < t.structured_max_contradiction:
            return verdict(Verdict.AGREES, support, supports + nli_line + notes, ("checks",))
        if conflict == 0 and (support > 0 or e_fwd >= t.entailment) and c >= t.agreement_max_contradiction:
            notes.append(f"no agreement: NLI contradiction {c:.2f} (both directions)")
        # 6. Unrelated: confidence = how far both scorers are from any other label.
        return verdict(
            Verdict.UNRELATED, 1.0 - max(c, e_fwd, conflict, support), nli_line + conflicts + supports + notes, ("checks", "nli")
        )
    # Structured checks only (no NLI scorer configured).
    if support >= CHECKS_DECISIVE and conflict == 0:
        return verdict(Verdict.AGREES, support, supports + notes, ("checks",))
    return verdict(Verdict.UNRELATED, 1.0 - max(conflict, support), conflicts + supports + notes, ("checks",))


#: Entities per document that say what its story is about (see ``SlotCache._story``).
STORY_ENTITIES = 8


class SlotCache:
    """Slots per claim id, extracted once; back-references read the previous sentence."""

    def __init__(self, claims: Mapping[str, Claim], documents: Mapping[str, Document], lexicon: Lexicon) -> None:
        self.claims, self.documents, self.lexicon = claims, documents, lexicon
        self.by_position = {(c.doc_id, c.index): c for c in claims.values()}
        self.by_doc: dict[str, list[Claim]] = {}  # per document, so _entities is linear in the claims
        for c in claims.values():
            self.by_doc.setdefault(c.doc_id, []).append(c)
        self.own: dict[str, ClaimSlots] = {}
        self.full: dict[str, ClaimSlots] = {}
        self.doc_entities: dict[str, tuple[tuple[str, str], ...]] = {}

    def reuse(self, other: "SlotCache") -> None:
        """Take over what ``other`` already extracted (its claims and documents must be among these)."""
        self.own.update(other.own)
        self.full.update(other.full)
        self.doc_entities.update(other.doc_entities)

    def _entities(self, doc_id: str) -> tuple[tuple[str, str], ...]:
        """(id, kind) of every actor, place and name the document's claims mention, most frequent first."""
        if doc_id not in self.doc_entities:
            counts: dict[str, int] = {}
            kinds: dict[str, str] = {}
            for c in self.by_doc.get(doc_id, ()):
                for a in self._own(c).actors:
                    counts[a.id] = counts.get(a.id, 0) + 1
                    kinds.setdefault(a.id, a.kind)
            self.doc_entities[doc_id] = tuple((k, kinds[k]) for k in sorted(counts, key=lambda k: (-counts[k], k)))
        return self.doc_entities[doc_id]

    def _doc_actors(self, doc_id: str) -> tuple[str, ...]:
        """The document's lexicon actors (places and names left out), most frequent first."""
        return tuple(k for k, kind in self._entities(doc_id) if kind not in ("place", "name"))

    def _story(self, doc_id: str) -> tuple[str, ...]:
        """The document's most frequent entities (lexicon actors, places and names): what its story is about."""
        return tuple(k for k, _ in self._entities(doc_id)[:STORY_ENTITIES])

    def _published(self, claim: Claim):
        doc = self.documents.get(claim.doc_id)
        return doc.published if doc is not None else None

    def _lang(self, claim: Claim) -> str:
        return claim.lang if claim.lang in ("de", "en") else "en"

    def own_slots(self, claim: Claim) -> ClaimSlots:
        """The claim's own slots, without context from other sentences."""
        return self._own(claim)

    def _own(self, claim: Claim) -> ClaimSlots:
        if claim.id not in self.own:
            self.own[claim.id] = extract_slots(claim.text, self._lang(claim), self._published(claim), self.lexicon, claim.doc_id)
        return self.own[claim.id]

    def get(self, claim_id: str) -> ClaimSlots:
        if claim_id not in self.full:
            claim = self.claims.get(claim_id)
            if claim is None:
                raise InputError(f"Candidate pair names unknown claim '{claim_id}'.", "pass every claim of the pairs in `claims`.")
            prev = self.by_position.get((claim.doc_id, claim.index - 1))
            self.full[claim_id] = add_context(
                self._own(claim), self.lexicon, previous=self._own(prev) if prev is not None else None,
                doc_actors=self._doc_actors(claim.doc_id), story=self._story(claim.doc_id),
            )
        return self.full[claim_id]


def verify_pairs(
    pairs: Sequence[CandidatePair],
    claims: Mapping[str, Claim],
    documents: Mapping[str, Document],
    nli: NliScorer | None,
    lexicon: Lexicon | None = None,
    topics: Mapping[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
    slots: SlotCache | None = None,
    duplicates: Mapping[tuple[str, str], float] | None = None,
    beyond_budget: Collection[tuple[str, str]] = (),
) -> list[PairVerdict]:
    """Score candidate pairs with the structured checks and (optionally) an NLI model.

    Slots are extracted once per claim. NLI runs on the pairs in both directions, in
    chunks of ``NLI_CHUNK`` inputs per ``predict`` call; a failing chunk leaves its pairs
    UNSCORED unless the structured checks alone decide them. Near-duplicate pairs
    (``duplicates``, from ``checker.prefilter``) skip NLI and agree as "near-duplicate
    wording", unless the structured checks see a conflict in them: those are scored as usual.
    Pairs beyond their claims' NLI budget (``beyond_budget``, rule 3 of ``checker.prefilter``)
    skip NLI unless the structured checks see a conflict or an agreement in them.

    Args:
        pairs: aligned cross-document claim pairs.
        claims: every claim by id (the sentence before a claim is used for back-references).
        documents: documents by id (publication dates resolve relative times).
        nli: NLI scorer, or None for structured checks only.
        lexicon: vocabulary; the built-in one when None.
        topics: cluster id -> topic words, copied into each verdict.
        progress: called after each NLI chunk with the number of pairs scored so far.
        slots: a SlotCache already filled by the candidate stage (reused, not rebuilt).
        duplicates: (a, b) -> rapidfuzz ratio of near-duplicate pairs.
        beyond_budget: (a, b) of the pairs outside both claims' NLI budget.
    Returns:
        One verdict per pair, in input order.

    Example:
        >>> from checker.backends.fake import RuleNli
        >>> c = {"d0:s0": Claim("d0:s0", "d0", "en", "In 2016, the US fully lifted the arms embargo.", 0, 46, 0),
        ...      "d1:s0": Claim("d1:s0", "d1", "en", "The US fully lifted the arms embargo in 2019.", 0, 45, 0)}
        >>> verify_pairs([CandidatePair("d0:s0", "d1:s0", 0.9)], c, {}, RuleNli())[0].label
        <Verdict.CONTRADICTS: 'contradiction'>
    """
    lexicon = lexicon or default_lexicon()
    topics = topics or {}
    cache = slots if slots is not None else SlotCache(claims, documents, lexicon)
    duplicates = duplicates or {}
    texts = []
    for p in pairs:
        for cid in (p.a, p.b):
            if cid not in claims:
                raise InputError(f"Candidate pair names unknown claim '{cid}'.", "pass every claim of the pairs in `claims`.")
        texts.append((claims[p.a].text, claims[p.b].text))
    compared = []
    for p in pairs:
        sa, sb = cache.get(p.a), cache.get(p.b)
        compared.append((compare_slots(sa, sb, lexicon), _disjoint_actors(sa, sb)))
    # A near-duplicate with a structured conflict is no plain copy: NLI scores it as usual.
    copies = [(p.a, p.b) in duplicates and cmp.conflict == 0 for p, (cmp, _) in zip(pairs, compared)]
    # Beyond the budget, NLI runs only where the checks have something for it to confirm or weigh.
    beyond_budget = set(beyond_budget)
    unbudgeted = [(p.a, p.b) in beyond_budget and cmp.conflict == 0 and cmp.support == 0 for p, (cmp, _) in zip(pairs, compared)]
    to_score = [i for i, (copy, skip) in enumerate(zip(copies, unbudgeted)) if not (copy or skip)]
    scores: list = [None] * len(pairs)
    errors: list = [None] * len(pairs)
    skipped = len(pairs) - len(to_score)
    if nli is not None and to_score:
        report = (lambda done: progress(skipped + done)) if progress is not None else None
        part_scores, part_errors = score_both_directions(
            nli, [texts[i] for i in to_score], report, always_reverse=[compared[i][0].support > 0 for i in to_score]
        )
        for i, score, error in zip(to_score, part_scores, part_errors):
            scores[i], errors[i] = score, error
    elif progress is not None:
        progress(len(pairs))
    out = []
    for p, (cmp, disjoint), copy, skip, score, error in zip(pairs, compared, copies, unbudgeted, scores, errors):
        topic = topics.get(p.cluster_id, "")
        if copy:
            out.append(_duplicate_verdict(p.a, p.b, cmp, duplicates[(p.a, p.b)], topic, p.similarity))
        elif skip:
            checked = decide(p.a, p.b, cmp, None, None, disjoint, topic, p.similarity)
            out.append(replace(checked, reasons=checked.reasons + (BUDGET_REASON,)))
        else:
            out.append(decide(p.a, p.b, cmp, score, error, disjoint, topic, p.similarity))
    return out


#: Why a pair beyond the NLI budget has no NLI score (see ``checker.prefilter``, rule 3).
BUDGET_REASON = "NLI not run: both claims have closer partners that NLI verified, and the checks found nothing to weigh"


def _duplicate_verdict(a_id: str, b_id: str, cmp: Comparison, ratio: float, topic: str, similarity: float) -> PairVerdict:
    """AGREES for a near-duplicate pair without structured conflict (see ``checker.prefilter``).

    The wording match is the evidence (score = ratio / 100), combined with any structured
    agreement; the reason says that it is a copy, not an independent confirmation.
    """
    supports = [f.reason for f in cmp.findings if f.kind == "support"]
    reason = f"near-duplicate wording (rapidfuzz ratio {ratio:.0f}/100, same figures, negations and hedges); NLI not run"
    score = _noisy_or(cmp.support, ratio / 100.0) if cmp.support > 0 else ratio / 100.0
    return PairVerdict(
        a=a_id, b=b_id, label=Verdict.AGREES, score=round(max(0.0, min(1.0, score)), 4), topic=topic,
        reasons=tuple(dict.fromkeys([reason, *supports, *cmp.notes])),
        scorers=("checks", "duplicate") if cmp.support > 0 else ("duplicate",),
        nli=None, findings=cmp.findings, similarity=similarity,
    )


def _guess_lang(text: str, lexicon: Lexicon) -> str:
    """"de" or "en" by counting function words of each language (enough for one sentence)."""
    from .checks.tokens import tokenize

    words = [t.norm for t in tokenize(text) if t.kind == "word"]
    de = set(lexicon.words("function_words", "de"))
    en = set(lexicon.words("function_words", "en"))
    score_de = sum(w in de for w in words) + sum(ch in "äöüß" for ch in text.lower())
    score_en = sum(w in en for w in words)
    return "de" if score_de > score_en else "en"


def compare_texts(
    text_a: str,
    text_b: str,
    nli: NliScorer | None,
    lexicon: Lexicon | None = None,
    lang_a: str | None = None,
    lang_b: str | None = None,
    published_a: dt.date | None = None,
    published_b: dt.date | None = None,
) -> PairVerdict:
    """Verdict for two sentences given directly (``vncheck compare A B``).

    Args:
        text_a, text_b: the two claims; reasons label them "A" and "B".
        nli: NLI scorer, or None for structured checks only.
        lexicon: vocabulary; the built-in one when None.
        lang_a, lang_b: "de"/"en"; guessed from function words when None.
        published_a, published_b: publication dates of the sentences, for relative times
            ("on Monday", "last year"); unresolved when None.
    Returns:
        The verdict, with ids "A" and "B".

    Example:
        >>> v = compare_texts("Die USA und Vietnam sind umfassende strategische Partner.",
        ...                   "Meanwhile, the US is only a comprehensive partner.", None)
        >>> v.label.value, v.scorers
        ('contradiction', ('checks',))
    """
    lexicon = lexicon or default_lexicon()
    lang_a = lang_a or _guess_lang(text_a, lexicon)
    lang_b = lang_b or _guess_lang(text_b, lexicon)
    sa = extract_slots(text_a, lang_a, published_a, lexicon, source="A")
    sb = extract_slots(text_b, lang_b, published_b, lexicon, source="B")
    cmp = compare_slots(sa, sb, lexicon)
    scores, error = None, None
    if nli is not None:
        result, errs = score_both_directions(nli, [(text_a, text_b)], None)
        scores, error = result[0], errs[0]
    return decide("A", "B", cmp, scores, error, _disjoint_actors(sa, sb))
