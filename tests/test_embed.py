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


EMBED_WRITER = """
import sys, time
from pathlib import Path
import numpy as np
from checker.embed import EmbeddingCache
folder, who, start = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
while time.time() < start:  # both processes open the new cache together
    time.sleep(0.001)
cache = EmbeddingCache(folder)
for i in range(100):
    items = {EmbeddingCache.key("m", f"shared {i}"): np.ones(4, np.float32),
             EmbeddingCache.key("m", f"{who} {i}"): np.full(4, i, np.float32)}
    cache.put_many(items)
    assert len(cache.get_many(list(items))) == 2
print("ok")
"""


def test_embedding_cache_two_processes_writing_at_once_both_succeed(tmp_path):
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    from checker.embed import EmbeddingCache

    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    start = time.time() + 1.5
    writers = [subprocess.Popen([sys.executable, "-c", EMBED_WRITER, str(tmp_path), who, str(start)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for who in ("one", "two")]
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0 and out.strip() == "ok", err
    keys = [EmbeddingCache.key("m", f"{who} {i}") for who in ("one", "two", "shared") for i in range(100)]
    assert len(EmbeddingCache(tmp_path).get_many(keys)) == 300
