"""Persistent archive of checked documents: texts, claims, embeddings and slot keys in one SQLite file.

``vncheck index add`` fills it; ``vncheck check NEW... --against ARCHIVE`` compares new articles
with it without segmenting or embedding the archive again.

- A document is identified by the file it was read from: its absolute, resolved path is stored,
  and its archive id is the file stem plus "@" and 8 hex digits of the SHA-256 of that path
  ("flood@5c1e09aa"; ``document_id``). So ``a/x.txt`` and ``b/x.txt`` are two documents, and a
  file keeps its id however it is named on the command line and from whatever folder
  ``index add`` runs. Adding a file whose text has the same SHA-256 as the stored one is a
  no-op; a changed text replaces the document with all its claims, vectors and keys.
- Vectors are stored per (claim, embedding model), as float32 blobs: an archive can hold
  vectors of several models, and ``load`` returns those of one.
- Crash safety: a new archive is built under a temporary name and linked into place, so an
  interrupted first ``index add`` leaves either no archive or a complete empty one. Each
  ``add_documents`` call is one transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``, WAL journal):
  a process killed at any moment leaves the archive as it was after the last complete call.
- Concurrent writers: the write lock is taken before the stored documents are read, so two
  ``index add`` runs on one archive never both insert a document; a writer that cannot get the
  lock within ``BUSY_TIMEOUT_S`` gets a one-line "busy" error. Readers are not blocked.
- Every open checks the file (``verify``: tables and columns present, ``PRAGMA quick_check``,
  references, vector lengths, slot-key JSON); a damaged file gives a one-line error, never a
  traceback, and ``index add`` never writes into one. SQLite errors at any later point
  become ``ArchiveError`` too.
- ``PRAGMA application_id`` and the ``vncheck_meta`` table (with ``schema_version``) mark the
  file as a vncheck archive; any other file is refused with an ``InputError``.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from .errors import InputError
from .records import Claim, Document

logger = logging.getLogger(__name__)

#: Bumped when the tables or the meaning of ids change. 2: ids are "stem@path-hash" and paths
#: absolute (schema 1 used the bare file stem and the path as typed). An archive written by a
#: newer schema is refused; one of schema 1 can be read but not written.
SCHEMA_VERSION = 2
#: "vnck" as a 32-bit integer, stored in the SQLite header (``PRAGMA application_id``).
APPLICATION_ID = 0x766E636B
#: Seconds a writer waits for another writer's transaction before giving up with "busy". A
#: batch holds the lock only while it is written (embedding happens before), well under this.
BUSY_TIMEOUT_S = 60.0
#: Hex digits of the path hash in a document id; more only when two paths of one stem collide.
ID_HASH_DIGITS = 8

_SQLITE_MAGIC = b"SQLite format 3\x00"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vncheck_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT NOT NULL, lang TEXT NOT NULL,
    title TEXT, published TEXT, encoding TEXT NOT NULL, text TEXT NOT NULL, added TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS documents_by_path ON documents(path);
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

#: Tables and columns every readable archive has (``verify`` checks them).
_COLUMNS = {
    "vncheck_meta": ("key", "value"),
    "documents": ("id", "path", "sha256", "lang", "title", "published", "encoding", "text", "added"),
    "claims": ("id", "doc", "idx", "text", "start", "end", "lang"),
    "embeddings": ("claim", "model", "dim", "vector"),
    "slot_keys": ("claim", "keys"),
}

E_NOT_ARCHIVE = "E110"
E_NO_ARCHIVE = "E111"
E_ARCHIVE_VERSION = "E112"
E_ARCHIVE_DATA = "E113"
E_ARCHIVE_DAMAGED = "E114"
E_ARCHIVE_BUSY = "E115"
E_ARCHIVE_LOCATION = "E116"
E_ARCHIVE_OLD = "E117"
E_ARCHIVE_IO = "E118"

_REBUILD = "restore it from a backup, or rebuild it: `vncheck index add PATH... --archive NEW_FILE`."


#: Row checks of an opened archive: (query for the first bad row, message naming it). Each
#: catches a damage that SQLite's own checks do not see.
_ROW_CHECKS = (
    ("SELECT claim, dim, length(vector) FROM embeddings WHERE typeof(vector) != 'blob' OR typeof(dim) != 'integer' "
     "OR dim <= 0 OR length(vector) != dim * 4 LIMIT 1",
     "the vector of claim '{0}' has {2} bytes, not {1} × 4"),
    ("SELECT claim FROM slot_keys WHERE typeof(keys) != 'text' "
     "OR CASE WHEN json_valid(keys) THEN json_type(keys) != 'array' ELSE 1 END LIMIT 1",
     "the slot keys of claim '{0}' are not a JSON list"),
    ("SELECT k.claim FROM slot_keys k, json_each(k.keys) e WHERE e.type != 'array' "
     "OR EXISTS (SELECT 1 FROM json_each(e.value) p WHERE p.type != 'text') LIMIT 1",
     "the slot keys of claim '{0}' are not lists of words"),
    ("SELECT id FROM documents WHERE published IS NOT NULL AND date(published) IS NOT published LIMIT 1",
     "document '{0}' has no valid publication date"),
    ("SELECT id FROM claims WHERE typeof(idx) != 'integer' OR typeof(start) != 'integer' OR typeof(\"end\") != 'integer' "
     "LIMIT 1",
     "claim '{0}' has no valid position"),
)


class ArchiveError(InputError):
    """An archive file that cannot be used (missing, not an archive, damaged, busy, too new, bad input)."""

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
    return hashlib.sha256(doc.text.encode("utf-8", "surrogatepass")).hexdigest()


def stored_path(path: str | Path) -> str:
    """The path as the archive stores it: absolute, symbolic links resolved, valid UTF-8.

    Bytes of a file name that are not UTF-8 are kept visible as ``\\xNN`` (SQLite text is UTF-8).

    Example:
        >>> stored_path("/news/../news/a.txt")
        '/news/a.txt'
    """
    text = str(Path(path).expanduser().resolve())
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def document_id(path: str | Path, digits: int = ID_HASH_DIGITS) -> str:
    """Archive id of the document read from ``path``: file stem, "@", hex digits of the SHA-256 of ``stored_path``.

    Readable (the stem comes first) and stable: the same file always gets the same id, and two
    files with the same name in different folders get different ones. The archive keeps the
    id it stored for a path, so a (very unlikely) hash collision between two paths of one stem
    only lengthens the newer one's hash.

    Example:
        >>> document_id("/news/2024/flood.txt")
        'flood@53b48c5f'
    """
    text = stored_path(path)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return f"{Path(text).stem}@{digest[:digits]}"


def _encode_keys(keys: frozenset) -> str:
    return json.dumps(sorted(list(k) for k in keys), ensure_ascii=False)


def _decode_keys(text: str) -> frozenset:
    value = json.loads(text)
    if not isinstance(value, list) or not all(isinstance(k, list) and all(isinstance(p, str) for p in k) for k in value):
        raise ValueError("slot keys are not a list of lists of strings")
    return frozenset(tuple(k) for k in value)


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _damaged(path: Path, detail: str) -> ArchiveError:
    return ArchiveError(E_ARCHIVE_DAMAGED, f"Archive '{path}' is damaged ({_one_line(detail)}).", _REBUILD)


def _archive_error(path: Path, exc: sqlite3.Error) -> ArchiveError:
    """One-line ``ArchiveError`` for an SQLite error on the archive at ``path``."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in text:
        return ArchiveError(E_ARCHIVE_BUSY, f"Archive '{path}' is busy: another vncheck is writing to it.",
                            "wait until that run has finished, then run this command again.")
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in text or "not a database" in text:
        return _damaged(path, text)
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        return ArchiveError(E_ARCHIVE_LOCATION, f"Archive '{path}' cannot be opened for this ({_one_line(text)}).",
                            "check that the file and its folder exist and are writable, or pass --archive FILE elsewhere.")
    return ArchiveError(E_ARCHIVE_IO, f"Archive '{path}' could not be read or written ({_one_line(text)}).",
                        "check the disk (space, permissions) and run again.")


