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
    docs, rows, premises = np_.excluded_sources([f])
    assert docs == {"bbc-tech-001"} and {97, 100, 103} <= rows and 104 not in rows
    assert premises == {"a", "c"}


def test_news_pairs_leave_out_articles_that_quote_an_evaluation_premise(tmp_path):
    import gzip
    import json

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    quoted = "The council approved the new bridge over the river on Monday evening."
    articles = {"bbc_en.jsonl.gz": [{"id": "a1", "lang": "en", "text": quoted + " It will cost a great deal of money in the end."},
                                    {"id": "a2", "lang": "en", "text": "Another story about the weather in the north of the country today."}],
                "gnad_de.jsonl.gz": [], "wikinews_de.jsonl.gz": []}
    for name, rows in articles.items():
        with gzip.open(corpus / name, "wt", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r) + "\n" for r in rows)
    assert set(np_.corpus_sentences(tmp_path, set())) == {"a1", "a2"}
    assert set(np_.corpus_sentences(tmp_path, set(), {quoted})) == {"a2"}  # a copy under another id goes too


@pytest.mark.parametrize("text, lang, written", [
    ("Profits rose to $1.13bn last year.", "en", "$1,130,000,000"),
    ("The court ordered it to pay 1.47m yuan.", "en", "1,470,000 yuan"),
    ("Am Freitag verschickten 1,3 Millionen Bürger ein Paket.", "de", "1.300.000 Bürger"),
    ("Er starb am 27. Februar 2008 in Berlin.", "de", "27.2.2008"),
    ("Er starb am 27.02.2008 in Berlin.", "de", "27. Februar 2008"),
    ("The awards will be handed out on 28 February.", "en", "Feb. 28"),
    ("They met on February 1 in Rome.", "en", "February 1st"),
    ("He was banned for 6 weeks.", "en", "six weeks"),
    ("Drei Verdächtige wurden festgenommen, 8 Tonnen beschlagnahmt.", "de", "acht Tonnen"),
])
def test_news_pairs_format_variants_write_the_same_value_another_way(text, lang, written):
    variants = {np_.number_format_variant(text, lang, random.Random(seed), most=1) for seed in range(40)}
    assert any(v and written in v for v in variants), variants


def test_news_pairs_format_variants_never_undo_each_other():
    text = "The summit on 5 February drew 300 people."
    for seed in range(60):
        assert np_.number_format_variant(text, "en", random.Random(seed)) != text


def test_news_pairs_look_alike_neighbours_for_sentences_with_numbers():
    near = ["The mayor spoke.", "On 4 May 120 people came.", "It rained."]
    picks = [np_._pick_neighbour("On 3 May 100 people came.", near, random.Random(s)) for s in range(200)]
    assert picks.count(near[1]) > 100 and set(picks) == set(near)
    assert np_._pick_neighbour("x", [], random.Random(0)) is None


def test_paraphrase_pairs_from_pawsx_and_sts(tmp_path):
    from checker.model.train_data import paraphrase_pairs

    par = tmp_path / "parallel"
    par.mkdir()
    (par / "pawsx_de_dev.tsv").write_text(
        "sentence1\tsentence2\tlabel\n"
        "Der Bradu ist ein Nebenfluss des Hudeasa in Rumänien.\tDer Hudeasa ist ein Nebenfluss des Bradu in Rumänien.\t0\n"
        "Ein Multiversum ist eine Ansammlung alternativer Universen.\tEin Multiversum ist eine Einheit mehrerer Universen.\t0\n"
        "Durch die Fusion entstand der Shawnee Trails Council.\tShawnee Trails Council entstand durch die Fusion.\t1\n",
        encoding="utf-8")
    (par / "pawsx_de_test.tsv").write_text("sentence1\tsentence2\tlabel\n", encoding="utf-8")
    head = "sentence1\tsentence2\tscore\tsplit\n"
    (par / "stsb_en.tsv").write_text(head + "A deer jumps a fence.\tA deer jumping over a fence.\t5.0\ttrain\n"
                                     "A man plays a flute.\tA man plays a big flute.\t3.8\ttrain\n"
                                     "A cat sleeps.\tA cat is sleeping.\t5.0\ttest\n", encoding="utf-8")
    (par / "stsb_de.tsv").write_text(head + "Ein Reh springt über einen Zaun.\tEin Reh, das über einen Zaun springt.\t5.0\ttrain\n"
                                     "Ein Mann spielt Flöte.\tEin Mann spielt eine große Flöte.\t3.8\ttrain\n"
                                     "Eine Katze schläft.\tEine Katze schläft gerade.\t5.0\ttest\n", encoding="utf-8")
    pairs = paraphrase_pairs(tmp_path, 100, seed=0)
    by = {}
    for p in pairs:
        by.setdefault(p.source, []).append(p)
    assert [p.label for p in by["pawsx:paraphrase"]] == ["entailment", "entailment"]  # both directions
    assert len(by["pawsx:swap"]) == 1 and by["pawsx:swap"][0].label == "contradiction"  # the vaguer one is left out
    assert sorted(k for k in by if k.startswith("sts")) == ["sts:de-de", "sts:de-en", "sts:en-de", "sts:en-en"]
    assert all("Flöte" not in p.premise + p.hypothesis and "cat" not in p.premise for p in pairs)  # low score, test split
    assert len(paraphrase_pairs(tmp_path, 3, seed=0)) == 3


