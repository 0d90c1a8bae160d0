"""The CI baseline: fingerprints, the baseline file, check --baseline, failure lines, the JSON Schema.

Offline and fast: hand-built records from conftest.py, and the CLI with the fake
embedder and the rule-based fake NLI (a sentence and its negation contradict).
"""
from __future__ import annotations

import copy
import dataclasses
import json
import tomllib
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from checker.baseline import (
    Baseline,
    BaselineEntry,
    BaselineError,
    BaselineSide,
    apply_baseline,
    baseline_from_report,
    baseline_from_report_file,
    baseline_lines,
    build_failures,
    dump_baseline,
    failure_lines,
    load_baseline,
    write_baseline,
)
from checker.cli import main
from checker.records import finding_fingerprint
from checker.report import to_html, to_json, to_markdown, to_terminal
from cli_inputs import EN_A, EN_B, FAKE

ROOT = Path(__file__).resolve().parent.parent

# EN_A/EN_B (cli_inputs): the fake NLI reads "has approved" vs "has not approved" as a contradiction
# and the budget sentences as an agreement.
# Appended to the articles, these make a second, new contradiction.
NEW_A = " The library of Springfield will open on Friday with a new reading room for children."
NEW_B = " The library of Springfield will not open on Friday with a new reading room for children."
STALE = BaselineEntry(fingerprint="0123456789abcdef", kind="contradiction",
                      a=BaselineSide("old_doc", 3, "A sentence that is gone."),
                      b=BaselineSide("other_doc", 7, "Another one."), reason="no longer found")


@pytest.fixture
def runner():
    return CliRunner()


def _articles(folder: Path, a: str = EN_A, b: str = EN_B) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text(a, encoding="utf-8")
    (folder / "b.txt").write_text(b, encoding="utf-8")
    return folder


def _check(runner, folder: Path, *args: str):
    return runner.invoke(main, ["check", str(folder), *args, *FAKE])


def _json_check(runner, folder: Path, *args: str):
    result = _check(runner, folder, "--format", "json", "--out", "-", *args)
    return result, json.loads(result.stdout)


def _clean_exit(result) -> bool:
    """Exited through click (an error message or sys.exit), not an uncaught exception."""
    return result.exception is None or isinstance(result.exception, SystemExit)


# -- fingerprints --


def test_baseline_fingerprint_ignores_order_case_and_whitespace():
    base = finding_fingerprint("contradiction", "The Danube rose.", "Der Pegel stieg.")
    assert finding_fingerprint("contradiction", "Der Pegel stieg.", "The Danube rose.") == base
    assert finding_fingerprint("contradiction", "  THE danube\n rose. ", "der  PEGEL stieg.") == base
    assert finding_fingerprint("Contradiction ", "The\u00a0Danube rose.", "Der Pegel stieg.") == base
    assert len(base) == 16 and int(base, 16) >= 0


def test_baseline_fingerprint_depends_on_kind_and_text():
    base = finding_fingerprint("contradiction", "The Danube rose.", "Der Pegel stieg.")
    assert finding_fingerprint("agreement", "The Danube rose.", "Der Pegel stieg.") != base
    assert finding_fingerprint("contradiction", "The Danube fell.", "Der Pegel stieg.") != base
    # Joining the texts must not make different pairs collide.
    assert finding_fingerprint("contradiction", "a b", "c") != finding_fingerprint("contradiction", "a", "b c")


def test_baseline_fingerprint_does_not_depend_on_ids_positions_or_documents(report):
    before = {f.verdict.a: f.fingerprint for f in to_json_view(report)}
    # Rename the documents and claims, move the sentences, and add a finding that renumbers f001...
    renamed = tuple(
        dataclasses.replace(c, id="X" + c.id, doc_id="X" + c.doc_id, start=c.start + 5, end=c.end + 5, index=c.index + 9)
        for c in report.claims
    )
    verdicts = tuple(dataclasses.replace(v, a="X" + v.a, b="X" + v.b) for v in report.verdicts)
    extra = dataclasses.replace(verdicts[0], a="Xde_hochwasser:s2", b="Xen_floods:s1", score=0.99)
    moved = dataclasses.replace(report, claims=renamed, verdicts=(extra,) + verdicts)
    after = {f.verdict.a[1:]: f.fingerprint for f in to_json_view(moved) if f.verdict is not extra}
    assert after == before
    assert [f.id for f in to_json_view(moved) if f.verdict is extra] == ["f001"]  # ids did shift


