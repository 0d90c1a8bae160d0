"""Wires the stages together: paths -> documents -> claims -> vectors -> pairs -> verdicts -> Report.

``run`` checks a set of files among themselves; ``index_paths`` stores documents in an
archive and ``check_against`` checks new files against one. All three are built from the
same steps: ``read_inputs``, ``read_keys``, ``find_pairs``, ``score_pairs``.
"""
from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from . import __version__, knn
from .archive import AddResult, Archive
from .backends.base import Embedder, NliScorer
from .backends.lazy import LazyBackend
from .backends.registry import available, get_embedder, get_nli
from .checks.keys import slot_keys
from .checkworthy import drop_unworthy, unworthy_claims
from .cluster import group_topics, merge_pairs, nearest_pairs, slot_pairs
from .config import Config
from .embed import embed_claims
from .errors import E_ARCHIVE_DIMENSIONS, E_ARCHIVE_NO_CLAIMS, E_NOTHING_TO_CHECK, E_UNKNOWN_ENGINE, InputError
from .ingest import discover, load_documents
from .pair_cache import with_pair_cache
from .records import CandidatePair, Claim, Cluster, Document, PairVerdict, Report, Skipped, Verdict
from .segment import segment_all
from .verify import SlotCache, verify_pairs

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
    """Load (once per process) the embedder and NLI scorer named in ``config``.

    With ``config.engine == "ray"`` they are pools of Ray actors holding the same backends.
    """
    return load_embedder(config, progress), load_nli(config, progress)


def load_embedder(config: Config, progress: ProgressSink | None = None) -> Embedder:
    """The embedder named in ``config``, on the configured engine."""
    progress = progress or _Silent()
    if _engine(config) == "ray":
        from .backends.distributed import RayEmbedder

        with progress.stage("Starting Ray workers (embedding model)", None):
            return RayEmbedder(config.embedder, _embedder_options(config), workers=config.ray_workers, address=config.ray_address)
    options = _embedder_options(config)
    if config.embedder in available()["embedder"]:  # an unknown name fails now, with the list of known ones
        # Loaded at the first text that is not in the embedding cache: a repeated check loads no model.
        return LazyBackend(config.embedder, lambda: get_embedder(config.embedder, **options))
    with progress.stage("Loading embedding model", None):
        return get_embedder(config.embedder, **options)


def load_nli(config: Config, progress: ProgressSink | None = None) -> NliScorer | None:
    """The NLI scorer named in ``config`` (a local HF model path wins), or None.

    Unless ``config.cache_dir`` is None, the scorer reads and writes the pair-score cache
    there (``checker.pair_cache``), keyed by the model's weights.
    """
    progress = progress or _Silent()
    if config.nli_model_path:
        name = nli_backend_for_folder(config.nli_model_path)
        options = ({"path": config.nli_model_path} | _nli_options(replace(config, nli=name)) if name == "vncheck-nli.v4"
                   else {"path": config.nli_model_path, "device": config.device})
    elif config.nli:
        name, options = config.nli, _nli_options(config)
    else:
        return None
    if _engine(config) == "ray":
        from .backends.distributed import RayNli

        with progress.stage("Starting Ray workers (NLI model)", None):
            scorer = RayNli(name, options, workers=config.ray_workers, address=config.ray_address)
    elif name in available()["nli"] and name != "hf-local.v1":  # hf-local names itself after its folder
        # Loaded at the first pair that is not in the pair-score cache.
        scorer = LazyBackend(name, lambda: get_nli(name, **options))
    else:
        with progress.stage("Loading NLI model", None):
            scorer = get_nli(name, **options)
    # Every backend, on either engine, answers known pairs from the pair-score cache.
    variant = "int8" if options.get("runtime") == "onnx-int8" else ""
    return with_pair_cache(scorer, config.cache_dir, _nli_weights(name, options), variant)


def _nli_weights(name: str, options: dict) -> list[Path]:
    """The files an NLI backend's scores depend on: their sha256 is part of the pair cache's model id,
    so a retrained model never reuses the old model's scores."""
    if name == "vncheck-nli.v4":
        from .model.nli import CONFIG_FILE, DEFAULT_MODEL_DIR, WEIGHTS_FILE

        folder = Path(options.get("path") or DEFAULT_MODEL_DIR)
        return [folder / WEIGHTS_FILE, folder / CONFIG_FILE]
    if name == "hf-local.v1":  # weights, config (label order) and tokenizer files: everything in the folder
        return sorted(p for p in Path(options["path"]).iterdir() if p.is_file())
    return []  # no weight files (the fake backend): the name alone identifies it


