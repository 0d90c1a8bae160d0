"""Start-up: --version and --help load no heavy module; ONNX Runtime's optimised graphs are kept in the cache."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Modules that take a tenth of a second or more to import, or that mean a model is on its way.
HEAVY = ("torch", "transformers", "tokenizers", "sentence_transformers", "onnx", "onnxruntime", "ray", "safetensors",
         "numpy", "usearch", "somajo", "dateparser", "checker.pipeline", "checker.model", "checker.backends")

PROBE = """
import json, sys
from checker.cli import main
code = 0
try:
    main(sys.argv[1:], prog_name="vncheck")
except SystemExit as exit:
    code = exit.code or 0
prefixes = json.loads(sys.stdin.read())
heavy = sorted({name for name in sys.modules for prefix in prefixes if name == prefix or name.startswith(prefix + ".")})
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


def _loaded_by(args: list[str]) -> dict:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", PROBE, *args], input=json.dumps(HEAVY), capture_output=True, text=True,
                          env=env, timeout=60, cwd=ROOT)
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["check", "--help"], ["compare", "--help"], ["index", "--help"],
                                  ["index", "add", "--help"], ["index", "info", "--help"], ["nli-eval", "--help"],
                                  ["train-nli", "--help"], ["average-nli", "--help"]], ids=" ".join)
def test_startup_version_and_help_import_no_heavy_module(args):
    result = _loaded_by(args)
    assert result["code"] == 0
    assert result["heavy"] == [], f"vncheck {' '.join(args)} imported {result['heavy']}: import them where they are used"


def test_startup_python_m_checker_version_imports_no_heavy_module():
    probe = "import runpy, sys\ntry:\n    runpy.run_module('checker', run_name='__main__')\nexcept SystemExit:\n    pass\n" \
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {[h for h in HEAVY if '.' not in h]!r}), file=sys.stderr)"
    done = subprocess.run([sys.executable, "-c", probe, "--version"], capture_output=True, text=True, timeout=60, cwd=ROOT,
                          env=os.environ | {"PYTHONPATH": str(ROOT)})
    assert "vncheck, version" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "[]"


def _tiny_graph(path: Path, scale: float = 1.0) -> Path:
    """MatMul + Add + Relu, which ONNX Runtime fuses into one FusedGemm node."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    weights = numpy_helper.from_array((rng.standard_normal((8, 8)) * scale).astype(np.float32), "W")
    bias = numpy_helper.from_array(rng.standard_normal(8).astype(np.float32), "B")
    nodes = [helper.make_node("MatMul", ["x", "W"], ["h"]), helper.make_node("Add", ["h", "B"], ["a"]),
             helper.make_node("Relu", ["a"], ["y"])]
    graph = helper.make_graph(nodes, "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 8])], [weights, bias])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def _run(session):
    import numpy as np

    x = np.linspace(-1, 1, 24, dtype=np.float32).reshape(3, 8)
    return session.run(None, {"x": x})[0]


def test_startup_onnx_optimised_graph_is_saved_once_then_loaded(tmp_path):
    import numpy as np

    from checker.backends.onnx_runtime import open_session, optimized_path

    source = _tiny_graph(tmp_path / "tiny.onnx")
    first = open_session(source, threads=1)
    optimized = optimized_path(source)
    assert optimized.is_file() and Path(first._model_path) == source
    assert optimized.suffix == ".ort" and optimized.read_bytes()[4:8] == b"ORTM"  # ONNX Runtime's own format
    again = open_session(source, threads=1)
    assert Path(again._model_path) == optimized  # loaded as saved, optimisation off
    assert np.array_equal(_run(first), _run(again))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([source.name, optimized.name])


def test_startup_onnx_broken_optimised_graph_is_optimised_again(tmp_path, caplog):
    import numpy as np

    from checker.backends.onnx_runtime import open_session, optimized_path

    source = _tiny_graph(tmp_path / "tiny.onnx")
    expected = _run(open_session(source, threads=1, keep_optimized=False))
    optimized_path(source).write_bytes(b"half a graph")
    with caplog.at_level(logging.WARNING, logger="checker.backends.onnx_runtime"):
        session = open_session(source, threads=1)
    assert np.array_equal(_run(session), expected)
    assert any("Cannot load the optimised" in r.getMessage() for r in caplog.records)
    assert Path(open_session(source, threads=1)._model_path) == optimized_path(source)  # replaced by a good one


def test_startup_onnx_rebuilt_source_gets_a_new_optimised_graph(tmp_path):
    import numpy as np

    from checker.backends.onnx_runtime import open_session, optimized_path

    source = _tiny_graph(tmp_path / "tiny.onnx")
    open_session(source, threads=1)
    old = optimized_path(source)
    stat = source.stat()
    _tiny_graph(source, scale=2.0)  # new weights under the same name
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert optimized_path(source) != old
    session = open_session(source, threads=1)
    assert np.array_equal(_run(session), _run(open_session(source, threads=1, keep_optimized=False)))
    assert not old.exists(), "the stale optimised graph (as large as the model) is removed"


def test_startup_onnx_session_survives_when_the_graph_cannot_be_kept(tmp_path, monkeypatch):
    from checker.backends import onnx_runtime

    source = _tiny_graph(tmp_path / "tiny.onnx")

    def refuse(*_):
        raise OSError("disk full")

    monkeypatch.setattr(onnx_runtime.os, "replace", refuse)
    session = onnx_runtime.open_session(source, threads=1)
    assert _run(session).shape == (3, 8)
    assert [p.name for p in tmp_path.iterdir()] == [source.name]  # no partial file left behind


def test_startup_onnx_keep_optimized_off_writes_nothing(tmp_path):
    from checker.backends.onnx_runtime import open_session

    source = _tiny_graph(tmp_path / "tiny.onnx")
    open_session(source, threads=1, keep_optimized=False)
    assert [p.name for p in tmp_path.iterdir()] == [source.name]
