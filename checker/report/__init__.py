"""Report renderers, registered by format name.

Modelled on datasette's ``register_output_renderer``: a renderer is a name, a
file extension and a ``render(report) -> str`` function. The built-in formats
("json", "markdown", "html", "rich") are registered through the same registry
and import their module (and rich/jinja2) only when first used.

Example:
    >>> from checker.report import get_renderer  # doctest: +SKIP
    >>> info = get_renderer("markdown")  # doctest: +SKIP
    >>> path = Path("reports/check" + info.extension)  # doctest: +SKIP
    >>> write_report_atomically(info.render(report), path)  # doctest: +SKIP
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

from ..errors import E_UNKNOWN_FORMAT, InputError
from ..records import Report
from .write import write_report_atomically

__all__ = [
    "RendererInfo",
    "UnknownFormatError",
    "available_formats",
    "get_renderer",
    "register_renderer",
    "write_report_atomically",
]

Render = Callable[[Report], str]


@dataclass(frozen=True, slots=True)
class RendererInfo:
    """A registered output format.

    ``extension`` includes the dot (".json"); ``render`` returns the whole report as text.
    """

    name: str
    extension: str
    render: Render


class UnknownFormatError(InputError, LookupError):
    """No renderer is registered under the requested format name."""


_RENDERERS: dict[str, RendererInfo] = {}


def register_renderer(name: str, extension: str, render: Render, *, replace: bool = False) -> RendererInfo:
    """Register a renderer under a format name.

    Args:
        name: Format name as the CLI's ``--format`` takes it, e.g. "csv".
        extension: File extension with or without the leading dot, e.g. ".csv".
        render: ``render(report) -> str``.
        replace: Allow replacing an already registered format.

    Returns:
        The registered :class:`RendererInfo`.

    Raises:
        ValueError: If ``name`` is empty or already taken and ``replace`` is false.

    Example:
        >>> register_renderer("ids", ".txt", lambda r: "\\n".join(c.id for c in r.claims))  # doctest: +SKIP
        RendererInfo(name='ids', extension='.txt', render=<function <lambda> at ...>)
    """
    if not name or not name.strip():
        raise ValueError("renderer name must not be empty")
    if name in _RENDERERS and not replace:
        raise ValueError(f"a renderer named {name!r} is already registered (pass replace=True)")
    if extension and not extension.startswith("."):
        extension = "." + extension
    info = RendererInfo(name=name, extension=extension, render=render)
    _RENDERERS[name] = info
    return info


def get_renderer(name: str) -> RendererInfo:
    """Look up a renderer by format name.

    Args:
        name: A name from :func:`available_formats`.

    Returns:
        The :class:`RendererInfo`.

    Raises:
        UnknownFormatError: If no renderer has that name (an :class:`~checker.errors.InputError`).

    Example:
        >>> get_renderer("json").extension  # doctest: +SKIP
        '.json'
    """
    try:
        return _RENDERERS[name]
    except KeyError:
        raise UnknownFormatError(
            f"Unknown report format '{name}'.", f"use one of: {', '.join(available_formats())}.", code=E_UNKNOWN_FORMAT
        ) from None


def available_formats() -> list[str]:
    """Names of all registered formats, sorted.

    Returns:
        For example ``["html", "json", "markdown", "rich"]``.

    Example:
        >>> "html" in available_formats()  # doctest: +SKIP
        True
    """
    return sorted(_RENDERERS)


def _lazy(module: str) -> Render:
    """A render function that imports ``checker.report.<module>`` on first call."""

    def render(report: Report) -> str:
        return importlib.import_module(f"{__name__}.{module}").render(report)

    render.__name__ = render.__qualname__ = f"{module}.render"
    render.__doc__ = f"Render with :func:`checker.report.{module}.render`."
    return render


# Built-ins go through the same registry as plugins (datasette's DEFAULT_PLUGINS).
register_renderer("json", ".json", _lazy("to_json"))
register_renderer("markdown", ".md", _lazy("to_markdown"))
register_renderer("html", ".html", _lazy("to_html"))
register_renderer("rich", ".txt", _lazy("to_terminal"))
