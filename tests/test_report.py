"""Report renderers: golden files, escaping, the JSON contract, the registry, atomic writes."""
from __future__ import annotations

import dataclasses
import json
import os
import re
import stat
from pathlib import Path

import pytest

from checker.errors import InputError
from checker.records import Claim, Cluster, Finding, PairVerdict, Report, Verdict
from checker.report import (
    RendererInfo,
    UnknownFormatError,
    available_formats,
    get_renderer,
    register_renderer,
    write_report_atomically,
)
from checker.report import to_html, to_json, to_markdown, to_terminal
from checker.report import write as write_module
from checker.report.view import build_view

# -- golden files (regenerate only with: pytest --update-golden) --


def test_report_json_matches_golden(report, golden):
    golden("report.json", to_json.render(report))


def test_report_markdown_matches_golden(report, golden):
    golden("report.md", to_markdown.render(report))


def test_report_terminal_matches_golden(report, golden, string_console):
    to_terminal.print_report(report, string_console)
    golden("terminal.txt", string_console.file.getvalue())


# -- stable ids and determinism --


def test_report_finding_ids_follow_kind_then_score_then_claims(report):
    findings = json.loads(to_json.render(report))["findings"]
    assert [(f["id"], f["kind"], f["score"]) for f in findings] == [
        ("f001", "contradiction", 0.912),
        ("f002", "contradiction", 0.64),
        ("f003", "agreement", 0.867),
    ]
    assert findings[0]["a"] == "de_hochwasser:s0" and findings[0]["b"] == "en_floods:s0"


def test_report_output_does_not_depend_on_verdict_order(report):
    shuffled = dataclasses.replace(report, verdicts=tuple(reversed(report.verdicts)))
    for name in ("json", "markdown", "html", "rich"):
        render = get_renderer(name).render
        if name == "rich":
            assert to_terminal.render(report, color=False) == to_terminal.render(shuffled, color=False)
        else:
            assert render(report) == render(shuffled), name


def test_report_ties_are_broken_by_claim_ids(report):
    base = report.verdicts[0]
    twins = (
        dataclasses.replace(base, a="de_hochwasser:s1", b="en_floods:s1"),
        dataclasses.replace(base, a="de_hochwasser:s0", b="en_floods:s1"),
    )
    view = build_view(dataclasses.replace(report, verdicts=twins))
    assert [(f.id, f.verdict.a, f.verdict.b) for f in view.findings] == [
        ("f001", "de_hochwasser:s0", "en_floods:s1"),
        ("f002", "de_hochwasser:s1", "en_floods:s1"),
    ]


# -- the JSON contract --


def test_report_json_keeps_the_contract_keys(report):
    text = to_json.render(report)
    data = json.loads(text)
    assert text == json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert data["schema"] == 1
    for key in to_json.CONTRACT["report"]:
        assert key in data
    for key in to_json.CONTRACT["summary"]:
        assert key in data["summary"]
    for key in ("documents", "claims", "pairs_scored", "contradictions", "agreements", "unscored"):
        assert isinstance(data["summary"]["counts"][key], int)
    for kind, rows in (("document", data["documents"]), ("claim", data["claims"]), ("finding", data["findings"])):
        assert rows, kind
        for row in rows:
            missing = set(to_json.CONTRACT[kind]) - set(row)
            assert not missing, f"{kind} lacks {missing}"


