"""Page segmentation: text lines with polygon and baseline, in reading order.

    page ─► working scale ─► ink mask ─► deskew ─► rulings out ─► line spacing
         ─► line centres: bands marked by the line network (ml.segment.line_net),
             or, without its file, ridges of smeared ink (classical)
         ─► ink given to the nearest centre ─► outline + baseline per line
         ─► lines written up or down a margin, from the network's second band
         ─► back to page pixels ─► reading order
         ─► ink no line took: boxes for a person to look at (ml.segment.unread_ink)

Runs in a fraction of a second on one CPU core for a 2-3 megapixel page.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from ml.layout import PageLayout, Point, TextLine, TextRegion
from ml.layout.baseline_spacing import baseline_spacing
from ml.layout.geometry import box_polygon
from ml.layout.reading_order import reading_order
from ml.read.thin_outlines import widen_thin_outlines
from ml.segment.line_finding import (
    BAND_CORE,
    LineInk,
    assign_ink,
    band_ridges,
    chain_ridges,
    find_ridges,
    is_text,
    smear,
    split_at_gutters,
)
from ml.segment.line_geometry import baseline, outline, unturned
from ml.segment.line_net import DEFAULT_LINE_NET_PATH, LineNet, line_band, line_bands, load_line_net
from ml.segment.page_ink import PRINT_THICKNESS, PageInk, page_ink
from ml.segment.print_lines import print_lines
from ml.segment.sideways_lines import SidewaysLine, sideways_lines
from ml.segment.unread_ink import Box, unread_ink


# On a sparse page the gap between lines says little about the size of the writing:
# the measured spacing may exceed the first guess (from the height of words) only this much.
MAX_SPACING_GROWTH = 1.3


# A page where the network marks less line band core than this (in its output pixels; an upright
# page of writing gives thousands) is also looked at turned a quarter, and read that way when
# the band there is this many times larger (and at least MIN_BAND_AREA).
SIDEWAYS_CHECK_BELOW = 1000
SIDEWAYS_PAGE_RATIO = 3.0
MIN_BAND_AREA = 50


# Finding lines of print, straight runs this thick (working pixels; print a third smaller than
# Copiste's consent line is 2) with paper between their letters are taken for print; a ruling
# among them holds no ink once crop_ink takes rulings out at full resolution, and is dropped.
PRINT_CANDIDATE_THICKNESS = 2.0


@dataclass
class SegmenterConfig:
    # The page's longer side is brought to this many pixels for the work.
    working_size: int = 1100
    # Largest page skew corrected, in degrees.
    max_skew: float = 6.0
    # The line network (its file, or the network itself); None (or a missing file) finds lines classically.
    line_net: str | Path | LineNet | None = DEFAULT_LINE_NET_PATH
    # Also find lines written up or down the page (a network with a second output only). Off by
    # default: on the shared val pages they cost page CER (docs/segmentation.md, "Margin notes").
    sideways: bool = False
    # Lines of print too small for the working scale (a letterhead, a form's labels) are fitted
    # at the page's resolution and read (ml.segment.print_lines); off, they are unread ink.
    print_lines: bool = False
    # The line network on the CPU in bfloat16: where native (auto), never (0), always (1) (ml.read.precision).
    cpu_bf16: str = "auto"


@dataclass
class DetectedLines:
    """Lines found in the deskewed working frame, with what maps them back to the page."""

    lines: list[LineInk]
    spacing: float  # baseline to baseline, in working pixels
    to_page: np.ndarray  # [2, 3] affine map from the working frame to page pixels
    band_area: int = 0  # output pixels the line network marked as band core (0 without it)
    unread: list[Box] = field(default_factory=list)  # boxes round ink no line took
    baselines: list[np.ndarray] = field(default_factory=list)  # one polyline per line
    outlines: list[np.ndarray] = field(default_factory=list)  # one polygon per line
    sideways: list[SidewaysLine] = field(default_factory=list)  # lines written up or down the page
    # Baselines and outlines of lines of small print, after those of ``lines`` in ``baselines`` and ``outlines``.
    printed: int = 0


def segment_page(gray: np.ndarray, config: SegmenterConfig | None = None) -> PageLayout:
    """Text lines of a grayscale (uint8) page image, in reading order, in the image's pixels.

    A page scanned or photographed on its side is read turned upright; its
    lines come back in the image's own pixels, running up or down the page.
    """
    if gray.ndim != 2:
        raise ValueError(f"segment_page expects a 2-D grayscale image, got shape {gray.shape}")
    config = config or SegmenterConfig()
    found = detect_lines(gray, config)
    turned = find_sideways_page(gray, config, found)
    if turned is not None:
        turn, found = turned
        height, width = gray.shape
        return _turned_back(_layout(found, height=width, width=height), turn, gray.shape)
    return _layout(found, *gray.shape)


def _layout(found: DetectedLines, height: int, width: int) -> PageLayout:
    text_lines = [page_line(base, shape, found, width, height) for base, shape in zip(found.baselines, found.outlines)]
    layout = PageLayout(width=width, height=height)
    spacing = found.spacing
    boxes = [(float(l.xs.min()), float(l.ys.min()), float(l.xs.max()), float(l.ys.max())) for l in found.lines]
    boxes += [(*shape.min(axis=0), *shape.max(axis=0)) for shape in found.outlines[len(found.lines):]]
    for b, block in enumerate(reading_order(boxes, min_column_gap=0.8 * spacing, min_block_gap=2.5 * spacing)):
        region = TextRegion(id=f"region_{b + 1}")
        for i in block:
            text_lines[i].region_id = region.id
            layout.lines.append(text_lines[i])
        region.polygon = _hull([p for i in block for p in text_lines[i].polygon])
        layout.regions.append(region)
    _add_sideways(layout, found, width, height)
    for n, line in enumerate(layout.lines):
        line.id = f"line_{n + 1}"
    layout.unread_ink = [_to_page(_corners(box), found.to_page, width, height) for box in found.unread]
    return layout


def _add_sideways(layout: PageLayout, found: DetectedLines, width: int, height: int) -> None:
    """Lines written up or down the page, after the others (a note in the margin is usually
    written last): one region for those running up, first line leftmost, one for those running down."""
    for runs_up in (True, False):
        lines = [line for line in found.sideways if line.runs_up == runs_up]
        if not lines:
            continue
        lines.sort(key=lambda line: float(line.baseline[:, 0].mean()), reverse=not runs_up)
        region = TextRegion(id=f"region_{len(layout.regions) + 1}")
        text_lines = [page_line(line.baseline, line.outline, found, width, height) for line in lines]
        for text_line in text_lines:
            text_line.region_id = region.id
        layout.lines.extend(text_lines)
        region.polygon = _hull([p for line in text_lines for p in line.polygon])
        layout.regions.append(region)


def _corners(box: Box) -> np.ndarray:
    return np.array(box_polygon(box), np.float32)


def find_sideways_page(
    gray: np.ndarray, config: SegmenterConfig, found: DetectedLines
) -> tuple[int, DetectedLines] | None:
    """For a page lying on its side: the quarter turn (``cv2.ROTATE_90_*``) that stands it upright
    and its lines found that way; None for an upright page.

    Only the line network tells, and only a page where it marked little as it
    is gets looked at turned: the network marks lines of writing, not the same
    writing turned a quarter (on the shared val pages, turned either way, its
    confident band was empty on the wrong axis every time). Which quarter turn
    is then the one whose lines have more ink above their cores than below.
    """
    net = _line_net(config)
    if net is None or found.band_area >= SIDEWAYS_CHECK_BELOW:
        return None
    turned_area = _core_area(line_band(net, cv2.rotate(gray, cv2.ROTATE_90_CLOCKWISE), config.cpu_bf16))
    if turned_area < SIDEWAYS_PAGE_RATIO * max(found.band_area, MIN_BAND_AREA):
        return None
    turns = [(turn, detect_lines(cv2.rotate(gray, turn), config))
             for turn in (cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE)]
    return max(turns, key=lambda pair: _uprightness(pair[1]))


def _core_area(band: np.ndarray) -> int:
    """How much of the page the network marks as line band core, in its output pixels."""
    return int((band > BAND_CORE).sum())


def _uprightness(found: DetectedLines) -> int:
    """Ink well above the lines' centres minus ink well below: writing stands on its baseline
    with ascenders, capitals and accents above, fewer descenders below."""
    if not found.lines:
        return 0
    offsets = np.concatenate([line.ys - line.ridge_at(line.xs) for line in found.lines])
    return int(np.sum(offsets < -0.25 * found.spacing)) - int(np.sum(offsets > 0.25 * found.spacing))


def _turned_back(layout: PageLayout, turn: int, shape: tuple[int, int]) -> PageLayout:
    """A layout found on the page turned by ``turn``, in the pixels of the page as it was."""
    height, width = shape

    def back(points: list[Point]) -> list[Point]:
        return [unturned(x, y, turn, shape) for x, y in points]

    for line in layout.lines:
        line.polygon, line.baseline = back(line.polygon), back(line.baseline)
    for region in layout.regions:
        region.polygon = back(region.polygon)
    layout.unread_ink = [back(polygon) for polygon in layout.unread_ink]
    layout.width, layout.height = width, height
    return layout


def detect_lines(gray: np.ndarray, config: SegmenterConfig) -> DetectedLines:
    """The text lines of a page, unordered, in the deskewed working frame."""
    scale, small, ink, mask, spacing = _working_ink(gray, config)
    net = _line_net(config)
    bands, pieces = None, None
    if net is not None:
        bands = _page_bands(net, small, ink.rotation, config.cpu_bf16)
        factor = max(small.shape) / net.config.input_size * net.config.reduction
        pieces = band_ridges(bands[0], factor)

    def find(spacing: float) -> list[LineInk]:
        if pieces is None:
            return assign_ink(mask, chain_ridges(find_ridges(smear(mask, spacing), spacing), spacing), spacing)
        # The network's bands end where the writing ends: join them only over short
        # gaps, and let ink beyond their ends count as far.
        return assign_ink(mask, chain_ridges(pieces, spacing, max_gap=1.5), spacing, overhang=2.0)

    spacing = min(measured_spacing(find(spacing)) or spacing, MAX_SPACING_GROWTH * spacing)
    lines = split_at_gutters(find(spacing), spacing, mask.shape[1])
    lines = [line for line in lines if is_text(line, spacing)]
    band_area = _core_area(bands[0]) if bands is not None else 0
    baselines = [baseline(line, spacing) for line in lines]
    outlines = [outline(line, base, spacing) for line, base in zip(lines, baselines)]
    to_page = _inverse(ink.rotation, scale)
    printed = []
    if config.print_lines and ink.small_print.any():
        to_work = np.hstack([ink.rotation[:, :2] * scale, ink.rotation[:, 2:]])
        printed = print_lines(gray, drop_specks(ink.small_print), spacing, to_page, to_work)
    outlines += [shape for shape, _ in printed]
    baselines += [base for _, base in printed]
    sideways = []
    if config.sideways and bands is not None and len(bands) > 1:
        sideways = sideways_lines(mask, bands[1], factor, spacing, outlines)
    unread = _unread(mask, ink, outlines + [line.outline for line in sideways], spacing)
    return DetectedLines(lines, spacing, to_page, band_area, unread, baselines, outlines, sideways, printed=len(printed))


def _working_ink(gray: np.ndarray, config: SegmenterConfig) -> tuple[float, np.ndarray, PageInk, np.ndarray, float]:
    """The page at working scale: its scale, image, ink, cleaned ink mask and a first guess of
    the line spacing (working pixels)."""
    scale = config.working_size / max(gray.shape)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = page_ink(small, config.max_skew, PRINT_CANDIDATE_THICKNESS if config.print_lines else PRINT_THICKNESS)
    mask = drop_specks(ink.mask)
    spacing = estimate_spacing(mask)
    return scale, small, ink, drop_rules(mask, spacing), spacing


def _unread(mask: np.ndarray, ink: PageInk, outlines: list[np.ndarray], spacing: float) -> list[Box]:
    """Boxes round ink no outline takes in: the cleaned mask's, and small print's (which the line
    finder is not given, but which must be shown)."""
    return unread_ink(mask | drop_specks(ink.small_print), outlines, spacing)


def unread_ink_around(gray: np.ndarray, lines: list[TextLine], config: SegmenterConfig | None = None) -> list[list[Point]]:
    """Places (page pixels) of ink that none of ``lines`` takes in, found as for the segmenter's own
    lines: for lines that came from elsewhere (imported from ALTO or PAGE XML), so that text they
    leave out is shown too. Outlines drawn as thin strips through the letters count widened."""
    config = config or SegmenterConfig()
    scale, _, ink, mask, spacing = _working_ink(gray, config)
    lines, _ = widen_thin_outlines(gray, [line for line in lines if len(line.polygon) >= 3])
    spacing = scale * (baseline_spacing([np.array(line.baseline, float) for line in lines], min_lines=3) or 0) or spacing
    to_mask = ink.rotation[:, :2] * scale
    outlines = [np.asarray(line.polygon, np.float64) @ to_mask.T + ink.rotation[:, 2] for line in lines]
    boxes = _unread(mask, ink, outlines, spacing)
    to_page = _inverse(ink.rotation, scale)
    height, width = gray.shape
    return [_to_page(_corners(box), to_page, width, height) for box in boxes]


def _page_bands(net: LineNet, small: np.ndarray, rotation: np.ndarray, cpu_bf16: str = "auto") -> np.ndarray:
    """The network's line bands on the deskewed working page."""
    upright = cv2.warpAffine(small, rotation, (small.shape[1], small.shape[0]), borderValue=255)
    return line_bands(net, upright, cpu_bf16)


def _line_net(config: SegmenterConfig) -> LineNet | None:
    if isinstance(config.line_net, LineNet):
        return config.line_net
    return _cached_line_net(str(config.line_net)) if config.line_net else None


@lru_cache(maxsize=2)
def _cached_line_net(path: str) -> LineNet | None:
    """The network, loaded once per process; None when its file is absent."""
    return load_line_net(path) if Path(path).exists() else None


def page_line(base: np.ndarray, shape: np.ndarray, found: DetectedLines, width: int, height: int) -> TextLine:
    """A detected line's baseline and outline (working frame) as a line in page pixels."""
    return TextLine(
        id="",
        polygon=_to_page(shape, found.to_page, width, height),
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
