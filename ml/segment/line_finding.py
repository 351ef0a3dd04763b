"""Find text lines in a deskewed ink mask: ridges of smeared ink, then ink assigned to them.

All sizes scale with ``spacing``, the distance between consecutive baselines
in pixels of the mask.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass
class LineInk:
    """One line found on the mask: its ridge (y for each x of its span) and its ink pixels."""

    x0: int
    ridge: np.ndarray  # [width] float32: y of the line's centre for x0 .. x0 + width - 1
    xs: np.ndarray  # ink pixel columns
    ys: np.ndarray  # ink pixel rows

    @property
    def x1(self) -> int:
        return self.x0 + len(self.ridge) - 1

    def ridge_at(self, x: np.ndarray) -> np.ndarray:
        """The ridge's y at columns ``x``, held level beyond its ends."""
        return self.ridge[np.clip(np.asarray(x) - self.x0, 0, len(self.ridge) - 1)]


def is_text(line: LineInk, spacing: float) -> bool:
    """Enough ink over enough width to be writing, not a stray mark."""
    width = line.xs.max() - line.xs.min()
    return width >= 0.8 * spacing and len(line.xs) >= 0.12 * spacing**2


def smear(mask: np.ndarray, spacing: float) -> np.ndarray:
    """Ink density blurred along the line much more than across it."""
    return cv2.GaussianBlur(mask.astype(np.float32), (0, 0), sigmaX=0.6 * spacing, sigmaY=0.18 * spacing)


def find_ridges(density: np.ndarray, spacing: float) -> list[np.ndarray]:
    """Polylines of local vertical maxima of the density, one array of (x, y) rows per ridge."""
    peaks = np.zeros(density.shape, bool)
    peaks[1:-1] = (density[1:-1] >= density[:-2]) & (density[1:-1] > density[2:])
    strong = density[peaks]
    if strong.size == 0:
        return []
    peaks &= density > 0.25 * np.percentile(strong, 95)
    # Bridge one-pixel steps so that a slanted ridge stays one component.
    joined = cv2.dilate(peaks.astype(np.uint8), np.ones((3, 3), np.uint8))
    count, labels = cv2.connectedComponents(joined, connectivity=8)
    ys, xs = np.nonzero(peaks)
    ridge_labels = labels[ys, xs]
    order = np.argsort(ridge_labels, kind="stable")
    bounds = np.searchsorted(ridge_labels[order], np.arange(1, count + 1))
    ridges = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        index = order[start:stop]
        if len(index) and np.ptp(xs[index]) >= 0.5 * spacing:
            ridges.append(_column_path(xs[index], ys[index], density))
    return ridges


def _column_path(xs: np.ndarray, ys: np.ndarray, density: np.ndarray) -> np.ndarray:
    """One y per column: where two peaks share a column, the denser one."""
    strength = density[ys, xs]
    order = np.lexsort((-strength, xs))
    xs, ys = xs[order], ys[order]
    first = np.ones(len(xs), bool)
    first[1:] = xs[1:] != xs[:-1]
    return np.stack([xs[first], ys[first]], axis=1)


def chain_ridges(ridges: list[np.ndarray], spacing: float, max_gap: float = 4.0) -> list[np.ndarray]:
    """Join ridge pieces that continue one another into whole lines.

    Piece A continues into piece B when B starts to the right of A's end, at
    most ``max_gap`` spacings away and at nearly the same height, and when each
    is the other's best such partner: an insertion squeezed between two lines
    then stays a line of its own instead of bending the line it interrupts.
    """
    count = len(ridges)
    cost = np.full((count, count), np.inf)
    for i, left in enumerate(ridges):
        for j, right in enumerate(ridges):
            gap = float(right[0, 0] - left[-1, 0])
            step = abs(float(right[0, 1]) - float(left[-1, 1]))
            if i != j and -0.5 * spacing <= gap <= max_gap * spacing and step <= 0.3 * spacing:
                cost[i, j] = step / (0.3 * spacing) + max(gap, 0.0) / (max_gap * spacing)
    successor = {}
    for i in range(count):
        j = int(np.argmin(cost[i])) if count else 0
        if np.isfinite(cost[i, j]) and int(np.argmin(cost[:, j])) == i:
            successor[i] = j
    starts = set(range(count)) - set(successor.values())
    chains = []
    for start in sorted(starts):
        chain, i = ridges[start], start
        while i in successor:
            i = successor[i]
            chain = np.concatenate([chain, ridges[i][ridges[i][:, 0] > chain[-1, 0]]])
        chains.append(chain)
    return chains


