"""Page segmentation: text lines with polygon and baseline, in reading order.

    page ─► working scale ─► ink mask ─► deskew ─► rulings out ─► line spacing
         ─► line centres: bands marked by the line network (ml.line_net),
             or, without its file, ridges of smeared ink (classical)
         ─► ink given to the nearest centre ─► outline + baseline per line
         ─► back to page pixels ─► reading order

Runs in a fraction of a second on one CPU core for a 2-3 megapixel page.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from ml.layout import PageLayout, Point, TextLine, TextRegion
from ml.line_finding import (
    LineInk,
    assign_ink,
    band_ridges,
    chain_ridges,
    find_ridges,
    smear,
    split_at_gutters,
)
from ml.line_geometry import baseline, outline
from ml.line_net import DEFAULT_LINE_NET_PATH, LineNet, line_band, load_line_net
from ml.page_ink import page_ink
from ml.reading_order import reading_order


# On a sparse page the gap between lines says little about the size of the writing:
# the measured spacing may exceed the first guess (from the height of words) only this much.
MAX_SPACING_GROWTH = 1.3


@dataclass
class SegmenterConfig:
    # The page's longer side is brought to this many pixels for the work.
    working_size: int = 1100
    # Largest page skew corrected, in degrees.
    max_skew: float = 6.0
    # The line network's file; None (or a missing file) finds lines classically.
    line_net: str | Path | None = DEFAULT_LINE_NET_PATH


@dataclass
class DetectedLines:
    """Lines found in the deskewed working frame, with what maps them back to the page."""

    lines: list[LineInk]
    spacing: float  # baseline to baseline, in working pixels
    to_page: np.ndarray  # [2, 3] affine map from the working frame to page pixels


def segment_page(gray: np.ndarray, config: SegmenterConfig | None = None) -> PageLayout:
    """Text lines of a grayscale (uint8) page image, in reading order, in the image's pixels."""
    if gray.ndim != 2:
        raise ValueError(f"segment_page expects a 2-D grayscale image, got shape {gray.shape}")
    height, width = gray.shape
    found = detect_lines(gray, config or SegmenterConfig())
    text_lines = [page_line(line, found, width, height) for line in found.lines]
    layout = PageLayout(width=width, height=height)
    spacing = found.spacing
    boxes = [(float(l.xs.min()), float(l.ys.min()), float(l.xs.max()), float(l.ys.max())) for l in found.lines]
    for b, block in enumerate(reading_order(boxes, min_column_gap=0.8 * spacing, min_block_gap=2.5 * spacing)):
        region = TextRegion(id=f"region_{b + 1}")
        for i in block:
            text_lines[i].region_id = region.id
            layout.lines.append(text_lines[i])
        region.polygon = _hull([p for i in block for p in text_lines[i].polygon])
        layout.regions.append(region)
    for n, line in enumerate(layout.lines):
        line.id = f"line_{n + 1}"
    return layout


def detect_lines(gray: np.ndarray, config: SegmenterConfig) -> DetectedLines:
    """The text lines of a page, unordered, in the deskewed working frame."""
    scale = config.working_size / max(gray.shape)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = page_ink(small, config.max_skew)
    mask = drop_specks(ink.mask)
    spacing = estimate_spacing(mask)
    mask = drop_rules(mask, spacing)
    net = _cached_line_net(str(config.line_net)) if config.line_net else None
    pieces = _band_pieces(net, small, ink.rotation) if net is not None else None

    def find(spacing: float) -> list[LineInk]:
        if pieces is None:
            return assign_ink(mask, chain_ridges(find_ridges(smear(mask, spacing), spacing), spacing), spacing)
        # The network's bands end where the writing ends: join them only over short
        # gaps, and let ink beyond their ends count as far.
        return assign_ink(mask, chain_ridges(pieces, spacing, max_gap=1.5), spacing, overhang=2.0)

    spacing = min(measured_spacing(find(spacing)) or spacing, MAX_SPACING_GROWTH * spacing)
    lines = split_at_gutters(find(spacing), spacing, mask.shape[1])
    lines = [line for line in lines if _is_text(line, spacing)]
    return DetectedLines(lines, spacing, _inverse(ink.rotation, scale))


