"""Persistent archive of checked documents: texts, claims, embeddings and slot keys in one SQLite file.

``vncheck index add`` fills it; ``vncheck check NEW... --against ARCHIVE`` compares new articles
with it without segmenting or embedding the archive again.

- A document is identified by its id (the file stem, as in reports). Adding a document whose
  text has the same SHA-256 as the stored one is a no-op; a changed text replaces the
  document with all its claims, vectors and keys.
- Vectors are stored per (claim, embedding model), as float32 blobs: an archive can hold
  vectors of several models, and ``load`` returns those of one.
- Each ``add_documents`` call is one transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``): an
  interrupted or failed add leaves the archive as it was before the call. The file uses WAL
  journaling, so readers are not blocked while a batch is written.
- ``PRAGMA application_id`` and the ``vncheck_meta`` table (with ``schema_version``) mark the
  file as a vncheck archive; any other file is refused with an ``InputError``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from .errors import InputError
from .records import Claim, Document

logger = logging.getLogger(__name__)

#: Bumped when the tables change; an archive written by a newer schema is refused.
SCHEMA_VERSION = 1
#: "vnck" as a 32-bit integer, stored in the SQLite header (``PRAGMA application_id``).
APPLICATION_ID = 0x766E636B

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vncheck_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT NOT NULL, lang TEXT NOT NULL,
    title TEXT, published TEXT, encoding TEXT NOT NULL, text TEXT NOT NULL, added TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS claims (
    id TEXT PRIMARY KEY, doc TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL, text TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, lang TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS claims_by_doc ON claims(doc, idx);
CREATE TABLE IF NOT EXISTS embeddings (
    claim TEXT NOT NULL REFERENCES claims(id) ON DELETE CASCADE, model TEXT NOT NULL,
    dim INTEGER NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (claim, model)
);
CREATE TABLE IF NOT EXISTS slot_keys (
    claim TEXT PRIMARY KEY REFERENCES claims(id) ON DELETE CASCADE, keys TEXT NOT NULL
);
"""

E_NOT_ARCHIVE = "E110"
E_NO_ARCHIVE = "E111"
E_ARCHIVE_VERSION = "E112"
E_ARCHIVE_DATA = "E113"


class ArchiveError(InputError):
    """An archive file that cannot be used (missing, not an archive, too new, inconsistent input)."""

    def __init__(self, code: str, message: str, fix: str = "") -> None:
        self.code = code
        super().__init__(message, fix)


@dataclass(frozen=True, slots=True)
class AddResult:
    """Document ids per outcome of ``Archive.add_documents``."""

    added: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()

    def __add__(self, other: "AddResult") -> "AddResult":
        return AddResult(self.added + other.added, self.unchanged + other.unchanged, self.replaced + other.replaced)


@dataclass(frozen=True, slots=True)
class ArchiveContents:
    """What ``Archive.load`` returns: documents, claims, vectors and slot keys of one embedding model.

    ``claims[i]``, ``vectors[i]`` and ``keys[i]`` belong together; ``documents`` are those
    with at least one claim in ``claims``.
    """

    documents: tuple[Document, ...]
    claims: tuple[Claim, ...]
    vectors: np.ndarray
    keys: tuple[frozenset, ...]


def content_hash(doc: Document) -> str:
    """SHA-256 of a document's decoded text: equal hashes mean an unchanged document.

    Example:
        >>> content_hash(Document("a", "a.txt", "en", "Text."))[:12]
        'f06dce27b84e'
    """
    return hashlib.sha256(doc.text.encode("utf-8")).hexdigest()


def _encode_keys(keys: frozenset) -> str:
    return json.dumps(sorted(list(k) for k in keys), ensure_ascii=False)


def _decode_keys(text: str) -> frozenset:
    return frozenset(tuple(k) for k in json.loads(text))


