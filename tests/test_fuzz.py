"""Property-based tests (hypothesis) of every stage that reads untrusted article text.

Targets: decoding (``decode_bytes``, ``load_document``), markup cleaning (``build_markup``
and its hand-written scanners), segmentation (offsets map back), language detection, slot
extraction and pair comparison. Each example has a deadline, so a stage that turns
quadratic on some shape of input fails here instead of hanging a newsroom's check.

Two profiles, chosen with ``VNCHECK_FUZZ``:

- ``fast`` (default, part of the normal suite): a few dozen examples per target,
  derandomized, a few seconds in all.
- ``long``: 10,000 examples per target, random (a new search each run)::

      VNCHECK_FUZZ=long .venv/bin/python -m pytest -q tests/test_fuzz.py

``VNCHECK_FUZZ_DEADLINE_MS`` changes the per-example deadline (5000 ms in the long profile,
20000 ms in the fast one, which runs on busy machines too); ``VNCHECK_FUZZ_EXAMPLES`` the number of examples per target. A failure prints the smallest input found and a
``@reproduce_failure`` line; each defect found so far is a regression test below.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.checks import compare_slots, default_lexicon, extract_slots
from checker.checks.extract import MAX_SLOTS_PER_KIND
from checker.checks.quantities import MAX_QUANTITIES
from checker.checks.tokens import MAX_SENTENCE_TOKENS, analyse
from checker.errors import InputError
from checker.ingest import decode_bytes, load_document
from checker.language import OTHER_MIN_CONFIDENCE, detect_language, sentence_language
from checker.records import Document, Verdict
from checker.segment import _split_bounded, _split_english, _split_german, segment, split_sentences
from checker import textclean
from checker.textclean import build_markup, markup_kind
from checker.verify import compare_texts

PROFILES = {"fast": 30, "long": 10_000}
PROFILE = os.environ.get("VNCHECK_FUZZ", "fast")
if PROFILE not in PROFILES:
    raise pytest.UsageError(f"VNCHECK_FUZZ={PROFILE!r}: use one of {', '.join(PROFILES)}")
LONG = PROFILE == "long"
# The default suite runs on busy machines too, so its deadline only catches a hang; the long
# profile, run on purpose, holds every example to 5 s.
DEADLINE = dt.timedelta(milliseconds=int(os.environ.get("VNCHECK_FUZZ_DEADLINE_MS", "5000" if LONG else "20000")))

FUZZ = settings(
    max_examples=int(os.environ.get("VNCHECK_FUZZ_EXAMPLES", PROFILES[PROFILE])),
    deadline=DEADLINE,
    derandomize=not LONG,  # the default suite always tries the same examples
    database=None,  # no .hypothesis/ folder in the repository; failures print a reproduce blob
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# -- inputs ---------------------------------------------------------------------------------

#: Pieces that exercise the code: lexicon words, numbers, dates, abbreviations, sentence
#: punctuation, markup of every kind, entities, control characters, surrogates.
PIECES = [
    "Die", "USA", "und", "Vietnam", "haben", "das", "Embargo", "2016", "vollständig", "aufgehoben", "nicht", "nur",
    "umfassende", "strategische", "Partnerschaft", "The", "US", "lifted", "the", "arms", "embargo", "in", "not", "only",
    "comprehensive", "strategic", "partnership", "second-largest", "trading", "partner", "of", "China", "Peking",
    "5", "1.", "5.", "3,000", "3.000", "1,5", "12.03.2024", "2023-09-14", "5 Prozent", "52 percent", "100 Mrd. Euro",
    "$5", "einundzwanzig", "drei", "three", "hundred", "Februar", "May", "Sept.", "1990er", "the 1980s", "vor fünf Jahren",
    "a decade ago", "seit", "since", "bis", "until", "zwischen", "Biden-Regierung", "Obama administration", "soll", "could",
    "bisher", "so far", "kein", "no longer", "Nr.", "U.S.", "z. B.", "a.", "Dr.", "Mr.", "St.", "Okt.", "vs.", "e.g.",
    ".", ",", ";", ":", "!", "?", "…", "–", "-", "(", ")", "„", "“", "”", "'s", "’", "%", "€", "/",
    "<p>", "</p>", "<div>", "</div>", "<h1>", "</h1>", "<br>", "<table>", "<tr>", "<td>", "<th>", "</td>", "</tr>",
    "<!--", "-->", "<script>", "</script>", "<style>", "<aside>", "</aside>", "<a href='x'>", "</a>", "< strong >",
    "<a b='", "</", "<!x", "<?x", "<![CDATA[", "]]>", "<", ">", "&amp;", "&#x41;", "&#", "&",
    "![x](y)", "[a](b)", "[a][b]", "![", "[", "]", "**", "*", "_", "`", "# ", "## ", "===", "---", "> ", "- ", "1) ",
    "| a | b |", "|---|---|", "|", "\n", "\n\n", "\r\n", "\t", " ", "  ", "\xa0", "\u2009", "\u3000",
    "\x00", "\x07", "\x1b[2J", "\x1b]52;c;SGVsbG8=\x07", "\x0c", "\x85", "\u2028", "\u202e", "\u200b", "\ufeff", "\xad",
    "\ud800", "\udfff", "😀", "ß", "Ä", "é", "İ", "ﬁ",
]
#: Units of the pathological runs of one token the fuzzer found slow.
RUN_UNITS = ["1. ", "a. ", "Nr. ", "U.S. ", "5 Prozent, ", "nicht ", "the ", "x", " ", ".", "<!-- ", "<a b='", "![a ",
             "[a ", "<a" + " " * 50, "<aside>", "und", "einundzwanzig", "USA und China ", "hob das Embargo auf, "]
RUN_MAX = 4000 if LONG else 1500


def _joined(pieces: list[str], separators: list[str]) -> str:
    return "".join(p + separators[k % len(separators)] for k, p in enumerate(pieces)) if separators else "".join(pieces)


_newsy = st.builds(
    _joined,
    st.lists(st.sampled_from(PIECES), max_size=60),
    st.lists(st.sampled_from(["", " ", " ", " ", "\n", ". "]), min_size=1, max_size=5),
)
_run = st.builds(lambda unit, n: unit * n, st.sampled_from(RUN_UNITS), st.integers(1, RUN_MAX // 2))
_random_text = st.text(
    alphabet=st.one_of(st.characters(), st.sampled_from(["\ud800", "\udc80", "\x00", "\x1b", "<", ">", "|", ".", "\n"])),
    max_size=300,
)
#: Article-like text: news pieces, runs of one token, random characters, and mixtures.
text_input = st.one_of(
    _newsy, _run, _random_text,
    st.builds(lambda a, b, c: a + b + c, _newsy, _run, _newsy),
).map(lambda t: t[:RUN_MAX * 4])
langs = st.sampled_from(["de", "en"])
suffixes = st.sampled_from([".txt", ".md", ".html"])


@pytest.fixture(scope="module", autouse=True)
def _warm_libraries() -> None:
    """Load SoMaJo, pysbd, py3langid, dateparser and the lexicon before the first deadline."""
    doc = Document(id="w", path="w.txt", lang="de", text="Am 5. Mai 2020 stieg der Umsatz um 5 Prozent. Der Satz.")
    segment(doc)
    textclean.parse_date("Veröffentlicht am 5. Februar 2024"), textclean.parse_date("May 5, 2024")
    compare_texts("Am 5. Mai 2020 stieg der Umsatz.", "On May 5, 2020, revenue rose.", None)
    split_sentences("It rose 5% on May 5, 2020. Then it fell.", "en")
    detect_language("Die Regierung hat das Gesetz beschlossen.")
    compare_slots(extract_slots("Am 5. Mai 2020 stieg der Umsatz um 5 Prozent.", "de"),
                  extract_slots("On May 5, 2020, revenue rose 6 percent.", "en"), default_lexicon())


# -- decoding ---------------------------------------------------------------------------------


@FUZZ
@given(st.one_of(st.binary(max_size=3000), text_input.map(lambda t: t.encode("utf-8", "surrogatepass")),
                 text_input.map(lambda t: t.encode("utf-16-le", "surrogatepass"))))
def test_fuzz_decode_bytes_gives_text_or_input_error(data: bytes) -> None:
    try:
        text, encoding = decode_bytes(data, "fuzz.txt")
    except InputError as e:
        assert "\n" not in str(e) and "fuzz.txt" in str(e)
        return
    assert isinstance(text, str) and encoding


@FUZZ
@given(st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs"), exclude_characters="\ufeff"), min_size=1,
               max_size=2000))
def test_fuzz_decode_bytes_reads_utf8_back(text: str) -> None:
    assert decode_bytes(text.encode("utf-8"), "fuzz.txt") == (text, "utf-8")


@FUZZ
@given(text_input, suffixes)
def test_fuzz_load_document_gives_document_or_input_error(text: str, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("fuzz" + suffix)
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        try:
            doc = load_document(path)
        except InputError as e:
            assert "\n" not in str(e)
            return
    assert doc.lang in ("de", "en") and doc.text == decode_bytes(text.encode("utf-8", "surrogatepass"), "x")[0]


# -- markup cleaning --------------------------------------------------------------------------


@FUZZ
@given(text_input, st.sampled_from(["html", "text"]))
def test_fuzz_markup_mask_keeps_length_and_characters(text: str, kind: str) -> None:
    markup = build_markup(text, kind)  # type: ignore[arg-type]
    assert len(markup.mask) == len(text)
    # Every character is the original one, or blanked (space), a block boundary or a cell boundary.
    assert all(m == t or m in " \n|" for m, t in zip(markup.mask, text))
    for start, end in markup.headings:
        assert 0 <= start <= end <= len(text)
    for row in markup.tables:
        assert 0 <= row.start < row.end <= len(text)
        assert all(row.start <= s < e <= row.end for s, e in row.cells)
    last = -1
    for start, end in markup.lines():
        assert last < start < end <= len(text) and "\n" not in markup.mask[start:end]
        last = end


#: The regular expressions the hand-written scanners of textclean replace: the specification
#: of what they find (the regexes took quadratic time on unclosed openings).
SPEC_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
SPEC_SCRIPT = re.compile(r"<\s*(script|style)\b[^>]*>.*?<\s*/\s*\1\s*>", re.IGNORECASE | re.DOTALL)
SPEC_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
SPEC_LINK = re.compile(r"\[([^\]\n]+)\](\([^)\n]*\)|\[[^\]\n]*\])")
SPEC_DEBRIS = re.compile(r"<\s*/?\s*(?P<name>[A-Za-z][A-Za-z0-9]*)\b(?:\s+[^<>]{0,300}?)?\s*/?\s*>")
_markup_atoms = st.sampled_from(
    ["<!--", "-->", "--", ">", "<", "!", "[", "]", "(", ")", "\n", "a", "B1", "_", "ä", " ", "\x1c", "\xa0", "/", "=", "'",
     "<script>", "</script>", "<style", "</STYLE >", "< script", "Script", "x" * 120, " " * 40]
)
markup_text = st.lists(_markup_atoms, max_size=25).map("".join)


@FUZZ
@given(markup_text)
def test_fuzz_markup_scanners_find_what_their_regex_finds(text: str) -> None:
    assert textclean._comment_spans(text) == [m.span() for m in SPEC_COMMENT.finditer(text)]
    assert textclean._script_spans(text) == [m.span() for m in SPEC_SCRIPT.finditer(text)]
    assert textclean._image_spans(text) == [m.span() for m in SPEC_IMAGE.finditer(text)]
    assert textclean._link_spans(text) == [(m.start(), m.end(1), m.end()) for m in SPEC_LINK.finditer(text)]
    assert textclean._debris_tags(text) == [(m.start(), m.end(), m.group("name")) for m in SPEC_DEBRIS.finditer(text)]


# -- segmentation -----------------------------------------------------------------------------


def _assert_claims_map_back(doc: Document) -> None:
    claims, skipped = segment(doc)
    markup = build_markup(doc.text, markup_kind(doc.path, doc.text))
    row_starts = {row.start for row in markup.tables}
    last_end = 0
    for n, claim in enumerate(claims):
        assert claim.id == f"{doc.id}:s{n}" and claim.index == n and claim.doc_id == doc.id
        assert last_end <= claim.start < claim.end <= len(doc.text), claim
        last_end = claim.end
        assert claim.text and claim.text == claim.text.strip()
        if claim.start in row_starts:  # a table row: its cells, joined
            continue
        # doc.text[start:end] is the claim's source: the claim is its cleaned form.
        assert markup.clean(claim.start, claim.end) == claim.text, (claim, doc.text[claim.start:claim.end])
    for item in skipped:
        start, _, end = item.where.rpartition(":")[2].partition("-")
        assert 0 <= int(start) <= int(end) <= len(doc.text)


@FUZZ
@given(text_input, langs, suffixes)
def test_fuzz_segment_offsets_map_back(text: str, lang: str, suffix: str) -> None:
    _assert_claims_map_back(Document(id="fz", path="fz" + suffix, lang=lang, text=text))  # type: ignore[arg-type]


@FUZZ
@given(text_input.map(lambda t: t.replace("\n", " ")), langs)
def test_fuzz_split_sentences_spans_are_ordered_and_trimmed(text: str, lang: str) -> None:
    spans = split_sentences(text, lang)  # type: ignore[arg-type]
    last = 0
    for start, end in spans:
        assert last <= start < end <= len(text)
        assert not text[start].isspace() and not text[end - 1].isspace()
        last = end


_sentence = st.builds(
    lambda words, end: " ".join(words)[:1].upper() + " ".join(words)[1:] + end,
    st.lists(st.sampled_from(["Die", "USA", "haben", "das", "Embargo", "2016", "aufgehoben", "the", "US", "lifted",
                              "z. B.", "Dr.", "Nr.", "U.S.", "5.", "Februar", "Mr.", "in", "Berlin", "said"]),
             min_size=1, max_size=12),
    st.sampled_from([".", "!", "?", "."]),
)


@FUZZ
@given(st.lists(_sentence, min_size=1, max_size=40).map(" ".join), langs)
def test_fuzz_split_in_windows_equals_split_whole(text: str, lang: str) -> None:
    # Sentences far shorter than the window split the same, window by window or whole.
    split = _split_german if lang == "de" else _split_english
    assert _split_bounded(text, split, 400) == split(text)


# -- language detection -----------------------------------------------------------------------


@FUZZ
@given(text_input, st.sampled_from(["de", "en"]))
def test_fuzz_language_detection_is_bounded_and_never_rejects_on_a_guess(text: str, doc_lang: str) -> None:
    lang, confidence = detect_language(text)
    assert lang in ("de", "en", "other") and 0.0 <= confidence <= 1.0
    if lang == "other" and text.strip():
        assert confidence >= OTHER_MIN_CONFIDENCE or confidence == 0.0
    lang, confidence = sentence_language(text, doc_lang)  # type: ignore[arg-type]
    assert lang in ("de", "en", "other") and 0.0 <= confidence <= 1.0


# -- slot extraction and pair comparison ------------------------------------------------------


def _quoted(slots, text: str) -> None:
    """Every slot quotes words of its claim and points inside its tokens."""
    n_tokens = len(analyse(text, slots.lang, default_lexicon()).tokens)
    assert n_tokens <= MAX_SENTENCE_TOKENS
    assert len(slots.quantities) <= MAX_QUANTITIES and len(slots.ranks) <= MAX_QUANTITIES
    assert len(slots.levels) <= MAX_SLOTS_PER_KIND and len(slots.statuses) <= MAX_SLOTS_PER_KIND
    for slot in (*slots.quantities, *slots.ranks, *slots.levels, *slots.statuses, *slots.times):
        assert 0 <= slot.span[0] <= slot.span[1] <= n_tokens, slot
        assert slot.text in text, slot
    for actor in slots.actors:
        assert 0 <= actor.span[0] < actor.span[1] <= n_tokens and actor.surface in text


@FUZZ
@given(text_input, langs, st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31))))
def test_fuzz_extract_slots_quotes_its_claim(text: str, lang: str, published: dt.date | None) -> None:
    _quoted(extract_slots(text, lang, published), text)


@FUZZ
@given(text_input, langs, text_input, langs)
def test_fuzz_compare_gives_bounded_findings(text_a: str, lang_a: str, text_b: str, lang_b: str) -> None:
    lexicon = default_lexicon()
    comparison = compare_slots(extract_slots(text_a, lang_a, source="A"), extract_slots(text_b, lang_b, source="B"), lexicon)
    for finding in comparison.findings:
        assert finding.kind in ("conflict", "support") and 0.0 <= finding.confidence <= 1.0
    verdict = compare_texts(text_a, text_b, None, lexicon)
    assert verdict.label in (Verdict.CONTRADICTS, Verdict.AGREES, Verdict.UNRELATED, Verdict.UNSCORED)
    assert 0.0 <= verdict.score <= 1.0 and all("\n" not in r for r in verdict.reasons)


# -- regression tests: defects the fuzzer and the pathological benchmark found ----------------
# (speed itself is shown by benchmarks/pathological.py; these pin the causes without a clock)


def test_fuzz_regression_one_claim_hashes_its_tokens_a_bounded_number_of_times(monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.checks.tokens import Token

    lexicon = default_lexicon()
    hashes = 0
    real = Token.__hash__

    def counting(self) -> int:
        nonlocal hashes
        hashes += 1
        return real(self)

    monkeypatch.setattr(Token, "__hash__", counting)
    text = "1. " * 150  # '1. ' * 1600 in German took 6.4 s: every number hashed the whole claim again
    extract_slots(text, "de", None, lexicon)
    assert hashes <= 100 * len(analyse(text, "de", lexicon).tokens)  # was 660 per token here, growing with the length


def test_fuzz_regression_numbers_read_per_claim_are_capped() -> None:
    slots = extract_slots("5 Prozent, " * 300, "de")  # a 33 KB line of this took 63 s
    assert len(slots.quantities) == MAX_QUANTITIES
    assert compare_slots(slots, slots, default_lexicon()) is not None  # number by number: 32 x 32, not 300 x 300


def test_fuzz_regression_levels_and_events_per_claim_are_capped() -> None:
    levels = extract_slots("comprehensive strategic partnership, " * 60, "en").levels
    events = extract_slots("Die USA hoben das Embargo auf, " * 60, "de").statuses
    assert len(levels) == MAX_SLOTS_PER_KIND and len(events) == MAX_SLOTS_PER_KIND


def test_fuzz_regression_slot_extraction_reads_a_bounded_number_of_tokens() -> None:
    sentence = analyse("the quick brown fox " * 5000, "en", default_lexicon())
    assert len(sentence.tokens) == MAX_SENTENCE_TOKENS
    # vncheck compare of two 200 KB "sentences" stays bounded too
    assert compare_texts("the 5 quick foxes " * 10000, "the 6 quick foxes " * 10000, None).label is not None


def test_fuzz_regression_german_number_word_of_any_length() -> None:
    from checker.checks.quantities import _german_compound, _single_word_cardinals

    words = _single_word_cardinals(default_lexicon())
    assert _german_compound("einundzwanzig", words) == 21.0
    assert _german_compound("und" * 30000 + "x", words) is None  # read by index, not by ever shorter copies


def test_fuzz_regression_clause_lookup_matches_a_scan() -> None:
    sentence = analyse("A; B, aber C: D (E) F; G", "de", default_lexicon())
    for index in range(-1, len(sentence.tokens) + 2):
        expected = next(((s, e) for s, e in sentence.clauses if s <= index < e), (0, len(sentence.tokens)))
        assert sentence.clause_of(index) == expected


def test_fuzz_regression_window_starting_with_an_enumerator_splits_like_the_whole() -> None:
    # Found by the long profile: pysbd reads "5." at the very start of a text as a list number,
    # so a window starting at "5. Die." split it as one sentence where the whole text has two.
    text = ("Die Die Die. Die Die Die Die Die Die Die Die Die Die aufgehoben aufgehoben. Die Die Die Die haben. Die Die Die "
            "Die Die aufgehoben. Haben haben haben haben Embargo aufgehoben Februar. Die Die Die Die Die Die Die Die Die "
            "haben. Die Die Die Die haben haben Embargo Embargo Embargo aufgehoben Februar. Die Die Die Die Die Die Die Die "
            "Die haben Embargo aufgehoben. Die Die haben Embargo aufgehoben. 5. Die.")
    assert _split_bounded(text, _split_english, 400) == _split_english(text)


def test_fuzz_regression_superscript_digit_is_no_year() -> None:
    # Found by the long profile: "¹".isdigit() is True, but int("0¹") raises.
    assert extract_slots("0¹", "de", None).times == ()


def test_fuzz_regression_reasons_quoting_text_across_a_line_break_stay_one_line() -> None:
    # Found by the long profile: "same figures: %\n5 Prozent (A) ..." broke the one-line reason.
    cmp = compare_slots(extract_slots("%\n5 Prozent\n", "de", None, source="A"), extract_slots("5 Prozent", "de", None, source="B"))
    assert cmp.findings and all("\n" not in f.reason for f in cmp.findings)
