"""Embedding stage: cache reuse and order."""
from __future__ import annotations

import numpy as np

from checker.backends.fake import HashingEmbedder
from checker.embed import embed_texts


class CountingEmbedder(HashingEmbedder):
    name = "counting.v1"

    def __init__(self):
        super().__init__()
        self.seen = []

    def encode(self, texts):
        self.seen.extend(texts)
        return super().encode(texts)


def test_embed_cache_reuses_vectors(tmp_path):
    emb = CountingEmbedder()
    first = embed_texts(["a b", "c d"], emb, tmp_path)
    second = embed_texts(["c d", "a b", "e f"], emb, tmp_path)
    assert emb.seen == ["a b", "c d", "e f"]
    assert np.allclose(first[0], second[1]) and np.allclose(first[1], second[0])


def test_embed_without_cache_encodes_every_call():
    emb = CountingEmbedder()
    embed_texts(["a b"], emb, None)
    embed_texts(["a b"], emb, None)
    assert emb.seen == ["a b", "a b"]


def test_embed_reports_progress(tmp_path):
    seen = []
    embed_texts([f"t{i}" for i in range(70)], CountingEmbedder(), tmp_path, progress=seen.append)
    assert seen[0] == 0 and seen[-1] == 70
