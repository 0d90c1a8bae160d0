"""Fast CPU inference for vncheck's NLI model: ONNX export (and, optionally, BERT fusion and int8 weights).

The ONNX file is derived from the shipped safetensors weights on first use and kept in
the cache folder, keyed by the weights' sha256, so it is built once per machine
(about a minute) and never committed or downloaded.
"""
from __future__ import annotations

import hashlib
import logging
from contextlib import contextmanager
from pathlib import Path

from ..backends.onnx_runtime import build_once, export_graph
from .nli import DEFAULT_MODEL_DIR, WEIGHTS_FILE, load_model

logger = logging.getLogger(__name__)

FORMAT_VERSION = "2"  # bump when the export recipe changes (2: fp16 word-embedding table)


def weights_digest(model_dir: Path) -> str:
    """Short sha256 of the delta weights (identifies the ONNX build)."""
    digest = hashlib.sha256()
    with open(Path(model_dir) / WEIGHTS_FILE, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def export_onnx(model, path: Path) -> Path:
    """Export the torch NLI model (inputs ``input_ids``, ``attention_mask``; output ``logits``) to ONNX fp32."""
    return export_graph(model, path, model.encoder.config, "logits")


def fuse(fp32: Path, out: Path, num_heads: int, hidden_size: int) -> Path:
    """Fuse attention/LayerNorm/GELU subgraphs with ONNX Runtime's BERT optimizer (weights stay fp32)."""
    from onnxruntime.transformers.optimizer import optimize_model

    optimize_model(str(fp32), model_type="bert", num_heads=num_heads, hidden_size=hidden_size).save_model_to_file(str(out))
    return out


def fuse_and_quantize(fp32: Path, out: Path, num_heads: int, hidden_size: int, fuse_first: bool = True,
                      per_channel: bool = False, keep_float=None) -> Path:
    """Optionally fuse (see ``fuse``), then quantize the weights to int8 (dynamic activations).

    ``keep_float(node_name) -> bool`` names the MatMul/Gemm nodes that stay fp32 (an
    accuracy-aware setting: e.g. the first and last blocks and the classifier head)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    source = fuse(fp32, fp32.with_name(fp32.stem + "-fused.onnx"), num_heads, hidden_size) if fuse_first else fp32
    import onnx

    with _quiet_root_logger():
        # The fused graph has contrib ops whose output types shape inference cannot see: they are float.
        # The word-embedding table stays as exported (fp16, see halve_word_embeddings): only the
        # matrix products are quantized.
        quantize_dynamic(str(source), str(out), weight_type=QuantType.QInt8, per_channel=per_channel,
                         op_types_to_quantize=["MatMul", "Gemm", "Attention"], nodes_to_exclude=_names(source, keep_float),
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    return out


def _names(graph_path: Path, keep_float) -> list[str]:
    """Names of the nodes of the graph for which ``keep_float(name)`` holds (none when it is None)."""
    if keep_float is None:
        return []
    import onnx

    return [n.name for n in onnx.load(str(graph_path), load_external_data=False).graph.node if keep_float(n.name)]


@contextmanager
def _quiet_root_logger():
    """onnxruntime's quantizers log advice on the root logger: errors only while they run."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)


def quantize_static_qdq(fp32: Path, out: Path, calibration: list[dict], per_channel: bool = True,
                        method: str = "minmax", keep_float=None) -> Path:
    """int8 weights and activations with fixed scales (QDQ), calibrated on ``calibration`` feeds
    (``{"input_ids": ..., "attention_mask": ...}`` batches). Unlike dynamic quantization, a pair's
    score does not depend on the other pairs of its batch."""
    from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static

    class Feeds(CalibrationDataReader):
        def __init__(self) -> None:
            self.feeds = iter(calibration)

        def get_next(self):
            return next(self.feeds, None)

    methods = {"minmax": CalibrationMethod.MinMax, "percentile": CalibrationMethod.Percentile,
               "entropy": CalibrationMethod.Entropy}
    with _quiet_root_logger():
        quantize_static(str(fp32), str(out), Feeds(), quant_format=QuantFormat.QDQ, per_channel=per_channel,
                        reduce_range=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        op_types_to_quantize=["MatMul", "Gemm"], nodes_to_exclude=_names(fp32, keep_float),
                        calibrate_method=methods[method], extra_options={"CalibPercentile": 99.99})
    return out


def build_onnx(model_dir: Path | str = DEFAULT_MODEL_DIR, cache_dir: Path | None = None, int8: bool = False) -> Path:
    """Return the ONNX model for ``model_dir`` (fp32, or fused int8), building it once into ``cache_dir``.

    fp32 is the default: on the held-out XNLI slice int8 weights cost 2-4 accuracy points
    (benchmarks/nli_speed.py), more than the 1 point we accept for speed.

    Example:
        >>> path = build_onnx()  # doctest: +SKIP
        >>> path.suffix  # doctest: +SKIP
        '.onnx'
    """
    from ..config import default_cache_dir

    model_dir = Path(model_dir)
    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    kind = "int8" if int8 else "fp32"
    target = cache_dir / "onnx" / f"vncheck-nli-{weights_digest(model_dir)}-v{FORMAT_VERSION}-{kind}.onnx"

    def build(tmp: Path) -> Path:
        model, _ = load_model(model_dir)
        part = export_onnx(model, tmp / "model.onnx")
        if int8:
            config = model.encoder.config
            part = fuse_and_quantize(part, tmp / "int8.onnx", config.num_attention_heads, config.hidden_size)
        return part

    return build_once(target, build, f"{kind} NLI model")
