"""The labelled news pairs: well-formed, balanced over directions, and the test split unchanged."""
import csv
import hashlib
from collections import Counter
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "data" / "news_pairs"
FROZEN_TEST_SHA256 = "417872c2a4cd40994aaa35b9659f9b221e4751826ea935d4e1f2d362c388d45a"
#: The second frozen test split, written 2026-12-04 by an annotator who saw neither rules nor model.
FROZEN_TEST_B_SHA256 = "8af7d6a1e611a37fb1a049937ce69997563c8fee157d521c66317f14a28ddcf4"
LABEL_OF = {"contradiction": "contradiction", "agreement": "entailment", "compatible": "neutral"}


def _rows(name):
    with open(HERE / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_news_pairs_test_split_is_frozen():
    assert hashlib.sha256((HERE / "test.tsv").read_bytes()).hexdigest() == FROZEN_TEST_SHA256
    assert hashlib.sha256((HERE / "test_b.tsv").read_bytes()).hexdigest() == FROZEN_TEST_B_SHA256


@pytest.mark.parametrize("name", ["dev.tsv", "test.tsv", "test_b.tsv"])
def test_news_pairs_labels_match_verdicts(name):
    rows = _rows(name)
    assert all(LABEL_OF[r["verdict"]] == r["label"] for r in rows)
    assert all(r["premise"] and r["hypothesis"] and r["source"] for r in rows)


def test_news_pairs_sizes_and_disjoint_sources():
    dev, test = _rows("dev.tsv"), _rows("test.tsv")
    assert len(dev) + len(test) >= 400 and len(test) >= 200
    assert min(Counter(r["direction"] for r in test).values()) >= 40
    assert set(Counter(r["direction"] for r in test)) == {"de-de", "en-en", "de-en", "en-de"}
    assert not {r["source"] for r in dev} & {r["source"] for r in test}


def test_news_pairs_test_b_is_balanced_and_shares_no_source():
    test_b = _rows("test_b.tsv")
    assert len(test_b) == 240
    assert Counter(r["direction"] for r in test_b) == {"de-de": 60, "en-en": 60, "de-en": 60, "en-de": 60}
    assert Counter(r["verdict"] for r in test_b) == {"contradiction": 112, "agreement": 72, "compatible": 56}
    others = {r["source"] for r in _rows("dev.tsv") + _rows("test.tsv")}
    assert not {r["source"] for r in test_b} & others
    assert not {r["premise"] for r in test_b} & {r["premise"] for r in _rows("dev.tsv") + _rows("test.tsv")}
