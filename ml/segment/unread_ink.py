"""Ink that no line took: the places a person should look at, because nothing there was read.

A missed line is text that silently never reaches the transcription (a dose
written apart, a page number, a note in the margin). The segmenter cannot
always tell such writing from a stamp or a smudge, so it does not guess: it
reports where ink was left over, and the review page shows those places.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ml.segment.page_ink import crop_ink

Box = tuple[int, int, int, int]  # x0, y0, x1, y1

# Ink this close to a line's outline (in line spacings) belongs to it: the cut line image has a margin.
LINE_REACH = 0.1
# Marks this close to one another (spacings, across and along the line) are one place.
GROUP_ACROSS, GROUP_ALONG = 0.2, 0.6
# A place needs this much ink (in spacings squared; "5 mg" has about 0.3) to be shown. Chosen on
# 30 train pages of each collection, missing text costing more than a stamp shown: 0.2 showed
# 3 fewer of 46 unread lines with 0.6 times the places.
MIN_INK = 0.1


def unread_ink(mask: np.ndarray, outlines: list[np.ndarray], spacing: float, min_ink: float = MIN_INK) -> list[Box]:
    """Boxes round groups of ink in ``mask`` (1 = ink) outside every line outline (float [N, 2]
    polygons), in the mask's pixels: ink that the recognizer, reading lines by their outline, never sees."""
    return ink_groups(_outside(mask, outlines, spacing), spacing, min_ink)


def ink_groups(mask: np.ndarray, spacing: float, min_ink: float = MIN_INK, upright: bool = False) -> list[Box]:
    """Boxes round the groups of ink in ``mask`` with at least ``min_ink`` spacings squared of it:
    marks are grouped further along the writing than across it, which runs ``upright`` (up or
    down a margin) or along the page."""
    if not mask.any():
        return []
    kernel = np.ones((_odd(2 * GROUP_ACROSS * spacing), _odd(2 * GROUP_ALONG * spacing)), np.uint8)
    if upright:
        kernel = kernel.T
    count, labels = cv2.connectedComponents(cv2.dilate(mask, kernel), connectivity=8)
    ys, xs = np.nonzero(mask)
    group = labels[ys, xs]
    ink = np.bincount(group, minlength=count)
    boxes = []
    for g in np.flatnonzero(ink[1:] >= min_ink * spacing**2) + 1:  # 0 is the paper between groups
        gx, gy = xs[group == g], ys[group == g]
        boxes.append((int(gx.min()), int(gy.min()), int(gx.max()) + 1, int(gy.max()) + 1))
    return boxes


@dataclass
class PlaceInk:
    """The ink of a place of unread ink at full scale, and what of it some line outlines leave out."""

    ink: int  # pixels
    left: int  # pixels outside every outline
    mask: np.ndarray  # uint8, 1 = ink left out, over the place's box
    origin: tuple[int, int]  # page pixels of ``mask``'s corner

    def groups(self, spacing: float, min_ink: float, upright: bool = False) -> list[Box]:
        """Boxes (page pixels) round the groups of ink left out (``ink_groups``)."""
        x0, y0 = self.origin
        return [(a + x0, b + y0, c + x0, d + y0) for a, b, c, d in ink_groups(self.mask, spacing, min_ink, upright)]


def place_ink(
    gray: np.ndarray,
    place: Box,
    outlines: list[np.ndarray],
    spacing: float,
    inside: np.ndarray | None = None,
    taken: Sequence[np.ndarray] = (),
) -> PlaceInk:
    """The ink in ``place`` (a box in the pixels of the gray page ``gray``; with ``inside``, a
    polygon, only the ink within it; never the ink of lines already there, ``taken``) and what
    of it the line outlines (float [N, 2] polygons, page pixels) leave out: a line drawn over
    part of a place reads that part, not the rest."""
    height, width = gray.shape
    x0, y0 = max(int(place[0]), 0), max(int(place[1]), 0)
    x1, y1 = min(int(np.ceil(place[2])), width), min(int(np.ceil(place[3])), height)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return PlaceInk(0, 0, np.zeros((1, 1), np.uint8), (x0, y0))
    mask = crop_ink(gray[y0:y1, x0:x1])
    if inside is not None:
        within = np.zeros_like(mask)
        cv2.fillPoly(within, shifted_outlines([inside], (x0, y0)), 1)
        mask &= within
    if len(taken):
        mask = _outside(mask, shifted_outlines(taken, (x0, y0)), spacing)
    left = _outside(mask, shifted_outlines(outlines, (x0, y0)), spacing)
    return PlaceInk(int(mask.sum()), int(left.sum()), left, (x0, y0))


def shifted_outlines(outlines: Sequence[Sequence[Sequence[float]]], origin: tuple[float, float]) -> list[np.ndarray]:
    """Line outlines (page pixels) in the pixels of a crop whose corner is ``origin``, as int32
    polygons to fill; an outline of fewer than three points (stored empty or broken) outlines nothing."""
    return [np.round(np.asarray(outline, np.float64) - origin).astype(np.int32) for outline in outlines if len(outline) >= 3]


def _outside(mask: np.ndarray, outlines: list[np.ndarray], spacing: float) -> np.ndarray:
    """``mask`` less what lies within reach of an outline."""
    covered = np.zeros_like(mask)
    cv2.fillPoly(covered, [np.round(o).astype(np.int32) for o in outlines], 1)
    reach = _odd(2 * LINE_REACH * spacing)
    return mask & (1 - cv2.dilate(covered, np.ones((reach, reach), np.uint8)))


def _odd(size: float) -> int:
    return max(1, int(round(size)) // 2 * 2 + 1)
