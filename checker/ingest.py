"""Stage 1: find input files and turn each into a ``Document``.

A ``Document`` keeps the decoded original text unchanged; markup is handled by
the same-length mask in ``textclean`` so that claim offsets index this text.
Every problem with an input becomes an ``InputError`` whose one-line message
names the file; ``load_documents`` turns those into ``Skipped`` records so the
other documents are still checked.
"""
from __future__ import annotations

import codecs
import dataclasses
import errno
import logging
import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path

from .errors import (
    E_BINARY,
    E_DANGLING_LINK,
    E_EMPTY,
    E_LANGUAGE,
    E_LINK_LOOP,
    E_MISSING,
    E_NO_FILES,
    E_NO_SENTENCES,
    E_TOO_LARGE,
    E_TSV_BINARY,
    E_TSV_NOT_UTF8,
    E_TSV_UNREADABLE,
    E_UNDECODABLE,
    E_UNREADABLE,
    E_UNREADABLE_FOLDER,
    E_UNSUPPORTED,
    InputError,
)
from .language import NO_LANGUAGE, detect_language, identify, language_name
from .records import Document, Skipped
from .safe_text import visible_name
from .textclean import build_markup, count_words, ends_sentence, markup_kind

logger = logging.getLogger(__name__)

#: File types read from folders (and accepted as explicit files).
SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
DEFAULT_MAX_BYTES = 2_000_000

# The codes of the InputErrors raised here live in checker/errors.py (E_MISSING, E_EMPTY, ...).

# Signatures of common binary formats people drop into a folder of articles by mistake.
_MAGIC = (
    b"%PDF", b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf",
    b"\xd0\xcf\x11\xe0",  # PDF, zip/docx, PNG, GIF, JPEG, gzip, rar, 7z, old MS Office
)
# Valid UTF-8 sequences only: encoded surrogates (ED A0 80) and overlong forms are not UTF-8,
# and decoding them as such raised UnicodeDecodeError (found by tests/test_fuzz.py).
_UTF8_SEQ = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
# 8-bit code pages in which a UTF-8 word may hide (a cp1252 article with one pasted UTF-8 name).
_LATIN_CODEPAGES = ("cp1252", "latin_1", "iso8859_15", "iso8859_1", "windows_1252")
# charset-normalizer's "chaos" above this means the bytes decode to gibberish in every candidate.
_MAX_CHAOS = 0.25


def input_error(code: str, message: str, fix: str = "") -> InputError:
    """Build an ``InputError`` carrying one of the codes of ``checker.errors``.

    Example:
        >>> str(input_error(E_EMPTY, "'a.txt' is empty.", "add text."))
        "[E103] 'a.txt' is empty. Fix: add text."
    """
    return InputError(message, fix, code=code)


_err = input_error
#: A file name for a message: quoted, one line, control characters shown as escapes.
_q = visible_name


def _is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def discover(paths: Sequence[str | Path]) -> list[Path]:
    """Expand files and folders into the sorted list of documents to check.

    Folders are searched recursively for .txt, .md, .markdown, .html and .htm files;
    hidden files and folders (".git") are left out; links are followed. What cannot be
    read is not dropped in silence: an unreadable subfolder, a link to a missing file
    and a link loop are listed too, and ``load_document`` turns each into a one-line
    error (so ``load_documents`` makes it a warning and a skipped entry).

    Args:
        paths: files and/or folders.

    Returns:
        Unique paths, sorted: the files, plus the unreadable entries found in folders.

    Raises:
        InputError: a path does not exist, a folder holds no such file, or a file has
            another type.

    Example:
        >>> discover(["seeds"])[:1]
        [PosixPath('seeds/000_0e98a0b1cc9ab085.txt')]
    """
    if not paths:
        raise _err(E_MISSING, "No input given.", "pass one or more files or folders.")
    found: dict[Path, Path] = {}
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise _link_error(path) or _err(E_MISSING, f"{_q(path)} does not exist.", "check the path and its spelling.")
        if path.is_dir():
            files = _walk(path)
            if not files:
                raise _err(
                    E_NO_FILES, f"{_q(path)} holds no {', '.join(SUFFIXES)} files.",
                    "point to a folder with articles, or to the files themselves.",
                )
            for f in files:
                found.setdefault(_identity(f), f)
        elif path.is_file():
            if not _is_supported(path):
                raise _err(
                    E_UNSUPPORTED, f"{_q(path)} is not a {', '.join(SUFFIXES)} file.",
                    "convert it to plain text, markdown or HTML first.",
                )
            found.setdefault(_identity(path), path)
        else:
            raise _err(E_MISSING, f"{_q(path)} is not a regular file or folder.", "pass a file or a folder.")
    return sorted(found.values(), key=lambda p: (str(p).lower(), str(p)))


