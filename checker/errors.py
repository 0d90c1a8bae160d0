"""Domain errors. Each carries a code and a hint on how to fix it; only the CLI turns them into user errors."""
from __future__ import annotations


class VncheckError(Exception):
    """Base class: ``str(err)`` is one line, "[E001] what went wrong. Fix: what to do"."""

    code = "E000"

    def __init__(self, message: str, fix: str = "") -> None:
        self.message = message
        self.fix = fix
        text = f"[{self.code}] {message}"
        if fix:
            text += f" Fix: {fix}"
        super().__init__(text)


class InputError(VncheckError):
    """A path, file or document cannot be checked (missing, empty, binary, wrong language...)."""

    code = "E100"


class ModelLoadError(VncheckError):
    """A model could not be found or loaded locally."""

    code = "E200"


class BackendError(VncheckError):
    """A backend failed while scoring or embedding."""

    code = "E300"


class LexiconError(VncheckError):
    """A lexicon file is malformed."""

    code = "E400"
