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


def expected_errors(confidences: Sequence[float]) -> float:
    """How many characters of a reading are expected to be wrong: the sum of one minus each
    character's calibrated confidence (a calibrated 0.8 is wrong one time in five)."""
    return float(sum(1.0 - c for c in confidences))


@dataclass
class LineMarkFigures:
    """Marking the lines whose expected errors reach ``level``: how many lines that marks, and how
    many of the reading's errors (edit operations against the reference, dropped characters
    included) lie on the marked lines."""

    level: float
    lines: int = 0
    lines_marked: int = 0
    wrong_lines: int = 0
    wrong_lines_marked: int = 0
    errors: int = 0
    errors_marked: int = 0

    def shares(self) -> dict[str, float]:
        return {
            "lines_marked": self.lines_marked / max(self.lines, 1),
            "wrong_lines_marked": self.wrong_lines_marked / max(self.wrong_lines, 1),
            "errors_on_marked_lines": self.errors_marked / max(self.errors, 1),
        }


def line_mark_figures(references: Sequence[str], predictions: Sequence[LinePrediction], level: float) -> LineMarkFigures:
    figures = LineMarkFigures(level)
    for reference, prediction in zip(references, predictions, strict=True):
        marked = expected_errors(prediction.confidences) >= level
        errors = Levenshtein.distance(reference, prediction.text)
        figures.lines += 1
        figures.lines_marked += marked
        figures.wrong_lines += errors > 0
        figures.wrong_lines_marked += marked and errors > 0
        figures.errors += errors
        figures.errors_marked += errors if marked else 0
    return figures


def main(argv: list[str] | None = None) -> None:
    """``python -m ml.evaluate.unsure_marks MODEL DATA... [--beam 3]``: read the lines as the platform does
    and print how character marks and line marks fall on the errors."""
    import argparse

    from ml.train.validation import stored_inks
    from ml.read.model_file import load_model
    from ml.train.packed_lines import load_lines
    from ml.read.recognizer import Recognizer

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("model")
    parser.add_argument("data", nargs="+")
    parser.add_argument("--beam", type=int, default=3, help="beam width the platform reads with")
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.3, 0.5, 0.7, 0.9])
    parser.add_argument("--levels", type=float, nargs="+", default=[0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0])
    parser.add_argument("--cache", default="cache")
    args = parser.parse_args(argv)
    bundle = load_model(args.model)
    recognizer = Recognizer(bundle, "cpu")
    every: tuple[list[str], list[LinePrediction]] = ([], [])
    for folder in args.data:
        samples = load_lines(folder, args.cache)
        readings = recognizer.shown(recognizer.recognize_inks(stored_inks(samples, bundle.preprocess),
                                                              beam_width=args.beam))
        references = [sample.text for sample in samples]
        every[0].extend(references)
        every[1].extend(readings)
        _print_figures(folder, references, readings, args)
    if len(args.data) > 1:
        _print_figures("all", *every, args)


def _print_figures(name: str, references: list[str], readings: list[LinePrediction], args) -> None:
    print(f"{name}: {len(readings)} lines, beam {args.beam}, calibrated confidences")
    print(f"  {'characters under':<20}{'chars marked %':>16}{'wrong chars marked %':>22}{'lines with one %':>18}")
    for threshold in args.thresholds:
        shares = mark_figures(references, readings, threshold).shares()
        with_one = sum(min(r.confidences, default=1.0) < threshold for r in readings) / max(len(readings), 1)
        print(f"  {threshold:<20.2f}{100 * shares['chars_marked']:>16.1f}"
              f"{100 * shares['wrong_chars_marked']:>22.1f}{100 * with_one:>18.1f}")
    print(f"  {'expected errors >=':<20}{'lines marked %':>16}{'wrong lines marked %':>22}{'errors on them %':>18}")
    for level in args.levels:
        shares = line_mark_figures(references, readings, level).shares()
        print(f"  {level:<20.2f}{100 * shares['lines_marked']:>16.1f}"
              f"{100 * shares['wrong_lines_marked']:>22.1f}{100 * shares['errors_on_marked_lines']:>18.1f}")

if __name__ == "__main__":
    main()
