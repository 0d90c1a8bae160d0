"""vncheck: cross-source, cross-language claim consistency checker for news."""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "check"]


def check(paths, config=None):
    """Check files/folders and return a Report (see checker.pipeline.run).

    Example:
        >>> report = check(["seeds/"])  # doctest: +SKIP
        >>> len(report.findings()) > 0  # doctest: +SKIP
        True
    """
    from .config import Config
    from .pipeline import run

    return run(paths, config or Config())
