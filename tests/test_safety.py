"""Safe outputs and no network: escapes in untrusted text, forged warning lines, telemetry, output folders, error codes."""
from __future__ import annotations

import ast
import dataclasses
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import checker
from checker.cli import main
from checker.errors import ERROR_CODES
from checker.records import Skipped
from checker.report import to_markdown, to_terminal
from checker.safe_text import visible, visible_name
from cli_inputs import EN_A, EN_B, FAKE

ROOT = Path(__file__).parent.parent


CLEAR_SCREEN = "\x1b[2J\x1b[H"
OSC8_LINK = "\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\"
OSC52_CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4=\x07"
C1_CSI = "\x9b31m"
BIDI = "\u202eevil\u202c \u2066x\u2069"
#: Every kind of character that must not reach a terminal as it is.
HOSTILE = f"Budget {CLEAR_SCREEN}{OSC8_LINK}{OSC52_CLIPBOARD}{C1_CSI}{BIDI}\r\x08\x00\x7f end."
#: What may never appear in plain output (in colour output rich adds its own SGR codes, "\x1b[...m").
RAW = ["\x1b", "\x9b", "\x07", "\x08", "\x00", "\x7f", "\r", "\u202e", "\u202c", "\u2066", "\u2069"]


def _hostile_report(report):
    """The fixture report with hostile text in a sentence, a title, a document id and path, a reason, a warning and a skipped item."""
    de = report.documents[0]
    evil_id = "de\nwarning: forged" + CLEAR_SCREEN
    de = dataclasses.replace(de, id=evil_id, title="Titel " + OSC8_LINK, path="seeds/" + evil_id + ".txt")
    claims = tuple(
        dataclasses.replace(c, id=c.id.replace("de_hochwasser", evil_id), doc_id=evil_id,
                            text=c.text + " " + HOSTILE if c.index == 0 else c.text)
        if c.doc_id == "de_hochwasser" else c
        for c in report.claims
    )
    verdicts = tuple(
        dataclasses.replace(v, a=v.a.replace("de_hochwasser", evil_id), b=v.b.replace("de_hochwasser", evil_id),
                            reasons=v.reasons + (f"value {OSC52_CLIPBOARD}{BIDI}",), topic=v.topic + C1_CSI)
        for v in report.verdicts
    )
    return dataclasses.replace(
        report, documents=(de,) + report.documents[1:], claims=claims, verdicts=verdicts, clusters=(),
        warnings=report.warnings + (f"'{evil_id}.txt' is empty{OSC52_CLIPBOARD}",),
        skipped=report.skipped + (Skipped(where=evil_id + ":0-5", reason="heading" + BIDI, text=HOSTILE),),
    )


# --- safe_text -------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", RAW + ["\n", "\x1b]8;;", "\x85", "\u2028", "\u200f", "\U000e0041", "\ud800"])
def test_safety_visible_escapes_controls_and_bidi(bad):
    out = visible(f"a{bad}b")
    assert out.startswith("a") and out.endswith("b") and out != f"a{bad}b"
    assert out.isprintable()
    out.encode("utf-8")  # lone surrogates are gone too


def test_safety_visible_keeps_ordinary_text():
    text = "Größe · „Zitat“ – 5 € — 👩‍👩‍👧 Silben\u00adtrennung 日本"
    assert visible(text) == text
    assert visible("a\tb\nc", keep="\n\t") == "a\tb\nc"
    assert visible(visible(HOSTILE)) == visible(HOSTILE)  # idempotent: escapes are printable


def test_safety_visible_name_is_one_quoted_line():
    assert visible_name("b\nwarning: forged.txt") == "'b\\nwarning: forged.txt'"


# --- renderers ---------------------------------------------------------------------------------


def test_safety_terminal_plain_shows_controls_visibly(report):
    text = to_terminal.render(_hostile_report(report), color=False, width=100)
    for raw in RAW:
        assert raw not in text, repr(raw)
    assert "\\x1b[2J" in text and "\\x1b]52;c;" in text and "\\u202e" in text
    assert not any(line.startswith("warning: forged") for line in text.splitlines())


def test_safety_terminal_colour_sends_no_foreign_escape(report):
    text = to_terminal.render(_hostile_report(report), color=True, width=100)
    for seq in ("\x1b[2J", "\x1b[H", "\x1b]8;", "\x1b]52", "\x9b", "\x07", "\u202e", "\u2066"):
        assert seq not in text, repr(seq)
    # Only rich's own colour codes remain.
    assert set(re.findall(r"\x1b(.)", text)) <= {"["}
    assert re.sub(r"\x1b\[[0-9;]*m", "", text).count("\x1b") == 0


