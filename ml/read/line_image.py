"""Cut one text line out of a page image by its polygon."""
from __future__ import annotations

import math

import cv2
import numpy as np

from ml.layout import TextLine

# Lines given only by a baseline get a box this many pixels above the
# baseline and a third of that below it.
_BASELINE_ONLY_HEIGHT = 60


def extract_line(page: np.ndarray, line: TextLine) -> np.ndarray:
    """The line's pixels (gray uint8), paper outside its polygon, straightened by its baseline."""
    polygon = line.polygon or _box_from_baseline(line.baseline)
    x0, y0, x1, y1 = _bounds(polygon, page.shape)
    crop = page[y0:y1, x0:x1]
    if crop.size == 0:
        return np.full((8, 8), 255, np.uint8)
    mask = np.zeros(crop.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.array(polygon, np.int32) - (x0, y0)], 255)
    paper = np.uint8(np.percentile(crop, 90))
    out = np.where(mask > 0, crop, paper).astype(np.uint8)
    return _straighten(out, line.baseline, paper)


def _bounds(polygon, shape) -> tuple[int, int, int, int]:
    points = np.array(polygon)
    x0, y0 = np.maximum(points.min(axis=0), 0)
    x1, y1 = points.max(axis=0) + 1
    return int(x0), int(y0), int(min(x1, shape[1])), int(min(y1, shape[0]))


def _box_from_baseline(baseline) -> list[tuple[int, int]]:
    up, down = _BASELINE_ONLY_HEIGHT, _BASELINE_ONLY_HEIGHT // 3
    top = [(x, y - up) for x, y in baseline]
    bottom = [(x, y + down) for x, y in reversed(baseline)]
    return top + bottom


def _straighten(crop: np.ndarray, baseline, paper: int) -> np.ndarray:
    """Turn the line so that its baseline runs left to right: by its slope when it is noticeably
    skewed, a quarter turn for text written up or down the page, a half turn for upside-down text."""
    if len(baseline) < 2:
        return crop
    (xa, ya), (xb, yb) = baseline[0], baseline[-1]
    angle = math.degrees(math.atan2(yb - ya, xb - xa))
    if abs(angle) < 1.0:
        return crop
    h, w = crop.shape
    matrix = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), angle, 1.0)
    if abs(angle) > 45:  # the turned line needs a canvas of its own shape
        cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
        w, h = int(round(h * sin + w * cos)), int(round(h * cos + w * sin))
        matrix[:, 2] += ((w - crop.shape[1]) / 2, (h - crop.shape[0]) / 2)
    return cv2.warpAffine(crop, matrix, (w, h), borderValue=int(paper), flags=cv2.INTER_LINEAR)
