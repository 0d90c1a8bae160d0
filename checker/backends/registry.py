"""Registry of model backends under versioned names ("fake.v1", "e5-small.v1", "vncheck-nli.v4")."""
from __future__ import annotations

import threading
from typing import Any, Callable

from ..errors import E_UNKNOWN_BACKEND, ModelLoadError

_EMBEDDERS: dict[str, Callable[..., Any]] = {}
_NLI: dict[str, Callable[..., Any]] = {}
_LOADED: dict[tuple, Any] = {}
_LOCK = threading.Lock()


def register_embedder(name: str) -> Callable:
    """Decorator: register a factory ``(**options) -> Embedder`` under ``name``."""

    def wrap(factory: Callable) -> Callable:
        _EMBEDDERS[name] = factory
        return factory

    return wrap


def register_nli(name: str) -> Callable:
    """Decorator: register a factory ``(**options) -> NliScorer`` under ``name``."""

    def wrap(factory: Callable) -> Callable:
        _NLI[name] = factory
        return factory

    return wrap


def _get(table: dict, kind: str, name: str, **options: Any) -> Any:
    if name not in table:
        raise ModelLoadError(
            f"Unknown {kind} backend '{name}'.", f"use one of: {', '.join(sorted(table))}.", code=E_UNKNOWN_BACKEND
        )
    key = (kind, name, tuple(sorted((k, str(v)) for k, v in options.items())))
    with _LOCK:
        # Load lazily, once per process and option set: model loading takes seconds.
        if key not in _LOADED:
            _LOADED[key] = table[name](**options)
        return _LOADED[key]


def get_embedder(name: str, **options: Any) -> Any:
    """Return the (cached) embedder registered as ``name``.

    Example:
        >>> get_embedder("fake.v1").encode(["a b"]).shape
        (1, 64)
    """
    _import_builtin()
    return _get(_EMBEDDERS, "embedder", name, **options)


def get_nli(name: str, **options: Any) -> Any:
    """Return the (cached) NLI scorer registered as ``name``."""
    _import_builtin()
    return _get(_NLI, "nli", name, **options)


def available() -> dict[str, list[str]]:
    """Names of all registered backends, by kind."""
    _import_builtin()
    return {"embedder": sorted(_EMBEDDERS), "nli": sorted(_NLI)}


def _import_builtin() -> None:
    # Importing the modules registers their factories; heavy imports stay inside the factories.
    from . import fake, hf_nli, e5  # noqa: F401
