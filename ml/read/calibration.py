"""What a character's confidence means: the share of characters read with it that are right.

A character's CTC confidence (its highest posterior) overstates that share: on the shared `val`
lines, characters read 93 % sure were right 82-85 % of the time. A calibration is a monotone map,
fitted on lines the model was not trained on, from the confidence to the share of such characters
read right; the model file carries it, and what people are shown (the platform's marks and
figures, ``python -m ml.read``) is the calibrated confidence. Decisions made inside the reading (which
way a page is turned, show-through) keep the raw posteriors they were tuned on.

``python -m ml.evaluate.calibrate MODEL --fit DATA... [--check DATA...] [--out FILE]`` fits one and
prints how well the confidences match before and after, on the lines it was fitted on and on
others.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from ml.layout import LinePrediction

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
