"""Verdicts: structured checks combined with NLI, batching, failures, label mapping."""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import pytest

from checker.backends.fake import RuleNli
from checker.errors import InputError
from checker.records import CandidatePair, Claim, Document, Verdict
from checker import verify
from checker.verify import compare_texts, verify_pairs

ENTAIL = {"entailment": 0.97, "neutral": 0.02, "contradiction": 0.01}
CONTRA = {"entailment": 0.01, "neutral": 0.03, "contradiction": 0.96}


class StubNli:
    """Returns the same scores for every input and counts calls."""

    name = "stub"

    def __init__(self, scores: dict[str, float]) -> None:
        self.scores = scores
        self.calls: list[int] = []

    def predict(self, pairs: Sequence[tuple[str, str]]) -> list[dict[str, float]]:
        self.calls.append(len(pairs))
        return [dict(self.scores) for _ in pairs]


class BrokenNli:
    name = "broken"

    def predict(self, pairs):
        raise RuntimeError("model exploded")


def _claim(cid: str, text: str, lang: str = "en", index: int = 0) -> Claim:
    doc = cid.split(":")[0]
    return Claim(cid, doc, lang, text, 0, len(text), index)  # type: ignore[arg-type]


def _records(a: str, b: str, lang_a: str = "en", lang_b: str = "en"):
    claims = {"d0:s0": _claim("d0:s0", a, lang_a), "d1:s0": _claim("d1:s0", b, lang_b)}
    docs = {"d0": Document("d0", "d0.txt", lang_a, a), "d1": Document("d1", "d1.txt", lang_b, b)}  # type: ignore[arg-type]
    return [CandidatePair("d0:s0", "d1:s0", 0.91, "t1")], claims, docs


SLOT_CONFLICT = ("In 2016, the US completely lifted the arms embargo against Vietnam.",
                 "The US fully lifted the arms embargo against Vietnam in 2019.")


def test_verify_slot_conflict_outranks_nli_entailment():
    pairs, claims, docs = _records(*SLOT_CONFLICT)
    v = verify_pairs(pairs, claims, docs, StubNli(ENTAIL))[0]
    assert v.label is Verdict.CONTRADICTS
    assert v.scorers == ("checks",)
    assert v.score >= verify.CHECKS_DECISIVE
    assert any("2016" in r and "2019" in r for r in v.reasons)
    assert any(r.startswith("NLI: entailment 0.97 (a→b), 0.97 (b→a)") for r in v.reasons)


def test_verify_slot_conflict_and_nli_contradiction_are_combined():
    pairs, claims, docs = _records(*SLOT_CONFLICT)
    v = verify_pairs(pairs, claims, docs, StubNli(CONTRA))[0]
    assert v.label is Verdict.CONTRADICTS and v.scorers == ("checks", "nli")
    assert v.score > max(f.confidence for f in v.findings)


def test_verify_nli_failure_gives_unscored():
    pairs, claims, docs = _records("The weather was fine.", "The weather was bad.")
    v = verify_pairs(pairs, claims, docs, BrokenNli())[0]
    assert v.label is Verdict.UNSCORED and v.score == 0.0 and v.nli is None
    assert any("model exploded" in r for r in v.reasons)


def test_verify_nli_failure_keeps_decisive_slot_conflict():
    pairs, claims, docs = _records(*SLOT_CONFLICT)
    v = verify_pairs(pairs, claims, docs, BrokenNli())[0]
    assert v.label is Verdict.CONTRADICTS and v.scorers == ("checks",)


def test_verify_permuted_label_order_of_fake_nli_maps_by_name():
    # RuleNli's checkpoint order is (contradiction, entailment, neutral): the verdict must
    # still read "contradiction" from the name, in both directions.
    pairs, claims, docs = _records("The minister did attend the summit in Hanoi.", "The minister did not attend the summit in Hanoi.")
    v = verify_pairs(pairs, claims, docs, RuleNli())[0]
    assert v.label is Verdict.CONTRADICTS and "nli" in v.scorers  # the one-sided negation check joins it
    assert v.nli["contradiction"] > 0.9 and v.nli["entailment"] < 0.1
    same = verify_pairs(*_records("The minister attended the summit in Hanoi.", "The minister attended the summit in Hanoi."), RuleNli())[0]
    assert same.label is Verdict.AGREES


