"""vncheck explain: why two claims were or were not paired."""
from click.testing import CliRunner

from checker.cli import main
from cli_inputs import FAKE


def _docs(tmp_path):
    (tmp_path / "a.txt").write_text("Siemens cut 300 jobs in Munich in 2016. The weather was nice today in some way.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Siemens cut 350 jobs in Munich in 2016. Nobody knew what to say about it all.\n", encoding="utf-8")
    return tmp_path


def test_explain_shows_each_stage_and_the_verdict(tmp_path):
    d = _docs(tmp_path)
    result = CliRunner().invoke(main, ["explain", "a:s0", "b:s0", str(d), *FAKE])
    assert result.exit_code == 0, result.output
    out = result.output
    for stage in ("check-worthy (a:s0)", "semantic neighbours", "shared slot keys", "structured checks", "NLI", "verdict when scored"):
        assert stage in out
    assert "contradiction" in out.split("verdict when scored")[1]


def test_explain_unknown_claim_is_one_line_error(tmp_path):
    d = _docs(tmp_path)
    result = CliRunner().invoke(main, ["explain", "a:s9", "b:s0", str(d), *FAKE])
    assert result.exit_code == 2
    assert "No claim 'a:s9'" in result.output and "Traceback" not in result.output
