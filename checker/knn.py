"""k-nearest-neighbour search over claim embeddings: exact blocked matmul for small inputs, HNSW for large.

Why two methods. Measured with ``benchmarks/knn_choice.py`` (dim 384, k 8, every row queried
against all rows, ONE thread on the 2-core dev machine while a training job used both cores, so
absolute times are noisy and about twice what an idle core gives; "~" = extrapolated from the
first rows):

======================  ==========  =============  =========  ==================================
n = 20,000              build s     query s        recall@8   data
======================  ==========  =============  =========  ==================================
numpy blocked exact     0           ~8.3 / ~15.5   1.000      uniform / clustered (two runs)
sklearn brute cosine    0.02        ~13.8          1.000      uniform
usearch HNSW f32        32.9        20.8           0.595      uniform (M 16, ef_add 128, ef 64)
usearch HNSW i8         6.7         7.2            0.426      uniform (M 16, ef_add 64, ef 64)
usearch HNSW i8         5.6         8.4            0.877      clustered (M 16, ef_add 64, ef 64)
faiss HNSWFlat          10.1        9.4            0.441      uniform (M 16, ef_add 64, ef 64)
======================  ==========  =============  =========  ==================================

======================  ==========  =============  =========  ==================================
n = 80,000              build s     query s        recall@8   data
======================  ==========  =============  =========  ==================================
numpy blocked exact     0           ~198           1.000      clustered
usearch HNSW i8         41.2        ~40.1          0.877      clustered
======================  ==========  =============  =========  ==================================

("uniform" = random unit vectors, the worst case for a graph index; "clustered" = topics of
about 20 close vectors, closer to news sentence embeddings, where articles on one story give
groups of near-paraphrases.) Reading:

- Exact search costs n * n * dim and wins up to about 20-30k rows: no build, recall 1, and it is
  what ``nearest_pairs`` always did. scikit-learn's brute force is the same matmul, slower
  (cosine distances plus a full sort); its trees do not help at dim 384.
- Above that, HNSW grows about as n log n: at 80k rows usearch (int8 vectors) takes about 80 s
  against about 200 s, and the gap widens with n (4,000 articles are ~120k claims). usearch
  beats faiss HNSW at the same settings, ships small manylinux wheels (2 MB against 19 MB) and
  int8 keeps recall at a quarter of the memory; hnswlib has no wheels (sdist only).
- Recall under 1 should cost little here (not yet measured on real e5 vectors): candidate
  pairs keep only neighbours above a high cosine (0.86 for e5), and very close neighbours are
  the ones a graph search finds most reliably. Similarities returned are always recomputed
  exactly in float32 from the stored vectors.

So ``query`` searches exactly while queries x rows <= ``EXACT_MAX_WORK`` (25k x 25k) and with
an int8 usearch graph above. Checking ten new articles (~300 claims) against a 4,000-article
archive stays exact: 300 x 120k is well below the limit, and no graph is built. The graph is
built with one thread, so that the same input gives the same graph and the same report;
searching uses all cores (a search does not change the graph).
"""
from __future__ import annotations

import logging
from typing import Literal

import numpy as np

from .errors import BackendError, InputError

logger = logging.getLogger(__name__)

Method = Literal["auto", "exact", "usearch"]

#: Queries x indexed rows up to which exact search is used by ``method="auto"`` (see module doc).
EXACT_MAX_WORK = 25_000 * 25_000
#: Extra neighbours asked of the graph so that, after dropping same-group rows, ``k`` remain.
OVERSAMPLE = 16
#: Rows of the similarity matrix computed at a time: memory stays O(BLOCK * n).
BLOCK = 1024
# HNSW settings measured in benchmarks/knn_choice.py: degree 16, expansion 64 on add and search.
_CONNECTIVITY, _EXPANSION_ADD, _EXPANSION_SEARCH = 16, 64, 64


class KnnIndex:
    """Indexed unit vectors; the HNSW graph is built on the first query that needs it.

    Attributes:
        vectors: the indexed rows, float32, L2-normalised.
        method: "auto", "exact" or "usearch" (as asked in ``build``).
    """

    def __init__(self, vectors: np.ndarray, method: Method = "auto") -> None:
        self.vectors = vectors
        self.method = method
        self._graph = None

    def __len__(self) -> int:
        return int(self.vectors.shape[0])

    def graph(self):
        """The usearch HNSW graph over ``vectors`` (built once, single-threaded for reproducibility)."""
        if self._graph is None:
            try:
                from usearch.index import Index
            except ImportError as exc:
                raise BackendError("The usearch package is needed for method 'usearch'.", "pip install usearch, or use method 'exact'.") from exc

            n, dim = self.vectors.shape
            logger.info("Building an HNSW graph over %d vectors", n)
            graph = Index(ndim=dim, metric="ip", dtype="i8", connectivity=_CONNECTIVITY,
                          expansion_add=_EXPANSION_ADD, expansion_search=_EXPANSION_SEARCH)
            graph.add(np.arange(n, dtype=np.uint64), self.vectors, threads=1)
            self._graph = graph
        return self._graph


def build(vectors: np.ndarray, method: Method = "auto") -> KnnIndex:
    """Index unit vectors for nearest-neighbour queries.

    Args:
        vectors: (n, dim) L2-normalised embeddings.
        method: "exact" (blocked matmul), "usearch" (HNSW graph) or "auto" (exact while
            queries x rows <= ``EXACT_MAX_WORK``, see the module doc).
    Returns:
        The index; nothing expensive happens before the first ``query``.

    Raises:
        InputError: when ``vectors`` is not a 2-D matrix or ``method`` is unknown.

    Example:
        >>> index = build(np.eye(3, dtype=np.float32))
        >>> len(index), index.method
        (3, 'auto')
    """
    if method not in ("auto", "exact", "usearch"):
        raise InputError(f"Unknown k-NN method '{method}'.", "use auto, exact or usearch.")
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise InputError(f"k-NN index needs a 2-D matrix of vectors, got shape {vectors.shape}.", "pass one row per claim.")
    return KnnIndex(vectors, method)