def test_report_json_values_follow_the_contract(report):
    data = json.loads(to_json.render(report))
    docs = {d["id"]: d for d in data["documents"]}
    texts = {d.id: d.text for d in report.documents}
    assert docs["de_hochwasser"]["published"] == "2024-06-03"
    assert docs["en_floods"]["published"] is None
    assert docs["de_hochwasser"]["language"] == "de"
    claims = {c["id"]: c for c in data["claims"]}
    for c in data["claims"]:
        assert texts[c["doc"]][c["start"] : c["end"]] == c["text"]
    for f in data["findings"]:
        assert f["kind"] in ("contradiction", "agreement")
        assert f["a"] in claims and f["b"] in claims
        assert f["a_doc"] == claims[f["a"]]["doc"]
        assert 0.0 <= f["score"] <= 1.0 and round(f["score"], 3) == f["score"]
        assert all(isinstance(r, str) for r in f["reasons"] + f["scorers"])
    counts = data["summary"]["counts"]
    assert counts == {
        "agreements": 1,
        "below_min_score": 1,
        "claims": 7,
        "clusters": 2,
        "contradictions": 2,
        "documents": 2,
        "pairs_scored": 5,
        "skipped": 1,
        "unrelated": 0,
        "unscored": 1,
        "warnings": 1,
    }
    assert data["summary"]["skipped"] == [
        {"where": "en_floods:s3", "reason": "too short to be a claim", "text": "Update:"}
    ]
    assert data["summary"]["warnings"] == ["en_floods: no publication date found"]
    assert data["summary"]["scorers"] == ["nli:fake-nli.v1", "checks:v1"]
    assert data["summary"]["embedder"] == "fake.v1"


def test_report_json_turns_nan_into_null(report):
    bad = dataclasses.replace(report.verdicts[0], similarity=float("nan"))
    data = json.loads(to_json.render(dataclasses.replace(report, verdicts=(bad,))))
    assert data["findings"][0]["similarity"] is None


# -- escaping of untrusted article text --


def test_report_html_escapes_untrusted_text(report):
    page = to_html.render(report)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "<em>live" not in page and "<i>an</i>" not in page
    assert "&#34;stay away&#34;" in page and "&#39;riverbank&#39;" in page
    assert page.count("<script") == 1  # ours, at the end
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_report_html_is_self_contained(report):
    page = to_html.render(report)
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:|//|data:text)""", page)
    assert "@import" not in page and "url(" not in page and "@font-face" not in page
    assert "<link" not in page


def test_report_html_csp_hashes_match_inline_code(report):
    page = to_html.render(report)
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    assert f"style-src {to_html.csp_hash(style)};" in page
    assert f"script-src {to_html.csp_hash(script)};" in page


def test_report_html_links_point_to_existing_anchors(report):
    page = to_html.render(report)
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    targets = set(re.findall(r'href="#([^"]+)"', page))
    assert targets and targets <= ids
    for claim in ("claim-de_hochwasser-s0", "claim-en_floods-s2", "doc-en_floods", "f001", "f003"):
        assert claim in ids


def test_report_html_shows_each_finding_side_by_side(report):
    page = to_html.render(report)
    for fid, kind in (("f001", "contradiction"), ("f002", "contradiction"), ("f003", "agreement")):
        article = re.search(rf'<article class="finding {kind}" id="{fid}".*?</article>', page, re.S).group(0)
        assert article.count('<div class="side">') == 2
        assert "de_hochwasser" in article and "en_floods" in article
        assert "scored by" in article and "sentence " in article


# -- the editor-first HTML layout --


#: The page's top-level parts, in page order.
SECTIONS = ("summary", "filters", "findings", "sources", "notices", "documents")


def _section(page: str, section_id: str) -> str:
    """The page from a top-level part's opening tag to the next part (or the footer)."""
    start = page.index(f' id="{section_id}"')
    later = [page.find(f' id="{s}"', start + 1) for s in SECTIONS[SECTIONS.index(section_id) + 1 :]]
    end = min([i for i in later if i > 0] or [page.index("<footer")])
    return page[start:end]


def test_report_html_puts_findings_right_after_the_summary(report):
    page = to_html.render(report)
    body = page[page.index("<body>") :]
    order = [body.index(f'id="{name}"') for name in SECTIONS]
    assert order == sorted(order)
    # The skipped items come after the findings, collapsed.
    skipped = re.search(r"<details[^>]*\bid=\"skipped\"[^>]*>", page).group(0)
    assert " open" not in skipped
    assert body.index('id="skipped"') > body.index('id="findings"')
    assert "Update:" not in page[: page.index('id="findings"')]


