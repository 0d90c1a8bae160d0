"""A backend that loads its model at the first call that needs it.

A repeated ``vncheck check`` finds every vector in the embedding cache and every NLI score in
the pair-score cache: with ``LazyBackend`` it then never loads a model (about 7 s of ONNX
sessions and tokenizer on 2 cores). The backend's ``name`` is known before loading, so the
caches can be asked first.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import VncheckError


class LazyBackend:
    """Stands for the backend ``load()`` returns; loads it once, on the first ``encode`` or
    ``predict`` (or any other attribute the backend has).

    A load error is raised again on every later call, so that a broken model stops the run
    with its one-line error instead of leaving pair after pair unscored.

    ``preferred_chunk`` (only the Ray engine's pools set it; they are not lazy) is answered
    without loading.

    Example:
        >>> from checker.backends.fake import HashingEmbedder
        >>> lazy = LazyBackend("fake.v1", HashingEmbedder)
        >>> lazy.name, lazy.loaded
        ('fake.v1', False)
        >>> lazy.encode(["a b"]).shape, lazy.loaded
        ((1, 64), True)
    """

    def __init__(self, name: str, load: Callable[[], Any]) -> None:
        self.name = name
        self._load = load
        self._backend: Any = None
        self._error: VncheckError | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._backend is not None

    def backend(self) -> Any:
        """The loaded backend (loading it now if needed)."""
        with self._lock:
            if self._backend is None:
                if self._error is not None:
                    raise self._error
                start = time.perf_counter()
                try:
                    self._backend = self._load()
                except VncheckError as exc:
                    self._error = exc
                    raise
                # Part of the stage that first needed the model (benchmarks/seeds_timing.py reads this line).
                logging.getLogger("checker.stages").info("Stage 'Loading %s': %.2f s", self.name, time.perf_counter() - start)
            return self._backend

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.backend().encode(texts)

    def predict(self, pairs: Sequence[tuple[str, str]]) -> list[dict[str, float]]:
        return self.backend().predict(pairs)

    def __getattr__(self, attribute: str) -> Any:
        # Only called for attributes this proxy lacks.
        if attribute.startswith("_") or (attribute == "preferred_chunk" and self._backend is None):
            raise AttributeError(attribute)
        return getattr(self.backend(), attribute)
