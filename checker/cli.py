"""Command-line interface: parse options, build a Config, call the library, pick a renderer. Nothing more."""
from __future__ import annotations

import functools
import json
import logging
import sys
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import click

from . import __version__
from .config import Config
from .errors import VncheckError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UserError(click.ClickException):
    """A one-line error for the user; exit code 2 (usage or input error)."""

    exit_code = EXIT_USAGE


def domain_errors(fn):
    """Turn VncheckError (and Ctrl-C) into one-line user errors instead of tracebacks."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except VncheckError as exc:
            raise UserError(str(exc)) from exc
        except KeyboardInterrupt:
            click.echo("Interrupted; no report was written.", err=True)
            sys.exit(130)

    return wrapper


def model_options(fn):
    """Options shared by commands that score pairs."""
    fn = click.option("--nli-model", "nli_model", type=click.Path(file_okay=False), default=None,
                      help="Local Hugging Face NLI model folder to use instead of vncheck's own model.")(fn)
    fn = click.option("--no-nli", is_flag=True, help="Use the structured checks only (no NLI model).")(fn)
    fn = click.option("--nli-backend", default=Config.nli, show_default=True,
                      help="Registered NLI backend name (e.g. vncheck-nli.v1, fake-nli.v1 for tests).")(fn)
    fn = click.option("--lexicon", "lexicons", multiple=True, type=click.Path(dir_okay=False),
                      help="Extra lexicon file (TOML) extending the built-in actors, levels and status terms.")(fn)
    return fn


def engine_options(fn):
    """Where embedding and NLI run (local process or a Ray cluster)."""
    fn = click.option("--ray-workers", type=click.IntRange(1, 512), default=Config.ray_workers, show_default=True,
                      help="Ray actors (one CPU each; every actor holds the embedding and NLI models).")(fn)
    fn = click.option("--ray-address", default=None, metavar="ADDR",
                      help="Ray cluster to join (e.g. ray://head:10001; default $RAY_ADDRESS, else a local Ray).")(fn)
    fn = click.option("--engine", type=click.Choice(["local", "ray"]), default=Config.engine, show_default=True,
                      help="Run embedding and pair scoring in this process (local) or as Ray tasks (ray).")(fn)
    return fn


def _setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


class RichProgress:
    """Progress sink for the pipeline: one rich bar per stage, on stderr."""

    def __init__(self, enabled: bool) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)
        self.enabled = enabled and self.console.is_terminal

    @contextmanager
    def stage(self, description: str, total: int | None = None):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        if not self.enabled:
            yield _Bar(None, None)
            return
        columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), _rate_column(),
                   TimeElapsedColumn(), TimeRemainingColumn()]
        with Progress(*columns, console=self.console, transient=True) as progress:
            task = progress.add_task(description, total=total)
            yield _Bar(progress, task)


def _rate_column():
    """Items per second of the current stage ("84/s")."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task) -> Text:
            return Text(f"{task.speed:,.0f}/s" if task.speed else "", style="progress.data.speed")

    return RateColumn()


class _Bar:
    def __init__(self, progress, task) -> None:
        self.progress, self.task = progress, task

    def update(self, completed: int) -> None:
        if self.progress is not None:
            self.progress.update(self.task, completed=completed)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vncheck")