def _engine(config: Config) -> str:
    if config.engine not in ("local", "ray"):
        raise InputError(f"Unknown engine '{config.engine}'.", "use local or ray.", code=E_UNKNOWN_ENGINE)
    return config.engine


def _embedder_options(config: Config) -> dict:
    """Options for the e5 embedder: where to keep its ONNX build."""
    if config.embedder != "e5-small.v1":
        return {}
    from .config import default_cache_dir

    return {"cache_dir": str(config.cache_dir or default_cache_dir())}


def nli_backend_for_folder(path: str | Path) -> str:
    """The backend for a local model folder: vncheck's own ("vncheck-nli.v4": a delta of the
    e5 base, as ``train-nli`` and ``average-nli`` write) or any Hugging Face model ("hf-local.v1")."""
    import json

    config = Path(path) / "config.json"
    try:
        architecture = json.loads(config.read_text(encoding="utf-8")).get("architecture")
    except (OSError, ValueError, AttributeError):
        architecture = None
    return "vncheck-nli.v4" if architecture == "e5-small-meanpool-linear" else "hf-local.v1"


def _nli_options(config: Config) -> dict:
    """Options for the own NLI backend: where to keep its ONNX build, and which runtime."""
    if config.nli != "vncheck-nli.v4":
        return {}
    from .config import default_cache_dir

    return {"cache_dir": str(config.cache_dir or default_cache_dir()), "runtime": config.nli_runtime}


@dataclass(frozen=True)
class Inputs:
    """Documents and claims read from the input paths (step 1 of ``run``)."""

    documents: list[Document]
    claims: list[Claim]
    skipped: tuple[Skipped, ...]
    warnings: list[str]


def read_inputs(paths: Sequence[str], config: Config, progress: ProgressSink | None = None) -> Inputs:
    """Find, decode and segment the input files; documents without claims become warnings.

    Args:
        paths: files and folders.
        config: for the size limit.
        progress: progress sink.
    Returns:
        Documents, claims, skipped documents and sentences, warnings.

    Raises:
        InputError: when a path is missing or no document could be checked.

    Example:
        >>> len(read_inputs(["seeds"], Config(cache_dir=None)).documents)  # doctest: +SKIP
        5
    """
    progress = progress or _Silent()
    files = discover(paths)
    documents, skipped_docs = load_documents(files, max_bytes=config.max_bytes)
    with progress.stage("Splitting documents into claims", len(documents)) as bar:
        claims, skipped_sentences, empty_docs = segment_all(documents, bar.update, seconds=config.document_seconds)
    empty_ids = {s.where for s in empty_docs}
    documents = [d for d in documents if d.id not in empty_ids]
    claims = [c for c in claims if c.doc_id not in empty_ids]
    skipped_docs = list(skipped_docs) + list(empty_docs)
    warnings = [s.reason for s in skipped_docs]
    if not documents:
        detail = "; ".join(warnings[:3]) or "no readable document"
        raise InputError(f"No document could be checked ({detail}).", "pass .txt, .md or .html files in German or English.",
                         code=E_NOTHING_TO_CHECK)
    return Inputs(documents, claims, tuple(skipped_docs) + tuple(skipped_sentences), warnings)


def read_keys(claims: Sequence[Claim], slots: SlotCache, progress: ProgressSink) -> list[frozenset]:
    """Slot keys per claim (slots are extracted once, into ``slots``).

    Args:
        claims: the claims whose keys are needed.
        slots: the cache that extracts and keeps each claim's slots.
        progress: progress sink.
    Returns:
        Keys row-aligned with ``claims``.
    """
    keys = []
    with progress.stage("Reading dates, actors and levels", len(claims)) as bar:
        for n, claim in enumerate(claims, start=1):
            keys.append(slot_keys(slots.get(claim.id)))
            if n % 50 == 0 or n == len(claims):
                bar.update(n)
    return keys


def find_pairs(
    claims: Sequence[Claim],
    vectors: np.ndarray,
    keys: Sequence[frozenset],
    config: Config,
    query_rows: Sequence[int] | None = None,
    index: knn.KnnIndex | None = None,
) -> tuple[list[CandidatePair], set[tuple[str, str]]]:
    """Candidate pairs from nearest neighbours and shared slot keys.

    Args:
        claims, vectors, keys: row-aligned.
        config: neighbours, thresholds, k-NN method.
        query_rows: rows whose partners are searched (default all; the new claims when
            checking against an archive).
        index: a ready k-NN index over ``vectors`` (built here when None).
    Returns:
        (merged pairs, (a, b) of the pairs that share a slot key).
    """
    keyed = slot_pairs(claims, keys, vectors, per_claim=config.slot_partners, query_rows=query_rows)
    near = nearest_pairs(claims, vectors, k=config.neighbours, min_similarity=config.min_similarity,
                         query_rows=query_rows, method=config.knn_method, index=index)  # type: ignore[arg-type]
    return merge_pairs(near, keyed), {(p.a, p.b) for p in keyed}