def _walk(root: Path) -> list[Path]:
    """Supported files under ``root`` (links followed), plus the entries that cannot be read.

    Unreadable folders, links to missing files and link loops are returned as they are,
    for ``load_document`` to name; pathlib's ``rglob`` would drop them without a word.
    Each folder is entered once, however many links lead to it.
    """
    out: list[Path] = []
    visited: set[tuple[int, int]] = set()
    stack: list[tuple[Path, frozenset]] = [(root, frozenset())]
    while stack:
        folder, above = stack.pop()
        try:
            info = os.stat(folder)
        except OSError:
            out.append(folder)
            continue
        key = (info.st_dev, info.st_ino)
        if key in above:  # a link back to a folder above it
            out.append(folder)
            continue
        if key in visited:  # reached again through another link: its files are already listed
            continue
        visited.add(key)
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            out.append(folder)
            continue
        for entry in reversed(entries):  # the stack pops the first name first
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if entry.is_symlink() and _link_error(path) is not None:
                    out.append(path)  # a link to a folder above it: named, not walked again
                else:
                    stack.append((path, above | {key}))
                continue
            try:
                regular = entry.is_file()
            except OSError:
                regular = False
            broken = not regular and entry.is_symlink()
            if (regular and _is_supported(path)) or (broken and (_is_supported(path) or _is_loop(path))):
                out.append(path)
    return out


def _identity(path: Path) -> Path:
    """The key under which a path counts once: its resolved form, or itself for a link loop."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # Python 3.11 raises RuntimeError on link loops
        return path.absolute()


def _is_loop(path: Path) -> bool:
    try:
        os.stat(path)
    except OSError as e:
        return e.errno == errno.ELOOP
    return False


def _link_error(path: Path) -> InputError | None:
    """The error for a link that leads nowhere (missing target, loop), or None for anything else."""
    if not path.is_symlink():
        return None
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return _err(E_DANGLING_LINK, f"{_q(path)} is a link to {_q(target)}, which does not exist.",
                    "fix or remove the link.")
    except OSError as e:
        if e.errno == errno.ELOOP:
            return _err(E_LINK_LOOP, f"{_q(path)} is a link that leads back to itself.", "fix or remove the link.")
        return None
    if stat.S_ISDIR(info.st_mode):
        real, parent = _identity(path), _identity(path.parent)
        if real == parent or real in parent.parents:
            return _err(E_LINK_LOOP, f"{_q(path)} is a link to a folder above it ({_q(target)}).",
                        "fix or remove the link; its documents are checked through their own folder.")
    return None


def _folder_error(path: Path) -> InputError:
    """Why a folder was handed to ``load_document``: a link loop, unreadable, or simply a folder."""
    loop = _link_error(path)
    if loop is not None:
        return loop
    try:
        with os.scandir(path):
            pass
    except OSError as e:
        return _err(E_UNREADABLE_FOLDER, f"Folder {_q(path)} cannot be read ({e.strerror or e}); its documents are not checked.",
                    "check its permissions.")
    return _err(E_MISSING, f"{_q(path)} is a folder, not a file.", "pass it as an input path to expand it.")


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head or head.startswith(_MAGIC):
        return True
    # Text has almost no C0 control bytes besides tab, newline, carriage return and form feed.
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > 0.05 * len(head)


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text without a byte-order mark, told apart from binary data by where its NUL bytes are.

    German and English text in UTF-16 has a NUL in (almost) every second byte: the high
    byte of each Latin character. Binary data has NULs anywhere, or in both halves.
    """
    head = data[:8192]
    half = len(head) // 2
    if half < 8 or head.startswith(_MAGIC):
        return None
    even_nuls, odd_nuls = head[0::2].count(0), head[1::2].count(0)
    for enc, nuls, others in (("utf-16-le", odd_nuls, even_nuls), ("utf-16-be", even_nuls, odd_nuls)):
        if nuls >= 0.7 * half and others <= 0.01 * half:
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            printable = sum(1 for ch in text[:4096] if ch.isprintable() or ch in "\t\n\r\f")
            if printable >= 0.95 * len(text[:4096]):
                return text, enc
    return None