def test_safety_markdown_shows_controls_visibly(report):
    text = to_markdown.render(_hostile_report(report))
    for raw in RAW:
        assert raw not in text, repr(raw)
    assert "x1b\\[2J" in text or "\\\\x1b" in text  # the escape, itself Markdown-escaped
    assert not any(line.startswith("warning: forged") for line in text.splitlines())


def test_safety_text_report_file_has_no_raw_controls(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(EN_A, encoding="utf-8")
    (folder / f"b{CLEAR_SCREEN}\u202e.txt").write_text(
        EN_B.replace("The mayor said", f"The mayor {CLEAR_SCREEN}{OSC52_CLIPBOARD} said"), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(folder), "--format", "rich", "--out", str(tmp_path / "out"), *FAKE])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "out" / "vncheck-report.txt").read_text(encoding="utf-8")
    for raw in RAW:
        assert raw not in text, repr(raw)


# --- warnings and errors cannot forge lines -------------------------------------------------------


def test_safety_file_name_cannot_forge_a_warning_line(tmp_path):
    (tmp_path / "a.txt").write_text(EN_A, encoding="utf-8")
    (tmp_path / "b.txt").write_text(EN_B, encoding="utf-8")
    (tmp_path / "x\nwarning: all clear\x1b[2J.txt").write_bytes(b"")
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--format", "json", "--out", "-", *FAKE])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, result.stderr
    assert "x\\nwarning: all clear\\x1b[2J.txt" in warnings[0] and "\x1b" not in result.stderr


def test_safety_error_message_cannot_forge_a_line(tmp_path):
    result = CliRunner().invoke(main, ["check", str(tmp_path / "no\nError: none\x1b]52;c;AA\x07"), *FAKE])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "\x1b" not in result.output
    assert "no\\nError: none\\x1b]52;c;AA\\x07" in result.output


def test_safety_log_lines_escape_file_names():
    import logging

    from checker.cli import _VisibleFormatter

    record = logging.LogRecord("checker.ingest", logging.INFO, __file__, 1, "%s: decoded as %s", ("a\nWARNING x\x1b[2J", "cp1252"), None)
    line = _VisibleFormatter("%(levelname)s %(name)s: %(message)s").format(record)
    assert line == "INFO checker.ingest: a\\nWARNING x\\x1b[2J: decoded as cp1252"


def _run_cli(args, cwd=None, env=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "checker", *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=timeout)


def test_safety_bad_file_warning_is_printed_once(tmp_path):
    # A real process: the CLI's logging setup only takes effect outside pytest's log capture.
    (tmp_path / "a.txt").write_text(EN_A, encoding="utf-8")
    (tmp_path / "b.txt").write_text(EN_B, encoding="utf-8")
    (tmp_path / "d.txt").write_bytes(b"\x00\x01\x02binary\xff" * 50)
    (tmp_path / "e.txt").write_bytes(b"")
    done = _run_cli(["check", str(tmp_path), "--format", "json", "--out", "-", *FAKE])
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("d.txt") == 1 and done.stderr.count("e.txt") == 1, done.stderr
    # The terminal report lists warnings and skipped items itself: once there, not again on stderr.
    done = _run_cli(["check", str(tmp_path), *FAKE])
    assert done.returncode == 0, done.stderr
    assert (done.stdout + done.stderr).count("binary file") == 1, done.stdout + done.stderr


# --- no network ---------------------------------------------------------------------------------


def _tiny_onnx(path: Path) -> Path:
    """A one-node ONNX graph (Relu), enough to start ONNX Runtime for real."""
    import onnx
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "tiny", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test on any attempt to resolve a name or open a connection."""
    attempts = []

    def refuse(name):
        def call(*args, **kwargs):
            attempts.append((name, args[:2]))
            raise AssertionError(f"network attempt: {name}{args[:2]}")
        return call

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("socket.create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("socket.getaddrinfo"))
    return attempts


def test_safety_telemetry_is_switched_off_before_libraries_load():
    for name, value in checker.NO_TELEMETRY.items():
        assert os.environ[name] == value
    assert os.environ["HF_HUB_OFFLINE"] and os.environ["TRANSFORMERS_OFFLINE"]


def test_safety_check_runs_without_network(tmp_path, no_network):
    from checker.backends.onnx_runtime import open_session

    (tmp_path / "a.txt").write_text(EN_A, encoding="utf-8")
    (tmp_path / "b.txt").write_text(EN_B, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--format", "json", "--out", "-", *FAKE])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["findings"]
    import numpy as np

    session = open_session(_tiny_onnx(tmp_path / "tiny.onnx"), threads=1)
    assert session.run(None, {"x": np.array([[-1.0, 2.0]], dtype=np.float32)})[0].tolist() == [[0.0, 2.0]]
    assert no_network == []


#: The subprocess variant: socket patched inside a fresh process whose only vncheck import is
#: the CLI, and a fresh, empty cache folder in which ONNX Runtime would keep its device id.
_OFFLINE_SCRIPT = r"""
import socket, sys
def refuse(*args, **kwargs):
    print("NETWORK ATTEMPT", args[:2], file=sys.stderr, flush=True)
    raise OSError("network is off in this test")
