"""The NLI pair-score cache (checker/pair_cache.py): reuse across runs, bypass, concurrency, model ids."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.backends.fake import RuleNli
from checker.cli import main
from checker.config import Config
from checker.pair_cache import CACHE_FILE, CachedNli, PairScoreCache, with_pair_cache
from checker.pipeline import _nli_weights, load_nli
from cli_inputs import EN_A, EN_B

ROOT = Path(__file__).resolve().parents[1]
FAKE = ["--embedder", "fake.v1", "--nli-backend", "fake-nli.v1"]
EN_C = ("The city council of Springfield has approved the new school budget for the year on Monday evening. "
        "The budget includes funds for four new schools in the city.")


@pytest.fixture
def scored(monkeypatch) -> list[int]:
    """Counts the pairs the fake NLI backend really scores (one entry per predict call)."""
    calls: list[int] = []
    original = RuleNli.predict

    def counting(self, pairs):
        calls.append(len(pairs))
        return original(self, pairs)

    monkeypatch.setattr(RuleNli, "predict", counting)
    return calls


@pytest.fixture
def docs(tmp_path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(EN_A, encoding="utf-8")
    (folder / "b.txt").write_text(EN_B, encoding="utf-8")
    return folder


def _check(args: list[str]) -> str:
    result = CliRunner().invoke(main, ["check", *args, "--format", "json", "--out", "-", *FAKE])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_pair_cache_second_check_scores_nothing_new(docs, tmp_path, scored):
    cache = tmp_path / "cache"
    first = _check([str(docs), "--cache-dir", str(cache)])
    assert sum(scored) > 0, "the documents should give pairs for NLI"
    assert (cache / CACHE_FILE).is_file()
    scored.clear()
    second = _check([str(docs), "--cache-dir", str(cache)])
    assert sum(scored) == 0
    assert second == first
    assert any(f["kind"] == "contradiction" for f in json.loads(second)["findings"])


def test_pair_cache_new_document_scores_only_its_pairs(docs, tmp_path, scored):
    cache = tmp_path / "cache"
    _check([str(docs), "--cache-dir", str(cache)])
    alone = sum(scored)
    (docs / "c.txt").write_text(EN_C, encoding="utf-8")
    scored.clear()
    _check([str(docs), "--cache-dir", str(cache)])
    with_c = sum(scored)
    scored.clear()
    _check([str(docs), "--no-cache"])
    assert 0 < with_c < sum(scored), "the pairs of a and b come from the cache"
    assert alone > 0


def test_pair_cache_no_cache_bypasses_it(docs, tmp_path, scored):
    cache = tmp_path / "cache"
    _check([str(docs), "--no-cache", "--cache-dir", str(cache)])
    first = sum(scored)
    scored.clear()
    _check([str(docs), "--no-cache", "--cache-dir", str(cache)])
    assert sum(scored) == first > 0
    assert not (cache / CACHE_FILE).exists()


def test_pair_cache_check_against_archive_reuses_scores(tmp_path, scored):
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    (old / "a.txt").write_text(EN_A, encoding="utf-8")
    (new / "b.txt").write_text(EN_B, encoding="utf-8")
    archive, cache = tmp_path / "archive.sqlite", tmp_path / "cache"
    added = CliRunner().invoke(main, ["index", "add", str(old), "--archive", str(archive), "--embedder", "fake.v1",
                                      "--cache-dir", str(cache)])
    assert added.exit_code == 0, added.output
    first = _check([str(new), "--against", str(archive), "--cache-dir", str(cache)])
    assert sum(scored) > 0
    scored.clear()
    assert _check([str(new), "--against", str(archive), "--cache-dir", str(cache)]) == first
    assert sum(scored) == 0


def test_pair_cache_compare_reuses_scores(tmp_path, scored):
    args = ["compare", "The US lifted the embargo in 2016.", "The US did not lift the embargo in 2016.", "--json", *FAKE[2:],
            "--cache-dir", str(tmp_path)]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert sum(scored) == 2  # a→b contradicts, so b→a is scored too
    scored.clear()
    second = CliRunner().invoke(main, args)
    assert second.stdout == first.stdout and sum(scored) == 0
    third = CliRunner().invoke(main, [*args, "--no-cache"])
    assert third.stdout == first.stdout and sum(scored) == 2


def _cached(folder: Path, model_id: str = "fake-nli.v1|test") -> CachedNli:
    return CachedNli(RuleNli(), PairScoreCache(folder), model_id)


def test_pair_cache_other_model_id_misses(tmp_path, scored):
    pairs = [("It rained in Bonn.", "It did not rain in Bonn.")]
    first = _cached(tmp_path, "model-a").predict(pairs)
    assert _cached(tmp_path, "model-a").predict(pairs) == first and scored == [1]
    assert _cached(tmp_path, "model-b").predict(pairs) == first and scored == [1, 1]


def test_pair_cache_direction_is_part_of_the_key(tmp_path, scored):
    nli = _cached(tmp_path)
    nli.predict([("A man sleeps in Bonn.", "A man does not sleep in Bonn.")])
    nli.predict([("A man does not sleep in Bonn.", "A man sleeps in Bonn.")])
    assert scored == [1, 1] and nli.computed == 2 and nli.reused == 0


def test_pair_cache_scores_a_repeated_pair_once_and_keeps_order(tmp_path, scored):
    a, b = ("Prices rose in Berlin.", "Prices rose in Berlin today."), ("The talks failed.", "The talks did not fail.")
    expected = RuleNli().predict([a, b, a])
    scored.clear()
    nli = _cached(tmp_path)
    assert nli.predict([a, b, a]) == expected
    assert scored == [2]
    assert nli.predict([b, a]) == [expected[1], expected[0]] and scored == [2]


def test_pair_cache_returns_exactly_the_stored_floats(tmp_path):
    pairs = [("Der Pegel stieg auf 9,80 Meter.", "The level rose to 8.50 metres.")]
    fresh = _cached(tmp_path).predict(pairs)
    assert _cached(tmp_path).predict(pairs) == fresh  # REAL columns round-trip Python floats exactly


def test_pair_cache_texts_cannot_forge_another_key():
    assert PairScoreCache.key("m", "a\x00b", "c") != PairScoreCache.key("m", "a", "b\x00c")
    assert PairScoreCache.key("m", 'a", "b', "c") != PairScoreCache.key("m", "a", 'b", "c')
    assert PairScoreCache.key("m", "broken \udcff text", "b") != PairScoreCache.key("m", "broken  text", "b")


class _BrokenNli:
    name = "broken.v1"

    def __init__(self) -> None:
        self.calls = 0

    def predict(self, pairs):
        self.calls += 1
        return [{"entailment": 0.5, "neutral": 0.5} for _ in pairs]  # no "contradiction"


def test_pair_cache_never_stores_invalid_results(tmp_path):
    inner = _BrokenNli()
    nli = CachedNli(inner, PairScoreCache(tmp_path), "broken")
    assert nli.predict([("a", "b")]) == [{"entailment": 0.5, "neutral": 0.5}]
    nli.predict([("a", "b")])
    assert inner.calls == 2


def test_pair_cache_wrapper_keeps_backend_attributes(tmp_path):
    inner = RuleNli()
    inner.preferred_chunk = 512  # what the Ray engine's scorer carries
    nli = with_pair_cache(inner, tmp_path)
    assert isinstance(nli, CachedNli) and nli.name == "fake-nli.v1"
    assert nli.preferred_chunk == 512 and nli.id2label == inner.id2label


def test_pair_cache_model_id_changes_with_the_weights(tmp_path):
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"old weights")
    cache = PairScoreCache(tmp_path / "cache")
    old = cache.model_id("own.v1", [weights])
    assert cache.model_id("own.v1", [weights]) == old
    stat = weights.stat()
    weights.write_bytes(b"new weights")  # same size
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the old modification time
    assert cache.model_id("own.v1", [weights]) != old
    assert cache.model_id("own.v1", [weights], variant="int8") != cache.model_id("own.v1", [weights])
    assert PairScoreCache(tmp_path / "cache").model_id("own.v1", [weights]) == cache.model_id("own.v1", [weights])


def test_pair_cache_load_nli_wraps_only_with_a_cache_folder(tmp_path):
    assert isinstance(load_nli(Config(nli="fake-nli.v1", cache_dir=tmp_path)), CachedNli)
    plain = load_nli(Config(nli="fake-nli.v1", cache_dir=None))
    assert not isinstance(plain, CachedNli) and isinstance(plain.backend(), RuleNli)  # lazy, without the cache


def test_pair_cache_weights_of_the_model_backends(tmp_path):
    own = _nli_weights("vncheck-nli.v4", {})
    assert [p.name for p in own] == ["model.safetensors", "config.json"] and all(p.is_file() for p in own)
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        (tmp_path / name).write_text("{}", encoding="utf-8")
    (tmp_path / "onnx").mkdir()
    local = [p.name for p in _nli_weights("hf-local.v1", {"path": str(tmp_path)})]
    assert local == ["config.json", "model.safetensors", "tokenizer.json"]  # label order and tokenizer count too
    assert _nli_weights("fake-nli.v1", {}) == []


def test_pair_cache_unusable_file_is_a_warning_not_a_failure(docs, tmp_path, scored, caplog):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / CACHE_FILE).write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING, logger="checker.pair_cache"):
        report = _check([str(docs), "--cache-dir", str(cache)])
    assert any(f["kind"] == "contradiction" for f in json.loads(report)["findings"])
    assert sum(scored) > 0
    assert any("unusable" in r.getMessage() for r in caplog.records)


WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from checker.pair_cache import PairScoreCache
    folder, who, start = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    while time.time() < start:  # both processes begin together
        time.sleep(0.001)
    cache = PairScoreCache(folder)  # the first open also creates the file and switches it to WAL
    for i in range(150):
        # half the keys are shared with the other writer: INSERT OR IGNORE keeps the first
        keys = {PairScoreCache.key("m", f"shared {i}", "h"): {"entailment": 0.1, "neutral": 0.2, "contradiction": 0.7},
                PairScoreCache.key("m", f"{who} {i}", "h"): {"entailment": 0.3, "neutral": 0.3, "contradiction": 0.4}}
        cache.put_many(keys)
        assert len(cache.get_many(list(keys))) == 2
    print("ok")
""")


@pytest.mark.integration
def test_pair_cache_two_processes_writing_at_once_both_succeed(tmp_path):
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    start = time.time() + 1.5
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), who, str(start)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for who in ("one", "two")]
    results = [w.communicate(timeout=120) for w in writers]
    for writer, (out, err) in zip(writers, results):
        assert writer.returncode == 0 and out.strip() == "ok", err
    cache = PairScoreCache(tmp_path)
    keys = [PairScoreCache.key("m", f"{who} {i}", "h") for who in ("one", "two", "shared") for i in range(150)]
    assert len(cache.get_many(keys)) == 450
    assert cache.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
