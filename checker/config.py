"""Run configuration: one frozen record built by the CLI (or by library users) and passed down."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def default_cache_dir() -> Path:
    """Embedding/score cache folder: $VNCHECK_CACHE, else the platform cache folder."""
    env = os.environ.get("VNCHECK_CACHE")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("vncheck"))


def default_archive_path() -> Path:
    """Archive file: $VNCHECK_ARCHIVE, else ``archive.sqlite`` in the platform data folder.

    Example:
        >>> default_archive_path().name
        'archive.sqlite'
    """
    env = os.environ.get("VNCHECK_ARCHIVE")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("vncheck")) / "archive.sqlite"


@dataclass(frozen=True)
class Config:
    """Thresholds, model names and folders for one run.

    Example:
        >>> Config(min_score=0.7).min_score
        0.7
    """

    embedder: str = "e5-small.v1"
    nli: str | None = "vncheck-nli.v4"  # None: structured checks only
    nli_model_path: str | None = None  # local Hugging Face NLI model; overrides ``nli``
    nli_runtime: str = "auto"  # own model: "onnx" (fp32 ONNX Runtime), "onnx-int8", "torch", "auto"
    device: str = "cpu"
    cache_dir: Path | None = field(default_factory=default_cache_dir)  # None: no cache
    min_score: float = 0.5  # findings below this score are not reported
    neighbours: int = 4  # nearest cross-document neighbours per claim
    # e5 cosines are compressed: on news, half of all cross-document sentence pairs score
    # above 0.81 and 10% above 0.855, so only the closest tenth count as "same thing".
    min_similarity: float = 0.86
    slot_partners: int = 4  # partners per claim that share a blocking key (same relation/event/measure)
    topic_similarity: float = 0.88  # cosine for grouping near-paraphrases into one topic
    max_bytes: int = 2_000_000  # larger documents are skipped with a warning
    document_seconds: float | None = 120.0  # a document taking longer to split is skipped with a warning (None: no limit)
    lexicon_paths: tuple[str, ...] = ()
    knn_method: str = "auto"  # nearest-neighbour search: auto, exact or usearch (see checker/knn.py)
    # Cheap filters before NLI (checker/prefilter.py): similarity-only pairs with nothing to
    # compare are dropped, near-duplicates skip NLI. Slot-key pairs always pass.
    prefilter: bool = True
    checkworthy_only: bool = True  # pair only claims with a content anchor (checker/checkworthy.py)
    prefilter_similarity: float = 0.90  # similarity-only pairs at or above this always go to NLI
    # NLI budget (checker/prefilter.py, rule 3): each claim's closest similarity-only partners
    # that NLI verifies; the others get the structured checks (and NLI where those find
    # something). It applies to checks of at least nli_budget_from claims (about 250 news
    # articles): smaller checks are cheap enough for NLI on every pair. nli_partners 0: no budget.
    nli_partners: int = 2
    nli_budget_from: int = 5000
    # Where embedding and NLI run: "local" (this process) or "ray" (Ray actors; see
    # checker/backends/distributed.py). ray_address None starts a local Ray.
    engine: str = "local"
    ray_address: str | None = None
    ray_workers: int = 2
    duplicate_ratio: float = 95.0  # rapidfuzz ratio (0-100) from which same-language claims are near-duplicates