def dense_ridge(chain: np.ndarray) -> tuple[int, np.ndarray]:
    """(first x, y for every column) from a chain's sparse (x, y) points, linearly filled."""
    x0, x1 = int(chain[0, 0]), int(chain[-1, 0])
    columns = np.arange(x0, x1 + 1)
    return x0, np.interp(columns, chain[:, 0], chain[:, 1]).astype(np.float32)


def assign_ink(
    mask: np.ndarray, chains: list[np.ndarray], spacing: float, overhang: float = 0.5
) -> list[LineInk]:
    """Give every connected component of ink to the line whose ridge is nearest its centre.

    A component much taller than a line (touching ascenders and descenders of
    two lines) is cut pixel by pixel between the ridges it spans. Ink farther
    than 0.8 spacing from every ridge is left out; beyond a ridge's ends the
    horizontal distance counts ``overhang`` times (more where the ridge ends
    are trusted to be the ends of the writing).
    """
    lines = [LineInk(*dense_ridge(chain), np.zeros(0, int), np.zeros(0, int)) for chain in chains]
    if not lines:
        return []
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    ys, xs = np.nonzero(labels)
    component = labels[ys, xs]
    pixel_lists: list[list[np.ndarray]] = [[] for _ in lines]

    cx, cy = centroids[1:, 0], centroids[1:, 1]
    distances = np.stack([_distance(line, cx, cy, overhang) for line in lines], axis=1)
    nearest = distances.argmin(axis=1)
    near_enough = distances.min(axis=1) <= 0.8 * spacing
    tall = stats[1:, cv2.CC_STAT_HEIGHT] > 1.2 * spacing
    speck = stats[1:, cv2.CC_STAT_AREA] < 0.008 * spacing**2
    speck_lists: list[list[np.ndarray]] = [[] for _ in lines]

    order = np.argsort(component, kind="stable")
    bounds = np.searchsorted(component[order], np.arange(1, count + 1))
    for c, (start, stop) in enumerate(zip(bounds[:-1], bounds[1:])):
        index = order[start:stop]
        if tall[c]:
            pixel_distances = np.stack([_distance(line, xs[index], ys[index], overhang) for line in lines], axis=1)
            owner = pixel_distances.argmin(axis=1)
            close = pixel_distances.min(axis=1) <= 0.8 * spacing
            for j in np.unique(owner[close]):
                pixel_lists[j].append(index[close & (owner == j)])
        elif near_enough[c]:
            (speck_lists if speck[c] else pixel_lists)[nearest[c]].append(index)
    found = []
    for line, parts, specks in zip(lines, pixel_lists, speck_lists):
        if parts:
            index = np.concatenate(parts)
            line.xs, line.ys = xs[index], ys[index]
            if specks:  # dots and accents within the writing, not dust beyond its ends
                index = np.concatenate(specks)
                within = (xs[index] >= line.xs.min() - 0.5 * spacing) & (xs[index] <= line.xs.max() + 0.5 * spacing)
                line.xs = np.concatenate([line.xs, xs[index[within]]])
                line.ys = np.concatenate([line.ys, ys[index[within]]])
            found += split_at_gaps(line, 2 * spacing)
    return found


