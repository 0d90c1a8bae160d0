"""Only check-worthy claims are paired; the others are listed as skipped."""
from checker.checks import extract_slots
from checker.checkworthy import NO_ANCHOR, anchors, drop_unworthy, unworthy_claims
from checker.records import CandidatePair, Claim


def test_checkworthy_vague_sentences_have_no_anchor():
    for text, lang in [("So etwas ist kaum vorstellbar.", "de"), ("Das wurde nicht allen gerecht.", "de"),
                       ("It was a good day.", "en"), ("Das ist nicht nachvollziehbar.", "de")]:
        assert anchors(extract_slots(text, lang)) == (), text


def test_checkworthy_names_times_and_numbers_are_anchors():
    assert "number" in anchors(extract_slots("Die Exporte stiegen um 4 Prozent.", "de"))
    assert "time" in anchors(extract_slots("The summit was held on 3 June.", "en"))
    assert "name" in anchors(extract_slots("Siemens hired a new chief executive.", "en"))


def test_checkworthy_drops_pairs_with_an_unworthy_claim():
    claims = [Claim("a:s0", "a", "en", "It was a good day.", 0, 18, 0),
              Claim("b:s0", "b", "en", "Siemens cut 300 jobs in 2016.", 0, 29, 0),
              Claim("c:s0", "c", "en", "Siemens cut 350 jobs in 2016.", 0, 29, 0)]
    unworthy = unworthy_claims(claims, lambda c: extract_slots(c.text, c.lang))
    assert set(unworthy) == {"a:s0"} and unworthy["a:s0"].reason == NO_ANCHOR
    pairs = [CandidatePair("a:s0", "b:s0", 0.9), CandidatePair("b:s0", "c:s0", 0.9)]
    assert drop_unworthy(pairs, unworthy) == [pairs[1]]


def test_checkworthy_pipeline_lists_skipped_claims(tmp_path):
    from checker.backends.fake import HashingEmbedder, RuleNli
    from checker.config import Config
    from checker.pipeline import run

    (tmp_path / "a.txt").write_text("Siemens cut 300 jobs in Munich in 2016. It was a good day for nobody at all.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Siemens cut 350 jobs in Munich in 2016. It was a good day for nobody at all.\n", encoding="utf-8")
    report = run([str(tmp_path)], Config(cache_dir=None), HashingEmbedder(), RuleNli())
    skipped = [s for s in report.skipped if s.reason == NO_ANCHOR]
    assert skipped and all("good day" in s.text for s in skipped)
    assert all("good day" not in report_claim.text for v in report.verdicts for report_claim in report.claims
               if report_claim.id in (v.a, v.b))
    assert int(report.meta["not_checkworthy_claims"]) >= 1
    everything = run([str(tmp_path)], Config(cache_dir=None, checkworthy_only=False), HashingEmbedder(), RuleNli())
    assert not [s for s in everything.skipped if s.reason == NO_ANCHOR]


def test_lists_of_names_are_not_check_worthy():
    from checker.checkworthy import NAME_LIST, is_name_list

    assert is_name_list("Subs Not Used: Howard, Bellion.")
    assert is_name_list("G Murphy; G Dempsey, S Horgan, K Maggs, D Hickie, R O'Gara, P Stringer.")
    assert not is_name_list("Siemens, BASF and Bayer cut 300 jobs in 2016.")
    assert not is_name_list("Merkel: Wir schaffen das.")
    assert NAME_LIST.startswith("not check-worthy")
