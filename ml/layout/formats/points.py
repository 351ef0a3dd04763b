"""Point-list parsing shared by the readers."""
from __future__ import annotations

from ml.layout.page import Point


def parse_page_points(text: str | None) -> list[Point]:
    """PAGE style: "x1,y1 x2,y2 ..."."""
    points: list[Point] = []
    for pair in (text or "").split():
        x, _, y = pair.partition(",")
        points.append((_integer(x), _integer(y)))
    return points


def parse_alto_points(text: str | None) -> list[Point]:
    """ALTO style: "x1 y1 x2 y2 ..." (commas between pairs tolerated)."""
    values = [_integer(v) for v in (text or "").replace(",", " ").split()]
    if len(values) % 2:
        raise ValueError("odd number of coordinates")
    return list(zip(values[0::2], values[1::2]))


def clip_points(points: list[Point], width: int, height: int) -> list[Point]:
    """Clamp to the page: real exports contain slightly negative coordinates."""
    return [(min(max(x, 0), width - 1), min(max(y, 0), height - 1)) for x, y in points]


def _integer(value: str) -> int:
    """A coordinate, rounded; ValueError for text, NaN and infinities alike."""
    try:
        return round(float(value))
    except OverflowError as exc:
        raise ValueError(f"coordinate out of range: {value!r}") from exc
