"""How well detected lines match ground-truth lines: polygon IoU matching and baseline coverage.

Counts (not rates) are returned so that a data set's figures are summed over
pages before dividing (micro-averaged).
"""
from __future__ import annotations

from dataclasses import astuple, dataclass

import cv2
import numpy as np

from ml.layout import Point, TextLine
from ml.layout.baseline_spacing import baseline_spacing
from ml.layout.formats.writing import line_polygon
from ml.layout.geometry import bounding_box, boxes_share_half

# Polygons are rasterized at this fraction of the page size: IoU of text-line
# masks changes by well under a percent, and it is 16 times cheaper.
_RASTER_SCALE = 0.25
# Baselines are compared at points this many pixels apart.
_SAMPLE_STEP = 5.0


class _Counts:
    """Counts of one page, summed field by field over pages with ``+``."""

    def __add__(self, other):
        return type(self)(*(a + b for a, b in zip(astuple(self), astuple(other))))


@dataclass
class DetectionCounts(_Counts):
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        return self.true_positives / max(self.true_positives + self.false_positives, 1)

    @property
    def recall(self) -> float:
        return self.true_positives / max(self.true_positives + self.false_negatives, 1)

    @property
    def f1(self) -> float:
        return _harmonic(self.precision, self.recall)


@dataclass
class BaselineCounts(_Counts):
    """Sampled baseline points: ground truth ones near a detection, detected ones near the truth."""

    truth_hits: int = 0
    truth_points: int = 0
    detected_hits: int = 0
    detected_points: int = 0

    @property
    def precision(self) -> float:
        return self.detected_hits / max(self.detected_points, 1)

    @property
    def recall(self) -> float:
        return self.truth_hits / max(self.truth_points, 1)

    @property
    def f1(self) -> float:
        return _harmonic(self.precision, self.recall)


def match_lines(
    truth: list[TextLine], detected: list[TextLine], threshold: float = 0.5
) -> list[tuple[int, int]]:
    """One-to-one (truth index, detected index) pairs with polygon IoU >= threshold.

    Greedy by decreasing IoU; at a threshold of 0.5 or more a line can overlap
    that much with at most one other, so greedy equals optimal matching.
    """
    truth_masks = [_Mask(line_polygon(line)) for line in truth]
    detected_masks = [_Mask(line_polygon(line)) for line in detected]
    pairs = []
    for i, a in enumerate(truth_masks):
        for j, b in enumerate(detected_masks):
            iou = a.iou(b)
            if iou >= threshold:
                pairs.append((iou, i, j))
    matched, used_truth, used_detected = [], set(), set()
    for _, i, j in sorted(pairs, reverse=True):
        if i not in used_truth and j not in used_detected:
            matched.append((i, j))
            used_truth.add(i)
            used_detected.add(j)
    return sorted(matched)


def detection_counts(truth: list[TextLine], detected: list[TextLine], threshold: float = 0.5) -> DetectionCounts:
    matched = len(match_lines(truth, detected, threshold))
    return DetectionCounts(matched, len(detected) - matched, len(truth) - matched)


def truth_order(truth: list[TextLine], detected: list[TextLine]) -> list[int]:
    """Indices of ``detected`` put in the ground truth's reading order.

    A detected line that matches a ground-truth line takes that line's place; one
    that matches none stays right after the detected line it followed. Reading the
    page in this order measures what segmentation costs the text apart from where
    the reading order and the transcriber's disagree.
    """
    truth_of = {j: i for i, j in match_lines(truth, detected)}
    keys, place = [], -1
    for j in range(len(detected)):
        place = truth_of.get(j, place)
        keys.append((place, j not in truth_of, j))
    return [key[2] for key in sorted(keys)]


@dataclass
class UnreadCounts(_Counts):
    """Whether the places shown as unread ink point a person at the text the segmenter left out."""

    unread: int = 0  # truth lines with text less than half inside any detected line: nothing reads them
    unread_shown: int = 0  # of those, lines that a place of unread ink overlaps
    places: int = 0
    places_on_text: int = 0  # places that overlap a truth line with text