def test_report_html_lists_contradictions_first_by_score_then_agreements(report):
    # In topic order the agreement f003 ("Pegel der Donau") stood between the two contradictions.
    findings = _section(to_html.render(report), "findings")
    articles = re.findall(r'<article class="finding (\w+)" id="(f\d+)" data-kind="\w+" data-score="([\d.]+)"', findings)
    assert [(kind, fid) for kind, fid, _ in articles] == [
        ("contradiction", "f001"),
        ("contradiction", "f002"),
        ("agreement", "f003"),
    ]
    assert [float(score) for _, _, score in articles] == [0.9123, 0.64, 0.8666]
    assert '<section class="topic">' not in findings
    assert "Topic: <b>Warnung &lt;i&gt;an&lt;/i&gt; &#34;Anwohner&#34;</b>" in findings


def test_report_html_source_matrix_marks_who_agrees_and_contradicts(report):
    sources = _section(to_html.render(report), "sources")
    tables = re.findall(r'<section class="matrix".*?</section>', sources, re.S)
    assert len(tables) == 2  # the cluster "Warnungen" joins the topic of its finding f002
    pegel = next(t for t in tables if "<h3>Pegel der Donau in Passau" in t)
    assert re.findall(r'<th class="col"[^>]*>([^<]+)</th>', pegel) == ["de_hochwasser", "en_floods"]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", pegel.split("<tbody>")[1], re.S)
    assert len(rows) == 4  # the four claims of the topic, German article first

    def marks(row: str) -> list[str]:
        return re.findall(r'<a class="(contradiction|agreement)" href="#(f\d+)"', row)

    assert "Der Pegel der Donau" in rows[0] and marks(rows[0]) == [("contradiction", "f001")]
    assert "Die Stadt rief" in rows[1] and marks(rows[1]) == [("agreement", "f003")]
    assert "8.50 metres" in rows[2] and marks(rows[2]) == [("contradiction", "f001")]
    assert "Sunday evening" in rows[3] and marks(rows[3]) == [("agreement", "f003")]
    assert 'rowspan="2"' in rows[0] and 'rowspan="2"' in rows[2]
    assert all(row.count('class="self"') == 1 for row in rows)
    warnung = next(t for t in tables if "f002" in t)
    assert "<script>" not in warnung and "&lt;script&gt;alert(1)&lt;/script&gt;" in warnung
    assert 'data-findings=\'["f002"]\'' in warnung


def test_report_view_source_matrix_keeps_clusters_without_findings(report):
    lone = Cluster(id="t09", topic="Einsatzkräfte", claim_ids=("de_hochwasser:s2", "en_floods:s1", "gone:s1"))
    view = build_view(dataclasses.replace(report, clusters=report.clusters + (lone,)))
    assert [(m.topic, [f.id for f in m.findings]) for m in view.matrix] == [
        ("Pegel der Donau in Passau", ["f001", "f003"]),
        ('Warnung <i>an</i> "Anwohner"', ["f002"]),
        ("Einsatzkräfte", []),
    ]
    rows = view.matrix[2].rows
    assert [r.claim.id for r in rows] == ["de_hochwasser:s2", "en_floods:s1"]  # the missing claim is left out
    assert all(not fs for r in rows for fs in r.links.values())
    page = to_html.render(dataclasses.replace(report, clusters=report.clusters + (lone,)))
    assert re.search(r"<details class=\"more-topics\">\s*<summary>1 topic without findings</summary>", page)


def test_report_html_skipped_items_carry_their_document(report):
    page = to_html.render(report)
    assert '<li data-doc="en_floods">Skipped <code>en_floods:s3</code>' in page
    view = build_view(report)
    assert view.skipped_doc("en_floods:120-180") == "en_floods"
    assert view.skipped_doc("en_floods") == "en_floods"
    assert view.skipped_doc("seeds/broken.bin") == ""


