"""The CLI, driven through click's CliRunner with the deterministic fake backends."""
from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from checker.cli import main
from cli_inputs import EN_A, EN_B, FAKE

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def runner():
    return CliRunner()


def _docs(tmp_path, texts):
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path




def test_cli_every_command_has_help_text(runner):
    for name, command in main.commands.items():
        assert command.help, f"command {name} has no help text"
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, result.output
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.help, f"option {param.name} of {name} has no help"


def test_cli_version(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0 and "vncheck" in result.output


def test_cli_check_json_to_stdout(runner, tmp_path):
    folder = _docs(tmp_path, {"a.txt": EN_A, "b.txt": EN_B})
    result = runner.invoke(main, ["check", str(folder), "--format", "json", "--out", "-", *FAKE])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["schema"] == 1
    assert {d["id"] for d in data["documents"]} == {"a", "b"}
    assert any(f["kind"] == "contradiction" for f in data["findings"])


def test_cli_check_fail_on_contradiction_exits_1(runner, tmp_path):
    folder = _docs(tmp_path, {"a.txt": EN_A, "b.txt": EN_B})
    result = runner.invoke(main, ["check", str(folder), "--fail-on", "contradiction", "--format", "json", "--out", "-", *FAKE])
    assert result.exit_code == 1, result.output


def test_cli_check_fail_on_respects_min_score(runner, tmp_path):
    folder = _docs(tmp_path, {"a.txt": EN_A, "b.txt": EN_B})
    result = runner.invoke(main, ["check", str(folder), "--fail-on", "contradiction", "--min-score", "1.0", "--format", "json", "--out", "-", *FAKE])
    assert result.exit_code == 0, result.output


def test_cli_check_writes_report_files(runner, tmp_path):
    (tmp_path / "in").mkdir()
    folder = _docs(tmp_path / "in", {"a.txt": EN_A, "b.txt": EN_B})
    out = tmp_path / "out"
    for fmt, ext in [("html", ".html"), ("markdown", ".md"), ("json", ".json"), ("rich", ".txt")]:
        result = runner.invoke(main, ["check", str(folder), "--format", fmt, "--out", str(out), *FAKE])
        assert result.exit_code == 0, result.output
        target = out / f"vncheck-report{ext}"
        assert target.is_file() and target.stat().st_size > 200
    assert "\x1b[" not in (out / "vncheck-report.txt").read_text(encoding="utf-8")


def test_cli_check_missing_path_is_one_line_error(runner, tmp_path):
    result = runner.invoke(main, ["check", str(tmp_path / "nope.txt"), *FAKE])
    assert result.exit_code == 2
    assert "nope.txt" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_check_empty_folder_is_error(runner, tmp_path):
    result = runner.invoke(main, ["check", str(tmp_path), *FAKE])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_cli_check_bad_file_is_warning_others_still_checked(runner, tmp_path):
    folder = _docs(tmp_path, {"a.txt": EN_A, "b.txt": EN_B, "c.txt": ""})
    (folder / "d.txt").write_bytes(b"\x00\x01\x02binary\xff" * 50)
    result = runner.invoke(main, ["check", str(folder), "--format", "json", "--out", "-", *FAKE])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {d["id"] for d in data["documents"]} == {"a", "b"}
    assert "c.txt" in result.stderr and "d.txt" in result.stderr


def test_cli_compare_two_sentences_json(runner):
    result = runner.invoke(main, ["compare", "The US lifted the embargo in 2016.", "The US did not lift the embargo in 2016.",
                                  "--json", "--nli-backend", "fake-nli.v1"])
    assert result.exit_code == 0, result.output
    item = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"verdict", "score", "reasons", "scorers"} <= set(item)