def _band_pieces(net: LineNet, small: np.ndarray, rotation: np.ndarray) -> list[np.ndarray]:
    """Centre lines of the network's line bands on the deskewed page, in working pixels."""
    upright = cv2.warpAffine(small, rotation, (small.shape[1], small.shape[0]), borderValue=255)
    factor = max(small.shape) / net.config.input_size * net.config.reduction
    return band_ridges(line_band(net, upright), factor)


@lru_cache(maxsize=2)
def _cached_line_net(path: str) -> LineNet | None:
    """The network, loaded once per process; None when its file is absent."""
    return load_line_net(path) if Path(path).exists() else None


def page_line(line: LineInk, found: DetectedLines, width: int, height: int) -> TextLine:
    """A detected line's polygon and baseline in page pixels."""
    base = baseline(line, found.spacing)
    return TextLine(
        id="",
        polygon=_to_page(outline(line, base, found.spacing), found.to_page, width, height),
        baseline=_to_page(base, found.to_page, width, height),
    )


def drop_specks(mask: np.ndarray) -> np.ndarray:
    """Remove dust, and flat slivers left where a ruling crossed."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    area = stats[:, cv2.CC_STAT_AREA]
    height, width = stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH]
    keep = (area >= 4) & ~((height <= 2) & (width >= 4 * height))
    keep[0] = False
    return keep[labels].astype(np.uint8)


def drop_rules(mask: np.ndarray, spacing: float) -> np.ndarray:
    """Remove thin components much taller than a line: pieces of margin rules, folds, frames."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    height, width = stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH]
    rule = (height > 1.8 * spacing) & (width < 0.15 * height)
    rule[0] = True
    return (~rule)[labels].astype(np.uint8)


def estimate_spacing(mask: np.ndarray) -> float:
    """A first guess of the line spacing: words (letters joined) are about 0.6 spacing high."""
    words = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((1, 7), np.uint8))
    _, _, stats, _ = cv2.connectedComponentsWithStats(words, connectivity=8)
    height, width, area = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_AREA]
    keep = (area >= 10) & (height >= 3)
    if not keep.any():
        return 30.0
    return float(np.clip(np.average(height[keep], weights=width[keep]) / 0.6, 12, mask.shape[0] / 4))


def measured_spacing(lines: list[LineInk]) -> float | None:
    """Median distance between each line and the nearest line below it that overlaps it horizontally."""
    gaps = []
    for line in lines:
        middle = (line.x0 + line.x1) // 2
        y = float(line.ridge_at(np.array([middle]))[0])
        below = [
            float(other.ridge_at(np.array([middle]))[0]) - y
            for other in lines
            if other.x0 <= middle <= other.x1 and other.ridge_at(np.array([middle]))[0] > y
        ]
        if below:
            gaps.append(min(below))
    return float(np.median(gaps)) if len(gaps) >= 3 else None


def _is_text(line: LineInk, spacing: float) -> bool:
    """Enough ink over enough width to be writing, not a stray mark."""
    width = line.xs.max() - line.xs.min()
    return width >= 0.8 * spacing and len(line.xs) >= 0.12 * spacing**2


def _inverse(rotation: np.ndarray, scale: float) -> np.ndarray:
    """Affine map from the deskewed working frame to page pixels."""
    back = cv2.invertAffineTransform(rotation)
    return back / scale


def _to_page(points: np.ndarray, transform: np.ndarray, width: int, height: int) -> list[Point]:
    mapped = points @ transform[:, :2].T + transform[:, 2]
    xs = np.clip(np.round(mapped[:, 0]), 0, width - 1).astype(int)
    ys = np.clip(np.round(mapped[:, 1]), 0, height - 1).astype(int)
    return list(zip(xs.tolist(), ys.tolist()))


def _hull(points: list[Point]) -> list[Point]:
    if len(points) < 3:
        return points
    hull = cv2.convexHull(np.array(points, np.int32)).reshape(-1, 2)
    return [(int(x), int(y)) for x, y in hull]
