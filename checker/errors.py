"""Domain errors. Each carries a code and a hint on how to fix it; only the CLI turns them into user errors.

Every distinct error has its own code, listed once in :data:`ERROR_CODES` (the README's
table is made from it). A raise site names its code with ``code=``; the class codes
(E100, E200, E300, E400) are left for errors not given a code of their own.
"""
from __future__ import annotations

# -- codes, by area. The modules that raise them import these names. --

# Input paths and documents (checker/ingest.py).
E_MISSING = "E101"
E_NO_FILES = "E102"
E_EMPTY = "E103"
E_BINARY = "E104"
E_UNDECODABLE = "E105"
E_TOO_LARGE = "E106"
E_LANGUAGE = "E107"
E_NO_SENTENCES = "E108"
E_UNREADABLE = "E109"
E_UNSUPPORTED = "E120"
E_UNREADABLE_FOLDER = "E121"
E_DANGLING_LINK = "E122"
E_LINK_LOOP = "E123"
E_TOO_SLOW = "E124"  # checker/segment.py: the per-document time budget
# Where reports go (checker/cli.py), checked before the work starts.
E_OUT_IS_FILE = "E130"
E_OUT_UNDER_FILE = "E131"
E_OUT_NOT_WRITABLE = "E132"
E_OUT_WRITE_FAILED = "E133"
# compare, compare --tsv and nli-eval.
E_COMPARE_ARGS = "E140"
E_COMPARE_BOTH = "E141"
E_TSV_HEADER = "E142"
E_TSV_NOT_UTF8 = "E143"
E_TSV_BINARY = "E144"
E_TSV_UNREADABLE = "E145"
E_BAD_DATE = "E146"
E_NLI_EVAL_HEADER = "E147"
# A run as a whole (checker/pipeline.py, checker/report/).
E_NOTHING_TO_CHECK = "E160"
E_UNKNOWN_ENGINE = "E161"
E_ARCHIVE_NO_CLAIMS = "E162"
E_ARCHIVE_DIMENSIONS = "E163"
E_UNKNOWN_FORMAT = "E164"
E_UNKNOWN_CLAIM = "E165"
# Models and backends.
E_UNKNOWN_BACKEND = "E201"
E_NLI_MODEL_MISSING = "E202"
E_NLI_MODEL_UNLOADABLE = "E203"
E_NLI_MODEL_LABELS = "E204"
E_ONNX_BUILD = "E205"
E_ONNX_UNAVAILABLE = "E206"
E_RAY_MISSING = "E207"
E_RAY_START = "E208"
E_RAY_WORKERS = "E209"
# Lexicon files (checker/checks/lexicon.py).
E_LEXICON_MISSING = "E401"
E_LEXICON_TOML = "E402"

