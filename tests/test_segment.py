"""Stage 3: sentence segmentation, claim filtering and offsets into the original text."""
from __future__ import annotations

import html
import re
from collections import Counter
from pathlib import Path

import pytest

from checker.ingest import discover, load_document, load_documents
from checker.records import Claim, Document
from checker.segment import REASONS, classify, segment, segment_all, split_sentences

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = Path(__file__).parent.parent / "seeds"

_TAG = re.compile(r"<[^<>]*>")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def _normalise(raw: str) -> str:
    """The raw span as a reader sees it: no tags, markdown links or emphasis, entities decoded."""
    text = _MD_LINK.sub(r"\1", _TAG.sub(" ", raw)).replace("**", " ")
    text = re.sub(r"\s+", " ", html.unescape(text)).strip()
    return re.sub(r"\s+([.,;:!?])(?=\s|$)", r"\1", text)


def _assert_offsets(doc: Document, claims: list[Claim]) -> None:
    for claim in claims:
        raw = doc.text[claim.start : claim.end]
        if "|" in raw or "<td" in raw:  # a table row: cells joined with ": " or " | "
            cells = [c for c in (_normalise(c) for c in re.split(r"\||</t[dh]>", raw)) if c]
            assert claim.text in (": ".join(cells), " | ".join(cells)), (claim, raw)
        else:
            assert _normalise(raw) == claim.text, (claim.text, raw)


def _doc(text: str, lang: str = "de", path: str = "t.txt", doc_id: str = "t") -> Document:
    return Document(id=doc_id, path=path, lang=lang, text=text)  # type: ignore[arg-type]


def test_segment_keeps_german_abbreviations() -> None:
    text = "Das gilt z. B. für Häuser aus dem Okt. 2023 in Berlin. Am 5. Februar kam die 3. Runde der Gespräche."
    spans = split_sentences(text, "de")
    assert [text[s:e] for s, e in spans] == [
        "Das gilt z. B. für Häuser aus dem Okt. 2023 in Berlin.",
        "Am 5. Februar kam die 3. Runde der Gespräche.",
    ]


def test_segment_keeps_english_abbreviations() -> None:
    text = "The U.S. Navy visited Da Nang in Nov. 2003. Mr. Austin said so on Monday."
    assert len(split_sentences(text, "en")) == 2


def test_segment_splits_before_a_web_domain() -> None:
    text = "Beide Länder erheben Ansprüche. op-online.de berichtet, dass Vietnam um Hilfe bittet."
    assert len(split_sentences(text, "de")) == 2


def test_segment_german_fixture_claims_and_reasons() -> None:
    doc = load_document(FIXTURES / "de_bericht.txt")
    claims, skipped = segment(doc)
    assert [c.text for c in claims] == [
        "Die Bundesregierung hat am 5. Februar 2024 beschlossen, die Förderung für Wärmepumpen zu erhöhen.",
        "Nach Angaben des Wirtschaftsministeriums steigt der Zuschuss von 30 auf 40 Prozent der Kosten.",
        "Das Programm gilt z. B. für Ein- und Zweifamilienhäuser, die vor 1990 gebaut wurden.",
        "Bereits im Okt. 2023 hatten mehrere Länder mehr Geld für den Umbau gefordert.",
        "Der Bund stellt dafür bis 2027 insgesamt 12 Mrd. Euro bereit.",
    ]
    assert [c.id for c in claims] == [f"de_bericht:s{n}" for n in range(5)]
    assert [c.index for c in claims] == list(range(5))
    assert all(c.lang == "de" and c.doc_id == "de_bericht" for c in claims)
    reasons = {s.text: s.reason for s in skipped}
    assert reasons == {
        "Bundesregierung erhöht Förderung für Wärmepumpen": "heading",
        "Von Anna Müller, Berlin": "byline",
        "Stand: 5. Februar 2024": "dateline",
        "Kritik aus den Ländern": "heading",
        "Wer am meisten davon profitiert, ist noch offen?": "question",
    }
    assert all(s.where.startswith("de_bericht:") for s in skipped)
    _assert_offsets(doc, claims)


