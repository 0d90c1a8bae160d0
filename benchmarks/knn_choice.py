"""Which k-nearest-neighbour search for claim embeddings: blocked numpy, scikit-learn, usearch, faiss.

Unit vectors of dim 384 (the size of multilingual-e5-small), every row queried for its k nearest
rows (itself excluded), as ``checker.cluster.nearest_pairs`` does. Prints, per method: index
build seconds, query seconds, and recall@k against exact search on 500 sampled rows.
``--clustered`` draws topics of about 20 close vectors (like sentences of articles on one
story); without it the vectors are uniform random, the hardest case for graph indexes.

Exact methods cost n * n * dim multiply-adds; with ``--exact-rows R`` queries are timed on the
first R rows only and the time for all n rows is extrapolated (marked "~").

Usage (one thread, to leave the machine's other cores alone); the figures in checker/knn.py
came from these commands:
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/knn_choice.py --n 20000 --exact-rows 5000 --methods numpy,sklearn
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/knn_choice.py --n 20000 --methods usearch,faiss-hnsw
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/knn_choice.py --n 20000 --clustered --methods numpy,usearch --exact-rows 5000
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/knn_choice.py --n 80000 --clustered --methods numpy,usearch --exact-rows 2000
(``--usearch-dtypes f32,i8 --ef-add 128`` for the f32 row; faiss needs ``pip install faiss-cpu``.)
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def unit_vectors(n: int, dim: int, seed: int = 0) -> np.ndarray:
    """``n`` random unit vectors (float32)."""
    x = np.random.default_rng(seed).standard_normal((n, dim), dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def clustered_vectors(n: int, dim: int, seed: int = 0, per_topic: int = 20) -> np.ndarray:
    """Unit vectors in topics of about ``per_topic``: like sentence embeddings of news, where
    articles on one story give clusters of close sentences (cosine to the topic centre ~0.9)."""
    rng = np.random.default_rng(seed)
    centres = unit_vectors(max(1, n // per_topic), dim, seed + 1)
    topic = rng.integers(len(centres), size=n)
    noise = rng.standard_normal((n, dim), dtype=np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    x = 0.9 * centres[topic] + 0.44 * noise
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def exact_numpy(x: np.ndarray, rows: np.ndarray, k: int, block: int = 1024) -> np.ndarray:
    """Exact top-k ids of ``x[rows]`` over ``x`` (self excluded), blocked matmul + argpartition."""
    out = np.empty((len(rows), k), dtype=np.int64)
    for start in range(0, len(rows), block):
        r = rows[start : start + block]
        sims = x[r] @ x.T
        sims[np.arange(len(r)), r] = -np.inf
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        out[start : start + len(r)] = top
    return out


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    """Share of the true neighbours that were found (order ignored)."""
    hits = sum(len(set(f.tolist()) & set(t.tolist())) for f, t in zip(found, truth))
    return hits / truth.size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--exact-rows", type=int, default=0, help="time the queries of this many rows and extrapolate to all n (0: all)")
    parser.add_argument("--methods", default="numpy,sklearn,usearch,faiss-hnsw")
    parser.add_argument("--clustered", action="store_true", help="topic-clustered vectors instead of uniform random ones")
    parser.add_argument("--usearch-dtypes", default="i8", help="comma-separated usearch scalar types (f32, f16, i8)")
    parser.add_argument("--connectivity", type=int, default=16, help="HNSW graph degree (M)")
    parser.add_argument("--ef-add", type=int, default=64, help="HNSW expansion when adding (efConstruction)")
    parser.add_argument("--ef-search", type=int, default=64, help="HNSW expansion when searching (efSearch)")
    args = parser.parse_args()
    x = (clustered_vectors if args.clustered else unit_vectors)(args.n, args.dim)
    k = args.k
    rng = np.random.default_rng(1)
    sample = np.sort(rng.choice(args.n, size=min(500, args.n), replace=False))
    truth = exact_numpy(x, sample, k)
    rows_exact = np.arange(args.exact_rows or args.n)
    scale = args.n / len(rows_exact)
    print(f"n={args.n} dim={args.dim} k={k} threads={args.threads} data={'clustered' if args.clustered else 'uniform'} "
          f"M={args.connectivity} ef_add={args.ef_add} ef_search={args.ef_search}")
    print(f"{'method':<22}{'build s':>9}{'query s':>10}{'recall@k':>10}")

    import importlib.util

    needs = {"sklearn": "sklearn", "usearch": "usearch", "faiss-hnsw": "faiss", "faiss-flat": "faiss"}
    for method in args.methods.split(","):
        if method in needs and importlib.util.find_spec(needs[method]) is None:
            print(f"{method:<22}(not installed: pip install {'scikit-learn' if method == 'sklearn' else needs[method] if method == 'usearch' else 'faiss-cpu'})")
            continue
        if method == "numpy":
            t0 = time.perf_counter()
            exact_numpy(x, rows_exact, k)
            q = (time.perf_counter() - t0) * scale
            print(f"{'numpy blocked exact':<22}{0.0:>9.2f}{('~' if scale > 1 else '') + f'{q:.2f}':>10}{1.0:>10.3f}")
        elif method == "sklearn":
            from sklearn.neighbors import NearestNeighbors

            t0 = time.perf_counter()
            nn = NearestNeighbors(n_neighbors=k + 1, algorithm="brute", metric="cosine", n_jobs=args.threads).fit(x)
            b = time.perf_counter() - t0
            t0 = time.perf_counter()
            nn.kneighbors(x[rows_exact])
            q = (time.perf_counter() - t0) * scale
            _, ids = nn.kneighbors(x[sample])
            found = np.array([[j for j in row if j != i][:k] for i, row in zip(sample, ids)])
            print(f"{'sklearn brute cosine':<22}{b:>9.2f}{('~' if scale > 1 else '') + f'{q:.2f}':>10}{recall(found, truth):>10.3f}")
        elif method == "usearch":
            from usearch.index import Index

            for dtype in args.usearch_dtypes.split(","):
                t0 = time.perf_counter()
                index = Index(ndim=args.dim, metric="ip", dtype=dtype, connectivity=args.connectivity,
                              expansion_add=args.ef_add, expansion_search=args.ef_search)
                index.add(np.arange(args.n), x, threads=args.threads)
                b = time.perf_counter() - t0
                t0 = time.perf_counter()
                index.search(x[rows_exact], k + 1, threads=args.threads)
                q = (time.perf_counter() - t0) * scale
                keys = index.search(x[sample], k + 1, threads=args.threads).keys
                found = np.array([[j for j in row if j != i][:k] for i, row in zip(sample, keys)])
                print(f"{'usearch hnsw ' + dtype:<22}{b:>9.2f}{('~' if scale > 1 else '') + f'{q:.2f}':>10}{recall(found, truth):>10.3f}")
        elif method == "faiss-hnsw":
            import faiss

            faiss.omp_set_num_threads(args.threads)
            t0 = time.perf_counter()
            index = faiss.IndexHNSWFlat(args.dim, args.connectivity, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = args.ef_add
            index.add(x)
            b = time.perf_counter() - t0
            index.hnsw.efSearch = args.ef_search
            t0 = time.perf_counter()
            index.search(x[rows_exact], k + 1)
            q = (time.perf_counter() - t0) * scale
            _, ids = index.search(x[sample], k + 1)
            found = np.array([[j for j in row if j != i][:k] for i, row in zip(sample, ids)])
            print(f"{'faiss hnsw flat':<22}{b:>9.2f}{('~' if scale > 1 else '') + f'{q:.2f}':>10}{recall(found, truth):>10.3f}")
        elif method == "faiss-flat":
            import faiss

            faiss.omp_set_num_threads(args.threads)
            t0 = time.perf_counter()
            index = faiss.IndexFlatIP(args.dim)
            index.add(x)
            b = time.perf_counter() - t0
            t0 = time.perf_counter()
            index.search(x[rows_exact], k + 1)
            q = (time.perf_counter() - t0) * scale
            print(f"{'faiss flat exact':<22}{b:>9.2f}{('~' if scale > 1 else '') + f'{q:.2f}':>10}{1.0:>10.3f}")
        else:
            print(f"{method:<22}(unknown method; use numpy, sklearn, usearch, faiss-hnsw, faiss-flat)")


if __name__ == "__main__":
    main()
