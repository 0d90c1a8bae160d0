"""NLI pair-score cache: scores keyed by model id, premise and hypothesis, in SQLite in the cache folder.

``CachedNli`` wraps any ``NliScorer`` backend (local, ONNX, Hugging Face, Ray, the fake):
``predict`` returns stored scores and asks the backend only for pairs it has not scored
before, so a repeated check, an ``--against`` re-check or a ``compare`` of known sentences
runs no NLI. The model id holds the backend name plus the sha256 of its weight files, so a
retrained model never reuses the scores of the old one. The direction is part of the key:
a→b is stored as (premise a, hypothesis b), b→a as (b, a).

Several vncheck processes may share the cache folder: the file is in WAL mode, waits for
a busy writer (busy timeout) and adds rows with INSERT OR IGNORE (a pair's score is the
same whoever stores it first). A cache that cannot be opened or written is skipped with
a warning; it never costs a result.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

from .backends.base import NliScorer
from .records import NLI_LABELS

logger = logging.getLogger(__name__)

CACHE_FILE = "nli_scores.sqlite"
#: Part of every model id: bump when the scoring recipe changes without the weights
#: changing (tokenisation, truncation length, pooling), so old scores are not reused.
SCORE_VERSION = "1"
#: Seconds a writer waits for another process's transaction before giving up.
BUSY_TIMEOUT_S = 30.0
_QUERY_CHUNK = 500  # keys per SELECT ... IN (...): below SQLite's variable limit on old builds


def switch_to_wal(db: sqlite3.Connection, timeout: float = 30.0) -> None:
    """Switch the file to WAL, waiting for a second process that opens it at the same moment:
    SQLite answers "database is locked" at once for a journal-mode change, without the busy
    timeout (seen with two first runs starting together)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class PairScoreCache:
    """SQLite store of NLI label probabilities keyed by ``key(model_id, premise, hypothesis)``.

    Example:
        >>> import tempfile
        >>> cache = PairScoreCache(Path(tempfile.mkdtemp()))
        >>> k = PairScoreCache.key("m", "a", "b")
        >>> cache.put_many({k: {"entailment": 0.7, "neutral": 0.2, "contradiction": 0.1}})
        >>> cache.get_many([k])[k]["entailment"]
        0.7
    """

    def __init__(self, folder: Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / CACHE_FILE
        # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE), so a writer takes the
        # write lock up front and waits for it through the busy timeout instead of failing
        # half-way when another process wrote in between.
        self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()  # one connection, possibly used from several threads: one statement group at a time
        self.db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        switch_to_wal(self.db, BUSY_TIMEOUT_S)
        with self._write():
            self.db.execute("CREATE TABLE IF NOT EXISTS scores (key BLOB PRIMARY KEY, entailment REAL NOT NULL, "
                            "neutral REAL NOT NULL, contradiction REAL NOT NULL) WITHOUT ROWID")
            self.db.execute("CREATE TABLE IF NOT EXISTS file_digests (path TEXT PRIMARY KEY, size INTEGER NOT NULL, "
                            "mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL, digest TEXT NOT NULL)")

    @staticmethod
    def key(model_id: str, premise: str, hypothesis: str) -> bytes:
        """sha256 of the three strings, JSON-encoded (ASCII, so even a lone surrogate encodes) so that
        no text can imitate a separator."""
        return hashlib.sha256(json.dumps([model_id, premise, hypothesis]).encode("ascii")).digest()

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, dict[str, float]]:
        """Stored scores for those of ``keys`` that are in the cache."""
        found: dict[bytes, dict[str, float]] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _QUERY_CHUNK):
            chunk = unique[start : start + _QUERY_CHUNK]
            with self._lock:
                rows = self.db.execute(
                    f"SELECT key, entailment, neutral, contradiction FROM scores WHERE key IN ({','.join('?' * len(chunk))})", chunk
                ).fetchall()
            found.update({k: {"entailment": e, "neutral": n, "contradiction": c} for k, e, n, c in rows})
        return found

    def put_many(self, items: dict[bytes, dict[str, float]]) -> None:
        """Store scores in one transaction; rows already there (from another process) are kept."""
        if not items:
            return
        with self._write():
            self.db.executemany(
                "INSERT OR IGNORE INTO scores VALUES (?, ?, ?, ?)",
                [(k, float(v["entailment"]), float(v["neutral"]), float(v["contradiction"])) for k, v in items.items()],
            )

    def model_id(self, name: str, weights: Sequence[Path] = (), variant: str = "") -> str:
        """Id of a model: backend name, variant (e.g. "int8") and the sha256 of its weight files.

        A file's digest is kept in the cache with the file's size and modification and
        change times, so a start does not hash unchanged weights again.

        Example:
            >>> import tempfile
            >>> PairScoreCache(Path(tempfile.mkdtemp())).model_id("fake-nli.v1")
            'fake-nli.v1|v1|'
        """
        digest = hashlib.sha256()
        for path in sorted(Path(p) for p in weights):
            digest.update(f"{path.name}\x00{self._file_digest(path)}\x00".encode("utf-8"))
        files = digest.hexdigest()[:16] if weights else ""
        return f"{name}|v{SCORE_VERSION}{'|' + variant if variant else ''}|{files}"

    def _file_digest(self, path: Path) -> str:
        stat = path.stat()
        where = str(path.resolve())
        with self._lock:
            row = self.db.execute("SELECT size, mtime_ns, ctime_ns, digest FROM file_digests WHERE path = ?", (where,)).fetchone()
        if row is not None and tuple(row[:3]) == (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns):
            return row[3]
        digest = _sha256_file(path)
        with self._write():
            self.db.execute("INSERT OR REPLACE INTO file_digests VALUES (?, ?, ?, ?, ?)",
                            (where, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, digest))
        return digest

    def _write(self):
        return _ImmediateTransaction(self.db, self._lock)

    def close(self) -> None:
        self.db.close()


