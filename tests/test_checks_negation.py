"""Negation and hedges in both languages."""
from __future__ import annotations

from checker.checks import extract_polarity


def test_checks_negation_reads_not_nicht_kein():
    assert extract_polarity("The embargo was not lifted.", "en").negated
    assert extract_polarity("Das Embargo wurde nicht aufgehoben.", "de").negated
    assert extract_polarity("Es gibt keine Partnerschaft.", "de").negated
    assert not extract_polarity("The embargo was lifted.", "en").negated


def test_checks_negation_no_longer_is_a_negation():
    assert extract_polarity("They are no longer allies.", "en").negated
    assert extract_polarity("Sie sind nicht mehr Verbündete.", "de").negated


def test_checks_negation_not_only_is_not_a_negation():
    assert not extract_polarity("Japan ist nicht nur ein Partner.", "de").negated
    assert not extract_polarity("It is not only a partner.", "en").negated


def test_checks_negation_reads_modal_hedges():
    for text, lang in (
        ("The tariffs are expected to be lifted.", "en"),
        ("Die Zölle sollen aufgehoben werden.", "de"),
        ("Could the two countries become allies?", "en"),
        ("Falls die Zölle fallen, steigt der Handel.", "de"),
    ):
        assert extract_polarity(text, lang).hedged, text
    assert not extract_polarity("The tariffs were lifted.", "en").hedged


def test_checks_negation_so_far_and_bisher_are_temporal_hedges():
    en = extract_polarity("So far the embargo has not been lifted.", "en")
    de = extract_polarity("Bisher wurde das Embargo nicht aufgehoben.", "de")
    assert en.temporal and de.temporal and en.negated and de.negated
    assert not en.hedged
