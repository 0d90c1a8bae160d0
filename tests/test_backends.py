"""Model backends: registry, fake backends, and a tiny local Hugging Face NLI model made in the test."""
from __future__ import annotations

import numpy as np
import pytest

from checker.backends.fake import HashingEmbedder, RuleNli
from checker.backends.registry import available, get_embedder, get_nli
from checker.errors import ModelLoadError
from checker.model.nli import length_batches, to_label_dicts, token_batches
from checker.records import NLI_LABELS


def test_backends_registry_lists_builtin_names():
    names = available()
    assert {"e5-small.v1", "fake.v1"} <= set(names["embedder"])
    assert {"vncheck-nli.v4", "hf-local.v1", "fake-nli.v1"} <= set(names["nli"])


def test_backends_registry_unknown_name_is_a_clear_error():
    with pytest.raises(ModelLoadError, match="Unknown nli backend 'nope'"):
        get_nli("nope")


def test_backends_registry_loads_once_per_process():
    assert get_embedder("fake.v1") is get_embedder("fake.v1")


def test_backends_fake_embedder_is_deterministic_and_normalised():
    vecs = HashingEmbedder().encode(["Vietnam lifts the embargo", "Vietnam lifts the embargo", "Fußball heute"])
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0)
    assert float(vecs[0] @ vecs[1]) == pytest.approx(1.0)
    assert float(vecs[0] @ vecs[2]) < 0.5


def test_backends_fake_nli_maps_permuted_label_order_to_names():
    (probs,) = RuleNli().predict([("The embargo was lifted in 2016.", "The embargo was not lifted in 2016.")])
    assert set(probs) == set(NLI_LABELS)
    assert max(probs, key=probs.get) == "contradiction"


def test_backends_label_dicts_fold_unknown_labels_into_neutral():
    out = to_label_dicts(np.array([[0.2, 0.8]]), {0: "entailment", 1: "not_entailment"})
    assert out == [{"entailment": 0.2, "neutral": 0.8, "contradiction": 0.0}]


def test_backends_length_batches_sort_by_length():
    assert length_batches([5, 1, 4, 2], 2) == [[1, 3], [2, 0]]


def test_backends_token_batches_keep_the_padded_size_within_the_budget():
    lengths = [3, 40, 7, 7, 120, 12, 5, 64, 9, 2] * 7
    batches = token_batches(lengths, 64, max_items=6)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))  # every text once
    for b in batches:
        assert len(b) <= 6
        assert len(b) == 1 or len(b) * max(lengths[i] for i in b) <= 64  # only a too-long text stands alone
    assert [lengths[i] for i in batches[0]] == [2] * 6  # short texts share a batch
    assert [len(b) for b in batches if lengths[b[0]] == 120] == [1] * 7


def test_backends_hf_local_uses_checkpoint_id2label(tiny_hf_nli):
    from checker.backends.hf_nli import LocalHfNli

    scorer = LocalHfNli(str(tiny_hf_nli))
    probs = scorer.predict([("Ein Satz.", "A sentence."), ("Kurz.", "A much longer hypothesis with more tokens.")])
    assert len(probs) == 2
    for p in probs:
        assert set(p) == set(NLI_LABELS)
        assert sum(p.values()) == pytest.approx(1.0, abs=1e-5)
        assert max(p, key=p.get) == "contradiction"  # index 0 in this checkpoint


def test_backends_hf_local_missing_folder_is_model_load_error(tmp_path):
    from checker.backends.hf_nli import LocalHfNli

    with pytest.raises(ModelLoadError, match="does not exist"):
        LocalHfNli(str(tmp_path / "absent"))