def _plausible_utf8(ch: str) -> bool:
    """A character a UTF-8 sequence in a Western text stands for: Latin letters, typographic punctuation, currency.

    In cp1252 text, byte pairs such as "ß“" (DF 93) also form valid UTF-8 (U+07D3, an NKo
    letter); only characters at home in German or English text count as UTF-8.
    """
    code = ord(ch)
    return (0xA0 <= code <= 0x24F or 0x1E00 <= code <= 0x1EFF  # Latin, and Vietnamese names
            or 0x2010 <= code <= 0x205E or 0x20A0 <= code <= 0x20C0 or code == 0x2122)


def _without_utf8(data: bytes) -> bytes:
    """``data`` without the UTF-8 sequences ``_decode_mixed`` would decode as UTF-8."""
    return _UTF8_SEQ.sub(lambda m: b"" if _plausible_utf8(m.group(0).decode("utf-8")) else m.group(0), data)


def _decode_mixed(data: bytes, enc: str) -> tuple[str, int]:
    """Decode 8-bit text in which some UTF-8 sequences hide (a cp1252 file with a pasted UTF-8 word).

    Returns:
        (text, number of UTF-8 sequences decoded as UTF-8).
    """
    parts: list[str] = []
    pos = used = 0
    for m in _UTF8_SEQ.finditer(data):
        ch = m.group(0).decode("utf-8")
        if not _plausible_utf8(ch):
            continue
        parts.append(data[pos:m.start()].decode(enc))
        parts.append(ch)
        pos = m.end()
        used += 1
    parts.append(data[pos:].decode(enc))
    return "".join(parts), used


