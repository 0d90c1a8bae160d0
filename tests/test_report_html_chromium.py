"""The HTML report in a real browser: Debian's headless Chromium renders it, runs its script, obeys its CSP."""
from __future__ import annotations

import re
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from checker.report import to_html, write_report_atomically

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
    for needle in ('name="kind" value="contradiction"', 'name="kind" value="agreement"', 'id="filter-doc"', 'id="filter-lang"'):
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