def score_pairs(
    claims: Sequence[Claim],
    vectors: np.ndarray,
    pairs: Sequence[CandidatePair],
    keyed: set[tuple[str, str]],
    slots: SlotCache,
    nli: NliScorer | None,
    lexicon,
    config: Config,
    progress: ProgressSink,
    index: knn.KnnIndex | None = None,
) -> tuple[list[Cluster], list[PairVerdict], dict[str, str], tuple[Skipped, ...]]:
    """Check-worthiness, prefilter (when ``config.prefilter``), topics, then verdicts for the candidate pairs.

    Pairs with a claim that has no content anchor (``checker.checkworthy``) are dropped first
    when ``config.checkworthy_only``.

    The NLI budget (``config.nli_partners``) applies when ``claims`` holds at least
    ``config.nli_budget_from`` claims.

    Args:
        claims, vectors: row-aligned; topics are found among these claims.
        pairs: candidate pairs.
        keyed: pairs that share a slot key (always kept by the prefilter).
        slots: slot cache over every claim of ``pairs`` (and their previous sentences).
        nli: NLI scorer or None.
        lexicon: vocabulary.
        config: prefilter settings, topic similarity.
        progress: progress sink.
        index: a ready k-NN index over ``vectors`` for the topic step (built when None).
    Returns:
        (clusters, verdicts, meta notes for the report, the paired claims that were not check-worthy).
    """
    from .prefilter import prefilter

    meta: dict[str, str] = {}
    duplicates: dict[tuple[str, str], float] = {}
    beyond_budget: frozenset[tuple[str, str]] = frozenset()
    unworthy: dict[str, Skipped] = {}
    if config.checkworthy_only:
        paired = {cid: slots.claims[cid] for p in pairs for cid in (p.a, p.b)}
        unworthy = unworthy_claims(paired.values(), slots.own_slots)
        before = len(pairs)
        pairs = drop_unworthy(pairs, unworthy)
        meta["not_checkworthy_claims"] = str(len(unworthy))
        meta["not_checkworthy_pairs"] = str(before - len(pairs))
    if config.prefilter:
        partners = config.nli_partners if len(claims) >= config.nli_budget_from else 0
        result = prefilter(pairs, slots.claims, slots.get, keyed, config.prefilter_similarity, config.duplicate_ratio, lexicon,
                           partners)
        pairs, duplicates, beyond_budget = result.pairs, result.duplicates, result.beyond_budget
        meta |= {"prefilter_dropped": str(result.dropped), "near_duplicates": str(len(duplicates)),
                 "beyond_nli_budget": str(len(beyond_budget))}
    with progress.stage("Grouping topics", None):
        clusters, pairs, topics = group_topics(claims, vectors, pairs, threshold=config.topic_similarity,
                                               method=config.knn_method, index=index)  # type: ignore[arg-type]
    with progress.stage("Scoring claim pairs", len(pairs)) as bar:
        verdicts = verify_pairs(pairs, slots.claims, slots.documents, nli, lexicon, topics, progress=bar.update,
                                slots=slots, duplicates=duplicates, beyond_budget=beyond_budget)
    return clusters, verdicts, meta, tuple(unworthy.values())


def _ensure_backends(config: Config, embedder, nli, progress):
    """The given backends, loading from ``config`` the ones not given."""
    if embedder is None:
        embedder = load_embedder(config, progress)
    if nli is None:
        nli = load_nli(config, progress)
    return embedder, nli