def query(
    index: KnnIndex,
    vectors: np.ndarray,
    k: int,
    query_groups: np.ndarray | None = None,
    index_groups: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` most similar indexed rows for each query vector, optionally across groups only.

    With ``query_groups`` and ``index_groups`` (e.g. document numbers), an indexed row in the
    same group as the query row is never returned: pairs stay cross-document, and a query
    vector that is itself indexed does not find itself.

    Args:
        index: from ``build``.
        vectors: (m, dim) L2-normalised query vectors.
        k: neighbours per query row.
        query_groups: (m,) group of each query row, or None.
        index_groups: (n,) group of each indexed row, or None.
    Returns:
        (ids, sims), both (m, k): indexed row numbers and cosine similarities (exact, float32),
        best first. Where fewer than ``k`` rows qualify the tail is padded with id -1 and
        similarity -inf.

    Example:
        >>> v = np.eye(3, dtype=np.float32)[[0, 0, 1]]
        >>> docs = np.array([0, 1, 1])
        >>> ids, sims = query(build(v), v, k=2, query_groups=docs, index_groups=docs)
        >>> ids.tolist(), sims[0].tolist()
        ([[1, 2], [0, -1], [0, -1]], [1.0, 0.0])
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    m, n = vectors.shape[0], len(index)
    if (query_groups is None) != (index_groups is None):
        raise InputError("k-NN query needs both query_groups and index_groups, or neither.", "pass both group arrays.")
    if k < 1 or m == 0 or n == 0:
        return np.full((m, max(k, 0)), -1, dtype=np.int64), np.full((m, max(k, 0)), -np.inf, dtype=np.float32)
    method = index.method
    if method == "auto":
        method = "exact" if m * n <= EXACT_MAX_WORK or not _have_usearch() else "usearch"
    if method == "exact":
        return _exact(index.vectors, vectors, k, query_groups, index_groups)
    return _approximate(index, vectors, k, query_groups, index_groups)


def _have_usearch() -> bool:
    """Whether the usearch package is importable (without it, large inputs are searched exactly)."""
    try:
        import usearch.index  # noqa: F401
    except ImportError:
        logger.warning("usearch is not installed: nearest neighbours are searched exactly, which is slow for large inputs")
        return False
    return True


def _exact(
    base: np.ndarray, vectors: np.ndarray, k: int, query_groups: np.ndarray | None, index_groups: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    m, n = vectors.shape[0], base.shape[0]
    kk = min(k, n)
    ids = np.full((m, k), -1, dtype=np.int64)
    sims = np.full((m, k), -np.inf, dtype=np.float32)
    rows = np.arange(BLOCK)[:, None]
    for start in range(0, m, BLOCK):
        block = vectors[start : start + BLOCK] @ base.T
        if query_groups is not None:
            block[query_groups[start : start + BLOCK, None] == index_groups[None, :]] = -np.inf
        top = np.argpartition(-block, kk - 1, axis=1)[:, :kk] if kk < n else np.tile(np.arange(n), (len(block), 1))
        top_sims = block[rows[: len(block)], top]
        order = np.argsort(-top_sims, axis=1, kind="stable")
        ids[start : start + len(block), :kk] = np.take_along_axis(top, order, axis=1)
        sims[start : start + len(block), :kk] = np.take_along_axis(top_sims, order, axis=1)
    ids[~np.isfinite(sims)] = -1
    return ids, sims


def _approximate(
    index: KnnIndex, vectors: np.ndarray, k: int, query_groups: np.ndarray | None, index_groups: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    n, m = len(index), len(vectors)
    wanted = min(n, k + (OVERSAMPLE if query_groups is not None else 0))
    matches = index.graph().search(vectors, wanted, threads=0)
    found = np.asarray(matches.keys, dtype=np.int64).reshape(m, -1)
    counts = np.asarray(matches.counts).reshape(-1)
    ids = np.full((m, k), -1, dtype=np.int64)
    sims = np.full((m, k), -np.inf, dtype=np.float32)
    kk = min(k, found.shape[1])
    for start in range(0, m, BLOCK):  # blocks keep the gathered (rows, wanted, dim) array small
        stop = min(m, start + BLOCK)
        cand = found[start:stop]
        valid = np.arange(cand.shape[1])[None, :] < counts[start:stop, None]
        cand = np.where(valid, cand, 0)
        if query_groups is not None:
            valid &= index_groups[cand] != query_groups[start:stop, None]
        # Exact similarities from the float32 vectors: the graph's int8 distances are approximate.
        s = np.einsum("md,mkd->mk", vectors[start:stop], index.vectors[cand])
        s = np.where(valid, s, -np.inf).astype(np.float32)
        order = np.argsort(-s, axis=1, kind="stable")[:, :kk]
        ids[start:stop, :kk] = np.take_along_axis(np.where(valid, cand, -1), order, axis=1)
        sims[start:stop, :kk] = np.take_along_axis(s, order, axis=1)
    # Rows whose answer was mostly eaten by same-group rows: search those few exactly.
    short = np.flatnonzero((ids[:, -1] < 0) & (counts >= wanted) & (wanted < n))
    if len(short):
        logger.debug("k-NN: %d rows searched exactly after the graph returned too few cross-group rows", len(short))
        groups = None if query_groups is None else query_groups[short]
        ids[short], sims[short] = _exact(index.vectors, vectors[short], k, groups, index_groups)
    return ids, sims
