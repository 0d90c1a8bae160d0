"""ONNX Runtime sessions for the local backends, with the torch fallback rule in one place."""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Callable

from ..errors import ModelLoadError

logger = logging.getLogger(__name__)


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