def test_segment_markdown_table_rows_become_claims() -> None:
    doc = load_document(FIXTURES / "en_report.md")
    claims, skipped = segment(doc)
    texts = [c.text for c in claims]
    assert "London: 13.1 weeks" in texts and "North East: 15.4 weeks" in texts
    assert "The health ministry promised 2,000 new nurses by March." in texts  # bullet and link dropped
    reasons = Counter(s.reason for s in skipped)
    assert reasons == {"heading": 3, "byline": 1, "dateline": 1, "question": 1, "boilerplate": 1}
    assert ("Region: Median wait", "heading") in {(s.text, s.reason) for s in skipped}
    assert "Will the trend continue?" in {s.text for s in skipped if s.reason == "question"}
    _assert_offsets(doc, claims)


def test_segment_table_with_three_cells_joins_with_bars() -> None:
    text = (
        "Die Tabelle zeigt die Zahlen für das Jahr.\n\n"
        "| Land | Jahr | Wert |\n|---|---|---|\n| Berlin | 2023 | 3,7 Mio. |\n"
    )
    claims, skipped = segment(_doc(text))
    assert claims[-1].text == "Berlin | 2023 | 3,7 Mio."
    assert ("Land | Jahr | Wert", "heading") in {(s.text, s.reason) for s in skipped}


def test_segment_html_strips_tags_scripts_and_entities() -> None:
    doc = load_document(FIXTURES / "en_page.html")
    claims, skipped = segment(doc)
    texts = [c.text for c in claims]
    assert texts[:4] == [
        "The Port of Hamburg handled 7.7 million containers in 2023, a rise of 3 percent on the previous year.",
        "Operators said trade with Asia & the Americas had recovered.",
        "The port authority expects growth to continue in 2024, although the dredging of the Elbe is delayed.",
        "A new terminal is due to open in October 2025.",
    ]
    assert texts[4:] == ["2022: 7.5 million TEU", "2023: 7.7 million TEU"]
    joined = " ".join(texts + [s.text for s in skipped])
    assert "script" not in joined and "World news" not in joined and "Copyright" not in joined
    assert {(s.text, s.reason) for s in skipped} >= {
        ("By Max Mustermann", "byline"),
        ("What comes next?", "heading"),
        ("Year: Containers", "heading"),
    }
    _assert_offsets(doc, claims)


def test_segment_removes_tag_debris_in_plain_text() -> None:
    text = (
        "Key recommendations include:\n"
        "- < strong >Capacity Building:< / strong > Expand educational exchanges for officers;< / li >\n"
        "- <b>Procurement:</b> Develop transparent acquisition frameworks for hardware.</li>\n"
    )
    doc = _doc(text, lang="en")
    claims, skipped = segment(doc)
    assert [c.text for c in claims] == [
        "Capacity Building: Expand educational exchanges for officers;",
        "Procurement: Develop transparent acquisition frameworks for hardware.",
    ]
    assert doc.text[claims[0].start : claims[0].end].startswith("Capacity Building:< / strong >")
    assert [s.reason for s in skipped] == ["lead-in"]
    _assert_offsets(doc, claims)


def test_segment_joins_hard_wrapped_lines() -> None:
    text = (
        "Die Regierung in Hanoi hat am Montag mitgeteilt, dass die\n"
        "Gespräche mit Washington fortgesetzt werden. Ein Termin steht\n"
        "noch nicht fest, hieß es aus dem Außenministerium in Hanoi.\n"
        "Beobachter erwarten ein Treffen der Minister im Herbst, wenn\n"
        "die Regierung ihren Haushalt vorgelegt hat und die Lage ruhig\n"
        "bleibt. Die Opposition kritisiert das Vorgehen der Regierung.\n"
    )
    claims, _ = segment(_doc(text))
    assert [c.text.split()[0] for c in claims] == ["Die", "Ein", "Beobachter", "Die"]
    assert claims[0].text.endswith("fortgesetzt werden.")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("By Jane Doe", "byline"),
        ("Foto: dpa / Max Mustermann", "byline"),
        ("Photo: Reuters", "byline"),
        ("Click here to subscribe for full access.", "boilerplate"),
        ("Enjoying this article?", "boilerplate"),
        ("Was bedeutet das für Vietnam?", "question"),
        ("Das war gut.", "too short"),
        ("just $5 a month.", "fragment"),
        ("Key recommendations include:", "lead-in"),
        ("Von Beijing wurde betont, dass die Beziehungen stabil bleiben.", None),
        ("By 2025, the United States will have doubled its aid.", None),
    ],
)
def test_segment_classify_gives_reasons(text: str, reason: str | None) -> None:
    assert classify(text) == reason
    assert reason is None or reason in REASONS