def decode_bytes(data: bytes, name: str) -> tuple[str, str]:
    """Decode a file's bytes: UTF-8 (with or without BOM), UTF-16 (with or without BOM), else detected.

    Legacy 8-bit files are detected with charset-normalizer; among equally plausible
    code pages cp1252 wins, as it is what German and English Windows software writes.
    UTF-8 words inside such a file ("München" pasted into a cp1252 article) are decoded as
    UTF-8, not turned into mojibake ("MÃ¼nchen"); the encoding is then reported as
    e.g. "cp1252+utf-8".

    Args:
        data: the raw bytes (not empty).
        name: the file name for error messages.

    Returns:
        (text, encoding name).

    Raises:
        InputError: binary data, or bytes no encoding turns into sensible text.

    Example:
        >>> decode_bytes("Größe".encode("cp1252") * 20, "x.txt")[1]
        'cp1252'
    """
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError as e:
            raise _err(
                E_UNDECODABLE, f"{_q(name)} has a UTF-8 mark but invalid bytes at byte {e.start}.",
                "re-save the file as UTF-8.",
            ) from None
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        enc = "utf-32"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        enc = "utf-16"
    else:
        enc = ""
    if enc:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            raise _err(E_UNDECODABLE, f"{_q(name)} is not valid {enc.upper()}.", "re-save the file as UTF-8.") from None
    if b"\x00" in data[:8192]:
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            logger.info("%s: decoded as %s (no byte-order mark)", _q(name), utf16[1])
            return utf16
    if _looks_binary(data):
        raise _err(
            E_BINARY, f"{_q(name)} is a binary file, not text.",
            "pass .txt, .md or .html articles (convert PDF or Word files to text first).",
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        first_bad = e.start
    # Valid multi-byte UTF-8 next to invalid bytes means a damaged UTF-8 file: guessing a
    # code page would turn every umlaut into mojibake, so refuse instead.
    high = sum(1 for b in data if b >= 0x80)
    in_seqs = sum(len(m.group(0)) for m in _UTF8_SEQ.finditer(data) if _plausible_utf8(m.group(0).decode("utf-8")))
    if in_seqs and in_seqs >= high - in_seqs:
        raise _err(
            E_UNDECODABLE, f"{_q(name)} is UTF-8 with invalid bytes (first at byte {first_bad}).",
            "repair or re-save the file as UTF-8.",
        )
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a declared dependency
        from_bytes = None
    if from_bytes is not None:
        # The code page is told by the bytes outside the UTF-8 words a file may hold.
        matches = from_bytes(_without_utf8(data) if in_seqs else data)
        best = matches.best()
        if best is None or best.chaos > _MAX_CHAOS:
            raise _err(
                E_UNDECODABLE, f"{_q(name)} has undecodable bytes (first at byte {first_bad}).",
                "re-save the file as UTF-8.",
            )
        enc = best.encoding
        for m in matches:
            if m.chaos <= best.chaos + 0.02 and "cp1252" in m.could_be_from_charset:
                enc = "cp1252"
                break
    else:
        enc = "cp1252"
    try:
        if in_seqs and enc in _LATIN_CODEPAGES:
            text, used = _decode_mixed(data, enc)
            if used:
                logger.info("%s: decoded as %s with %d UTF-8 sequences", _q(name), enc, used)
                return text, f"{enc}+utf-8"
        text = data.decode(enc)
    except (UnicodeDecodeError, LookupError):
        raise _err(
            E_UNDECODABLE, f"{_q(name)} has undecodable bytes (first at byte {first_bad}).",
            "re-save the file as UTF-8.",
        ) from None
    logger.info("%s: decoded as %s", _q(name), enc)
    return text, enc


def read_table_text(path: Path) -> str:
    """The text of a tab-separated input file (``compare --tsv``, ``nli-eval``), or a one-line error.

    Tables are read as UTF-8 (a BOM, or a UTF-16 BOM, is honoured); unlike articles they
    are not guessed at, since a wrongly decoded premise would silently change a verdict.

    Args:
        path: the file.

    Returns:
        Its decoded text.

    Raises:
        InputError: the file cannot be read (E145), is binary (E144) or is not UTF-8 (E143).

    Example:
        >>> read_table_text(Path("tests/data/claim_pairs.tsv")).startswith("premise")
        True
    """
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise _err(E_TSV_UNREADABLE, f"{_q(path)} cannot be read ({e.strerror or e}).", "check the path and its permissions.") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise _err(E_TSV_NOT_UTF8, f"{_q(path)} is not valid UTF-16.", "re-save it as UTF-8.") from None
    if b"\x00" in data[:8192] or data.startswith(_MAGIC):
        raise _err(E_TSV_BINARY, f"{_q(path)} is a binary file, not a tab-separated text file.", "pass a .tsv text file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise _err(E_TSV_NOT_UTF8, f"{_q(path)} is not UTF-8 (invalid byte 0x{data[e.start]:02x} in line {line}).",
                   "re-save it as UTF-8 (e.g. iconv -f latin1 -t utf-8).") from None


def _has_sentence(markup) -> bool:
    """True when some line could hold a claim: four words and a sentence end, or a long line."""
    if any(not row.header for row in markup.tables):
        return True
    table_lines = {row.start for row in markup.tables}
    for s, e in markup.lines():
        if s in table_lines:
            continue
        line = markup.clean(s, e)
        words = count_words(line)
        if words >= 4 and (ends_sentence(line) or words > 16 or re.search(r"\w[.!]\s+\S", line)):
            return True
    return False


def load_document(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read, decode and check one file.

    Args:
        path: a .txt, .md or .html file.
        max_bytes: larger files are refused (a 5 MB file is not a news article).

    Returns:
        A ``Document`` with ``id`` = file stem, ``text`` = the decoded text as is,
        ``lang``, ``title``, ``published`` and ``encoding``.

    Raises:
        InputError: missing, too large, empty, binary or undecodable file, a language
            other than German or English, or no sentence to check. The message names the file.

    Example:
        >>> doc = load_document(Path("tests/fixtures/de_bericht.txt"))
        >>> doc.lang, doc.id
        ('de', 'de_bericht')
    """
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise _link_error(path) or _err(E_MISSING, f"{_q(name)} does not exist.", "check the path and its spelling.")
    if path.is_dir():
        raise _folder_error(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a pipe or device would block the read
            raise _err(E_MISSING, f"{_q(name)} is not a regular file.", "pass a file or a folder.")
        size = info.st_size
        if size > max_bytes:
            raise _err(
                E_TOO_LARGE,
                f"{_q(name)} is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB per document.",
                "split it into articles, or raise the limit (max_bytes / --max-bytes).",
            )
        data = path.read_bytes()
    except OSError as e:
        raise _err(E_UNREADABLE, f"{_q(name)} cannot be read ({e.strerror or e}).", "check its permissions.") from None
    if not data.strip():
        raise _err(E_EMPTY, f"{_q(name)} is empty.", "remove it or add the article text.")
    text, encoding = decode_bytes(data, name)
    if not text.strip():
        raise _err(E_EMPTY, f"{_q(name)} is empty.", "remove it or add the article text.")
    markup = build_markup(text, markup_kind(name, text))
    clean = markup.clean(0, len(markup.mask))
    if not clean:
        raise _err(E_NO_SENTENCES, f"{_q(name)} has no text outside its markup.", "check that it is an article.")
    lang, confidence = detect_language(clean)
    if lang == "other":
        code = next((c for c, _ in identify(clean) if c not in NO_LANGUAGE), "?")
        raise _err(
            E_LANGUAGE,
            f"{_q(name)} is in {language_name(code)} ({code}); vncheck checks German and English "
            f"(detector confidence {confidence:.2f}).",
            "pass German or English articles (translate this one first).",
        )
    if not _has_sentence(markup):
        raise _err(
            E_NO_SENTENCES, f"{_q(name)} has no sentences to check (only headings or fragments).",
            "pass articles with running text.",
        )
    logger.debug(
        "%s: %s (%.2f), %s, title=%r, published=%s", name, lang, confidence, encoding, markup.title, markup.published
    )
    return Document(
        id=path.stem, path=name, lang=lang, text=text,
        title=markup.title, published=markup.published, encoding=encoding,
    )


def load_documents(
    paths: Sequence[Path], max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[Document], list[Skipped]]:
    """Load several files; a bad one becomes a warning and a ``Skipped`` record.

    Documents whose file stems collide (``a/x.txt``, ``b/x.txt``) get ids "x", "x-2", ...
    in the order given (``discover`` sorts it).

    Args:
        paths: files, e.g. from ``discover``.
        max_bytes: size limit per file.

    Returns:
        (documents, skipped files with their one-line error message).

    Example:
        >>> docs, skipped = load_documents(discover(["seeds"]))
        >>> len(docs), skipped
        (5, [])
    """
    docs: list[Document] = []
    skipped: list[Skipped] = []
    used: set[str] = set()
    for path in paths:
        try:
            doc = load_document(Path(path), max_bytes=max_bytes)
        except InputError as e:
            # Debug only: the message reaches the user once, as a warning of the Report.
            logger.debug("%s", e)
            skipped.append(Skipped(where=str(path), reason=str(e)))
            continue
        doc_id, n = doc.id, 1
        while doc_id in used:
            n += 1
            doc_id = f"{doc.id}-{n}"
        used.add(doc_id)
        if doc_id != doc.id:
            logger.info("%s: id %r is taken, using %r", path, doc.id, doc_id)
            doc = dataclasses.replace(doc, id=doc_id)
        docs.append(doc)
    return docs, skipped