def _verdict_report(report: Report, text_a: str, text_b: str, label: Verdict = Verdict.CONTRADICTS,
                    evidence: tuple = ()) -> Report:
    """The fixture report with one verdict between two new claims of the given texts."""
    de, en = report.documents
    a = Claim(id="de_hochwasser:s9", doc_id=de.id, lang="de", text=text_a, start=0, end=0, index=9)
    b = Claim(id="en_floods:s9", doc_id=en.id, lang="en", text=text_b, start=0, end=0, index=9)
    verdict = PairVerdict(a=a.id, b=b.id, label=label, score=0.9, topic="t", findings=evidence)
    return dataclasses.replace(report, claims=report.claims + (a, b), verdicts=(verdict,))


def _marked(view_finding) -> tuple[list[str], list[str]]:
    return (
        [p.text for p in view_finding.a_pieces if p.marked],
        [p.text for p in view_finding.b_pieces if p.marked],
    )


def test_report_view_marks_the_numbers_and_dates_that_differ(report):
    r = _verdict_report(report, "Am 14. September starben 310 Menschen, im Jahr 2024.",
                        "On 21 September 2024, 350 people died.")
    (finding,) = build_view(r).findings
    assert _marked(finding) == (["14", "310"], ["21", "350"])  # "September" and "2024" are shared
    assert "".join(p.text for p in finding.a_pieces) == finding.a.text


def test_report_view_marks_numbers_across_number_formats(report):
    r = _verdict_report(report, "Der Pegel lag bei 9,80 Meter, 1.500 Menschen am Sonntagabend.",
                        "The level was 8.50 metres, 1,500 people on Monday evening.")
    assert _marked(build_view(r).findings[0]) == (["9,80", "Sonntagabend"], ["8.50", "Monday"])
    same = _verdict_report(report, "Der Pegel lag bei 9,80 Meter.", "The level was 9.8 metres.")
    assert _marked(build_view(same).findings[0]) == ([], [])


def test_report_view_marks_the_values_named_by_the_evidence(report):
    evidence = (Finding(check="count", kind="conflict",
                        reason="deaths: 310 Todesopfer (de_hochwasser, 2024-09) vs 350 victims (en_floods)"),)
    r = _verdict_report(report, "Es gab 310 Todesopfer.", "There were 350 victims.", evidence=evidence)
    assert _marked(build_view(r).findings[0]) == (["310 Todesopfer"], ["350 victims"])
    # The checks may have seen the pair the other way round: the document in parentheses decides.
    flipped = (Finding(check="level", kind="conflict",
                       reason="relationship level: only partners (en_floods, present tense) vs strategic allies (de_hochwasser)"),)
    r = _verdict_report(report, "Sie sind strategic allies.", "They are only partners.", evidence=flipped)
    assert _marked(build_view(r).findings[0]) == (["strategic allies"], ["only partners"])


def test_report_view_marks_nothing_on_agreements(report):
    r = _verdict_report(report, "310 Menschen am 14. September.", "350 people on 21 September.", label=Verdict.AGREES)
    assert _marked(build_view(r).findings[0]) == ([], [])


def test_report_html_highlight_spans_are_escaped(report):
    evidence = (Finding(check="actor", kind="conflict", reason="who: <b>310</b> (de_hochwasser) vs <i>350</i> (en_floods)"),)
    r = _verdict_report(report, 'Es waren <b>310</b> & "mehr".', "It was <i>350</i> <script>x</script>.", evidence=evidence)
    findings = _section(to_html.render(r), "findings")
    assert '<mark class="diff">&lt;b&gt;310&lt;/b&gt;</mark> &amp; &#34;mehr&#34;' in findings
    assert '<mark class="diff">&lt;i&gt;350&lt;/i&gt;</mark> &lt;script&gt;x&lt;/script&gt;' in findings
    assert "<b>310" not in findings and "<i>350" not in findings and "<script>" not in findings


def test_report_html_url_presets_are_the_ones_the_script_reads(report):
    page = to_html.render(report)
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    read = set(re.findall(r'params\.(?:get|getAll|has)\("(\w+)"\)', script))
    assert read == set(to_html.URL_PRESETS)
    footer = page[page.index('<p id="url-presets">') :]
    for key in to_html.URL_PRESETS:
        assert f"<code>{key}=</code>" in footer
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    missing = [key for key in to_html.URL_PRESETS if f"`{key}=" not in readme]
    assert not missing, f"README.md does not document the report URL presets {missing}"


