"""Box and polygon geometry on page pixels: the one place for bounding boxes, areas, overlaps and
inside tests of polygons, so that stages do not each write their own."""
from __future__ import annotations

from ml.layout.page import Point


def bounding_box(points: list[Point]) -> tuple[int, int, int, int]:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def box_polygon(box: tuple[int, int, int, int]) -> list[Point]:
    x0, y0, x1, y1 = box
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
