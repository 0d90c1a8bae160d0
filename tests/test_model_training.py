"""NLI training helpers that need no shared data: synthetic contradictions, batching, the data-folder error."""
from __future__ import annotations

import random

import pytest

from checker.model import train_data
from checker.errors import InputError
from checker.model.train import _batches


def test_nli_training_contradict_changes_a_year_or_number():
    rng = random.Random(1)
    text = "The treaty was signed in 1995 by 12 countries."
    edited = train_data._edit_number(text, rng)
    assert edited is not None and edited != text
    assert sum(a != b for a, b in zip(edited, text)) >= 1


def test_nli_training_negation_in_both_languages():
    assert train_data._negate("The minister was in Berlin.", "en") == "The minister was not in Berlin."
    assert train_data._negate("Der Minister war in Berlin.", "de") == "Der Minister war nicht in Berlin."
    assert train_data._negate("The minister was not in Berlin.", "en") is None  # already negated


def test_nli_training_month_swap_keeps_language():
    edited = train_data._edit_month("Die Wahl fand im März statt.", "de", random.Random(0))
    assert edited is not None and "März" not in edited
    assert any(m in edited for m in train_data._MONTHS["de"])


def test_nli_training_batches_cover_every_row_once_and_group_lengths():
    lengths = [random.Random(i).randint(5, 120) for i in range(1000)]
    batches = _batches(lengths, 32, seed=3)
    flat = sorted(i for b in batches for i in b)
    assert flat == list(range(1000))
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches) / len(batches)
    assert spread < 40  # length-sorted within windows: little padding


def test_nli_training_missing_shared_data_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("VNCHECK_DATA", raising=False)
    monkeypatch.setattr(train_data, "DEFAULT_SHARED", tmp_path / "nowhere")
    with pytest.raises(InputError, match="shared training data"):
        train_data.shared_data_dir(tmp_path / "absent")


def test_code_switching_dictionary_and_replacement(tmp_path):
    import random

    from checker.model.codeswitch import code_switch, load_dictionary

    dictionary = tmp_path / "de-en"
    dictionary.write_text(
        "# comment line\n"
        "Haus {n} | Häuser {pl} :: house | houses\n"
        "Geschlecht {n}; Haus {n} :: house; lineage\n"
        "laufen {vi} | lief :: to run {ran; run} | ran\n",
        encoding="utf-8",
    )
    table = load_dictionary(dictionary, german_counts={"Haus": 50, "Geschlecht": 3})
    assert table["house"] == "Haus" and table["houses"] == "Häuser" and table["run"] == "laufen"
    assert "the" not in table
    assert code_switch("The houses ran.", table, random.Random(0), ratio=1.0) == "The Häuser lief."
    assert code_switch("The houses ran.", table, random.Random(0), ratio=0.0) == "The houses ran."


def test_missing_dictionary_is_a_clear_error(tmp_path):
    from checker.errors import InputError
    from checker.model.codeswitch import load_dictionary

    with pytest.raises(InputError, match="trans-de-en"):
        load_dictionary(tmp_path / "nope")


def test_average_models_weights_two_deltas(tmp_path):
    import json

    import torch
    from safetensors.torch import load_file, save_file

    from checker.model.nli import average_models

    for name, value in (("a", 1.0), ("b", 3.0)):
        d = tmp_path / name
        d.mkdir()
        save_file({"w": torch.full((2, 2), value, dtype=torch.float16), "b": torch.zeros(2, dtype=torch.float16)}, str(d / "model.safetensors"))
        (d / "config.json").write_text(json.dumps({"id2label": {"0": "entailment"}}), encoding="utf-8")
    out = average_models(tmp_path / "a", tmp_path / "b", 0.25, tmp_path / "soup")
    assert torch.allclose(load_file(str(out))["w"].float(), torch.full((2, 2), 2.5))
    config = json.loads((tmp_path / "soup" / "config.json").read_text(encoding="utf-8"))
    assert config["averaged"]["weight"] == 0.25 and len(config["averaged"]["first_sha256"]) == 64
    (tmp_path / "c").mkdir()
    save_file({"w": torch.zeros(3)}, str(tmp_path / "c" / "model.safetensors"))
    (tmp_path / "c" / "config.json").write_text(json.dumps({"id2label": {"0": "entailment"}}), encoding="utf-8")
    import pytest

    from checker.errors import ModelLoadError

    with pytest.raises(ModelLoadError, match="not deltas of the same model"):
        average_models(tmp_path / "a", tmp_path / "c", 0.5, tmp_path / "bad")
    with pytest.raises(ModelLoadError, match="No NLI model"):
        average_models(tmp_path / "a", tmp_path / "missing", 0.5, tmp_path / "bad")


def test_select_layers_renumbers_the_kept_layers_and_keeps_the_rest():
    from checker.model.nli import select_layers

    delta = {f"encoder.encoder.layer.{i}.attention.w": i for i in range(12)} | {"classifier.weight": "head"}
    student = select_layers(delta, [0, 2, 11])
    assert student == {"encoder.encoder.layer.0.attention.w": 0, "encoder.encoder.layer.1.attention.w": 2,
                       "encoder.encoder.layer.2.attention.w": 11, "classifier.weight": "head"}


