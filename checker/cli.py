"""Command-line interface: parse options, build a Config, call the library, pick a renderer. Nothing more."""
from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import sys
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import click

from . import __version__
from .config import Config
from .errors import (
    E_BAD_DATE,
    E_COMPARE_ARGS,
    E_COMPARE_BOTH,
    E_MISSING,
    E_OUT_IS_FILE,
    E_OUT_NOT_WRITABLE,
    E_OUT_UNDER_FILE,
    E_OUT_WRITE_FAILED,
    E_TSV_HEADER,
    VncheckError,
)
from .safe_text import visible, visible_name

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UserError(click.ClickException):
    """A one-line error for the user; exit code 2 (usage or input error).

    The message is shown with control characters escaped (``safe_text.visible``), so a
    file name cannot clear the screen or start a forged line.
    """

    exit_code = EXIT_USAGE

    def __init__(self, message: str) -> None:
        super().__init__(visible(message))


def warn(message: str) -> None:
    """Print one "warning: ..." line on stderr; the message cannot break it into more lines.

    Example:
        >>> warn("'a\\nwarning: forged.txt' is empty.")  # doctest: +SKIP
        warning: 'a\\nwarning: forged.txt' is empty.
    """
    click.echo(f"warning: {visible(message)}", err=True)


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
            sys.exit(EXIT_INTERRUPTED)

    return wrapper


def model_options(fn):
    """Options shared by commands that score pairs."""
    fn = click.option("--nli-model", "nli_model", type=click.Path(file_okay=False), default=None,
                      help="Local NLI model folder to use instead of the shipped one: a vncheck model "
                           "(from train-nli or average-nli) or a Hugging Face model.")(fn)
    fn = click.option("--no-nli", is_flag=True, help="Use the structured checks only (no NLI model).")(fn)
    fn = click.option("--nli-backend", default=Config.nli, show_default=True,
                      help="Registered NLI backend name (e.g. vncheck-nli.v4, fake-nli.v1 for tests).")(fn)
    fn = click.option("--lexicon", "lexicons", multiple=True, type=click.Path(dir_okay=False),
                      help="Extra lexicon file (TOML) extending the built-in actors, levels and status terms.")(fn)
    return fn


def cache_options(fn):
    """--no-cache and --cache-dir: the embedding and NLI pair-score caches (and the ONNX builds' folder)."""
    fn = click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
                      help="Cache folder (default: platform cache dir or $VNCHECK_CACHE).")(fn)
    fn = click.option("--no-cache", is_flag=True, help="Do not read or write the embedding and NLI score caches.")(fn)
    return fn


def baseline_options(fn):
    """--baseline / --write-baseline: accepted findings that do not fail a build (checker/baseline.py)."""
    fn = click.option("--write-baseline", "write_baseline_path", type=click.Path(), default=None, metavar="FILE",
                      help="After the check, write its contradictions to FILE as the new baseline (accepting them all: "
                           "the run then exits 0).")(fn)
    fn = click.option("--baseline", "baseline_path", type=click.Path(), default=None, metavar="FILE",
                      help="Findings in this baseline (from `vncheck baseline create`) are marked accepted and do not "
                           "fail the build; prints how many matched and which entries are stale.")(fn)
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


