"""k-NN search: exact blocked matmul, the usearch graph for large inputs, cross-group filtering."""
from __future__ import annotations

import numpy as np
import pytest

from checker import knn
from checker.errors import InputError


def _unit(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _clustered(n: int, dim: int = 32, per_topic: int = 10, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = _unit(n // per_topic, dim, seed + 1)
    x = centres[rng.integers(len(centres), size=n)] + 0.3 * _unit(n, dim, seed + 2)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_knn_exact_matches_brute_force():
    x = _unit(300)
    ids, sims = knn.query(knn.build(x, "exact"), x[:50], k=5)
    full = x[:50] @ x.T
    expected = np.argsort(-full, axis=1)[:, :5]
    assert (ids == expected).all()
    assert np.allclose(sims, np.take_along_axis(full, expected, axis=1))


def test_knn_never_returns_same_group():
    x = _unit(200)
    groups = np.arange(200) // 7
    ids, sims = knn.query(knn.build(x), x, k=6, query_groups=groups, index_groups=groups)
    assert (ids >= 0).all()
    assert (groups[ids] != groups[:, None]).all()
    assert (np.diff(sims, axis=1) <= 0).all(), "best first"


def test_knn_pads_rows_with_too_few_candidates():
    x = _unit(3)
    groups = np.array([0, 0, 1])
    ids, sims = knn.query(knn.build(x), x, k=2, query_groups=groups, index_groups=groups)
    assert ids[0].tolist() == [2, -1] and ids[1].tolist() == [2, -1] and sorted(ids[2].tolist()) == [0, 1]
    assert sims[0, 1] == -np.inf


def test_knn_usearch_finds_close_neighbours():
    pytest.importorskip("usearch")
    x = _clustered(3000)
    groups = np.arange(3000) // 5
    ids, sims = knn.query(knn.build(x, "usearch"), x, k=4, query_groups=groups, index_groups=groups)
    exact_ids, exact_sims = knn.query(knn.build(x, "exact"), x, k=4, query_groups=groups, index_groups=groups)
    assert (groups[ids[ids >= 0]] != np.repeat(groups, 4)[(ids >= 0).reshape(-1)]).all()
    recall = np.mean([len(set(a) & set(b)) / 4 for a, b in zip(ids.tolist(), exact_ids.tolist())])
    assert recall >= 0.9
    # Similarities are exact float32 dot products, not the graph's int8 distances.
    ok = ids >= 0
    assert np.allclose(sims[ok], np.einsum("nd,nkd->nk", x, x[np.where(ok, ids, 0)])[ok], atol=1e-5)


def test_knn_auto_switches_to_the_graph_above_the_work_limit(monkeypatch):
    pytest.importorskip("usearch")
    x = _unit(400)
    index = knn.build(x)
    knn.query(index, x[:10], k=3)
    assert index._graph is None
    monkeypatch.setattr(knn, "EXACT_MAX_WORK", 100)
    knn.query(index, x[:10], k=3)
    assert index._graph is not None


def test_knn_graph_rows_eaten_by_own_group_are_searched_exactly(monkeypatch):
    pytest.importorskip("usearch")
    monkeypatch.setattr(knn, "OVERSAMPLE", 0)
    x = _unit(200, seed=3)
    x[:150] = x[0]  # 150 identical rows of one group hide every other group from a k=1 search
    groups = np.r_[np.zeros(150, dtype=int), np.arange(1, 51)]
    ids, _ = knn.query(knn.build(x, "usearch"), x[:3], k=1, query_groups=groups[:3], index_groups=groups)
    assert (ids[:, 0] >= 150).all()


def test_knn_rejects_bad_input():
    with pytest.raises(InputError):
        knn.build(np.ones(4))
    with pytest.raises(InputError):
        knn.build(np.ones((2, 4)), "annoy")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        knn.query(knn.build(np.ones((2, 4))), np.ones((1, 4)), 1, query_groups=np.zeros(1))


def test_knn_empty_inputs_give_empty_answers():
    ids, sims = knn.query(knn.build(np.zeros((0, 4))), np.ones((2, 4)), k=3)
    assert ids.shape == (2, 3) and (ids == -1).all() and np.isneginf(sims).all()
