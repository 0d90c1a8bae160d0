"""Stage 2: document and sentence language with py3langid."""
from __future__ import annotations

import pytest

from checker.language import detect_language, identify, language_name, sentence_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Die Bundesregierung hat am Donnerstag neue Regeln für Wärmepumpen beschlossen.", "de"),
        ("The government announced new rules for heat pumps on Thursday.", "en"),
        ("Le gouvernement a annoncé jeudi de nouvelles règles pour les pompes à chaleur.", "other"),
        ("El gobierno anunció el jueves nuevas normas para las bombas de calor.", "other"),
    ],
)
def test_language_detects_document_language(text: str, expected: str) -> None:
    lang, confidence = detect_language(text)
    assert lang == expected
    assert 0.5 < confidence <= 1.0


def test_language_empty_text_is_other() -> None:
    assert detect_language("   ") == ("other", 0.0)


def test_language_identify_ranks_real_codes() -> None:
    code, p = identify("Le gouvernement a annoncé jeudi de nouvelles règles.")[0]
    assert code == "fr" and p > 0.9
    assert language_name(code) == "French"


def test_language_short_sentence_falls_back_to_document() -> None:
    # Names and numbers carry no language; langid guesses wildly on them.
    assert sentence_language("Hanoi 2023.", "de")[0] == "de"
    assert sentence_language("Vietnam und USA.", "en")[0] == "en"


def test_language_long_sentence_keeps_its_own_language() -> None:
    english = "In 2016, the United States completely lifted the arms embargo against Vietnam."
    assert sentence_language(english, "de")[0] == "en"
    french = "Le gouvernement français a annoncé hier une nouvelle réforme des retraites pour tous."
    assert sentence_language(french, "de")[0] == "other"


def test_language_no_linguistic_content_is_not_a_language() -> None:
    # py3langid ranks "zxx" (no linguistic content) first for tables of numbers.
    table = " ".join(f"| {i} | {i * 3} | {i * 7} |" for i in range(300)) + " The figures are from the census office."
    lang, _ = detect_language(table)
    assert lang in ("de", "en")


def test_language_guess_below_half_is_never_a_rejection(monkeypatch: pytest.MonkeyPatch) -> None:
    import checker.language

    # Volapük at 0.45 with German and English almost nowhere: langid is guessing, so keep the text.
    monkeypatch.setattr(checker.language, "identify", lambda text: [("vo", 0.45), ("zxx", 0.4), ("de", 0.001), ("en", 0.0005)])
    assert detect_language("Tabelle 1 2 3")[0] == "de"
    monkeypatch.setattr(checker.language, "identify", lambda text: [("fr", 0.93), ("de", 0.05)])
    assert detect_language("Le texte")[0] == "other"