def test_verify_nli_only_contradiction_needs_both_directions():
    class OneWay(StubNli):
        def predict(self, pairs):
            self.calls.append(len(pairs))
            # contradiction one way (a→b), entailment the other (b→a)
            return [dict(CONTRA) if premise.endswith("fine.") else dict(ENTAIL) for premise, _ in pairs]

    pairs, claims, docs = _records("The weather was fine.", "The weather was bad.")
    stub = OneWay(CONTRA)
    assert verify_pairs(pairs, claims, docs, stub)[0].label is not Verdict.CONTRADICTS
    assert stub.calls == [1, 1]  # a→b showed contradiction, so b→a was scored too


def test_verify_skips_reverse_direction_only_when_it_cannot_matter():
    neutral = {"entailment": 0.1, "neutral": 0.8, "contradiction": 0.1}
    pairs, claims, docs = _records("The weather was fine.", "The weather was bad.")
    stub = StubNli(neutral)
    v = verify_pairs(pairs, claims, docs, stub)[0]
    assert stub.calls == [1] and v.label is Verdict.UNRELATED
    assert any("b→a not needed" in r for r in v.reasons)
    # a structured agreement takes entailment from either direction: both are scored
    pairs, claims, docs = _records("In 2016, the US lifted the arms embargo.", "The US lifted the arms embargo in 2016.")
    stub = StubNli(neutral)
    verify_pairs(pairs, claims, docs, stub)
    assert stub.calls == [1, 1]


def test_verify_timeline_vetoes_nli_only_contradiction():
    pairs, claims, docs = _records("In 2010, Germany and India established a strategic partnership.",
                                   "In 2023, Germany and India upgraded their ties to a comprehensive strategic partnership.")
    v = verify_pairs(pairs, claims, docs, StubNli(CONTRA))[0]
    assert v.label is Verdict.UNRELATED
    assert any(r.startswith("timeline:") for r in v.reasons)


def test_verify_batches_nli_calls_and_reports_progress(monkeypatch):
    monkeypatch.setattr(verify, "NLI_CHUNK", 32)
    claims, pairs = {}, []
    for i in range(70):
        claims[f"a{i}:s0"] = _claim(f"a{i}:s0", f"Sentence number {i} about trade.")
        claims[f"b{i}:s0"] = _claim(f"b{i}:s0", f"Another sentence {i} about trade.")
        pairs.append(CandidatePair(f"a{i}:s0", f"b{i}:s0", 0.9))
    nli = StubNli(ENTAIL)
    done: list[int] = []
    out = verify_pairs(pairs, claims, {}, nli, progress=done.append)
    assert len(out) == 70
    # a→b for all 70 pairs, then b→a for all (entailment a→b makes the reverse matter)
    assert nli.calls == [32, 32, 6, 32, 32, 6]
    assert done == [32, 64, 70]


def test_verify_extracts_slots_once_per_claim(monkeypatch):
    calls: list[str] = []
    real = verify.extract_slots

    def counting(text, *args, **kwargs):
        calls.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(verify, "extract_slots", counting)
    claims = {c: _claim(c, f"Text of {c} in 2016.") for c in ("x:s0", "y:s0", "z:s0")}
    pairs = [CandidatePair("x:s0", "y:s0", 0.9), CandidatePair("x:s0", "z:s0", 0.9), CandidatePair("y:s0", "z:s0", 0.9)]
    verify_pairs(pairs, claims, {}, None)
    assert sorted(calls) == sorted(c.text for c in claims.values())


