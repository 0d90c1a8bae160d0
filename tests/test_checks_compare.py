"""Comparison of two aligned claims: conflicts with reasons in words, timelines, traps,
and a minimum precision on the labelled pairs in tests/data/claim_pairs.tsv."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from checker.checks import compare_slots, extract_slots
from checker.verify import CHECKS_DECISIVE

DATA = Path(__file__).parent / "data" / "claim_pairs.tsv"

#: Minimum precision/recall of structured contradictions on the labelled pairs. Measured:
#: see `python benchmarks/checks_eval.py`; the floor leaves room for lexicon changes.
MIN_PRECISION = 0.90
MIN_RECALL = 0.65


def _cmp(text_a: str, lang_a: str, text_b: str, lang_b: str, pub_a: dt.date | None = None, pub_b: dt.date | None = None):
    a = extract_slots(text_a, lang_a, pub_a, source="A")
    b = extract_slots(text_b, lang_b, pub_b, source="B")
    return compare_slots(a, b)


def test_checks_compare_exclusive_level_conflicts_with_reason_in_words():
    c = _cmp("Im September 2023 vereinbarten die USA und Vietnam eine umfassende strategische Partnerschaft.", "de",
             "The US is only a comprehensive partner of Vietnam.", "en")
    finding = c.findings[0]
    assert finding.kind == "conflict" and finding.check == "level" and finding.confidence >= CHECKS_DECISIVE
    assert finding.reason == (
        'relationship level: comprehensive strategic partnership (A, 2023-09) vs only comprehensive partnership '
        '(B, present tense, exclusive "only")'
    )


def test_checks_compare_levels_at_different_times_are_a_timeline():
    c = _cmp("In 2010, the two governments defined US-Vietnam relations as a comprehensive partnership.", "en",
             "Im September 2023 vereinbarten die USA und Vietnam eine umfassende strategische Partnerschaft.", "de")
    assert c.conflict == 0 and c.timeline


def test_checks_compare_exclusive_claim_before_dated_upgrade_is_a_timeline():
    # With a publication date before the upgrade, "is only" described the state of its day.
    c = _cmp("The US is only a comprehensive partner of Vietnam.", "en",
             "Im September 2023 vereinbarten die USA und Vietnam eine umfassende strategische Partnerschaft.", "de",
             pub_a=dt.date(2023, 7, 1))
    assert c.conflict == 0 and c.timeline


def test_checks_compare_different_actor_pairs_do_not_conflict():
    c = _cmp("China is a comprehensive strategic partner of Vietnam.", "en", "The US is only a comprehensive partner of Vietnam.", "en")
    assert c.findings == ()


def test_checks_compare_embargo_lifted_at_two_times_conflicts():
    c = _cmp("Die Biden-Regierung hob das Embargo für tödliche Waffen gegen Vietnam auf.", "de",
             "In 2016, the US completely lifted the arms embargo against Vietnam.", "en")
    assert c.conflict >= CHECKS_DECISIVE
    assert c.findings[0].reason.startswith("embargo on arms: lifted (A, Biden-Regierung") and "fully lifted (B, 2016)" in c.findings[0].reason


def test_checks_compare_partial_then_full_lifting_is_a_timeline():
    c = _cmp("In 2014, the US partially lifted the ban on the sale of lethal weapons to Vietnam.", "en",
             "In 2016, the US completely lifted the arms embargo against Vietnam.", "en")
    assert c.conflict == 0 and c.timeline


def test_checks_compare_partner_direction_is_not_confused():
    c = _cmp("Vietnam ist der zweitwichtigste Handelspartner der USA nach China.", "de",
             "The US is Vietnam's third-largest trading partner.", "en")
    assert c.conflict == 0
    assert any(n.startswith("different direction") for n in c.notes)
    same = _cmp("Vietnam ist der zweitwichtigste Handelspartner der USA.", "de", "Vietnam is the US's fourth-largest trading partner.", "en")
    assert same.conflict >= CHECKS_DECISIVE


def test_checks_compare_counts_conflict_and_agree_across_languages():
    assert _cmp("Die SPD erhielt 25,7 Prozent der Stimmen.", "de", "The SPD won 20.5 percent of the vote.", "en").conflict >= CHECKS_DECISIVE
    agree = _cmp("Die SPD erhielt 25,7 Prozent der Stimmen.", "de", "The SPD won 25.7 percent of the vote.", "en")
    assert agree.conflict == 0 and agree.support > 0


def test_checks_compare_different_measures_are_not_compared():
    assert _cmp("Revenue rose 5 percent.", "en", "Profit rose 9 percent.", "en").findings == ()


def test_checks_compare_hedged_claims_never_conflict():
    c = _cmp("Analysts expect the two countries to become strategic partners next year.", "en",
             "The two countries are comprehensive partners.", "en")
    assert c.conflict == 0


def test_checks_compare_negated_level_conflicts():
    c = _cmp("Australia and the US are treaty allies.", "en", "Australia is not an ally of the United States.", "en")
    assert c.findings[0].check == "negation" and c.conflict >= CHECKS_DECISIVE


def _labelled() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_checks_compare_labelled_pairs_file_is_well_formed():
    rows = _labelled()
    assert len(rows) >= 80
    assert {r["label"] for r in rows} == {"contradiction", "agreement", "unrelated"}
    assert {"de-de", "en-en", "de-en"} <= {r["lang"] for r in rows}


def test_checks_compare_reaches_min_precision_on_labelled_pairs():
    tp = fp = fn = 0
    for row in _labelled():
        lang_a, lang_b = row["lang"].split("-")
        predicted = _cmp(row["premise"], lang_a, row["hypothesis"], lang_b).conflict >= CHECKS_DECISIVE
        gold = row["label"] == "contradiction"
        tp += predicted and gold
        fp += predicted and not gold
        fn += gold and not predicted
    precision = tp / max(1, tp + fp)
    recall = tp / max(1, tp + fn)
    assert precision >= MIN_PRECISION, (precision, tp, fp)
    assert recall >= MIN_RECALL, (recall, tp, fn)


# --- dates of one event, series, polarity (general checks, not keyed to a lexicon domain) ---

def test_checks_compare_two_dates_of_one_event_conflict_across_languages():
    c = _cmp("The summit was held on 3 June in Hanoi.", "en", "Der Gipfel fand am 5. Juni in Hanoi statt.", "de", dt.date(2019, 6, 10), dt.date(2019, 6, 10))
    date = [f for f in c.findings if f.check == "date"]
    assert date and date[0].kind == "conflict" and "same one-time event" in date[0].reason
    assert date[0].confidence < CHECKS_DECISIVE  # two events of one story can have two dates: NLI must agree


def test_checks_compare_two_starts_of_one_state_conflict():
    c = _cmp("The law has been in force in Germany since 2018.", "en", "Das Gesetz gilt in Deutschland seit 2020.", "de")
    assert any(f.check == "date" and f.kind == "conflict" and "start of the same state" in f.reason for f in c.findings)


def test_checks_compare_dates_of_a_recurring_thing_are_a_timeline():
    c = _cmp("The festival in Hanoi takes place every year on 3 June.", "en", "The festival in Hanoi took place on 5 June.", "en",
             dt.date(2019, 6, 10), dt.date(2019, 6, 10))
    assert c.conflict == 0 and any("recurring" in n for n in c.notes)


def test_checks_compare_dates_without_a_shared_name_are_not_compared():
    c = _cmp("Police arrested a man on 3 June.", "en", "The minister resigned on 5 June.", "en", dt.date(2019, 6, 10), dt.date(2019, 6, 10))
    assert not any(f.check == "date" for f in c.findings)


def test_checks_compare_figures_of_different_years_are_a_series():
    c = _cmp("Im Jahr 1990 lag die Arbeitslosenquote von Menschen ohne Ausbildung bei 9,5 Prozent.", "de",
             "Im Jahr 2015 kletterte die Arbeitslosenquote von Menschen ohne Ausbildung auf 26 Prozent.", "de")
    assert c.conflict == 0 and any("figures of different times" in n for n in c.notes)
    same = _cmp("In 2015 the company sold 300 cars in Vietnam.", "en", "In 2016 the company sold 300 cars in Vietnam.", "en")
    assert not any("figures of different times" in n for n in same.notes)  # one figure, two dates: comparable


def test_checks_compare_a_phrase_negation_is_no_claim_negation():
    c = _cmp("Menschen ohne Ausbildung finden in Wien schwer Arbeit.", "de", "In Wien finden Menschen mit Lehre schwer Arbeit.", "de")
    assert not any(f.check == "polarity" for f in c.findings)
    c = _cmp("Die EU-Staaten konnten sich in Brüssel auf keine gemeinsame Politik einigen.", "de",
             "The EU states failed to agree a joint policy in Brussels.", "en")
    assert not any(f.check == "polarity" for f in c.findings)
    c = _cmp("Die EU-Staaten konnten sich in Brüssel auf keine gemeinsame Politik einigen.", "de",
             "The EU states agreed a joint policy in Brussels.", "en")
    assert any(f.check == "polarity" for f in c.findings)


def test_checks_compare_two_weekdays_of_one_event_conflict():
    c = _cmp("Bei einer Bruchlandung in Donezk sind am Mittwochabend fünf Menschen getötet worden.", "de",
             "Five people died when a plane crash-landed in Donetsk on Thursday evening.", "en")
    assert any(f.check == "date" and "Wednesday (A) vs Thursday (B)" in f.reason for f in c.findings)


def test_checks_compare_winner_and_loser_exchanged_conflict():
    c = _cmp("Lleyton Hewitt reached the final with a four-set win over Andy Roddick on Friday.", "en",
             "Andy Roddick beat Lleyton Hewitt in four sets on Friday.", "en")
    contest = [f for f in c.findings if f.check == "contest"]
    assert contest and contest[0].confidence >= CHECKS_DECISIVE and "Lleyton Hewitt won in one" in contest[0].reason
    # German verb-final and passive; the same result (6:0) makes it one match
    c = _cmp("Der Franzose Axel Michon hat am Sonntag im Finale Gerald Melzer mit 6:0 besiegt.", "de",
             "Gerald Melzer wurde im Finale mit 6:0 von Axel Michon besiegt.", "de")
    assert not any(f.check == "contest" for f in c.findings)  # the same winner both times
    c = _cmp("Der Franzose Axel Michon hat im Finale Gerald Melzer mit 6:0 besiegt.", "de",
             "Gerald Melzer won the final against Axel Michon 6-0.", "en")
    assert any(f.check == "contest" and f.confidence >= CHECKS_DECISIVE for f in c.findings)


def test_checks_compare_two_contests_of_the_same_parties_need_nli():
    c = _cmp("Arsenal beat Chelsea in the league.", "en", "Chelsea beat Arsenal in the cup final.", "en")
    contest = [f for f in c.findings if f.check == "contest"]
    assert contest and contest[0].confidence < CHECKS_DECISIVE
    c = _cmp("Arsenal beat Chelsea.", "en", "Arsenal beat Chelsea again.", "en")
    assert not any(f.check == "contest" for f in c.findings)


def test_checks_compare_contest_nouns_and_takeovers():
    c = _cmp("Jagr had a big share in Philadelphia's 5:3 win in Carolina on Monday.", "en",
             "Carolina beat Philadelphia 5-3 in Monday's NHL game.", "en")
    assert any(f.check == "contest" for f in c.findings)
    c = _cmp("Pountney criticised the referee in Northampton's defeat by Saracens.", "en",
             "Pountney criticised the referee after Saracens lost to Northampton.", "en")
    assert any(f.check == "contest" and "Northampton" in f.reason for f in c.findings)
    c = _cmp("Sany recently took over the German pump maker Putzmeister.", "en",
             "Putzmeister übernahm kürzlich den Baumaschinenhersteller Sany.", "de")
    assert any(f.check == "contest" and f.reason.startswith("who bought") for f in c.findings)


def test_checks_compare_the_same_figures_written_differently_support():
    c = _cmp("Howie wurde zur Zahlung von Kosten von 90 £ sowie eines Zuschlags von 100 £ verurteilt.", "de",
             "Howie was ordered to pay ninety pounds in costs and a £100 surcharge.", "en")
    assert c.support > 0 and c.conflict == 0
    c = _cmp("The court said the firm must pay 1.47m yuan in compensation.", "en",
             "The court ordered the firm to pay 1,470,000 yuan in compensation.", "en")
    assert c.support > 0 and c.conflict == 0
    c = _cmp("Howie was ordered to pay £90 in costs and a £100 surcharge.", "en",
             "Howie was ordered to pay £90 in costs and a £120 surcharge.", "en")
    assert c.support == 0


def _findings(check, a, la, b, lb, kind=None):
    cmp = compare_slots(extract_slots(a, la, source="A"), extract_slots(b, lb, source="B"))
    return [f for f in cmp.findings if f.check == check and kind in (None, f.kind)]


def test_two_plans_of_one_thing_compare_their_figures_a_plan_and_a_possibility_do_not():
    def conflicts(*pair):
        return _findings("count", *pair, kind="conflict")

    assert conflicts("The city will build 300 flats by 2025.", "en", "Die Stadt soll bis 2025 450 Wohnungen bauen.", "de")
    assert not conflicts("The city may build 300 flats by 2025.", "en", "The city will build 450 flats by 2025.", "en")
    assert not conflicts("The city built 300 flats in 2025.", "en", "The city will build 450 flats in 2025.", "en")


def test_one_figure_differing_among_matching_ones_is_a_weak_conflict_across_languages():
    def figures(*pair):
        return _findings("figures", *pair)

    found = figures("Die Polizei nahm 3 Verdächtige fest und stellte 8 Tonnen Marihuana und 150 Kilogramm Kokain sicher.", "de",
                    "Police arrested 3 suspects and seized 8 tonnes of marijuana and 15 kilograms of cocaine.", "en")
    assert found and found[0].kind == "conflict" and found[0].confidence < CHECKS_DECISIVE
    assert not figures("Police arrested 3 suspects and seized 8 tonnes.", "en", "Police arrested 3 suspects and seized 8 tonnes.", "en")
    # two figures differ: another event, not one changed value
    assert not figures("Police arrested 3 suspects and seized 8 tonnes.", "en", "Police arrested 5 suspects and seized 2 tonnes.", "en")
    # one sum in two currencies is a conversion, not another figure
    assert not figures("The deal is worth £600m, 76% of $1.13bn.", "en", "The deal is worth $639m, 76% of $1.13bn.", "en")


def test_one_actor_replaced_where_the_others_agree_is_a_weak_conflict():
    def actor(*pair):
        return _findings("actor", *pair)

    found = actor("Anna Berger will lead Austria against Sweden in Vienna.", "en",
                  "Maria Huber wird Österreich in Wien gegen Schweden anführen.", "de")
    assert found and found[0].kind == "conflict" and found[0].confidence < CHECKS_DECISIVE
    # the same people, or one name written two ways, or only one name in common: nothing
    assert not actor("Anna Berger will lead Austria against Sweden.", "en", "Anna Berger wird Österreich gegen Schweden anführen.", "de")
    assert not actor("Julia Timoschenko traf Putin in Moskau.", "de", "Julia Tymoshenko met Putin in Moscow.", "en")
    assert not actor("Anna Berger met Putin.", "en", "Maria Huber met Putin.", "en")
