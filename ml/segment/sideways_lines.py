"""Lines written up or down the page (postscripts and notes in a margin), from the line network's
second band.

The ink near that band which no line across the page took is turned a
quarter each way; in each turn the band's pieces are lines as usual, and the
turn where the writing stands upright (more ink above the lines' cores than
below: ascenders, capitals, accents) is kept for all of them: a page's notes
are taken to run one way, since a single short line says little about which.
Baselines and outlines come back in the working frame, running up or down
it, the way ``ml.read.line_image`` turns them before they are read.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ml.segment.line_finding import BAND_CORE, LineInk, assign_ink, band_ridges, chain_ridges, is_text
from ml.segment.line_geometry import baseline, core_rows, outline, row_histogram, unturned

# Ink this far (in line spacings) from the band's core can belong to a sideways line.
REACH = 0.6
# Band core smaller than this (in working pixels, spacings squared) is no line.
MIN_CORE = 0.5
# Pieces of band this far apart (in spacings) may continue one line.
MAX_GAP = 1.5
# Quarter turns that stand writing upright, and whether such writing runs up the page.
TURNS = {cv2.ROTATE_90_CLOCKWISE: True, cv2.ROTATE_90_COUNTERCLOCKWISE: False}


@dataclass
class SidewaysLine:
    baseline: np.ndarray  # float [N, 2], working frame, in the direction of writing
    outline: np.ndarray  # float [M, 2], working frame
    runs_up: bool  # written from the bottom of the page to the top


def sideways_lines(
    mask: np.ndarray, band: np.ndarray, factor: float, spacing: float, taken: list[np.ndarray]
) -> list[SidewaysLine]:
    """Lines written up or down ``mask`` (1 = ink) along ``band`` (the network's second output,
    ``factor`` working pixels per band pixel), from ink outside the ``taken`` outlines."""
    height, width = mask.shape
    band = band[: int(round(height / factor)), : int(round(width / factor))]
    core = (band > BAND_CORE).astype(np.uint8)
    if core.sum() * factor**2 < MIN_CORE * spacing**2:
        return []
    near = cv2.dilate(cv2.resize(core, (width, height), interpolation=cv2.INTER_NEAREST), _disc(REACH * spacing))
    free = mask & near
    cv2.fillPoly(free, [np.round(o).astype(np.int32) for o in taken], 0)
    found = {turn: _turned_lines(free, band, factor, spacing, turn) for turn in TURNS}
    turn = max(found, key=lambda t: sum(_ink_beyond_core(line, spacing) for line in found[t]))
    lines = []
    for line in found[turn]:
        base = baseline(line, spacing)
        shape = outline(line, base, spacing)
        lines.append(SidewaysLine(_back(base, turn, mask.shape), _back(shape, turn, mask.shape), TURNS[turn]))
    return lines


def _turned_lines(free: np.ndarray, band: np.ndarray, factor: float, spacing: float, turn: int) -> list[LineInk]:
    """The lines of ``free`` ink along ``band``, both turned by ``turn``, in the turned frame."""
    pieces = band_ridges(cv2.rotate(band, turn), factor)
    lines = assign_ink(cv2.rotate(free, turn), chain_ridges(pieces, spacing, max_gap=MAX_GAP), spacing, overhang=2.0)
    return [line for line in lines if is_text(line, spacing)]


def _ink_beyond_core(line: LineInk, spacing: float) -> int:
    """Ink above the line's core (its rows of densest ink) minus ink below it: ascenders,
    capitals and accents outnumber descenders in writing that stands upright. Measured from the
    core, not the band: the band of a note written smaller than the page sits too high on it."""
    histogram = row_histogram(line.ys - line.ridge_at(line.xs), spacing)
    core = core_rows(histogram, int(np.argmax(histogram)))
    return int(histogram[: core.start].sum() - histogram[core.stop :].sum())


def _back(points: np.ndarray, turn: int, shape: tuple[int, int]) -> np.ndarray:
    """Points of the frame turned by ``turn`` in the frame before the turn."""
    return np.stack(unturned(points[:, 0], points[:, 1], turn, shape), axis=1)


def _disc(radius: float) -> np.ndarray:
    size = 2 * int(round(radius)) + 1
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
