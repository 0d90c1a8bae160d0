"""`vncheck index add`, `vncheck index info` and `vncheck check --against`, with the fake backends.

Also what a newsroom's archive has to survive: `index add` killed with SIGKILL at any moment,
several `index add` runs at once, damaged files, and unwritable places.
"""
from __future__ import annotations

import json
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker import archive as archive_module
from checker.archive import document_id
from checker.cli import main
from cli_inputs import EN_A, EN_B, FAKE, run_sql

INDEX = ["--embedder", "fake.v1", "--no-cache"]
REPO = Path(__file__).resolve().parent.parent

EN_OTHER = ("The river Danube in Passau rose to nearly ten metres during the flood at the weekend, officials said. "
            "Residents of the old town were asked to clear their cellars before the water arrived.")


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def folders(tmp_path):
    archive_docs = tmp_path / "archive_docs"
    new_docs = tmp_path / "new_docs"
    archive_docs.mkdir()
    new_docs.mkdir()
    (archive_docs / "a.txt").write_text(EN_A, encoding="utf-8")
    (archive_docs / "flood.txt").write_text(EN_OTHER, encoding="utf-8")
    (new_docs / "b.txt").write_text(EN_B, encoding="utf-8")
    return archive_docs, new_docs, tmp_path / "archive.sqlite"


def _index(runner, paths, archive, **kwargs):
    return runner.invoke(main, ["index", "add", *map(str, paths), "--archive", str(archive), *INDEX], **kwargs)