def test_verify_copies_topic_and_similarity_and_uses_previous_sentence():
    claims = {
        "d0:s0": _claim("d0:s0", "Die Biden-Regierung hat die Zusammenarbeit mit Vietnam hervorgehoben.", "de", 0),
        "d0:s1": _claim("d0:s1", "Diese umfasst die Aufhebung von Embargos für den Verkauf tödlicher Waffen.", "de", 1),
        "d1:s0": _claim("d1:s0", "In 2016, the US completely lifted the arms embargo against Vietnam.", "en", 0),
    }
    v = verify_pairs([CandidatePair("d0:s1", "d1:s0", 0.83, "t7")], claims, {}, None, topics={"t7": "embargo"})[0]
    assert (v.topic, v.similarity) == ("embargo", 0.83)
    assert v.label is Verdict.CONTRADICTS and "context from the previous sentence" in v.reasons[0]


def test_verify_unknown_claim_is_an_input_error():
    with pytest.raises(InputError):
        verify_pairs([CandidatePair("x:s0", "nope:s0", 0.9)], {"x:s0": _claim("x:s0", "A.")}, {}, None)


def test_verify_compare_texts_without_nli_guesses_languages():
    v = compare_texts("Die USA und Vietnam sind umfassende strategische Partner.", "Meanwhile, the US is only a comprehensive partner.", None)
    assert (v.a, v.b, v.label) == ("A", "B", Verdict.CONTRADICTS)
    assert v.reasons[0].startswith("relationship level: comprehensive strategic partnership (A, present tense) vs only")
    unrelated = compare_texts("Es regnete in Berlin.", "The market opened higher.", RuleNli())
    assert unrelated.label is Verdict.UNRELATED and unrelated.nli is not None


def _story(doc: str, lead: str, claim: str) -> dict[str, Claim]:
    return {f"{doc}:s0": _claim(f"{doc}:s0", lead, index=0), f"{doc}:s1": _claim(f"{doc}:s1", claim, index=1)}


def test_actorless_numbers_compare_only_within_one_story():
    # Same wording, different stories: the documents share no main actor, so the figures are about different things.
    claims = _story("fr", "France reported strong growth at the end of the year.", "Exports rose by 1.3% in the fourth quarter.")
    claims |= _story("br", "Brazil signed new trade deals at the end of the year.", "Exports rose by 34% in the fourth quarter.")
    pair = [CandidatePair("fr:s1", "br:s1", 0.93, "t1")]
    assert verify_pairs(pair, claims, {}, None)[0].label is Verdict.UNRELATED
    # The same two figures in two reports on France do conflict, where the NLI model does not
    # read them as unrelated (no one and no time named in the claims: not decisive alone).
    claims |= _story("fr2", "France reported strong growth at the end of the year.", "Exports rose by 34% in the fourth quarter.")
    pair = [CandidatePair("fr:s1", "fr2:s1", 0.93, "t1")]
    v = verify_pairs(pair, claims, {}, StubNli({"entailment": 0.1, "neutral": 0.5, "contradiction": 0.4}))[0]
    assert v.label is Verdict.CONTRADICTS and v.score >= 0.5 and any("exports" in r for r in v.reasons)
    assert verify_pairs(pair, claims, {}, None)[0].label is Verdict.UNRELATED


def test_bare_amounts_need_named_actors_to_compare():
    pairs, claims, docs = _records("The total cost was £290m.", "The total cost was £3.35m.")
    assert verify_pairs(pairs, claims, docs, None)[0].label is Verdict.UNRELATED
    pairs, claims, docs = _records("The SPD won 25.7 percent.", "The SPD won 20.5 percent.")
    assert verify_pairs(pairs, claims, docs, None)[0].label is Verdict.CONTRADICTS


