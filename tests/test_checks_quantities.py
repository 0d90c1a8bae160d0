"""Counts and numbers in German and English, including number words and ranks."""
from __future__ import annotations

from checker.checks import extract_quantities, extract_ranks


def _values(text: str, lang: str):
    return [(q.value, q.kind) for q in extract_quantities(text, lang)]


def test_checks_quantities_reads_german_number_words_drei_nein():
    q = extract_quantities("Vietnam folgt dem Prinzip der drei Nein.", "de")[0]
    assert (q.value, q.kind, q.noun) == (3.0, "cardinal", "nein")


def test_checks_quantities_reads_english_number_words_in_any_case():
    assert [(q.value, q.noun) for q in extract_quantities("the three nos and the Four Nos policy", "en")] == [(3.0, "nos"), (4.0, "nos")]


def test_checks_quantities_reads_german_ordinal_word_vierte():
    assert _values("Das Prinzip wurde um ein viertes ergänzt.", "de") == [(4.0, "ordinal")]
    assert _values("Das ist die vierte Runde.", "de") == [(4.0, "ordinal")]


def test_checks_quantities_reads_thousands_separators_by_language():
    assert extract_quantities("Im Werk arbeiten 1.500 Beschäftigte.", "de")[0].value == 1500
    assert extract_quantities("The plant employs 1,500 workers.", "en")[0].value == 1500
    assert extract_quantities("Die Quote lag bei 5,1 Prozent.", "de")[0].value == 5.1


def test_checks_quantities_counted_nouns_compare_across_languages():
    de = extract_quantities("Die Firma hat 1.500 Beschäftigte.", "de")[0]
    en = extract_quantities("The firm has 1,500 employees.", "en")[0]
    assert de.unit == en.unit == "employees"


def test_checks_quantities_reads_scales_and_currencies():
    de = extract_quantities("Der Handel erreichte rund 100 Milliarden Dollar.", "de")[0]
    en = extract_quantities("Trade crossed $100 billion.", "en")[0]
    assert de.value == en.value == 1e11 and de.unit == en.unit == "USD"
    assert de.approx == "about"
    # German "Billion" is a million millions.
    assert extract_quantities("Die Schulden betragen 2 Billionen Euro.", "de")[0].value == 2e12


def test_checks_quantities_percent_of_the_vote_has_noun_and_measure():
    q = extract_quantities("Die SPD erhielt 25,7 Prozent der Stimmen.", "de")[0]
    assert (q.value, q.unit, q.noun) == (25.7, "percent", "votes")
    r = extract_quantities("Revenue rose 8 percent.", "en")[0]
    assert (r.measure, r.trend) == ("revenue", "up")


def test_checks_quantities_reads_german_compound_numbers_but_not_articles():
    assert _values("Die Partei gewann einundzwanzig Sitze.", "de") == [(21.0, "cardinal")]
    assert _values("Ein Treffen fand statt.", "de") == []


def test_checks_quantities_rank_direction_english_possessive():
    r = extract_ranks("Vietnam is the US's second-largest trading partner.", "en")[0]
    assert (r.rank, r.role, r.subject, r.of) == (2, "trading_partner", "VNM", "USA")


def test_checks_quantities_rank_direction_german_compound_and_genitive():
    r = extract_ranks("Vietnam ist der zweitwichtigste Handelspartner der USA nach China.", "de")[0]
    assert (r.rank, r.subject, r.of) == (2, "VNM", "USA")
    g = extract_ranks("Die Niederlande sind Deutschlands zweitgrößter Handelspartner.", "de")[0]
    assert (g.rank, g.subject, g.of) == (2, "NLD", "DEU")


def test_checks_quantities_second_place_without_owner():
    ranks = extract_ranks("Although China is Vietnam's most important economic partner, the US will come in second place.", "en")
    assert [(r.rank, r.role, r.subject, r.of) for r in ranks] == [(1, "economic_partner", "CHN", "VNM"), (2, "place", "USA", None)]


def test_german_bare_number_counts_the_noun_after_its_adjectives():
    a = extract_quantities("Am Freitag haben 1,3 Millionen deutsche Bundesbürger ein Paket verschickt.", "de")
    b = extract_quantities("Am Freitag haben 130.000 Bundesbürger ein Paket verschickt.", "de")
    assert [q.unit for q in a] == [q.unit for q in b] == ["citizens"]
    assert extract_quantities("Er kaufte 3 rote Äpfel.", "de")[0].noun == "äpfel"


def test_cardinal_words_are_not_read_as_the_nearby_ordinal():
    assert [(q.value, q.kind) for q in extract_quantities("Police seized eight tonnes, the eighth haul this year.", "en")][:2] == [
        (8.0, "cardinal"), (8.0, "ordinal")]


def test_checks_quantities_read_an_article_before_a_written_scale_word_as_one():
    assert _values("Der Dienst hat mit einer Milliarde Nutzer die Verschlüsselung eingeführt.", "de") == [(1e9, "cardinal")]
    assert _values("Eine Million Euro wurden gespendet.", "de") == [(1e6, "cardinal")]
    assert _values("The firm paid a billion dollars for it.", "en") == [(1e9, "cardinal")]
    assert _values("He is a millionaire with a plan.", "en") == []  # no scale word after the article
