"""Prefilter: which candidate pairs reach NLI, and near-duplicates that skip it."""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from checker.backends.fake import HashingEmbedder, RuleNli
from checker.checks.lexicon import default_lexicon
from checker.config import Config
from checker.pipeline import run
from checker.prefilter import beyond_budget, near_duplicates, prefilter
from checker.records import CandidatePair, Claim, Verdict
from checker.verify import BUDGET_REASON, SlotCache, verify_pairs

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
    assert on.meta["beyond_nli_budget"] == "0"  # two documents: every pair is within its claims' budget
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


def _star(n: int, similarity: float = 0.95) -> list[CandidatePair]:
    """Claim x:s0 with n partners in documents d0..d(n-1), each of which has two closer partners of its own."""
    pairs = []
    for i in range(n):
        pairs.append(CandidatePair("x:s0", f"d{i}:s0", round(similarity - 0.01 * i, 4)))
        pairs += [CandidatePair(f"d{i}:s0", f"e{i}{j}:s0", 0.99) for j in range(2)]
    return pairs


def test_nli_budget_keeps_each_claims_closest_partners():
    beyond = beyond_budget(_star(4), partners=2)
    # x's two closest partners are within its budget; the farther two are nobody's closest two
    assert beyond == {("x:s0", "d2:s0"), ("x:s0", "d3:s0")}
    assert beyond_budget(_star(4), partners=3) == frozenset()  # x is every d's third closest partner
    assert beyond_budget(_star(4), partners=0) == frozenset()


def test_nli_budget_does_not_depend_on_pair_order():
    pairs = _star(6)
    assert beyond_budget(pairs, 2) == beyond_budget(list(reversed(pairs)), 2)


def test_nli_budget_bounds_the_pairs_per_claim():
    import random

    rng = random.Random(3)
    claims = [f"d{i}:s{j}" for i in range(30) for j in range(3)]
    pairs = {}
    for _ in range(600):
        a, b = sorted(rng.sample(claims, 2))
        if a.split(":")[0] != b.split(":")[0]:
            pairs[(a, b)] = CandidatePair(a, b, round(rng.uniform(0.86, 0.99), 3))
    within = [p for p in pairs.values() if (p.a, p.b) not in beyond_budget(list(pairs.values()), 2)]
    assert len(within) <= 2 * len(claims) < len(pairs)


def test_prefilter_budget_leaves_out_slot_key_pairs_and_duplicates():
    texts = {cid: ("en", f"Exports rose sharply in 20{i:02d}.") for i, cid in enumerate(["x:s0", "d0:s0", "d1:s0", "d2:s0"])}
    claims, cache = _setup(texts)
    pairs = [CandidatePair("x:s0", f"d{i}:s0", 0.95 - 0.01 * i) for i in range(3)]
    assert prefilter(pairs, claims, cache.get, keyed=(), nli_partners=1).beyond_budget == frozenset()  # the d's have x as closest
    keyed = {("x:s0", "d0:s0")}
    # x's closest similarity-only partner is now d1; keyed pairs neither count nor get cut
    result = prefilter(pairs + [CandidatePair("d1:s0", "d2:s0", 0.99)], claims, cache.get, keyed=keyed, nli_partners=1)
    assert ("x:s0", "d0:s0") not in result.beyond_budget and ("x:s0", "d2:s0") in result.beyond_budget


def test_pairs_beyond_the_budget_skip_nli_unless_the_checks_find_something():
    claims, cache = _setup({
        "a:s0": ("en", "Officials in Hanoi praised the talks with Washington."),
        "b:s0": ("en", "Officials in Hanoi welcomed the talks with Washington."),
        "c:s0": ("en", LONG.format("comprehensive strategic partners")),
        "d:s0": ("en", LONG.format("only comprehensive partners")),
    })
    plain, conflicting = CandidatePair("a:s0", "b:s0", 0.93), CandidatePair("c:s0", "d:s0", 0.93)
    beyond = {("a:s0", "b:s0"), ("c:s0", "d:s0")}
    nli = CountingNli()
    skipped, checked = verify_pairs([plain, conflicting], claims, {}, nli, slots=cache, beyond_budget=beyond)
    assert skipped.label is Verdict.UNRELATED and skipped.nli is None and BUDGET_REASON in skipped.reasons
    assert checked.label is Verdict.CONTRADICTS and checked.nli is not None
    assert nli.inputs == 2  # both directions of the conflicting pair only
    # without a budget the plain pair is scored too (and agrees by NLI entailment)
    nli = CountingNli()
    assert verify_pairs([plain], claims, {}, nli, slots=cache)[0].label is Verdict.AGREES and nli.inputs == 2


def test_pipeline_applies_the_nli_budget_from_a_number_of_claims(tmp_path):
    # Five reports of one story, each worded a little differently (no near-duplicates): every
    # claim has four partners, more than a budget of one.
    subjects = ["The council", "The city council", "Springfield's council", "The local council", "Councillors"]
    days = ["Monday", "Monday evening", "Monday night", "on Monday", "late Monday"]
    for i, (subject, day) in enumerate(zip(subjects, days)):
        (tmp_path / f"d{i}.txt").write_text(f"{subject} in Springfield approved the new school budget {day} after a long debate.",
                                            encoding="utf-8")
    config = Config(cache_dir=None, min_similarity=0.3, prefilter_similarity=0.3, nli_partners=1)
    small = run([str(tmp_path)], config, HashingEmbedder(), RuleNli())
    budgeted = run([str(tmp_path)], replace(config, nli_budget_from=5), HashingEmbedder(), RuleNli())
    assert small.meta["beyond_nli_budget"] == "0"  # 5 claims, below the default 5,000
    assert int(budgeted.meta["beyond_nli_budget"]) > 0
    assert any(BUDGET_REASON in v.reasons for v in budgeted.verdicts)
    assert len(budgeted.verdicts) == len(small.verdicts)  # the budget skips NLI, it does not drop pairs
