"""The SQLite archive: add, no-op re-add, replace, load, ids, transactions, concurrency, damaged files."""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from checker import archive as archive_module
from checker.archive import SCHEMA_VERSION, AddResult, Archive, ArchiveError, content_hash, document_id, stored_path
from checker.config import default_archive_path
from checker.errors import InputError
from checker.records import Claim, Document
from cli_inputs import run_sql


def _doc(doc_id: str, sentences: list[str], lang: str = "en", folder: str = "/news"):
    text = " ".join(sentences)
    doc = Document(doc_id, f"{folder}/{doc_id}.txt", lang, text, title=f"Title {doc_id}", published=dt.date(2024, 3, 12))  # type: ignore[arg-type]
    claims, pos = [], 0
    for i, s in enumerate(sentences):
        start = text.index(s, pos)
        claims.append(Claim(f"{doc_id}:s{i}", doc_id, lang, s, start, start + len(s), i))  # type: ignore[arg-type]
        pos = start + len(s)
    return doc, claims


def _vectors(claims, dim: int = 4, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((len(claims), dim)).astype(np.float32)


def _keys(claims):
    return [frozenset({("status", "embargo", "USA")}) if "embargo" in c.text else frozenset() for c in claims]


def _add(archive: Archive, docs_claims, model: str = "fake.v1", seed: int = 0) -> AddResult:
    docs = [d for d, _ in docs_claims]
    claims = [c for _, cs in docs_claims for c in cs]
    return archive.add_documents(docs, claims, _vectors(claims, seed=seed), _keys(claims), model)


def _archived(doc_claims):
    """The document and claims as the archive gives them back: archive id, absolute path, marked."""
    doc, claims = doc_claims
    new_id = document_id(doc.path)
    stored = dataclasses.replace(doc, id=new_id, path=stored_path(doc.path), from_archive=True)
    return stored, [dataclasses.replace(c, id=f"{new_id}:s{c.index}", doc_id=new_id) for c in claims]


A = _doc("a", ["The US lifted the embargo in 2016.", "Trade grew by 10 percent."])
B = _doc("b", ["Das Embargo wurde 2019 aufgehoben.", "Der Handel wuchs."], "de")
A_ID, B_ID = document_id(A[0].path), document_id(B[0].path)


def _filled(path: Path, documents: int = 12) -> Path:
    """An archive of several pages (long texts, 384-dimensional vectors), closed."""
    docs, claims = [], []
    for i in range(documents):
        sentences = [f"Sentence {j} of report {i} says the budget rose by {j} percent." for j in range(40)]
        doc, doc_claims = _doc(f"r{i}", sentences)
        docs.append(doc)
        claims += doc_claims[:10]
    with Archive.open(path) as archive:
        archive.add_documents(docs, claims, np.ones((len(claims), 384), np.float32),
                              [frozenset({("count", "budget", "city")})] * len(claims), "fake.v1")
    return path


# -- adding, re-adding, replacing ---------------------------------------------------------------


def test_archive_add_then_load_round_trips(tmp_path):
    with Archive.open(tmp_path / "a.sqlite") as archive:
        claims = A[1] + B[1]
        vectors = _vectors(claims)
        result = archive.add_documents([A[0], B[0]], claims, vectors, _keys(claims), "fake.v1")
        loaded = archive.load("fake.v1")
    assert result == AddResult(added=(A_ID, B_ID))
    (a_doc, a_claims), (b_doc, b_claims) = _archived(A), _archived(B)
    assert loaded.documents == (a_doc, b_doc)
    assert all(d.from_archive for d in loaded.documents)
    assert loaded.claims == tuple(a_claims + b_claims)
    assert np.array_equal(loaded.vectors, vectors)
    assert loaded.keys == tuple(_keys(claims))


def test_archive_readding_unchanged_document_is_a_noop(tmp_path):
    path = tmp_path / "a.sqlite"
    with Archive.open(path) as archive:
        _add(archive, [A, B])
        before = archive.db.execute("SELECT id, added, sha256 FROM documents ORDER BY id").fetchall()
        assert archive.pending([A[0], B[0]], "fake.v1") == []
        result = _add(archive, [A, B], seed=1)
        after = archive.db.execute("SELECT id, added, sha256 FROM documents ORDER BY id").fetchall()
        loaded = archive.load("fake.v1")
    assert result == AddResult(unchanged=(A_ID, B_ID))
    assert before == after
    assert np.array_equal(loaded.vectors, _vectors(A[1] + B[1], seed=0)), "vectors were not overwritten"


def test_archive_changed_document_replaces_its_claims(tmp_path):
    changed = _doc("a", ["The US lifted the embargo in 2014.", "Trade grew.", "Exports fell."])
    with Archive.open(tmp_path / "a.sqlite") as archive:
        _add(archive, [A, B])
        assert archive.pending([changed[0], B[0]], "fake.v1") == [changed[0]]
        result = _add(archive, [changed])
        loaded = archive.load("fake.v1")
        orphans = archive.db.execute("SELECT COUNT(*) FROM embeddings WHERE claim NOT IN (SELECT id FROM claims)").fetchone()[0]
    assert result == AddResult(replaced=(A_ID,))
    assert [c.text for c in loaded.claims if c.doc_id == A_ID] == [c.text for c in changed[1]]
    assert len(loaded.claims) == len(changed[1]) + len(B[1]) and orphans == 0


def test_archive_unchanged_document_gets_vectors_of_a_new_model(tmp_path):
    with Archive.open(tmp_path / "a.sqlite") as archive:
        _add(archive, [A])
        assert archive.pending([A[0]], "other.v1") == [A[0]]
        result = _add(archive, [A], model="other.v1")
        assert result == AddResult(unchanged=(A_ID,))
        assert archive.pending([A[0]], "other.v1") == []
        assert len(archive.load("other.v1").claims) == 2
        assert archive.info()["models"] == {"fake.v1": 2, "other.v1": 2}


# -- document ids and paths ---------------------------------------------------------------------


def test_archive_same_stem_from_another_folder_is_another_document(tmp_path):
    other = _doc("a", ["A different article.", "It has the same file name."], folder="/elsewhere")
    with Archive.open(tmp_path / "a.sqlite") as archive:
        _add(archive, [A])
        assert archive.pending([other[0]], "fake.v1") == [other[0]]
        result = _add(archive, [other])
        info = archive.info()
        paths = [r[0] for r in archive.db.execute("SELECT path FROM documents ORDER BY path")]
    other_id = document_id("/elsewhere/a.txt")
    assert result == AddResult(added=(other_id,)), "the other folder's a.txt replaced the archived one"
    assert other_id != A_ID and other_id.startswith("a@") and A_ID.startswith("a@")
    assert (info["documents"], info["claims"]) == (2, 4)
    assert paths == ["/elsewhere/a.txt", "/news/a.txt"]


def test_archive_ids_are_readable_and_stable(tmp_path, monkeypatch):
    (tmp_path / "news").mkdir()
    monkeypatch.chdir(tmp_path)
    # The same file named three ways (relative, absolute, through ..) is one document with one id.
    names = ["news/a.txt", str(tmp_path / "news" / "a.txt"), "news/../news/a.txt"]
    ids = {document_id(n) for n in names}
    assert len(ids) == 1
    (only,) = ids
    assert only.split("@")[0] == "a" and len(only.split("@")[1]) == 8
    assert document_id("x/a.txt") != only


def test_archive_stores_absolute_paths_and_matches_files_not_run_ids(tmp_path, monkeypatch):
    (tmp_path / "news").mkdir()
    monkeypatch.chdir(tmp_path)
    relative = _doc("a", ["The US lifted the embargo in 2016."], folder="news")
    archive_path = tmp_path / "a.sqlite"
    with Archive.open(archive_path) as archive:
        _add(archive, [relative])
        stored = archive.db.execute("SELECT path FROM documents").fetchone()[0]
    assert stored == str(tmp_path / "news" / "a.txt")
    # Another run, from another folder, where the file got the run id "a-2" (a name clash in that run).
    monkeypatch.chdir(tmp_path / "news")
    renamed = _doc("a-2", ["The US lifted the embargo in 2016."], folder=str(tmp_path / "news"))
    renamed = (dataclasses.replace(renamed[0], path=str(tmp_path / "news" / "a.txt")), renamed[1])
    with Archive.open(archive_path) as archive:
        assert archive.pending([renamed[0]], "fake.v1") == []
        assert _add(archive, [renamed]) == AddResult(unchanged=(document_id(tmp_path / "news" / "a.txt"),))
        assert archive.stored_ids(["a.txt"]) == {"a.txt": document_id(tmp_path / "news" / "a.txt")}


def test_archive_hash_collision_of_two_paths_lengthens_the_newer_id(tmp_path, monkeypatch):
    with Archive.open(tmp_path / "a.sqlite") as archive:
        _add(archive, [A])
        # Pretend /other/a.txt hashes to the same 8 digits as /news/a.txt.
        real = archive_module.document_id
        monkeypatch.setattr(archive_module, "document_id", lambda path, digits=8: A_ID if digits == 8 else real(path, digits))
        result = _add(archive, [_doc("a", ["Another text."], folder="/other")])
        assert result.added == (real("/other/a.txt", 12),)
        assert archive.info()["documents"] == 2


def test_archive_refuses_two_documents_from_one_file(tmp_path):
    twin = (dataclasses.replace(B[0], path=A[0].path), B[1])
    with Archive.open(tmp_path / "a.sqlite") as archive:
        with pytest.raises(InputError, match=r"\[E113\].*one file"):
            _add(archive, [A, twin])
        assert archive.info()["documents"] == 0


# -- transactions, crashes, concurrent writers --------------------------------------------------


def test_archive_failed_batch_rolls_back(tmp_path, monkeypatch):
    path = tmp_path / "a.sqlite"
    with Archive.open(path) as archive:
        _add(archive, [A])
    calls = []

    def failing(keys):
        calls.append(keys)
        if len(calls) > 1:
            raise RuntimeError("disk on fire")
        return "[]"

    monkeypatch.setattr(archive_module, "_encode_keys", failing)
    changed = _doc("a", ["Changed text."])
    with Archive.open(path) as archive:
        with pytest.raises(RuntimeError):
            _add(archive, [changed, B])  # 'a' replaced, then 'b' fails: neither may be visible
    monkeypatch.undo()
    with Archive.open(path) as archive:
        info = archive.info()
        texts = [c.text for c in archive.load("fake.v1").claims]
    assert (info["documents"], info["claims"]) == (1, 2)
    assert texts == [c.text for c in A[1]]


def test_archive_stays_consistent_after_a_crash_mid_add(tmp_path):
    path = tmp_path / "a.sqlite"
    with Archive.open(path) as archive:
        _add(archive, [A])
    # A child process dies (no cleanup at all) in the middle of its transaction.
    script = textwrap.dedent(f"""
        import os, numpy as np
        from checker import archive as m
        from checker.records import Claim, Document
        calls = []
        def crash(keys):
            calls.append(1)
            if len(calls) == 3:
                os._exit(9)
            return "[]"
        m._encode_keys = crash
        docs = [Document(f"n{{i}}", f"n{{i}}.txt", "en", f"Text {{i}}.") for i in range(5)]
        claims = [Claim(f"n{{i}}:s0", f"n{{i}}", "en", f"Text {{i}}.", 0, 7, 0) for i in range(5)]
        with m.Archive.open({str(path)!r}) as a:
            a.add_documents(docs, claims, np.ones((5, 4), np.float32), [frozenset()] * 5, "fake.v1")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 9, done.stderr
    with Archive.open(path) as archive:
        info = archive.info()
        assert archive.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert archive.db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert (info["documents"], info["claims"]) == (1, 2)


def test_archive_writer_that_commits_between_pending_and_add_does_not_collide(tmp_path):
    """Two writers add the same document: the second must see the first's commit, not an IntegrityError.

    The first writer commits exactly when the second starts its transaction (a trace
    callback), i.e. after anything the second read before taking the lock.
    """
    path = tmp_path / "a.sqlite"
    with Archive.open(path) as first, Archive.open(path) as second:
        assert second.pending([A[0]], "fake.v1") == [A[0]]
        fired = []

        def other_writer_commits(sql: str) -> None:
            if sql.startswith("BEGIN IMMEDIATE") and not fired:
                fired.append(sql)
                _add(first, [A])

        second.db.set_trace_callback(other_writer_commits)
        result = _add(second, [A])
        second.db.set_trace_callback(None)
        info = second.info()
    assert fired
    assert result == AddResult(unchanged=(A_ID,))
    assert info["documents"] == 1


def test_archive_writer_gets_a_one_line_busy_error_when_the_lock_is_held(tmp_path):
    path = tmp_path / "a.sqlite"
    Archive.open(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer in the middle of a batch
    try:
        with Archive.open(path, timeout=0.05) as archive:
            assert archive.info()["documents"] == 0  # readers are not blocked
            with pytest.raises(InputError, match=r"\[E115\].*is busy") as caught:
                _add(archive, [A])
            assert "\n" not in str(caught.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Archive.open(path) as archive:
        assert _add(archive, [A]) == AddResult(added=(A_ID,))


def test_archive_creation_is_atomic_and_leaves_nothing_behind(tmp_path):
    path = tmp_path / "sub" / "a.sqlite"
    with Archive.open(path) as archive:
        assert archive.info()["schema_version"] == SCHEMA_VERSION
    assert sorted(p.name for p in path.parent.iterdir()) == ["a.sqlite"]


def test_archive_blank_file_is_initialised_for_writing_and_reported_for_reading(tmp_path):
    path = tmp_path / "a.sqlite"
    path.touch()  # what an older vncheck left when stopped while creating the file
    with pytest.raises(InputError, match=r"\[E111\].*holds no archive yet"):
        Archive.open(path, create=False)
    with Archive.open(path) as archive:
        assert archive.info()["documents"] == 0
    with Archive.open(path, create=False) as archive:
        assert archive.info()["schema_version"] == SCHEMA_VERSION


# -- files that are not (whole) archives --------------------------------------------------------


def test_archive_refuses_a_file_that_is_not_an_archive(tmp_path):
    text = tmp_path / "notes.sqlite"
    text.write_text("just some notes, not a database " * 40, encoding="utf-8")
    with pytest.raises(InputError, match=r"\[E110\].*not a vncheck archive"):
        Archive.open(text)
    other = tmp_path / "other.sqlite"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    with pytest.raises(InputError, match=r"\[E110\].*SQLite file but not a vncheck archive"):
        Archive.open(other)


def _zero_page(path: Path, page: int) -> None:
    with open(path, "r+b") as fh:
        fh.seek(page * 4096)
        fh.write(b"\x00" * 4096)


def _garble_page(path: Path, page: int) -> None:
    with open(path, "r+b") as fh:
        fh.seek(page * 4096)
        fh.write(bytes(range(256)) * 16)


#: What SQLite or the size check says about damaged or missing pages.
PAGES = "malformed|[Pp]age|cut short|not a database"

DAMAGE = {
    "zeroed page": (lambda p: _zero_page(p, 5), PAGES),
    "garbled page": (lambda p: _garble_page(p, 20), PAGES),
    "garbled last page": (lambda p: _garble_page(p, p.stat().st_size // 4096 - 1), PAGES),
    "cut in half": (lambda p: os.truncate(p, p.stat().st_size // 2), PAGES),
    "cut at a page boundary": (lambda p: os.truncate(p, (p.stat().st_size // 4096 - 3) * 4096), PAGES),
    "tail of last page lost": (lambda p: os.truncate(p, p.stat().st_size - 100), "cut short"),
    "header only": (lambda p: os.truncate(p, 60), PAGES),
    "short vector blob": (run_sql("UPDATE embeddings SET vector = substr(vector, 1, 10) WHERE rowid = 3"), "vector of claim"),
    "slot keys not JSON": (run_sql("UPDATE slot_keys SET keys = '[[\"count\", ' WHERE rowid = 2"), "slot keys"),
    "slot keys not a list": (run_sql("UPDATE slot_keys SET keys = '{\"a\": 1}' WHERE rowid = 2"), "slot keys"),
    "slot keys not lists of words": (run_sql("UPDATE slot_keys SET keys = '[1, 2]' WHERE rowid = 2"), "slot keys"),
    "dropped table": (run_sql("DROP TABLE slot_keys"), "table 'slot_keys' is missing"),
    "dropped meta table": (run_sql("DROP TABLE vncheck_meta"), "vncheck_meta"),
    "dropped column": (run_sql("ALTER TABLE documents DROP COLUMN title"), "lacks column 'title'"),
    "claims without document": (run_sql("PRAGMA foreign_keys = OFF; DELETE FROM documents WHERE rowid = 1"), "missing row"),
    "bad publication date": (run_sql("UPDATE documents SET published = 'yesterday' WHERE rowid = 1"), "publication date"),
    "bad claim position": (run_sql("UPDATE claims SET start = 'abc' WHERE rowid = 1"), "position"),
}


@pytest.fixture(scope="module")
def filled_archive(tmp_path_factory) -> Path:
    return _filled(tmp_path_factory.mktemp("filled") / "a.sqlite")


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_archive_damaged_file_is_a_one_line_error_for_reading_and_writing(kind, filled_archive, tmp_path):
    damage, detail = DAMAGE[kind]
    path = tmp_path / "a.sqlite"
    shutil.copy(filled_archive, path)
    damage(path)
    for create in (False, True):
        with pytest.raises(ArchiveError, match=r"^\[E114\] Archive .* is damaged \(.*(" + detail + ")") as caught:
            with Archive.open(path, create=create) as archive:
                archive.load("fake.v1")
        assert "\n" not in str(caught.value)


def test_archive_undamaged_copy_opens(filled_archive, tmp_path):
    path = tmp_path / "a.sqlite"
    shutil.copy(filled_archive, path)
    with Archive.open(path, create=False) as archive:
        assert len(archive.load("fake.v1").claims) == 120


def test_archive_values_that_slip_past_the_checks_are_still_an_archive_error(tmp_path, monkeypatch):
    path = _filled(tmp_path / "a.sqlite", documents=2)
    run_sql("UPDATE slot_keys SET keys = '[[1]]' WHERE rowid = 1")(path)
    monkeypatch.setattr(Archive, "verify", lambda self: None)  # as if the check had missed it
    with Archive.open(path, create=False) as archive:
        with pytest.raises(ArchiveError, match=r"\[E114\].*cannot be read back"):
            archive.load("fake.v1")


def test_archive_sqlite_errors_after_opening_are_archive_errors(tmp_path):
    path = _filled(tmp_path / "a.sqlite", documents=2)
    with Archive.open(path, create=False) as archive:
        run_sql("DROP TABLE slot_keys")(path)  # damaged while open
        with pytest.raises(ArchiveError, match=r"\[E11[48]\]"):
            archive.load("fake.v1")


# -- where the archive lives --------------------------------------------------------------------


def test_archive_under_a_file_is_refused_before_anything_is_written(tmp_path):
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    for path in (tmp_path / "notes.txt" / "a.sqlite", tmp_path / "notes.txt" / "deeper" / "a.sqlite"):
        with pytest.raises(ArchiveError, match=r"^\[E116\].*'.*notes.txt' is a file, not a folder") as caught:
            Archive.open(path)
        assert "\n" not in str(caught.value)


def _can_write(folder: Path) -> bool:
    try:
        (folder / ".probe").touch()
        (folder / ".probe").unlink()
        return True
    except OSError:
        return False


def test_archive_in_a_read_only_folder_is_refused(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if _can_write(folder):  # root ignores permission bits; /sys is read-only for root too
            folder = Path("/sys")
            if not folder.is_dir() or _can_write(folder):
                pytest.skip("no read-only folder available")
        with pytest.raises(ArchiveError, match=r"^\[E116\].*read-only") as caught:
            Archive.open(folder / "archive.sqlite")
        assert "\n" not in str(caught.value)
        assert not (folder / "archive.sqlite").exists()
    finally:
        (tmp_path / "ro").chmod(0o755)


def test_archive_missing_file_is_an_error_when_reading(tmp_path):
    with pytest.raises(InputError, match=r"\[E111\]"):
        Archive.open(tmp_path / "nope.sqlite", create=False)
    assert not (tmp_path / "nope.sqlite").exists()


def test_archive_read_only_open_never_writes(tmp_path):
    path = _filled(tmp_path / "a.sqlite", documents=2)
    with Archive.open(path, create=False) as archive:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            archive.db.execute("DELETE FROM documents")


# -- versions -----------------------------------------------------------------------------------


def _set_version(path: Path, version: int) -> None:
    db = sqlite3.connect(path)
    db.execute("UPDATE vncheck_meta SET value = ? WHERE key = 'schema_version'", (str(version),))
    db.commit()
    db.close()


def test_archive_refuses_a_newer_schema(tmp_path):
    path = tmp_path / "a.sqlite"
    Archive.open(path).close()
    _set_version(path, SCHEMA_VERSION + 1)
    with pytest.raises(InputError, match=r"\[E112\].*newer vncheck"):
        Archive.open(path)


def test_archive_of_schema_1_is_read_but_not_written(tmp_path):
    path = tmp_path / "a.sqlite"
    with Archive.open(path) as archive:
        _add(archive, [A])
    _set_version(path, 1)
    with Archive.open(path, create=False) as archive:
        assert len(archive.load("fake.v1").claims) == 2
    with pytest.raises(InputError, match=r"\[E117\].*schema 1.*rebuild"):
        Archive.open(path)


# -- input checks and small helpers -------------------------------------------------------------


def test_archive_misaligned_input_is_an_input_error_and_writes_nothing(tmp_path):
    with Archive.open(tmp_path / "a.sqlite") as archive:
        with pytest.raises(InputError, match=r"\[E113\]"):
            archive.add_documents([A[0]], A[1], np.ones((1, 4)), _keys(A[1]), "fake.v1")
        with pytest.raises(InputError, match=r"\[E113\].*belongs to none"):
            archive.add_documents([B[0]], A[1], np.ones((2, 4)), _keys(A[1]), "fake.v1")
        assert archive.info()["documents"] == 0


def test_archive_load_leaves_out_excluded_documents_and_other_models(tmp_path):
    with Archive.open(tmp_path / "a.sqlite") as archive:
        _add(archive, [A, B])
        assert [d.id for d in archive.load("fake.v1", exclude_docs=[A_ID]).documents] == [B_ID]
        assert archive.load("missing.v1").claims == ()


def test_archive_hash_is_of_the_text():
    assert content_hash(A[0]) == content_hash(Document("a", "/elsewhere/a.txt", "en", A[0].text))


def test_archive_default_path_honours_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("VNCHECK_ARCHIVE", str(tmp_path / "x.sqlite"))
    assert default_archive_path() == tmp_path / "x.sqlite"
    monkeypatch.delenv("VNCHECK_ARCHIVE")
    assert default_archive_path().name == "archive.sqlite"