def _sqlite_errors(method):
    """Turn SQLite errors (and undecodable stored values) inside an ``Archive`` method into ``ArchiveError``."""

    @functools.wraps(method)
    def wrapper(self: "Archive", *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise _archive_error(self.path, exc) from None

    return wrapper


def _check_location(path: Path) -> None:
    """Refuse, before any work starts, an archive path that cannot be written.

    SQLite keeps its journal (``-wal``, ``-shm``) next to the file, so the folder itself must be
    writable, not only the file. A probe file tells more truly than permission bits (root,
    read-only mounts, ACLs).
    """
    folder = path.parent
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ArchiveError(E_ARCHIVE_LOCATION, f"Archive '{path}' cannot be created: '{existing}' is a file, not a folder.",
                           "pass --archive FILE in a folder.")
    fix = "pass --archive FILE in a writable folder."
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ArchiveError(E_ARCHIVE_LOCATION, f"Archive '{path}' cannot be created: folder '{folder}' cannot be made "
                           f"({exc.strerror or exc}).", fix) from None
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".probe")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ArchiveError(E_ARCHIVE_LOCATION, f"Archive '{path}' cannot be written: folder '{folder}' is read-only "
                           f"({exc.strerror or exc}).", fix) from None
    if path.exists():
        try:
            os.close(os.open(path, os.O_RDWR))
        except OSError as exc:
            raise ArchiveError(E_ARCHIVE_LOCATION, f"Archive '{path}' cannot be written ({exc.strerror or exc}).", fix) from None


