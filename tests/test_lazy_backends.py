"""Models load at the first text or pair that is not cached: a repeated check loads none."""
from __future__ import annotations

import pytest

from checker.backends import registry
from checker.backends.fake import HashingEmbedder, RuleNli
from checker.backends.lazy import LazyBackend
from checker.config import Config
from checker.errors import ModelLoadError
from checker.pipeline import run

LOADS: list[str] = []


def _counting(kind: str, make, name: str):
    """A backend factory that records each load in LOADS."""
    def factory(**options):
        LOADS.append(kind)
        backend = make()
        backend.name = name
        return backend

    return factory


registry.register_embedder("counting-embedder.test")(_counting("embedder", HashingEmbedder, "counting-embedder.test"))
registry.register_nli("counting-nli.test")(_counting("nli", RuleNli, "counting-nli.test"))


@registry.register_nli("broken-nli.test")
def _broken_nli(**options):
    LOADS.append("broken")
    raise ModelLoadError("The test model cannot load.", "none.")


def _fresh_process_state():
    """What a new process starts with: no model loaded yet."""
    LOADS.clear()
    for key in [k for k in registry._LOADED if k[1].endswith(".test")]:
        del registry._LOADED[key]


def _check(folder, cache, nli="counting-nli.test"):
    return run([str(folder)], Config(embedder="counting-embedder.test", nli=nli, cache_dir=cache))


def _articles(tmp_path):
    from tests.cli_inputs import EN_A, EN_B

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(EN_A, encoding="utf-8")
    (folder / "b.txt").write_text(EN_B, encoding="utf-8")
    return folder


def test_lazy_backends_repeated_check_loads_no_model_and_gives_the_same_report(tmp_path):
    folder, cache = _articles(tmp_path), tmp_path / "cache"
    _fresh_process_state()
    first = _check(folder, cache)
    assert sorted(LOADS) == ["embedder", "nli"] and any(v.nli for v in first.verdicts)
    _fresh_process_state()
    again = _check(folder, cache)
    assert LOADS == [], "every vector and score came from the caches"
    assert [(v.a, v.b, v.label, v.score) for v in again.verdicts] == [(v.a, v.b, v.label, v.score) for v in first.verdicts]
    assert again.scorers == first.scorers and again.embedder == "counting-embedder.test"


def test_lazy_backends_one_new_sentence_loads_the_embedder(tmp_path):
    folder, cache = _articles(tmp_path), tmp_path / "cache"
    _fresh_process_state()
    _check(folder, cache)
    (folder / "c.txt").write_text("The council in Springfield approved the budget of 40 million dollars on Monday.", encoding="utf-8")
    _fresh_process_state()
    _check(folder, cache)
    assert "embedder" in LOADS


def test_lazy_backends_a_model_that_cannot_load_stops_the_run_with_its_error(tmp_path):
    folder = _articles(tmp_path)
    _fresh_process_state()
    with pytest.raises(ModelLoadError, match="cannot load"):
        _check(folder, None, nli="broken-nli.test")
    assert LOADS.count("broken") == 1, "tried once, not once per chunk of pairs"


def test_lazy_backends_unknown_name_fails_before_any_work():
    from checker.pipeline import load_embedder

    with pytest.raises(ModelLoadError, match="Unknown embedder"):
        load_embedder(Config(embedder="no-such.v1"))


def test_lazy_backend_answers_preferred_chunk_without_loading():
    lazy = LazyBackend("fake.v1", HashingEmbedder)
    assert getattr(lazy, "preferred_chunk", 256) == 256 and not lazy.loaded
    assert lazy.dim == HashingEmbedder().dim and lazy.loaded  # any other attribute loads the backend


def test_lazy_backends_verbose_check_logs_each_stage_and_model_load(tmp_path, caplog):
    import logging

    from click.testing import CliRunner

    from checker.cli import main

    folder = _articles(tmp_path)
    _fresh_process_state()
    caplog.set_level(logging.INFO, logger="checker.stages")
    result = CliRunner().invoke(main, ["check", str(folder), "--out", "-", "--format", "json", "-v", "--cache-dir", str(tmp_path / "c"),
                                       "--embedder", "counting-embedder.test", "--nli-backend", "counting-nli.test"])
    assert result.exit_code == 0, result.output
    stages = [r.getMessage() for r in caplog.records if r.name == "checker.stages"]
    assert any(m.startswith("Stage 'Embedding claims': ") and m.endswith(" s") for m in stages), stages
    assert any(m.startswith("Stage 'Loading counting-embedder.test': ") for m in stages), stages