def test_report_html_filter_form_has_search_sort_and_min_score(report):
    form = re.search(r'<form id="filters".*?</form>', to_html.render(report), re.S).group(0)
    assert 'name="q" type="search"' in form
    assert re.findall(r'<option value="(\w+)">', form.split('name="sort"')[1]) == ["kind", "score", "doc"]
    assert 'name="min" type="number" min="0" max="1" step="0.05" value="0.50"' in form


def test_report_markdown_escapes_untrusted_text(report):
    md = to_markdown.render(report)
    assert "<script>" not in md and "<img" not in md and "<em>" not in md and "<i>" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in md
    row = next(line for line in md.splitlines() if line.startswith("| Sentence |") and "Officials" in line)
    assert len(re.findall(r"(?<!\\)\|", row)) == 4  # the article's "|" does not add a column
    assert r"\[bold\]now\[/bold\]" in md and r"\*really\*" in md


def test_report_markdown_escapes_line_starts():
    assert to_markdown.md_escape("# 1. - x") == r"# 1. - x"
    assert to_markdown.md_escape("# heading", line_start=True) == r"\# heading"
    assert to_markdown.md_escape("12. März", line_start=True) == r"12\. März"
    assert to_markdown.md_escape("- item", line_start=True) == r"\- item"


def test_report_terminal_prints_markup_verbatim(report, string_console):
    to_terminal.print_report(report, string_console)
    out = string_console.file.getvalue()
    assert "[bold]now[/bold]" in out
    assert "<script>alert(1)</script>" in out


def test_report_rich_render_is_plain_unless_colour_is_asked_for(report):
    assert "\x1b[" not in to_terminal.render(report, color=False)
    assert "\x1b[" in to_terminal.render(report, color=True, width=100)
    assert "\x1b[" not in get_renderer("rich").render(report)  # pytest's stdout is no tty


# -- the registry --


def test_report_registry_lists_builtin_formats():
    assert {"json", "markdown", "html", "rich"} <= set(available_formats())
    assert get_renderer("markdown").extension == ".md"
    assert get_renderer("json").extension == ".json"
    assert get_renderer("html").extension == ".html"
    assert isinstance(get_renderer("rich"), RendererInfo)


def test_report_registry_builtins_match_their_modules(report):
    assert get_renderer("json").render(report) == to_json.render(report)
    assert get_renderer("markdown").render(report) == to_markdown.render(report)
    assert get_renderer("html").render(report) == to_html.render(report)


def test_report_registry_rejects_unknown_format():
    with pytest.raises(UnknownFormatError) as err:
        get_renderer("pdf")
    assert isinstance(err.value, InputError)
    assert "pdf" in str(err.value) and "json" in str(err.value)


def test_report_registry_accepts_plugins(monkeypatch, report):
    import checker.report as registry

    monkeypatch.setattr(registry, "_RENDERERS", dict(registry._RENDERERS))
    info = register_renderer("ids", "txt", lambda r: "\n".join(c.id for c in r.claims))
    assert info.extension == ".txt"
    assert "ids" in available_formats()
    assert get_renderer("ids").render(report).startswith("de_hochwasser:s0\n")
    with pytest.raises(ValueError):
        register_renderer("ids", ".txt", lambda r: "")
    register_renderer("ids", ".csv", lambda r: "", replace=True)
    assert get_renderer("ids").extension == ".csv"


def test_report_renders_an_empty_report(empty_report):
    for name in available_formats():
        text = get_renderer(name).render(empty_report)
        assert text.strip(), name
    assert json.loads(to_json.render(empty_report))["findings"] == []
    assert "No findings" in to_markdown.render(empty_report)


