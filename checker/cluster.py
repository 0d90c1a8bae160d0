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
    claims: Sequence[Claim], vectors: np.ndarray, k: int = 8, min_similarity: float = 0.8
) -> list[CandidatePair]:
    """Cross-document candidate pairs: for each claim its ``k`` most similar claims in other documents.

    Args:
        claims: claims, row-aligned with ``vectors``.
        vectors: L2-normalised embeddings.
        k: neighbours kept per claim.
        min_similarity: cosine below which a neighbour is ignored.
    Returns:
        Unique pairs (a < b by claim order), sorted by similarity descending.

    Example:
        >>> c = [Claim("d1:s0", "d1", "en", "x", 0, 1, 0), Claim("d2:s0", "d2", "en", "x", 0, 1, 0)]
        >>> [p.b for p in nearest_pairs(c, np.eye(2)[[0, 0]], k=1, min_similarity=0.5)]
        ['d2:s0']
    """
    n = len(claims)
    if n < 2:
        return []
    docs = np.array([c.doc_id for c in claims])
    seen: dict[tuple[int, int], float] = {}
    block = 1024  # rows of the similarity matrix at a time: memory stays O(block * n)
    for start in range(0, n, block):
        sims = vectors[start : start + block] @ vectors.T
        same_doc = docs[start : start + block, None] == docs[None, :]
        sims[same_doc] = -1.0
        kk = min(k, n - 1)
        top = np.argpartition(-sims, kk - 1, axis=1)[:, :kk] if kk < n else np.argsort(-sims, axis=1)
        for row, cols in enumerate(top):
            i = start + row
            for j in cols:
                s = float(sims[row, j])
                if s >= min_similarity:
                    seen[(min(i, j), max(i, j))] = s
    pairs = [CandidatePair(claims[i].id, claims[j].id, round(s, 4)) for (i, j), s in seen.items()]
    return sorted(pairs, key=lambda p: (-p.similarity, p.a, p.b))


def group_topics(claims: Sequence[Claim], pairs: Sequence[CandidatePair]) -> tuple[list[Cluster], list[CandidatePair]]:
    """Group claims linked by candidate pairs into topics (connected components) and name each topic.

    Returns:
        (clusters, pairs with ``cluster_id`` set)
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        ra, rb = find(p.a), find(p.b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    order = {c.id: i for i, c in enumerate(claims)}
    text = {c.id: c.text for c in claims}
    members: dict[str, list[str]] = {}
    for cid in parent:
        members.setdefault(find(cid), []).append(cid)
    groups = sorted((sorted(m, key=order.__getitem__) for m in members.values()), key=lambda m: order[m[0]])
    clusters, cluster_of = [], {}
    for n, ids in enumerate(groups):
        cid = f"t{n + 1:02d}"
        clusters.append(Cluster(cid, topic_words([text[i] for i in ids]), tuple(ids)))
        for i in ids:
            cluster_of[i] = cid
    tagged = [CandidatePair(p.a, p.b, p.similarity, cluster_of[p.a]) for p in pairs]
    return clusters, tagged


def topic_words(texts: Sequence[str], n: int = 4) -> str:
    """A few frequent content words naming what the texts share (bilingual stop list).

    Example:
        >>> topic_words(["The embargo was lifted", "Das Embargo wurde aufgehoben"])
        'embargo, lifted, aufgehoben'
    """
    counts: Counter[str] = Counter()
    for t in texts:
        counts.update({w.lower() for w in _WORD.findall(t) if w.lower() not in _STOP})
    shared = [w for w, c in counts.most_common() if c > 1] or [w for w, _ in counts.most_common()]
    return ", ".join(shared[:n])
