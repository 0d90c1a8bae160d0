"""Status events: lifted / partially lifted / imposed, with degree, object, date and actor."""
from __future__ import annotations

from checker.checks import extract_statuses


def _one(text: str, lang: str):
    events = extract_statuses(text, lang)
    assert len(events) == 1, events
    return events[0]


def test_checks_status_reads_full_lifting_with_date_and_actors():
    ev = _one("In 2016, the US completely lifted the arms embargo against Vietnam.", "en")
    assert (ev.subject, ev.action, ev.degree, ev.object) == ("embargo", "lifted", "full", "arms")
    assert ev.time.describe() == "2016" and ev.actors == {"USA", "VNM"}


def test_checks_status_reads_partial_lifting_noun_phrase():
    ev = _one("In 2014, the US announced the partial lifting of the ban on the sale of lethal weapons.", "en")
    assert (ev.subject, ev.degree, ev.object) == ("embargo", "partial", "lethal_arms")


def test_checks_status_reads_german_aufhebung_gelockert_verhaengt():
    assert _one("Die Aufhebung von Embargos für den Verkauf tödlicher Waffen.", "de").object == "lethal_arms"
    assert _one("Die EU hat die Sanktionen 2019 gelockert.", "de").degree == "partial"
    imposed = _one("Die USA verhängten 2016 Sanktionen gegen Myanmar.", "de")
    assert (imposed.subject, imposed.effect) == ("sanctions", "impose")


def test_checks_status_reads_german_separable_verb():
    ev = _one("Die EU hob das Waffenembargo 2021 vollständig auf.", "de")
    assert (ev.action, ev.degree, ev.object, ev.time.describe()) == ("lifted", "full", "arms", "2021")


def test_checks_status_reads_negation_and_hedge():
    assert _one("Das Embargo wurde bisher nicht aufgehoben.", "de").polarity.negated
    assert _one("Die Sanktionen sollen 2025 aufgehoben werden.", "de").polarity.hedged


def test_checks_status_reads_outcomes_with_agent():
    ev = _one("Brazil won the World Cup in 2002.", "en")
    assert (ev.subject, ev.effect, ev.agent, ev.outcome) == ("tournament", "win", "BRA", True)


def test_checks_status_needs_a_subject():
    # "ended" lifts an embargo, not a war: no status subject, no event.
    assert extract_statuses("The war ended in 1975.", "en") == ()
