"""Character and word error rates (rapidfuzz's Levenshtein, not hand-written)."""
from __future__ import annotations

from collections.abc import Sequence

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