def test_ordinal_positions_without_a_measure_do_not_conflict():
    # "the 48th minute" of one match and "the 74th minute" of another are two sequences
    claims = _story("m1", "Der FC Basel spielte in Wien.", "In der 48. Minute fiel das erste Tor.")
    claims = {cid: replace(c, lang="de") for cid, c in claims.items()}
    claims |= {cid: replace(c, lang="de") for cid, c in _story("m2", "Der FC Basel spielte in Wien.", "In der 74. Minute fiel das erste Tor.").items()}
    v = verify_pairs([CandidatePair("m1:s1", "m2:s1", 0.95, "t1")], claims, {}, None)[0]
    assert v.label is not Verdict.CONTRADICTS


def _probs(e, n, c):
    return {"entailment": e, "neutral": n, "contradiction": c}


def test_verify_no_agreement_when_nli_contradicts():
    from checker.checks.compare import Comparison
    from checker.records import Finding
    from checker.verify import DEFAULT_THRESHOLDS, decide

    t = DEFAULT_THRESHOLDS
    c = min(1.0, max(t.agreement_max_contradiction, t.structured_max_contradiction) + 0.1)
    support = Comparison((Finding("status", "support", "relations: established vs established", 0.8),))
    v = decide("a", "b", support, (_probs(0.0, 1 - c, c), _probs(0.0, 1 - c, c)))
    assert v.label is not Verdict.AGREES
    assert any("no agreement" in n for n in v.reasons)


def test_verify_possible_contradiction_is_below_the_default_min_score():
    from checker.checks.compare import Comparison
    from checker.verify import DEFAULT_THRESHOLDS, decide

    t = DEFAULT_THRESHOLDS
    mid = (t.possible + t.contradiction) / 2
    v = decide("a", "b", Comparison(), (_probs(0.0, 1 - mid, mid), _probs(0.0, 1 - mid, mid)))
    assert v.label is Verdict.CONTRADICTS and 0.3 <= v.score < 0.5
    assert v.reasons[0].startswith("possible contradiction")
    strong = decide("a", "b", Comparison(), (_probs(0.0, 0.0, 1.0), _probs(0.0, 0.0, 1.0)))
    assert strong.label is Verdict.CONTRADICTS and strong.score == 1.0


def test_verify_opposite_outcome_with_nli_support_contradicts_not_agrees():
    from checker.verify import compare_texts
    from checker.backends.fake import RuleNli

    v = compare_texts("The court upheld the ruling against the mayor.", "The court overturned the ruling against the mayor.", RuleNli())
    assert v.label is not Verdict.AGREES


def test_verify_opposite_outcome_in_what_nli_reads_as_one_statement_contradicts():
    from checker.checks.compare import Comparison
    from checker.records import Finding
    from checker.verify import DEFAULT_THRESHOLDS, decide

    t = DEFAULT_THRESHOLDS
    flipped = Comparison((Finding("outcome:decision", "conflict", "opposite decision: 'dismissed' vs 'stattgegeben'", 0.6),))
    e = min(1.0, t.same_statement + 0.05)
    same = decide("a", "b", flipped, (_probs(e, 1 - e, 0.0), _probs(e, 1 - e, 0.0)))
    assert same.label is Verdict.CONTRADICTS and same.score >= 0.5
    assert any("one statement" in r for r in same.reasons)
    # the model reads the two as different facts ("imports rose" / "exports fell"): nothing reported
    apart = decide("a", "b", flipped, (_probs(0.05, 0.95, 0.0), _probs(0.05, 0.95, 0.0)))
    assert apart.score < 0.5 and apart.reasons[0].startswith("possible contradiction: the NLI model reads them as unrelated")


def test_verify_another_count_in_what_nli_reads_as_one_statement_contradicts():
    from checker.checks.compare import Comparison
    from checker.records import Finding
    from checker.verify import DEFAULT_THRESHOLDS, decide

    e = min(1.0, DEFAULT_THRESHOLDS.same_statement + 0.05)
    count = Comparison((Finding("count", "conflict", "people: sechs Personen vs sechzehn Menschen", 0.45),))
    v = decide("a", "b", count, (_probs(e, 1 - e, 0.0), _probs(0.25, 0.7, 0.05)))  # b→a shorter: neutral-ish
    assert v.label is Verdict.CONTRADICTS and v.score >= 0.5
    assert any("one statement" in r for r in v.reasons)
    # read as two facts (entailment low both ways, no NLI contradiction): no contradiction
    apart = decide("a", "b", count, (_probs(0.2, 0.75, 0.05), _probs(0.2, 0.75, 0.05)))
    assert apart.label is not Verdict.CONTRADICTS