socket.socket.connect = socket.socket.connect_ex = refuse
socket.create_connection = socket.getaddrinfo = refuse
from checker.cli import main
from checker.backends.onnx_runtime import open_session
import numpy as np
session = open_session(sys.argv[1], threads=1)
assert session.run(None, {"x": np.array([[-1.0, 2.0]], dtype=np.float32)})[0].tolist() == [[0.0, 2.0]]
main(sys.argv[2:], prog_name="vncheck")
"""


def _offline_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORT_", "HF_", "TRANSFORMERS_", "RAY_", "DO_NOT_TRACK"))}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), PYTHONPATH=str(ROOT))
    return env


def _offline_command(tmp_path: Path) -> list[str]:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(EN_A, encoding="utf-8")
    (tmp_path / "in" / "b.txt").write_text(EN_B, encoding="utf-8")
    tiny = _tiny_onnx(tmp_path / "tiny.onnx")
    return [sys.executable, "-c", _OFFLINE_SCRIPT, str(tiny), "check", str(tmp_path / "in"), "--format", "json", "--out", "-", *FAKE]


def _device_ids(home: Path) -> list[Path]:
    return [p for p in home.rglob("*") if "DeveloperTools" in p.parts or p.name == "deviceid"]


def test_safety_subprocess_check_is_offline_and_leaves_no_device_id(tmp_path):
    home = tmp_path / "home"
    (home / ".cache").mkdir(parents=True)
    done = subprocess.run(_offline_command(tmp_path), capture_output=True, text=True, env=_offline_env(home), timeout=180)
    assert done.returncode == 0, done.stderr
    assert "NETWORK ATTEMPT" not in done.stderr
    assert json.loads(done.stdout)["findings"]
    assert _device_ids(home) == []  # ONNX Runtime kept no device id under the user's cache folder


def _can_unshare() -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _can_unshare(), reason="needs root and unshare -n (a network namespace without network)")
def test_safety_subprocess_check_in_a_network_namespace_makes_no_connect_call(tmp_path):
    """Under `unshare -n` nothing can get out; strace (when present) also sees native attempts, such as ONNX Runtime's own."""
    home = tmp_path / "home"
    (home / ".cache").mkdir(parents=True)
    command = ["unshare", "-n"]
    trace = tmp_path / "trace.txt"
    if shutil.which("strace"):
        command += ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(trace)]
    done = subprocess.run(command + _offline_command(tmp_path), capture_output=True, text=True, env=_offline_env(home),
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert "NETWORK ATTEMPT" not in done.stderr
    assert _device_ids(home) == []
    if trace.exists():
        inet = [line for line in trace.read_text().splitlines() if "AF_INET" in line]
        assert inet == [], inet[:5]


# --- output locations are checked before the work starts -----------------------------------------


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(EN_A, encoding="utf-8")
    (tmp_path / "in" / "b.txt").write_text(EN_B, encoding="utf-8")
    return tmp_path / "in"


@pytest.fixture
def no_run(monkeypatch):
    """The check itself must not start."""
    import checker.pipeline

    def refuse(*args, **kwargs):
        raise AssertionError("the check ran although --out is unusable")

    monkeypatch.setattr(checker.pipeline, "run", refuse)


def _out_error(result, code):
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and f"[{code}]" in lines[0] and "Traceback" not in result.output, result.output


def test_safety_out_is_an_existing_file(folder, tmp_path, no_run):
    (tmp_path / "report.json").write_text("{}", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(folder), "--format", "json", "--out", str(tmp_path / "report.json"), *FAKE])
    _out_error(result, "E130")


def test_safety_out_under_a_file(folder, tmp_path, no_run):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(folder), "--format", "markdown", "--out", str(tmp_path / "file" / "reports"), *FAKE])
    _out_error(result, "E131")


def test_safety_out_not_writable(folder, tmp_path, no_run, monkeypatch):
    # Root may write anywhere, so the refusal of the file system is simulated.
    def read_only(*args, **kwargs):
        raise PermissionError(13, "Read-only file system")

    monkeypatch.setattr(tempfile, "TemporaryFile", read_only)
    result = CliRunner().invoke(main, ["check", str(folder), "--format", "html", "--out", str(tmp_path / "new" / "reports"), *FAKE])
    _out_error(result, "E132")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores folder permissions")