# --- recipe 4: names, role swaps between known parties, more status verbs ---

_WMT = [  # (row, German, English, source): tiny made-up parallel rows
    (0, "Am Montag traf Angela Merkel in Berlin Emmanuel Macron.", "On Monday Angela Merkel met Emmanuel Macron in Berlin.", "t"),
    (1, "Dort sagte Angela Merkel, Emmanuel Macron habe recht.", "There, Angela Merkel said that Emmanuel Macron was right.", "t"),
    (2, "Die Zeit berichtete über Arsenal und Chelsea.", "The paper Die Zeit reported on Arsenal and Chelsea.", "t"),
    (3, "Später schlug Arsenal Chelsea mit 2:1.", "Later, Arsenal beat Chelsea 2-1 at home.", "t"),
    (4, "Es war eine gute Zeit für das Büro.", "It was a good time for the Office team, the office said.", "t"),
    (5, "Das Büro lag im Zentrum, sagte das Office.", "The building was central, said the Office.", "t"),
]


def test_name_pool_keeps_names_seen_twice_in_both_languages_only():
    pool = np_.NamePool.from_wmt(_WMT)
    assert {"Angela", "Merkel", "Emmanuel", "Macron", "Arsenal", "Chelsea"} <= pool.words
    # "Zeit" is a German noun the English side lacks most of the time; "Office" is written
    # in lower case too; sentence-initial words and function words never count.
    assert not {"Zeit", "Office", "Later", "Die", "Das", "On"} & pool.words
    assert "Angela Merkel" in pool.by_length[2]


def test_name_edit_swaps_a_whole_name_for_one_of_the_same_story(rng):
    pool = np_.NamePool.from_wmt(_WMT)
    text = "Officials said Angela Merkel will visit Paris."
    edited = np_.edit_name(text, "en", rng, pool, story=["Emmanuel Macron", "Arsenal"])
    assert edited == "Officials said Emmanuel Macron will visit Paris."
    # no known name (a sentence-initial one does not count): nothing to edit
    assert np_.edit_name("Arsenal said nothing.", "en", rng, pool) is None
    assert np_.edit_name("Die Zeit war knapp.", "de", rng, pool) is None


def test_role_swap_between_known_parties_in_both_languages(rng):
    pool = np_.NamePool.from_wmt(_WMT)
    assert np_.edit_role_swap_names("On Sunday Arsenal beat Chelsea 2-1.", "en", rng, pool) == "On Sunday Chelsea beat Arsenal 2-1."
    assert np_.edit_role_swap_names("Gestern schlug Arsenal den Chelsea.", "de", rng, pool) is None  # Arsenal directly after the verb
    assert np_.edit_role_swap_names("Im Finale hat Arsenal Chelsea besiegt.", "de", rng, pool) is None
    assert np_.edit_role_swap_names("Fans said Arsenal has sued the Chelsea board.", "en", rng, pool) == "Fans said Chelsea has sued the Arsenal board."
    assert np_.edit_role_swap_names("Arsenal and Chelsea beat the odds.", "en", rng, pool) is None


def test_recipe_4_status_verbs_are_its_own_list(rng):
    assert np_.edit_antonym("The court dismissed the appeal.", "en", rng) is None  # recipe 3 unchanged
    assert np_.edit_antonym_v4("The court dismissed the appeal.", "en", rng) == "The court upheld the appeal."
    assert np_.edit_antonym_v4("Das Gesetz wurde verabschiedet.", "de", rng) == "Das Gesetz wurde abgelehnt."


def test_contradict_with_names_uses_recipe_4_edits():
    pool = np_.NamePool.from_wmt(_WMT)
    used: dict[str, int] = {}
    kinds = {np_.contradict("Reports said Angela Merkel will visit Paris.", "en", random.Random(s), used, pool)[1]
             for s in range(10)}
    assert "name" in kinds
    assert np_.contradict("Reports said Angela Merkel will visit Paris.", "en", random.Random(0))[1] != "name"
