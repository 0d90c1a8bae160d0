"""`vncheck index add`, `vncheck index info` and `vncheck check --against`, with the fake backends."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from checker.cli import main

FAKE = ["--embedder", "fake.v1", "--nli-backend", "fake-nli.v1", "--no-cache"]
INDEX = ["--embedder", "fake.v1", "--no-cache"]

EN_A = ("The city council of Springfield has approved the new school budget for the year on Monday evening after a long debate. "
        "The budget includes funds for three new schools in the city.")
EN_B = ("The city council of Springfield has not approved the new school budget for the year on Monday evening after a long debate. "
        "The mayor said the budget includes funds for three new schools in the city.")
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


def test_cli_archive_index_add_counts_added_unchanged_and_replaced(runner, folders):
    archive_docs, _, archive = folders
    first = runner.invoke(main, ["index", "add", str(archive_docs), "--archive", str(archive), *INDEX])
    assert first.exit_code == 0, first.output
    assert "2 added, 0 unchanged, 0 replaced" in first.stdout
    again = runner.invoke(main, ["index", "add", str(archive_docs), "--archive", str(archive), *INDEX])
    assert "0 added, 2 unchanged, 0 replaced" in again.stdout
    (archive_docs / "a.txt").write_text(EN_A + " The vote was close.", encoding="utf-8")
    changed = runner.invoke(main, ["index", "add", str(archive_docs), "--archive", str(archive), *INDEX])
    assert "0 added, 1 unchanged, 1 replaced" in changed.stdout


def test_cli_archive_index_info_shows_documents_claims_and_models(runner, folders):
    archive_docs, _, archive = folders
    runner.invoke(main, ["index", "add", str(archive_docs), "--archive", str(archive), *INDEX])
    text = runner.invoke(main, ["index", "info", "--archive", str(archive)])
    assert text.exit_code == 0, text.output
    assert "documents  2 (en 2)" in text.stdout and "fake.v1 (4 claims)" in text.stdout
    data = json.loads(runner.invoke(main, ["index", "info", "--archive", str(archive), "--json"]).stdout)
    assert (data["documents"], data["claims"], data["models"]) == (2, 4, {"fake.v1": 4})


def test_cli_archive_index_info_without_archive_exits_2(runner, tmp_path):
    result = runner.invoke(main, ["index", "info", "--archive", str(tmp_path / "missing.sqlite")])
    assert result.exit_code == 2 and "[E111]" in result.output


def test_cli_archive_check_against_finds_contradiction_with_archived_document(runner, folders):
    archive_docs, new_docs, archive = folders
    runner.invoke(main, ["index", "add", str(archive_docs), "--archive", str(archive), *INDEX])
    result = runner.invoke(main, ["check", str(new_docs), "--against", str(archive), "--format", "json", "--out", "-", *FAKE])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # New document first, then only the archive documents that appear in findings.
    assert [d["id"] for d in data["documents"]] == ["b", "a"]
    contradiction = next(f for f in data["findings"] if f["kind"] == "contradiction")
    assert (contradiction["a_doc"], contradiction["b_doc"]) == ("b", "a")
    assert {c["doc"] for c in data["claims"]} == {"a", "b"}
    assert data["summary"]["meta"]["archive_documents"] == "2"


def test_cli_archive_check_against_default_archive_from_environment(runner, folders):
    archive_docs, new_docs, archive = folders
    env = {"VNCHECK_ARCHIVE": str(archive)}
    runner.invoke(main, ["index", "add", str(archive_docs), *INDEX], env=env)
    result = runner.invoke(main, ["check", str(new_docs), "--format", "json", "--out", "-", *FAKE, "--against"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["counts"]["contradictions"] >= 1


def test_cli_archive_check_against_a_file_that_is_not_an_archive_exits_2(runner, folders, tmp_path):
    _, new_docs, _ = folders
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_text("not a database at all " * 50, encoding="utf-8")
    result = runner.invoke(main, ["check", str(new_docs), "--against", str(bogus), *FAKE])
    assert result.exit_code == 2 and "[E110]" in result.output


def test_cli_archive_check_against_needs_vectors_of_the_same_embedder(runner, folders):
    archive_docs, new_docs, archive = folders
    runner.invoke(main, ["index", "add", str(archive_docs), "--archive", str(archive), *INDEX])
    # The same texts with the other embedder name: the archive has no vectors of it.
    from checker.archive import Archive

    with Archive.open(archive) as store:
        store.db.execute("UPDATE embeddings SET model = 'other.v1'")
    result = runner.invoke(main, ["check", str(new_docs), "--against", str(archive), *FAKE])
    assert result.exit_code == 2 and "no claims embedded with 'fake.v1'" in result.output


def test_cli_archive_index_commands_have_help(runner):
    for args in (["index", "--help"], ["index", "add", "--help"], ["index", "info", "--help"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0 and "archive" in result.output.lower()
