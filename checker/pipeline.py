"""Wires the stages together: paths -> documents -> claims -> vectors -> pairs -> verdicts -> Report."""
from __future__ import annotations

import logging
from contextlib import nullcontext
from typing import Protocol, Sequence

from . import __version__
from .backends.base import Embedder, NliScorer
from .backends.registry import get_embedder, get_nli
from .cluster import group_topics, merge_pairs, nearest_pairs, slot_pairs
from .config import Config
from .embed import embed_claims
from .errors import InputError
from .ingest import discover, load_documents
from .records import Report
from .segment import segment_all

logger = logging.getLogger(__name__)


class ProgressSink(Protocol):
    """What the pipeline reports progress to (the CLI passes a rich progress bar)."""

    def stage(self, description: str, total: int | None = None): ...  # context manager with .update(completed)


class _Silent:
    def stage(self, description: str, total: int | None = None):
        return nullcontext(_NoBar())


class _NoBar:
    def update(self, completed: int) -> None:
        pass


def load_backends(config: Config, progress: ProgressSink | None = None) -> tuple[Embedder, NliScorer | None]:
    """Load (once per process) the embedder and NLI scorer named in ``config``."""
    progress = progress or _Silent()
    with progress.stage("Loading embedding model", None):
        embedder = get_embedder(config.embedder)
    nli = None
    with progress.stage("Loading NLI model", None):
        if config.nli_model_path:
            nli = get_nli("hf-local.v1", path=config.nli_model_path, device=config.device)
        elif config.nli:
            nli = get_nli(config.nli, **_nli_options(config))
    return embedder, nli


def _nli_options(config: Config) -> dict:
    """Options for the own NLI backend: where to keep its ONNX build, and which runtime."""
    if config.nli != "vncheck-nli.v1":
        return {}
    from .config import default_cache_dir

    return {"cache_dir": str(config.cache_dir or default_cache_dir()), "runtime": config.nli_runtime}


def run(
    paths: Sequence[str],
    config: Config,
    embedder: Embedder | None = None,
    nli: NliScorer | None = None,
    progress: ProgressSink | None = None,
) -> Report:
    """Check a set of files and folders for cross-document agreement and contradiction.

    Args:
        paths: files and folders (.txt, .md, .html).
        config: thresholds and model names.
        embedder, nli: ready backends (tests pass fakes); loaded from ``config`` when None.
        progress: optional progress sink.
    Returns:
        The Report every renderer presents.

    Raises:
        InputError: when a path is missing or no document could be checked.

    Example:
        >>> from checker.backends.fake import HashingEmbedder, RuleNli
        >>> report = run(["tests/fixtures"], Config(cache_dir=None), HashingEmbedder(), RuleNli())  # doctest: +SKIP
    """
    from .checks import load_lexicon
    from .checks.keys import slot_keys
    from .verify import SlotCache, verify_pairs

    progress = progress or _Silent()
    files = discover(paths)
    documents, skipped_docs = load_documents(files, max_bytes=config.max_bytes)
    claims, skipped_sentences, empty_docs = segment_all(documents)
    empty_ids = {s.where for s in empty_docs}
    documents = [d for d in documents if d.id not in empty_ids]
    claims = [c for c in claims if c.doc_id not in empty_ids]
    skipped_docs = list(skipped_docs) + list(empty_docs)
    warnings = [s.reason for s in skipped_docs]
    if not documents:
        detail = "; ".join(warnings[:3]) or "no readable document"
        raise InputError(f"No document could be checked ({detail}).", "pass .txt, .md or .html files in German or English.")
    if len(documents) < 2:
        warnings.append("Only one document could be checked: cross-document comparison needs at least two.")

    if embedder is None or (nli is None and (config.nli or config.nli_model_path)):
        loaded_embedder, loaded_nli = load_backends(config, progress)
        embedder = embedder or loaded_embedder
        nli = nli or loaded_nli

    with progress.stage("Embedding claims", len(claims)) as bar:
        vectors = embed_claims(claims, embedder, config.cache_dir, bar.update)
    lexicon = load_lexicon(config.lexicon_paths)
    by_id = {c.id: c for c in claims}
    docs_by_id = {d.id: d for d in documents}
    slots = SlotCache(by_id, docs_by_id, lexicon)
    with progress.stage("Reading dates, actors and levels", len(claims)) as bar:
        keys = []
        for n, claim in enumerate(claims, start=1):
            keys.append(slot_keys(slots.get(claim.id)))
            if n % 50 == 0 or n == len(claims):
                bar.update(n)
    pairs = merge_pairs(
        nearest_pairs(claims, vectors, k=config.neighbours, min_similarity=config.min_similarity),
        slot_pairs(claims, keys, vectors, per_claim=config.slot_partners),
    )
    clusters, pairs, topics = group_topics(claims, vectors, pairs, threshold=config.topic_similarity)
    with progress.stage("Scoring claim pairs", len(pairs)) as bar:
        verdicts = verify_pairs(pairs, by_id, docs_by_id, nli, lexicon, topics, progress=bar.update, slots=slots)
    scorers = ["checks"] + ([f"nli:{nli.name}"] if nli is not None else [])
    return Report(
        documents=tuple(documents),
        claims=tuple(claims),
        clusters=tuple(clusters),
        verdicts=tuple(verdicts),
        skipped=tuple(skipped_docs) + tuple(skipped_sentences),
        warnings=tuple(warnings),
        scorers=tuple(scorers),
        embedder=embedder.name,
        min_score=config.min_score,
        version=__version__,
    )
