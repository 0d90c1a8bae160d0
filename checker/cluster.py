"""Candidate stage: claim vectors -> topic clusters and cross-document candidate pairs.

Pairs come from each claim's nearest neighbours in *other* documents (bounded per
claim, so cost grows about linearly with the number of claims), never from all pairs.
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from typing import Sequence

import numpy as np

from . import knn
from .records import CandidatePair, Claim, Cluster

logger = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W\d_][\w-]{3,}", re.UNICODE)
# Function words of both languages that never name a topic.
_STOP = set(
    """also aber alle allen auch auf aus bei beim beiden damit dass dem den denen der des die dies diese dieser
    dieses durch eine einem einen einer eines für gegen habe haben hat hatte hier ihre ihren im ins ist jedoch
    kann mehr mit nach nicht noch nur oder seit sich sie sind sowie über um und uns unter vom von vor war waren
    was wird wurde wurden zum zur zwischen about after against also among been being both but can could does
    during each from further have having here into its more most much only other over same should some such
    than that their them then there these they this those through under very well were what when where which
    while will with would year years said says""".split()
)


def nearest_pairs(
    claims: Sequence[Claim],
    vectors: np.ndarray,
    k: int = 8,
    min_similarity: float = 0.8,
    query_rows: Sequence[int] | None = None,
    method: knn.Method = "auto",
    index: knn.KnnIndex | None = None,
) -> list[CandidatePair]:
    """Cross-document candidate pairs: for each claim its ``k`` most similar claims in other documents.

    The search is ``checker.knn`` (exact for small inputs, an HNSW graph for large ones), so
    at most ``k`` pairs start from each claim and the cost grows about linearly with the claims.

    Args:
        claims: claims, row-aligned with ``vectors``.
        vectors: L2-normalised embeddings.
        k: neighbours kept per claim.
        min_similarity: cosine below which a neighbour is ignored.
        query_rows: rows whose neighbours are searched (default: all). Checking new articles
            against an archive passes the new claims' rows: archive claims are then paired only
            with new ones.
        method: k-NN method ("auto", "exact", "usearch"), see ``checker.knn``.
        index: a ready index over ``vectors`` (shared with ``group_topics``), else built here.
    Returns:
        Unique pairs (a before b in claim order), sorted by similarity descending.

    Example:
        >>> c = [Claim("d1:s0", "d1", "en", "x", 0, 1, 0), Claim("d2:s0", "d2", "en", "x", 0, 1, 0)]
        >>> [p.b for p in nearest_pairs(c, np.eye(2)[[0, 0]], k=1, min_similarity=0.5)]
        ['d2:s0']
    """
    n = len(claims)
    if n < 2:
        return []
    docs = _doc_codes(claims)
    rows = np.arange(n) if query_rows is None else np.asarray(query_rows, dtype=np.int64)
    ids, sims = knn.query(index or knn.build(vectors, method), vectors[rows], k, docs[rows], docs)
    i = np.repeat(rows, ids.shape[1])
    j, s = ids.reshape(-1), sims.reshape(-1)
    keep = (j >= 0) & (s >= min_similarity)
    lo, hi, s = _unique_pairs(np.minimum(i, j)[keep], np.maximum(i, j)[keep], s[keep], n)
    pairs = [CandidatePair(claims[a].id, claims[b].id, round(float(x), 4)) for a, b, x in zip(lo, hi, s)]
    return sorted(pairs, key=lambda p: (-p.similarity, p.a, p.b))


def slot_pairs(
    claims: Sequence[Claim],
    keys: Sequence[frozenset],
    vectors: np.ndarray,
    per_claim: int = 4,
    query_rows: Sequence[int] | None = None,
) -> list[CandidatePair]:
    """Cross-document pairs of claims that share a blocking key (same relation/event/measure of the same actor).

    Contradictions are often worded differently, so embeddings alone miss them. Each claim
    keeps at most ``per_claim`` partners per key (the most similar), so the number of pairs
    grows linearly with the number of claims.

    Args:
        claims: the claims.
        keys: blocking keys per claim (row-aligned), e.g. from ``checker.checks.keys.slot_keys``.
        vectors: embeddings, used to choose the closest partners.
        per_claim: partners kept per claim and key.
        query_rows: rows whose partners are searched (default: all), as in ``nearest_pairs``.
    Returns:
        Unique pairs (a before b in claim order).

    Example:
        >>> c = [Claim("d1:s0", "d1", "en", "x", 0, 1, 0), Claim("d2:s0", "d2", "de", "y", 0, 1, 0)]
        >>> [(p.a, p.b) for p in slot_pairs(c, [frozenset({("k",)})] * 2, np.eye(2))]
        [('d1:s0', 'd2:s0')]
    """
    n = len(claims)
    docs = _doc_codes(claims)
    wanted = None if query_rows is None else set(int(r) for r in query_rows)
    groups: dict[tuple, list[int]] = {}
    for i, claim_keys in enumerate(keys):
        for key in claim_keys:
            groups.setdefault(key, []).append(i)
    found_i, found_j, found_s = [], [], []
    for members in groups.values():
        idx = np.array(members)
        asking = idx if wanted is None else np.array([i for i in members if i in wanted], dtype=np.int64)
        if len(asking) == 0 or len(np.unique(docs[idx])) < 2:
            continue
        ids, sims = knn.query(knn.build(vectors[idx]), vectors[asking], per_claim, docs[asking], docs[idx])
        ok = ids >= 0
        found_i.append(np.repeat(asking, ids.shape[1])[ok.reshape(-1)])
        found_j.append(idx[ids[ok]])
        found_s.append(sims[ok])
    if not found_i:
        return []
    i, j, s = np.concatenate(found_i), np.concatenate(found_j), np.concatenate(found_s)
    lo, hi, s = _unique_pairs(np.minimum(i, j), np.maximum(i, j), s, n)
    order = np.lexsort((hi, lo))
    return [CandidatePair(claims[a].id, claims[b].id, round(float(x), 4)) for a, b, x in zip(lo[order], hi[order], s[order])]


def _doc_codes(claims: Sequence[Claim]) -> np.ndarray:
    """One integer per claim naming its document (k-NN groups)."""
    return np.unique(np.array([c.doc_id for c in claims]), return_inverse=True)[1].reshape(-1)


def _unique_pairs(lo: np.ndarray, hi: np.ndarray, sims: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drop repeated (lo, hi) pairs, keeping the similarity of the last occurrence (as a dict would)."""
    codes = lo.astype(np.int64) * n + hi
    _, first_in_reversed = np.unique(codes[::-1], return_index=True)
    last = len(codes) - 1 - first_in_reversed
    return lo[last], hi[last], sims[last]


