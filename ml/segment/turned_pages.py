"""Pages lying on their side: are their lines found running the way they are written?

A page scanned or photographed on its side must be read turned upright
(``ml.segment.segmenter.find_sideways_page``), which only the line network can
tell. Each page is turned a quarter each way and segmented; a found line is
right when its baseline runs as the page's writing does once turned (down the
image for a page turned clockwise, up it for one turned anticlockwise).
``python -m ml.evaluate.turned_pages`` reports it; ml.train.line_net judges epochs by it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ml.layout import Point
from ml.layout.formats import page_pairs
from ml.segment.segmenter import SegmenterConfig, segment_page

# The way the writing of a page turned so runs in the image: (dx, dy) of a baseline.
WRITING_DIRECTION = {cv2.ROTATE_90_CLOCKWISE: (0.0, 1.0), cv2.ROTATE_90_COUNTERCLOCKWISE: (0.0, -1.0)}


@dataclass
class TurnedFigures:
    pages: int = 0  # pages turned (each counts twice: once each way)
    lines: int = 0
    lines_right: int = 0
    pages_wrong: int = 0  # turned pages with at least one line running another way

    def summary(self) -> dict[str, float | int]:
        return {"turned_pages": self.pages, "lines": self.lines, "lines_right": self.lines_right,
                "share_right": round(self.lines_right / max(self.lines, 1), 4), "turned_pages_wrong": self.pages_wrong}


def runs_the_right_way(baseline: list[Point], turn: int) -> bool:
    """Whether ``baseline`` (first point where the writing starts) runs within about 45° of the
    way writing runs on a page turned by ``turn``."""
    direction = np.subtract(baseline[-1], baseline[0], dtype=float)
    length = float(np.hypot(*direction))
    return bool(length > 0 and np.dot(direction / length, WRITING_DIRECTION[turn]) > np.sqrt(0.5))


def evaluate_turned(gray: np.ndarray, config: SegmenterConfig, figures: TurnedFigures) -> None:
    """Add one upright page, segmented turned each way, to ``figures``."""
    for turn in WRITING_DIRECTION:
        lines = segment_page(cv2.rotate(gray, turn), config).lines
        right = sum(runs_the_right_way(line.baseline, turn) for line in lines if line.baseline)
        figures.pages += 1
        figures.lines += len(lines)
        figures.lines_right += right
        figures.pages_wrong += right < len(lines)


def turned_figures(folder: Path, config: SegmenterConfig, limit: int = 4) -> TurnedFigures:
    """The first ``limit`` pages of ``folder`` (0: all), each turned both ways."""
    figures = TurnedFigures()
    for image, _ in page_pairs(folder)[: limit or None]:
        evaluate_turned(cv2.imread(str(image), cv2.IMREAD_GRAYSCALE), config, figures)
    return figures