class Archive:
    """An open archive file. Use ``Archive.open(path)``; close it with ``close()`` or a ``with`` block."""

    def __init__(self, path: Path, db: sqlite3.Connection) -> None:
        self.path = path
        self.db = db

    # -- opening -----------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, create: bool = True) -> "Archive":
        """Open (or create) an archive file.

        Args:
            path: the SQLite file; its folder is created when ``create`` is True.
            create: False for read-only uses (``index info``, ``check --against``): a missing
                file is then an error instead of a new empty archive.
        Returns:
            The open archive.

        Raises:
            InputError: the file is missing (and ``create`` is False), is not a vncheck archive,
                or was written by a newer vncheck.

        Example:
            >>> import tempfile, os
            >>> with Archive.open(os.path.join(tempfile.mkdtemp(), "a.sqlite")) as archive:
            ...     archive.info()["documents"]
            0
        """
        path = Path(path)
        if not path.exists() and not create:
            raise ArchiveError(E_NO_ARCHIVE, f"No archive at '{path}'.", "create it with `vncheck index add PATH...` or pass --archive FILE.")
        if path.is_dir():
            raise ArchiveError(E_NOT_ARCHIVE, f"'{path}' is a folder, not an archive file.", "pass the archive's .sqlite file.")
        fresh = not path.exists() or path.stat().st_size == 0
        if fresh:
            path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: no implicit transactions; add_documents opens its own.
        db = sqlite3.connect(path, isolation_level=None)
        try:
            archive = cls(path, db)
            archive._check_or_create(fresh)
        except sqlite3.DatabaseError as exc:
            db.close()
            raise ArchiveError(E_NOT_ARCHIVE, f"'{path}' is not a vncheck archive ({exc}).", "pass an archive made by `vncheck index add`, or a new file name.") from None
        except InputError:
            db.close()
            raise
        return archive

    def _check_or_create(self, fresh: bool) -> None:
        db = self.db
        app_id = db.execute("PRAGMA application_id").fetchone()[0]  # reads the header: fails on non-SQLite files
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if fresh or (app_id == 0 and not tables):
            db.execute("PRAGMA journal_mode = WAL")  # not allowed inside a transaction
            db.execute("BEGIN IMMEDIATE")  # tables, header mark and version appear together or not at all
            try:
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                db.execute("INSERT OR REPLACE INTO vncheck_meta VALUES ('schema_version', ?), ('created', ?)",
                           (str(SCHEMA_VERSION), dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            logger.info("Created archive %s", self.path)
        elif app_id != APPLICATION_ID or "vncheck_meta" not in tables:
            raise ArchiveError(E_NOT_ARCHIVE, f"'{self.path}' is an SQLite file but not a vncheck archive.",
                               "pass an archive made by `vncheck index add`, or a new file name.")
        else:
            row = db.execute("SELECT value FROM vncheck_meta WHERE key = 'schema_version'").fetchone()
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise ArchiveError(E_ARCHIVE_VERSION, f"'{self.path}' was written by a newer vncheck (archive schema {version}, this one reads {SCHEMA_VERSION}).",
                                   "upgrade vncheck.")
            db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA foreign_keys = ON")

    def close(self) -> None:
        """Close the file (uncommitted work is rolled back)."""
        self.db.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------------------

    def pending(self, documents: Sequence[Document], embedder_name: str) -> list[Document]:
        """The documents that ``add_documents`` would have to store: new, changed, or without vectors of this model.

        Callers embed only these (an unchanged document costs nothing).

        Args:
            documents: candidate documents.
            embedder_name: the embedding model whose vectors are stored.
        Returns:
            The subset to segment, embed and add, in input order.
        """
        stored = self._stored_hashes([d.id for d in documents])
        missing = self._docs_missing_vectors([d.id for d in documents if stored.get(d.id) == content_hash(d)], embedder_name)
        return [d for d in documents if stored.get(d.id) != content_hash(d) or d.id in missing]

    def add_documents(
        self,
        documents: Sequence[Document],
        claims: Sequence[Claim],
        vectors: np.ndarray,
        keys: Sequence[frozenset],
        embedder_name: str,
    ) -> AddResult:
        """Store documents with their claims, vectors and slot keys, in one transaction.

        A document whose text is unchanged is left as it is (only vectors of a model it has
        none of yet are added from ``claims``/``vectors``); a changed one is replaced.

        Args:
            documents: the documents.
            claims: claims of the new or changed documents (claims of unchanged ones are
                used only to add missing vectors).
            vectors: float32 matrix row-aligned with ``claims``.
            keys: slot keys row-aligned with ``claims`` (``checker.checks.keys.slot_keys``).
            embedder_name: name of the embedding model (``Embedder.name``).
        Returns:
            Which document ids were added, unchanged and replaced.

        Raises:
            InputError: when ``claims``, ``vectors`` and ``keys`` do not line up, or a claim
                belongs to none of ``documents``. Nothing is written then.

        Example:
            >>> import tempfile, os
            >>> doc = Document("a", "a.txt", "en", "The embargo was lifted.")
            >>> claim = Claim("a:s0", "a", "en", "The embargo was lifted.", 0, 23, 0)
            >>> with Archive.open(os.path.join(tempfile.mkdtemp(), "a.sqlite")) as archive:
            ...     first = archive.add_documents([doc], [claim], np.ones((1, 4)), [frozenset()], "fake.v1")
            ...     again = archive.add_documents([doc], [claim], np.ones((1, 4)), [frozenset()], "fake.v1")
            >>> first.added, again.unchanged
            (('a',), ('a',))
        """
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(keys) != len(claims) or vectors.shape[0] != len(claims):
            raise ArchiveError(E_ARCHIVE_DATA, f"{len(claims)} claims, {vectors.shape[0] if vectors.ndim else 0} vectors and {len(keys)} key sets do not line up.",
                               "pass one vector and one key set per claim.")
        doc_ids = {d.id for d in documents}
        stray = next((c.id for c in claims if c.doc_id not in doc_ids), None)
        if stray is not None:
            raise ArchiveError(E_ARCHIVE_DATA, f"Claim '{stray}' belongs to none of the documents added.", "pass each claim's document too.")
        stored = self._stored_hashes([d.id for d in documents])
        rows_by_doc: dict[str, list[int]] = {}
        for row, claim in enumerate(claims):
            rows_by_doc.setdefault(claim.doc_id, []).append(row)
        added, unchanged, replaced = [], [], []
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        db = self.db
        db.execute("BEGIN IMMEDIATE")  # take the write lock now: a second writer waits instead of failing mid-batch
        try:
            for doc in documents:
                digest = content_hash(doc)
                rows = rows_by_doc.get(doc.id, [])
                if stored.get(doc.id) == digest:
                    unchanged.append(doc.id)
                    # Same text, maybe a new model: add its vectors to the stored claims (same ids and texts).
                    self._insert_vectors([claims[r] for r in rows], vectors[rows], embedder_name, only_existing=True)
                    continue
                if doc.id in stored:
                    old_path = db.execute("SELECT path FROM documents WHERE id = ?", (doc.id,)).fetchone()[0]
                    if old_path != doc.path:
                        logger.warning("Archive: '%s' replaces document '%s' first added from '%s'", doc.path, doc.id, old_path)
                    db.execute("DELETE FROM documents WHERE id = ?", (doc.id,))  # claims, vectors, keys cascade
                    replaced.append(doc.id)
                else:
                    added.append(doc.id)
                db.execute(
                    "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (doc.id, doc.path, digest, doc.lang, doc.title, doc.published.isoformat() if doc.published else None,
                     doc.encoding, doc.text, now),
                )
                db.executemany(
                    'INSERT INTO claims (id, doc, idx, text, start, "end", lang) VALUES (?, ?, ?, ?, ?, ?, ?)',
                    [(claims[r].id, doc.id, claims[r].index, claims[r].text, claims[r].start, claims[r].end, claims[r].lang) for r in rows],
                )
                db.executemany("INSERT INTO slot_keys VALUES (?, ?)", [(claims[r].id, _encode_keys(keys[r])) for r in rows])
                self._insert_vectors([claims[r] for r in rows], vectors[rows], embedder_name)
            db.execute("COMMIT")
        except BaseException:  # KeyboardInterrupt too: the batch is all or nothing
            db.execute("ROLLBACK")
            raise
        return AddResult(tuple(added), tuple(unchanged), tuple(replaced))

    def _insert_vectors(self, claims: Sequence[Claim], vectors: np.ndarray, model: str, only_existing: bool = False) -> None:
        if not claims:
            return
        rows = [(c.id, model, int(v.shape[0]), np.ascontiguousarray(v, dtype=np.float32).tobytes()) for c, v in zip(claims, vectors)]
        if only_existing:
            known = {cid: text for cid, text in self._select_in("SELECT id, text FROM claims WHERE id IN ({})", [c.id for c in claims])}
            rows = [r for r, c in zip(rows, claims) if known.get(c.id) == c.text]
            self.db.executemany("INSERT OR IGNORE INTO embeddings VALUES (?, ?, ?, ?)", rows)
        else:
            self.db.executemany("INSERT INTO embeddings VALUES (?, ?, ?, ?)", rows)

    def _select_in(self, sql: str, values: Sequence[str], chunk: int = 500) -> list[tuple]:
        """Run ``sql`` with an ``IN ({})`` list in chunks (SQLite limits bound parameters)."""
        out: list[tuple] = []
        for start in range(0, len(values), chunk):
            part = list(values[start : start + chunk])
            out += self.db.execute(sql.format(",".join("?" * len(part))), part).fetchall()
        return out

    def _stored_hashes(self, doc_ids: Sequence[str]) -> dict[str, str]:
        return dict(self._select_in("SELECT id, sha256 FROM documents WHERE id IN ({})", doc_ids))

    def _docs_missing_vectors(self, doc_ids: Sequence[str], model: str) -> set[str]:
        """Documents with at least one stored claim that has no vector of ``model``."""
        missing: set[str] = set()
        for start in range(0, len(doc_ids), 500):
            part = list(doc_ids[start : start + 500])
            sql = ("SELECT DISTINCT c.doc FROM claims c LEFT JOIN embeddings e ON e.claim = c.id AND e.model = ? "
                   f"WHERE e.claim IS NULL AND c.doc IN ({','.join('?' * len(part))})")
            missing.update(r[0] for r in self.db.execute(sql, [model, *part]))
        return missing

    # -- reading -----------------------------------------------------------------------------

    def load(self, embedder_name: str, exclude_docs: Sequence[str] = ()) -> ArchiveContents:
        """All claims with vectors of one embedding model, their documents and slot keys.

        Args:
            embedder_name: the model whose vectors are returned (``Embedder.name``).
            exclude_docs: document ids to leave out (e.g. newer versions being checked).
        Returns:
            Documents, claims (by document id, then position), the float32 vector matrix and
            the slot keys, row-aligned.

        Raises:
            InputError: when stored vectors of the model have different lengths.

        Example:
            >>> import tempfile, os
            >>> with Archive.open(os.path.join(tempfile.mkdtemp(), "a.sqlite")) as archive:
            ...     archive.load("fake.v1").vectors.shape
            (0, 0)
        """
        skip = set(exclude_docs)
        rows = self.db.execute(
            'SELECT c.id, c.doc, c.lang, c.text, c.start, c."end", c.idx, e.dim, e.vector, k.keys '
            "FROM claims c JOIN embeddings e ON e.claim = c.id AND e.model = ? LEFT JOIN slot_keys k ON k.claim = c.id "
            "ORDER BY c.doc, c.idx",
            (embedder_name,),
        ).fetchall()
        rows = [r for r in rows if r[1] not in skip]
        dims = {r[7] for r in rows}
        if len(dims) > 1:
            raise ArchiveError(E_ARCHIVE_DATA, f"Archive vectors of '{embedder_name}' have different lengths {sorted(dims)}.",
                               "rebuild the archive with `vncheck index add`.")
        claims = tuple(Claim(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows)
        vectors = (np.frombuffer(b"".join(r[8] for r in rows), dtype=np.float32).reshape(len(rows), dims.pop())
                   if rows else np.zeros((0, 0), dtype=np.float32))
        keys = tuple(_decode_keys(r[9]) if r[9] else frozenset() for r in rows)
        doc_ids = list(dict.fromkeys(c.doc_id for c in claims))
        return ArchiveContents(self.documents(doc_ids), claims, vectors, keys)

    def documents(self, doc_ids: Sequence[str]) -> tuple[Document, ...]:
        """Stored documents by id, in the order given (unknown ids are left out)."""
        rows = self._select_in("SELECT id, path, lang, text, title, published, encoding FROM documents WHERE id IN ({})", list(doc_ids))
        by_id = {
            r[0]: Document(r[0], r[1], r[2], r[3], r[4], dt.date.fromisoformat(r[5]) if r[5] else None, r[6]) for r in rows
        }
        return tuple(by_id[i] for i in doc_ids if i in by_id)

    def claims_of(self, doc_ids: Sequence[str]) -> tuple[Claim, ...]:
        """All stored claims of some documents (by document id, then position), with or without vectors."""
        rows = self._select_in('SELECT id, doc, lang, text, start, "end", idx FROM claims WHERE doc IN ({})', list(doc_ids))
        return tuple(sorted((Claim(*r) for r in rows), key=lambda c: (c.doc_id, c.index)))

    def info(self) -> dict:
        """Counts for ``vncheck index info``.

        Returns:
            {"path", "schema_version", "documents", "claims", "models": {model: claims with vectors},
            "languages": {lang: documents}}.
        """
        db = self.db
        return {
            "path": str(self.path),
            "schema_version": int(db.execute("SELECT value FROM vncheck_meta WHERE key = 'schema_version'").fetchone()[0]),
            "documents": db.execute("SELECT COUNT(*) FROM documents").fetchone()[0],
            "claims": db.execute("SELECT COUNT(*) FROM claims").fetchone()[0],
            "models": dict(db.execute("SELECT model, COUNT(*) FROM embeddings GROUP BY model ORDER BY model").fetchall()),
            "languages": dict(db.execute("SELECT lang, COUNT(*) FROM documents GROUP BY lang ORDER BY lang").fetchall()),
        }
