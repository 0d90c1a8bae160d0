"""vncheck: cross-source, cross-language claim consistency checker for news."""
from __future__ import annotations

import os

__version__ = "0.1.0"

#: Switched off before any library loads (this module runs first on every ``import checker...``):
#: vncheck promises newsrooms that nothing leaves the machine at run time. ONNX Runtime's
#: official builds send usage events over HTTPS and keep a device id under the user's cache
#: folder (~/.cache/Microsoft/DeveloperTools/.onnxruntime) unless ORT_DISABLE_TELEMETRY is set
#: before it initialises; Hugging Face and Ray have their own switches.
NO_TELEMETRY = {
    "ORT_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "RAY_USAGE_STATS_ENABLED": "0",
}
#: Offline switches: vncheck only ever loads local files. A value the user set explicitly is kept.
OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
}
os.environ.update(NO_TELEMETRY)
for _name, _value in OFFLINE.items():
    os.environ.setdefault(_name, _value)

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
