"""Why two claims were, or were not, paired and how each rule decided (``vncheck explain``).

A fact-checker who expects a finding that the report does not show needs to see where the pair
fell out: never a candidate (too dissimilar, no shared slot key), not check-worthy, dropped by
the prefilter, or scored and found unrelated. This module replays the pipeline's stages for one
pair of claim ids, with the same configuration, and records each decision in words.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from .backends.base import Embedder, NliScorer
from .checks.compare import compare_slots
from .checks.keys import slot_keys
from .checkworthy import anchors
from .config import Config
from .embed import embed_claims
from .errors import E_UNKNOWN_CLAIM, InputError
from .prefilter import can_matter, near_duplicates
from .records import CandidatePair, Claim
from .verify import SlotCache, _disjoint_actors, decide, score_both_directions


@dataclass(frozen=True, slots=True)
class Step:
    """One stage's decision for the pair."""

    stage: str
    passed: bool
    detail: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """Everything ``vncheck explain`` prints for one pair."""

    a: Claim
    b: Claim
    steps: tuple[Step, ...] = ()
    verdict: str = ""
    score: float = 0.0
    reasons: tuple[str, ...] = field(default_factory=tuple)
    reported: bool = False


def _claim(claims: dict[str, Claim], cid: str) -> Claim:
    if cid not in claims:
        doc = cid.split(":")[0]
        same_doc = sorted(i for i in claims if i.startswith(doc + ":"))[:5]
        hint = f"claims of '{doc}' include {', '.join(same_doc)}" if same_doc else "claim ids look like DOC:sN (see the JSON report)"
        raise InputError(f"No claim '{cid}' in these documents.", hint, code=E_UNKNOWN_CLAIM)
    return claims[cid]


def explain_pair(paths: Sequence[str], a_id: str, b_id: str, config: Config,
                 embedder: Embedder | None = None, nli: NliScorer | None = None) -> Explanation:
    """Replay the pipeline for claims ``a_id`` and ``b_id`` of the documents under ``paths``.

    Args:
        paths: the same files and folders as the check.
        a_id, b_id: claim ids as in the report (``DOC:sN``).
        config: the check's configuration.
        embedder, nli: ready backends (tests pass fakes); loaded from ``config`` when None.
    Returns:
        The steps and, whatever the earlier steps decided, the verdict the two claims get when scored.
    """
    from .checks import load_lexicon
    from .pipeline import _ensure_backends, read_inputs

    inputs = read_inputs(paths, config)
    claims = {c.id: c for c in inputs.claims}
    a, b = _claim(claims, a_id), _claim(claims, b_id)
    embedder, nli = _ensure_backends(config, embedder, nli, None)
    lexicon = load_lexicon(config.lexicon_paths)
    slots = SlotCache(claims, {d.id: d for d in inputs.documents}, lexicon)
    steps: list[Step] = []
    steps.append(Step("documents", a.doc_id != b.doc_id,
                      "different documents" if a.doc_id != b.doc_id else "same document: claims of one document are never paired"))
    for c in (a, b):
        found = anchors(slots.own_slots(c))
        steps.append(Step(f"check-worthy ({c.id})", bool(found) or not config.checkworthy_only,
                          f"content anchors: {', '.join(found)}" if found else "no name, place, time, number, rank, level or status event"
                          + ("" if config.checkworthy_only else " (ignored: --all-sentences)")))
    # Similarity: rank of b among a's claims in other documents (and vice versa), as the k-NN stage sees it.
    others = [c for c in inputs.claims if c.doc_id != a.doc_id] or [b]
    vectors = embed_claims([a, b] + others, embedder, config.cache_dir)
    cos = float(vectors[0] @ vectors[1])
    sims = vectors[2:] @ vectors[0]
    rank = 1 + int(np.sum(sims > cos + 1e-9))
    near = cos >= config.min_similarity and rank <= config.neighbours
    steps.append(Step("semantic neighbours", near,
                      f"cosine {cos:.3f} (bar {config.min_similarity:.2f}); rank {rank} among {a.id}'s claims in other documents "
                      f"(the {config.neighbours} nearest are kept)"))
    shared = slot_keys(slots.get(a.id)) & slot_keys(slots.get(b.id))
    steps.append(Step("shared slot keys", bool(shared),
                      "share " + "; ".join(sorted(str(k) for k in shared)) if shared else "no relation, event or measure of the same actor in both"))
    candidate = a.doc_id != b.doc_id and (near or bool(shared))
    sa, sb = slots.get(a.id), slots.get(b.id)
    if config.prefilter and candidate and not shared:
        keep = can_matter(sa, sb, cos, config.prefilter_similarity)
        steps.append(Step("prefilter", keep,
                          "kept: near-paraphrase, or same story with a common actor, or both carry a time or a number"
                          if keep else "dropped: found by similarity only, and nothing in common to compare (no shared story entity, "
                          f"actor, time or number; cosine below {config.prefilter_similarity:.2f})"))
        candidate = keep
    duplicate = near_duplicates([CandidatePair(a.id, b.id, cos)], claims, config.duplicate_ratio, lexicon)
    if duplicate:
        steps.append(Step("near-duplicate", True, f"wording ratio {duplicate[(a.id, b.id)]:.0f}/100: agreement by wording, NLI not run"))
    cmp = compare_slots(sa, sb, lexicon)
    checks = [f"{f.kind} {f.confidence:.2f}: {f.reason}" for f in cmp.findings] + list(cmp.notes)
    steps.append(Step("structured checks", bool(cmp.findings), "; ".join(checks) if checks else "nothing comparable found"))
    scores, error = None, None
    if nli is not None:
        result, errors = score_both_directions(nli, [(a.text, b.text)], always_reverse=[True])
        scores, error = result[0], errors[0]
        if scores is not None:
            ab, ba = scores
            steps.append(Step("NLI", True, "a→b " + ", ".join(f"{k} {v:.2f}" for k, v in ab.items())
                              + "; b→a " + ", ".join(f"{k} {v:.2f}" for k, v in (ba or {}).items())))
        else:
            steps.append(Step("NLI", False, f"failed: {error}"))
    v = decide(a.id, b.id, cmp, scores, error, _disjoint_actors(sa, sb), similarity=cos)
    reported = candidate and v.label.value in ("contradiction", "agreement") and v.score >= config.min_score
    return Explanation(a, b, tuple(steps), v.label.value, v.score, v.reasons, reported)


def format_explanation(ex: Explanation) -> str:
    """Plain-text rendering (control characters in article text are the caller's to neutralise)."""
    lines = [f"A {ex.a.id}: {ex.a.text}", f"B {ex.b.id}: {ex.b.text}", ""]
    for s in ex.steps:
        lines.append(f"[{'yes' if s.passed else 'no '}] {s.stage}: {s.detail}")
    lines.append("")
    lines.append(f"verdict when scored: {ex.verdict} {ex.score:.2f}" + ("" if ex.reported else " (not in the report)"))
    lines += [f"  - {r}" for r in ex.reasons]
    return "\n".join(lines)