def test_report_tolerates_claims_missing_from_the_report(report):
    ghost = dataclasses.replace(report.verdicts[0], a="gone:s9")
    broken = dataclasses.replace(report, verdicts=(ghost,))
    for name in available_formats():
        assert "gone:s9" in get_renderer(name).render(broken), name


def test_report_view_segments_rebuild_the_text(report):
    view = build_view(report)
    for doc in report.documents:
        segments = view.segments(doc)
        assert "".join(s.text for s in segments) == doc.text
        assert [s.claim.id for s in segments if s.claim] == [c.id for c in view.doc_claims(doc.id)]


def test_report_view_counts_match_the_verdicts(report):
    counts = build_view(report).counts
    labels = [v.label for v in report.verdicts]
    assert counts["pairs_scored"] == len(report.verdicts)
    assert counts["unscored"] == labels.count(Verdict.UNSCORED)
    assert counts["contradictions"] + counts["agreements"] == len(report.findings())


# -- atomic writes --


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_report_write_atomically_writes_and_replaces(tmp_path):
    target = tmp_path / "report.json"
    assert write_report_atomically("first\n", target) == target
    write_report_atomically("zweite Fassung – ü\n", target)
    assert target.read_text(encoding="utf-8") == "zweite Fassung – ü\n"
    assert _leftovers(tmp_path) == []
    assert stat.S_IMODE(target.stat().st_mode) & 0o044  # not mkstemp's private 0o600


@pytest.mark.parametrize("where", ["fsync", "replace"])
def test_report_write_atomically_survives_interrupt(tmp_path, monkeypatch, where):
    target = tmp_path / "report.html"
    target.write_text("previous report\n", encoding="utf-8")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(write_module.os, where, interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_report_atomically("new report " * 1000, target)
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "previous report\n"
    assert _leftovers(tmp_path) == []


def test_report_write_atomically_survives_failure_midway(tmp_path):
    target = tmp_path / "report.md"
    target.write_text("previous report\n", encoding="utf-8")
    # A lone surrogate cannot be encoded: the write fails after part of the text.
    with pytest.raises(UnicodeEncodeError):
        write_report_atomically("x" * 100_000 + "\ud800" + "y" * 10, target)
    assert target.read_text(encoding="utf-8") == "previous report\n"
    assert _leftovers(tmp_path) == []
    assert sorted(os.listdir(tmp_path)) == ["report.md"]


def test_report_write_atomically_creates_new_file(tmp_path, report):
    target = tmp_path / ("check" + get_renderer("markdown").extension)
    write_report_atomically(get_renderer("markdown").render(report), target)
    assert target.read_text(encoding="utf-8") == to_markdown.render(report)
    assert sorted(os.listdir(tmp_path)) == ["check.md"]


def test_report_fixture_offsets_point_into_the_text(report: Report, malicious_text: str):
    texts = {d.id: d.text for d in report.documents}
    for c in report.claims:
        assert texts[c.doc_id][c.start : c.end] == c.text
    assert any(c.text == malicious_text for c in report.claims)


def test_report_counts_sentences_one_way_in_human_outputs(report, string_console):
    # "sentence 1 · de_hochwasser:s0" mixed counting from 1 and from 0 in one line.
    to_terminal.print_report(report, string_console)
    outputs = {"terminal": string_console.file.getvalue(), "markdown": to_markdown.render(report)}
    for name, text in outputs.items():
        findings = text.split("Warnings and skipped items")[0]  # the fixture's skipped item has a claim-like id
        assert "sentence 1, chars 43–104" in findings, name
        assert not re.search(r"(de|en)\\?_(hochwasser|floods):s\d", findings), name


def test_report_skipped_document_message_is_shown_once(report, string_console):
    from checker.records import Skipped

    message = "[E104] 'seeds/x.txt' is a binary file, not text."
    r = dataclasses.replace(report, warnings=report.warnings + (message,),
                            skipped=report.skipped + (Skipped(where="seeds/x.txt", reason=message),))
    to_terminal.print_report(r, string_console)
    assert string_console.file.getvalue().count("is a binary file") == 1
    assert to_markdown.render(r).count("is a binary file") == 1
