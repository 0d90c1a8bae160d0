"""The HTML report in a real browser: Debian's headless Chromium renders it, runs its script, obeys its CSP.

Set VNCHECK_REPORT_SCREENSHOT=FILE.png to keep the screenshot of the seeds report
(fake backends) that test_report_html_seeds_screenshot_shows_findings_first takes.
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from checker.config import Config
from checker.pipeline import run
from checker.report import to_html, write_report_atomically

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
CSP_VIOLATION = "violates the following Content Security Policy"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.integration,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium is missing: install Debian's chromium (apt-get install -y chromium)",
    ),
]


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run Chromium once with a fresh profile; console messages go to stderr."""
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def html_file(report, tmp_path) -> Path:
    return write_report_atomically(to_html.render(report), tmp_path / "report.html")


def _png_pixels(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and inflated image data of a PNG (enough to tell a blank page from a report)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


def test_report_html_screenshot_in_headless_chromium(html_file, tmp_path):
    shot = tmp_path / "report.png"
    proc = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", html_file.as_uri())
    assert shot.exists(), proc.stderr[-2000:]
    data = shot.read_bytes()
    width, height, pixels = _png_pixels(data)
    assert (width, height) == (1280, 2000)
    # A blank or unstyled page compresses to a few KB with few distinct byte values.
    assert len(data) > 30_000
    assert len(set(pixels[:: 7])) > 50
    assert CSP_VIOLATION not in proc.stderr


def test_report_html_dom_after_script_in_headless_chromium(html_file, tmp_path):
    proc = _chromium(tmp_path, "--dump-dom", html_file.as_uri())
    dom = proc.stdout
    assert "</html>" in dom, proc.stderr[-2000:]
    # The script ran: it reveals the filter form and counts findings.
    form = re.search(r"<form[^>]*id=\"filters\"[^>]*>", dom).group(0)
    assert "hidden" not in form
    assert "3 of 3 findings shown" in dom
    for needle in ('name="kind" value="contradiction"', 'name="kind" value="agreement"', 'id="filter-doc"',
                   'id="filter-lang"', 'id="filter-min"', 'id="filter-q"', 'id="filter-sort"'):
        assert needle in dom
    # Nothing from the article text turned into elements.
    assert len(re.findall(r"<script\b", dom)) == 1
    assert "<img" not in dom and "<em>" not in dom and "<i>an</i>" not in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert CSP_VIOLATION not in proc.stderr
    assert "Uncaught" not in proc.stderr


def test_report_html_filters_preset_from_url_in_headless_chromium(html_file, tmp_path):
    proc = _chromium(tmp_path, "--dump-dom", html_file.as_uri() + "?kind=agreement&lang=en")
    dom = proc.stdout
    assert "1 of 3 findings shown" in dom, proc.stderr[-2000:]
    hidden = set(re.findall(r'<article class="finding [a-z]+" id="(f\d+)"[^>]*\bhidden\b', dom))
    assert hidden == {"f001", "f002"}


def _hidden(dom: str, pattern: str) -> set[str]:
    return set(re.findall(pattern + r'[^>]*\bhidden\b', dom))


def test_report_html_filters_preset_from_fragment_in_headless_chromium(html_file, tmp_path):
    # doc takes the start of one document id; min, q and kind narrow further; the skipped list follows doc.
    url = html_file.as_uri() + "#kind=contradiction,agreement&doc=de_h&min=0.7&q=PASSAU%20donau"
    dom = _chromium(tmp_path, "--dump-dom", url).stdout
    assert "1 of 3 findings shown" in dom
    assert _hidden(dom, r'<article class="finding [a-z]+" id="(f\d+)"') == {"f002", "f003"}
    assert 'id="skipped-count">0 of 1<' in dom
    assert re.search(r'<li data-doc="en_floods"[^>]*hidden', dom)
    # The matrix shows only topics with a finding shown; the link carries the filters (the full document id).
    assert _hidden(dom, r'<section class="matrix" data-docs="[^"]*" data-findings="\[&quot;(f\d+)&quot;\]"') == {"f002"}
    link = html.unescape(re.search(r'id="filter-link" href="([^"]*)"', dom).group(1))
    assert link == "#doc=de_hochwasser&min=0.7&q=PASSAU+donau"


def test_report_html_sort_preset_from_url_in_headless_chromium(html_file, tmp_path):
    dom = _chromium(tmp_path, "--dump-dom", html_file.as_uri() + "?sort=score").stdout
    assert "3 of 3 findings shown" in dom
    assert re.findall(r'<article class="finding [a-z]+" id="(f\d+)"', dom) == ["f001", "f003", "f002"]
    dom = _chromium(tmp_path, "--dump-dom", html_file.as_uri() + "?sort=score#sort=kind&kind=nonsense").stdout
    assert re.findall(r'<article class="finding [a-z]+" id="(f\d+)"', dom) == ["f001", "f002", "f003"]
    assert "0 of 3 findings shown" in dom  # an unknown kind matches nothing
    assert re.search(r'<p class="empty" id="no-match">', dom)  # "No finding matches the filters" is shown


# Run after the page's own script: where the parts of the page are, in CSS pixels from the top.
_MEASURE = """(function () {
  function top(s) { var e = document.querySelector(s); return e ? Math.round(e.getBoundingClientRect().top + window.scrollY) : -1; }
  var skipped = document.getElementById("skipped");
  document.title = JSON.stringify({ viewport: window.innerHeight, first_finding: top("article.finding"),
    findings: top("#findings"), sources: top("#sources"), notices: top("#notices"), documents: top("#documents"),
    skipped_open: skipped ? skipped.open : null, skipped_height: skipped ? Math.round(skipped.getBoundingClientRect().height) : 0 });
})();"""


def _layout(page_file: Path, tmp_path: Path, height: int = 900) -> dict:
    """Positions of the page's parts in Chromium, measured by a script allowed by its own CSP hash."""
    page = page_file.read_text(encoding="utf-8")
    page = page.replace("script-src ", f"script-src {to_html.csp_hash(_MEASURE)} ", 1)
    page = page.replace("</body>", f"<script>{_MEASURE}</script></body>")
    measured = tmp_path / f"measured-{page_file.name}"
    measured.write_text(page, encoding="utf-8")
    proc = _chromium(tmp_path, f"--window-size=1280,{height}", "--dump-dom", measured.as_uri())
    title = re.search(r"<title>(.*?)</title>", proc.stdout, re.S)
    assert title, proc.stderr[-2000:]
    return json.loads(html.unescape(title.group(1)))


def _assert_findings_first(layout: dict) -> None:
    assert 0 < layout["first_finding"] < layout["viewport"], layout  # on the first screen
    assert layout["findings"] < layout["sources"] < layout["notices"] < layout["documents"], layout
    assert layout["skipped_open"] is False and layout["skipped_height"] < 60, layout


def test_report_html_findings_come_first_in_headless_chromium(html_file, tmp_path):
    _assert_findings_first(_layout(html_file, tmp_path))


@pytest.fixture(scope="module")
def seeds_html(tmp_path_factory) -> Path:
    """The report on seeds/ with the deterministic fake backends: its 30 skipped sentences used to come first."""
    report = run([str(SEEDS)], Config(embedder="fake.v1", nli="fake-nli.v1", cache_dir=None))
    assert len(report.skipped) >= 20 and report.findings()
    return write_report_atomically(to_html.render(report), tmp_path_factory.mktemp("seeds") / "report.html")


def test_report_html_seeds_screenshot_shows_findings_first(seeds_html, tmp_path):
    _assert_findings_first(_layout(seeds_html, tmp_path, height=1000))
    shot = tmp_path / "seeds.png"
    proc = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,1000", seeds_html.as_uri())
    assert shot.exists(), proc.stderr[-2000:]
    width, height, pixels = _png_pixels(shot.read_bytes())
    assert (width, height) == (1280, 1000) and len(set(pixels[::7])) > 50
    assert CSP_VIOLATION not in proc.stderr and "Uncaught" not in proc.stderr
    if os.environ.get("VNCHECK_REPORT_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["VNCHECK_REPORT_SCREENSHOT"])


def test_report_html_csp_blocks_injected_script_in_headless_chromium(html_file, tmp_path):
    # Defence in depth: even if escaping failed somewhere, an injected script would not run.
    page = html_file.read_text(encoding="utf-8")
    injected = tmp_path / "injected.html"
    injected.write_text(
        page.replace("</body>", '<script>document.title = "PWNED";</script></body>'), encoding="utf-8"
    )
    proc = _chromium(tmp_path, "--dump-dom", injected.as_uri())
    assert "3 of 3 findings shown" in proc.stdout  # our own script still runs
    assert "<title>PWNED</title>" not in proc.stdout
    assert CSP_VIOLATION in proc.stderr
