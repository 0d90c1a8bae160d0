"""Deterministic stand-in backends for tests: no model, no download, same output every run."""
from __future__ import annotations

import hashlib
import re
from typing import Sequence

import numpy as np

from .registry import register_embedder, register_nli

_WORD = re.compile(r"\w+", re.UNICODE)
_NEGATIONS = {"not", "no", "never", "nicht", "kein", "keine", "nie", "niemals"}


class HashingEmbedder:
    """Bag-of-words hashing embedder: texts sharing words get similar vectors."""

    name = "fake.v1"

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                bucket = int(hashlib.md5(word.encode()).hexdigest()[:8], 16) % self.dim
                out[row, bucket] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


class RuleNli:
    """Rule-based NLI stub. Internally it uses a *permuted* label order, so the
    mapping to label names is exercised exactly as with a real checkpoint. A decided label gets
    0.96, above every NLI bar of the decision rules (checker.verify.Thresholds)."""

    name = "fake-nli.v1"
    id2label = {0: "contradiction", 1: "entailment", 2: "neutral"}

    def _logits(self, premise: str, hypothesis: str) -> np.ndarray:
        p = set(_WORD.findall(premise.lower()))
        h = set(_WORD.findall(hypothesis.lower()))
        overlap = len(p & h) / max(1, len(h))
        negated = bool((p ^ h) & _NEGATIONS)
        logits = np.zeros(3)
        if overlap > 0.6 and negated:
            logits[0] = 4.0
        elif overlap > 0.6:
            logits[1] = 4.0
        else:
            logits[2] = 4.0
        return logits

    def predict(self, pairs: Sequence[tuple[str, str]]) -> list[dict[str, float]]:
        results = []
        for premise, hypothesis in pairs:
            logits = self._logits(premise, hypothesis)
            probs = np.exp(logits - logits.max())
            probs /= probs.sum()
            results.append({self.id2label[i]: float(p) for i, p in enumerate(probs)})
        return results


@register_embedder("fake.v1")
def _fake_embedder(**_: object) -> HashingEmbedder:
    return HashingEmbedder()


@register_nli("fake-nli.v1")
def _fake_nli(**_: object) -> RuleNli:
    return RuleNli()
