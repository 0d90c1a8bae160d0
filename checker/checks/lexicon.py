"""Vocabulary of the structured checks: built-in TOML files plus user files (``--lexicon``).

The built-in files in ``checker/checks/lexicon/`` hold general bilingual domain terms
(actors, eras, months, number words, relationship levels, status events, negation and
hedges). A user file uses the same top-level tables; loading merges it into the built-in
data: tables merge key by key, lists are extended, single values replaced. So a user can
add an alias to an existing actor or a whole new ladder:

.. code-block:: toml

    [actors.KOR]
    label = "South Korea"
    names = ["South Korea", "Südkorea", "Seoul"]

    [actors.USA]
    names = ["Uncle Sam"]        # added to the built-in aliases

Phrases are found with :class:`PhraseMatcher`, which compares token windows with
rapidfuzz so that German inflection ("umfassenden strategischen Partnerschaft") and
spelling variants ("Waffen-Embargo") still match.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from rapidfuzz import fuzz

from ..errors import E_LEXICON_MISSING, E_LEXICON_TOML, LexiconError
from .tokens import Token, tokenize

log = logging.getLogger(__name__)

BUILTIN_DIR = Path(__file__).parent / "lexicon"

# Section kinds, for validation. "wordlists": key -> list of phrases. "records": id -> table
# with the listed fields (type, required).
_WORDLIST_SECTIONS = {
    "months", "time_words", "tense", "cardinals", "ordinals", "ordinal_prefixes", "superlatives", "approx",
    "nouns", "measures", "trend", "roles", "qualifiers", "degrees", "negation", "hedges", "clauses",
    "function_words", "era_templates", "contest", "scale_articles",
}
_RECORD_FIELDS: dict[str, dict[str, tuple[type | tuple[type, ...], bool]]] = {
    "actors": {"label": (str, False), "names": (list, True), "kind": (str, False)},
    "eras": {"name": (str, True), "actor": (str, False), "terms": (list, True)},
    "time_units": {"names": (list, True), "days": (int, False), "months": (int, False), "years": (int, False)},
    "units": {"names": (list, True)},
    "ladders": {"label": (str, False), "rungs": (dict, True)},
    "categories": {"label": (str, False), "names": (list, True)},
    "subjects": {"label": (str, False), "names": (list, True), "with_object": (dict, False)},
    "actions": {
        "label": (str, False), "names": (list, True), "effect": (str, True), "degree": (str, False),
        "once": (bool, False), "outcome": (bool, False), "applies_to": (list, False),
        "separable": (list, False), "implies_subject": (str, False),
    },
    "objects": {"label": (str, False), "names": (list, True), "parent": (str, False)},
    "outcomes": {"label": (str, False), "yes": (list, True), "no": (list, True)},
    "placings": {"label": (str, False), "places": (dict, True)},
}
_NESTED_WORDLISTS = {"scales"}  # lang -> {number -> list}
_RUNG_FIELDS = {"rank": (int, True), "label": (str, False), "names": (list, True)}
_NUMERIC_KEYS = {"months", "cardinals", "ordinals", "ordinal_prefixes"}


def _fail(source: str, where: str, problem: str) -> LexiconError:
    return LexiconError(
        f"Lexicon file {source}: {where} {problem}.",
        "see checker/checks/lexicon/*.toml for the expected layout.",
    )


def _check_strlist(value: Any, source: str, where: str) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(source, where, "must be a list of non-empty strings")


def _validate(data: Mapping[str, Any], source: str) -> None:
    """Check the shape of one file's tables; raise LexiconError naming the file."""
    known = _WORDLIST_SECTIONS | set(_RECORD_FIELDS) | _NESTED_WORDLISTS
    for section, table in data.items():
        if section not in known:
            raise _fail(source, f"table [{section}]", f"is unknown (known tables: {', '.join(sorted(known))})")
        if not isinstance(table, dict):
            raise _fail(source, f"[{section}]", "must be a table")
        if section in _WORDLIST_SECTIONS:
            for key, value in table.items():
                if section in _NUMERIC_KEYS:
                    try:
                        float(key)
                    except ValueError:
                        raise _fail(source, f"[{section}] key '{key}'", "must be a number") from None
                _check_strlist(value, source, f"[{section}].{key}")
        elif section in _NESTED_WORDLISTS:
            for lang, inner in table.items():
                if not isinstance(inner, dict):
                    raise _fail(source, f"[{section}.{lang}]", "must be a table")
                for key, value in inner.items():
                    try:
                        float(key)
                    except ValueError:
                        raise _fail(source, f"[{section}.{lang}] key '{key}'", "must be a number") from None
                    _check_strlist(value, source, f"[{section}.{lang}].{key}")
        else:
            fields = _RECORD_FIELDS[section]
            for rid, record in table.items():
                _validate_record(record, fields, source, f"[{section}.{rid}]")
                if section == "ladders":
                    for rung_id, rung in record.get("rungs", {}).items():
                        _validate_record(rung, _RUNG_FIELDS, source, f"[{section}.{rid}.rungs.{rung_id}]")
                if section == "eras":
                    for term in record.get("terms", []):
                        if not isinstance(term, dict) or not isinstance(term.get("start"), dt.date) or not isinstance(
                            term.get("end", dt.date.max), dt.date
                        ):
                            raise _fail(source, f"[{section}.{rid}].terms", "must be tables with dates start (and end)")