def unread_counts(truth: list[TextLine], detected: list[TextLine], places: list[list[Point]]) -> UnreadCounts:
    """A place and a line overlap when their boxes share half of the smaller box."""
    written = [line for line in truth if line.text.strip()]
    unread = _outside(written, detected)
    boxes = [bounding_box(place) for place in places]
    written_boxes = [bounding_box(line_polygon(line)) for line in written]
    return UnreadCounts(
        unread=len(unread),
        unread_shown=sum(any(boxes_share_half(bounding_box(line_polygon(line)), b) for b in boxes) for line in unread),
        places=len(boxes),
        places_on_text=sum(any(boxes_share_half(line_box, b) for line_box in written_boxes) for b in boxes),
    )


def _outside(truth: list[TextLine], detected: list[TextLine]) -> list[TextLine]:
    """The truth lines less than half of whose area lies inside the detected lines' polygons."""
    scaled = lambda line: np.round(np.array(line_polygon(line), np.float64) * _RASTER_SCALE).astype(np.int32)
    truth_points, detected_points = [scaled(line) for line in truth], [scaled(line) for line in detected]
    corner = np.concatenate(truth_points + detected_points).max(axis=0) + 2 if truth_points else (1, 1)
    covered = np.zeros((corner[1], corner[0]), np.uint8)
    cv2.fillPoly(covered, detected_points, 1)
    outside = []
    for line, points in zip(truth, truth_points):
        own = np.zeros_like(covered)
        cv2.fillPoly(own, [points], 1)
        if np.count_nonzero(own & covered) < 0.5 * max(np.count_nonzero(own), 1):
            outside.append(line)
    return outside


def baseline_counts(truth: list[TextLine], detected: list[TextLine]) -> BaselineCounts:
    """cBAD-style coverage: a sampled baseline point counts when a line of the other side lies
    within a tolerance of a quarter of the page's median line spacing (measured on the truth)."""
    truth_lines = [_sample(line.baseline) for line in truth if len(line.baseline) >= 2]
    detected_lines = [_sample(line.baseline) for line in detected if len(line.baseline) >= 2]
    tolerance = max((baseline_spacing(truth_lines) or 40.0) / 4, 3.0)
    truth_points = np.concatenate(truth_lines) if truth_lines else np.zeros((0, 2))
    detected_points = np.concatenate(detected_lines) if detected_lines else np.zeros((0, 2))
    return BaselineCounts(
        truth_hits=_near(truth_points, detected, tolerance),
        truth_points=len(truth_points),
        detected_hits=_near(detected_points, truth, tolerance),
        detected_points=len(detected_points),
    )


class _Mask:
    """A polygon rasterized within its own bounding box, at _RASTER_SCALE."""

    def __init__(self, polygon: list[Point]) -> None:
        points = np.round(np.array(polygon, np.float64) * _RASTER_SCALE).astype(np.int32)
        self.x0, self.y0 = points.min(axis=0)
        x1, y1 = points.max(axis=0)
        self.mask = np.zeros((y1 - self.y0 + 1, x1 - self.x0 + 1), np.uint8)
        cv2.fillPoly(self.mask, [points - (self.x0, self.y0)], 1)
        self.area = int(self.mask.sum())

    def iou(self, other: "_Mask") -> float:
        x0, y0 = max(self.x0, other.x0), max(self.y0, other.y0)
        x1 = min(self.x0 + self.mask.shape[1], other.x0 + other.mask.shape[1])
        y1 = min(self.y0 + self.mask.shape[0], other.y0 + other.mask.shape[0])
        if x1 <= x0 or y1 <= y0:
            return 0.0
        a = self.mask[y0 - self.y0 : y1 - self.y0, x0 - self.x0 : x1 - self.x0]
        b = other.mask[y0 - other.y0 : y1 - other.y0, x0 - other.x0 : x1 - other.x0]
        intersection = int(np.count_nonzero(a & b))
        return intersection / max(self.area + other.area - intersection, 1)