def test_segment_headings_are_short_lines_without_final_punctuation() -> None:
    assert classify("Strategische Partnerschaft mit den USA", block_is_line=True) == "heading"
    assert classify("Tuesday, April 23, 2024", block_is_line=True) == "dateline"


def test_segment_skips_other_language_sentences() -> None:
    text = (
        "Die Regierung hat am Montag neue Regeln für Wärmepumpen beschlossen. "
        "Le gouvernement français a annoncé hier une nouvelle réforme des retraites pour tous.\n"
    )
    claims, skipped = segment(_doc(text))
    assert len(claims) == 1
    assert [s.reason for s in skipped] == ["not de/en"]


def test_segment_all_reports_documents_without_claims() -> None:
    good = _doc("Die Regierung hat am Montag neue Regeln für Wärmepumpen beschlossen.\n", doc_id="good")
    empty = _doc("Was passiert jetzt?\n\nWer zahlt die Rechnung?\n", path="leer.txt", doc_id="leer")
    claims, skipped, no_claims = segment_all([good, empty])
    assert [c.id for c in claims] == ["good:s0"]
    assert [s.reason for s in skipped] == ["question", "question"]
    assert [s.where for s in no_claims] == ["leer"]
    assert no_claims[0].reason.startswith("[E108] 'leer.txt'") and "\n" not in no_claims[0].reason


@pytest.mark.integration
def test_segment_seeds_are_sensible() -> None:
    docs, bad = load_documents(discover([SEEDS]))
    assert not bad and [d.lang for d in docs] == ["de", "en", "en", "en", "de"]
    by_id = {d.id: d for d in docs}
    claims, skipped, no_claims = segment_all(docs)
    assert not no_claims
    for doc in docs:
        _assert_offsets(doc, [c for c in claims if c.doc_id == doc.id])
    texts = [c.text for c in claims]
    # "5. Februar" is an ordinal date, not the end of a sentence.
    assert any(t.startswith("Am Donnerstag, dem 5. Februar, fand in Peking") for t in texts)
    assert not any(t.endswith("dem 5.") for t in texts)
    # debris such as "< strong >" is gone, the 003 table rows are claims, headings are skipped.
    assert not any("<" in t or ">" in t for t in texts)
    assert any(t.startswith("Capability Enhancement: The partnership accelerates") for t in texts)
    assert any(t.startswith("Comprehensive Capacity Building: Expand educational") for t in texts)
    headings = {s.text for s in skipped if s.reason == "heading"}
    assert "Strategische Partnerschaft mit den USA" in headings
    assert "Expanding Military Cooperation: Vietnam’s Strategic Pivot" in headings
    assert "Main Benefit: Description" in headings
    assert by_id["002_06edac9f7beaf37f"].published is not None
    assert all(len(c.text.split()) >= 3 for c in claims)


def test_segment_drops_dateline_prefix_and_reads_its_date() -> None:
    text = (
        "Hafen meldet Rekord\n\n"
        "HAMBURG, 12. März 2024 (dpa) – Der Hafen hat 2023 mehr Container umgeschlagen als je zuvor.\n"
    )
    claims, _ = segment(_doc(text))
    assert [c.text for c in claims] == ["Der Hafen hat 2023 mehr Container umgeschlagen als je zuvor."]
    assert text[claims[0].start :].startswith("Der Hafen")


def test_segment_numbered_list_but_not_a_date_at_line_start() -> None:
    text = (
        "Die Regierung nennt drei Gründe für die Reform:\n\n"
        "1. Die Kosten sind seit 2020 stark gestiegen.\n"
        "2. Viele Häuser sind schlecht gedämmt.\n\n"
        "5. Februar 2024 war der Stichtag für alle Anträge der Länder.\n"
    )
    claims, skipped = segment(_doc(text))
    assert [c.text for c in claims] == [
        "Die Kosten sind seit 2020 stark gestiegen.",
        "Viele Häuser sind schlecht gedämmt.",
        "5. Februar 2024 war der Stichtag für alle Anträge der Länder.",
    ]
    assert [s.reason for s in skipped] == ["lead-in"]


def test_segment_offsets_survive_windows_line_endings() -> None:
    text = (FIXTURES / "de_bericht.txt").read_text(encoding="utf-8").replace("\n", "\r\n")
    doc = _doc(text, doc_id="crlf")
    claims, _ = segment(doc)
    assert len(claims) == 5
    _assert_offsets(doc, claims)