def _validate_record(record: Any, fields: Mapping[str, tuple[Any, bool]], source: str, where: str) -> None:
    if not isinstance(record, dict):
        raise _fail(source, where, "must be a table")
    for key, value in record.items():
        if key not in fields:
            raise _fail(source, f"{where} key '{key}'", f"is unknown (expected: {', '.join(sorted(fields))})")
        expected, _ = fields[key]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise _fail(source, f"{where}.{key}", f"must be of type {getattr(expected, '__name__', expected)}")
        if key in ("names", "applies_to"):
            _check_strlist(value, source, f"{where}.{key}")


def _validate_record_required(data: Mapping[str, Any], source: str) -> None:
    """After merging: every record has its required fields; references resolve."""
    for section, fields in _RECORD_FIELDS.items():
        for rid, record in data.get(section, {}).items():
            for key, (_, required) in fields.items():
                if required and key not in record:
                    raise _fail(source, f"[{section}.{rid}]", f"needs '{key}'")
    for rid, record in data.get("ladders", {}).items():
        for rung_id, rung in record.get("rungs", {}).items():
            for key, (_, required) in _RUNG_FIELDS.items():
                if required and key not in rung:
                    raise _fail(source, f"[ladders.{rid}.rungs.{rung_id}]", f"needs '{key}'")
    objects = data.get("objects", {})
    for oid, record in objects.items():
        if "parent" in record and record["parent"] not in objects:
            raise _fail(source, f"[objects.{oid}].parent", f"names unknown object '{record['parent']}'")
    subjects = data.get("subjects", {})
    for aid, record in data.get("actions", {}).items():
        for sid in record.get("applies_to", []) + ([record["implies_subject"]] if "implies_subject" in record else []):
            if sid not in subjects:
                raise _fail(source, f"[actions.{aid}]", f"names unknown subject '{sid}'")
    for eid, record in data.get("eras", {}).items():
        if "actor" in record and record["actor"] not in data.get("actors", {}):
            raise _fail(source, f"[eras.{eid}].actor", f"names unknown actor '{record['actor']}'")


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge: tables recurse, lists extend (without duplicates), scalars replace."""
    out = dict(base)
    for key, value in extra.items():
        if key in out and isinstance(out[key], dict) and isinstance(value, dict):
            out[key] = _merge(out[key], value)
        elif key in out and isinstance(out[key], list) and isinstance(value, list):
            out[key] = out[key] + [v for v in value if v not in out[key]]
        else:
            out[key] = value
    return out


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise LexiconError(f"Lexicon file {path} does not exist.", "check the --lexicon path.", code=E_LEXICON_MISSING) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise LexiconError(f"Lexicon file {path} is not valid TOML ({err}).", "fix the syntax error.", code=E_LEXICON_TOML) from None


@dataclass(frozen=True, slots=True)
class Match:
    """A phrase found in a token sequence: tokens ``start``..``end`` (exclusive)."""

    key: str
    start: int
    end: int
    score: float
    phrase: str


@dataclass(frozen=True, slots=True)
class _Variant:
    key: str
    phrase: str
    joined: str  # lower-case, tokens concatenated without spaces
    surface: str  # case kept, tokens concatenated
    n_tokens: int
    exact: bool
    cased: bool
    n_words: int = 1
    hyphenated: bool = False


class PhraseMatcher:
    """Finds lexicon phrases in token sequences, longest match first.

    Phrases of up to four letters match exactly: with capitals they are case-sensitive
    ("US" never matches "us"), and lower-case ones match lower-case words (or a
    capitalised first word of the sentence) when ``strict_case`` is set, so "may" the
    modal is not "May" the month. Longer phrases match when rapidfuzz's ``ratio`` between
    the joined token window and the phrase reaches ``cutoff``; this covers German
    inflection and hyphenation without listing every form. A one-word phrase matches one
    word only when the two differ in their ending alone ("alles" is not "allies").

    Example:
        >>> m = PhraseMatcher([("csp", "umfassende strategische Partnerschaft")])
        >>> [x.key for x in m.find(tokenize("eine umfassenden strategischen Partnerschaft"))]
        ['csp']
    """

    #: Longest token window tried beyond the phrase's own token count.
    SLACK = 2

    def __init__(
        self, entries: Iterable[tuple[str, str]], *, fuzzy: bool = True, cutoff: float = 88.0, strict_case: bool = True
    ) -> None:
        self.cutoff = cutoff
        self.strict_case = strict_case
        self._index: dict[str, list[_Variant]] = defaultdict(list)
        for key, phrase in entries:
            toks = tokenize(phrase)
            if not toks:
                continue
            joined = "".join(t.norm for t in toks)
            surface = "".join(t.surface for t in toks)
            exact = (not fuzzy) or len(joined) <= 4
            cased = any(c.isupper() for c in phrase)
            n_words = sum(1 for t in toks if t.kind != "punct")
            hyphenated = any(t.text == "-" for t in toks)
            self._index[joined[:3]].append(
                _Variant(key, phrase, joined, surface, len(toks), exact, cased, n_words, hyphenated)
            )

    def find(self, tokens: Sequence[Token]) -> list[Match]:
        """All non-overlapping matches in ``tokens``, in text order.

        Args:
            tokens: the tokens of one sentence.
        Returns:
            Matches, preferring longer phrases, then better scores.
        """
        found: list[Match] = []
        n = len(tokens)
        norms = [t.norm for t in tokens]
        index = self._index
        for i in range(n):
            if tokens[i].kind == "punct" and tokens[i].text not in "%$€£-'":
                continue
            # The first three characters of the text from i on pick the candidate phrases.
            head, j = "", i
            while len(head) < 3 and j < n:
                head += norms[j]
                j += 1
            candidates = []
            for k in (1, 2, 3):
                candidates.extend(v for v in index.get(head[:k], ()) if len(v.joined) == k or k == 3)
            if not candidates:
                continue
            # Joined windows starting at i, for every window size (built only where a phrase may start).
            last = min(n, i + 12, i + max(v.n_tokens for v in candidates) + self.SLACK)
            joined_lower = [""]
            joined_surface = [""]
            for j in range(i, last):
                joined_lower.append(joined_lower[-1] + norms[j])
                joined_surface.append(joined_surface[-1] + tokens[j].surface)
            for var in candidates:
                best: tuple[float, int] | None = None
                for size in range(max(1, var.n_tokens - self.SLACK), var.n_tokens + self.SLACK + 1):
                    if size >= len(joined_lower):
                        break
                    if tokens[i + size - 1].kind == "punct" and norms[i + size - 1] not in var.joined:
                        continue
                    if not _same_shape(var, tokens[i : i + size]):
                        continue
                    score = self._score(var, joined_lower[size], joined_surface[size], tokens, i, size)
                    if score is not None and (best is None or score > best[0]):
                        best = (score, size)
                if best is not None:
                    found.append(Match(var.key, i, i + best[1], best[0], var.phrase))
        return _select(found)

    def _score(self, var: _Variant, lower: str, surface: str, tokens: Sequence[Token], i: int, size: int) -> float | None:
        if var.exact:
            if var.cased:
                return 100.0 if surface == var.surface else None
            if lower != var.joined:
                return None
            if self.strict_case:
                first = tokens[i].text
                # Lower-case phrase: the word must be lower-case, except as the sentence's first word.
                if not (first.islower() or (i == 0 and first[:1].isupper() and first[1:].islower()) or not first.isalpha()):
                    return None
            return 100.0
        if var.n_words == 1 and size == 1 and not _same_stem(lower, var.joined):
            return None
        score = fuzz.ratio(lower, var.joined, score_cutoff=self.cutoff)
        return score or None


def _same_stem(word: str, phrase: str) -> bool:
    """Whether two single words differ only in their ending (inflection), as "Bündnisse" and
    "Bündnis" do; "alles" and "allies" differ inside the word and are different words.

    Example:
        >>> _same_stem("bundnisse", "bundnis"), _same_stem("alles", "allies")
        (True, False)
    """
    return len(os.path.commonprefix((word, phrase))) >= min(len(word), len(phrase)) - 1


def _same_shape(var: _Variant, window: Sequence[Token]) -> bool:
    """Window and phrase have the same number of words, or one is a hyphenated/closed compound
    of the other ("Waffen-Embargo" / "Waffenembargo"). Keeps "in die" from matching "Indien"."""
    words = sum(1 for t in window if t.kind != "punct")
    if words == var.n_words:
        return True
    hyphen_window = any(t.text == "-" for t in window)
    return (var.hyphenated and words == 1) or (hyphen_window and var.n_words == 1)


def _select(found: list[Match]) -> list[Match]:
    """Greedy: longest span (in characters of the phrase), then best score, no overlaps."""
    chosen: list[Match] = []
    taken: set[int] = set()
    for m in sorted(found, key=lambda m: (-(m.end - m.start), -len(m.phrase), -m.score, m.start)):
        if any(t in taken for t in range(m.start, m.end)):
            continue
        chosen.append(m)
        taken.update(range(m.start, m.end))
    return sorted(chosen, key=lambda m: m.start)


@dataclass(frozen=True, eq=False)
class Lexicon:
    """Merged vocabulary, with compiled matchers cached per section.

    Build it with :func:`load_lexicon`; ``data`` holds the merged TOML tables and
    ``sources`` the files they came from.

    Example:
        >>> lex = load_lexicon()
        >>> lex.actor_label("VNM")
        'Vietnam'
    """

    data: Mapping[str, Any]
    sources: tuple[str, ...] = ()
    _cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def table(self, section: str) -> Mapping[str, Any]:
        """The merged table ``section`` (empty when absent)."""
        return self.data.get(section, {})

    def words(self, section: str, key: str) -> tuple[str, ...]:
        """Lower-cased word list ``[section].key`` (for plain set look-ups)."""
        return tuple(w.lower() for w in self.table(section).get(key, ()))

    def matcher(self, name: str) -> PhraseMatcher:
        """The compiled matcher for a vocabulary (see :meth:`_entries` for the names)."""
        if name not in self._cache:
            entries, options = self._entries(name)
            self._cache[name] = PhraseMatcher(entries, **options)
        return self._cache[name]

    def cached(self, key: str, factory: Callable[[], Any]) -> Any:
        """A value derived from this lexicon, computed once (e.g. the set of all domain words)."""
        if key not in self._cache:
            self._cache[key] = factory()
        return self._cache[key]

    def find(self, name: str, tokens: Sequence[Token]) -> list[Match]:
        """``matcher(name).find(tokens)``, remembered for the last few thousand token sequences
        (the extractors ask about the same sentence several times)."""
        # Hashing a token tuple costs its length, and one sentence is asked about once per slot,
        # so the same tuple object is looked up by identity first (the entry keeps it alive, so
        # its id cannot be reused); equal tuples of other sentences still share the value memo.
        same = self._cache.setdefault("find-same", {})
        frozen = isinstance(tokens, tuple)  # a list could change under the same id
        hit = same.get((name, id(tokens))) if frozen else None
        if hit is not None and hit[0] is tokens:
            return list(hit[1])
        memo = self._cache.setdefault("find-memo", {})
        key = (name, tuple(tokens))
        found = memo.get(key)
        if found is None:
            if len(memo) >= 20000:
                memo.clear()
            found = memo[key] = tuple(self.matcher(name).find(tokens))
        if frozen:
            if len(same) >= 2000:
                same.clear()
            same[(name, id(tokens))] = (tokens, found)
        return list(found)

    def actor_label(self, actor_id: str) -> str:
        """Display name of an actor id ("USA" -> "US")."""
        record = self.table("actors").get(actor_id)
        return record.get("label", actor_id) if record else actor_id

    def actor_kind(self, actor_id: str) -> str:
        """"country", "organisation" or "place" for lexicon actors."""
        record = self.table("actors").get(actor_id)
        return record.get("kind", "country") if record else "name"

    def _entries(self, name: str) -> tuple[list[tuple[str, str]], dict[str, Any]]:
        options: dict[str, Any] = {}
        entries: list[tuple[str, str]] = []
        if name in ("actors", "objects", "subjects", "units", "categories"):
            for rid, record in self.table(name).items():
                entries += [(rid, n) for n in record.get("names", ())]
        elif name == "actions":
            for rid, record in self.table("actions").items():
                entries += [(rid, n) for n in record.get("names", ())]
        elif name == "rungs":
            for lid, ladder in self.table("ladders").items():
                for rung_id, rung in ladder.get("rungs", {}).items():
                    entries += [(f"{lid}/{rung_id}", n) for n in rung.get("names", ())]
            for cid, record in self.table("categories").items():
                entries += [(f"{cid}/{cid}", n) for n in record.get("names", ())]
        elif name == "eras":
            templates = self.table("era_templates").get("phrases", ["{name}"])
            for eid, record in self.table("eras").items():
                entries += [(eid, t.format(name=record["name"])) for t in templates]
        elif name == "time_units":
            for uid, record in self.table("time_units").items():
                entries += [(uid, n) for n in record.get("names", ())]
        elif name == "months":
            entries = [(k, n) for k, names in self.table("months").items() for n in names]
            entries += [(k, n + ".") for k, names in self.table("months").items() for n in names if len(n) <= 4]
            options = {"fuzzy": False}
        elif name in ("cardinals",):
            entries = [(k, n) for k, names in self.table(name).items() for n in names]
            options = {"fuzzy": False, "strict_case": False}
        elif name == "ordinals":
            entries = [(k, n) for k, names in self.table(name).items() for n in names]
            options = {"strict_case": False, "cutoff": 90.0}
        elif name.startswith("scales."):
            lang = name.split(".", 1)[1]
            entries = [(k, n) for k, names in self.table("scales").get(lang, {}).items() for n in names]
            options = {"fuzzy": False, "strict_case": False}
        elif "." in name:
            # "section.key": one word list, e.g. "hedges.modal", "qualifiers.exclusive".
            section, key = name.split(".", 1)
            entries = [(key, n) for n in self.table(section).get(key, ())]
            if section in ("negation", "hedges", "tense", "clauses"):
                options = {"cutoff": 92.0}
        else:
            # Any word-list section: key -> phrases ("nouns", "measures", "roles", "trend", "degrees").
            table = self.table(name)
            if isinstance(table.get("names"), list):
                entries = [(name, n) for n in table["names"]]
            else:
                entries = [(k, n) for k, names in table.items() if isinstance(names, list) for n in names]
        return entries, options


@functools.lru_cache(maxsize=8)
def _load_cached(paths: tuple[str, ...]) -> Lexicon:
    builtin = sorted(BUILTIN_DIR.glob("*.toml"))
    data: dict[str, Any] = {}
    sources: list[str] = []
    for path in builtin:
        content = _read(path)
        _validate(content, str(path))
        data = _merge(data, content)
        sources.append(str(path))
    _validate_record_required(data, "built-in lexicon")
    for raw in paths:
        path = Path(raw)
        content = _read(path)
        _validate(content, str(path))
        data = _merge(data, content)
        _validate_record_required(data, str(path))
        sources.append(str(path))
        log.info("loaded lexicon %s", path)
    return Lexicon(data, tuple(sources))


def load_lexicon(paths: Sequence[str | Path] = ()) -> Lexicon:
    """Load the built-in vocabulary and merge user lexicon files into it.

    Args:
        paths: user TOML files (``--lexicon FILE``), merged in order.
    Returns:
        The merged lexicon (cached per set of paths).
    Raises:
        LexiconError: a file is missing, not TOML, or has a malformed table.

    Example:
        >>> "VNM" in load_lexicon().table("actors")
        True
    """
    return _load_cached(tuple(str(Path(p)) for p in paths))


def default_lexicon() -> Lexicon:
    """The built-in vocabulary alone.

    Example:
        >>> default_lexicon() is default_lexicon()
        True
    """
    return load_lexicon(())
