"""The SQLite archive: add, no-op re-add, replace, load, transactions, refusing foreign files."""
from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from checker import archive as archive_module
from checker.archive import SCHEMA_VERSION, AddResult, Archive, content_hash
from checker.config import default_archive_path
from checker.errors import InputError
from checker.records import Claim, Document


def _doc(doc_id: str, sentences: list[str], lang: str = "en"):
    text = " ".join(sentences)
    doc = Document(doc_id, f"/news/{doc_id}.txt", lang, text, title=f"Title {doc_id}", published=dt.date(2024, 3, 12))  # type: ignore[arg-type]
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


A = _doc("a", ["The US lifted the embargo in 2016.", "Trade grew by 10 percent."])
B = _doc("b", ["Das Embargo wurde 2019 aufgehoben.", "Der Handel wuchs."], "de")


def test_archive_add_then_load_round_trips(tmp_path):
    with Archive.open(tmp_path / "a.sqlite") as archive:
        claims = A[1] + B[1]
        vectors = _vectors(claims)
        result = archive.add_documents([A[0], B[0]], claims, vectors, _keys(claims), "fake.v1")
        loaded = archive.load("fake.v1")
    assert result == AddResult(added=("a", "b"))
    assert loaded.documents == (A[0], B[0])
    assert loaded.claims == tuple(claims)
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
    assert result == AddResult(unchanged=("a", "b"))
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
    assert result == AddResult(replaced=("a",))
    assert [c.text for c in loaded.claims if c.doc_id == "a"] == [c.text for c in changed[1]]
    assert len(loaded.claims) == len(changed[1]) + len(B[1]) and orphans == 0


def test_archive_unchanged_document_gets_vectors_of_a_new_model(tmp_path):
    with Archive.open(tmp_path / "a.sqlite") as archive:
        _add(archive, [A])
        assert archive.pending([A[0]], "other.v1") == [A[0]]
        result = _add(archive, [A], model="other.v1")
        assert result == AddResult(unchanged=("a",))
        assert archive.pending([A[0]], "other.v1") == []
        assert len(archive.load("other.v1").claims) == 2
        assert archive.info()["models"] == {"fake.v1": 2, "other.v1": 2}


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


def test_archive_missing_file_is_an_error_when_reading(tmp_path):
    with pytest.raises(InputError, match=r"\[E111\]"):
        Archive.open(tmp_path / "nope.sqlite", create=False)
    assert not (tmp_path / "nope.sqlite").exists()


def test_archive_refuses_a_newer_schema(tmp_path):
    path = tmp_path / "a.sqlite"
    Archive.open(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE vncheck_meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    db.commit()
    db.close()
    with pytest.raises(InputError, match=r"\[E112\].*newer vncheck"):
        Archive.open(path)


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
        assert [d.id for d in archive.load("fake.v1", exclude_docs=["a"]).documents] == ["b"]
        assert archive.load("missing.v1").claims == ()


def test_archive_hash_is_of_the_text():
    assert content_hash(A[0]) == content_hash(Document("a", "/elsewhere/a.txt", "en", A[0].text))


def test_archive_default_path_honours_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("VNCHECK_ARCHIVE", str(tmp_path / "x.sqlite"))
    assert default_archive_path() == tmp_path / "x.sqlite"
    monkeypatch.delenv("VNCHECK_ARCHIVE")
    assert default_archive_path().name == "archive.sqlite"
