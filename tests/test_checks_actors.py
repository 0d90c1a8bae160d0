"""Actors: bilingual aliases, metonyms, false friends, names outside the lexicon."""
from __future__ import annotations

from checker.checks import extract_actors
from checker.checks.actors import relate, same_name


def _ids(text: str, lang: str) -> list[str]:
    return [a.id for a in extract_actors(text, lang)]


def test_checks_actors_normalises_us_aliases_in_both_languages():
    assert set(_ids("The US, the United States and Washington agreed, the White House said.", "en")) == {"USA"}
    assert set(_ids("Die USA und die Vereinigten Staaten, so das Weiße Haus.", "de")) == {"USA"}
    assert _ids("The U.S. lifted it.", "en") == ["USA"]


def test_checks_actors_normalises_china_and_vietnam_capitals():
    assert _ids("Peking und Beijing sowie Hanoi", "de") == ["CHN", "CHN", "VNM"]
    assert _ids("Vietnams Rolle", "de") == ["VNM"]


def test_checks_actors_pronoun_us_is_not_the_united_states():
    assert "USA" not in _ids("He told us about the plan.", "en")


def test_checks_actors_south_china_sea_is_not_china():
    ids = _ids("Disputes in the South China Sea continue.", "en")
    assert "SOUTH_CHINA_SEA" in ids and "CHN" not in ids
    assert _ids("im Südchinesischen Meer", "de") == ["SOUTH_CHINA_SEA"]


def test_checks_actors_currency_us_dollar_is_not_an_actor():
    assert "USA" not in _ids("Der Handel erreichte 100 Milliarden US-Dollar.", "de")


def test_checks_actors_marks_possessives_and_german_genitive():
    en = {a.id: a.possessive for a in extract_actors("Vietnam is the US's partner.", "en")}
    assert en == {"VNM": False, "USA": True}
    de = {a.id: a.possessive for a in extract_actors("China ist Deutschlands größter Partner.", "de")}
    assert de == {"CHN": False, "DEU": True}


def test_checks_actors_era_names_its_government():
    assert _ids("Die Biden-Regierung investierte viel.", "de") == ["USA"]


def test_checks_actors_keeps_other_names_and_relates_sets():
    names = [a.id for a in extract_actors("Siemens AG and Bosch cut jobs.", "en")]
    assert "name:siemens ag" in names and "name:bosch" in names
    assert same_name("name:siemens", "name:siemens ag")
    assert relate({"USA", "VNM"}, {"VNM", "USA"}) == "same"
    assert relate({"USA", "VNM"}, {"USA"}) == "subset"
    assert relate({"USA", "VNM"}, {"CHN", "VNM"}) == "overlap"
    assert relate({"USA"}, {"CHN"}) == "disjoint"
