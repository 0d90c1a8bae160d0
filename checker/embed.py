"""Embedding stage: claims -> matrix of unit vectors aligned with claim order, with an on-disk cache."""
from __future__ import annotations

import hashlib
import logging
import sqlite3
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .backends.base import Embedder
from .errors import BackendError, ModelLoadError
from .pair_cache import switch_to_wal
from .records import Claim

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 30.0


class EmbeddingCache:
    """SQLite key-value store of vectors keyed by (model name, text) hash; safe to interrupt."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "embeddings.sqlite"
        # Concurrent runs share the cache: WAL lets readers go on while one writes, and a writer
        # waits for another (up to the busy timeout) instead of failing.
        self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
        switch_to_wal(self.db, BUSY_TIMEOUT_S)
        self.db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, dim INTEGER, data BLOB)")

    @staticmethod
    def key(model: str, text: str) -> str:
        return hashlib.sha256(f"{model}\x00{text}".encode("utf-8")).hexdigest()

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            rows = self.db.execute(
                f"SELECT key, data FROM vec WHERE key IN ({','.join('?' * len(chunk))})", chunk
            ).fetchall()
            found.update({k: np.frombuffer(d, dtype=np.float32) for k, d in rows})
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self.db:  # one transaction: all or nothing
            self.db.executemany(
                "INSERT OR REPLACE INTO vec VALUES (?, ?, ?)",
                [(k, int(v.shape[0]), v.astype(np.float32).tobytes()) for k, v in items.items()],
            )

    def close(self) -> None:
        self.db.close()


def embed_texts(
    texts: Sequence[str],
    embedder: Embedder,
    cache_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
    chunk: int = 256,
) -> np.ndarray:
    """Embed texts, reusing cached vectors.

    Texts are embedded shortest first, ``chunk`` at a time (each chunk is one cache
    transaction and one progress step): neighbours in length share a batch, so batches
    pad little. Measured on 4,451 news claims: 80 texts/s this way, 53 with chunks of
    64 in document order.

    Args:
        texts: the sentences.
        embedder: any backend with ``name`` and ``encode``.
        cache_dir: folder of the cache, or None for no cache.
        progress: called with the number of texts done after each chunk.
    Returns:
        float32 matrix (len(texts), dim), rows L2-normalised.

    Example:
        >>> from checker.backends.fake import HashingEmbedder
        >>> embed_texts(["a b", "a b"], HashingEmbedder()).shape
        (2, 64)
    """
    cache = EmbeddingCache(cache_dir) if cache_dir else None
    keys = [EmbeddingCache.key(embedder.name, t) for t in texts]
    found = cache.get_many(keys) if cache else {}
    todo = sorted({k: i for i, k in enumerate(keys) if k not in found}.values(), key=lambda i: (len(texts[i]), i))
    done = len(texts) - len(todo)
    if progress:
        progress(done)
    chunk = int(getattr(embedder, "preferred_chunk", chunk))  # the Ray engine wants bigger chunks to spread
    for start in range(0, len(todo), chunk):
        part = todo[start : start + chunk]
        try:
            vectors = np.asarray(embedder.encode([texts[i] for i in part]), dtype=np.float32)
        except ModelLoadError:  # a model that cannot load (a lazy backend's first call): its own error
            raise
        except Exception as exc:  # a backend failure must not look like a crash of vncheck
            raise BackendError(f"Embedding with '{embedder.name}' failed: {exc}") from exc
        new = {keys[i]: vectors[row] for row, i in enumerate(part)}
        found.update(new)
        if cache:
            cache.put_many(new)
        done += len(part)
        if progress:
            progress(done)
    if cache:
        cache.close()
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack([found[k] for k in keys])


def embed_claims(claims: Sequence[Claim], embedder: Embedder, cache_dir: Path | None = None, progress=None) -> np.ndarray:
    """Embed claim texts; row i belongs to ``claims[i]``."""
    return embed_texts([c.text for c in claims], embedder, cache_dir, progress)
