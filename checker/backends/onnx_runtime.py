"""ONNX for the local backends: export a torch model once into the cache, open sessions, fall back to torch.

Shared by the e5 embedder (``backends/e5.py``) and the NLI model (``model/onnx_export.py``).
"""
from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ModelLoadError

logger = logging.getLogger(__name__)


def export_graph(module, path: Path, config, output: str) -> Path:
    """Export a torch module taking ``input_ids`` and ``attention_mask`` to ONNX fp32 (opset 17).

    ``config`` is the module's BERT config: eager attention exports as plain MatMul/Softmax,
    which ONNX Runtime's BERT fusion recognises. Batch and sequence axes stay dynamic.
    """
    import torch

    config._attn_implementation = "eager"
    x = torch.ones((2, 16), dtype=torch.long)
    torch.onnx.export(
        module, (x, torch.ones_like(x)), str(path), input_names=["input_ids", "attention_mask"], output_names=[output],
        dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}, output: {0: "batch"}},
        opset_version=17, dynamo=False,
    )
    return path


def build_once(target: Path, build: Callable[[Path], Path], what: str) -> Path:
    """``target``, built by ``build(temporary folder)`` unless it exists; moved into place atomically,
    so a half-built model is never picked up. A failed build raises ModelLoadError."""
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    logger.info("Building the ONNX %s once (cached at %s)", what, target)
    try:
        with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
            os.replace(build(Path(tmp)), target)
    except Exception as exc:
        raise ModelLoadError(f"Could not build the ONNX {what}: {exc}".splitlines()[0], "use the torch runtime.") from exc
    return target


def open_session(path: Path, threads: int | None = None):
    """A CPU ONNX Runtime session for ``path`` with all graph optimisations and ``threads`` threads."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = int(threads or os.cpu_count() or 1)
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def try_onnx(runtime: str, onnx_runtimes: tuple[str, ...], open_onnx: Callable[[], Any], what: str) -> Any | None:
    """The ONNX session for ``runtime``, or None when torch should run instead.

    ``runtime`` "auto" falls back to torch (with a warning) when onnxruntime or the export
    fails; an explicit ONNX runtime turns that failure into a ModelLoadError.
    """
    if runtime not in ("auto",) + onnx_runtimes:
        return None
    try:
        return open_onnx()
    except (ImportError, ModelLoadError) as exc:
        if runtime != "auto":
            raise ModelLoadError(f"ONNX runtime for {what} unavailable: {getattr(exc, 'message', exc)}",
                                 "use the torch runtime.") from exc
        logger.warning("ONNX Runtime unavailable for %s (%s); using torch", what, exc)
        return None
