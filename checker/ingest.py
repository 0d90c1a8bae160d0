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
import logging
import re
from collections.abc import Sequence
from pathlib import Path

from .errors import InputError
from .language import detect_language, identify, language_name
from .records import Document, Skipped
from .textclean import build_markup, count_words, ends_sentence, markup_kind

logger = logging.getLogger(__name__)

#: File types read from folders (and accepted as explicit files).
SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
DEFAULT_MAX_BYTES = 2_000_000

# Codes of the InputErrors raised here (E100 is InputError's generic code).
E_MISSING = "E101"
E_NO_FILES = "E102"
E_EMPTY = "E103"
E_BINARY = "E104"
E_UNDECODABLE = "E105"
E_TOO_LARGE = "E106"
E_LANGUAGE = "E107"
E_NO_SENTENCES = "E108"
E_UNREADABLE = "E109"

# Signatures of common binary formats people drop into a folder of articles by mistake.
_MAGIC = (
    b"%PDF", b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf",
    b"\xd0\xcf\x11\xe0",  # PDF, zip/docx, PNG, GIF, JPEG, gzip, rar, 7z, old MS Office
)
_UTF8_SEQ = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
# charset-normalizer's "chaos" above this means the bytes decode to gibberish in every candidate.
_MAX_CHAOS = 0.25


class _CodedInputError(InputError):
    """An InputError with a specific code (E101...), still caught as InputError."""

    def __init__(self, code: str, message: str, fix: str = "") -> None:
        self.code = code
        super().__init__(message, fix)


def input_error(code: str, message: str, fix: str = "") -> InputError:
    """Build an ``InputError`` carrying one of the codes above.

    Example:
        >>> str(input_error(E_EMPTY, "'a.txt' is empty.", "add text."))
        "[E103] 'a.txt' is empty. Fix: add text."
    """
    return _CodedInputError(code, message, fix)


_err = input_error


def _is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def discover(paths: Sequence[str | Path]) -> list[Path]:
    """Expand files and folders into the sorted list of documents to check.

    Folders are searched recursively for .txt, .md, .markdown, .html and .htm files;
    hidden files and folders (".git") are left out.

    Args:
        paths: files and/or folders.

    Returns:
        Unique file paths, sorted.

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
            raise _err(E_MISSING, f"'{path}' does not exist.", "check the path and its spelling.")
        if path.is_dir():
            files = [
                f for f in path.rglob("*")
                if f.is_file() and _is_supported(f)
                and not any(part.startswith(".") for part in f.relative_to(path).parts)
            ]
            if not files:
                raise _err(
                    E_NO_FILES, f"'{path}' holds no {', '.join(SUFFIXES)} files.",
                    "point to a folder with articles, or to the files themselves.",
                )
            for f in files:
                found.setdefault(f.resolve(), f)
        elif path.is_file():
            if not _is_supported(path):
                raise _err(
                    E_NO_FILES, f"'{path}' is not a {', '.join(SUFFIXES)} file.",
                    "convert it to plain text, markdown or HTML first.",
                )
            found.setdefault(path.resolve(), path)
        else:
            raise _err(E_MISSING, f"'{path}' is not a regular file or folder.", "pass a file or a folder.")
    return sorted(found.values(), key=lambda p: (str(p).lower(), str(p)))


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head or head.startswith(_MAGIC):
        return True
    # Text has almost no C0 control bytes besides tab, newline, carriage return and form feed.
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > 0.05 * len(head)


def decode_bytes(data: bytes, name: str) -> tuple[str, str]:
    """Decode a file's bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else detected.

    Legacy 8-bit files are detected with charset-normalizer; among equally plausible
    code pages cp1252 wins, as it is what German and English Windows software writes.

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
                E_UNDECODABLE, f"'{name}' has a UTF-8 mark but invalid bytes at byte {e.start}.",
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
            raise _err(E_UNDECODABLE, f"'{name}' is not valid {enc.upper()}.", "re-save the file as UTF-8.") from None
    if _looks_binary(data):
        raise _err(
            E_BINARY, f"'{name}' is a binary file, not text.",
            "pass .txt, .md or .html articles (convert PDF or Word files to text first).",
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        first_bad = e.start
    # Valid multi-byte UTF-8 next to invalid bytes means a damaged UTF-8 file: guessing a
    # code page would turn every umlaut into mojibake, so refuse instead.
    high = sum(1 for b in data if b >= 0x80)
    in_seqs = sum(len(m.group(0)) for m in _UTF8_SEQ.finditer(data))
    if in_seqs and in_seqs >= high - in_seqs:
        raise _err(
            E_UNDECODABLE, f"'{name}' is UTF-8 with invalid bytes (first at byte {first_bad}).",
            "repair or re-save the file as UTF-8.",
        )
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a declared dependency
        from_bytes = None
    if from_bytes is not None:
        matches = from_bytes(data)
        best = matches.best()
        if best is None or best.chaos > _MAX_CHAOS:
            raise _err(
                E_UNDECODABLE, f"'{name}' has undecodable bytes (first at byte {first_bad}).",
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
        text = data.decode(enc)
    except (UnicodeDecodeError, LookupError):
        raise _err(
            E_UNDECODABLE, f"'{name}' has undecodable bytes (first at byte {first_bad}).",
            "re-save the file as UTF-8.",
        ) from None
    logger.info("%s: decoded as %s", name, enc)
    return text, enc


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
        raise _err(E_MISSING, f"'{name}' does not exist.", "check the path and its spelling.")
    if path.is_dir():
        raise _err(E_MISSING, f"'{name}' is a folder, not a file.", "pass it as an input path to expand it.")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise _err(
                E_TOO_LARGE,
                f"'{name}' is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB per document.",
                "split it into articles, or raise the limit (max_bytes / --max-bytes).",
            )
        data = path.read_bytes()
    except OSError as e:
        raise _err(E_UNREADABLE, f"'{name}' cannot be read ({e.strerror or e}).", "check its permissions.") from None
    if not data.strip():
        raise _err(E_EMPTY, f"'{name}' is empty.", "remove it or add the article text.")
    text, encoding = decode_bytes(data, name)
    if not text.strip():
        raise _err(E_EMPTY, f"'{name}' is empty.", "remove it or add the article text.")
    markup = build_markup(text, markup_kind(name, text))
    clean = markup.clean(0, len(markup.mask))
    if not clean:
        raise _err(E_NO_SENTENCES, f"'{name}' has no text outside its markup.", "check that it is an article.")
    lang, confidence = detect_language(clean)
    if lang == "other":
        code, _ = identify(clean)[0]
        raise _err(
            E_LANGUAGE,
            f"'{name}' is in {language_name(code)} ({code}); vncheck checks German and English.",
            "pass German or English articles (translate this one first).",
        )
    if not _has_sentence(markup):
        raise _err(
            E_NO_SENTENCES, f"'{name}' has no sentences to check (only headings or fragments).",
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
            logger.warning("%s", e)
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