def _report(documents, claims, clusters, verdicts, inputs: Inputs, warnings, embedder, nli, min_score: float,
            meta: dict[str, str], unworthy: Sequence[Skipped] = ()) -> Report:
    """Assemble the Report; the scorers line names the checks and the NLI backend that ran."""
    return Report(
        documents=tuple(documents),
        claims=tuple(claims),
        clusters=tuple(clusters),
        verdicts=tuple(verdicts),
        skipped=inputs.skipped + tuple(unworthy),
        warnings=tuple(warnings),
        scorers=("checks",) + ((f"nli:{nli.name}",) if nli is not None else ()),
        embedder=embedder.name,
        min_score=min_score,
        version=__version__,
        meta=meta,
    )


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

    progress = progress or _Silent()
    inputs = read_inputs(paths, config, progress)
    documents, claims, warnings = inputs.documents, inputs.claims, list(inputs.warnings)
    if len(documents) < 2:
        warnings.append("Only one document could be checked: cross-document comparison needs at least two.")
    embedder, nli = _ensure_backends(config, embedder, nli, progress)

    with progress.stage("Embedding claims", len(claims)) as bar:
        vectors = embed_claims(claims, embedder, config.cache_dir, bar.update)
    lexicon = load_lexicon(config.lexicon_paths)
    slots = SlotCache({c.id: c for c in claims}, {d.id: d for d in documents}, lexicon)
    keys = read_keys(claims, slots, progress)
    index = knn.build(vectors, config.knn_method)  # type: ignore[arg-type]  # one index for pairs and topics
    with progress.stage("Finding candidate pairs", None):
        pairs, keyed = find_pairs(claims, vectors, keys, config, index=index)
    clusters, verdicts, meta, unworthy = score_pairs(claims, vectors, pairs, keyed, slots, nli, lexicon, config, progress, index)
    return _report(documents, claims, clusters, verdicts, inputs, warnings, embedder, nli, config.min_score, meta, unworthy)


def index_paths(
    paths: Sequence[str],
    archive: Archive,
    config: Config,
    embedder: Embedder | None = None,
    progress: ProgressSink | None = None,
    batch: int = 100,
) -> tuple[AddResult, Inputs]:
    """Add documents to an archive: only new or changed ones are embedded and stored.

    Documents go in batches of ``batch``, one transaction each, so an interrupted run keeps
    the batches already written and the archive stays consistent.

    Args:
        paths: files and folders.
        archive: an open archive.
        config: embedder name, cache folder, lexicons.
        embedder: a ready embedder (tests pass a fake); loaded from ``config`` when None.
        progress: progress sink.
        batch: documents per transaction.
    Returns:
        (which documents were added, unchanged and replaced; the inputs read, for warnings).

    Example:
        >>> with Archive.open("/tmp/a.sqlite") as archive:  # doctest: +SKIP
        ...     result, _ = index_paths(["seeds"], archive, Config(embedder="fake.v1", nli=None))
    """
    from .checks import load_lexicon

    progress = progress or _Silent()
    inputs = read_inputs(paths, config, progress)
    if embedder is None:
        embedder = load_embedder(config, progress)
    todo = {d.id for d in archive.pending(inputs.documents, embedder.name)}
    lexicon = load_lexicon(config.lexicon_paths)
    result = AddResult(unchanged=tuple(d.id for d in inputs.documents if d.id not in todo))
    docs = [d for d in inputs.documents if d.id in todo]
    claims_by_doc: dict[str, list[Claim]] = {}
    for c in inputs.claims:
        claims_by_doc.setdefault(c.doc_id, []).append(c)
    total = sum(len(claims_by_doc.get(d.id, [])) for d in docs)
    done = 0
    with progress.stage("Adding documents to the archive", total) as bar:
        for start in range(0, len(docs), batch):
            part = docs[start : start + batch]
            claims = [c for d in part for c in claims_by_doc.get(d.id, [])]
            vectors = embed_claims(claims, embedder, config.cache_dir)
            slots = SlotCache({c.id: c for c in claims}, {d.id: d for d in part}, lexicon)
            keys = [slot_keys(slots.get(c.id)) for c in claims]
            result = result + archive.add_documents(part, claims, vectors, keys, embedder.name)
            done += len(claims)
            bar.update(done)
    logger.info("Archive %s: %d added, %d unchanged, %d replaced", archive.path, len(result.added), len(result.unchanged), len(result.replaced))
    return result, inputs