def split_at_gaps(line: LineInk, max_gap: float) -> list[LineInk]:
    """The line cut wherever its ink leaves a horizontal gap wider than ``max_gap``.

    A ridge can run on across empty paper into specks at the page edge or into
    a note standing apart; those become lines of their own (and specks are
    then dropped for being too small).
    """
    columns = np.unique(line.xs)
    cuts = columns[1:][np.diff(columns) > max_gap]
    if not len(cuts):
        return [line]
    pieces = []
    edges = [line.xs.min(), *cuts, line.xs.max() + 1]
    for a, b in zip(edges[:-1], edges[1:]):
        inside = (line.xs >= a) & (line.xs < b)
        x0, x1 = int(line.xs[inside].min()), int(line.xs[inside].max())
        ridge = line.ridge_at(np.arange(x0, x1 + 1))
        pieces.append(LineInk(x0, ridge, line.xs[inside], line.ys[inside]))
    return pieces


def _distance(line: LineInk, x: np.ndarray, y: np.ndarray, overhang: float) -> np.ndarray:
    """Vertical distance to the ridge, plus the horizontal distance beyond its ends (weighted)."""
    outside = np.maximum(line.x0 - x, 0) + np.maximum(x - line.x1, 0)
    return np.abs(y - line.ridge_at(np.round(x).astype(int))) + overhang * outside


def split_at_gutters(lines: list[LineInk], spacing: float, width: int) -> list[LineInk]:
    """Cut lines that run across the gutter between two columns of text.

    A gutter is a band at least ``0.6 * spacing`` wide that lies inside the
    span of five or more lines yet holds ink of at most a tenth of them.
    """
    spanning = np.zeros(width, np.int32)
    inked = np.zeros(width, np.int32)
    for line in lines:
        spanning[max(line.x0, 0) : line.x1 + 1] += 1
        inked[np.unique(line.xs)] += 1
    gutter = (spanning >= 5) & (inked <= 0.1 * spanning)
    runs = _runs(gutter, min_length=int(0.6 * spacing))
    if not runs:
        return lines
    pieces = []
    for line in lines:
        for a, b in runs:
            if line.x0 < a and line.x1 > b and not ((line.xs >= a) & (line.xs <= b)).any():
                left, right = line.xs < a, line.xs > b
                if left.any() and right.any():
                    pieces += _cut(line, left) + _cut(line, right)
                    break
        else:
            pieces.append(line)
    return pieces


def _runs(flags: np.ndarray, min_length: int) -> list[tuple[int, int]]:
    """(first, last) index of each run of True at least ``min_length`` long."""
    padded = np.concatenate([[False], flags, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b) - 1) for a, b in zip(edges[0::2], edges[1::2]) if b - a >= min_length]


def _cut(line: LineInk, keep: np.ndarray) -> list[LineInk]:
    x0, x1 = int(line.xs[keep].min()), int(line.xs[keep].max())
    return [LineInk(x0, line.ridge_at(np.arange(x0, x1 + 1)), line.xs[keep], line.ys[keep])]


# The band probability above which a pixel is in a line's confident core. The bands of close
# lines touch at their uncertain fringes: at 0.5 instead of 0.8, line F1 on the shared val pages
# drops from 0.876 to 0.852 (Hooker) and from 0.838 to 0.810 (Cremma), as neighbouring lines merge.
BAND_CORE = 0.8


def band_ridges(band: np.ndarray, factor: float, threshold: float = BAND_CORE) -> list[np.ndarray]:
    """Centre lines of the line bands a network marked, in working pixels (``factor`` per band pixel).

    Each connected band's core is a line piece; its centre in each column is
    the probability-weighted mean row.
    """
    count, labels = cv2.connectedComponents((band > threshold).astype(np.uint8), connectivity=8)
    ys, xs = np.nonzero(labels)
    owner = labels[ys, xs]
    weight = band[ys, xs]
    ridges = []
    for label in range(1, count):
        inside = owner == label
        columns, index = np.unique(xs[inside], return_inverse=True)
        if len(columns) < 2:
            continue
        rows = np.bincount(index, weight[inside] * ys[inside]) / np.bincount(index, weight[inside])
        ridges.append(np.stack([(columns + 0.5) * factor, (rows + 0.5) * factor], axis=1))
    return ridges