def to_json_view(report):
    from checker.report.view import build_view

    return build_view(report).findings


def test_baseline_fingerprint_is_in_every_json_finding(report):
    data = json.loads(to_json.render(report))
    claims = {c["id"]: c["text"] for c in data["claims"]}
    for f in data["findings"]:
        assert f["fingerprint"] == finding_fingerprint(f["kind"], claims[f["a"]], claims[f["b"]])
        assert f["accepted"] is False
    assert data["summary"]["baseline"] is None


# -- the baseline file --


def test_baseline_from_report_accepts_contradictions_only_by_default(report):
    kinds = [e.kind for e in baseline_from_report(report).entries]
    assert kinds == ["contradiction", "contradiction"]
    both = baseline_from_report(report, kinds=("contradiction", "agreement"))
    assert [e.kind for e in both.entries] == ["contradiction", "contradiction", "agreement"]


def test_baseline_file_round_trips_and_names_the_claims(report, tmp_path):
    baseline = baseline_from_report(report)
    written = write_baseline(baseline, tmp_path / "b.json")
    loaded = load_baseline(tmp_path / "b.json")
    assert loaded.entries == baseline.entries and written.path == loaded.path == str(tmp_path / "b.json")
    data = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    assert data["format"] == "vncheck-baseline" and data["version"] == 1
    first = next(e for e in data["entries"] if e["a"]["text"].startswith("Der Pegel"))
    assert first["a"] == {"doc": "de_hochwasser", "sentence": 1,
                          "text": "Der Pegel der Donau in Passau erreichte am Montag 9,80 Meter."}
    assert first["b"]["doc"] == "en_floods" and first["reason"] == "water level differs: 9,80 m vs 8.50 m"
    assert dump_baseline(loaded) == (tmp_path / "b.json").read_text(encoding="utf-8")  # canonical


def test_baseline_from_report_file_matches_baseline_from_report(report, tmp_path):
    path = tmp_path / "report.json"
    path.write_text(to_json.render(report), encoding="utf-8")
    assert baseline_from_report_file(path).entries == baseline_from_report(report).entries


