"""Places of unread ink that look like a line of text, read on a page's first reading.

A place the segmenter left is fitted to its densest line of writing at the page's own
resolution (``fit_free_line``, as a box a person draws round it is), and read. The
recognizer's confidence decides what it was: a line read surely enough becomes a
line of the page; anything else (a stamp, a smudge, a drawing) stays a place for a
person to look at.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ml.layout import LinePrediction, PageLayout, Point, TextLine
from ml.layout.geometry import bounding_box
from ml.layout.reading_order import reading_order
from ml.segment.drawn_line import fit_free_line

# A place looks like a line of text when it runs along the page, is at most this many line
# heights high, and at least this many long (a word).
MAX_LINES, MIN_LENGTH = 2.0, 1.5
# It is widened by this share of its thickness each way (at least MARGIN_MIN pixels) before the
# fit, as a person draws a box round writing with room to spare.
MARGIN, MARGIN_MIN = 0.25, 4
# A line read from a place is kept when its mean character confidence is at least this, and
# it has at least MIN_CHARS characters other than spaces.
MIN_CONFIDENCE, MIN_CHARS = 0.8, 2
# A page without lines is taken to have lines this high (pixels).
DEFAULT_LINE_HEIGHT = 60.0

ReadLines = Callable[[list[TextLine]], list[LinePrediction]]


def looks_like_a_line(place: Sequence[Point], line_height: float) -> bool:
    """Whether a place of unread ink (its polygon) could be a line of writing along the page."""
    x0, y0, x1, y1 = bounding_box(place)
    return x1 - x0 >= max(y1 - y0, MIN_LENGTH * line_height) and y1 - y0 <= MAX_LINES * line_height


def line_height(layout: PageLayout) -> float:
    """The median height of the layout's line outlines (pixels)."""
    heights = [bounding_box(line.polygon)[3] - bounding_box(line.polygon)[1] for line in layout.lines if line.polygon]
    return float(np.median(heights)) if heights else DEFAULT_LINE_HEIGHT


def place_lines(gray: np.ndarray, layout: PageLayout) -> list[tuple[int, TextLine]]:
    """The line fitted in each of ``layout``'s places of unread ink that looks like a line
    (with the place's index), leaving out the ink of the layout's lines."""
    height = line_height(layout)
    taken = [line.polygon for line in layout.lines if len(line.polygon) >= 3]
    found = []
    for index, place in enumerate(layout.unread_ink):
        if not looks_like_a_line(place, height):
            continue
        x0, y0, x1, y1 = bounding_box(place)
        margin = max(MARGIN_MIN, round(MARGIN * (y1 - y0)))
        box = (max(int(x0) - margin, 0), max(int(y0) - margin, 0),
               min(int(x1) + margin, gray.shape[1]), min(int(y1) + margin, gray.shape[0]))
        fitted = fit_free_line(gray, box, "right", taken)
        if fitted is not None:
            polygon, baseline = fitted
            found.append((index, TextLine(id=f"place_{index + 1}", polygon=polygon, baseline=baseline)))
    return found


def surely_text(prediction: LinePrediction) -> bool:
    """Whether a place's reading is writing, not noise read as letters."""
    return (len(prediction.text.replace(" ", "")) >= MIN_CHARS
            and prediction.mean_confidence >= MIN_CONFIDENCE)


def read_places(
    gray: np.ndarray, layout: PageLayout, read: ReadLines
) -> list[tuple[TextLine, LinePrediction]]:
    """Read the places of ``layout`` that look like a line; those read surely (``surely_text``)
    become lines of the layout, put in reading order among the others (ids renumbered), their
    places removed. Returns the lines added, with their readings."""
    candidates = place_lines(gray, layout)
    if not candidates:
        return []
    readings = read([line for _, line in candidates])
    kept = [(index, line, reading) for (index, line), reading in zip(candidates, readings) if surely_text(reading)]
    if not kept:
        return []
    gone = {index for index, _, _ in kept}
    layout.unread_ink = [place for i, place in enumerate(layout.unread_ink) if i not in gone]
    _insert_in_order(layout, [line for _, line, _ in kept])
    return [(line, reading) for _, line, reading in kept]


def _insert_in_order(layout: PageLayout, added: list[TextLine]) -> None:
    """Add lines to the layout's in reading order: each new line goes before the first line of
    its block that the page's reading order puts after it."""
    lines = layout.lines + added
    spacing = 1.25 * line_height(layout)
    boxes = [bounding_box(line.polygon) for line in lines]
    order = [i for block in reading_order(boxes, 0.8 * spacing, 2.5 * spacing) for i in block]
    rank = {i: r for r, i in enumerate(order)}
    new = set(range(len(layout.lines), len(lines)))
    placed: list[TextLine] = list(layout.lines)
    for i in sorted(new, key=lambda i: rank[i]):
        after = [j for j in range(len(layout.lines)) if rank[j] > rank[i]]
        at = placed.index(layout.lines[min(after, key=lambda j: rank[j])]) if after else len(placed)
        lines[i].region_id = placed[at - 1].region_id if at else (placed[0].region_id if placed else "")
        placed.insert(at, lines[i])
    layout.lines = placed
    for n, line in enumerate(layout.lines):
        line.id = f"line_{n + 1}"