# -- bounded work on pathological text (issue 14) ---------------------------------------------


def test_segment_splitter_sees_bounded_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    import checker.segment as seg

    seen: list[int] = []
    real = seg._split_english
    monkeypatch.setattr(seg, "_split_english", lambda block: seen.append(len(block)) or real(block))
    text = "the quick brown fox jumps over the lazy dog " * 1000  # 44 KB, no sentence end
    spans = split_sentences(text, "en")
    # pysbd took 105 s for 200 KB of this: it is never given more than one window.
    assert seen and max(seen) <= seg.MAX_SPLIT_CHARS
    assert len(spans) >= len(text) // seg.MAX_SPLIT_CHARS
    assert all(0 <= s < e <= len(text) and e - s <= seg.MAX_SPLIT_CHARS for s, e in spans)


def test_segment_long_line_without_sentence_end_is_cut_at_spaces() -> None:
    text = "Die Regierung prüft weitere Schritte gegen die Verzögerung des Projekts " * 150  # no sentence end
    doc = _doc(text, doc_id="lang")
    claims, _ = segment(doc)
    assert len(claims) > 1
    for claim in claims:
        assert claim.end == len(text.rstrip()) or text[claim.end] == " "  # never inside a word
    _assert_offsets(doc, claims)


def test_segment_windows_split_ordinary_text_as_whole() -> None:
    from checker.segment import MAX_SPLIT_CHARS, _split_bounded, _split_english, _split_german

    english = " ".join(line for line in (SEEDS / "001_547fc93670db27fd.txt").read_text(encoding="utf-8").splitlines() if line)
    german = (SEEDS / "000_0e98a0b1cc9ab085.txt").read_text(encoding="utf-8").replace("\n", " ") * 2
    assert len(english) > 2 * MAX_SPLIT_CHARS and len(german) > MAX_SPLIT_CHARS
    assert _split_bounded(english, _split_english, MAX_SPLIT_CHARS) == _split_english(english)
    assert _split_bounded(german, _split_german, MAX_SPLIT_CHARS) == _split_german(german)


def test_segment_english_finds_sentences_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    import pysbd

    def quadratic(self, sentences):  # pysbd's locator searches the text from its start for every sentence
        raise AssertionError("pysbd's sentences_with_char_spans is quadratic in the number of sentences")

    monkeypatch.setattr(pysbd.Segmenter, "sentences_with_char_spans", quadratic)
    text = "Nr. " * 500
    spans = split_sentences(text, "en")
    assert spans == [(4 * k, 4 * k + 3) for k in range(500)]


class _Clock:
    """A ``time`` stand-in whose clock advances one second per reading."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        self.now += 1.0
        return self.now


def test_segment_all_skips_a_document_over_its_time_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    import checker.segment as seg

    monkeypatch.setattr(seg, "time", _Clock())  # each block or window costs one "second"
    small = _doc("Der Pegel der Donau stieg am Montag auf neun Meter.\n", doc_id="klein")
    huge = _doc("Der Pegel stieg weiter an und an " * 3000, doc_id="riesig", path="a/riesig.txt")
    claims, _, left_out = segment_all([small, huge], seconds=30)
    assert {c.doc_id for c in claims} == {"klein"}
    assert len(left_out) == 1 and left_out[0].where == "riesig"
    message = left_out[0].reason
    assert message.startswith("[E124]") and "a/riesig.txt" in message and "30 s" in message and "\n" not in message
    assert segment_all([huge], seconds=None)[0]  # no budget: the same document is split


def test_segment_read_inputs_warns_about_a_slow_document_and_checks_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import checker.segment as seg
    from checker.config import Config
    from checker.pipeline import read_inputs

    monkeypatch.setattr(seg, "time", _Clock())
    (tmp_path / "a.txt").write_text((FIXTURES / "de_bericht.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "b.txt").write_text("The river kept rising and rising " * 3000, encoding="utf-8")
    inputs = read_inputs([str(tmp_path)], Config(cache_dir=None, document_seconds=30))
    assert [d.id for d in inputs.documents] == ["a"]
    assert {c.doc_id for c in inputs.claims} == {"a"}
    assert len(inputs.warnings) == 1 and "[E124]" in inputs.warnings[0] and "b.txt" in inputs.warnings[0]
