"""Conversions between ml's PageLayout and the platform's rows, with the geometry they need."""
from __future__ import annotations

from dataclasses import replace
from statistics import median
from typing import Sequence

import numpy as np

from ml.layout import PageLayout, Point, TextLine, rescale
from ml.layout.geometry import bounding_box, box_mostly_inside, box_polygon, boxes_overlap
from ml.layout.reading_order import Box, reading_order
from ml.segment.unread_ink import place_ink

# When a format gives only a baseline, the line is drawn as a band around it:
# most of a line's ink is above its baseline.
_ABOVE, _BELOW = 0.75, 0.25
_DEFAULT_LINE_HEIGHT = 50


def line_polygon(line: TextLine, layout: PageLayout) -> list[Point]:
    """The line's polygon, or a band around its baseline when it has none."""
    if line.polygon:
        return list(line.polygon)
    height = _line_height(layout)
    xs = [x for x, _ in line.baseline]
    ys = [y for _, y in line.baseline]
    top = max(0, round(min(ys) - _ABOVE * height))
    bottom = min(layout.height, round(max(ys) + _BELOW * height))
    return [(min(xs), top), (max(xs), top), (max(xs), bottom), (min(xs), bottom)]


def _line_height(layout: PageLayout) -> float:
    """The typical distance between consecutive baselines on the page."""
    starts = sorted(line.baseline[0][1] for line in layout.lines if line.baseline)
    gaps = [b - a for a, b in zip(starts, starts[1:]) if b > a]
    return median(gaps) if gaps else _DEFAULT_LINE_HEIGHT


def layout_fitted(layout: PageLayout, width: int, height: int) -> PageLayout:
    """The layout in the coordinates of its image of ``width`` x ``height``.

    An XML file without a page size takes the image's; one whose size differs
    (a downscaled scan) has its coordinates scaled.
    """
    if (layout.width, layout.height) == (width, height) or not layout.width or not layout.height:
        return replace(layout, width=width, height=height)
    return rescale(layout, width, height)


# A place of unread ink at least this many times as tall as it is wide may hold writing running up
# or down the page: of the shared pages' lines outlined so, 30 of 68 run up or down (28 down), and
# of the 13,704 others 7.
ALONG_MARGIN = 1.5


def place_runs_along_margin(polygon: Sequence[Point]) -> bool:
    """Whether a place of unread ink (its polygon) is shaped like writing running up or down the page."""
    x0, y0, x1, y1 = bounding_box(polygon)
    return y1 - y0 >= ALONG_MARGIN * (x1 - x0)


# A place this close to the scan's border (a share of its longer side) touches it.
AT_EDGE = 0.005


def place_at_scan_edge(polygon: Sequence[Point], width: int, height: int) -> bool:
    """Whether a place of unread ink touches the border of the scan: most such places are the
    paper's edge or its shadow (on the shared val pages, 5 of 44 lay on a transcribed line)."""
    x0, y0, x1, y1 = bounding_box(polygon)
    margin = max(2.0, AT_EDGE * max(width, height))
    return x0 <= margin or y0 <= margin or x1 >= width - margin or y1 >= height - margin


# A line a person draws must be at least this many pixels wide and high.
MIN_DRAWN_SIZE = 8


def drawn_box(box: Sequence[float], width: int, height: int) -> Box:
    """A box a person drew around a line, in whole pixels, cut to the page.

    Raises ValueError, with a message for that person, when little or nothing of it is on the page.
    """
    x0, x1 = sorted((box[0], box[2]))
    y0, y1 = sorted((box[1], box[3]))
    x0, y0 = max(0, round(x0)), max(0, round(y0))
    x1, y1 = min(width, round(x1)), min(height, round(y1))
    if x1 - x0 < MIN_DRAWN_SIZE or y1 - y0 < MIN_DRAWN_SIZE:
        raise ValueError(
            f"Draw the box around the whole line, on the page: at least {MIN_DRAWN_SIZE} pixels wide and high."
        )
    return x0, y0, x1, y1


def insertion_index(boxes: list[Box], box: Box) -> int:
    """Where a new line drawn as ``box`` goes among lines with ``boxes`` (given in reading order):
    right after the line that comes before it when the page's reading order is worked out again."""
    heights = [b[3] - b[1] for b in [*boxes, box]]
    spacing = median(heights)
    order = [i for block in reading_order([*boxes, box], 0.8 * spacing, 2.5 * spacing) for i in block]
    position = order.index(len(boxes))
    return order[position - 1] + 1 if position else 0


def mostly_inside(polygon: Sequence[Sequence[float]], box: Box) -> bool:
    """At least half of the polygon's bounding box lies inside ``box``."""
    return box_mostly_inside(bounding_box(polygon), box)


