"""Candidate pairs and topics from claim vectors."""
from __future__ import annotations

import numpy as np

from checker.backends.fake import HashingEmbedder
from checker.cluster import group_topics, nearest_pairs, topic_words
from checker.records import Claim


def _claims(texts_by_doc):
    claims = []
    for doc, texts in texts_by_doc.items():
        for i, t in enumerate(texts):
            claims.append(Claim(f"{doc}:s{i}", doc, "en", t, 0, len(t), i))
    return claims


def test_cluster_pairs_only_cross_document():
    claims = _claims({"a": ["the embargo was lifted", "the embargo was lifted fully"], "b": ["the embargo was lifted"]})
    vectors = HashingEmbedder().encode([c.text for c in claims])
    pairs = nearest_pairs(claims, vectors, k=5, min_similarity=0.1)
    assert pairs and all(p.a.split(":")[0] != p.b.split(":")[0] for p in pairs)


def test_cluster_pairs_are_bounded_per_claim():
    claims = _claims({f"d{i}": ["same words here"] for i in range(30)})
    vectors = HashingEmbedder().encode([c.text for c in claims])
    pairs = nearest_pairs(claims, vectors, k=2, min_similarity=0.1)
    assert len(pairs) <= 2 * len(claims)


def test_cluster_respects_min_similarity():
    claims = _claims({"a": ["alpha beta gamma"], "b": ["delta epsilon zeta"]})
    vectors = HashingEmbedder().encode([c.text for c in claims])
    assert nearest_pairs(claims, vectors, k=3, min_similarity=0.5) == []


def test_cluster_groups_topics_and_tags_pairs():
    claims = _claims({"a": ["embargo lifted 2016", "partner level"], "b": ["embargo lifted 2016", "partner level"]})
    vectors = HashingEmbedder().encode([c.text for c in claims])
    clusters, pairs = group_topics(claims, nearest_pairs(claims, vectors, k=1, min_similarity=0.9))
    assert len(clusters) == 2
    assert {p.cluster_id for p in pairs} == {c.id for c in clusters}
    assert "embargo" in clusters[0].topic


def test_cluster_topic_words_skip_stop_words():
    assert topic_words(["The embargo was lifted", "Das Embargo wurde aufgehoben"]).startswith("embargo")


def test_cluster_handles_fewer_than_two_claims():
    assert nearest_pairs(_claims({"a": ["x"]}), np.ones((1, 4)), k=3) == []
