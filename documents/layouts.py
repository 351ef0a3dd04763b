"""Conversions between ml's PageLayout and the platform's rows, with the geometry they need."""
from __future__ import annotations

from dataclasses import replace
from statistics import median

from ml.layout import PageLayout, Point, TextLine, rescale

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
