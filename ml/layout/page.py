"""Plain dataclasses passed between segmentation, recognition and the formats.

Coordinates are in pixels of the page image, (x, y) with the origin top-left.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

Point = tuple[int, int]


@dataclass
class TextLine:
    id: str
    polygon: list[Point]
    baseline: list[Point] = field(default_factory=list)
    text: str = ""
    # One confidence in [0, 1] per character of ``text``; empty when unknown.
    confidences: list[float] = field(default_factory=list)
    line_type: str = "default"
    region_id: str = ""

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) of the polygon, or of the baseline if there is no polygon."""
        points = self.polygon or self.baseline
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        return min(xs), min(ys), max(xs), max(ys)


@dataclass
class TextRegion:
    id: str
    polygon: list[Point] = field(default_factory=list)
    region_type: str = "text"


@dataclass
class PageLayout:
    """One page: its size, regions and text lines in reading order."""

    width: int
    height: int
    image_filename: str = ""
    regions: list[TextRegion] = field(default_factory=list)
    lines: list[TextLine] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Places with ink that no line took (polygons): shown to a person, since nothing there is read.
    unread_ink: list[list[Point]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass
class LinePrediction:
    """What the recognizer says about one line image."""

    text: str
    # One confidence in [0, 1] per character of ``text`` (CTC posterior of that character).
    confidences: list[float]
    # (first frame, last frame) of each character in the model's output sequence.
    spans: list[tuple[int, int]] = field(default_factory=list)

    @property
    def confidence(self) -> float:
        """The line's confidence: that of its least certain character (1.0 when empty)."""
        return min(self.confidences, default=1.0)

    @property
    def mean_confidence(self) -> float:
        """The mean of its characters' confidences (0.0 when empty): how sure the reading is overall."""
        return sum(self.confidences) / len(self.confidences) if self.confidences else 0.0


def rescale(layout: PageLayout, width: int, height: int) -> PageLayout:
    """The same layout in the coordinates of an image of ``width`` x ``height``.

    For XML whose page size differs from its image (a downscaled scan, ALTO in mm10).
    """
    sx, sy = width / layout.width, height / layout.height

    def scale(points: list[Point]) -> list[Point]:
        return [(round(x * sx), round(y * sy)) for x, y in points]

    return replace(
        layout,
        width=width,
        height=height,
        regions=[replace(r, polygon=scale(r.polygon)) for r in layout.regions],
        lines=[replace(l, polygon=scale(l.polygon), baseline=scale(l.baseline)) for l in layout.lines],
        warnings=list(layout.warnings),
    )