def test_verify_figures_alone_against_confident_nli_neutral_are_a_possible_contradiction():
    from checker.checks.compare import Comparison
    from checker.records import Finding
    from checker.verify import CHECKS_DECISIVE, DEFAULT_THRESHOLDS, decide

    n = min(1.0, DEFAULT_THRESHOLDS.neutral_veto + 0.05)
    count = Comparison((Finding("count", "conflict", "people: 150 Menschen vs 13 Menschen", CHECKS_DECISIVE + 0.05),))
    v = decide("a", "b", count, (_probs(1 - n, n, 0.0), _probs(1 - n, n, 0.0)))
    assert v.label is Verdict.CONTRADICTS and v.score < 0.5
    assert v.reasons[0].startswith("possible contradiction: the figures differ")
    # the same conflict stands where NLI does not read them as unrelated, and a date conflict always
    assert decide("a", "b", count, (_probs(0.6, 0.4, 0.0), _probs(0.6, 0.4, 0.0))).score >= CHECKS_DECISIVE
    date = Comparison((Finding("time", "conflict", "date: 3 June vs 5 June", CHECKS_DECISIVE + 0.05),))
    assert decide("a", "b", date, (_probs(1 - n, n, 0.0), _probs(1 - n, n, 0.0))).score >= CHECKS_DECISIVE


def test_verify_agreement_needs_entailment_both_ways_even_with_a_figure_in_common():
    from checker.checks.compare import Comparison
    from checker.records import Finding
    from checker.verify import DEFAULT_THRESHOLDS, decide

    t = DEFAULT_THRESHOLDS
    common = Comparison((Finding("count", "support", "suspects: Drei Verdächtige vs Three suspects", 0.6),))
    one_way = decide("a", "b", common, (_probs(0.9, 0.1, 0.0), _probs(max(0.0, t.support - 0.1), 0.9, 0.0)))
    assert one_way.label is not Verdict.AGREES
    both = decide("a", "b", common, (_probs(0.9, 0.1, 0.0), _probs(t.support + 0.1, 0.9 - t.support, 0.0)))
    assert both.label is Verdict.AGREES
    # a check that matched the relation itself (same actors, status and time) is the exception
    relation = Comparison((Finding("status", "support", "diplomatic relations: established (1995) vs established (1995)", 0.75),))
    assert decide("a", "b", relation, (_probs(0.0, 0.4, 0.6), _probs(0.0, 0.95, 0.05))).label is Verdict.AGREES


def test_verify_weak_conflict_of_different_times_or_unrelated_claims_is_only_possible():
    from checker.checks.compare import Comparison
    from checker.records import Finding
    from checker.verify import DEFAULT_THRESHOLDS, decide

    t = DEFAULT_THRESHOLDS
    weak = (Finding("outcome:direction", "conflict", "opposite direction: 'rose' vs 'fell'", 0.6),)
    c = t.corroborate + 0.1
    assert decide("a", "b", Comparison(weak), (_probs(0.0, 1 - c, c), _probs(0.0, 1 - c, c))).score >= 0.5
    # February against December: a timeline, not a contradiction
    timeline = decide("a", "b", Comparison(weak, ("timeline: price: 0.5% (February) vs 0.7% (December)",)),
                      (_probs(0.0, 1 - c, c), _probs(0.0, 1 - c, c)))
    assert timeline.score < 0.5 and "different times" in timeline.reasons[0]
    n = t.neutral_veto + 0.05
    unrelated = decide("a", "b", Comparison(weak), (_probs(0.0, 1 - c, c), _probs(0.0, n, 1 - n)))
    assert unrelated.score < 0.5
