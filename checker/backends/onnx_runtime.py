"""ONNX for the local backends: export a torch model once into the cache, open sessions (keeping the optimised graph), fall back to torch.

Shared by the e5 embedder (``backends/e5.py``) and the NLI model (``model/onnx_export.py``).
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import E_ONNX_BUILD, E_ONNX_UNAVAILABLE, ModelLoadError

logger = logging.getLogger(__name__)


def export_graph(module, path: Path, config, output: str) -> Path:
    """Export a torch module taking ``input_ids`` and ``attention_mask`` to ONNX fp32 (opset 17).

    ``config`` is the module's BERT config: eager attention exports as plain MatMul/Softmax,
    which ONNX Runtime's BERT fusion recognises. Batch and sequence axes stay dynamic. The
    word-embedding table is then stored in fp16 (``halve_word_embeddings``).
    """
    import torch

    config._attn_implementation = "eager"
    x = torch.ones((2, 16), dtype=torch.long)
    torch.onnx.export(
        module, (x, torch.ones_like(x)), str(path), input_names=["input_ids", "attention_mask"], output_names=[output],
        dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}, output: {0: "batch"}},
        opset_version=17, dynamo=False,
    )
    return halve_word_embeddings(path)


def halve_word_embeddings(path: Path, min_rows: int = 100_000) -> Path:
    """Store the word-embedding table (the one Gather over an initializer of at least ``min_rows``
    rows) in fp16, cast back to fp32 right after the look-up; every computation stays fp32.

    The 250,037 x 384 table is 384 MB of the 470 MB graph: in fp16 the graph is 265 MB and its
    kept optimised form loads in 0.6-0.9 s instead of 1.4-2.1 s on 2 cores. Each row is rounded
    to fp16 once (relative error below 0.05%); NLI logits move by at most 0.0004 on news pairs.
    """
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(path))
    tables = {t.name: t for t in model.graph.initializer if len(t.dims) == 2 and t.dims[0] >= min_rows
              and t.data_type == TensorProto.FLOAT}
    for position, node in enumerate(model.graph.node):
        if node.op_type == "Gather" and node.input[0] in tables:
            table = tables[node.input[0]]
            table.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(table).astype(np.float16), table.name))
            looked_up = node.output[0]
            node.output[0] = f"{looked_up}_fp16"
            model.graph.node.insert(position + 1, helper.make_node("Cast", [node.output[0]], [looked_up], to=TensorProto.FLOAT,
                                                                   name=f"{node.name}_to_fp32"))
            onnx.save(model, str(path))
            break
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
        raise ModelLoadError(f"Could not build the ONNX {what}: {exc}".splitlines()[0], "use the torch runtime.",
                             code=E_ONNX_BUILD) from exc
    return target


def open_session(path: Path, threads: int | None = None, keep_optimized: bool = True):
    """A CPU ONNX Runtime session for ``path`` with all graph optimisations and ``threads`` threads.

    With ``keep_optimized``, the first start saves ONNX Runtime's optimised graph beside
    ``path`` (see ``optimized_path``) and later starts load that file with graph optimisation
    disabled, so the optimisation passes run once per model, runtime version and CPU
    instead of at every start. A saved graph that does not load is optimised again.

    Example:
        >>> session = open_session(Path("model.onnx"))  # doctest: +SKIP
    """
    import onnxruntime as ort

    path = Path(path)
    if not keep_optimized:
        return _session(path, threads, ort.GraphOptimizationLevel.ORT_ENABLE_ALL)
    optimized = optimized_path(path)
    if optimized.is_file():
        try:
            return _session(optimized, threads, ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
        except Exception as exc:  # a truncated or foreign file: optimise again and replace it
            logger.warning("Cannot load the optimised ONNX graph %s (%s); optimising %s again",
                           optimized, str(exc).splitlines()[0] if str(exc) else type(exc).__name__, path.name)
    # Saved under a temporary name and moved into place, so that a concurrent start never
    # loads a half-written graph.
    partial = optimized.with_name(f"{optimized.name}.{os.getpid()}.partial")
    try:
        session = _session(path, threads, ort.GraphOptimizationLevel.ORT_ENABLE_ALL, save_to=partial)
        os.replace(partial, optimized)
    except Exception as exc:  # saving is an optimisation: never let it cost the session
        logger.warning("Could not keep the optimised ONNX graph of %s (%s)", path.name, str(exc).splitlines()[0] if str(exc) else exc)
        partial.unlink(missing_ok=True)
        return _session(path, threads, ort.GraphOptimizationLevel.ORT_ENABLE_ALL)
    _remove_stale(optimized)
    return session


def optimized_path(path: Path) -> Path:
    """Where the optimised graph of ``path`` is kept: ``<stem>.opt-<id>.ort`` beside it.

    It is saved in ONNX Runtime's own format, which loads in about half the time of the same
    graph as ONNX (1.0 s against 2.1 s for the 470 MB NLI graph on 2 cores).

    ``<id>`` hashes the ONNX Runtime version, the CPU (an ORT_ENABLE_ALL graph may hold
    kernels chosen for this processor's instruction set) and the size and modification
    time of ``path``, so a rebuilt source graph (new weights) never meets an old optimised one.
    """
    import platform

    import onnxruntime as ort

    stat = Path(path).stat()
    identity = "\x00".join([ort.__version__, platform.machine(), _cpu_flags(), str(stat.st_size), str(stat.st_mtime_ns)])
    return Path(path).with_name(f"{Path(path).stem}.opt-{hashlib.sha256(identity.encode()).hexdigest()[:12]}.ort")


def _cpu_flags() -> str:
    """The processor's feature flags (Linux), or its name elsewhere."""
    import platform

    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith(("flags", "Features")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _session(path: Path, threads: int | None, level, save_to: Path | None = None):
    import onnxruntime as ort

    _no_telemetry(ort)
    options = ort.SessionOptions()
    options.intra_op_num_threads = int(threads or os.cpu_count() or 1)
    options.graph_optimization_level = level
    if save_to is not None:
        options.optimized_model_filepath = str(save_to)
        options.add_session_config_entry("session.save_model_format", "ORT")
        # ORT warns that such a graph may hold CPU-specific kernels: optimized_path keys it by the CPU.
        options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _remove_stale(optimized: Path) -> None:
    """Delete optimised graphs of the same source left by another runtime version or source build
    (each is as large as the model)."""
    stem = optimized.name.split(".opt-", 1)[0]
    for old in [*optimized.parent.glob(f"{stem}.opt-*.ort"), *optimized.parent.glob(f"{stem}.opt-*.onnx")]:  # .onnx: kept by earlier versions
        if old != optimized:
            old.unlink(missing_ok=True)


def _no_telemetry(ort) -> None:
    """Stop ONNX Runtime's telemetry events for this process.

    ``checker/__init__.py`` already sets ORT_DISABLE_TELEMETRY=1 before ONNX Runtime loads,
    which also keeps it from writing a device id under ~/.cache; this call covers a host
    program that imported onnxruntime before vncheck (then only the API switch still works).
    """
    disable = getattr(ort, "disable_telemetry_events", None)
    if disable is not None:
        disable()


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
                                 "use the torch runtime.", code=E_ONNX_UNAVAILABLE) from exc
        logger.warning("ONNX Runtime unavailable for %s (%s); using torch", what, exc)
        return None