# A place a drawn line covers this much of the ink of is read with it; one it covers less of
# than the other share is left as it was; in between, the groups of ink left out stay.
READ_WITH_LINE, UNTOUCHED = 0.9, 0.1
LEFT_OUT_NOTE = "ink its line held until the line was drawn again"
REMOVED_NOTE = "ink of a line removed as not a line"
# Ink a line held is writing: less of it (in line thicknesses squared) than a place found on a
# page needs is shown. A few letters of a fine pen ("enres." of "12 genres.") have 0.08.
LEFT_OUT_MIN_INK = 0.05


def places_left(
    places: list[dict],
    gray: np.ndarray,
    box: Box,
    polygon: Sequence[Sequence[float]],
    others: Sequence[Sequence[Sequence[float]]] = (),
) -> list[dict]:
    """The places of unread ink once a line drawn as ``box`` and fitted to ``polygon`` is read,
    judged by their ink at full scale, less the ink of the ``others`` lines (outlines) already on
    the page: a place whose ink it takes in goes, the ink of a place it leaves out stays (the
    second line of a place over two lines; its ink is grouped along the way the line runs, so the
    next of a block of margin notes stays whole). A place whose ink cannot be told at full scale
    goes only when at least half of it lies in the box. Ids of places kept stay; further parts of
    one get new ids; a part the same as one kept already is not kept twice."""
    thickness = line_thickness(polygon)
    upright = runs_upright(polygon)
    outline = np.asarray(polygon, np.float32)
    next_id = max((place["id"] for place in places), default=0) + 1
    kept = []
    for place in places:
        place_box = bounding_box(place["polygon"])
        if not boxes_overlap(place_box, box):
            kept.append(place)
            continue
        ink = place_ink(gray, place_box, [outline], thickness, taken=others)
        if ink.ink == 0:  # its ink cannot be told at full scale: the box decides
            if not mostly_inside(place["polygon"], box):
                kept.append(place)
        elif ink.left > (1 - UNTOUCHED) * ink.ink:
            kept.append(place)
        elif ink.left >= (1 - READ_WITH_LINE) * ink.ink:  # only groups of ink count, not crumbs of the line's letters
            parts = [_corners(part) for part in ink.groups(thickness, LEFT_OUT_MIN_INK, upright)]
            parts = [part for part in parts if all(part != other["polygon"] for other in kept)]  # overlapping places' ink
            for n, part in enumerate(parts):
                kept.append({**place, "id": place["id"] if n == 0 else next_id, "polygon": part})
                next_id += n > 0
    return kept


def places_left_out(
    places: list[dict],
    gray: np.ndarray,
    old_polygon: Sequence[Sequence[float]],
    outlines: list[Sequence[Sequence[float]]],
    note: str = LEFT_OUT_NOTE,
    dismissed_by: str | None = None,
) -> list[dict]:
    """``places`` and, after them, the ink a line held inside ``old_polygon`` that no line
    outline (the line's new one first, if it has one) takes in now, saying ``note``: a line run
    into its neighbour and drawn again round its own writing must not hide the neighbour's. Ink
    a person said is no text (a line removed) is kept as a place they dismissed. The ink is
    grouped along the way the old line ran (a line down the margin is not cut into words)."""
    thickness = line_thickness(outlines[0] if outlines else old_polygon)
    ink = place_ink(gray, bounding_box(old_polygon), [np.asarray(o, np.float32) for o in outlines], thickness,
                    inside=np.asarray(old_polygon, np.float32))
    first_id = max((place["id"] for place in places), default=0) + 1
    dismissed = {"dismissed_by": dismissed_by} if dismissed_by else {}
    return places + [
        {"id": n, "polygon": _corners(part), "note": note, **dismissed}
        for n, part in enumerate(ink.groups(thickness, LEFT_OUT_MIN_INK, runs_upright(old_polygon)), start=first_id)
    ]


def runs_upright(polygon: Sequence[Sequence[float]]) -> bool:
    """Whether the line outlined by ``polygon`` runs up or down the page: it is taller than wide."""
    x0, y0, x1, y1 = bounding_box(polygon)
    return y1 - y0 > x1 - x0


def line_thickness(polygon: Sequence[Sequence[float]]) -> float:
    """A line's extent across its writing, whichever way it runs."""
    x0, y0, x1, y1 = bounding_box(polygon)
    return max(min(x1 - x0, y1 - y0), 1)


def _corners(box: Box) -> list[list[int]]:
    """The box as a place's polygon (lists, as stored)."""
    return [list(p) for p in box_polygon(box)]