class _VisibleFormatter(logging.Formatter):
    """Log lines with control characters escaped: messages name files, and file names are untrusted."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return visible(super().formatMessage(record))


def _setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_VisibleFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])


class RichProgress:
    """Progress sink for the pipeline: one rich bar per stage, on stderr."""

    def __init__(self, enabled: bool) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)
        self.enabled = enabled and self.console.is_terminal

    @contextmanager
    def stage(self, description: str, total: int | None = None):
        """One bar for the stage; with -v, its wall time is logged ("Stage 'Embedding claims': 2.71 s")."""
        import time

        start = time.perf_counter()
        try:
            yield from self._bar(description, total)
        finally:
            logging.getLogger("checker.stages").info("Stage '%s': %.2f s", description, time.perf_counter() - start)

    def _bar(self, description: str, total: int | None):
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
    """vncheck: find agreeing and contradicting claims across German and English news articles.

    Nothing is sent over the network: the models are local files, and the telemetry of
    ONNX Runtime, Hugging Face and Ray is switched off. Run `vncheck COMMAND --help` for
    each command's options.

    \b
    Exit codes:
      0    finished (no contradiction at or above --min-score, or --fail-on none)
      1    check found contradictions and --fail-on contradiction was given
      2    usage or input error: one line "Error: [Ennn] ...", see the README's table of codes
      130  interrupted (Ctrl-C); no half-written report or file is left behind
    """


@main.command()
@click.argument("paths", nargs=-1, required=False, type=click.Path(), metavar="PATHS...")
@click.option("--format", "fmt", type=click.Choice(["rich", "json", "markdown", "html"]), default="rich", show_default=True,
              help="Report format: rich prints to the terminal (or, with --out DIR, writes vncheck-report.txt there); "
                   "json, markdown and html are written to --out as vncheck-report.json/.md/.html.")
@click.option("--out", "out", default="reports", show_default=True,
              help="Folder for the report file (made if missing; checked before the work starts), or '-' for "
                   "standard output.")
@click.option("--fail-on", type=click.Choice(["contradiction", "none"]), default="none", show_default=True,
              help="Exit with code 1 when a contradiction at or above --min-score is found.")
@click.option("--min-score", type=click.FloatRange(0.0, 1.0), default=0.5, show_default=True,
              help="Report (and fail on) findings with at least this score.")
@cache_options
@click.option("-v", "--verbose", count=True, help="-v: progress notes; -vv: debug output, including why sentences were skipped.")
@model_options
@engine_options
@domain_errors
@click.option("--embedder", default=Config.embedder, show_default=True,
              help="Registered embedding backend name (e.g. e5-small.v1, fake.v1 for tests).")
@click.option("--against", "against", default=None, is_flag=False, flag_value="", metavar="[ARCHIVE]",
              help="Check PATH... against an archive file made by `vncheck index add` (the default archive "
                   "when no file follows; see `vncheck index info`). A folder or article file given here with no "
                   "PATH is taken as the PATH and checked against the default archive.")
@click.option("--nli-partners", default="auto", show_default=True, metavar="N|auto|all",
              help="NLI verifies each claim's N closest partners found by similarity alone; the other pairs get the "
                   "structured checks, and NLI where those find something. auto: 2 from 5,000 claims, all below; "
                   "all: NLI on every pair.")
@click.option("--all-sentences", is_flag=True,
              help="Pair every sentence, also those without a name, place, time, number, rank, level or status event "
                   "(by default they are not check-worthy and are listed as skipped).")
@baseline_options
def check(paths, fmt, out, fail_on, min_score, no_cache, cache_dir, verbose, nli_model, nli_backend, no_nli, lexicons,
          engine, ray_address, ray_workers, embedder, against, nli_partners, all_sentences,
          baseline_path, write_baseline_path) -> None:
    """Check PATH... (files or folders of .txt, .md, .html) for agreeing and contradicting claims.

    With --against ARCHIVE, the new documents are checked against the archive's documents
    (and each other); the archive is not embedded again.

    Bad documents (empty, binary, undecodable, too large, another language, no sentences,
    unreadable folders, broken links) are skipped with one warning each; the others are checked.
    Sentences are counted from 1 in the terminal, text and Markdown reports ("sentence 4");
    JSON claim ids ("doc:s3") and "index" count from 0.

    \b
    Exit codes:
      0    no contradiction at or above --min-score (or --fail-on none)
      1    contradictions found with --fail-on contradiction (those in --baseline FILE do not count)
      2    usage or input error (missing path, nothing checkable, unusable --out): one line "Error: [Ennn] ..."
      130  interrupted (Ctrl-C); no half-written report is left behind
    """
    from .baseline import (apply_baseline, baseline_from_report, baseline_lines, build_failures, check_baseline_target,
                           failure_lines, load_baseline, write_baseline, written_line)
    from .pipeline import check_against, run
    from .report import get_renderer

    _setup_logging(verbose)
    paths, against = _against_as_path(paths, against)
    _require_paths(paths)
    report_to_terminal = fmt == "rich" and out in ("reports", "-")
    if not report_to_terminal and out != "-":
        check_out_folder(Path(out))  # before the (possibly long) check, not after it
    # Baseline problems are found before the (possibly long) check, not after it.
    accepted = load_baseline(baseline_path) if baseline_path else None
    if write_baseline_path:
        check_baseline_target(write_baseline_path)
    config = Config(min_score=min_score, embedder=embedder, nli=None if no_nli else nli_backend,
                    nli_model_path=None if no_nli else nli_model, lexicon_paths=tuple(lexicons),
                    engine=engine, ray_address=ray_address, ray_workers=ray_workers, checkworthy_only=not all_sentences)
    config = _budget_config(config, nli_partners)
    config = _cache_config(config, no_cache, cache_dir)
    if against is None:
        report = run(list(paths), config, progress=RichProgress(enabled=True))
    else:
        from .archive import Archive

        with Archive.open(_archive_path(against or None), create=False) as archive:
            report = check_against(list(paths), archive, config, progress=RichProgress(enabled=True))
    if not report_to_terminal:  # the terminal report lists the warnings itself: each is shown once
        for warning in report.warnings:
            warn(warning)
    if accepted is not None:
        report = apply_baseline(report, accepted)
        for line in baseline_lines(report.baseline):
            click.echo(line, err=True)
    if report_to_terminal:
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
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                write_report_atomically(text, target)
            except OSError as e:
                raise UserError(f"[{E_OUT_WRITE_FAILED}] The report could not be written to {visible_name(target)} "
                                f"({e.strerror or e}). Fix: free disk space or pass another --out folder.") from None
            click.echo(f"Report written to {visible(str(target))}", err=True)
    if write_baseline_path:
        click.echo(written_line(write_baseline(baseline_from_report(report), write_baseline_path)), err=True)
        return  # everything found is accepted now: nothing fails the build
    failures = build_failures(report)
    if fail_on == "contradiction" and failures:
        # Last on stderr, so a CI log ends with what failed the build.
        for line in failure_lines(failures, report.min_score, with_baseline=report.baseline is not None):
            click.echo(line, err=True)
        sys.exit(EXIT_FINDINGS)


def _against_as_path(paths: tuple[str, ...], against: str | None) -> tuple[tuple[str, ...], str | None]:
    """Read `check --against new/` (a folder or article file, and no PATH) as `check new/ --against`.

    `--against` takes an optional value, so a folder typed right after it lands there. With
    PATHs given too, the value stays the archive (``Archive.open`` then says it is a folder).
    """
    from .archive import is_sqlite_file
    from .ingest import SUFFIXES

    article = Path(against or "").suffix.lower() in SUFFIXES and not is_sqlite_file(against or "")
    if not paths and against and (Path(against).is_dir() or article):
        click.echo(f"note: --against takes an archive file; checking {visible_name(against)} against the default archive "
                   f"{visible_name(_archive_path(None))}.", err=True)
        return (against,), ""
    if not paths:
        ctx = click.get_current_context()
        raise click.MissingParameter(ctx=ctx, param=next(p for p in ctx.command.params if p.name == "paths"))
    return paths, against


def _require_paths(paths) -> None:
    """A one-line error for the first input path that does not exist."""
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise UserError(f"[{E_MISSING}] Path {visible_name(missing[0])} does not exist. "
                        "Fix: check the spelling or pass an existing file or folder.")


def check_out_folder(folder: Path) -> None:
    """Make sure a report can be written into ``folder`` (made later if missing), before any work starts.

    Args:
        folder: the --out folder.

    Raises:
        UserError: ``folder`` is a file (E130), lies under a file (E131), or neither it nor
            the folder it would be made in is writable (E132).

    Example:
        >>> check_out_folder(Path("reports"))  # doctest: +SKIP
    """
    import tempfile

    name = visible_name(folder)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"[{E_OUT_IS_FILE}] --out {name} is a file, not a folder. "
                        "Fix: pass a folder for the report (it is made if missing), or '-' for standard output.")
    existing = folder
    while not existing.exists():  # the nearest folder that exists: the report folder is made in it
        if existing.is_symlink():
            raise UserError(f"[{E_OUT_UNDER_FILE}] --out {name} cannot be made: {visible_name(existing)} is a broken link. "
                            "Fix: pass another --out folder.")
        existing = existing.parent
    if not existing.is_dir():
        raise UserError(f"[{E_OUT_UNDER_FILE}] --out {name} cannot be made: {visible_name(existing)} is a file. "
                        "Fix: pass a folder that is not inside a file.")
    try:  # os.access cannot see read-only mounts or ACLs: try it
        with tempfile.TemporaryFile(dir=existing, prefix=".vncheck-probe-"):
            pass
    except OSError as e:
        raise UserError(f"[{E_OUT_NOT_WRITABLE}] --out {name} is not writable ({visible_name(existing)}: {e.strerror or e}). "
                        "Fix: pass a writable --out folder, or '-' for standard output.") from None


def _budget_config(config: Config, nli_partners: str) -> Config:
    """Apply --nli-partners: "auto" keeps the defaults, "all" switches the budget off, N applies it at any size."""
    value = nli_partners.strip().lower()
    if value == "auto":
        return config
    if value == "all":
        return replace(config, nli_partners=0)
    if value.isdecimal() and int(value) > 0:
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
@cache_options
@click.option("-v", "--verbose", count=True, help="-v: progress notes; -vv: debug output.")
@engine_options
@domain_errors
def index_add(paths, archive, embedder, lexicons, no_cache, cache_dir, verbose, engine, ray_address, ray_workers) -> None:
    """Add PATH... (files or folders) to the archive; unchanged documents are skipped, changed ones replaced.

    \b
    Exit codes:
      0    finished
      2    usage or input error: one line "Error: [Ennn] ..."
      130  interrupted (Ctrl-C)
    """
    from .archive import Archive
    from .pipeline import index_paths

    _setup_logging(verbose)
    _require_paths(paths)
    config = _cache_config(Config(embedder=embedder, nli=None, lexicon_paths=tuple(lexicons), engine=engine,
                                  ray_address=ray_address, ray_workers=ray_workers), no_cache, cache_dir)
    with Archive.open(_archive_path(archive)) as store:  # checks the file and its folder before any work
        result, inputs = index_paths(list(paths), store, config, progress=RichProgress(enabled=True))
        store.verify()  # never report success into a damaged file
        path = store.path
    for warning in inputs.warnings:
        warn(warning)
    click.echo(f"{len(result.added)} added, {len(result.unchanged)} unchanged, {len(result.replaced)} replaced ({path})")


@index.command("info")
@archive_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@domain_errors
def index_info(archive, as_json) -> None:
    """Show what the archive holds: documents, claims, languages and embedding models.

    \b
    Exit codes:
      0    finished
      2    usage or input error: one line "Error: [Ennn] ..."
      130  interrupted (Ctrl-C)
    """
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


@main.group("baseline")
def baseline_group() -> None:
    """Accept known findings so that CI fails only on new ones (used with check --baseline FILE)."""


@baseline_group.command("create")
@click.argument("report", type=click.Path())
@click.option("-o", "--output", "output", required=True, type=click.Path(), metavar="FILE",
              help="Baseline file to write (JSON; replaced if it exists).")
@click.option("--include-agreements", is_flag=True,
              help="Accept agreements too (by default only contradictions, the findings that fail a build).")
@domain_errors
def baseline_create(report, output, include_agreements) -> None:
    """Write the findings of REPORT (a vncheck-report.json from check --format json) to a baseline file.

    \b
    Exit codes:
      0    finished
      2    usage or input error: one line "Error: [Ennn] ..."
      130  interrupted (Ctrl-C)
    """
    from .baseline import DEFAULT_KINDS, baseline_from_report_file, write_baseline, written_line

    kinds = ("contradiction", "agreement") if include_agreements else DEFAULT_KINDS
    click.echo(written_line(write_baseline(baseline_from_report_file(report, kinds=kinds), output)))


@main.command()
@click.argument("a_id")
@click.argument("b_id")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--embedder", default=Config.embedder, show_default=True, help="Registered embedding backend name.")
@click.option("--all-sentences", is_flag=True, help="As for check: pair sentences without a content anchor too.")
@model_options
@cache_options
@domain_errors
def explain(a_id, b_id, paths, embedder, all_sentences, nli_model, nli_backend, no_nli, lexicons, no_cache, cache_dir) -> None:
    """Why claims A_ID and B_ID (ids as in the report, DOC:sN) of PATH... were or were not paired, and how each rule decided.

    Pass the same PATHs and options as the check.

    \b
    Exit codes:
      0    finished
      2    usage or input error (unknown claim id, missing path)
      130  interrupted (Ctrl-C)
    """
    from .explain import explain_pair, format_explanation

    config = Config(embedder=embedder, nli=None if no_nli else nli_backend, nli_model_path=None if no_nli else nli_model,
                    lexicon_paths=tuple(lexicons), checkworthy_only=not all_sentences)
    click.echo(visible(format_explanation(explain_pair(list(paths), a_id, b_id, _cache_config(config, no_cache, cache_dir))), keep="\n"))


@main.command()
@click.argument("sentences", nargs=-1)
@click.option("--tsv", "tsv", type=click.Path(exists=True, dir_okay=False), default=None,
              help="UTF-8 tab-separated file with header 'premise<TAB>hypothesis' (other columns ignored, except the "
                   "optional date columns 'published', 'premise_published', 'hypothesis_published'): one verdict "
                   "per row, each output line starting with the row's line number.")
@click.option("--published", "published", default=None, metavar="YYYY-MM-DD",
              help="Publication date of both sentences, for relative times ('on Monday', 'last year'); a TSV row's "
                   "own date columns take precedence.")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON (one object per pair, JSON lines for --tsv) with the inputs: premise, hypothesis, their "
                   "dates and, for --tsv, the row's line number.")
@model_options
@cache_options
@domain_errors
def compare(sentences, tsv, published, as_json, nli_model, nli_backend, no_nli, lexicons, no_cache, cache_dir) -> None:
    """Compare two sentences (either language): vncheck compare "SENTENCE A" "SENTENCE B".

    With --tsv FILE, every row is compared; each output line starts with the row's line
    in FILE (the header is line 1), so results can be matched to their inputs. Rows with
    an empty sentence or a bad date are skipped with one warning each.

    \b
    Exit codes:
      0    finished
      2    usage or input error (no two sentences, FILE not UTF-8 or without header, bad date)
      130  interrupted (Ctrl-C)
    """
    from .checks import load_lexicon
    from .pipeline import load_nli
    from .verify import compare_texts

    if tsv is None and len(sentences) != 2:
        raise UserError(f"[{E_COMPARE_ARGS}] compare needs exactly two sentences, or --tsv FILE. Fix: quote each sentence.")
    if tsv is not None and sentences:
        raise UserError(f"[{E_COMPARE_BOTH}] compare got both sentences and --tsv FILE. Fix: give one or the other.")
    default_date = _parse_date(published, "--published") if published else None
    if tsv is None:
        rows = [ComparedRow(None, sentences[0], sentences[1], default_date, default_date)]
    else:
        rows = _read_pairs(Path(tsv), default_date)
    config = Config(nli=None if no_nli else nli_backend, nli_model_path=None if no_nli else nli_model)
    nli = load_nli(_cache_config(config, no_cache, cache_dir))  # known pairs come from the pair-score cache
    lexicon = load_lexicon(tuple(lexicons))
    for row in rows:
        dates = {}
        if row.premise_published or row.hypothesis_published:
            dates = {"published_a": row.premise_published, "published_b": row.hypothesis_published}
        verdict = compare_texts(row.premise, row.hypothesis, nli, lexicon, **dates)
        item = {"verdict": verdict.label.value, "score": round(verdict.score, 3), "reasons": list(verdict.reasons),
                "scorers": list(verdict.scorers), "nli": {k: round(v, 3) for k, v in (verdict.nli or {}).items()},
                "premise": row.premise, "hypothesis": row.hypothesis,
                "premise_published": _iso(row.premise_published), "hypothesis_published": _iso(row.hypothesis_published)}
        if row.line is not None:
            item["row"] = row.line
        if as_json:
            click.echo(json.dumps(item, ensure_ascii=False, sort_keys=True))
        else:
            fields = [str(row.line)] if row.line is not None else []
            fields += [item["verdict"], f"{item['score']:.3f}", visible("; ".join(item["reasons"])) or "-",
                       f"[{', '.join(item['scorers']) or '-'}]"]
            click.echo("\t".join(fields))


@dataclass(frozen=True)
class ComparedRow:
    """One pair for ``compare``: its line in the TSV file (None for two sentences given directly) and dates."""

    line: int | None
    premise: str
    hypothesis: str
    premise_published: dt.date | None = None
    hypothesis_published: dt.date | None = None


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _parse_date(value: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UserError(f"[{E_BAD_DATE}] {what} {visible_name(value)} is not a date. Fix: write it as YYYY-MM-DD.") from None


def _nli_scorer(nli_model: str | None, nli_backend: str):
    from .backends.registry import get_nli

    if not nli_model:
        return get_nli(nli_backend)
    from .pipeline import nli_backend_for_folder

    return get_nli(nli_backend_for_folder(nli_model), path=nli_model)


#: Optional TSV columns with publication dates: one for both sentences, or one per sentence.
DATE_COLUMNS = ("published", "premise_published", "hypothesis_published")


def _read_pairs(path: Path, default_date: dt.date | None = None) -> list[ComparedRow]:
    """The rows of a ``compare --tsv`` file; rows with an empty sentence or a bad date are warned about and skipped."""
    import csv
    import io

    from .ingest import read_table_text

    csv.field_size_limit(10_000_000)
    reader = csv.DictReader(io.StringIO(read_table_text(path), newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    fields = [f.strip() for f in reader.fieldnames or []]
    if not {"premise", "hypothesis"} <= set(fields):
        raise UserError(f"[{E_TSV_HEADER}] {visible_name(path)} needs a header 'premise<TAB>hypothesis'. "
                        "Fix: add that header line (further columns are ignored).")
    reader.fieldnames = fields
    name = visible(str(path))
    rows = []
    for record in reader:
        line = reader.line_num
        premise, hypothesis = (record.get("premise") or "").strip(), (record.get("hypothesis") or "").strip()
        if not premise or not hypothesis:
            warn(f"{name}:{line}: empty premise or hypothesis, row skipped")
            continue
        dates: dict[str, dt.date | None] = {}
        for column in DATE_COLUMNS:
            value = (record.get(column) or "").strip()
            try:
                dates[column] = dt.date.fromisoformat(value) if value else None
            except ValueError:
                warn(f"{name}:{line}: {column} {visible_name(value)} is not YYYY-MM-DD, row skipped")
                break
        else:
            both = dates["published"] or default_date
            rows.append(ComparedRow(line, premise, hypothesis, dates["premise_published"] or both,
                                    dates["hypothesis_published"] or both))
    return rows


@main.command("nli-eval")
@click.argument("tsv", type=click.Path(exists=True, dir_okay=False))
@click.option("--nli-model", "nli_model", type=click.Path(file_okay=False), default=None,
              help="Local NLI model folder, vncheck's own (train-nli, average-nli) or Hugging Face (default: the shipped model).")
@click.option("--nli-backend", default=Config.nli, show_default=True, help="Registered NLI backend name.")
@click.option("--json", "as_json", is_flag=True, help="Also print one JSON object with the figures as the last line.")
@domain_errors
def nli_eval(tsv, nli_model, nli_backend, as_json) -> None:
    """Evaluate an NLI model on TSV (UTF-8; header premise, hypothesis, label: entailment/neutral/contradiction).

    Rows with a missing column, an unknown label or an empty sentence are skipped with one
    warning each (naming FILE:LINE).

    \b
    Exit codes:
      0    finished
      2    usage or input error: one line "Error: [Ennn] ..."
      130  interrupted (Ctrl-C)
    """
    from .model.evaluate import evaluate_file, format_table

    nli = _nli_scorer(nli_model, nli_backend)
    result = evaluate_file(Path(tsv), nli)
    for problem in result["bad_rows"]:
        warn(problem)
    click.echo(format_table(result))
    if as_json:
        click.echo(json.dumps({k: v for k, v in result.items() if k != "bad_rows"} | {"bad_rows": len(result["bad_rows"])}, sort_keys=True))


@main.command("train-nli")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None, help="Shared data folder with nli/ and parallel/ (default ../shared/data).")
@click.option("--run-dir", default=".train/nli-v4", show_default=True, help="Checkpoint folder; an existing checkpoint is resumed.")
@click.option("--out", "out_dir", default=None, help="Where to export the best weights (default models/vncheck-nli-v4).")
@click.option("--device", default="cpu", show_default=True, help="cpu or cuda.")
@click.option("--english", "n_english", default=8000, show_default=True, help="English natural NLI pairs to sample.")
@click.option("--news", "n_news", default=24000, show_default=True,
              help="Targeted pairs from real German/English news: minimal-edit contradictions, translations and variants, same-story neutrals.")
@click.option("--news-recipe", type=click.IntRange(3, 4), default=4, show_default=True,
              help="Generator version of the news pairs: 3 made vncheck-nli-v3; 4 (vncheck-nli-v4) adds actor swaps, role swaps and more status verbs.")
@click.option("--rte-repeats", default=1, show_default=True, help="Passes over the RTE-3 dev rows outside its held-out slice (4 language combinations).")
@click.option("--wmt", "n_wmt", default=0, show_default=True, help="The older WMT-only synthetic cross-lingual pairs.")
@click.option("--codeswitch", "n_codeswitch", default=0, show_default=True,
              help="Further English pairs made partly German with a German-English dictionary (code-switching).")
@click.option("--dictionary", default="/usr/share/trans/de-en", show_default=True,
              help="Debian trans-de-en dictionary file, for --codeswitch.")
@click.option("--xnli-repeats", default=2, show_default=True, help="Passes over the XNLI dev training rows (4 language combinations).")
@click.option("--paraphrase", "n_paraphrase", default=6000, show_default=True,
              help="Real paraphrases (German PAWS-X, STS-B en/de/cross-lingual) as entailments and PAWS-X word swaps as contradictions.")
@click.option("--threads", default=2, show_default=True, help="CPU threads for training (a resumed run may change it).")
@click.option("--epochs", default=1, show_default=True, help="Passes over the training mix.")
@click.option("--max-steps", type=int, default=None, help="Stop after this many batches (the learning rate decays to zero there).")
@click.option("--lr", default=4e-5, show_default=True, help="Peak learning rate (linear warm-up and decay).")
@click.option("--seed", default=13, show_default=True, help="Random seed for sampling, order and initialisation.")
@click.option("--init-from", type=click.Path(file_okay=False), default=None,
              help="Continue from trained weights (a folder like models/vncheck-nli-v4) instead of the base encoder.")
@click.option("--keep-layers", default=None, metavar="I,J,...",
              help="Train a smaller student with only these transformer layers (0-11) of the start, e.g. 0,2,3,5,6,8,9,11.")
@click.option("--teacher", type=click.Path(exists=True, file_okay=False), default=None,
              help="Distil from this model folder (soft labels at --temperature mixed with the gold labels).")
@click.option("--distill-weight", type=click.FloatRange(0.0, 1.0), default=0.8, show_default=True,
              help="Share of the teacher's soft labels in the loss (the rest is the gold labels).")
@click.option("--temperature", type=click.FloatRange(min=0.1), default=2.0, show_default=True, help="Distillation temperature.")
@click.option("--batch-size", type=click.IntRange(min=1), default=32, show_default=True, help="Pairs per training step.")
@click.option("--time-budget", type=click.FloatRange(min=1.0), default=None,
              help="Seconds of training: the step count follows the measured speed (re-estimated every 40 steps), so the learning rate decays to zero in time.")
@click.option("--eval-every", type=click.IntRange(min=1), default=300, show_default=True, help="Steps between evaluations on the held-out sets.")
@click.option("--export", "export_to", type=click.Path(dir_okay=False), default=None,
              help="Only build and tokenize the training data and the held-out sets into this .npz file (for --prepared), then stop.")
@click.option("--prepared", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Train from a file made by --export (no ../shared/data needed; the data options are then those of the export).")
@domain_errors
def train_nli(data_dir, run_dir, out_dir, device, n_english, n_news, news_recipe, rte_repeats, n_wmt, n_codeswitch, dictionary, xnli_repeats, n_paraphrase,
              threads, epochs, max_steps, lr, seed, init_from, keep_layers, teacher, distill_weight, temperature, batch_size, time_budget,
              eval_every, export_to, prepared) -> None:
    """Train vncheck's own NLI model (reads ../shared/data; resumable; writes safetensors).

    \b
    Exit codes:
      0    finished
      2    usage or input error: one line "Error: [Ennn] ..."
      130  interrupted (Ctrl-C)
    """
    from .model.train import TrainConfig, export_prepared, train

    cfg = TrainConfig(data_dir=data_dir, run_dir=run_dir, device=device, n_english=n_english, n_news=n_news, news_recipe=news_recipe, rte_repeats=rte_repeats, n_wmt=n_wmt,
                      xnli_repeats=xnli_repeats, n_codeswitch=n_codeswitch, dictionary=dictionary, epochs=epochs, max_steps=max_steps, lr=lr, seed=seed,
                      init_from=init_from, n_paraphrase=n_paraphrase, threads=threads, keep_layers=_layer_list(keep_layers),
                      teacher=teacher, distill_weight=distill_weight, temperature=temperature, batch_size=batch_size,
                      time_budget=time_budget, eval_every=eval_every, prepared=prepared)
    if out_dir:
        cfg.out_dir = out_dir
    if export_to:
        if prepared:
            raise click.UsageError("--export builds the data that --prepared reads: give one of them.")
        export_prepared(cfg, Path(export_to), log=lambda s: click.echo(s, err=True))
        return
    train(cfg, log=lambda s: click.echo(s, err=True))


def _layer_list(text: str | None) -> list[int] | None:
    """``"0,2,5"`` -> ``[0, 2, 5]``: distinct layer numbers 0-11 in increasing order."""
    if text is None:
        return None
    try:
        layers = [int(x) for x in text.split(",")]
    except ValueError:
        raise click.BadParameter(f"expected layer numbers like 0,2,3,5, not {text!r}", param_hint="--keep-layers") from None
    if not layers or layers != sorted(set(layers)) or not all(0 <= i <= 11 for i in layers):
        raise click.BadParameter(f"layers must be distinct, increasing and within 0-11, not {text!r}", param_hint="--keep-layers")
    return layers


@main.command("average-nli")
@click.argument("first", type=click.Path(exists=True, file_okay=False))
@click.argument("second", type=click.Path(exists=True, file_okay=False))
@click.option("--weight", type=click.FloatRange(0.0, 1.0), default=0.5, show_default=True,
              help="Share of FIRST in the average (the rest is SECOND).")
@click.option("--out", "out_dir", required=True, help="Folder for the averaged model.")
@domain_errors
def average_nli(first, second, weight, out_dir) -> None:
    """Average two NLI models trained from one another (a "model soup") into OUT.

    \b
    Exit codes:
      0    written
      2    usage or input error: one line "Error: [Ennn] ..."
      130  interrupted (Ctrl-C)
    """
    from .model.nli import average_models

    path = average_models(Path(first), Path(second), weight, Path(out_dir))
    click.echo(f"Averaged model written to '{path}' ({weight:g} x {first} + {1 - weight:g} x {second}).", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
