"""Candidate pairs and topics from claim vectors."""
from __future__ import annotations

import numpy as np

from checker.backends.fake import HashingEmbedder
from checker.cluster import group_topics, nearest_pairs, slot_pairs, topic_words
from checker.records import CandidatePair, Claim


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
    clusters, pairs, topics = group_topics(claims, vectors, nearest_pairs(claims, vectors, k=1, min_similarity=0.9))
    assert len(clusters) == 2
    assert {p.cluster_id for p in pairs} == {c.id for c in clusters}
    assert "embargo" in topics[clusters[0].id]


def test_cluster_pair_outside_communities_gets_own_topic():
    claims = _claims({"a": ["embargo lifted fully in 2016 by Washington"], "b": ["embargo partially lifted in 2014"]})
    vectors = HashingEmbedder().encode([c.text for c in claims])
    pair = CandidatePair("a:s0", "b:s0", 0.5)
    clusters, pairs, topics = group_topics(claims, vectors, [pair], threshold=0.99)
    assert clusters == []
    assert topics[pairs[0].cluster_id].startswith("embargo")


def test_cluster_slot_pairs_link_differently_worded_claims():
    claims = _claims({"a": ["x one", "x two"], "b": ["y three"], "c": ["z four"]})
    vectors = np.eye(4, dtype=np.float32)
    key = frozenset({("level", "partnership", "USA")})
    keys = [key, frozenset(), key, frozenset()]
    pairs = slot_pairs(claims, keys, vectors)
    assert [(p.a, p.b) for p in pairs] == [("a:s0", "b:s0")]


def test_cluster_slot_pairs_are_bounded_per_claim():
    claims = _claims({f"d{i}": ["same slot"] for i in range(40)})
    vectors = HashingEmbedder().encode([c.text for c in claims])
    keys = [frozenset({("status", "embargo", "USA")})] * len(claims)
    assert len(slot_pairs(claims, keys, vectors, per_claim=3)) <= 3 * len(claims)


def test_cluster_topic_words_skip_stop_words():
    assert topic_words(["The embargo was lifted", "Das Embargo wurde aufgehoben"]).startswith("embargo")


def test_cluster_handles_fewer_than_two_claims():
    assert nearest_pairs(_claims({"a": ["x"]}), np.ones((1, 4)), k=3) == []


def test_cluster_query_rows_pair_only_the_queried_claims():
    claims = _claims({"new": ["embargo lifted 2016"], "old1": ["embargo lifted 2016"], "old2": ["embargo lifted 2016"]})
    vectors = HashingEmbedder().encode([c.text for c in claims])
    pairs = nearest_pairs(claims, vectors, k=5, min_similarity=0.5, query_rows=[0])
    assert sorted((p.a, p.b) for p in pairs) == [("new:s0", "old1:s0"), ("new:s0", "old2:s0")]
    keys = [frozenset({("status", "embargo", "USA")})] * 3
    assert sorted((p.a, p.b) for p in slot_pairs(claims, keys, vectors, query_rows=[0])) == [("new:s0", "old1:s0"), ("new:s0", "old2:s0")]


def test_cluster_nearest_pairs_same_with_exact_and_graph_search():
    rng = np.random.default_rng(0)
    claims = _claims({f"d{i}": [f"s{j}" for j in range(3)] for i in range(100)})
    vectors = rng.standard_normal((len(claims), 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    exact = nearest_pairs(claims, vectors, k=2, min_similarity=0.5, method="exact")
    graph = nearest_pairs(claims, vectors, k=2, min_similarity=0.5, method="usearch")
    assert exact and len(set(exact) & set(graph)) >= 0.9 * len(exact)
