"""Stage 1: discovering files, decoding them and refusing bad input with one-line errors."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from checker.errors import InputError
from checker.ingest import decode_bytes, discover, load_document, load_documents
from checker.textclean import build_markup

FIXTURES = Path(__file__).parent / "fixtures"

GERMAN = (
    "Die Bundesregierung hat am Donnerstag beschlossen, die Förderung für Wärmepumpen zu erhöhen. "
    "Das Gesetz gilt ab März für alle Häuser, die älter als zwanzig Jahre sind. "
    "Größere Änderungen an der Förderung sollen im kommenden Jahr folgen.\n"
)
ENGLISH = (
    "The government said on Monday that it would raise the subsidy for heat pumps. "
    "The new rules apply to all houses built before 1990.\n"
)
FRENCH = (
    "Le gouvernement a annoncé lundi une hausse des aides pour les pompes à chaleur. "
    "Les nouvelles règles s'appliquent à toutes les maisons construites avant 1990. "
    "Les associations de consommateurs saluent une décision attendue depuis longtemps.\n"
)


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _error(excinfo: pytest.ExceptionInfo[InputError]) -> str:
    message = str(excinfo.value)
    assert "\n" not in message and message.startswith("[E1") and "Fix:" in message
    return message


# --- discover -----------------------------------------------------------------------------


def test_ingest_discover_expands_folders_sorted(tmp_path: Path) -> None:
    _write(tmp_path, "b.txt", ENGLISH)
    _write(tmp_path, "sub/a.md", ENGLISH)
    _write(tmp_path, "sub/c.html", "<p>x</p>")
    _write(tmp_path, "notes.pdf", b"%PDF-1.4")
    _write(tmp_path, ".hidden/d.txt", ENGLISH)
    found = discover([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["b.txt", "sub/a.md", "sub/c.html"]


def test_ingest_discover_removes_duplicates(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.txt", ENGLISH)
    assert discover([a, tmp_path, a]) == [a]


def test_ingest_rejects_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError) as excinfo:
        discover([tmp_path / "nope.txt"])
    message = _error(excinfo)
    assert "nope.txt" in message and "E101" in message


def test_ingest_rejects_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    _write(tmp_path, "other/readme.pdf", b"%PDF")
    for folder in ("empty", "other"):
        with pytest.raises(InputError) as excinfo:
            discover([tmp_path / folder])
        assert folder in _error(excinfo)


def test_ingest_rejects_unsupported_file_type(tmp_path: Path) -> None:
    path = _write(tmp_path, "article.docx", b"PK\x03\x04")
    with pytest.raises(InputError) as excinfo:
        discover([path])
    assert "article.docx" in _error(excinfo)


# --- bad files ----------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n "])
def test_ingest_rejects_empty_file(tmp_path: Path, content: bytes) -> None:
    path = _write(tmp_path, "empty.txt", content)
    with pytest.raises(InputError) as excinfo:
        load_document(path)
    message = _error(excinfo)
    assert "empty.txt" in message and "empty" in message


@pytest.mark.parametrize(
    "content",
    [b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, b"Header\x00\x01\x02\x03" * 100, bytes(range(1, 32)) * 50],
)
def test_ingest_rejects_binary_file(tmp_path: Path, content: bytes) -> None:
    path = _write(tmp_path, "image.txt", content)
    with pytest.raises(InputError) as excinfo:
        load_document(path)
    message = _error(excinfo)
    assert "image.txt" in message and "binary" in message


def test_ingest_rejects_undecodable_bytes(tmp_path: Path) -> None:
    # UTF-8 umlauts next to bytes that are no UTF-8 at all: a damaged file, not cp1252.
    path = _write(tmp_path, "broken.txt", GERMAN.encode("utf-8") + b"Ende \xff\xfe\x81 kaputt.\n")
    with pytest.raises(InputError) as excinfo:
        load_document(path)
    message = _error(excinfo)
    assert "broken.txt" in message and "E105" in message


def test_ingest_decodes_cp1252(tmp_path: Path) -> None:
    text = GERMAN + "Er sagte: „Wir müssen handeln.“ – ein klares Signal.\n"
    path = _write(tmp_path, "alt.txt", text.encode("cp1252"))
    doc = load_document(path)
    assert doc.encoding == "cp1252"
    assert doc.text == text
    assert doc.lang == "de"


def test_ingest_decodes_utf8_with_bom(tmp_path: Path) -> None:
    path = _write(tmp_path, "bom.txt", b"\xef\xbb\xbf" + ENGLISH.encode("utf-8"))
    doc = load_document(path)
    assert doc.text == ENGLISH and doc.encoding == "utf-8-sig"


def test_ingest_decode_bytes_prefers_utf8() -> None:
    assert decode_bytes("Größe".encode("utf-8"), "x.txt") == ("Größe", "utf-8")


def test_ingest_rejects_5mb_document(tmp_path: Path) -> None:
    path = _write(tmp_path, "huge.txt", ENGLISH * (5_000_000 // len(ENGLISH) + 1))
    with pytest.raises(InputError) as excinfo:
        load_document(path)
    message = _error(excinfo)
    assert "huge.txt" in message and "5.0 MB" in message and "2.0 MB" in message


def test_ingest_max_bytes_is_configurable(tmp_path: Path) -> None:
    path = _write(tmp_path, "small.txt", ENGLISH)
    assert load_document(path, max_bytes=10_000).lang == "en"
    with pytest.raises(InputError):
        load_document(path, max_bytes=50)


def test_ingest_rejects_french_document(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.txt", FRENCH)
    with pytest.raises(InputError) as excinfo:
        load_document(path)
    message = _error(excinfo)
    assert "'" + str(path) + "' is in French (fr)" in message and "German and English" in message


def test_ingest_rejects_document_without_sentences(tmp_path: Path) -> None:
    path = _write(tmp_path, "headings.md", "# Wahl in Berlin\n\n## Ergebnisse im Überblick\n\nMehr dazu\n")
    with pytest.raises(InputError) as excinfo:
        load_document(path)
    message = _error(excinfo)
    assert "headings.md" in message and "no sentences" in message


def test_ingest_load_documents_warns_and_keeps_the_others(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    good = _write(tmp_path, "good.txt", ENGLISH)
    empty = _write(tmp_path, "empty.txt", b"")
    french = _write(tmp_path, "french.txt", FRENCH)
    docs, skipped = load_documents(sorted([good, empty, french]))
    assert [d.id for d in docs] == ["good"]
    assert [s.where for s in skipped] == [str(empty), str(french)]
    assert all(s.reason.startswith("[E1") and "\n" not in s.reason for s in skipped)
    assert "empty.txt" in skipped[0].reason
    assert "empty.txt" not in caplog.text  # debug only: the CLI prints it once, as a warning of the Report


def test_ingest_gives_duplicate_stems_distinct_ids(tmp_path: Path) -> None:
    paths = discover([_write(tmp_path, "a/x.txt", ENGLISH), _write(tmp_path, "b/x.md", ENGLISH)])
    docs, _ = load_documents(paths)
    assert [d.id for d in docs] == ["x", "x-2"]


# --- metadata -----------------------------------------------------------------------------


def test_ingest_reads_title_and_dateline_from_text() -> None:
    doc = load_document(FIXTURES / "de_bericht.txt")
    assert doc.id == "de_bericht" and doc.lang == "de"
    assert doc.title == "Bundesregierung erhöht Förderung für Wärmepumpen"
    assert doc.published == dt.date(2024, 2, 5)
    assert doc.text == (FIXTURES / "de_bericht.txt").read_text(encoding="utf-8")


def test_ingest_reads_markdown_title_and_published_line() -> None:
    doc = load_document(FIXTURES / "en_report.md")
    assert doc.lang == "en"
    assert doc.title == "Hospitals report record waiting times"
    assert doc.published == dt.date(2023, 9, 11)


def test_ingest_reads_html_title_and_meta_date() -> None:
    doc = load_document(FIXTURES / "en_page.html")
    assert doc.lang == "en"
    assert doc.title == "Port of Hamburg handles more containers"
    assert doc.published == dt.date(2024, 3, 12)
    assert doc.text.startswith("<!DOCTYPE html>")  # the original, not a cleaned copy


def test_ingest_reads_front_matter(tmp_path: Path) -> None:
    path = _write(tmp_path, "fm.md", "---\ntitle: Heat pumps\ndate: 2024-01-31\n---\n" + ENGLISH)
    doc = load_document(path)
    assert doc.title == "Heat pumps" and doc.published == dt.date(2024, 1, 31)


def test_ingest_never_guesses_dates_without_year(tmp_path: Path) -> None:
    path = _write(tmp_path, "noyear.txt", "Gestern\n\n" + GERMAN)
    assert load_document(path).published is None


def test_ingest_mask_keeps_length_and_removes_markup() -> None:
    text = (FIXTURES / "en_page.html").read_text(encoding="utf-8")
    markup = build_markup(text, "html")
    assert len(markup.mask) == len(text)
    clean = markup.clean(0, len(text))
    assert "script text" not in clean and "color" not in clean and "World news" not in clean
    assert "Copyright" not in clean and "<" not in clean and "&amp;" not in clean
    assert "Asia & the Americas" in clean


def test_ingest_decodes_utf16_with_bom(tmp_path: Path) -> None:
    path = _write(tmp_path, "wide.txt", GERMAN.encode("utf-16"))
    doc = load_document(path)
    assert doc.text == GERMAN and doc.encoding == "utf-16"


def test_ingest_sniffs_html_in_txt_file(tmp_path: Path) -> None:
    page = "<!DOCTYPE html><html><head><title>T</title></head><body><p>" + ENGLISH + "</p></body></html>"
    path = _write(tmp_path, "page.txt", page)
    doc = load_document(path)
    assert doc.lang == "en" and doc.title == "T"


# --- silent loss: unreadable folders, broken links, mixed encodings ------------------------------


def test_ingest_unreadable_subfolder_is_a_skipped_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    _write(tmp_path, "a.txt", ENGLISH)
    _write(tmp_path, "locked/b.txt", GERMAN)
    locked = tmp_path / "locked"
    real_scandir = os.scandir

    def scandir(path="."):  # root reads any folder, so the refusal is simulated
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = discover([tmp_path])
    assert locked in found
    docs, skipped = load_documents(found)
    assert [d.id for d in docs] == ["a"]
    assert [s.where for s in skipped] == [str(locked)]
    assert skipped[0].reason.startswith("[E121]") and "cannot be read" in skipped[0].reason


def test_ingest_dangling_link_is_a_skipped_entry(tmp_path: Path) -> None:
    _write(tmp_path, "a.txt", ENGLISH)
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    docs, skipped = load_documents(discover([tmp_path]))
    assert [d.id for d in docs] == ["a"]
    assert len(skipped) == 1 and skipped[0].where == str(tmp_path / "gone.txt")
    assert skipped[0].reason.startswith("[E122]") and "missing.txt" in skipped[0].reason


def test_ingest_link_loops_are_skipped_entries(tmp_path: Path) -> None:
    _write(tmp_path, "a.txt", ENGLISH)
    _write(tmp_path, "sub/b.txt", GERMAN)
    (tmp_path / "sub" / "up").symlink_to(tmp_path)  # a folder link back to a folder above it
    (tmp_path / "x.txt").symlink_to(tmp_path / "y.txt")  # two file links pointing at each other
    (tmp_path / "y.txt").symlink_to(tmp_path / "x.txt")
    docs, skipped = load_documents(discover([tmp_path]))
    assert sorted(d.id for d in docs) == ["a", "b"]  # each document once, however many ways lead to it
    reasons = {Path(s.where).name: s.reason for s in skipped}
    assert set(reasons) == {"up", "x.txt", "y.txt"}
    assert all(r.startswith("[E123]") for r in reasons.values()), reasons


def test_ingest_linked_folder_is_followed(tmp_path: Path) -> None:
    _write(tmp_path, "elsewhere/b.txt", GERMAN)
    (tmp_path / "in").mkdir()
    _write(tmp_path, "in/a.txt", ENGLISH)
    (tmp_path / "in" / "more").symlink_to(tmp_path / "elsewhere")
    docs, skipped = load_documents(discover([tmp_path / "in"]))
    assert sorted(d.id for d in docs) == ["a", "b"] and skipped == []


def test_ingest_latin1_file_with_one_utf8_word_has_no_mojibake() -> None:
    data = GERMAN.encode("cp1252") + " Das Café in München schließt.".encode("utf-8")
    text, encoding = decode_bytes(data, "mixed.txt")
    assert "Café in München schließt" in text and "Förderung für Wärmepumpen" in text
    assert "Ã" not in text and encoding == "cp1252+utf-8"


def test_ingest_cp1252_pairs_that_look_like_utf8_stay_cp1252() -> None:
    # "ß“" is DF 93 in cp1252, valid UTF-8 for U+07D3 (an NKo letter): it must stay "ß“".
    data = ("„Viele Grüße aus Passau, sagte der Bürgermeister, und einen Gruß“ an alle. " * 10).encode("cp1252")
    assert b"\xdf\x93" in data
    text, encoding = decode_bytes(data, "x.txt")
    assert "einen Gruß“" in text and encoding == "cp1252"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_ingest_decodes_utf16_without_bom(tmp_path: Path, encoding: str) -> None:
    path = _write(tmp_path, "u16.txt", GERMAN.encode(encoding))
    doc = load_document(path)
    assert doc.text == GERMAN and doc.encoding == encoding and doc.lang == "de"


def test_ingest_binary_with_nul_bytes_is_still_binary() -> None:
    with pytest.raises(InputError, match=r"\[E104\]"):
        decode_bytes(bytes(range(256)) * 40, "blob.txt")


def test_ingest_german_markdown_table_is_not_rejected_as_another_language(tmp_path: Path) -> None:
    import random

    random.seed(1)
    places = ["Bad Tölz", "Oberammergau", "Garmisch-Partenkirchen", "Füssen", "Kempten", "Lindau", "Memmingen"]
    rows = ["# Einwohner der Gemeinden", "", "Die Tabelle zeigt die Einwohnerzahlen der Gemeinden im Allgäu für das Jahr 2023.", "",
            "| Nr. | Gemeinde | Einwohner | Fläche km² |", "|---|---|---|---|"]
    rows += [f"| {i} | {random.choice(places)} | {random.randint(1000, 99999)} | {random.randint(10, 999)},{i % 10} |"
             for i in range(3000)]
    path = _write(tmp_path, "tabelle.md", "\n".join(rows) + "\n")
    doc = load_document(path)  # py3langid says "zxx" (no language) for the table: not a reason to reject it
    assert doc.lang in ("de", "en")


def test_ingest_number_table_with_an_english_sentence_is_english(tmp_path: Path) -> None:
    table = "\n".join(f"| {i} | {i * 3} | {i * 7} |" for i in range(2000))
    path = _write(tmp_path, "numbers.md", "The census office published the following figures for all districts on Monday.\n\n"
                  "| a | b | c |\n|---|---|---|\n" + table + "\n")
    assert load_document(path).lang == "en"


# -- markup cleaning on pathological input (issue 14) -----------------------------------------


def test_ingest_decode_bytes_does_not_crash_on_encoded_surrogates() -> None:
    # ED A0 80 looks like a 3-byte UTF-8 sequence but encodes a surrogate: found by the fuzzer
    # (tests/test_fuzz.py), it raised UnicodeDecodeError instead of an InputError.
    data = "Die Regierung hat das Gesetz beschlossen. ".encode() * 20 + b"\xed\xa0\x80 und mehr"
    try:
        text, _ = decode_bytes(data, "s.txt")
    except InputError as e:
        assert "s.txt" in str(e)
    else:
        assert text.startswith("Die Regierung")


@pytest.mark.parametrize("tail", ["<!-- nie geschlossen <p>Versteckt.</p>", "<a href='x Versteckt.", "<!x Versteckt.", "<?x Versteckt."])
def test_ingest_html_construct_left_open_runs_to_the_end(tail: str) -> None:
    text = "<p>Der Pegel der Donau stieg am Montag auf neun Meter.</p>" + tail
    mask = build_markup(text, "html").mask
    assert "Der Pegel der Donau" in mask
    assert "Versteckt" not in mask and "<" not in mask  # as in browsers (and html.parser from Python 3.13.4)


def test_ingest_html_parser_is_not_retried_at_every_open_tag(monkeypatch: pytest.MonkeyPatch) -> None:
    from html.parser import HTMLParser

    calls = 0
    real = HTMLParser.parse_starttag

    def counting(self, i):
        nonlocal calls
        calls += 1
        return real(self, i)

    monkeypatch.setattr(HTMLParser, "parse_starttag", counting)
    # Python 3.11's close() parsed each "<a" again to the end of the page: quadratic.
    build_markup("<p>Ein Satz steht hier.</p>" + "<a b='" * 2000, "html")
    assert calls < 10


def test_ingest_html_nested_skipped_elements_close_innermost_first() -> None:
    text = "<aside><nav><aside>Menü</aside>Mehr</nav>Werbung</aside><p>Der Satz bleibt stehen.</p>"
    mask = build_markup(text, "html").mask
    assert "Der Satz bleibt stehen." in mask and not any(w in mask for w in ("Menü", "Mehr", "Werbung"))
    deep = "<aside>" * 20000 + "Werbung" + "</aside>" * 20000 + "<p>Der Satz bleibt stehen.</p>"
    mask = build_markup(deep, "html").mask
    assert "Der Satz bleibt stehen." in mask and "Werbung" not in mask


@pytest.mark.parametrize("opening", ["<!-- ", "<script> ", "![Bild ", "[Link ", "<b" + " " * 300])
def test_ingest_markdown_openings_without_close_keep_the_text(opening: str) -> None:
    text = opening * 2000 + "\nDer Pegel der Donau stieg am Montag auf neun Meter.\n"
    markup = build_markup(text, "text")
    assert len(markup.mask) == len(text)
    assert "Der Pegel der Donau stieg am Montag auf neun Meter." in markup.mask


def test_ingest_markdown_links_images_and_comments_are_cleaned() -> None:
    text = "Die <!-- Notiz --> [Regierung](https://x.de) hat ![Foto](a.png) am <script>x()</script>Montag < b >beschlossen< /b >."
    assert build_markup(text, "text").clean(0, len(text)) == "Die Regierung hat am Montag beschlossen."
