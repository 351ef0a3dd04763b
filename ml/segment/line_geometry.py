"""A line's outline and baseline from its ink pixels (in the deskewed working frame)."""
from __future__ import annotations

import cv2
import numpy as np

from ml.segment.line_finding import LineInk

# Margin around the ink, in line spacings (six times as much at the line's ends, where a
# first or last letter cut short costs the reading more than paper does).
PAD = 0.05


def outline(line: LineInk, base: np.ndarray, spacing: float) -> np.ndarray:
    """Closed polygon (float [N, 2]): a band along the baseline that follows the ink within limits.

    Upper edge left to right, then lower edge back. In each stretch of half a
    spacing the band reaches the highest and lowest ink nearby, but no less than
    the x-height and no more than one ascender (or descender) from the
    baseline, the shape that ground-truth line polygons have.
    """
    step = max(spacing / 2, 2.0)
    x0, x1 = float(line.xs.min()), float(line.xs.max())
    count = max(int(np.ceil((x1 - x0) / step)), 1)
    xs = np.linspace(x0, x1, count + 1)
    base_y = np.interp(xs, base[:, 0], base[:, 1])
    bins = np.clip(np.round((line.xs - x0) / step).astype(int), 0, count)
    top = np.full(count + 1, np.inf)
    bottom = np.full(count + 1, -np.inf)
    np.minimum.at(top, bins, line.ys)
    np.maximum.at(bottom, bins, line.ys)
    # Reach into the neighbouring stretches too, so the edge is an envelope, not a comb.
    top = np.minimum(top, np.minimum(np.r_[top[1:], np.inf], np.r_[np.inf, top[:-1]]))
    bottom = np.maximum(bottom, np.maximum(np.r_[bottom[1:], -np.inf], np.r_[-np.inf, bottom[:-1]]))
    pad = PAD * spacing  # a margin, so that no stroke touches the edge of a line image
    rise = np.clip(base_y - top + pad, 0.35 * spacing, 0.75 * spacing)
    drop = np.clip(bottom - base_y + pad, 0.1 * spacing, 0.35 * spacing)
    rise[~np.isfinite(top)] = 0.5 * spacing
    drop[~np.isfinite(bottom)] = 0.15 * spacing
    xs = np.r_[xs[0] - 6 * pad, xs, xs[-1] + 6 * pad]
    base_y, rise, drop = (np.r_[v[0], v, v[-1]] for v in (base_y, rise, drop))
    upper = np.stack([xs, base_y - rise], axis=1)
    lower = np.stack([xs, base_y + drop], axis=1)
    return np.concatenate([upper, lower[::-1]])


def baseline(line: LineInk, spacing: float) -> np.ndarray:
    """Polyline (float [N, 2]) under the line's core, the band of its densest ink.

    The ink's rows are measured relative to the ridge; the baseline lies where
    the density below the ridge falls under 40% of its peak, in segments about
    three spacings long so that curved lines are followed.
    """
    offsets = line.ys - line.ridge_at(line.xs)
    x0, x1 = int(line.xs.min()), int(line.xs.max())
    below = _core_bottom(offsets, spacing)
    segment = 3 * spacing
    count = max(int(round((x1 - x0) / segment)), 1)
    knots = np.linspace(x0, x1, count + 1)
    points = []
    for a, b in zip(knots[:-1], knots[1:]):
        inside = (line.xs >= a) & (line.xs <= b)
        local = _core_bottom(offsets[inside], spacing) if inside.sum() > spacing else below
        for x in (a, b) if not points else (b,):
            points.append((x, float(line.ridge_at(np.array([int(round(x))]))[0]) + local))
    return np.array(points, np.float64)


def row_histogram(offsets: np.ndarray, spacing: float) -> np.ndarray:
    """Ink per row at ``offsets`` from the ridge, lightly smoothed: 2 * ceil(spacing) + 1 rows,
    the ridge's in the middle, ink farther away counted in the end rows."""
    limit = int(np.ceil(spacing))
    rows = np.clip(np.round(offsets).astype(int) + limit, 0, 2 * limit)
    return np.convolve(np.bincount(rows, minlength=2 * limit + 1), np.ones(3) / 3, mode="same")


def _core_bottom(offsets: np.ndarray, spacing: float) -> float:
    """Offset below the ridge where the row histogram of ink drops under 40% of its peak."""
    limit = int(np.ceil(spacing))
    histogram = row_histogram(offsets, spacing)
    peak = int(np.argmax(histogram[limit // 2 : limit + limit // 2 + 1])) + limit // 2
    return float(core_rows(histogram, peak).stop - 1 - limit)


def core_rows(histogram: np.ndarray, peak: int) -> slice:
    """The rows round ``peak`` where the ink stays at 40% of the peak's or more: the line's core."""
    dense = histogram >= 0.4 * histogram[peak]
    start, stop = peak, peak + 1
    while start > 0 and dense[start - 1]:
        start -= 1
    while stop < len(dense) and dense[stop]:
        stop += 1
    return slice(start, stop)


def unturned(x, y, turn: int, shape: tuple[int, int]):
    """(x, y) in a frame turned by ``turn`` (``cv2.ROTATE_90_*``), in the frame before the turn,
    whose ``shape`` is (height, width); scalars or arrays."""
    height, width = shape
    if turn == cv2.ROTATE_90_CLOCKWISE:
        return y, height - 1 - x
    return width - 1 - y, x
