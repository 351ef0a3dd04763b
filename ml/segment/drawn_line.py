"""A line a person drew a box round, fitted to its writing.

People draw boxes loosely: a box round a line takes in the descenders of the line
above, the ascenders of the line below, and paper. Read as a rectangle, such a
line has 1.7 to 2.8 times the errors of one cut by its outline (docs/segmentation.md,
"Lines drawn by hand"). Here the box's ink is searched for the line it was drawn
for (the densest band of ink near the box's middle, along the writing's skew);
the strokes that cross that band, and the accents and dots just above or below
it, make the line; the outline follows them and the baseline runs under the band.
"""
from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ml.layout import Point
from ml.layout.geometry import box_polygon
from ml.segment.page_ink import CROP_MAX_SKEW, crop_ink, estimate_skew
from ml.segment.unread_ink import Box, shifted_outlines

# Which way the writing in a drawn box runs: along the page, or up or down its margin.
DIRECTIONS = ("right", "up", "down")
# Quarter turns (numpy's rot90, counter-clockwise) that stand writing running each way upright.
_TURNS = {"right": 0, "up": -1, "down": 1}
MAX_SKEW = CROP_MAX_SKEW
# The outline reaches at most this many core heights above and below the core: a neighbour's
# stroke that touches one of the line's own is cut there instead of taken in whole.
RISE, DROP = 1.2, 1.0
# A box smaller than this either way is not fitted (a drawn one is taken as drawn).
MIN_SIZE = 8
# Flat pieces of ink (this many times as long as high, and this long) lying in rows that such pieces
# cover for this share of the box's length are the fading edges of a fold or a thick rule.
STREAK_RATIO, STREAK_MIN_LENGTH, STREAK_SHARE = 8, 30, 0.3
# A row of the line's core holds at least this share of the densest row's ink.
CORE_LEVEL = 0.4
# A stroke belongs to the line when this share of the core's height (in pixels) lies in the core.
CORE_TOUCH = 0.25


def fit_drawn_line(gray: np.ndarray, box: Box, direction: str = "right") -> tuple[list[Point], list[Point]]:
    """The polygon and baseline, in page pixels, of the writing a person drew ``box`` (x0, y0, x1,
    y1) round on a gray page, running ``direction`` ("right", or "up" / "down" a margin): the line
    across the box's middle, as a person centres a box on the line it is for; the box itself
    (``box_line``) when it holds no ink."""
    drawn = box_line(box, direction)  # also refuses an unknown direction
    return _fitted(gray, box, direction, True, ()) or drawn


def fit_free_line(
    gray: np.ndarray, box: Box, direction: str = "right", taken: Sequence[Sequence[Point]] = ()
) -> tuple[list[Point], list[Point]] | None:
    """The polygon and baseline of the densest line of writing anywhere in ``box`` (a place of
    unread ink, whose box is not centred on a line), leaving out the ink inside the ``taken``
    outlines (page pixels: lines already there); None when the box holds no other ink."""
    box_line(box, direction)  # refuses an unknown direction
    return _fitted(gray, box, direction, False, taken)


def _fitted(
    gray: np.ndarray, box: Box, direction: str, centred: bool, taken: Sequence[Sequence[Point]]
) -> tuple[list[Point], list[Point]] | None:
    x0, y0, x1, y1 = box
    crop = gray[y0:y1, x0:x1]
    if min(crop.shape) < MIN_SIZE:
        return None
    turns = _TURNS[direction]
    free = np.ones_like(crop)
    cv2.fillPoly(free, shifted_outlines(taken, (x0, y0)), 0)
    fitted = _fit_upright(*(np.ascontiguousarray(np.rot90(a, turns)) for a in (crop, free)), centred)
    if fitted is None:
        return None
    polygon, baseline = (_turned_back(points, turns, crop.shape, (x0, y0)) for points in fitted)
    return polygon, baseline


