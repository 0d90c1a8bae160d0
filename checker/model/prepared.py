"""Training data tokenized once, in one compact file, so that a run can train elsewhere.

``vncheck train-nli --export FILE`` builds the training mix and the held-out sets from
``../shared/data`` (``train_data``, ``news_pairs``), tokenizes them and writes FILE;
``vncheck train-nli --prepared FILE`` trains from it without ``../shared``, the generator or
the tokenizer (a lent GPU machine, say). The same seed and options give the same file.

Format: a numpy ``.npz`` read with ``allow_pickle=False``. For the training set (``train``)
and each held-out set NAME: ``NAME.ids`` (int32, the token ids of all pairs concatenated),
``NAME.offsets`` (int64, where each pair starts, plus the end) and ``NAME.labels`` (int8,
0 entailment, 1 neutral, 2 contradiction); ``manifest`` holds the data manifest (file hashes,
counts, options, pad id) as UTF-8 JSON bytes.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..errors import InputError

TRAIN = "train"
#: (token-id rows, labels) of one set
TokenizedSet = tuple[list[list[int]], list[int]]


def tokenize_pairs(tok, pairs, max_length: int) -> list[list[int]]:
    """Token ids of each (premise, hypothesis) pair in the cross-encoder's input format."""
    enc = tok([p.premise for p in pairs], [p.hypothesis for p in pairs], truncation=True, max_length=max_length)
    return enc["input_ids"]


def write_prepared(path: Path, sets: dict[str, TokenizedSet], manifest: dict) -> Path:
    """Write the tokenized sets (one must be ``train``) and the manifest to ``path`` (atomically)."""
    if TRAIN not in sets:
        raise ValueError("the prepared data needs a 'train' set")
    arrays: dict[str, np.ndarray] = {"manifest": np.frombuffer(json.dumps(manifest, sort_keys=True).encode("utf-8"), dtype=np.uint8)}
    for name, (rows, labels) in sets.items():
        if len(rows) != len(labels):
            raise ValueError(f"set {name!r}: {len(rows)} rows but {len(labels)} labels")
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(r) for r in rows])
        arrays[f"{name}.ids"] = np.fromiter((t for r in rows for t in r), dtype=np.int32, count=int(offsets[-1]))
        arrays[f"{name}.offsets"] = offsets
        arrays[f"{name}.labels"] = np.asarray(labels, dtype=np.int8)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, path)
    return path


def read_prepared(path: Path) -> tuple[dict[str, TokenizedSet], dict]:
    """Read a file written by ``write_prepared``: ({set name: (rows, labels)}, manifest)."""
    try:
        data = np.load(Path(path), allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise InputError(f"'{path}' is not prepared training data ({exc}).", "make it with `vncheck train-nli --export FILE`.") from None
    with data:
        names = sorted({key.rsplit(".", 1)[0] for key in data.files if key.endswith(".ids")})
        if TRAIN not in names or "manifest" not in data.files:
            raise InputError(f"'{path}' has no training set or manifest.", "make it with `vncheck train-nli --export FILE`.")
        manifest = json.loads(bytes(data["manifest"]).decode("utf-8"))
        sets = {}
        for name in names:
            ids, offsets = data[f"{name}.ids"], data[f"{name}.offsets"]
            rows = [ids[offsets[i] : offsets[i + 1]].tolist() for i in range(len(offsets) - 1)]
            sets[name] = (rows, data[f"{name}.labels"].astype(int).tolist())
    return sets, manifest


def used_token_ids(sets: dict[str, TokenizedSet]) -> np.ndarray:
    """The sorted distinct token ids of all sets (the word-embedding rows a run can touch)."""
    return np.unique(np.concatenate([np.asarray([t for r in rows for t in r], dtype=np.int64) for rows, _ in sets.values()]))