def test_safety_out_read_only_folder(folder, tmp_path, no_run):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        result = CliRunner().invoke(main, ["check", str(folder), "--format", "json", "--out", str(locked), *FAKE])
    finally:
        locked.chmod(0o755)
    _out_error(result, "E132")


def test_safety_out_failure_at_write_time_is_one_line(folder, tmp_path, monkeypatch):
    import checker.report.write

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(checker.report.write, "write_report_atomically", full)
    result = CliRunner().invoke(main, ["check", str(folder), "--format", "json", "--out", str(tmp_path / "out"), *FAKE])
    _out_error(result, "E133")


def test_safety_out_dash_and_terminal_need_no_folder(folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("reports").write_text("a file where the default folder would be", encoding="utf-8")
    for extra in ([], ["--format", "json", "--out", "-"]):
        result = CliRunner().invoke(main, ["check", str(folder), *extra, *FAKE], catch_exceptions=False)
        assert result.exit_code == 0, result.output


# --- error codes --------------------------------------------------------------------------------


def _code_literals() -> list[tuple[str, str, int, str]]:
    """(code, file, line, how) for every error code written in the package's source."""
    found = []
    for path in sorted((ROOT / "checker").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                rel = str(path.relative_to(ROOT))
                if re.fullmatch(r"E\d{3}", node.value):
                    found.append((node.value, rel, node.lineno, "constant"))
                for code in re.findall(r"\[(E\d{3})\]", node.value):
                    found.append((code, rel, node.lineno, "inline"))
    return found


def test_safety_error_codes_are_unique_and_listed():
    literals = _code_literals()
    assert literals
    unlisted = [item for item in literals if item[0] not in ERROR_CODES]
    assert unlisted == [], f"add these codes to checker/errors.py ERROR_CODES: {unlisted}"
    inline = [item for item in literals if item[3] == "inline"]
    assert inline == [], f"write codes as constants (code=E_...), not inside messages: {inline}"
    # A code is defined once: in checker/errors.py, or as one constant of the module that raises it.
    defined: dict[str, list[str]] = {}
    for code, rel, line, _ in literals:
        if rel != "checker/errors.py":
            defined.setdefault(code, []).append(f"{rel}:{line}")
    twice = {code: places for code, places in defined.items() if len(places) > 1}
    assert twice == {}, f"the same code is used for different errors: {twice}"
    import checker.errors

    constants = {name: value for name, value in vars(checker.errors).items() if name.startswith("E_")}
    assert len(set(constants.values())) == len(constants), "two names in checker/errors.py share a code"
    assert not set(constants.values()) & set(defined), "a code of checker/errors.py is defined again elsewhere"
    meanings = list(ERROR_CODES.values())
    assert len(set(meanings)) == len(meanings)


def test_safety_empty_folder_and_compare_arguments_have_different_codes(tmp_path):
    runner = CliRunner()
    empty = runner.invoke(main, ["check", str(tmp_path), *FAKE])
    compare = runner.invoke(main, ["compare", "only one", "--no-nli"])
    codes = [re.search(r"\[(E\d{3})\]", r.output).group(1) for r in (empty, compare)]
    assert empty.exit_code == compare.exit_code == 2
    assert codes[0] != codes[1], codes


def test_safety_binary_file_and_bad_tsv_header_have_different_codes(tmp_path):
    runner = CliRunner()
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "x.txt").write_bytes(b"\x00\x01binary" * 100)
    binary = runner.invoke(main, ["check", str(tmp_path / "in" / "x.txt"), *FAKE])
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("a\tb\nx\ty\n", encoding="utf-8")
    header = runner.invoke(main, ["compare", "--tsv", str(tsv), "--no-nli"])
    assert binary.exit_code == header.exit_code == 2
    binary_codes = set(re.findall(r"\[(E\d{3})\]", binary.output))
    header_codes = set(re.findall(r"\[(E\d{3})\]", header.output))
    assert "E104" in binary_codes and header_codes and not binary_codes & header_codes, (binary.output, header.output)


def test_safety_error_code_table_lists_every_code():
    from checker.errors import code_table

    table = code_table()
    assert all(f"| {code} |" in table for code in ERROR_CODES)


# --- a hostile file name is still checked ------------------------------------------------------------


def test_safety_hostile_file_name_is_checked_and_reported(tmp_path):
    (tmp_path / "a.txt").write_text(EN_A, encoding="utf-8")
    (tmp_path / f"b{BIDI}\x1b[2J.txt").write_text(EN_B, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--format", "markdown", "--out", "-", *FAKE])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "\\u202e" in result.stdout