def test_baseline_from_old_report_without_fingerprints_computes_them(report, tmp_path):
    data = json.loads(to_json.render(report))
    for f in data["findings"]:
        del f["fingerprint"], f["accepted"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert baseline_from_report_file(path).fingerprints == baseline_from_report(report).fingerprints


def test_baseline_dedupes_the_same_pair_in_two_document_pairs(report):
    twin = dataclasses.replace(report.verdicts[0], score=0.7)
    copy_claim = dataclasses.replace(report.claims[0], id="copy:s0", doc_id="copy")
    again = dataclasses.replace(twin, a="copy:s0")
    r = dataclasses.replace(report, claims=report.claims + (copy_claim,), verdicts=report.verdicts + (again,))
    baseline = baseline_from_report(r)
    assert len(baseline.entries) == 2
    applied = apply_baseline(r, baseline).baseline
    assert applied.accepted == 3 and len(applied.matched) == 2 and applied.new_contradictions == 0


# -- checking a report against a baseline --


def _accepting_f001(report) -> Baseline:
    f001 = to_json_view(report)[0].fingerprint
    first = next(e for e in baseline_from_report(report).entries if e.fingerprint == f001)
    return Baseline(entries=(first, STALE), path="ci/baseline.json")


def test_baseline_apply_marks_accepted_counts_and_lists_stale(report):
    checked = apply_baseline(report, _accepting_f001(report))
    match = checked.baseline
    assert (match.entries, len(match.matched), match.accepted, match.new_contradictions) == (2, 1, 1, 1)
    assert match.stale == (STALE,)
    summary = json.loads(to_json.render(checked))["summary"]["baseline"]
    assert summary == {"path": "ci/baseline.json", "entries": 2, "matched": 1, "accepted": 1, "new_contradictions": 1,
                       "stale": [{"fingerprint": "0123456789abcdef", "kind": "contradiction", "reason": "no longer found",
                                  "a": {"doc": "old_doc", "sentence": 3, "text": "A sentence that is gone."},
                                  "b": {"doc": "other_doc", "sentence": 7, "text": "Another one."}}]}
    findings = json.loads(to_json.render(checked))["findings"]
    assert [(f["id"], f["accepted"]) for f in findings] == [("f001", True), ("f002", False), ("f003", False)]


def test_baseline_accepted_finding_is_marked_in_every_format(report):
    checked = apply_baseline(report, _accepting_f001(report))
    text = to_terminal.render(checked, color=False)
    assert "f001 CONTRADICTION 0.91 · accepted (baseline)" in text
    assert "f002 CONTRADICTION 0.64 ─" in text and "Accepted (baseline)" in text
    md = to_markdown.render(checked)
    assert "#### f001 · 🔴 contradiction · score 0.91 · accepted (baseline)" in md
    assert "#### f002 · 🔴 contradiction · score 0.64\n" in md
    assert "1 of 2 entries matched, 1 findings accepted, 1 new contradictions, 1 stale entries" in md
    assert "Stale `0123456789abcdef`" in md
    page = to_html.render(checked)
    accepted = [chunk for chunk in page.split("<article ")[1:] if 'data-accepted="true"' in chunk]
    assert len(accepted) == 1 and 'id="f001"' in accepted[0] and 'class="badge accepted"' in accepted[0]
    assert page.count('class="badge accepted"') == 1
    # Without a baseline nothing is marked.
    assert "accepted (baseline)" not in to_terminal.render(report, color=False)
    assert 'class="badge accepted"' not in to_html.render(report)


def test_baseline_failures_leave_out_accepted_contradictions(report):
    assert [f.id for f in build_failures(report)] == ["f001", "f002"]
    assert [f.id for f in build_failures(apply_baseline(report, _accepting_f001(report)))] == ["f002"]
    assert build_failures(apply_baseline(report, baseline_from_report(report))) == ()


def test_baseline_failure_lines_name_document_sentence_and_reason(report):
    lines = failure_lines(build_failures(report), report.min_score, with_baseline=False)
    assert lines[0] == "Build failed: 2 contradictions at or above --min-score 0.50:"
    assert lines[1].startswith("  f001 de_hochwasser sentence 1 vs en_floods sentence 1: water level differs: 9,80 m vs 8.50 m [")
    assert lines[2].startswith("  f002 de_hochwasser sentence 4 vs en_floods sentence 3: actor differs:")
    assert failure_lines((), 0.5, with_baseline=True) == []


def test_baseline_messages_make_control_characters_visible(report):
    evil = "evil\n\x1b[2Jwarning: forged"
    claims = tuple(dataclasses.replace(c, doc_id=evil) if c.doc_id == "en_floods" else c for c in report.claims)
    verdicts = tuple(dataclasses.replace(v, reasons=("line one\nline two \x1b]52;c;AAAA\x07",)) for v in report.verdicts)
    r = dataclasses.replace(report, claims=claims, verdicts=verdicts)
    lines = failure_lines(build_failures(r), r.min_score, with_baseline=False)
    stale = dataclasses.replace(STALE, a=BaselineSide(evil, 1, "x\x1by"))
    lines += baseline_lines(apply_baseline(r, Baseline(entries=(stale,), path="b\n.json")).baseline)
    for line in lines:
        assert "\n" not in line and "\x1b" not in line and "\x07" not in line
    assert "evil\\n\\x1b[2Jwarning: forged sentence 1" in lines[1] and "\\x1b]52;c;AAAA\\x07" in lines[1]


# -- bad baseline and report files: one line, exit 2, before the work starts --

BAD_BASELINES = {
    "not_json": b"{not json",
    "latin1": '{"format": "vncheck-baseline", "version": 1, "entries": [], "x": "Stra\xdfe"}'.encode("latin-1"),
    "binary": b"\x00\x01\x02\xff\xfe" * 40,
    "deep": b"[" * 100_000 + b"]" * 100_000,
    "a_list": b"[]",
    "a_report": json.dumps({"schema": 1, "findings": [], "claims": []}).encode(),
    "newer": json.dumps({"format": "vncheck-baseline", "version": 2, "entries": []}).encode(),
    "entries_not_list": json.dumps({"format": "vncheck-baseline", "version": 1, "entries": {}}).encode(),
    "entry_not_object": json.dumps({"format": "vncheck-baseline", "version": 1, "entries": ["f001"]}).encode(),
    "bad_fingerprint": json.dumps({"format": "vncheck-baseline", "version": 1,
                                   "entries": [{"fingerprint": "f001", "kind": "contradiction"}]}).encode(),
    "bad_kind": json.dumps({"format": "vncheck-baseline", "version": 1,
                            "entries": [{"fingerprint": "0123456789abcdef", "kind": "unrelated"}]}).encode(),
    "bad_side": json.dumps({"format": "vncheck-baseline", "version": 1,
                            "entries": [{"fingerprint": "0123456789abcdef", "kind": "contradiction", "a": "x"}]}).encode(),
    "bad_sentence": json.dumps({"format": "vncheck-baseline", "version": 1, "entries": [
        {"fingerprint": "0123456789abcdef", "kind": "contradiction", "a": {"doc": "a", "sentence": "3", "text": ""}}]}).encode(),
}


@pytest.mark.parametrize("name", sorted(BAD_BASELINES))
def test_baseline_bad_file_is_one_line_error_before_the_check(runner, tmp_path, name):
    folder = _articles(tmp_path / "in")
    bad = tmp_path / f"{name}.json"
    bad.write_bytes(BAD_BASELINES[name])
    out = tmp_path / "out"
    result = _check(runner, folder, "--baseline", str(bad), "--format", "json", "--out", str(out))
    assert result.exit_code == 2 and _clean_exit(result), result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: [E15"), lines
    assert f"{name}.json" in lines[0]
    assert not out.exists()  # nothing was checked or written
    with pytest.raises(BaselineError):
        load_baseline(bad)


@pytest.mark.parametrize("target", ["missing", "folder"])
def test_baseline_missing_or_folder_is_one_line_error(runner, tmp_path, target):
    folder = _articles(tmp_path / "in")
    path = tmp_path / "x"
    if target == "folder":
        path.mkdir()
    result = _check(runner, folder, "--baseline", str(path))
    assert result.exit_code == 2 and _clean_exit(result)
    assert len(result.stderr.strip().splitlines()) == 1 and "[E150]" in result.stderr


def test_baseline_write_target_is_checked_before_the_check(runner, tmp_path):
    folder = _articles(tmp_path / "in")
    result = _check(runner, folder, "--write-baseline", str(tmp_path / "no" / "such" / "b.json"), "--format", "json",
                    "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and _clean_exit(result)
    assert "[E154]" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("content, needle", [
    (b"{oops", "not valid JSON"),
    (b"\xff\xfe\x00binary", "not UTF-8"),
    (json.dumps({"format": "vncheck-baseline", "version": 1, "entries": []}).encode(), "not a vncheck JSON report"),
    (json.dumps({"schema": 2, "findings": [], "claims": []}).encode(), "schema '2', not 1"),
    (json.dumps({"schema": 1, "findings": "x", "claims": []}).encode(), "must be lists"),
    (json.dumps({"schema": 1, "findings": [{"kind": "contradiction"}], "claims": []}).encode(), "finding 1 lacks"),
])
def test_baseline_create_from_bad_report_is_one_line_error(runner, tmp_path, content, needle):
    path = tmp_path / "report.json"
    path.write_bytes(content)
    result = runner.invoke(main, ["baseline", "create", str(path), "-o", str(tmp_path / "b.json")])
    assert result.exit_code == 2 and _clean_exit(result), result.output
    assert len(result.stderr.strip().splitlines()) == 1 and needle in result.stderr, result.stderr
    assert not (tmp_path / "b.json").exists()


def test_baseline_create_needs_an_existing_report_and_output(runner, tmp_path):
    result = runner.invoke(main, ["baseline", "create", str(tmp_path / "none.json"), "-o", str(tmp_path / "b.json")])
    assert result.exit_code == 2 and "[E150]" in result.stderr and "does not exist" in result.stderr
    result = runner.invoke(main, ["baseline", "create", str(tmp_path / "none.json")])
    assert result.exit_code == 2 and "-o" in result.stderr


# -- the CLI end to end, as a new user would run it --


def test_baseline_cli_round_trip_create_recheck_then_new_contradiction(runner, tmp_path):
    folder = _articles(tmp_path / "articles")
    reports = tmp_path / "reports"

    # 1. A first check fails the build on the known contradiction.
    result = _check(runner, folder, "--fail-on", "contradiction", "--format", "json", "--out", str(reports))
    assert result.exit_code == 1, result.output
    report_file = reports / "vncheck-report.json"
    first = json.loads(report_file.read_text(encoding="utf-8"))
    known = [f for f in first["findings"] if f["kind"] == "contradiction"]
    assert len(known) == 1

    # 2. The team accepts it.
    baseline = tmp_path / "vncheck-baseline.json"
    result = runner.invoke(main, ["baseline", "create", str(report_file), "-o", str(baseline)])
    assert result.exit_code == 0, result.output
    assert "1 entry (contradiction)" in result.stdout
    assert [e["fingerprint"] for e in json.loads(baseline.read_text(encoding="utf-8"))["entries"]] == [known[0]["fingerprint"]]

    # 3. Re-checked with the baseline, the build passes and the finding is marked accepted.
    result = _check(runner, folder, "--baseline", str(baseline), "--fail-on", "contradiction", "--format", "json",
                    "--out", str(reports))
    assert result.exit_code == 0, result.output
    assert "1 of 1 entry matched, 1 finding accepted, 0 new contradictions" in result.stderr
    data = json.loads(report_file.read_text(encoding="utf-8"))
    assert [f["accepted"] for f in data["findings"] if f["kind"] == "contradiction"] == [True]
    assert data["summary"]["baseline"]["accepted"] == 1 and data["summary"]["baseline"]["stale"] == []

    # 4. One article changes so that a new contradiction appears: the build fails and names it last.
    (folder / "a.txt").write_text(EN_A + NEW_A, encoding="utf-8")
    (folder / "b.txt").write_text(EN_B + NEW_B, encoding="utf-8")
    result = _check(runner, folder, "--baseline", str(baseline), "--fail-on", "contradiction", "--format", "json",
                    "--out", str(reports))
    assert result.exit_code == 1, result.output
    tail = result.stderr.strip().splitlines()[-2:]
    assert tail[0] == "Build failed: 1 contradiction at or above --min-score 0.50 not in the baseline:"
    assert tail[1].startswith("  f002 a sentence 3 vs b sentence 3: ")  # then the verdict's first reason
    data = json.loads(report_file.read_text(encoding="utf-8"))
    new = [f for f in data["findings"] if f["kind"] == "contradiction" and not f["accepted"]]
    assert [f["id"] for f in new] == ["f002"] and new[0]["fingerprint"] in tail[1]
    assert data["summary"]["baseline"]["new_contradictions"] == 1


def test_baseline_cli_failure_names_each_contradiction_without_a_baseline(runner, tmp_path):
    folder = _articles(tmp_path / "in", EN_A + NEW_A, EN_B + NEW_B)
    result = _check(runner, folder, "--fail-on", "contradiction", "--format", "json", "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-3] == "Build failed: 2 contradictions at or above --min-score 0.50:"
    data = json.loads((tmp_path / "out" / "vncheck-report.json").read_text(encoding="utf-8"))
    index = {c["id"]: c["index"] for c in data["claims"]}
    for line, f in zip(lines[-2:], data["findings"][:2]):
        assert f["kind"] == "contradiction"
        reason = f["reasons"][0][:40]
        where = f"{f['a_doc']} sentence {index[f['a']] + 1} vs {f['b_doc']} sentence {index[f['b']] + 1}"
        assert line.startswith(f"  {f['id']} {where}") and f": {reason}" in line and line.endswith(f"[{f['fingerprint']}]")
    assert [line.split()[:4] for line in lines[-2:]] == [["f001", "a", "sentence", "1"], ["f002", "a", "sentence", "3"]]


def test_baseline_cli_matches_despite_case_and_spacing_changes_and_reports_stale(runner, tmp_path):
    folder = _articles(tmp_path / "in", EN_A + NEW_A, EN_B + NEW_B)
    baseline = tmp_path / "b.json"
    result = _check(runner, folder, "--write-baseline", str(baseline), "--fail-on", "contradiction", "--format", "json",
                    "--out", "-")
    assert result.exit_code == 0, result.output  # everything found is accepted now
    assert result.stderr.strip().splitlines()[-1] == f"Baseline written to '{baseline}': 2 entries (contradiction)"

    # The library sentences go; the council sentences change case and spacing only.
    _articles(folder, EN_A.replace("The city council", "THE  city   Council"), EN_B)
    result, data = _json_check(runner, folder, "--baseline", str(baseline), "--fail-on", "contradiction")
    assert result.exit_code == 0, result.output
    assert "1 of 2 entries matched, 1 finding accepted, 0 new contradictions" in result.stderr
    assert "1 stale entry no longer matches a finding" in result.stderr
    stale_line = next(line for line in result.stderr.splitlines() if line.startswith("  stale "))
    assert 'a sentence 3 "The library of Springfield will open' in stale_line
    assert [e["a"]["text"][:11] for e in data["summary"]["baseline"]["stale"]] == ["The library"]


def test_baseline_cli_help_is_complete(runner):
    for args in (["baseline", "--help"], ["baseline", "create", "--help"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0 and "Traceback" not in result.output
    assert "--include-agreements" in runner.invoke(main, ["baseline", "create", "--help"]).output
    help_text = runner.invoke(main, ["check", "--help"]).output
    assert "--baseline FILE" in help_text and "--write-baseline FILE" in help_text


def test_baseline_create_include_agreements(runner, tmp_path):
    folder = _articles(tmp_path / "in")
    result = _check(runner, folder, "--format", "json", "--out", str(tmp_path))
    result = runner.invoke(main, ["baseline", "create", str(tmp_path / "vncheck-report.json"), "-o",
                                  str(tmp_path / "b.json"), "--include-agreements"])
    assert result.exit_code == 0 and "2 entries (contradiction, agreement)" in result.stdout


# -- the JSON Schema shipped with the package --


def _strict(schema: dict) -> dict:
    """The schema with every object closed, to prove that it documents every key the report writes."""
    out = copy.deepcopy(schema)

    def close(node):
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(out)
    return out


def test_baseline_schema_file_is_a_valid_schema_and_shipped():
    schema = to_json.json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    assert "schema/*.json" in package_data["checker.report"]
    assert (ROOT / "checker" / "report" / "schema" / "report.schema.json").is_file()


def test_baseline_schema_validates_the_fixture_report(report):
    checked = apply_baseline(report, _accepting_f001(report))
    for r in (report, checked):
        data = json.loads(to_json.render(r))
        jsonschema.validate(data, to_json.json_schema(), cls=jsonschema.Draft202012Validator)
        jsonschema.validate(data, _strict(to_json.json_schema()), cls=jsonschema.Draft202012Validator)


def test_baseline_schema_validates_a_real_check_report(runner, tmp_path):
    folder = _articles(tmp_path / "in", EN_A + NEW_A, EN_B + NEW_B)
    (folder / "c.txt").write_text("", encoding="utf-8")  # a skipped document
    baseline = tmp_path / "b.json"
    baseline.write_text(dump_baseline(Baseline(entries=(STALE,))), encoding="utf-8")
    _, plain = _json_check(runner, folder)
    _, with_baseline = _json_check(runner, folder, "--baseline", str(baseline))
    assert plain["findings"] and with_baseline["summary"]["baseline"]["stale"]
    for data in (plain, with_baseline):
        jsonschema.validate(data, to_json.json_schema(), cls=jsonschema.Draft202012Validator)
        jsonschema.validate(data, _strict(to_json.json_schema()), cls=jsonschema.Draft202012Validator)


def test_baseline_schema_rejects_a_broken_report(report):
    data = json.loads(to_json.render(report))
    data["findings"][0]["fingerprint"] = "f001"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, to_json.json_schema(), cls=jsonschema.Draft202012Validator)
    del data["summary"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, to_json.json_schema(), cls=jsonschema.Draft202012Validator)


@pytest.mark.integration
def test_baseline_cli_round_trip_on_the_seeds_as_in_the_readme(runner, tmp_path):
    """The README's walk-through on seeds/ (fake backends; the dates check alone finds the new conflict)."""
    import shutil

    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    reports, baseline = tmp_path / "reports", tmp_path / "vncheck-baseline.json"
    assert _check(runner, seeds, "--format", "json", "--out", str(reports)).exit_code == 0
    result = runner.invoke(main, ["baseline", "create", str(reports / "vncheck-report.json"), "-o", str(baseline)])
    assert result.exit_code == 0, result.output
    result = _check(runner, seeds, "--baseline", str(baseline), "--fail-on", "contradiction", "--format", "json",
                    "--out", str(reports))
    assert result.exit_code == 0, result.output

    article = seeds / "001_547fc93670db27fd.txt"
    old = "In 1995, the US and Vietnam officially restored diplomatic relations"
    text = article.read_text(encoding="utf-8")
    assert old in text
    article.write_text(text.replace(old, old.replace("1995", "1997")), encoding="utf-8")
    result = _check(runner, seeds, "--baseline", str(baseline), "--fail-on", "contradiction", "--format", "json",
                    "--out", str(reports))
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[-2] == "Build failed: 1 contradiction at or above --min-score 0.50 not in the baseline:"
    assert "001_547fc93670db27fd sentence" in lines[-1] and "000_0e98a0b1cc9ab085 sentence" in lines[-1]
    assert "diplomatic relations" in lines[-1] and "1997" in lines[-1]
