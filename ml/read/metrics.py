"""Character and word error rates (rapidfuzz's Levenshtein, not hand-written)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rapidfuzz.distance import Levenshtein


def error_counts(references: Sequence[str], hypotheses: Sequence[str]) -> dict[str, int]:
    chars = words = char_total = word_total = 0
    for ref, hyp in zip(references, hypotheses, strict=True):
        chars += Levenshtein.distance(ref, hyp)
        char_total += len(ref)
        ref_words, hyp_words = ref.split(), hyp.split()
        words += Levenshtein.distance(ref_words, hyp_words)
        word_total += len(ref_words)
    return {"char_errors": chars, "chars": char_total, "word_errors": words, "words": word_total}


def cer(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    counts = error_counts(references, hypotheses)
    return counts["char_errors"] / max(counts["chars"], 1)


def wer(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    counts = error_counts(references, hypotheses)
    return counts["word_errors"] / max(counts["words"], 1)


def share_better(references: Sequence[str], before: Sequence[str], after: Sequence[str],
                 rounds: int = 2000, seed: int = 0) -> float:
    """A paired bootstrap: in what share of samples of the lines (drawn with replacement, as many
    as there are) the ``after`` readings make fewer character errors than the ``before`` ones."""
    errors_before = np.array([Levenshtein.distance(r, h) for r, h in zip(references, before, strict=True)])
    errors_after = np.array([Levenshtein.distance(r, h) for r, h in zip(references, after, strict=True)])
    if not len(references):
        return 0.0
    draws = np.random.default_rng(seed).integers(0, len(references), (rounds, len(references)))
    return float(np.mean(errors_after[draws].sum(axis=1) < errors_before[draws].sum(axis=1)))
