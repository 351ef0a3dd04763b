"""What a character's confidence means: the share of characters read with it that are right.

A character's CTC confidence (its highest posterior) overstates that share: on the shared `val`
lines, characters read 93 % sure were right 82-85 % of the time. A calibration is a monotone map,
fitted on lines the model was not trained on, from the confidence to the share of such characters
read right; the model file carries it, and what people are shown (the platform's marks and
figures, ``ml.recognize``) is the calibrated confidence. Decisions made inside the reading (which
way a page is turned, show-through) keep the raw posteriors they were tuned on.

``python -m ml.calibration MODEL --fit DATA... [--check DATA...] [--out FILE]`` fits one and
prints how well the confidences match before and after, on the lines it was fitted on and on
others.
"""
from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from ml.layout import LinePrediction
from ml.unsure_marks import characters_right

# Confidence bins of the reliability table (the last one holds 1.0).
EDGES = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)


@dataclass(frozen=True)
class Calibration:
    """A piecewise-linear monotone map from a raw confidence to a calibrated one."""

    knots: tuple[tuple[float, float], ...]  # (raw, calibrated), raw increasing, from 0 to 1

    def __call__(self, confidences: Sequence[float]) -> list[float]:
        raw, calibrated = zip(*self.knots)
        return [float(c) for c in np.interp(confidences, raw, calibrated)]

    def prediction(self, prediction: LinePrediction) -> LinePrediction:
        return replace(prediction, confidences=self(prediction.confidences))

    def to_list(self) -> list[list[float]]:
        return [list(knot) for knot in self.knots]

    @classmethod
    def from_list(cls, knots: list[list[float]]) -> "Calibration":
        return cls(tuple((float(raw), float(calibrated)) for raw, calibrated in knots))


def fit_calibration(confidences: Sequence[float], right: Sequence[bool], bins: int = 20) -> Calibration:
    """Bins of equal counts of characters; each bin's share right, made monotone (pool adjacent
    violators), is the calibrated value at the bin's mean confidence."""
    order = np.argsort(confidences, kind="stable")
    sorted_confidences = np.asarray(confidences, float)[order]
    sorted_right = np.asarray(right, float)[order]
    chunks = [chunk for chunk in np.array_split(np.arange(len(order)), bins) if len(chunk)]
    means = [float(sorted_confidences[chunk].mean()) for chunk in chunks]
    shares = _monotone([float(sorted_right[chunk].mean()) for chunk in chunks], [len(chunk) for chunk in chunks])
    knots: dict[float, float] = {0.0: 0.0}
    for raw, calibrated in zip(means, shares):  # bins of one raw value (many read 1.0 sure) are one knot
        knots[raw] = max(calibrated, knots.get(raw, 0.0))
    knots.setdefault(1.0, shares[-1])
    return Calibration(tuple(sorted(knots.items())))


def _monotone(values: list[float], weights: list[int]) -> list[float]:
    """The nondecreasing sequence closest to ``values`` in weighted least squares (pool adjacent violators)."""
    blocks: list[list[float]] = []  # [mean, weight, length]
    for value, weight in zip(values, weights):
        blocks.append([value, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            value2, weight2, length2 = blocks.pop()
            value1, weight1, length1 = blocks.pop()
            total = weight1 + weight2
            blocks.append([(value1 * weight1 + value2 * weight2) / total, total, length1 + length2])
    return [mean for mean, _, length in blocks for _ in range(length)]


@dataclass
class Reliability:
    rows: list[tuple[float, float, int, float, float]]  # bin low, bin high, characters, mean confidence, share right
    error: float  # expected calibration error: the characters' mean gap between confidence and share right


def reliability(confidences: Sequence[float], right: Sequence[bool], edges: Sequence[float] = EDGES) -> Reliability:
    confidences, right = np.asarray(confidences, float), np.asarray(right, float)
    rows, error = [], 0.0
    for low, high in zip(edges, edges[1:]):
        inside = (confidences >= low) & ((confidences < high) | (high == edges[-1]))
        if inside.any():
            mean, share = float(confidences[inside].mean()), float(right[inside].mean())
            rows.append((low, high, int(inside.sum()), mean, share))
            error += inside.sum() / len(confidences) * abs(mean - share)
    return Reliability(rows, error)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path)
    parser.add_argument("--fit", nargs="+", required=True, help="folders or packed files the map is fitted on")
    parser.add_argument("--check", nargs="*", default=[], help="other lines to check it on")
    parser.add_argument("--out", type=Path, help="write the model with this calibration here")
    parser.add_argument("--beam", type=int, default=3, help="beam width the platform reads with (0: greedy)")
    parser.add_argument("--bins", type=int, default=20)
    parser.add_argument("--cache", default="cache")
    args = parser.parse_args(argv)

    from ml.evaluate import stored_inks
    from ml.model_file import load_model, save_model
    from ml.packed_lines import load_lines
    from ml.recognizer import Recognizer

    bundle = load_model(args.model)
    recognizer = Recognizer(bundle, "cpu")

    def characters(folders: list[str]) -> tuple[list[float], list[bool]]:
        samples = [sample for folder in folders for sample in load_lines(folder, args.cache)]
        readings = recognizer.recognize_inks(stored_inks(samples, bundle.preprocess), beam_width=args.beam)
        confidences = [c for reading in readings for c in reading.confidences]
        right = [r for sample, reading in zip(samples, readings) for r in characters_right(sample.text, reading.text)]
        return confidences, right

    fit_confidences, fit_right = characters(args.fit)
    calibration = fit_calibration(fit_confidences, fit_right, args.bins)
    print("knots (raw -> calibrated):", ", ".join(f"{raw:.3f}->{cal:.3f}" for raw, cal in calibration.knots))
    for label, (confidences, right) in [("fitted on", (fit_confidences, fit_right)),
                                        *([("checked on", characters(args.check))] if args.check else [])]:
        for state, values in (("raw", confidences), ("calibrated", calibration(confidences))):
            table = reliability(values, right)
            print(f"{label} {len(right)} characters, {state}: calibration error {100 * table.error:.1f} points")
            for low, high, count, mean, share in table.rows:
                print(f"  [{low:.2f}, {high:.2f}{']' if high == EDGES[-1] else ')'} {count:>7} chars"
                      f"  mean confidence {100 * mean:5.1f} %  right {100 * share:5.1f} %")
    if args.out:
        bundle.calibration = calibration
        bundle.training = {**bundle.training, "calibration_fitted_on": [str(folder) for folder in args.fit]}
        save_model(args.out, bundle, half=True)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