class _ImmediateTransaction:
    """``with``: BEGIN IMMEDIATE ... COMMIT (ROLLBACK on an error), holding the connection's lock."""

    def __init__(self, db: sqlite3.Connection, lock: threading.Lock) -> None:
        self.db, self.lock = db, lock

    def __enter__(self) -> None:
        self.lock.acquire()
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.lock.release()
            raise

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")
        except sqlite3.Error:
            if self.db.in_transaction:  # a failed COMMIT leaves the transaction open: end it, then report
                self.db.execute("ROLLBACK")
            raise
        finally:
            self.lock.release()


def _sha256_file(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _valid(result: Any) -> bool:
    return isinstance(result, Mapping) and all(
        isinstance(result.get(k), (int, float)) and math.isfinite(result[k]) for k in NLI_LABELS
    )


class CachedNli:
    """An ``NliScorer`` that answers from a ``PairScoreCache`` and asks ``inner`` only for new pairs.

    Every other attribute (``runtime``, ``preferred_chunk`` of the Ray engine, ...) is the
    inner backend's. ``computed`` and ``reused`` count the pairs scored by the backend and
    taken from the cache.

    Example:
        >>> import tempfile
        >>> from checker.backends.fake import RuleNli
        >>> cache = PairScoreCache(Path(tempfile.mkdtemp()))
        >>> nli = CachedNli(RuleNli(), cache, cache.model_id("fake-nli.v1"))
        >>> first = nli.predict([("It rained.", "It did not rain.")])
        >>> nli.predict([("It rained.", "It did not rain.")]) == first, nli.computed, nli.reused
        (True, 1, 1)
    """

    def __init__(self, inner: NliScorer, cache: PairScoreCache, model_id: str) -> None:
        self.inner = inner
        self.cache = cache
        self.model_id = model_id
        self.name = inner.name
        self.computed = 0
        self.reused = 0

    def __getattr__(self, attribute: str) -> Any:
        # Only called for attributes this wrapper lacks: behave like the backend it wraps.
        if attribute == "inner":
            raise AttributeError(attribute)
        return getattr(self.inner, attribute)

    def predict(self, pairs: Sequence[tuple[str, str]]) -> list[dict[str, float]]:
        """Scores for ``pairs`` (one dict per pair), from the cache where it has them."""
        keys = [PairScoreCache.key(self.model_id, premise, hypothesis) for premise, hypothesis in pairs]
        try:
            found = self.cache.get_many(keys)
        except sqlite3.Error as exc:
            logger.warning("NLI score cache %s unreadable (%s); scoring without it", self.cache.path, exc)
            found = {}
        todo = list({k: i for i, k in enumerate(keys) if k not in found}.values())  # a pair repeated in the call is scored once
        if todo:
            results = self.inner.predict([pairs[i] for i in todo])
            if len(results) != len(todo):
                raise ValueError(f"NLI backend '{self.name}' returned {len(results)} results for {len(todo)} pairs")
            new = {keys[i]: r for i, r in zip(todo, results)}
            found.update(new)
            # Invalid results go back to the caller (which leaves those pairs unscored) but are never stored.
            self._store({k: r for k, r in new.items() if _valid(r)})
        self.computed += len(todo)
        self.reused += len(pairs) - len(todo)
        logger.debug("NLI: %d of %d inputs from the score cache", len(pairs) - len(todo), len(pairs))
        return [found[k] for k in keys]

    def _store(self, items: dict[bytes, dict[str, float]]) -> None:
        try:
            self.cache.put_many(items)
        except sqlite3.Error as exc:
            logger.warning("Could not write NLI scores to %s (%s); they are not cached", self.cache.path, exc)


def with_pair_cache(scorer: NliScorer, cache_dir: Path | None, weights: Sequence[Path] = (), variant: str = "") -> NliScorer:
    """``scorer`` behind the pair-score cache in ``cache_dir``, or ``scorer`` itself when there is no cache.

    Args:
        scorer: any NLI backend.
        cache_dir: the cache folder, or None (``--no-cache``).
        weights: the files the model's scores depend on (weights, label config); their
            sha256 is part of the model id.
        variant: what else changes the scores for the same weights (e.g. "int8").
    Returns:
        A ``CachedNli``, or ``scorer`` when ``cache_dir`` is None or the cache cannot be
        opened (a warning says why).

    Example:
        >>> from checker.backends.fake import RuleNli
        >>> with_pair_cache(RuleNli(), None).name
        'fake-nli.v1'
    """
    if cache_dir is None:
        return scorer
    try:
        cache = PairScoreCache(Path(cache_dir))
        model_id = cache.model_id(scorer.name, [Path(w) for w in weights], variant)
    except (sqlite3.Error, OSError) as exc:
        logger.warning("NLI score cache in %s unusable (%s); scoring without it", cache_dir, exc)
        return scorer
    logger.debug("NLI score cache %s, model id %s (pid %d)", cache.path, model_id, os.getpid())
    return CachedNli(scorer, cache, model_id)
