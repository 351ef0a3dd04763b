"""How well the marks on uncertain characters point at the recognizer's errors.

The platform marks every character read with less confidence than the document's threshold, and
a plain-text export starts a line holding one with ``[?]``. A reader who trusts what is not marked
needs to know how many wrong lines and wrong characters go unmarked, and how much right text is
marked for nothing.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from ml.layout import LinePrediction


@dataclass
class MarkFigures:
    threshold: float
    wrong_lines: int = 0  # lines whose reading differs from the reference
    wrong_lines_marked: int = 0  # ...that hold a marked character
    right_lines: int = 0
    right_lines_marked: int = 0
    wrong_chars: int = 0  # characters read in place of another, or read where there was none
    wrong_chars_marked: int = 0
    chars_read: int = 0
    chars_marked: int = 0

    def shares(self) -> dict[str, float]:
        """Wrong lines and characters marked, and right lines and all characters read marked, in [0, 1]."""
        return {
            "wrong_lines_marked": self.wrong_lines_marked / max(self.wrong_lines, 1),
            "right_lines_marked": self.right_lines_marked / max(self.right_lines, 1),
            "wrong_chars_marked": self.wrong_chars_marked / max(self.wrong_chars, 1),
            "chars_marked": self.chars_marked / max(self.chars_read, 1),
        }


def mark_figures(references: Sequence[str], predictions: Sequence[LinePrediction], threshold: float) -> MarkFigures:
    """Count, over the lines, how the characters under ``threshold`` fall on the reading's errors.
    A character left out has nothing to mark: it counts only in its line's figures."""
    figures = MarkFigures(threshold)
    for reference, prediction in zip(references, predictions, strict=True):
        marked = [confidence < threshold for confidence in prediction.confidences]
        line_marked = any(marked)
        if reference == prediction.text:
            figures.right_lines += 1
            figures.right_lines_marked += line_marked
        else:
            figures.wrong_lines += 1
            figures.wrong_lines_marked += line_marked
        wrong = [not right for right in characters_right(reference, prediction.text)]
        figures.wrong_chars += sum(wrong)
        figures.wrong_chars_marked += sum(m and w for m, w in zip(marked, wrong))
        figures.chars_read += len(marked)
        figures.chars_marked += sum(marked)
    return figures


def characters_right(reference: str, text: str) -> list[bool]:
    """For each character of ``text``, whether it is right against ``reference`` (not a character
    read in place of another, nor one read where there was none)."""
    wrong = {op.dest_pos for op in Levenshtein.editops(reference, text) if op.tag != "delete"}
    return [position not in wrong for position in range(len(text))]