#: Every code vncheck prints, with what it means. Codes of other modules (the archive,
#: the baseline) are listed here too, so that this table is the one place to look.
ERROR_CODES: dict[str, str] = {
    "E000": "internal error without a code (a bug: please report it)",
    "E100": "other input problem, named in the message (training data or dictionary not found for train-nli, "
            "an nli-eval file without usable rows, a library function called with inconsistent arguments)",
    E_MISSING: "a path does not exist, or is neither a file nor a folder",
    E_NO_FILES: "a folder holds no .txt, .md, .markdown, .html or .htm file",
    E_EMPTY: "a file is empty or holds only whitespace",
    E_BINARY: "a file is binary (PDF, Word, image, archive...), not text",
    E_UNDECODABLE: "a file's bytes are not valid text in any encoding vncheck reads",
    E_TOO_LARGE: "a file is larger than the per-document limit (2 MB)",
    E_LANGUAGE: "a document is neither German nor English",
    E_NO_SENTENCES: "a document has no sentence that states a claim",
    E_UNREADABLE: "a file cannot be read (permissions, I/O error)",
    "E110": "a file is not a vncheck archive",
    "E111": "no archive at the given path",
    "E112": "the archive was written by a newer vncheck",
    "E113": "the documents, claims and vectors given to the archive do not line up",
    "E114": "the archive file is damaged (truncated or corrupted pages, tables or vectors)",
    "E115": "the archive is busy: another vncheck is writing to it",
    "E116": "the archive cannot be created or opened where it is (folder missing, read-only, under a file)",
    "E117": "the archive was written by an older vncheck whose document ids were file stems",
    "E118": "the archive could not be read or written (I/O error, disk full)",
    E_UNSUPPORTED: "a file given by name is not a .txt, .md, .markdown, .html or .htm file",
    E_UNREADABLE_FOLDER: "a folder cannot be read, so its documents are not checked",
    E_DANGLING_LINK: "a link points to a file that does not exist",
    E_LINK_LOOP: "a link leads back to itself or to a folder above it",
    E_TOO_SLOW: "a document took longer than its time budget (120 s by default) to be split into claims",
    E_OUT_IS_FILE: "--out names an existing file, not a folder",
    E_OUT_UNDER_FILE: "--out lies under a file, so the folder cannot be made",
    E_OUT_NOT_WRITABLE: "--out (or the folder it would be made in) is not writable",
    E_OUT_WRITE_FAILED: "the report could not be written (disk full, folder removed during the run)",
    E_COMPARE_ARGS: "compare needs exactly two sentences, or --tsv FILE",
    E_COMPARE_BOTH: "compare got both sentences and --tsv FILE",
    E_TSV_HEADER: "a compare --tsv file lacks the header premise<TAB>hypothesis",
    E_TSV_NOT_UTF8: "a TSV file (compare --tsv, nli-eval) is not UTF-8",
    E_TSV_BINARY: "a TSV file (compare --tsv, nli-eval) is binary, not text",
    E_TSV_UNREADABLE: "a TSV file (compare --tsv, nli-eval) cannot be read",
    E_BAD_DATE: "a publication date (compare --published, a TSV date column) is not YYYY-MM-DD",
    E_NLI_EVAL_HEADER: "an nli-eval file lacks the header premise<TAB>hypothesis<TAB>label",
    "E150": "a baseline file cannot be read",
    "E151": "a file is not a vncheck baseline",
    "E152": "a baseline entry is malformed",
    "E153": "a file is not a vncheck JSON report",
    "E154": "a baseline file cannot be written",
    E_NOTHING_TO_CHECK: "no document could be checked (every input was skipped)",
    E_UNKNOWN_ENGINE: "unknown engine (use local or ray)",
    E_ARCHIVE_NO_CLAIMS: "the archive holds no claims embedded with the chosen embedder",
    E_ARCHIVE_DIMENSIONS: "the archive's vectors do not fit the chosen embedder",
    E_UNKNOWN_FORMAT: "unknown report format",
    E_UNKNOWN_CLAIM: "a claim id (DOC:sN) is not among the claims of the given documents",
    "E200": "a model could not be loaded (vncheck's own NLI weights, the bundled encoder or tokenizer)",
    E_UNKNOWN_BACKEND: "unknown embedder or NLI backend name",
    E_NLI_MODEL_MISSING: "the --nli-model folder does not exist",
    E_NLI_MODEL_UNLOADABLE: "the --nli-model folder holds no loadable Hugging Face model",
    E_NLI_MODEL_LABELS: "the --nli-model labels are not entailment, neutral and contradiction",
    E_ONNX_BUILD: "the ONNX graph of a model could not be built",
    E_ONNX_UNAVAILABLE: "ONNX Runtime was asked for explicitly but cannot run the model",
    E_RAY_MISSING: "--engine ray without the ray package",
    E_RAY_START: "Ray could not be started or joined",
    E_RAY_WORKERS: "Ray workers could not load the models",
    "E300": "a backend failed while embedding or scoring (the message names it)",
    "E400": "a lexicon file has a malformed table",
    E_LEXICON_MISSING: "a lexicon file does not exist",
    E_LEXICON_TOML: "a lexicon file is not valid TOML",
}


class VncheckError(Exception):
    """Base class: ``str(err)`` is one line, "[E001] what went wrong. Fix: what to do".

    Args:
        message: what went wrong, naming the file or value.
        fix: what the user can do about it.
        code: the error's code from :data:`ERROR_CODES`; the class code when not given.

    Example:
        >>> str(InputError("'a.txt' is empty.", "add text.", code=E_EMPTY))
        "[E103] 'a.txt' is empty. Fix: add text."
    """

    code = "E000"

    def __init__(self, message: str, fix: str = "", *, code: str | None = None) -> None:
        if code is not None:
            self.code = code
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


def code_table() -> str:
    """The codes as a Markdown table (for the README).

    Example:
        >>> code_table().splitlines()[0]
        '| code | meaning |'
    """
    rows = ["| code | meaning |", "|---|---|"]
    rows += [f"| {code} | {meaning} |" for code, meaning in sorted(ERROR_CODES.items())]
    return "\n".join(rows)