def is_sqlite_file(path: str | Path) -> bool:
    """Whether ``path`` is a file that starts like an SQLite database (an archive, or another database).

    Example:
        >>> is_sqlite_file("README.md")
        False
    """
    try:
        with open(path, "rb") as fh:
            return fh.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC
    except OSError:
        return False


def _is_blank(path: Path) -> bool:
    return not path.exists() or path.stat().st_size == 0


def _read_header(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise ArchiveError(E_ARCHIVE_LOCATION, f"Archive '{path}' cannot be read ({exc.strerror or exc}).", "check its permissions.") from None


def _initialise(db: sqlite3.Connection) -> None:
    """Create the tables, the header mark and the version in one transaction."""
    db.execute("PRAGMA journal_mode = WAL")  # not allowed inside a transaction; stays set in the file
    db.execute("BEGIN IMMEDIATE")
    try:
        for statement in filter(str.strip, _SCHEMA.split(";")):
            db.execute(statement)
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute("INSERT OR REPLACE INTO vncheck_meta VALUES ('schema_version', ?), ('created', ?), ('document_ids', ?)",
                   (str(SCHEMA_VERSION), dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "stem@sha256(path)"))
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def _create_file(path: Path, timeout: float) -> None:
    """Create an empty archive at ``path`` atomically: built under a temporary name, then hard-linked.

    A process killed meanwhile leaves no file at ``path`` (at most a hidden temporary file);
    of two processes creating the same archive at once, the first link wins and the other
    uses that file. Where hard links are not supported the file is initialised in place (one
    transaction, so a blank file is left at worst, which the next ``index add`` initialises).
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".creating")
    os.close(fd)
    try:
        db = sqlite3.connect(tmp, timeout=timeout, isolation_level=None)
        try:
            _initialise(db)
        finally:
            db.close()
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        except OSError:
            db = sqlite3.connect(path, timeout=timeout, isolation_level=None)
            try:
                if not db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]:
                    _initialise(db)
            finally:
                db.close()
    finally:
        for leftover in (tmp, tmp + "-wal", tmp + "-shm"):
            try:
                os.unlink(leftover)
            except OSError:
                pass


class Archive:
    """An open archive file. Use ``Archive.open(path)``; close it with ``close()`` or a ``with`` block."""

    def __init__(self, path: Path, db: sqlite3.Connection, writable: bool = True) -> None:
        self.path = path
        self.db = db
        self.writable = writable

    # -- opening -----------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, create: bool = True, timeout: float | None = None) -> "Archive":
        """Open an archive file, for writing (creating it if needed) or for reading only.

        The file is checked on every open (``verify``).

        Args:
            path: the SQLite file.
            create: True (``index add``): open for writing; the file and its folder are created
                when missing, and a path that cannot be written is refused before any work.
                False (``index info``, ``check --against``): read only; a missing file is an error.
            timeout: seconds to wait for another writer's lock (default ``BUSY_TIMEOUT_S``).
        Returns:
            The open archive.

        Raises:
            InputError: (``ArchiveError``) the file is missing (and ``create`` is False), cannot
                be written (and ``create`` is True), is not a vncheck archive, is damaged, or was
                written by a newer vncheck (or, for writing, an older one).

        Example:
            >>> import tempfile, os
            >>> with Archive.open(os.path.join(tempfile.mkdtemp(), "a.sqlite")) as archive:
            ...     archive.info()["documents"]
            0
        """
        path = Path(path)
        timeout = BUSY_TIMEOUT_S if timeout is None else timeout
        if path.is_dir():
            raise ArchiveError(E_NOT_ARCHIVE, f"'{path}' is a folder, not an archive file.",
                               f"pass the archive's .sqlite file (make one from the folder with `vncheck index add {path} --archive FILE`).")
        if not create and not path.exists():
            raise ArchiveError(E_NO_ARCHIVE, f"No archive at '{path}'.", "create it with `vncheck index add PATH...` or pass --archive FILE.")
        if not _is_blank(path) and _read_header(path) != _SQLITE_MAGIC:
            raise ArchiveError(E_NOT_ARCHIVE, f"'{path}' is not a vncheck archive (not an SQLite file).",
                               "pass an archive made by `vncheck index add`, or a new file name.")
        try:
            if create:
                _check_location(path)
                if not path.exists():
                    _create_file(path, timeout)
                db = sqlite3.connect(path, timeout=timeout, isolation_level=None)  # no implicit transactions
            else:
                # Read only: a check never changes the archive, and a read-only file can be checked against.
                db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise _archive_error(path, exc) from None
        archive = cls(path, db, writable=create)
        try:
            archive._check_or_create()
        except BaseException:
            db.close()
            raise
        return archive

    @_sqlite_errors
    def _check_or_create(self) -> None:
        db = self.db
        app_id = db.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if app_id == 0 and not tables:
            # A blank file: made by hand, or by an older vncheck stopped while creating it.
            if not self.writable:
                raise ArchiveError(E_NO_ARCHIVE, f"'{self.path}' holds no archive yet (an empty file).",
                                   f"add documents with `vncheck index add PATH... --archive {self.path}`.")
            _initialise(db)
            logger.info("Created archive %s", self.path)
        elif app_id != APPLICATION_ID:
            raise ArchiveError(E_NOT_ARCHIVE, f"'{self.path}' is an SQLite file but not a vncheck archive.",
                               "pass an archive made by `vncheck index add`, or a new file name.")
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise ArchiveError(E_ARCHIVE_VERSION, f"'{self.path}' was written by a newer vncheck (archive schema {version}, this one reads {SCHEMA_VERSION}).",
                               "upgrade vncheck.")
        if self.writable and version < SCHEMA_VERSION:
            raise ArchiveError(E_ARCHIVE_OLD, f"'{self.path}' is an archive of schema {version} (document ids were file stems); "
                               f"this vncheck reads it but adds only to schema {SCHEMA_VERSION}.",
                               "rebuild it: `vncheck index add PATH... --archive NEW_FILE` (check --against still reads the old one).")
        self.verify()
        db.execute("PRAGMA foreign_keys = ON")

    @_sqlite_errors
    def schema_version(self) -> int:
        """The ``schema_version`` stored in the file.

        Raises:
            ArchiveError: the version (or the table holding it) is missing or garbled.
        """
        try:
            row = self.db.execute("SELECT value FROM vncheck_meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError as exc:
            raise _damaged(self.path, str(exc)) from None
        if row is None or not str(row[0]).isdecimal():
            raise _damaged(self.path, "no schema version")
        return int(row[0])

    @_sqlite_errors
    def verify(self) -> None:
        """Check that the file is a whole archive: tables, pages, references, vectors, slot keys.

        Linear in the file size (``PRAGMA quick_check`` reads every page once); run on every
        open and by ``index add`` before it reports success.

        Raises:
            ArchiveError: (``E114``) with the first problem found.

        Example:
            >>> import tempfile, os
            >>> with Archive.open(os.path.join(tempfile.mkdtemp(), "a.sqlite")) as archive:
            ...     archive.verify()
        """
        db = self.db
        # SQLite reads a missing tail of the last page as zeros, which quick_check may not notice.
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        size = self.path.stat().st_size
        wal = Path(f"{self.path}-wal")
        wal_pages = wal.exists() and wal.stat().st_size > 0  # then the file itself may hold fewer pages
        if size % page_size or (not wal_pages and size < pages * page_size):
            raise _damaged(self.path, f"the file is cut short: {size} bytes, not {pages} pages of {page_size} bytes")
        for table, columns in _COLUMNS.items():
            have = {r[1] for r in db.execute(f'PRAGMA table_info("{table}")')}
            if not have:
                raise _damaged(self.path, f"table '{table}' is missing")
            lacking = [c for c in columns if c not in have]
            if lacking:
                raise _damaged(self.path, f"table '{table}' lacks column '{lacking[0]}'")
        problems = [str(r[0]) for r in db.execute("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            raise _damaged(self.path, "; ".join(problems))
        orphan = db.execute("PRAGMA foreign_key_check").fetchone()
        if orphan is not None:
            raise _damaged(self.path, f"a row of '{orphan[0]}' refers to a missing row of '{orphan[2]}'")
        for query, message in _ROW_CHECKS:
            row = db.execute(query).fetchone()
            if row is not None:
                raise _damaged(self.path, message.format(*row))

    def close(self) -> None:
        """Close the file (uncommitted work is rolled back)."""
        self.db.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------------------

    @_sqlite_errors
    def pending(self, documents: Sequence[Document], embedder_name: str) -> list[Document]:
        """The documents that ``add_documents`` would have to store: new, changed, or without vectors of this model.

        Callers embed only these (an unchanged document costs nothing). Documents are matched
        by their file (``stored_path(doc.path)``), not by ``doc.id``.

        Args:
            documents: candidate documents.
            embedder_name: the embedding model whose vectors are stored.
        Returns:
            The subset to segment, embed and add, in input order.
        """
        stored = self._stored_by_path([stored_path(d.path) for d in documents])
        same = [stored[stored_path(d.path)][0] for d in documents
                if stored.get(stored_path(d.path), ("", ""))[1] == content_hash(d)]
        missing = self._docs_missing_vectors(same, embedder_name)
        return [d for d in documents
                if (hit := stored.get(stored_path(d.path))) is None or hit[1] != content_hash(d) or hit[0] in missing]

    @_sqlite_errors
    def stored_ids(self, paths: Sequence[str | Path]) -> dict[str, str]:
        """Archive ids of the documents stored from some files.

        Args:
            paths: file paths (relative ones are taken from the current folder).
        Returns:
            {path as given: archive id} for the paths the archive holds.
        """
        stored = self._stored_by_path([stored_path(p) for p in paths])
        return {str(p): stored[stored_path(p)][0] for p in paths if stored_path(p) in stored}

    @_sqlite_errors
    def add_documents(
        self,
        documents: Sequence[Document],
        claims: Sequence[Claim],
        vectors: np.ndarray,
        keys: Sequence[frozenset],
        embedder_name: str,
    ) -> AddResult:
        """Store documents with their claims, vectors and slot keys, in one transaction.

        Each document is stored under its archive id (``document_id`` of its path, or the id
        already stored for that file) and with its absolute path; its claims are renamed to
        match ("a:s3" becomes "a@f9f07878:s3"). A document whose text is unchanged is left as it
        is (only vectors of a model it has none of yet are added from ``claims``/``vectors``); a
        changed one is replaced.

        Args:
            documents: the documents (``id`` as the run gave it; claims refer to it).
            claims: claims of the new or changed documents (claims of unchanged ones are
                used only to add missing vectors).
            vectors: float32 matrix row-aligned with ``claims``.
            keys: slot keys row-aligned with ``claims`` (``checker.checks.keys.slot_keys``).
            embedder_name: name of the embedding model (``Embedder.name``).
        Returns:
            Which archive ids were added, unchanged and replaced.

        Raises:
            InputError: (``ArchiveError``) when ``claims``, ``vectors`` and ``keys`` do not line
                up, a claim belongs to none of ``documents``, two documents come from one file,
                or another writer holds the archive longer than the busy timeout. Nothing is
                written then.

        Example:
            >>> import tempfile, os
            >>> doc = Document("a", "/news/a.txt", "en", "The embargo was lifted.")
            >>> claim = Claim("a:s0", "a", "en", "The embargo was lifted.", 0, 23, 0)
            >>> with Archive.open(os.path.join(tempfile.mkdtemp(), "a.sqlite")) as archive:
            ...     first = archive.add_documents([doc], [claim], np.ones((1, 4)), [frozenset()], "fake.v1")
            ...     again = archive.add_documents([doc], [claim], np.ones((1, 4)), [frozenset()], "fake.v1")
            >>> first.added, again.unchanged
            (('a@f9f07878',), ('a@f9f07878',))
        """
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(keys) != len(claims) or vectors.shape[0] != len(claims):
            raise ArchiveError(E_ARCHIVE_DATA, f"{len(claims)} claims, {vectors.shape[0] if vectors.ndim else 0} vectors and {len(keys)} key sets do not line up.",
                               "pass one vector and one key set per claim.")
        doc_ids = {d.id for d in documents}
        stray = next((c.id for c in claims if c.doc_id not in doc_ids), None)
        if stray is not None:
            raise ArchiveError(E_ARCHIVE_DATA, f"Claim '{stray}' belongs to none of the documents added.", "pass each claim's document too.")
        paths = [stored_path(d.path) for d in documents]
        twice = next((p for n, p in enumerate(paths) if p in paths[:n]), None)
        if twice is not None:
            raise ArchiveError(E_ARCHIVE_DATA, f"Two documents come from one file '{twice}'.", "pass each file once.")
        rows_by_doc: dict[str, list[int]] = {}
        for row, claim in enumerate(claims):
            rows_by_doc.setdefault(claim.doc_id, []).append(row)
        added, unchanged, replaced = [], [], []
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        db = self.db
        # Take the write lock before reading what is stored: another writer may have added the
        # same documents since ``pending`` looked (reading first made concurrent runs collide).
        db.execute("BEGIN IMMEDIATE")
        try:
            stored = self._stored_by_path(paths)
            for doc, path in zip(documents, paths):
                digest = content_hash(doc)
                archive_id = stored[path][0] if path in stored else self._new_id(path)
                rows = rows_by_doc.get(doc.id, [])
                doc_claims = [_rekey(claims[r], doc.id, archive_id) for r in rows]
                if path in stored and stored[path][1] == digest:
                    unchanged.append(archive_id)
                    # Same text, maybe a new model: add its vectors to the stored claims (same ids and texts).
                    self._insert_vectors(doc_claims, vectors[rows], embedder_name, only_existing=True)
                    continue
                if path in stored:
                    db.execute("DELETE FROM documents WHERE id = ?", (archive_id,))  # claims, vectors, keys cascade
                    replaced.append(archive_id)
                else:
                    added.append(archive_id)
                db.execute(
                    "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (archive_id, path, digest, doc.lang, doc.title, doc.published.isoformat() if doc.published else None,
                     doc.encoding, doc.text, now),
                )
                db.executemany(
                    'INSERT INTO claims (id, doc, idx, text, start, "end", lang) VALUES (?, ?, ?, ?, ?, ?, ?)',
                    [(c.id, archive_id, c.index, c.text, c.start, c.end, c.lang) for c in doc_claims],
                )
                db.executemany("INSERT INTO slot_keys VALUES (?, ?)", [(c.id, _encode_keys(keys[r])) for c, r in zip(doc_claims, rows)])
                self._insert_vectors(doc_claims, vectors[rows], embedder_name)
            db.execute("COMMIT")
        except BaseException:  # KeyboardInterrupt too: the batch is all or nothing
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return AddResult(tuple(added), tuple(unchanged), tuple(replaced))

    def _new_id(self, path: str) -> str:
        """A free archive id for a file not stored yet (inside the write transaction)."""
        for digits in range(ID_HASH_DIGITS, 65, 4):
            candidate = document_id(path, digits)
            if self.db.execute("SELECT 1 FROM documents WHERE id = ?", (candidate,)).fetchone() is None:
                return candidate
        raise ArchiveError(E_ARCHIVE_DATA, f"No free id for '{path}'.", _REBUILD)  # only a damaged file gets here

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

    def _stored_by_path(self, paths: Sequence[str]) -> dict[str, tuple[str, str]]:
        """{stored path: (archive id, sha256)} of the stored documents among ``paths``."""
        return {p: (i, h) for p, i, h in self._select_in("SELECT path, id, sha256 FROM documents WHERE path IN ({})", list(paths))}

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

    @_sqlite_errors
    def load(self, embedder_name: str, exclude_docs: Sequence[str] = ()) -> ArchiveContents:
        """All claims with vectors of one embedding model, their documents and slot keys.

        Args:
            embedder_name: the model whose vectors are returned (``Embedder.name``).
            exclude_docs: document ids to leave out (e.g. newer versions being checked).
        Returns:
            Documents (``from_archive`` set), claims (by document id, then position), the
            float32 vector matrix and the slot keys, row-aligned.

        Raises:
            InputError: (``ArchiveError``) when stored vectors of the model have different
                lengths, or a stored value cannot be read back.

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
            raise _damaged(self.path, f"vectors of '{embedder_name}' have different lengths {sorted(dims)}")
        try:
            claims = tuple(Claim(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows)
            vectors = (np.frombuffer(b"".join(r[8] for r in rows), dtype=np.float32).reshape(len(rows), dims.pop())
                       if rows else np.zeros((0, 0), dtype=np.float32))
            keys = tuple(_decode_keys(r[9]) if r[9] else frozenset() for r in rows)
        except (ValueError, TypeError) as exc:  # JSONDecodeError is a ValueError
            raise _damaged(self.path, f"stored claims cannot be read back: {exc}") from None
        doc_ids = list(dict.fromkeys(c.doc_id for c in claims))
        return ArchiveContents(self.documents(doc_ids), claims, vectors, keys)

    @_sqlite_errors
    def documents(self, doc_ids: Sequence[str]) -> tuple[Document, ...]:
        """Stored documents by id, in the order given (unknown ids are left out), marked ``from_archive``."""
        rows = self._select_in("SELECT id, path, lang, text, title, published, encoding FROM documents WHERE id IN ({})", list(doc_ids))
        try:
            by_id = {
                r[0]: Document(r[0], r[1], r[2], r[3], r[4], dt.date.fromisoformat(r[5]) if r[5] else None, r[6], from_archive=True)
                for r in rows
            }
        except (ValueError, TypeError) as exc:
            raise _damaged(self.path, f"a stored document cannot be read back: {exc}") from None
        return tuple(by_id[i] for i in doc_ids if i in by_id)

    @_sqlite_errors
    def claims_of(self, doc_ids: Sequence[str]) -> tuple[Claim, ...]:
        """All stored claims of some documents (by document id, then position), with or without vectors."""
        rows = self._select_in('SELECT id, doc, lang, text, start, "end", idx FROM claims WHERE doc IN ({})', list(doc_ids))
        return tuple(sorted((Claim(*r) for r in rows), key=lambda c: (c.doc_id, c.index)))

    @_sqlite_errors
    def info(self) -> dict:
        """Counts for ``vncheck index info``.

        Returns:
            {"path", "schema_version", "documents", "claims", "models": {model: claims with vectors},
            "languages": {lang: documents}}.
        """
        db = self.db
        return {
            "path": str(self.path),
            "schema_version": self.schema_version(),
            "documents": db.execute("SELECT COUNT(*) FROM documents").fetchone()[0],
            "claims": db.execute("SELECT COUNT(*) FROM claims").fetchone()[0],
            "models": dict(db.execute("SELECT model, COUNT(*) FROM embeddings GROUP BY model ORDER BY model").fetchall()),
            "languages": dict(db.execute("SELECT lang, COUNT(*) FROM documents GROUP BY lang ORDER BY lang").fetchall()),
        }


def _rekey(claim: Claim, run_doc_id: str, archive_id: str) -> Claim:
    """The claim under its document's archive id ("a:s3" -> "a@f9f07878:s3")."""
    suffix = claim.id[len(run_doc_id):] if claim.id.startswith(run_doc_id + ":") else f":{claim.id}"
    return Claim(archive_id + suffix, archive_id, claim.lang, claim.text, claim.start, claim.end, claim.index)
