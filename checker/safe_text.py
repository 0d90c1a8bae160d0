"""Make untrusted text safe to print: control characters become visible escapes.

Article text, titles and file names come from outside. Printed as they are, an
escape sequence clears the screen, an OSC 8 sequence plants a hyperlink, an OSC 52
sequence writes the clipboard, a carriage return or newline overwrites or forges a
line ("warning: ..."), and a bidi override shows text in another order than it is
stored. Every renderer (terminal, Markdown, text) and every warning and error line
passes such text through :func:`visible`, which shows these characters as Python
escapes (``\\x1b``, ``\\u202e``) instead of letting the terminal act on them.
"""
from __future__ import annotations

import re

# C0 controls, DEL and C1 controls (the terminal acts on them); lone surrogates
# (they cannot be encoded for output); bidi embeddings, overrides, isolates and
# marks (they reorder what is shown); line and paragraph separators (some
# terminals break lines on them); Unicode tag characters (invisible text).
# Tab and newline are matched too; ``keep`` decides whether they stay.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
    "\U000e0000-\U000e007f]"
)


_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(ch: str) -> str:
    if ch in _SHORT:
        return _SHORT[ch]
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(text: str, *, keep: str = "") -> str:
    """Show control, bidi and other invisible formatting characters as escapes.

    Args:
        text: untrusted text (an article sentence, a title, a file name, a message).
        keep: characters among tab and newline that stay as they are, for text that
            may span lines (``keep="\\n\\t"``). By default everything is escaped, so
            the result is one line that cannot start a new one.

    Returns:
        The text, with each such character replaced by its Python escape
        (``\\n``, ``\\x1b``, ``\\x85``, ``\\u202e``, ``\\U000e0041``). Letters, punctuation,
        emoji, soft hyphens and zero-width joiners are left alone.

    Example:
        >>> visible("a\\x1b[2Jb\\nwarning: c")
        'a\\\\x1b[2Jb\\\\nwarning: c'
        >>> visible("Zeile 1\\nZeile 2", keep="\\n")
        'Zeile 1\\nZeile 2'
    """
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(lambda m: m.group(0) if m.group(0) in keep else _escape(m.group(0)), text)


def visible_name(path: object) -> str:
    """A file name or path for a message: one line, quoted, with control characters escaped.

    Args:
        path: a path or string.

    Returns:
        ``'name'`` in single quotes.

    Example:
        >>> visible_name("b\\nwarning: forged.txt")
        "'b\\\\nwarning: forged.txt'"
    """
    return f"'{visible(str(path))}'"
