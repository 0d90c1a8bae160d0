"""The minimal edits and variants that make targeted training pairs (no shared data needed)."""
import random

import pytest

from checker.model import news_pairs as np_


@pytest.fixture
def rng():
    return random.Random(0)


def test_news_pairs_day_edit_in_both_languages(rng):
    en = np_.edit_day("The summit was held on 3 June in Hanoi.", "en", rng)
    assert en and en != "The summit was held on 3 June in Hanoi." and en.endswith("June in Hanoi.")
    de = np_.edit_day("Der Gipfel fand am 3. Juni in Hanoi statt.", "de", rng)
    assert de and "3. Juni" not in de and ". Juni in Hanoi statt." in de


def test_news_pairs_number_edit_keeps_format_and_leaves_dates(rng):
    text = "Exports rose 4.5% to 1,200 tonnes on 3 June 2016."
    for seed in range(20):
        edited = np_.edit_number(text, "en", random.Random(seed))
        assert edited and "3 June 2016" in edited and edited != text
    de = np_.edit_number("Der Umsatz stieg um 4,5 Prozent.", "de", rng)
    assert de and "Prozent" in de and "4,5" not in de and "," in de


def test_news_pairs_negation_inserted_or_removed(rng):
    assert np_.edit_negation("The court has rejected the appeal.", "en", rng) == "The court has not rejected the appeal."
    assert np_.edit_negation("The court did not reject the appeal.", "en", rng) == "The court did reject the appeal."
    assert np_.edit_negation("Das Gericht hat die Berufung abgelehnt.", "de", rng) == "Das Gericht hat nicht die Berufung abgelehnt."
    assert np_.edit_negation("Das Gericht hat die Berufung nicht abgelehnt.", "de", rng) == "Das Gericht hat die Berufung abgelehnt."
    # a verb at the end of a subordinate clause is no place for "nicht"
    assert np_.edit_negation("Wenn es regnet, wird das Spiel verschoben.", "de", rng) is None


def test_news_pairs_antonym_and_role_swap(rng):
    assert np_.edit_antonym("Exports rose sharply in May.", "en", rng) == "Exports fell sharply in May."
    assert np_.edit_antonym("Die Exporte sind gestiegen.", "de", rng) == "Die Exporte sind gesunken."
    assert np_.edit_role_swap("On Sunday Arsenal beat Chelsea 2-1 at home.", "en", rng) == "On Sunday Chelsea beat Arsenal 2-1 at home."
    assert np_.edit_role_swap("Am Samstag besiegte Bayern München den BVB.", "de", rng) is None  # no name before the verb


def test_news_pairs_contradict_balances_edits(rng):
    used = {}
    text = "On Monday, 3 June 2016, the board approved 300 new jobs."
    names = {np_.contradict(text, "en", rng, used)[1] for _ in range(12)}
    assert len(names) >= 5  # not always the same edit


def test_news_pairs_meaning_preserving_variants(rng):
    assert np_.number_format_variant("Profits rose 76% to $1.13bn.", "en", random.Random(1)) != "Profits rose 76% to $1.13bn."
    dropped = np_.drop_clause("The company, which was founded in 1990, hired 300 workers last year.", "en", rng)
    assert dropped == "The company hired 300 workers last year."
    assert np_.drop_clause("The plan (which was not approved) cost 300 jobs in the town.", "en", rng) is None  # a negated clause stays


def test_news_pairs_excluded_sources_read_pair_files(tmp_path):
    f = tmp_path / "p.tsv"
    f.write_text("premise\thypothesis\tlabel\tsource\na\tb\tneutral\tcorpus/bbc_en.jsonl.gz#bbc-tech-001\n"
                 "c\td\tneutral\tparallel/wmt_news_de_en.tsv.gz#row=100\n", encoding="utf-8")
    docs, rows = np_.excluded_sources([f])
    assert docs == {"bbc-tech-001"} and {97, 100, 103} <= rows and 104 not in rows