@pytest.mark.parametrize("text, expected", [("0,2,11", [0, 2, 11]), (None, None)])
def test_keep_layers_option_reads_increasing_layer_numbers(text, expected):
    from checker.cli import _layer_list

    assert _layer_list(text) == expected


@pytest.mark.parametrize("text", ["", "a,b", "2,1", "0,0", "0,12", "-1,3"])
def test_keep_layers_option_rejects_bad_lists_in_one_line(text):
    from click.testing import CliRunner

    from checker.cli import main

    result = CliRunner().invoke(main, ["train-nli", "--keep-layers", text, "--data-dir", "/nonexistent"])
    assert result.exit_code == 2
    assert "--keep-layers" in result.output and "Traceback" not in result.output


def _tiny_sets(n_train=120, seed=0):
    rng = random.Random(seed)
    rows = lambda n: [[0] + [rng.randint(3, 40) for _ in range(rng.randint(2, 9))] + [2] for _ in range(n)]
    labels = lambda n: [rng.randint(0, 2) for _ in range(n)]
    return {"train": (rows(n_train), labels(n_train)), "en-en": (rows(12), labels(12)), "news-dev": (rows(9), labels(9))}


def test_prepared_data_round_trip_keeps_every_row_label_and_the_manifest(tmp_path):
    from checker.model import prepared

    sets = _tiny_sets()
    manifest = {"pad_id": 1, "counts": {"news": 3}, "data_options": {"seed": 41}}
    path = prepared.write_prepared(tmp_path / "d.npz", sets, manifest)
    back, back_manifest = prepared.read_prepared(path)
    assert back == sets and back_manifest == manifest
    assert prepared.used_token_ids(sets).tolist() == sorted({t for rows, _ in sets.values() for r in rows for t in r})


def test_prepared_data_that_is_not_an_export_is_a_clear_error(tmp_path):
    import numpy as np

    from checker.model import prepared

    (tmp_path / "junk.npz").write_bytes(b"not a zip file")
    with pytest.raises(InputError, match="not prepared training data"):
        prepared.read_prepared(tmp_path / "junk.npz")
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(InputError, match="no training set"):
        prepared.read_prepared(tmp_path / "other.npz")
    with pytest.raises(ValueError, match="2 rows but 1 labels"):
        prepared.write_prepared(tmp_path / "bad.npz", {"train": ([[1], [2]], [0])}, {})


def _tiny_nli_model(keep_layers=None):
    """A 1-layer, 8-wide stand-in for NliModel (same attribute names, so save_delta works)."""
    import torch
    from transformers import BertConfig, BertModel

    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            self.encoder = BertModel(BertConfig(vocab_size=48, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                                                intermediate_size=16, max_position_embeddings=32), add_pooling_layer=False)
            self.classifier = torch.nn.Linear(8, 3)

        def forward(self, input_ids, attention_mask):
            return self.classifier(self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state[:, 0])

    return Tiny()


def test_training_from_prepared_data_with_a_time_budget_fixes_the_steps_and_exports(tmp_path, monkeypatch):
    import json

    from checker.model import prepared, train as train_module

    monkeypatch.setattr(train_module, "build_model", _tiny_nli_model)
    prepared.write_prepared(tmp_path / "d.npz", _tiny_sets(n_train=240), {"pad_id": 1, "counts": {}})
    cfg = train_module.TrainConfig(prepared=str(tmp_path / "d.npz"), run_dir=str(tmp_path / "run"), out_dir=str(tmp_path / "out"),
                                   batch_size=2, epochs=1, time_budget=0.001, eval_every=10_000, threads=1)
    lines = []
    meta = train_module.train(cfg, log=lines.append)
    timed = train_module.WARM_STEPS + train_module.TIMING_STEPS
    # the budget is spent by the time the timing ends: one more step, then the export
    assert meta["training"]["steps"] == timed + 1 < 120
    assert any("time budget" in line for line in lines)
    state = json.loads((tmp_path / "run" / "state.json").read_text())
    assert state["step"] == state["total"] == timed + 1
    config = json.loads((tmp_path / "out" / "config.json").read_text())
    assert config["num_layers"] == 1 and set(config["training"]["selection_scores"]) == {"en-en", "news-dev"}
    assert (tmp_path / "out" / "model.safetensors").is_file()


def test_export_and_prepared_together_are_a_one_line_usage_error(tmp_path):
    from click.testing import CliRunner

    from checker.cli import main

    (tmp_path / "d.npz").write_bytes(b"x")
    result = CliRunner().invoke(main, ["train-nli", "--export", str(tmp_path / "e.npz"), "--prepared", str(tmp_path / "d.npz")])
    assert result.exit_code == 2
    assert "give one of them" in result.output and "Traceback" not in result.output
