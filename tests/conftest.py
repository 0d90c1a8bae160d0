"""Shared fixtures: hand-built records (no models), the --update-golden option, markers."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from checker.records import (
    Claim,
    Cluster,
    Document,
    Finding,
    PairVerdict,
    Report,
    Skipped,
    Verdict,
)

GOLDEN_DIR = Path(__file__).parent / "golden"

#: Untrusted text that must come out escaped in every format: HTML, quotes, rich markup, Markdown.
MALICIOUS = """Officials said: <script>alert(1)</script> & "stay away" from the 'riverbank' [bold]now[/bold] | *really*."""

DE_TEXT = (
    "Hochwasser in Passau: Pegel steigt weiter\n"
    "\n"
    "Der Pegel der Donau in Passau erreichte am Montag 9,80 Meter. "
    "Die Stadt rief am Sonntagabend den Katastrophenfall aus. "
    "Rund 400 Einsatzkräfte sind im Einsatz, darunter das THW.\n"
    "\n"
    "Anwohner der Altstadt sollen ihre Keller räumen, warnte die Stadt.\n"
)

EN_TEXT = (
    "Passau declares disaster as Danube rises\n"
    "\n"
    "The Danube in Passau peaked at 8.50 metres on Monday. "
    "The city declared a state of emergency on Sunday evening.\n"
    "\n"
    f"{MALICIOUS}\n"
    "Update:\n"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite tests/golden/* from the current renderers instead of comparing.",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: needs a real model or browser; deselect with -m 'not slow'")
    config.addinivalue_line("markers", "integration: runs several stages or external programs together")


def _claims(doc: Document, sentences: list[str]) -> tuple[Claim, ...]:
    """Claims with offsets found in the document text, so they are right by construction."""
    out = []
    pos = 0
    for i, s in enumerate(sentences):
        start = doc.text.index(s, pos)
        end = start + len(s)
        assert doc.text[start:end] == s
        out.append(Claim(id=f"{doc.id}:s{i}", doc_id=doc.id, lang=doc.lang, text=s, start=start, end=end, index=i))
        pos = end
    return tuple(out)


def build_report() -> Report:
    """The fixture report: one German and one English article about the same flood.

    Verdicts: a contradiction (9,80 m vs 8.50 m), a contradiction on the
    malicious sentence, an agreement, one unscored pair, and an agreement below
    ``min_score`` (not a finding). Plus a skipped sentence and a warning.
    """
    de = Document(
        id="de_hochwasser",
        path="seeds/de_hochwasser.txt",
        lang="de",
        text=DE_TEXT,
        title="Hochwasser in Passau: Pegel steigt weiter",
        published=dt.date(2024, 6, 3),
    )
    en = Document(
        id="en_floods",
        path="seeds/en_floods.html",
        lang="en",
        text=EN_TEXT,
        title="Passau declares disaster as Danube rises <em>live</em>",
        published=None,
    )
    de_claims = _claims(
        de,
        [
            "Der Pegel der Donau in Passau erreichte am Montag 9,80 Meter.",
            "Die Stadt rief am Sonntagabend den Katastrophenfall aus.",
            "Rund 400 Einsatzkräfte sind im Einsatz, darunter das THW.",
            "Anwohner der Altstadt sollen ihre Keller räumen, warnte die Stadt.",
        ],
    )
    en_claims = _claims(
        en,
        [
            "The Danube in Passau peaked at 8.50 metres on Monday.",
            "The city declared a state of emergency on Sunday evening.",
            MALICIOUS,
        ],
    )
    verdicts = (
        PairVerdict(
            a="de_hochwasser:s0",
            b="en_floods:s0",
            label=Verdict.CONTRADICTS,
            score=0.912345,
            topic="Pegel der Donau in Passau",
            reasons=("water level differs: 9,80 m vs 8.50 m", "NLI: contradiction 0.88 (both directions)"),
            scorers=("nli", "checks"),
            nli={"entailment": 0.0312, "neutral": 0.0901, "contradiction": 0.8787},
            findings=(Finding(check="count", kind="conflict", reason="9,80 Meter vs 8.50 metres"),),
            similarity=0.81234,
        ),
        PairVerdict(
            a="de_hochwasser:s1",
            b="en_floods:s1",
            label=Verdict.AGREES,
            score=0.8666,
            topic="Pegel der Donau in Passau",
            reasons=("both report the disaster declaration on Sunday evening",),
            scorers=("nli",),
            nli={"entailment": 0.8666, "neutral": 0.1, "contradiction": 0.0334},
            findings=(Finding(check="time", kind="support", reason="Sonntagabend = Sunday evening", confidence=0.9),),
            similarity=0.7,
        ),
        PairVerdict(
            a="de_hochwasser:s3",
            b="en_floods:s2",
            label=Verdict.CONTRADICTS,
            score=0.64,
            topic='Warnung <i>an</i> "Anwohner"',
            reasons=("actor differs: <img src=x onerror=alert(2)> vs 'officials'",),
            scorers=("nli",),
            nli=None,
            similarity=0.5551,
        ),
        PairVerdict(
            a="de_hochwasser:s2",
            b="en_floods:s2",
            label=Verdict.UNSCORED,
            score=0.0,
            reasons=("NLI backend failed: input too long",),
        ),
        PairVerdict(
            a="de_hochwasser:s2",
            b="en_floods:s1",
            label=Verdict.AGREES,
            score=0.31,
            topic="Einsatzkräfte",
            scorers=("nli",),
        ),
    )
    return Report(
        documents=(de, en),
        claims=de_claims + en_claims,
        clusters=(
            Cluster(
                id="t01",
                topic="Pegel der Donau in Passau",
                claim_ids=("de_hochwasser:s0", "de_hochwasser:s1", "en_floods:s0", "en_floods:s1"),
            ),
            Cluster(id="t02", topic="Warnungen", claim_ids=("de_hochwasser:s3", "en_floods:s2")),
        ),
        verdicts=verdicts,
        skipped=(Skipped(where="en_floods:s3", reason="too short to be a claim", text="Update:"),),
        warnings=("en_floods: no publication date found",),
        scorers=("nli:fake-nli.v1", "checks:v1"),
        embedder="fake.v1",
        min_score=0.5,
        version="0.0.0-test",
    )


@pytest.fixture
def report() -> Report:
    """The hand-built fixture report (frozen records: safe to share)."""
    return build_report()


@pytest.fixture
def malicious_text() -> str:
    """The untrusted sentence in the fixture report."""
    return MALICIOUS


@pytest.fixture
def empty_report() -> Report:
    """A report with documents but no claims or verdicts."""
    r = build_report()
    return Report(documents=r.documents, claims=(), clusters=(), verdicts=())


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when run with --update-golden."""
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def golden(update_golden: bool):
    """Compare text with tests/golden/<name>, or rewrite it with --update-golden.

    Example:
        >>> golden("report.json", render(report))  # doctest: +SKIP
    """

    def check(name: str, actual: str) -> None:
        path = GOLDEN_DIR / name
        if update_golden:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8", newline="")
            return
        if not path.exists():
            pytest.fail(f"golden file {path} is missing: run pytest --update-golden and review the diff")
        expected = path.read_text(encoding="utf-8")
        assert actual == expected, f"{name} differs from the golden file; if intended, run pytest --update-golden"

    return check


@pytest.fixture
def string_console():
    """A rich Console writing plain text into a StringIO, as rich's tests/render.py does."""
    from rich.console import Console

    return Console(width=100, file=io.StringIO(), color_system=None, legacy_windows=False)


@pytest.fixture(scope="session")
def tiny_hf_nli(tmp_path_factory):
    """A randomly initialised BERT sequence classifier with a permuted id2label, saved locally."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    from checker.model.encoder import load_tokenizer

    folder = tmp_path_factory.mktemp("tiny-nli")
    torch.manual_seed(0)
    config = BertConfig(vocab_size=250037, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=16, max_position_embeddings=64,
                        id2label={0: "contradiction", 1: "entailment", 2: "neutral"},
                        label2id={"contradiction": 0, "entailment": 1, "neutral": 2})
    model = BertForSequenceClassification(config)
    with torch.no_grad():  # make the output depend on the label order only: bias towards index 0
        model.classifier.bias[:] = torch.tensor([5.0, 0.0, 0.0])
    model.save_pretrained(folder)
    load_tokenizer().save_pretrained(folder)
    return folder