def test_cli_compare_tsv_gives_one_line_per_row(runner, tmp_path):
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("premise\thypothesis\tnote\nA cat sleeps.\tA cat sleeps.\tx\nThe vote was in 2019.\tThe vote was in 2021.\ty\n", encoding="utf-8")
    result = runner.invoke(main, ["compare", "--tsv", str(tsv), "--json", "--nli-backend", "fake-nli.v1"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert len(lines) == 2 and all("verdict" in line for line in lines)


def test_cli_compare_needs_two_sentences(runner):
    result = runner.invoke(main, ["compare", "only one", "--no-nli"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_cli_nli_eval_reports_accuracy_and_skips_bad_rows(runner, tmp_path):
    tsv = tmp_path / "dev.tsv"
    tsv.write_text(
        "premise\thypothesis\tlabel\n"
        "the cat sat on the mat\tthe cat sat on the mat\tentailment\n"
        "the cat sat on the mat\tthe cat sat not on the mat\tcontradiction\n"
        "the cat sat on the mat\tdogs bark at night\tneutral\n"
        "broken row without label\n"
        "a\tb\tmaybe\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["nli-eval", str(tsv), "--json", "--nli-backend", "fake-nli.v1"])
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last["n"] == 3 and last["accuracy"] == 1.0
    assert set(last["per_class"]) == {"entailment", "neutral", "contradiction"}
    assert "confusion" in result.stdout
    assert result.stderr.count("warning:") == 2


def test_cli_nli_eval_bad_header_is_error(runner, tmp_path):
    tsv = tmp_path / "dev.tsv"
    tsv.write_text("a\tb\n1\t2\n", encoding="utf-8")
    result = runner.invoke(main, ["nli-eval", str(tsv), "--nli-backend", "fake-nli.v1"])
    assert result.exit_code == 2 and "header" in result.output


FRENCH = ("Le conseil municipal a approuvé lundi soir le nouveau budget scolaire après un long débat. "
          "Le budget comprend des fonds pour trois nouvelles écoles dans la ville.")


@pytest.mark.parametrize(
    "name, content, needle",
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\t\n", "empty"),
        ("binary.txt", b"\x00\x01\x02\x03" * 300, "binary"),
        ("broken.txt", "Die Regierung hat das Gesetz für alle Bürger beschlossen. ".encode() * 5 + b"\xff\xfe\xfa\xc3\x28" * 3, "invalid bytes"),
        ("french.txt", FRENCH.encode(), "fr"),
        ("huge.txt", ("The council approved the budget on Monday. " * 120_000).encode(), "MB"),
        ("headings.md", b"# Title\n\n## Another heading\n\nWhy?\n", "no"),
    ],
)
def test_cli_check_bad_document_is_one_line_warning(runner, tmp_path, name, content, needle):
    folder = _docs(tmp_path, {"a.txt": EN_A, "b.txt": EN_B})
    (folder / name).write_bytes(content)
    result = runner.invoke(main, ["check", str(folder), "--format", "json", "--out", "-", *FAKE])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    warnings = [line for line in result.stderr.splitlines() if name in line]
    assert len(warnings) == 1 and needle in warnings[0]
    data = json.loads(result.stdout)
    assert {d["id"] for d in data["documents"]} == {"a", "b"}
    assert any(name in s["where"] or name in s["reason"] for s in data["summary"]["skipped"])


def test_cli_check_only_bad_documents_exits_2(runner, tmp_path):
    (tmp_path / "x.txt").write_bytes(b"")
    result = runner.invoke(main, ["check", str(tmp_path / "x.txt"), *FAKE])
    assert result.exit_code == 2 and "x.txt" in result.output and "Traceback" not in result.output


def test_cli_nli_eval_with_local_hf_model(runner, tmp_path, tiny_hf_nli):
    tsv = tmp_path / "dev.tsv"
    tsv.write_text("premise\thypothesis\tlabel\nEin Satz.\tA sentence.\tcontradiction\nKurz.\tShort.\tentailment\n", encoding="utf-8")
    result = runner.invoke(main, ["nli-eval", str(tsv), "--nli-model", str(tiny_hf_nli), "--json"])
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last["n"] == 2 and last["accuracy"] == 0.5  # the tiny model always says "contradiction"


def test_cli_check_nli_partners_reaches_the_pipeline(runner, tmp_path, monkeypatch):
    import checker.pipeline

    seen = []
    real_run = checker.pipeline.run
    monkeypatch.setattr(checker.pipeline, "run", lambda paths, config, **kw: seen.append(config) or real_run(paths, config, **kw))
    folder = _docs(tmp_path, {"a.txt": EN_A, "b.txt": EN_B})
    for value, partners, budget_from in [("auto", 2, 5000), ("all", 0, 5000), ("3", 3, 0)]:
        result = runner.invoke(main, ["check", str(folder), "--nli-partners", value, "--format", "json", "--out", "-", *FAKE])
        assert result.exit_code == 0, result.output
        assert (seen[-1].nli_partners, seen[-1].nli_budget_from) == (partners, budget_from)
        assert json.loads(result.stdout)["summary"]["meta"]["beyond_nli_budget"] == "0"
    for bad in ("-1", "0", "some", "²"):  # "²".isdigit() is True, int("²") raises
        result = runner.invoke(main, ["check", str(folder), "--nli-partners", bad, *FAKE])
        assert result.exit_code == 2 and "nli-partners" in result.output


# --- messages: help texts, exit codes, compare --tsv, TSV encodings ---------------------------------


def _all_commands(group=main, prefix=()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _all_commands(command, prefix + (name,))
        else:
            yield prefix + (name,), command


def test_cli_help_lists_exit_codes_everywhere(runner):
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0 and "Exit codes" in result.output and "130" in result.output
    for names, _ in _all_commands():
        result = runner.invoke(main, [*names, "--help"])
        assert result.exit_code == 0, result.output
        assert "Exit codes" in result.output and "130" in result.output and "2 " in result.output, " ".join(names)
    check_help = runner.invoke(main, ["check", "--help"]).output
    assert "1    contradictions found" in check_help and "interrupted" in check_help


def test_cli_check_help_says_how_sentences_are_counted(runner):
    text = " ".join(runner.invoke(main, ["check", "--help"]).output.split())
    assert "counted from 1" in text and "count from 0" in text


def test_cli_compare_tsv_text_output_starts_with_the_line_number(runner, tmp_path):
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("premise\thypothesis\nA cat sleeps.\tA cat sleeps.\n\t\nThe vote was in 2019.\tThe vote was in 2021.\n",
                   encoding="utf-8")
    result = runner.invoke(main, ["compare", "--tsv", str(tsv), "--no-nli"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == ["2", "4"]  # line 3 is empty: warned about and skipped
    assert "pairs.tsv:3: empty premise or hypothesis" in result.stderr


def test_cli_compare_tsv_json_echoes_its_inputs(runner, tmp_path):
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("id\tpremise\thypothesis\nx1\tThe vote was in 2019.\tThe vote was in 2021.\n", encoding="utf-8")
    result = runner.invoke(main, ["compare", "--tsv", str(tsv), "--json", "--no-nli"])
    assert result.exit_code == 0, result.output
    item = json.loads(result.stdout.strip())
    assert item["row"] == 2 and item["premise"] == "The vote was in 2019." and item["hypothesis"] == "The vote was in 2021."
    assert item["premise_published"] is None and item["hypothesis_published"] is None and "verdict" in item


def test_cli_compare_two_sentences_json_echoes_them(runner):
    result = runner.invoke(main, ["compare", "The vote was in 2019.", "The vote was in 2021.", "--json", "--no-nli"])
    item = json.loads(result.stdout.strip())
    assert item["premise"] == "The vote was in 2019." and "row" not in item


def test_cli_compare_tsv_bad_date_skips_the_row_with_a_warning(runner, tmp_path):
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("premise\thypothesis\tpublished\nA cat sleeps.\tA cat sleeps.\t\nA dog.\tA dog barks.\t5 May\n",
                   encoding="utf-8")
    result = runner.invoke(main, ["compare", "--tsv", str(tsv), "--no-nli", "--json"])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["row"] for line in result.stdout.strip().splitlines()] == [2]
    assert "pairs.tsv:3: published '5 May' is not YYYY-MM-DD, row skipped" in result.stderr


def test_cli_compare_bad_published_option_is_one_line_error(runner):
    result = runner.invoke(main, ["compare", "A.", "B.", "--published", "yesterday", "--no-nli"])
    assert result.exit_code == 2 and "[E146]" in result.output and len(result.output.strip().splitlines()) == 1


def _compare_takes_dates() -> bool:
    import inspect

    from checker.verify import compare_texts

    return "published_a" in inspect.signature(compare_texts).parameters


@pytest.mark.skipif(not _compare_takes_dates(),
                    reason="needs compare_texts(published_a=, published_b=) in checker/verify.py (/tmp/verify_compare_dates.patch)")
def test_cli_compare_tsv_publication_dates_resolve_relative_times(runner, tmp_path):
    # "last year" means 2023 in an article of 2024 and 2021 in one of 2022: the same words, different years.
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("premise\thypothesis\tpremise_published\thypothesis_published\n"
                   "The US lifted the embargo last year.\tThe US lifted the embargo in 2023.\t2024-03-01\t2024-03-01\n"
                   "The US lifted the embargo last year.\tThe US lifted the embargo in 2023.\t2022-03-01\t2024-03-01\n",
                   encoding="utf-8")
    result = runner.invoke(main, ["compare", "--tsv", str(tsv), "--no-nli", "--json"])
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.stdout.strip().splitlines())
    assert first["premise_published"] == "2024-03-01" and second["premise_published"] == "2022-03-01"
    assert first["verdict"] != "contradiction" and second["verdict"] == "contradiction"


@pytest.mark.parametrize("command", [["compare", "--no-nli", "--tsv"], ["nli-eval", "--nli-backend", "fake-nli.v1"]])
@pytest.mark.parametrize("content, code", [
    ("premise\thypothesis\tlabel\nDie Straße ist gesperrt.\tDie Straße ist offen.\tcontradiction\n".encode("latin-1"), "E143"),
    (b"\x00\x01\x02\x03PK\x03\x04" * 100, "E144"),
])
def test_cli_tsv_not_utf8_or_binary_is_one_line_error(runner, tmp_path, command, content, code):
    tsv = tmp_path / "pairs.tsv"
    tsv.write_bytes(content)
    result = runner.invoke(main, [*command, str(tsv)])
    assert result.exit_code == 2, result.output
    assert f"[{code}]" in result.output and "pairs.tsv" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_cli_json_lists_contradictions_below_min_score_as_possible(runner, tmp_path):
    from checker.report.to_json import json_schema

    jsonschema = pytest.importorskip("jsonschema")
    folder = _docs(tmp_path, {"a.txt": EN_A, "b.txt": EN_B})
    shown = json.loads(runner.invoke(main, ["check", str(folder), "--format", "json", "--out", "-", *FAKE]).stdout)
    contradictions = [f for f in shown["findings"] if f["kind"] == "contradiction"]
    assert contradictions and shown["summary"]["possible_contradictions"] == []
    hidden = json.loads(runner.invoke(main, ["check", str(folder), "--format", "json", "--out", "-", "--min-score", "1.0", *FAKE]).stdout)
    possible = hidden["summary"]["possible_contradictions"]
    assert not [f for f in hidden["findings"] if f["kind"] == "contradiction"]
    assert {(p["a"], p["b"]) for p in possible} >= {(f["a"], f["b"]) for f in contradictions}
    assert all(p["a_text"] and p["b_text"] and p["reasons"] for p in possible)
    jsonschema.validate(hidden, json_schema())