def _sample(polyline: list[Point]) -> np.ndarray:
    """Points every _SAMPLE_STEP pixels along a polyline, its vertices included."""
    points = np.array(polyline, np.float64)
    samples = [points[:1]]
    for a, b in zip(points[:-1], points[1:]):
        steps = max(int(np.ceil(np.linalg.norm(b - a) / _SAMPLE_STEP)), 1)
        t = np.arange(1, steps + 1)[:, None] / steps
        samples.append(a + (b - a) * t)
    return np.concatenate(samples)


def _near(points: np.ndarray, lines: list[TextLine], tolerance: float) -> int:
    """How many of ``points`` lie within ``tolerance`` of one of the ``lines``' baselines."""
    polylines = [np.round(line.baseline).astype(np.int32) for line in lines if len(line.baseline) >= 2]
    if not len(points) or not polylines:
        return 0
    corner = np.floor(np.minimum(points.min(axis=0), np.concatenate(polylines).min(axis=0))) - 1
    far = np.ceil(np.maximum(points.max(axis=0), np.concatenate(polylines).max(axis=0))) + 2
    drawn = np.full((int(far[1] - corner[1]), int(far[0] - corner[0])), 255, np.uint8)
    cv2.polylines(drawn, [p - corner.astype(np.int32) for p in polylines], False, 0, 1)
    distance = cv2.distanceTransform(drawn, cv2.DIST_L2, 5)
    local = np.round(points - corner).astype(int)
    return int((distance[local[:, 1], local[:, 0]] <= tolerance).sum())


def _harmonic(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class CoverageCounts(_Counts):
    """How much of the truth's text lies inside some detected line: text outside every one is
    never read, whatever the recognizer."""

    uncovered: int = 0  # truth characters no detected line covers
    chars: int = 0

    @property
    def uncovered_share(self) -> float:
        return self.uncovered / max(self.chars, 1)


def coverage_counts(truth: list[TextLine], detected: list[TextLine]) -> CoverageCounts:
    """Each truth line's characters laid evenly along its baseline's direction, each owning a
    slice of the line's outline: a character is covered when half its slice lies inside the
    detected lines' outlines."""
    written = [line for line in truth if line.text and len(line_polygon(line)) >= 3]
    if not written:
        return CoverageCounts()
    scaled = lambda line: np.round(np.array(line_polygon(line), np.float64) * _RASTER_SCALE).astype(np.int32)
    truth_points, detected_points = [scaled(line) for line in written], [scaled(line) for line in detected]
    corner = np.concatenate(truth_points + detected_points).max(axis=0) + 2
    covered = np.zeros((corner[1], corner[0]), np.uint8)
    cv2.fillPoly(covered, [p for p in detected_points if len(p) >= 3], 1)
    counts = CoverageCounts()
    for line, points in zip(written, truth_points):
        chars = len(line.text)
        counts.chars += chars
        own = np.zeros_like(covered)
        cv2.fillPoly(own, [points], 1)
        ys, xs = np.nonzero(own)
        if not len(xs):
            counts.uncovered += chars
            continue
        along = _along_baseline(line, xs, ys)
        span = max(float(along.max() - along.min()), 1e-6)
        slot = np.minimum(((along - along.min()) / span * chars).astype(int), chars - 1)
        inside = np.bincount(slot, weights=covered[ys, xs], minlength=chars)
        total = np.bincount(slot, minlength=chars)
        counts.uncovered += int(np.sum(inside < 0.5 * np.maximum(total, 1)))
    return counts


def _along_baseline(line: TextLine, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """How far along the line's writing direction (its baseline's first to last point; left to
    right without one) each of the pixels lies."""
    direction = np.array([1.0, 0.0])
    if len(line.baseline) >= 2:
        run = np.subtract(line.baseline[-1], line.baseline[0], dtype=np.float64)
        if np.linalg.norm(run) > 0:
            direction = run / np.linalg.norm(run)
    return xs * direction[0] + ys * direction[1]
