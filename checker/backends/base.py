"""Small interfaces every model backend implements."""
from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised vectors, one row per text."""

    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@runtime_checkable
class NliScorer(Protocol):
    """Scores (premise, hypothesis) pairs.

    ``predict`` always returns one dict per pair, keyed by the label names
    "entailment", "neutral", "contradiction" (probabilities summing to 1),
    whatever order the underlying checkpoint uses.
    """

    name: str

    def predict(self, pairs: Sequence[tuple[str, str]]) -> list[dict[str, float]]: ...
