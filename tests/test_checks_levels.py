"""Relationship levels: the ladder in both languages, exclusivity, upgrades, alliances."""
from __future__ import annotations

from checker.checks import extract_levels


def _one(text: str, lang: str):
    levels = extract_levels(text, lang)
    assert len(levels) == 1, levels
    return levels[0]


def test_checks_levels_ladder_has_equal_ranks_across_languages():
    pairs = [
        ("They are comprehensive partners.", "Sie sind umfassende Partner."),
        ("They formed a strategic partnership.", "Sie bildeten eine strategische Partnerschaft."),
        ("They formed a comprehensive strategic partnership.", "Sie bildeten eine umfassende strategische Partnerschaft."),
    ]
    ranks = []
    for en, de in pairs:
        a, b = _one(en, "en"), _one(de, "de")
        assert (a.category, a.rank) == (b.category, b.rank) == ("partnership", a.rank)
        ranks.append(a.rank)
    assert ranks == sorted(ranks) and len(set(ranks)) == 3


def test_checks_levels_reads_inflected_german_and_cooperation_equivalent():
    assert _one("Sie wollen die umfassende strategische Zusammenarbeit vertiefen.", "de").rank == 3
    assert _one("Beide Länder vereinbarten eine Aufwertung zur umfassenden strategischen Partnerschaft.", "de").rank == 3


def test_checks_levels_only_and_nur_make_a_level_exclusive():
    en = _one("Meanwhile, the US is only a comprehensive partner.", "en")
    assert en.exclusive and en.qualifier == "only" and en.tense == "present" and en.actors == {"USA"}
    de = _one("Japan ist für Indonesien lediglich ein strategischer Partner.", "de")
    assert de.exclusive and de.actors == {"JPN", "IDN"}


def test_checks_levels_not_only_is_neither_exclusive_nor_negated():
    lv = extract_levels("Japan ist nicht nur ein strategischer Partner der USA.", "de")[0]
    assert not lv.exclusive and not lv.polarity.negated


def test_checks_levels_upgraded_level_is_superseded():
    lv = _one("Seit 2013 besteht eine umfassende Partnerschaft, die nun aufgewertet wurde.", "de")
    assert lv.superseded and lv.time.describe() == "since 2013"
    levels = extract_levels("The ties were upgraded from a comprehensive partnership to a strategic partnership.", "en")
    assert [(lv.rank, lv.superseded, lv.target) for lv in levels] == [(1, True, False), (2, False, True)]


def test_checks_levels_forecast_is_hedged():
    lv = _one("Analysts expect ties to be upgraded to a strategic partnership next year.", "en")
    assert lv.polarity.hedged and lv.target


def test_checks_levels_alliance_is_a_separate_category():
    assert _one("Australia is a US ally.", "en").category == "alliance"
    lv = _one("Südkorea und die USA sind keine Verbündeten.", "de")
    assert lv.category == "alliance" and lv.polarity.negated and lv.rank == 0


def test_checks_levels_trading_partner_is_not_a_level():
    assert extract_levels("Vietnam ist der zweitwichtigste Handelspartner der USA.", "de") == ()


def test_checks_levels_plural_with_one_actor_is_generic():
    assert extract_levels("Security risks lurk for US strategic partners.", "en") == ()


def test_checks_levels_one_word_needs_the_same_stem_not_a_similar_word():
    # "Alles" is one letter away from "allies" but another word; "Militärbündnisses" is "Militärbündnis" inflected.
    assert extract_levels("Alles andere entspreche nicht der gängigen Praxis, sagt der Anwalt.", "de") == ()
    assert _one("Die Mitglieder des Militärbündnisses trafen sich.", "de").category == "alliance"