def box_line(box: Box, direction: str = "right") -> tuple[list[Point], list[Point]]:
    """The polygon and baseline of a line drawn as ``box``, taken as it is: the box, and a
    straight baseline inside it, a quarter of the line's height from its foot, running the way
    the writing does."""
    x0, y0, x1, y1 = box
    polygon = box_polygon(box)
    if direction == "right":
        base = round(y1 - 0.25 * (y1 - y0))
        return polygon, [(x0, base), (x1, base)]
    if direction == "up":  # the letters' feet face right
        base = round(x1 - 0.25 * (x1 - x0))
        return polygon, [(base, y1), (base, y0)]
    if direction == "down":  # the letters' feet face left
        base = round(x0 + 0.25 * (x1 - x0))
        return polygon, [(base, y0), (base, y1)]
    raise ValueError(f"The direction of the writing must be one of {', '.join(DIRECTIONS)}, not {direction!r}.")


def writing_direction(baseline: Sequence[Sequence[float]]) -> str:
    """Which of DIRECTIONS a line runs, by its baseline from first to last point (a line running
    leftwards is upside down, and is drawn as one running right)."""
    if len(baseline) < 2:
        return "right"
    dx, dy = baseline[-1][0] - baseline[0][0], baseline[-1][1] - baseline[0][1]
    if abs(dx) >= abs(dy):
        return "right"
    return "down" if dy > 0 else "up"


def _fit_upright(crop: np.ndarray, free: np.ndarray, centred: bool) -> tuple[np.ndarray, np.ndarray] | None:
    """Polygon and baseline (float [N, 2], in ``crop``'s pixels) of the line across its middle
    (or the densest, when not ``centred``), of the ink where ``free`` is 1."""
    ink = _without_streaks(crop_ink(crop, MAX_SKEW) & free)
    ys, xs = np.nonzero(ink)
    if xs.size == 0:
        return None
    height, width = crop.shape
    # The writing's own skew (ruled paper is often written on askew): rows are measured along it.
    slope = np.tan(np.radians(estimate_skew(ink, MAX_SKEW)))
    rows = np.clip(np.round(ys - (xs - width / 2) * slope).astype(int), 0, height - 1)
    top, bottom = _core(rows, height, centred)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    components = labels[ys, xs]  # of each ink pixel
    chosen = _line_strokes(components, rows, stats, top, bottom, height)[components]
    if not chosen.any():
        return None
    xs, ys = xs[chosen], ys[chosen]
    ends = np.array([xs.min(), xs.max()], np.float64)
    baseline = np.stack([ends, bottom + (ends - width / 2) * slope], axis=1)
    core = bottom - top + 1
    within = (rows[chosen] >= top - RISE * core) & (rows[chosen] <= bottom + DROP * core)
    if not within.any():
        return None
    return _envelope(xs[within], ys[within], core, (width, height)), baseline


def _without_streaks(ink: np.ndarray) -> np.ndarray:
    """The ink without the flat streaks of a fold of the sheet or a thick rule across the box.

    A fold's edges fade; what the rulings' straight runs leave of them is a row of flat pieces
    which together run along much of the box, and which would make its densest band. Flat pieces
    (at least STREAK_RATIO times as long as high) whose rows such pieces cover for STREAK_SHARE of
    the box's length go; so does an underline, but no stroke of writing is that flat and long.
    """
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    top, tall, wide = stats[:, cv2.CC_STAT_TOP], stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH]
    flat = (wide >= STREAK_RATIO * tall) & (wide >= STREAK_MIN_LENGTH)
    flat[0] = False  # the paper
    covered = np.zeros(ink.shape[0] + 1)
    np.add.at(covered, top[flat], wide[flat])
    np.add.at(covered, top[flat] + tall[flat], -wide[flat])
    along = np.cumsum(covered)[:-1] >= STREAK_SHARE * ink.shape[1]  # rows that flat pieces cover so far along
    middle = top + tall // 2
    streak = flat & along[np.clip(middle, 0, ink.shape[0] - 1)]
    return np.where(streak[labels], 0, ink).astype(np.uint8)


