"""Prefilter: which candidate pairs reach NLI, and near-duplicates that skip it."""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from checker.backends.fake import HashingEmbedder, RuleNli
from checker.checks.lexicon import default_lexicon
from checker.config import Config
from checker.pipeline import run
from checker.prefilter import near_duplicates, prefilter
from checker.records import CandidatePair, Claim, Verdict
from checker.verify import SlotCache, verify_pairs

ENTAIL = {"entailment": 0.97, "neutral": 0.02, "contradiction": 0.01}

LONG = ("Officials in Hanoi and Washington said on Monday after a long meeting of both delegations on trade, "
        "security and the climate that the US and Vietnam are {}.")


class CountingNli:
    """Entailment for everything; remembers how many inputs it scored."""

    name = "counting"

    def __init__(self) -> None:
        self.inputs = 0

    def predict(self, pairs: Sequence[tuple[str, str]]) -> list[dict[str, float]]:
        self.inputs += len(pairs)
        return [dict(ENTAIL) for _ in pairs]


def _setup(texts: dict[str, tuple[str, str]]):
    """texts: claim id -> (lang, text); one claim per document."""
    claims = {cid: Claim(cid, cid.split(":")[0], lang, text, 0, len(text), 0) for cid, (lang, text) in texts.items()}  # type: ignore[arg-type]
    return claims, SlotCache(claims, {}, default_lexicon())


def test_prefilter_always_keeps_slot_key_pairs():
    claims, cache = _setup({"a:s0": ("en", "Officials met."), "b:s0": ("de", "Anwohner räumten die Keller.")})
    pair = CandidatePair("a:s0", "b:s0", 0.3)
    assert prefilter([pair], claims, cache.get, keyed={("a:s0", "b:s0")}).pairs == [pair]


def test_prefilter_drops_similarity_only_pairs_with_nothing_to_compare():
    claims, cache = _setup({"a:s0": ("en", "Officials met on the bridge."), "b:s0": ("de", "Anwohner räumten die Keller.")})
    result = prefilter([CandidatePair("a:s0", "b:s0", 0.87)], claims, cache.get, keyed=())
    assert result.pairs == [] and result.dropped == 1


def test_prefilter_keeps_pairs_with_two_different_years():
    # A conflict is two different values: requiring the same year would drop exactly these.
    claims, cache = _setup({"a:s0": ("en", "The embargo was lifted in 2016."), "b:s0": ("de", "Das Embargo wurde 2019 aufgehoben.")})
    assert len(prefilter([CandidatePair("a:s0", "b:s0", 0.87)], claims, cache.get, keyed=()).pairs) == 1


def test_prefilter_keeps_pairs_with_two_different_counts_and_shared_actors():
    claims, cache = _setup({
        "a:s0": ("en", "About 400 helpers were on duty."), "b:s0": ("de", "Rund 300 Helfer waren im Einsatz."),
        "c:s0": ("en", "Vietnam welcomed the visit."), "d:s0": ("de", "Vietnam lobte die Gespräche."),
    })
    pairs = [CandidatePair("a:s0", "b:s0", 0.87), CandidatePair("c:s0", "d:s0", 0.87)]
    assert len(prefilter(pairs, claims, cache.get, keyed=()).pairs) == 2


def test_prefilter_keeps_very_similar_pairs():
    claims, cache = _setup({"a:s0": ("en", "The minister attended the meeting."), "b:s0": ("en", "The minister did not attend the meeting.")})
    assert len(prefilter([CandidatePair("a:s0", "b:s0", 0.93)], claims, cache.get, keyed=()).pairs) == 1


def test_prefilter_near_duplicates_need_same_language_figures_and_negations():
    claims, _ = _setup({
        "a:s0": ("en", "The Danube in Passau peaked at 8.50 metres on Monday, the city said."),
        "b:s0": ("en", "The Danube in Passau peaked at 8.50 metres on Monday, the city said"),
        "c:s0": ("en", "The Danube in Passau peaked at 9.50 metres on Monday, the city said."),
        "d:s0": ("en", "The Danube in Passau never peaked at 8.50 metres on Monday, the city said."),
        "e:s0": ("de", "The Danube in Passau peaked at 8.50 metres on Monday, the city said."),
    })
    pairs = [CandidatePair("a:s0", x, 0.99) for x in ("b:s0", "c:s0", "d:s0", "e:s0")]
    assert near_duplicates(pairs, claims) == {("a:s0", "b:s0"): 100.0}