def check_against(
    paths: Sequence[str],
    archive: Archive,
    config: Config,
    embedder: Embedder | None = None,
    nli: NliScorer | None = None,
    progress: ProgressSink | None = None,
) -> Report:
    """Check new articles against an archive (and against each other) without re-embedding the archive.

    Only the new documents are segmented and embedded. Archive claims are paired only with
    new claims (never with each other): each new claim gets its nearest archive and new
    claims and its slot-key partners. The archived version of a file that is checked again
    is left out (the new version is the one being checked). The report holds the new documents
    plus the archive documents that appear in findings (``Document.from_archive`` set).

    Args:
        paths: the new files and folders.
        archive: an open archive with vectors of ``config.embedder``.
        config: thresholds and model names.
        embedder, nli: ready backends; loaded from ``config`` when None.
        progress: progress sink.
    Returns:
        The Report.

    Raises:
        InputError: no new document could be read, or the archive holds no claim embedded
            with this embedder.

    Example:
        >>> with Archive.open("/tmp/a.sqlite", create=False) as archive:  # doctest: +SKIP
        ...     report = check_against(["new/"], archive, Config(embedder="fake.v1", nli=None))
    """
    from .checks import load_lexicon

    progress = progress or _Silent()
    inputs = read_inputs(paths, config, progress)
    documents, claims, warnings = inputs.documents, inputs.claims, list(inputs.warnings)
    embedder, nli = _ensure_backends(config, embedder, nli, progress)
    # An archived version of a file being checked again is left out: the new text is the one
    # checked. (Ids equal to a new document's are left out too, so claim ids never clash.)
    superseded = list(archive.stored_ids([d.path for d in documents]).values())
    with progress.stage("Loading the archive", None):
        stored = archive.load(embedder.name, exclude_docs=superseded + [d.id for d in documents])
    if superseded:
        logger.info("%d new documents replace their archived versions in this check: %s",
                    len(superseded), ", ".join(superseded[:5]))
    if not stored.claims:
        raise InputError(f"The archive '{archive.path}' holds no claims embedded with '{embedder.name}'.",
                         f"add documents with `vncheck index add PATH... --embedder {embedder.name}` first.",
                         code=E_ARCHIVE_NO_CLAIMS)
    with progress.stage("Embedding claims", len(claims)) as bar:
        vectors = embed_claims(claims, embedder, config.cache_dir, bar.update)
    if vectors.shape[1] != stored.vectors.shape[1]:
        raise InputError(f"Archive vectors have {stored.vectors.shape[1]} dimensions, '{embedder.name}' gives {vectors.shape[1]}.",
                         "rebuild the archive with this embedder.", code=E_ARCHIVE_DIMENSIONS)
    lexicon = load_lexicon(config.lexicon_paths)
    new_docs = {d.id: d for d in documents}
    new_slots = SlotCache({c.id: c for c in claims}, new_docs, lexicon)
    keys = read_keys(claims, new_slots, progress)
    everything = list(claims) + list(stored.claims)
    all_vectors = np.vstack([vectors, stored.vectors])
    pairs, keyed = find_pairs(everything, all_vectors, keys + list(stored.keys), config, query_rows=range(len(claims)))
    # Slots only for the archive documents some pair reaches: whole documents, since slots
    # read the previous sentence and the document's main actors.
    claim_of = {c.id: c for c in everything}
    touched = list(dict.fromkeys(claim_of[cid].doc_id for p in pairs for cid in (p.a, p.b) if claim_of[cid].doc_id not in new_docs))
    touched_ids = set(touched)
    archive_docs = {d.id: d for d in stored.documents if d.id in touched_ids}
    archive_claims = [c for c in stored.claims if c.doc_id in archive_docs]
    by_id = {c.id: c for c in list(claims) + archive_claims}
    slots = SlotCache(by_id, new_docs | archive_docs, lexicon)
    slots.reuse(new_slots)  # the new claims' slots are already extracted
    row_of = {c.id: i for i, c in enumerate(everything)}
    involved = [c for c in everything if c.id in by_id]
    involved_vectors = all_vectors[[row_of[c.id] for c in involved]] if involved else all_vectors[:0]
    clusters, verdicts, meta, unworthy = score_pairs(involved, involved_vectors, pairs, keyed, slots, nli, lexicon, config, progress)
    # Report: new documents, plus archive documents that appear in findings (with all their claims).
    min_score = config.min_score
    in_findings = {by_id[cid].doc_id for v in verdicts
                   if v.label in (Verdict.CONTRADICTS, Verdict.AGREES) and v.score >= min_score for cid in (v.a, v.b)}
    shown_docs = list(documents) + [archive_docs[d] for d in touched if d in in_findings]
    shown_ids = {d.id for d in shown_docs}
    shown_claims = list(claims) + [c for c in archive_claims if c.doc_id in shown_ids and c.doc_id not in new_docs]
    shown_claim_ids = {c.id for c in shown_claims}
    clusters = [Cluster(cl.id, cl.topic, tuple(i for i in cl.claim_ids if i in shown_claim_ids)) for cl in clusters]
    clusters = [cl for cl in clusters if len({by_id[i].doc_id for i in cl.claim_ids}) >= 2]
    meta = meta | {"archive": str(archive.path), "archive_documents": str(len(stored.documents)),
                   "archive_claims": str(len(stored.claims))}
    unworthy = tuple(u for u in unworthy if by_id[u.where].doc_id in new_docs)
    return _report(shown_docs, shown_claims, clusters, verdicts, inputs, warnings, embedder, nli, min_score, meta, unworthy)
