"""From a grayscale page to a clean, deskewed ink mask: paper flattened, rulings and frames out.

Small print set tight (a form's consent text, a stamp's legend) looks like a
ruling at the working scale: its letters join into one long straight run. It
is taken out with the rulings, because the line finder cannot read it at that
scale, but kept aside as ``small_print``, so that it is shown as ink no line
took rather than lost.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Darkness (relative to the local paper) below which a pixel is paper.
PAPER_NOISE = 0.12
# A straight run at least this thick (mean, in pixels; rulings are 1-3 at the working scale) with
# paper in at least this share of its columns is a line of print, not a ruling. Page edges and
# frames as thick are solid. Measured on a third of the train pages at the working scale:
# Copiste's consent print 4.3-7.0 thick with paper in 10-20 % of its columns, page edges 0-2 %.
# Runs fewer rows apart than PRINT_ROWS_APART count as one (a line of print at full scale).
PRINT_THICKNESS = 4.0
PRINT_GAPS = 0.05
PRINT_ROWS_APART = 5
# Largest skew of the writing in a crop of a page at full scale (crop_ink), in degrees.
CROP_MAX_SKEW = 6.0


@dataclass
class PageInk:
    """Ink of a page at working scale, turned upright."""

    mask: np.ndarray  # [H, W] uint8: 1 = ink
    small_print: np.ndarray  # [H, W] uint8: 1 = ink of lines of print too small to read here, not in ``mask``
    rotation: np.ndarray  # [2, 3] affine map from the working image to ``mask``'s frame
    angle: float  # the skew corrected, in degrees


def page_ink(gray: np.ndarray, max_skew: float, print_thickness: float = PRINT_THICKNESS) -> PageInk:
    """Deskewed ink of a working-scale grayscale page, without rulings, frames and shine-through;
    straight runs at least ``print_thickness`` thick with paper between their letters are small print."""
    darkness = flatten_background(gray)
    angle = estimate_skew(darkness > PAPER_NOISE, max_skew)
    height, width = gray.shape
    rotation = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    darkness = cv2.warpAffine(darkness, rotation, (width, height), flags=cv2.INTER_LINEAR)
    rulings, printed = rulings_and_print((darkness > PAPER_NOISE).astype(np.uint8), max(width // 4, 20), print_thickness)
    small_print = np.zeros_like(rulings)
    if printed.any():
        small_print = ink_mask(np.where(rulings > printed, 0.0, darkness)) & printed
    darkness[rulings > 0] = 0.0
    return PageInk(mask=ink_mask(darkness), small_print=small_print, rotation=rotation, angle=angle)


def flatten_background(gray: np.ndarray) -> np.ndarray:
    """Darkness relative to the local paper colour: 0 = paper, 1 = black.

    The paper is estimated by a max filter wider than any stroke on a
    quarter-size copy, so stains, shadows and uneven scans cancel out. Where
    that "paper" is far darker than the page's own (the scanner bed or table
    around the sheet) nothing counts as ink.
    """
    if min(gray.shape) >= 3:
        small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    else:  # a sliver a pixel or two thick: a quarter of it would be nothing
        small = cv2.resize(gray, (max(1, gray.shape[1] // 4), max(1, gray.shape[0] // 4)), interpolation=cv2.INTER_AREA)
    paper = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (7, 7)))
    paper = cv2.GaussianBlur(paper, (0, 0), 2)
    off_page = (paper < 0.6 * np.median(paper)).astype(np.uint8)
    off_page = cv2.dilate(off_page, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9)))
    size = (gray.shape[1], gray.shape[0])
    paper = cv2.resize(paper, size, interpolation=cv2.INTER_LINEAR)
    off_page = cv2.resize(off_page, size, interpolation=cv2.INTER_NEAREST)
    darkness = 1.0 - gray.astype(np.float32) / np.maximum(paper.astype(np.float32), 1.0)
    darkness[off_page > 0] = 0.0
    return np.clip(darkness, 0.0, 1.0)


def estimate_skew(mask: np.ndarray, max_angle: float) -> float:
    """Page skew in degrees: the shear that makes the row profile of the ink most peaked."""
    ys, xs = np.nonzero(mask)
    if len(xs) < 100:
        return 0.0
    if len(xs) > 200_000:  # a sample ranks the angles just as well
        keep = np.random.default_rng(0).choice(len(xs), 200_000, replace=False)
        ys, xs = ys[keep], xs[keep]
    offset = mask.shape[0] + int(np.ceil(mask.shape[1] * np.tan(np.radians(max_angle + 1))))

    def peakedness(angle: float) -> float:
        rows = np.round(ys - (xs - mask.shape[1] / 2) * np.tan(np.radians(angle))).astype(int) + offset
        return float((np.bincount(rows).astype(np.float64) ** 2).sum())

    coarse = np.arange(-max_angle, max_angle + 1e-6, 0.5)
    best = max(coarse, key=peakedness)
    fine = np.arange(best - 0.4, best + 0.41, 0.1)
    # Ink rows falling to the right (a positive shear) are undone by OpenCV's
    # counter-clockwise rotation by the same positive angle.
    return float(max(fine, key=peakedness))


def rulings_and_print(
    mask: np.ndarray, min_length: int, print_thickness: float = PRINT_THICKNESS
) -> tuple[np.ndarray, np.ndarray]:
    """Straight horizontal and vertical runs longer than ``min_length``, dashed ones included, and
    the part of them that is lines of small print (thick, with paper between their letters); both
    a little widened.

    Ruled and squared paper, margins and frame edges are longer and straighter
    than any handwritten stroke.
    """
    turned = np.ascontiguousarray(mask.T)
    across, down = _straight_runs(mask, min_length), _straight_runs(turned, min_length)
    printed = _print_runs(across, mask, print_thickness) | _print_runs(down, turned, print_thickness).T
    widen = np.ones((3, 3), np.uint8)
    return cv2.dilate(across | down.T, widen), cv2.dilate(printed, widen)


def horizontal_rulings(mask: np.ndarray, min_length: int) -> np.ndarray:
    """Straight horizontal runs longer than ``min_length`` that are not lines of print, a little
    widened: in a line a person drew a box round, print is what is to be read."""
    runs = _straight_runs(mask, min_length)
    return cv2.dilate(runs & (1 - _print_runs(runs, mask)), np.ones((3, 3), np.uint8))


def _print_runs(runs: np.ndarray, mask: np.ndarray, thickness: float = PRINT_THICKNESS) -> np.ndarray:
    """The horizontal ``runs`` that are lines of print: runs a few rows apart taken together (at a
    fine scale a line of print gives one run at its baseline, one at its x-height), as thick as
    print, with gaps between letters in ``mask``."""
    if not runs.any():
        return runs
    merged = cv2.morphologyEx(runs, cv2.MORPH_CLOSE, np.ones((PRINT_ROWS_APART, 1), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(merged, connectivity=8)
    is_print = np.zeros(count, bool)
    for run in range(1, count):
        x, y, width, height, area = stats[run]
        if area / width >= thickness:
            is_print[run] = 1 - mask[y : y + height, x : x + width].any(axis=0).mean() >= PRINT_GAPS
    return is_print[labels].astype(np.uint8)


def _straight_runs(mask: np.ndarray, min_length: int) -> np.ndarray:
    """Horizontal runs of ``mask`` longer than ``min_length``; a short closing first joins the
    dashes of a dotted ruling (and the letters of tight print)."""
    joined = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((1, 9), np.uint8))
    return cv2.morphologyEx(joined, cv2.MORPH_OPEN, np.ones((1, min_length), np.uint8))


def vertical_rulings(mask: np.ndarray, min_length: int) -> np.ndarray:
    """Straight vertical runs longer than ``min_length``, as ``horizontal_rulings``."""
    return horizontal_rulings(np.ascontiguousarray(mask.T), min_length).T


def ink_mask(darkness: np.ndarray, relative: float = 0.45) -> np.ndarray:
    """Pixels darker than paper noise and than ``relative`` times the darkest ink around them.

    The local reference (a max filter some 60 pixels wide) keeps faint pens and
    pencil on a page of their own, and drops ink shining through from the back
    of the sheet next to the darker writing on the front.
    """
    strongest = cv2.dilate(darkness, cv2.getStructuringElement(cv2.MORPH_RECT, (61, 61)))
    strongest = cv2.blur(strongest, (31, 31))
    return (darkness > np.maximum(PAPER_NOISE, relative * strongest)).astype(np.uint8)


def crop_ink(crop: np.ndarray, max_skew: float = CROP_MAX_SKEW) -> np.ndarray:
    """Ink (uint8, 1 = ink) of a gray crop of a page at full scale, without rulings and margin
    rules (a quarter of the crop's width long, or nine tenths of its height) and not turned;
    strokes that cross a ruling stay whole."""
    darkness = flatten_background(crop)
    rulings, rules = _crop_rulings((darkness > PAPER_NOISE).astype(np.uint8), max_skew)
    darkness[(rulings | rules) > 0] = 0.0
    ink = ink_mask(darkness)
    bridged = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((11, 1), np.uint8))
    return ink | (bridged & rulings)


def _crop_rulings(faint: np.ndarray, max_skew: float) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal rulings and vertical rules of a crop's faint ink, found along the rulings' own
    skew, which is often not the writing's (on a canvas large enough to keep them whole)."""
    height, width = faint.shape
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), estimate_skew(faint, max_skew), 1.0)
    cos, sin = abs(turn[0, 0]), abs(turn[0, 1])
    size = (int(np.ceil(width * cos + height * sin)), int(np.ceil(width * sin + height * cos)))
    turn[:, 2] += ((size[0] - width) / 2, (size[1] - height) / 2)
    level = cv2.warpAffine(faint, turn, size, flags=cv2.INTER_NEAREST)
    found = horizontal_rulings(level, max(width // 4, 20)), vertical_rulings(level, max(int(0.9 * height), 20))
    back = cv2.invertAffineTransform(turn)
    return tuple(cv2.warpAffine(mask, back, (width, height), flags=cv2.INTER_NEAREST) for mask in found)