def test_prefilter_near_duplicates_agree_without_nli():
    text = "The Danube in Passau peaked at 8.50 metres on Monday, the city said."
    claims, cache = _setup({"a:s0": ("en", text), "b:s0": ("en", text.replace("said", "says"))})
    pair = CandidatePair("a:s0", "b:s0", 0.99)
    result = prefilter([pair], claims, cache.get, keyed=())
    nli = CountingNli()
    verdict = verify_pairs(result.pairs, claims, {}, nli, slots=cache, duplicates=result.duplicates)[0]
    assert nli.inputs == 0
    assert verdict.label is Verdict.AGREES and "duplicate" in verdict.scorers and verdict.score >= 0.95
    assert "near-duplicate wording" in verdict.reasons[0] and verdict.nli is None


def test_prefilter_near_duplicate_with_slot_conflict_still_goes_to_nli():
    claims, cache = _setup({"a:s0": ("en", LONG.format("comprehensive strategic partners")),
                            "b:s0": ("en", LONG.format("only comprehensive partners"))})
    result = prefilter([CandidatePair("a:s0", "b:s0", 0.99)], claims, cache.get, keyed=())
    assert result.duplicates, "the wording is a near-duplicate"
    nli = CountingNli()
    verdict = verify_pairs(result.pairs, claims, {}, nli, slots=cache, duplicates=result.duplicates)[0]
    assert nli.inputs == 2 and verdict.label is Verdict.CONTRADICTS


def test_prefilter_flag_switches_the_filter_in_the_pipeline(tmp_path):
    (tmp_path / "a.txt").write_text("The city council of Springfield approved the school budget on Monday after a long debate. "
                                    "The budget includes funds for three new schools.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("The city council of Springfield approved the school budget on Monday after a long debate. "
                                    "The mayor said the budget includes funds for three new schools.", encoding="utf-8")
    config = Config(cache_dir=None, min_similarity=0.5)
    on = run([str(tmp_path)], config, HashingEmbedder(), RuleNli())
    off = run([str(tmp_path)], replace(config, prefilter=False), HashingEmbedder(), RuleNli())
    assert "prefilter_dropped" in on.meta and "prefilter_dropped" not in off.meta
    assert any("duplicate" in v.scorers for v in on.verdicts)
    assert not any("duplicate" in v.scorers for v in off.verdicts)
    # The copy agrees either way: by its wording (on) or by NLI entailment (off).
    assert {(v.a, v.b, v.label) for v in on.findings()} == {(v.a, v.b, v.label) for v in off.findings()}


def test_prefilter_drops_moderately_similar_pairs_from_different_stories():
    # Two documents: one about France, one about Brazil; each claim carries a year, so
    # without story context the pair would go to NLI.
    texts = {
        "fr:s0": ("en", "France reported strong growth."), "fr:s1": ("en", "Exports rose sharply in 2004."),
        "br:s0": ("en", "Brazil signed new trade deals."), "br:s1": ("en", "Exports rose sharply in 2004."),
        "fr2:s0": ("en", "France reported strong growth."), "fr2:s1": ("en", "Exports rose sharply in 2004."),
    }
    claims = {cid: Claim(cid, cid.split(":")[0], lang, text, 0, len(text), int(cid[-1])) for cid, (lang, text) in texts.items()}  # type: ignore[arg-type]
    cache = SlotCache(claims, {}, default_lexicon())
    other_story, same_story = CandidatePair("fr:s1", "br:s1", 0.88), CandidatePair("fr:s1", "fr2:s1", 0.88)
    assert prefilter([other_story, same_story], claims, cache.get, keyed=()).pairs == [same_story]
    # near-paraphrases always go on, whatever the story
    assert len(prefilter([replace(other_story, similarity=0.95)], claims, cache.get, keyed=()).pairs) == 1