def _core(rows: np.ndarray, height: int, centred: bool = True) -> tuple[int, int]:
    """First and last row of the band of densest ink (nearest the middle, when ``centred``): the
    line's x-height."""
    profile = np.convolve(np.bincount(rows, minlength=height), np.ones(5) / 5, mode="same")
    # A person centres the box on the line it is for, whatever else the box takes in.
    nearness = np.exp(-0.5 * ((np.arange(height) - (height - 1) / 2) / (height / 4)) ** 2) if centred else 1.0
    peak = int(np.argmax(profile * nearness))
    level = CORE_LEVEL * profile[peak]
    top = bottom = peak
    while top > 0 and profile[top - 1] >= level:
        top -= 1
    while bottom + 1 < height and profile[bottom + 1] >= level:
        bottom += 1
    return top, bottom


def _line_strokes(
    labels: np.ndarray, rows: np.ndarray, stats: np.ndarray, top: int, bottom: int, height: int
) -> np.ndarray:
    """Which connected components are the line's: those that cross its core, and the marks
    (accents, dots, commas) close above or below it that no stroke from outside the box reaches."""
    core = bottom - top + 1
    in_core = np.bincount(labels[(rows >= top) & (rows <= bottom)], minlength=len(stats))
    crossing = in_core >= CORE_TOUCH * np.minimum(stats[:, cv2.CC_STAT_HEIGHT], core)
    first = np.full(len(stats), height)
    last = np.full(len(stats), -1)
    np.minimum.at(first, labels, rows)
    np.maximum.at(last, labels, rows)
    near = (first >= top - core) & (last <= bottom + core)
    inside = (stats[:, cv2.CC_STAT_TOP] > 0) & (stats[:, cv2.CC_STAT_TOP] + stats[:, cv2.CC_STAT_HEIGHT] < height)
    tall, wide = stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH]
    # A fold, the sheet's edge or a margin rule drawn by hand, from the box's top to its bottom.
    rule = (stats[:, cv2.CC_STAT_TOP] == 0) & (tall == height) & (tall > 3 * core) & (wide < tall / 4)
    mark = tall < core
    keep = (crossing & ~rule) | (near & inside & mark)
    keep[0] = False  # the paper
    return keep


def _envelope(xs: np.ndarray, ys: np.ndarray, core: int, size: tuple[int, int]) -> np.ndarray:
    """A polygon round the ink: in each stretch of one core height, the highest and lowest ink
    of it and its neighbours, with a margin; upper edge left to right, lower edge back."""
    step = max(core, 4)
    pad = max(2, core // 4)
    upper, lower = [], []
    for start in np.arange(xs.min(), xs.max() + step, step):
        near = (xs >= start - step) & (xs < start + 2 * step)
        if near.any():
            upper.append((start, ys[near].min() - pad))
            lower.append((start, ys[near].max() + pad))
    if len(upper) == 1:  # ink a stretch or less long: its two ends are set apart below
        upper, lower = upper * 2, lower * 2
    upper[0], lower[0] = (xs.min() - pad, upper[0][1]), (xs.min() - pad, lower[0][1])
    upper[-1], lower[-1] = (xs.max() + pad, upper[-1][1]), (xs.max() + pad, lower[-1][1])
    width, height = size
    outline = np.array(upper + lower[::-1], np.float64)
    return np.clip(outline, 0, (width - 1, height - 1))


def _turned_back(points: np.ndarray, turns: int, shape: tuple[int, int], offset: tuple[int, int]) -> list[Point]:
    """Points of the upright crop in the page's pixels: turned back, then moved to the box."""
    height, width = shape
    u, v = points[:, 0], points[:, 1]
    if turns == -1:  # written up the page: turned clockwise to stand upright
        x, y = v, height - 1 - u
    elif turns == 1:  # written down the page: turned counter-clockwise
        x, y = width - 1 - v, u
    else:
        x, y = u, v
    return [(int(round(a)) + offset[0], int(round(b)) + offset[1]) for a, b in zip(x, y)]
