"""Evaluate any NLI scorer on a labelled TSV file (premise, hypothesis, label)."""
from __future__ import annotations

import csv
from pathlib import Path

from ..backends.base import NliScorer
from ..errors import InputError
from ..records import NLI_LABELS


def read_labelled(path: Path) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Rows (premise, hypothesis, label) and one message per bad row (skipped).

    The file must be UTF-8 text: a binary, Latin-1 or unreadable file is a one-line
    ``InputError`` (E144, E143, E145), as is a missing header (E147).
    """
    import io

    from ..errors import E_NLI_EVAL_HEADER
    from ..ingest import read_table_text
    from ..safe_text import visible, visible_name

    csv.field_size_limit(10_000_000)
    text = read_table_text(Path(path))
    name = visible(str(path))
    rows, bad = [], []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = [h.strip().lower() for h in next(reader, [])]
    if header[:3] != ["premise", "hypothesis", "label"]:
        raise InputError(f"{visible_name(path)} must start with the header 'premise<TAB>hypothesis<TAB>label'.",
                         "add that header line.", code=E_NLI_EVAL_HEADER)
    for n, row in enumerate(reader, start=2):
        if len(row) < 3:
            bad.append(f"{name}:{n}: expected 3 columns, found {len(row)}")
            continue
        premise, hypothesis, label = row[0].strip(), row[1].strip(), row[2].strip().lower()
        if label not in NLI_LABELS:
            bad.append(f"{name}:{n}: unknown label {visible_name(row[2])}")
        elif not premise or not hypothesis:
            bad.append(f"{name}:{n}: empty premise or hypothesis")
        else:
            rows.append((premise, hypothesis, label))
    return rows, bad


def evaluate_rows(rows: list[tuple[str, str, str]], nli: NliScorer) -> dict:
    """Accuracy, per-class precision/recall/F1 and confusion matrix (rows: gold, columns: predicted).

    Example:
        >>> from checker.backends.fake import RuleNli
        >>> evaluate_rows([("a b c", "a b c", "entailment")], RuleNli())["accuracy"]
        1.0
    """
    probs = nli.predict([(p, h) for p, h, _ in rows])
    predicted = [max(NLI_LABELS, key=lambda name: pr[name]) for pr in probs]
    gold = [g for _, _, g in rows]
    confusion = {g: {p: 0 for p in NLI_LABELS} for g in NLI_LABELS}
    for g, p in zip(gold, predicted):
        confusion[g][p] += 1
    per_class = {}
    for label in NLI_LABELS:
        tp = confusion[label][label]
        pred_n = sum(confusion[g][label] for g in NLI_LABELS)
        gold_n = sum(confusion[label].values())
        precision = tp / pred_n if pred_n else 0.0
        recall = tp / gold_n if gold_n else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "support": gold_n}
    correct = sum(g == p for g, p in zip(gold, predicted))
    return {
        "accuracy": round(correct / len(rows), 4) if rows else 0.0,
        "n": len(rows),
        "per_class": per_class,
        "confusion": confusion,
        "model": nli.name,
    }


def evaluate_file(path: Path, nli: NliScorer) -> dict:
    """Read ``path`` and evaluate; bad rows are listed under "bad_rows" and skipped."""
    rows, bad = read_labelled(path)
    if not rows:
        raise InputError(f"'{path}' has no usable rows.", "check the header and the labels (entailment/neutral/contradiction).")
    return evaluate_rows(rows, nli) | {"bad_rows": bad}


def format_table(result: dict) -> str:
    """Plain-text summary: accuracy, per-class precision/recall, confusion matrix."""
    lines = [f"model: {result['model']}", f"pairs: {result['n']}   accuracy: {result['accuracy']:.4f}", "",
             f"{'label':<14}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}"]
    for label, m in result["per_class"].items():
        lines.append(f"{label:<14}{m['precision']:>10.4f}{m['recall']:>10.4f}{m['f1']:>10.4f}{m['support']:>9}")
    lines += ["", "confusion (rows: gold, columns: predicted)", f"{'':<14}" + "".join(f"{p[:10]:>12}" for p in NLI_LABELS)]
    for g in NLI_LABELS:
        lines.append(f"{g:<14}" + "".join(f"{result['confusion'][g][p]:>12}" for p in NLI_LABELS))
    return "\n".join(lines)
