"""Opposite outcome words and one-sided negation, in any domain and across the two languages."""
import pytest

from checker.checks import compare_slots, extract_slots


def _cmp(a, la, b, lb):
    return compare_slots(extract_slots(a, la, source="A"), extract_slots(b, lb, source="B"))


@pytest.mark.parametrize("a,la,b,lb", [
    ("Parliament passed the budget on Friday.", "en", "Das Parlament lehnte den Haushalt am Freitag ab.", "de"),
    ("The court upheld the ruling against the mayor.", "en", "The court overturned the ruling against the mayor.", "en"),
    ("Die Exporte sind im März gestiegen.", "de", "Exports fell in March.", "en"),
    ("The strike was called off on Monday.", "en", "The strike continued on Monday.", "en"),
    ("Der Angeklagte wurde freigesprochen.", "de", "The defendant was convicted.", "en"),
    ("Siemens hired 2,000 workers last year.", "en", "Siemens entließ im vergangenen Jahr 2.000 Mitarbeiter.", "de"),
    ("Der Minister gestand den Fehler ein.", "de", "The minister denied the mistake.", "en"),
    ("The journalist was released on Tuesday.", "en", "Der Journalist wurde am Dienstag festgenommen.", "de"),
    ("The city banned diesel cars.", "en", "Die Stadt erlaubte Dieselautos.", "de"),
    ("The company made a profit in 2019.", "en", "Das Unternehmen machte 2019 einen Verlust.", "de"),
    ("The court found the law unconstitutional.", "en", "Das Gericht bestätigte das Gesetz.", "de"),
    ("The pilot survived the crash.", "en", "Der Pilot starb bei dem Absturz.", "de"),
    ("Hertha BSC wurde in die zweite Liga relegiert und ist abgestiegen.", "de", "Hertha BSC were promoted.", "en"),
    ("The ministry confirmed the report.", "en", "Das Ministerium dementierte den Bericht.", "de"),
    # a plan is a statement: "will go ahead" against "abgesagt"
    ("The strike will now go ahead.", "en", "Der Streik ist abgesagt.", "de"),
])
def test_checks_outcomes_opposite_words_conflict(a, la, b, lb):
    found = [f for f in _cmp(a, la, b, lb).findings if f.check.startswith("outcome:")]
    assert found and found[0].kind == "conflict" and found[0].confidence < 0.7  # weak: NLI must support it


def test_checks_outcomes_same_pole_or_both_poles_do_not_conflict():
    assert not [f for f in _cmp("Exports rose in March.", "en", "Die Exporte stiegen im März.", "de").findings
                if f.check.startswith("outcome:")]
    # one side names both directions: another fact of the story, no opposite outcome
    assert not [f for f in _cmp("Imports rose while exports fell.", "en", "Exports fell in March.", "en").findings
                if f.check.startswith("outcome:")]


def test_checks_polarity_one_sided_negation_conflicts():
    found = [f for f in _cmp("He stepped down as chairman.", "en", "He did not step down as chairman.", "en").findings
             if f.check == "polarity"]
    assert found and found[0].kind == "conflict"
    assert not [f for f in _cmp("He did not resign.", "en", "Er ist nicht zurückgetreten.", "de").findings if f.check == "polarity"]


def test_checks_roles_swapped_parties_conflict_but_coordination_does_not():
    found = [f for f in _cmp("France fought back to beat England 18-17 at Twickenham.", "en",
                             "England fought back to beat France 18-17 at Twickenham.", "en").findings if f.check == "roles"]
    assert found and found[0].kind == "conflict" and found[0].confidence < 0.7
    assert not [f for f in _cmp("Die USA haben 1995 Beziehungen zu Vietnam aufgenommen.", "de",
                                "In 1995, Vietnam and the US restored relations.", "en").findings if f.check == "roles"]


@pytest.mark.parametrize("a,la,b,lb", [
    ("Franka Dietzsch gewinnt in Helsinki die Goldmedaille im Diskuswerfen.", "de", "Franka Dietzsch won the silver medal in Helsinki.", "en"),
    ("Dominic Thiem steht in Buenos Aires im Halbfinale.", "de", "Dominic Thiem is into the final in Buenos Aires.", "en"),
    ("Tomohiro Iseda ist Weltmeister im Kopfrechnen.", "de", "Tomohiro Iseda wurde bei der Weltmeisterschaft nur Zweiter.", "de"),
])
def test_checks_placings_another_place_of_one_family_conflicts(a, la, b, lb):
    found = [f for f in _cmp(a, la, b, lb).findings if f.check.startswith("outcome:")]
    assert found and found[0].kind == "conflict" and found[0].confidence < 0.7


def test_checks_placings_same_place_or_several_places_do_not_conflict():
    assert not _cmp("She won the gold medal.", "en", "Sie holte die Goldmedaille.", "de").findings
    # the semi-final won, to reach the final: two stages on one side
    assert not [f for f in _cmp("He won in the semi-final and is now in the final.", "en", "Er steht im Finale.", "de").findings
                if f.check.startswith("outcome:")]


def test_checks_outcomes_a_possibility_is_not_compared():
    assert not [f for f in _cmp("The strike might go ahead.", "en", "Der Streik ist abgesagt.", "de").findings
                if f.check.startswith("outcome:")]


def test_checks_polarity_needs_shared_content_in_one_language():
    one_sided = lambda a, b: [f for f in _cmp(a, "en", b, "en").findings if f.check == "polarity"]
    assert one_sided("He stepped down as chairman of the board.", "He did not step down as chairman of the board.")
    # a negated sentence about something else: nothing to contradict
    assert not one_sided("The film itself is the reason to buy this DVD.", "The films look well transferred, though none has extras.")
