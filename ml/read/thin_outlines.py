"""Outlines drawn through a line's letters, widened before the line is cut out.

Some transcription tools save a line's outline as a thin strip along its
baseline, a fifth of the line spacing tall, that cuts off every ascender and
descender (6 % of the Hooker `train` lines, exported from Transkribus). Cut
by such an outline, a line cannot be read, and training on it teaches the
model letters without their tops. Such a line is cut instead by a band round
its baseline as tall as the page's lines are apart.
"""
from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from ml.layout import TextLine
from ml.layout.baseline_spacing import baseline_spacing

THIN = 0.3  # an outline under this share of the line spacing tall is a candidate...
CUT_INK = 0.25  # ...and is widened when the ink just outside it is this dense, against the ink inside
BAND_ABOVE, BAND_BELOW = 0.65, 0.3  # the band replacing it, in line spacings from the baseline


def widen_thin_outlines(page: np.ndarray, lines: list[TextLine]) -> tuple[list[TextLine], int]:
    """The lines, those whose outline cuts through their letters given a band round their baseline,
    and how many were widened. ``page`` is the gray page image the lines lie on."""
    spacing = baseline_spacing([np.array(line.baseline, float) for line in lines], min_lines=3)
    if spacing is None:
        return lines, 0
    widened = [
        _band(line, spacing) if _cuts_through_letters(page, line, spacing) else line for line in lines
    ]
    return widened, sum(new is not old for new, old in zip(widened, lines))


def _cuts_through_letters(page: np.ndarray, line: TextLine, spacing: float) -> bool:
    if len(line.polygon) < 3 or len(line.baseline) < 2:
        return False
    if _height_about_baseline(line) >= THIN * spacing:
        return False
    return _ink_outside_share(page, line.polygon) >= CUT_INK


def _height_about_baseline(line: TextLine) -> float:
    """How far the outline reaches above plus below the baseline, measured at the outline's points."""
    base = np.array(line.baseline, float)
    outline = np.array(line.polygon, float)
    if np.all(np.diff(base[:, 0]) > 0):
        base_y = np.interp(outline[:, 0], base[:, 0], base[:, 1])
    else:
        base_y = np.full(len(outline), base[:, 1].mean())
    return float((base_y - outline[:, 1]).max() + (outline[:, 1] - base_y).max())


def _ink_outside_share(page: np.ndarray, polygon) -> float:
    """Ink density in a rim just above and below the outline, against the density inside it:
    near 0 for an outline round the writing, high for one that cuts the strokes."""
    points = np.array(polygon, np.int32)
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    tall = max(int(y1 - y0), 4)
    top, bottom = max(0, y0 - tall), min(page.shape[0], y1 + tall)
    left, right = max(0, x0), min(page.shape[1], x1 + 1)
    crop = page[top:bottom, left:right]
    if crop.size == 0:
        return 0.0
    _, ink = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    inside = np.zeros(crop.shape, np.uint8)
    cv2.fillPoly(inside, [points - (left, top)], 1)
    reach = max(2, int(0.2 * tall))
    rim = cv2.dilate(inside, np.ones((2 * reach + 1, 1), np.uint8)) - inside
    if not inside.any() or not rim.any():
        return 0.0
    return float(ink[rim > 0].mean() / max(ink[inside > 0].mean(), 1e-6))


def _band(line: TextLine, spacing: float) -> TextLine:
    above, below = BAND_ABOVE * spacing, BAND_BELOW * spacing
    top = [(x, round(y - above)) for x, y in line.baseline]
    bottom = [(x, round(y + below)) for x, y in reversed(line.baseline)]
    return dataclasses.replace(line, polygon=top + bottom)