def _info(runner, archive) -> dict:
    result = runner.invoke(main, ["index", "info", "--archive", str(archive), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _counts(stdout: str) -> tuple[int, int, int]:
    m = re.search(r"(\d+) added, (\d+) unchanged, (\d+) replaced", stdout)
    assert m, stdout
    return int(m[1]), int(m[2]), int(m[3])


def _one_line_error(result, code: str) -> None:
    """A user error: exit 2, one line naming the code, no traceback."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, (AssertionError, TypeError, ValueError))
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and f"[{code}]" in lines[0], result.output


# -- adding, info, check --against ----------------------------------------------------------------


def test_cli_archive_index_add_counts_added_unchanged_and_replaced(runner, folders):
    archive_docs, _, archive = folders
    first = _index(runner, [archive_docs], archive)
    assert first.exit_code == 0, first.output
    assert "2 added, 0 unchanged, 0 replaced" in first.stdout
    again = _index(runner, [archive_docs], archive)
    assert "0 added, 2 unchanged, 0 replaced" in again.stdout
    (archive_docs / "a.txt").write_text(EN_A + " The vote was close.", encoding="utf-8")
    changed = _index(runner, [archive_docs], archive)
    assert "0 added, 1 unchanged, 1 replaced" in changed.stdout


def test_cli_archive_same_stem_from_another_folder_is_added_not_replaced(runner, tmp_path):
    first, second = tmp_path / "2023", tmp_path / "2024"
    first.mkdir()
    second.mkdir()
    (first / "a.txt").write_text(EN_A, encoding="utf-8")
    (second / "a.txt").write_text(EN_OTHER, encoding="utf-8")
    archive = tmp_path / "archive.sqlite"
    assert "1 added, 0 unchanged, 0 replaced" in _index(runner, [first], archive).stdout
    result = _index(runner, [second], archive)
    assert "1 added, 0 unchanged, 0 replaced" in result.stdout, "2024/a.txt replaced 2023/a.txt"
    assert _info(runner, archive)["documents"] == 2
    # Both folders in one run (the run calls them "a" and "a-2"), in either order: the same two documents.
    assert "0 added, 2 unchanged, 0 replaced" in _index(runner, [second, first], archive).stdout
    with sqlite3.connect(archive) as db:
        rows = sorted(db.execute("SELECT id, path FROM documents"))
    assert rows == sorted([(document_id(first / "a.txt"), str(first / "a.txt")), (document_id(second / "a.txt"), str(second / "a.txt"))])
    assert all(re.fullmatch(r"a@[0-9a-f]{8}", i) for i, _ in rows)


def test_cli_archive_paths_are_stored_absolute_whatever_folder_index_add_runs_in(runner, tmp_path, monkeypatch):
    docs = tmp_path / "news"
    docs.mkdir()
    (docs / "a.txt").write_text(EN_A, encoding="utf-8")
    archive = tmp_path / "archive.sqlite"
    monkeypatch.chdir(tmp_path)
    assert _index(runner, ["news"], archive).exit_code == 0
    monkeypatch.chdir(docs)
    assert "0 added, 1 unchanged, 0 replaced" in _index(runner, ["a.txt"], archive).stdout
    with sqlite3.connect(archive) as db:
        assert [r[0] for r in db.execute("SELECT path FROM documents")] == [str(docs / "a.txt")]


def test_cli_archive_index_info_shows_documents_claims_and_models(runner, folders):
    archive_docs, _, archive = folders
    _index(runner, [archive_docs], archive)
    text = runner.invoke(main, ["index", "info", "--archive", str(archive)])
    assert text.exit_code == 0, text.output
    assert "documents  2 (en 2)" in text.stdout and "fake.v1 (4 claims)" in text.stdout
    data = _info(runner, archive)
    assert (data["documents"], data["claims"], data["models"]) == (2, 4, {"fake.v1": 4})


def test_cli_archive_index_info_without_archive_exits_2(runner, tmp_path):
    result = runner.invoke(main, ["index", "info", "--archive", str(tmp_path / "missing.sqlite")])
    assert result.exit_code == 2 and "[E111]" in result.output


def test_cli_archive_check_against_finds_contradiction_with_archived_document(runner, folders):
    archive_docs, new_docs, archive = folders
    _index(runner, [archive_docs], archive)
    result = runner.invoke(main, ["check", str(new_docs), "--against", str(archive), "--format", "json", "--out", "-", *FAKE])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    archived_a = document_id(archive_docs / "a.txt")
    # New document first, then only the archive documents that appear in findings.
    assert [d["id"] for d in data["documents"]] == ["b", archived_a]
    contradiction = next(f for f in data["findings"] if f["kind"] == "contradiction")
    assert (contradiction["a_doc"], contradiction["b_doc"]) == ("b", archived_a)
    assert {c["doc"] for c in data["claims"]} == {archived_a, "b"}
    assert data["summary"]["meta"]["archive_documents"] == "2"


def test_cli_archive_report_marks_documents_from_the_archive(runner, folders):
    archive_docs, new_docs, archive = folders
    _index(runner, [archive_docs], archive)
    base = ["check", str(new_docs), "--against", str(archive), "--out", "-", *FAKE]
    data = json.loads(runner.invoke(main, [*base, "--format", "json"]).stdout)
    marks = {d["id"]: d.get("from_archive") for d in data["documents"]}
    assert marks == {"b": None, document_id(archive_docs / "a.txt"): True}, "only archived documents carry the key"
    assert next(d for d in data["documents"] if d["id"] != "b")["path"] == str(archive_docs / "a.txt")
    markdown = runner.invoke(main, [*base, "--format", "markdown"]).stdout
    archived_rows = [line for line in markdown.splitlines() if line.startswith("| [a@")]
    assert archived_rows and all("_(archive)_" in line for line in archived_rows)
    assert not any("_(archive)_" in line for line in markdown.splitlines() if line.startswith("| [b]"))
    terminal = runner.invoke(main, [*base, "--format", "rich"]).stdout
    # "b" is the new document; an archive id such as "a@5fcdbfbb" may itself end in "b".
    assert re.search(r"a@[0-9a-f]{8} \(archive\)", terminal) and not re.search(r"(?<![0-9a-f@])b \(archive\)", terminal)
    html = runner.invoke(main, [*base, "--format", "html"]).stdout
    assert 'class="lang archived"' in html


def test_cli_archive_check_against_default_archive_from_environment(runner, folders):
    archive_docs, new_docs, archive = folders
    env = {"VNCHECK_ARCHIVE": str(archive)}
    runner.invoke(main, ["index", "add", str(archive_docs), *INDEX], env=env)
    result = runner.invoke(main, ["check", str(new_docs), "--format", "json", "--out", "-", *FAKE, "--against"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["counts"]["contradictions"] >= 1


def test_cli_archive_check_against_a_folder_alone_checks_that_folder_against_the_default_archive(runner, folders):
    archive_docs, new_docs, archive = folders
    env = {"VNCHECK_ARCHIVE": str(archive)}
    runner.invoke(main, ["index", "add", str(archive_docs), *INDEX], env=env)
    result = runner.invoke(main, ["check", "--against", str(new_docs), "--format", "json", "--out", "-", *FAKE], env=env)
    assert result.exit_code == 0, result.output
    assert "--against takes an archive file" in result.stderr and str(archive) in result.stderr
    data = json.loads(result.stdout)
    assert data["documents"][0]["id"] == "b" and data["summary"]["meta"]["archive"] == str(archive)


def test_cli_archive_check_against_a_folder_with_paths_is_a_one_line_error(runner, folders):
    archive_docs, new_docs, _ = folders
    result = runner.invoke(main, ["check", str(new_docs), "--against", str(archive_docs), *FAKE])
    _one_line_error(result, "E110")
    assert "is a folder" in result.output and "index add" in result.output


def test_cli_archive_check_against_file_without_paths_asks_for_paths(runner, folders):
    archive_docs, _, archive = folders
    _index(runner, [archive_docs], archive)
    result = runner.invoke(main, ["check", "--against", str(archive), *FAKE])
    assert result.exit_code == 2 and "Missing argument 'PATHS...'" in result.output
    assert runner.invoke(main, ["check"]).exit_code == 2
    # An archive whose name looks like an article is still the archive.
    named_like_text = archive.with_name("archive.txt")
    shutil.copy(archive, named_like_text)
    result = runner.invoke(main, ["check", "--against", str(named_like_text), *FAKE])
    assert result.exit_code == 2 and "Missing argument 'PATHS...'" in result.output


def test_cli_archive_check_against_a_file_that_is_not_an_archive_exits_2(runner, folders, tmp_path):
    _, new_docs, _ = folders
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_text("not a database at all " * 50, encoding="utf-8")
    result = runner.invoke(main, ["check", str(new_docs), "--against", str(bogus), *FAKE])
    assert result.exit_code == 2 and "[E110]" in result.output


def test_cli_archive_check_against_needs_vectors_of_the_same_embedder(runner, folders):
    archive_docs, new_docs, archive = folders
    _index(runner, [archive_docs], archive)
    # The same texts with the other embedder name: the archive has no vectors of it.
    from checker.archive import Archive

    with Archive.open(archive) as store:
        store.db.execute("UPDATE embeddings SET model = 'other.v1'")
    result = runner.invoke(main, ["check", str(new_docs), "--against", str(archive), *FAKE])
    assert result.exit_code == 2 and "no claims embedded with 'fake.v1'" in result.output


def test_cli_archive_check_against_leaves_out_the_archived_version_of_a_file_checked_again(runner, folders):
    archive_docs, _, archive = folders
    _index(runner, [archive_docs], archive)
    (archive_docs / "a.txt").write_text(EN_B, encoding="utf-8")  # edited since it was archived
    result = runner.invoke(main, ["check", str(archive_docs / "a.txt"), "--against", str(archive), "--format", "json", "--out", "-", *FAKE])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert document_id(archive_docs / "a.txt") not in {d["id"] for d in data["documents"]}
    assert data["summary"]["meta"]["archive_documents"] == "1"


def test_cli_archive_index_commands_have_help(runner):
    for args in (["index", "--help"], ["index", "add", "--help"], ["index", "info", "--help"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0 and "archive" in result.output.lower()


# -- unusable places and files ------------------------------------------------------------------


def _no_work(monkeypatch):
    """Make any reading, embedding or adding fail the test: the error must come before the work."""
    import checker.pipeline

    def forbidden(*args, **kwargs):
        raise AssertionError("work started before the archive location was checked")

    monkeypatch.setattr(checker.pipeline, "index_paths", forbidden)


def test_cli_archive_under_a_file_is_a_one_line_error_before_any_work(runner, folders, monkeypatch):
    archive_docs, _, _ = folders
    _no_work(monkeypatch)
    result = _index(runner, [archive_docs], archive_docs / "a.txt" / "archive.sqlite")
    _one_line_error(result, "E116")
    assert "is a file, not a folder" in result.output


def test_cli_archive_in_a_read_only_folder_is_a_one_line_error_before_any_work(runner, folders, monkeypatch, tmp_path):
    archive_docs, _, _ = folders
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        probe = folder / ".probe"
        try:
            probe.touch()
            probe.unlink()
            folder = Path("/sys")  # root ignores permission bits; /sys is read-only for root too
            if not folder.is_dir() or any(folder.glob("archive.sqlite")):
                pytest.skip("no read-only folder available")
        except OSError:
            pass
        _no_work(monkeypatch)
        result = _index(runner, [archive_docs], folder / "archive.sqlite")
        if folder == Path("/sys") and result.exit_code == 0:
            pytest.skip("/sys is writable here")
        _one_line_error(result, "E116")
        assert "read-only" in result.output
    finally:
        (tmp_path / "ro").chmod(0o755)


def _damage_pages(path: Path) -> None:
    with open(path, "r+b") as fh:
        fh.seek(2 * 4096)
        fh.write(b"\xff" * 4096)


CORRUPTIONS = {
    "damaged pages": _damage_pages,
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "short vector blob": run_sql("UPDATE embeddings SET vector = substr(vector, 1, 6) WHERE rowid = 1"),
    "bad slot-key JSON": run_sql("UPDATE slot_keys SET keys = 'not json' WHERE rowid = 1"),
    "dropped table": run_sql("DROP TABLE embeddings"),
}


@pytest.mark.parametrize("kind", list(CORRUPTIONS))
def test_cli_archive_corrupt_file_is_a_one_line_error_and_never_a_success(kind, runner, folders):
    archive_docs, new_docs, archive = folders
    for n in range(12):  # enough text for several pages
        (archive_docs / f"extra{n}.txt").write_text(f"Report {n}. " + EN_OTHER * 8, encoding="utf-8")
    assert _index(runner, [archive_docs], archive).exit_code == 0
    CORRUPTIONS[kind](archive)
    _one_line_error(runner.invoke(main, ["index", "info", "--archive", str(archive)]), "E114")
    added = _index(runner, [new_docs], archive)
    _one_line_error(added, "E114")
    assert "added" not in added.output
    _one_line_error(runner.invoke(main, ["check", str(new_docs), "--against", str(archive), *FAKE]), "E114")


# -- SIGKILL at any moment, concurrent writers --------------------------------------------------

# Runs `index add` in forked children that SIGKILL themselves after a given number of SQLite
# progress ticks (one per 10 virtual-machine instructions, so anywhere inside statements,
# transactions and the archive's creation), after a reference run has counted the ticks of the
# whole job. Batches of 2 documents, so a run has several transactions.
KILL_DRIVER = r"""
import json, os, signal, sqlite3, sys
from checker import pipeline
from checker.cli import main

docs, folder, fractions = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
pipeline.index_paths.__defaults__ = pipeline.index_paths.__defaults__[:-1] + (2,)
real_connect = sqlite3.connect
ticks, kill_at = 0, None

def tick():
    global ticks
    ticks += 1
    if ticks == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)
    return 0

def connect(*args, **kwargs):
    db = real_connect(*args, **kwargs)
    db.set_progress_handler(tick, 10)
    return db

sqlite3.connect = connect

def index_add(archive):
    main(["index", "add", docs, "--archive", archive, "--embedder", "fake.v1", "--no-cache"], standalone_mode=False)

index_add(os.path.join(folder, "reference.sqlite"))
total, results = ticks, []
for fraction in fractions:
    point = max(1, int(total * fraction))
    pid = os.fork()
    if pid == 0:
        ticks, kill_at = 0, point
        try:
            index_add(os.path.join(folder, f"killed-{point}.sqlite"))
        finally:
            os._exit(3)  # only reached when the kill point was not
    status = os.waitpid(pid, 0)[1]
    results.append([point, os.WTERMSIG(status) if os.WIFSIGNALED(status) else -os.WEXITSTATUS(status)])
print(json.dumps({"total": total, "results": results}))
"""

# Forks N children that wait at a barrier, then all run `index add` of the same folder into one archive.
CONCURRENT_DRIVER = r"""
import contextlib, io, os, sys
from checker.cli import main

docs, archive, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
# Load the language models once, before forking, into a throwaway archive.
with contextlib.redirect_stdout(io.StringIO()):
    main(["index", "add", docs, "--archive", archive + ".warm", "--embedder", "fake.v1", "--no-cache"], standalone_mode=False)
read_end, write_end = os.pipe()
children = []
for _ in range(n):
    pid = os.fork()
    if pid == 0:
        os.close(write_end)
        os.read(read_end, 1)
        code = 0
        try:
            main(["index", "add", docs, "--archive", archive, "--embedder", "fake.v1", "--no-cache"], standalone_mode=False)
        except BaseException as exc:
            print(f"child error: {type(exc).__name__}: {exc}")
            code = 1
        sys.stdout.flush()
        os._exit(code)
    children.append(pid)
os.close(read_end)
os.write(write_end, b"x" * n)
print("codes", [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children])
"""


def _many_docs(folder: Path, n: int) -> Path:
    folder.mkdir()
    for i in range(n):
        (folder / f"story{i}.txt").write_text(
            f"The council of town number {i} approved a budget of {i + 3} million euros on Monday after a debate. "
            f"The mayor said {i + 2} new schools will be built in the town next year.", encoding="utf-8")
    return folder


def _rows(path: Path) -> dict:
    with sqlite3.connect(path) as db:
        return {
            "documents": sorted(db.execute("SELECT id, path, sha256 FROM documents")),
            "claims": sorted(db.execute('SELECT id, doc, idx, text, start, "end" FROM claims')),
            "vectors": sorted(db.execute("SELECT claim, model, vector FROM embeddings")),
            "keys": sorted(db.execute("SELECT claim, keys FROM slot_keys")),
        }


def test_cli_archive_survives_sigkill_at_any_moment_and_a_rerun_finishes_the_job(runner, tmp_path):
    docs = _many_docs(tmp_path / "docs", 5)
    out = tmp_path / "archives"
    out.mkdir()
    fractions = [0.0, 0.05, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9, 0.99]
    done = subprocess.run([sys.executable, "-c", KILL_DRIVER, str(docs), str(out), json.dumps(fractions)],
                          capture_output=True, text=True, timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    runs = json.loads(done.stdout.strip().splitlines()[-1])
    assert all(sig == signal.SIGKILL for _, sig in runs["results"]), runs
    reference = _rows(out / "reference.sqlite")
    claims_per_doc = {doc: sum(1 for c in reference["claims"] if c[1] == doc) for doc, _, _ in reference["documents"]}
    assert len(claims_per_doc) == 5
    seen_partial = False
    for point, _ in runs["results"]:
        archive = out / f"killed-{point}.sqlite"
        if archive.exists():
            # It opens, `index info` agrees with what is stored, and every stored document is whole.
            info = _info(runner, archive)
            rows = _rows(archive)
            stored = [d[0] for d in rows["documents"]]
            assert info["documents"] == len(stored) and info["claims"] == len(rows["claims"])
            assert stored == [d[0] for d in reference["documents"] if d[0] in stored]
            assert all(sum(1 for c in rows["claims"] if c[1] == doc) == claims_per_doc[doc] for doc in stored)
            assert len(rows["vectors"]) == len(rows["keys"]) == len(rows["claims"])
            assert len(stored) in (0, 2, 4, 5), "a batch of 2 documents was half written"
            seen_partial |= 0 < len(stored) < 5
        else:
            stored = []  # killed while the file was being created: no archive, nothing half-made
        rerun = _index(runner, [docs], archive)
        assert rerun.exit_code == 0, rerun.output
        assert _counts(rerun.stdout) == (5 - len(stored), len(stored), 0)
        assert _rows(archive) == reference, f"killed at tick {point} of {runs['total']}"
    assert seen_partial, "no kill point fell between two batches"


def test_cli_archive_concurrent_writers_all_succeed_or_say_busy(tmp_path):
    docs = _many_docs(tmp_path / "docs", 6)
    archive = tmp_path / "archive.sqlite"
    done = subprocess.run([sys.executable, "-c", CONCURRENT_DRIVER, str(docs), str(archive), "8"],
                          capture_output=True, text=True, timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    errors = [line for line in lines if line.startswith("child error")]
    assert all("is busy" in line for line in errors), errors
    assert "IntegrityError" not in done.stdout + done.stderr
    counts = [_counts(line) for line in lines if "added," in line]
    assert len(counts) + len(errors) == 8 and counts
    assert sum(added for added, _, _ in counts) == 6, "each document is added exactly once"
    assert all(added + unchanged == 6 and replaced == 0 for added, unchanged, replaced in counts)
    runner = CliRunner()
    assert _info(runner, archive)["documents"] == 6


def test_cli_archive_busy_archive_is_a_one_line_error(runner, folders, monkeypatch):
    archive_docs, new_docs, archive = folders
    _index(runner, [archive_docs], archive)
    monkeypatch.setattr(archive_module, "BUSY_TIMEOUT_S", 0.05)
    holder = sqlite3.connect(archive, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another `index add` writing a batch
    try:
        _one_line_error(_index(runner, [new_docs], archive), "E115")
        info = runner.invoke(main, ["index", "info", "--archive", str(archive)])
        assert info.exit_code == 0, "readers are not blocked by a writer"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "1 added" in _index(runner, [new_docs], archive).stdout