def main() -> None:
    """vncheck: find agreeing and contradicting claims across German and English news articles."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["rich", "json", "markdown", "html"]), default="rich", show_default=True,
              help="Report format: rich prints to the terminal; json, markdown and html are written to --out.")
@click.option("--out", "out", default="reports", show_default=True,
              help="Folder for json/markdown/html reports, or '-' for standard output.")
@click.option("--fail-on", type=click.Choice(["contradiction", "none"]), default="none", show_default=True,
              help="Exit with code 1 when a contradiction at or above --min-score is found.")
@click.option("--min-score", type=click.FloatRange(0.0, 1.0), default=0.5, show_default=True,
              help="Report (and fail on) findings with at least this score.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the embedding cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, help="Cache folder (default: platform cache dir or $VNCHECK_CACHE).")
@click.option("-v", "--verbose", count=True, help="-v: progress notes; -vv: debug output, including why sentences were skipped.")
@model_options
@engine_options
@domain_errors
@click.option("--embedder", default=Config.embedder, show_default=True,
              help="Registered embedding backend name (e.g. e5-small.v1, fake.v1 for tests).")
@click.option("--against", "against", default=None, is_flag=False, flag_value="", metavar="[ARCHIVE]",
              help="Check PATH... against an archive made by `vncheck index add` (the default archive "
                   "when no file follows; see `vncheck index info`).")
@click.option("--nli-partners", default="auto", show_default=True, metavar="N|auto|all",
              help="NLI verifies each claim's N closest partners found by similarity alone; the other pairs get the "
                   "structured checks, and NLI where those find something. auto: 2 from 5,000 claims, all below; "
                   "all: NLI on every pair.")
def check(paths, fmt, out, fail_on, min_score, no_cache, cache_dir, verbose, nli_model, nli_backend, no_nli, lexicons,
          engine, ray_address, ray_workers, embedder, against, nli_partners) -> None:
    """Check PATH... (files or folders of .txt, .md, .html) for agreeing and contradicting claims.

    With --against ARCHIVE, the new documents are checked against the archive's documents
    (and each other); the archive is not embedded again.

    Exit codes: 0 no contradiction at or above --min-score (or --fail-on none),
    1 contradictions found with --fail-on contradiction, 2 usage or input error.
    """
    from .pipeline import check_against, run
    from .records import Verdict
    from .report import get_renderer

    _setup_logging(verbose)
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise UserError(f"[E101] Path '{missing[0]}' does not exist. Fix: check the spelling or pass an existing file or folder.")
    config = Config(min_score=min_score, embedder=embedder, nli=None if no_nli else nli_backend,
                    nli_model_path=None if no_nli else nli_model, lexicon_paths=tuple(lexicons),
                    engine=engine, ray_address=ray_address, ray_workers=ray_workers)
    config = _budget_config(config, nli_partners)
    config = _cache_config(config, no_cache, cache_dir)
    if against is None:
        report = run(list(paths), config, progress=RichProgress(enabled=True))
    else:
        from .archive import Archive

        with Archive.open(_archive_path(against or None), create=False) as archive:
            report = check_against(list(paths), archive, config, progress=RichProgress(enabled=True))
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if fmt == "rich" and out in ("reports", "-"):
        from rich.console import Console

        from .report.to_terminal import make_console, print_report

        print_report(report, make_console())
    else:
        renderer = get_renderer(fmt)
        if fmt == "rich":
            from .report.to_terminal import render as render_terminal

            text = render_terminal(report, color=False)
        else:
            text = renderer.render(report)
        if out == "-":
            click.echo(text)
        else:
            from .report.write import write_report_atomically

            target = Path(out) / f"vncheck-report{renderer.extension}"
            target.parent.mkdir(parents=True, exist_ok=True)
            write_report_atomically(text, target)
            click.echo(f"Report written to {target}", err=True)
    contradictions = [v for v in report.findings() if v.label is Verdict.CONTRADICTS]
    if fail_on == "contradiction" and contradictions:
        sys.exit(EXIT_FINDINGS)


def _budget_config(config: Config, nli_partners: str) -> Config:
    """Apply --nli-partners: "auto" keeps the defaults, "all" switches the budget off, N applies it at any size."""
    value = nli_partners.strip().lower()
    if value == "auto":
        return config
    if value == "all":
        return replace(config, nli_partners=0)
    if value.isdigit() and int(value) > 0:
        return replace(config, nli_partners=int(value), nli_budget_from=0)
    raise click.BadParameter(f"'{nli_partners}' is not a positive number, 'auto' or 'all'.", param_hint="'--nli-partners'")


def _cache_config(config: Config, no_cache: bool, cache_dir: str | None) -> Config:
    if no_cache:
        return replace(config, cache_dir=None)
    if cache_dir:
        return replace(config, cache_dir=Path(cache_dir))
    return config


def _archive_path(archive: str | None) -> Path:
    from .config import default_archive_path

    return Path(archive) if archive else default_archive_path()


def archive_option(fn):
    """--archive FILE, shared by the index commands."""
    return click.option("--archive", "archive", type=click.Path(dir_okay=False), default=None,
                        help="Archive file (default: $VNCHECK_ARCHIVE, else archive.sqlite in the platform data folder).")(fn)


@main.group()
def index() -> None:
    """Keep an archive of checked documents (claims, embeddings, slots) to check new articles against."""


@index.command("add")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@archive_option
@click.option("--embedder", default=Config.embedder, show_default=True,
              help="Registered embedding backend name; check --against must use the same one.")
@click.option("--lexicon", "lexicons", multiple=True, type=click.Path(dir_okay=False),
              help="Extra lexicon file (TOML) for the slot keys stored with each claim.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the embedding cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, help="Cache folder (default: platform cache dir or $VNCHECK_CACHE).")
@click.option("-v", "--verbose", count=True, help="-v: progress notes; -vv: debug output.")
@engine_options
@domain_errors
def index_add(paths, archive, embedder, lexicons, no_cache, cache_dir, verbose, engine, ray_address, ray_workers) -> None:
    """Add PATH... (files or folders) to the archive; unchanged documents are skipped, changed ones replaced."""
    from .archive import Archive
    from .pipeline import index_paths

    _setup_logging(verbose)
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise UserError(f"[E101] Path '{missing[0]}' does not exist. Fix: check the spelling or pass an existing file or folder.")
    config = _cache_config(Config(embedder=embedder, nli=None, lexicon_paths=tuple(lexicons), engine=engine,
                                  ray_address=ray_address, ray_workers=ray_workers), no_cache, cache_dir)
    with Archive.open(_archive_path(archive)) as store:
        result, inputs = index_paths(list(paths), store, config, progress=RichProgress(enabled=True))
        path = store.path
    for warning in inputs.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{len(result.added)} added, {len(result.unchanged)} unchanged, {len(result.replaced)} replaced ({path})")


@index.command("info")
@archive_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@domain_errors
def index_info(archive, as_json) -> None:
    """Show what the archive holds: documents, claims, languages and embedding models."""
    from .archive import Archive

    with Archive.open(_archive_path(archive), create=False) as store:
        info = store.info()
    if as_json:
        click.echo(json.dumps(info, sort_keys=True, ensure_ascii=False))
        return
    langs = ", ".join(f"{k} {v}" for k, v in info["languages"].items()) or "-"
    models = ", ".join(f"{k} ({v} claims)" for k, v in info["models"].items()) or "-"
    click.echo(f"archive    {info['path']}")
    click.echo(f"documents  {info['documents']} ({langs})")
    click.echo(f"claims     {info['claims']}")
    click.echo(f"models     {models}")


@main.command()
@click.argument("sentences", nargs=-1)
@click.option("--tsv", "tsv", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Tab-separated file with header 'premise<TAB>hypothesis': one verdict per row.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per pair, JSON lines for --tsv).")
@model_options
@domain_errors
def compare(sentences, tsv, as_json, nli_model, nli_backend, no_nli, lexicons) -> None:
    """Compare two sentences (either language): vncheck compare "SENTENCE A" "SENTENCE B"."""
    from .checks import load_lexicon
    from .verify import compare_texts

    if tsv is None and len(sentences) != 2:
        raise UserError("[E102] compare needs exactly two sentences, or --tsv FILE. Fix: quote each sentence.")
    if tsv is not None and sentences:
        raise UserError("[E103] Give either two sentences or --tsv FILE, not both.")
    rows = [(sentences[0], sentences[1])] if tsv is None else _read_pairs(Path(tsv))
    nli = None if no_nli else _nli_scorer(nli_model, nli_backend)
    lexicon = load_lexicon(tuple(lexicons))
    for premise, hypothesis in rows:
        verdict = compare_texts(premise, hypothesis, nli, lexicon)
        item = {"verdict": verdict.label.value, "score": round(verdict.score, 3), "reasons": list(verdict.reasons),
                "scorers": list(verdict.scorers), "nli": {k: round(v, 3) for k, v in (verdict.nli or {}).items()}}
        if as_json:
            click.echo(json.dumps(item, ensure_ascii=False, sort_keys=True))
        else:
            click.echo(f"{item['verdict']}\t{item['score']:.3f}\t{'; '.join(item['reasons']) or '-'}\t[{', '.join(item['scorers']) or '-'}]")


def _nli_scorer(nli_model: str | None, nli_backend: str):
    from .backends.registry import get_nli

    return get_nli("hf-local.v1", path=nli_model) if nli_model else get_nli(nli_backend)


def _read_pairs(path: Path) -> list[tuple[str, str]]:
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        if not reader.fieldnames or not {"premise", "hypothesis"} <= set(reader.fieldnames):
            raise UserError(f"[E104] '{path}' needs a header 'premise<TAB>hypothesis'.")
        rows = []
        for n, row in enumerate(reader, start=2):
            if not (row.get("premise") or "").strip() or not (row.get("hypothesis") or "").strip():
                click.echo(f"warning: {path}:{n}: empty premise or hypothesis, row skipped", err=True)
                continue
            rows.append((row["premise"], row["hypothesis"]))
        return rows


@main.command("nli-eval")
@click.argument("tsv", type=click.Path(exists=True, dir_okay=False))
@click.option("--nli-model", "nli_model", type=click.Path(file_okay=False), default=None,
              help="Local Hugging Face NLI model folder (default: vncheck's own model).")
@click.option("--nli-backend", default=Config.nli, show_default=True, help="Registered NLI backend name.")
@click.option("--json", "as_json", is_flag=True, help="Also print one JSON object with the figures as the last line.")
@domain_errors
def nli_eval(tsv, nli_model, nli_backend, as_json) -> None:
    """Evaluate an NLI model on TSV (header premise, hypothesis, label: entailment/neutral/contradiction)."""
    from .model.evaluate import evaluate_file, format_table

    nli = _nli_scorer(nli_model, nli_backend)
    result = evaluate_file(Path(tsv), nli)
    for problem in result["bad_rows"]:
        click.echo(f"warning: {problem}", err=True)
    click.echo(format_table(result))
    if as_json:
        click.echo(json.dumps({k: v for k, v in result.items() if k != "bad_rows"} | {"bad_rows": len(result["bad_rows"])}, sort_keys=True))


@main.command("train-nli")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None, help="Shared data folder with nli/ and parallel/ (default ../shared/data).")
@click.option("--run-dir", default=".train/nli-v1", show_default=True, help="Checkpoint folder; an existing checkpoint is resumed.")
@click.option("--out", "out_dir", default=None, help="Where to export the best weights (default models/vncheck-nli-v1).")
@click.option("--device", default="cpu", show_default=True, help="cpu or cuda.")
@click.option("--english", "n_english", default=8000, show_default=True, help="English natural NLI pairs to sample.")
@click.option("--news", "n_news", default=24000, show_default=True,
              help="Targeted pairs from real German/English news: minimal-edit contradictions, translations and variants, same-story neutrals.")
@click.option("--rte-repeats", default=1, show_default=True, help="Passes over the RTE-3 dev rows outside its held-out slice (4 language combinations).")
@click.option("--wmt", "n_wmt", default=0, show_default=True, help="The older WMT-only synthetic cross-lingual pairs.")
@click.option("--codeswitch", "n_codeswitch", default=0, show_default=True,
              help="Further English pairs made partly German with a German-English dictionary (code-switching).")
@click.option("--dictionary", default="/usr/share/trans/de-en", show_default=True,
              help="Debian trans-de-en dictionary file, for --codeswitch.")
@click.option("--xnli-repeats", default=1, show_default=True, help="Passes over the XNLI dev training rows (4 language combinations).")
@click.option("--epochs", default=1, show_default=True, help="Passes over the training mix.")
@click.option("--max-steps", type=int, default=None, help="Stop after this many batches (the learning rate decays to zero there).")
@click.option("--lr", default=4e-5, show_default=True, help="Peak learning rate (linear warm-up and decay).")
@click.option("--seed", default=13, show_default=True, help="Random seed for sampling, order and initialisation.")
@click.option("--init-from", type=click.Path(file_okay=False), default=None,
              help="Continue from trained weights (a folder like models/vncheck-nli-v1) instead of the base encoder.")
@domain_errors
def train_nli(data_dir, run_dir, out_dir, device, n_english, n_news, rte_repeats, n_wmt, n_codeswitch, dictionary, xnli_repeats, epochs,
              max_steps, lr, seed, init_from) -> None:
    """Train vncheck's own NLI model (reads ../shared/data; resumable; writes safetensors)."""
    from .model.train import TrainConfig, train

    cfg = TrainConfig(data_dir=data_dir, run_dir=run_dir, device=device, n_english=n_english, n_news=n_news, rte_repeats=rte_repeats, n_wmt=n_wmt,
                      xnli_repeats=xnli_repeats, n_codeswitch=n_codeswitch, dictionary=dictionary, epochs=epochs, max_steps=max_steps, lr=lr, seed=seed,
                      init_from=init_from)
    if out_dir:
        cfg.out_dir = out_dir
    train(cfg, log=lambda s: click.echo(s, err=True))


if __name__ == "__main__":  # pragma: no cover
    main()