def merge_pairs(*pair_lists: Sequence[CandidatePair]) -> list[CandidatePair]:
    """Union of candidate pair lists (first occurrence wins), sorted by similarity descending."""
    merged: dict[tuple[str, str], CandidatePair] = {}
    for pairs in pair_lists:
        for p in pairs:
            merged.setdefault((p.a, p.b), p)
    return sorted(merged.values(), key=lambda p: (-p.similarity, p.a, p.b))


#: Neighbours read per claim when grouping topics: a claim with more near-paraphrases than
#: this joins a community through its closest ones only.
TOPIC_NEIGHBOURS = 64


def group_topics(
    claims: Sequence[Claim],
    vectors: np.ndarray,
    pairs: Sequence[CandidatePair],
    threshold: float = 0.88,
    method: knn.Method = "auto",
    index: knn.KnnIndex | None = None,
) -> tuple[list[Cluster], list[CandidatePair], dict[str, str]]:
    """Topics: communities of near-paraphrases spanning at least two documents; each pair gets a topic.

    Communities are found as in ``sentence_transformers.util.community_detection``
    (every claim with a neighbour at ``threshold`` or above proposes itself and its
    neighbours above it; proposals are taken largest first, without claims already taken),
    but the neighbours come from the k-NN index (``checker.knn``, at most
    ``TOPIC_NEIGHBOURS`` per claim) instead of the full similarity matrix, so the cost
    follows the index: exact for small inputs, HNSW above that, not quadratic. A pair whose
    claims share a community carries that cluster's id; any other pair gets a pair-level
    topic id ("p:<a>|<b>") named by the words its two claims share.

    Args:
        claims, vectors: row-aligned claims and L2-normalised embeddings.
        pairs: candidate pairs to tag.
        threshold: cosine for "near-paraphrase".
        method: k-NN method when ``index`` is not given.
        index: a ready index over ``vectors`` (shared with ``nearest_pairs``).
    Returns:
        (clusters, pairs with ``cluster_id`` set, topic words by cluster or pair-topic id)
    """
    clusters: list[Cluster] = []
    cluster_of: dict[str, str] = {}
    for members in _communities(vectors, threshold, index or knn.build(vectors, method)) if len(claims) >= 2 else []:
        if len({claims[i].doc_id for i in members}) < 2:
            continue
        cid = f"t{len(clusters) + 1:02d}"
        ids = tuple(claims[i].id for i in members)
        clusters.append(Cluster(cid, topic_words([claims[i].text for i in members]), ids))
        for claim_id in ids:
            cluster_of.setdefault(claim_id, cid)
    text = {c.id: c.text for c in claims}
    topics = {c.id: c.topic for c in clusters}
    tagged = []
    for p in pairs:
        cid = cluster_of.get(p.a)
        if cid is None or cid != cluster_of.get(p.b):
            cid = f"p:{p.a}|{p.b}"
            topics[cid] = topic_words([text[p.a], text[p.b]])
        tagged.append(CandidatePair(p.a, p.b, p.similarity, cid))
    return clusters, tagged, topics


def _communities(vectors: np.ndarray, threshold: float, index: knn.KnnIndex, min_size: int = 2) -> list[list[int]]:
    """Non-overlapping communities (sorted row lists, ordered by their first row).

    Example:
        >>> v = np.eye(3, dtype=np.float32)[[0, 0, 1, 1, 2]]
        >>> _communities(v, 0.9, knn.build(v))
        [[0, 1], [2, 3]]
    """
    k = min(TOPIC_NEIGHBOURS, len(index))
    ids, sims = knn.query(index, vectors, k)
    close = (sims >= threshold) & (ids >= 0)
    proposals = [ids[i][close[i]].tolist() for i in np.flatnonzero(close.sum(axis=1) >= min_size)]
    proposals.sort(key=len, reverse=True)  # stable: equal sizes keep row order
    taken: set[int] = set()
    communities = []
    for proposal in proposals:
        fresh = [i for i in proposal if i not in taken]
        if len(fresh) >= min_size:
            communities.append(sorted(fresh))
            taken.update(fresh)
    return sorted(communities, key=lambda m: m[0])


def topic_words(texts: Sequence[str], n: int = 4) -> str:
    """A few frequent content words naming what the texts share (bilingual stop list).

    Example:
        >>> topic_words(["The embargo was lifted", "Das Embargo wurde aufgehoben"])
        'embargo'
    """
    counts: Counter[str] = Counter()  # insertion-ordered: ties keep the order of first appearance
    for t in texts:
        counts.update(list(dict.fromkeys(w.lower() for w in _WORD.findall(t) if w.lower() not in _STOP)))
    shared = [w for w, c in counts.most_common() if c > 1] or [w for w, _ in counts.most_common()]
    return ", ".join(shared[:n])
