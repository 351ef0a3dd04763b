"""What the ALTO and PAGE writers share: valid ids, blocks of lines, fallback geometry."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ml.layout.geometry import bounding_box, box_polygon
from ml.layout.page import PageLayout, Point, TextLine, TextRegion

# xsd:ID must be an NCName; ASCII is enough for the ids this project makes.
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_NOT_NCNAME_CHAR = re.compile(r"[^A-Za-z0-9_.\-]")


class IdMaker:
    """Turns the layout's ids into unique, schema-valid xsd:ID values."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def make(self, wanted: str, prefix: str) -> str:
        if _NCNAME.match(wanted):
            candidate = wanted
        elif wanted:
            candidate = f"{prefix}_{_NOT_NCNAME_CHAR.sub('_', wanted)}"
        else:
            candidate = prefix
        unique, n = candidate, 1
        while unique in self._used:
            n += 1
            unique = f"{candidate}_{n}"
        self._used.add(unique)
        return unique


@dataclass
class Block:
    """A run of consecutive lines (in reading order) that share one region."""

    region: TextRegion
    lines: list[TextLine]


def blocks_in_reading_order(layout: PageLayout) -> list[Block]:
    """Group lines into blocks without changing the order of the lines.

    Lines whose region is unknown go to a synthesized region covering them. A
    region whose lines are interleaved with another's is split into several
    blocks, so that the written reading order equals ``layout.lines``. Regions
    without lines are kept, after the others.
    """
    regions = {region.id: region for region in layout.regions}
    blocks: list[Block] = []
    for line in layout.lines:
        if blocks and blocks[-1].lines[-1].region_id == line.region_id:
            blocks[-1].lines.append(line)
            continue
        region = regions.get(line.region_id) or TextRegion(id=line.region_id or "region")
        blocks.append(Block(region=region, lines=[line]))
    used = {line.region_id for line in layout.lines}
    blocks += [Block(region=r, lines=[]) for r in layout.regions if r.id not in used]
    return blocks


def block_polygon(block: Block) -> list[Point]:
    """The region's polygon, else the bounding box of its lines."""
    if len(block.region.polygon) >= 3:
        return block.region.polygon
    points = [p for line in block.lines for p in line_polygon(line)]
    if not points:
        return []
    return box_polygon(bounding_box(points))


def line_polygon(line: TextLine) -> list[Point]:
    """The line's polygon, else a band around its baseline (height: a twelfth of its length)."""
    if len(line.polygon) >= 3:
        return line.polygon
    x0, y0, x1, y1 = bounding_box(line.baseline)
    ascent = max(8, (x1 - x0) // 12)
    upper = [(x, max(y - ascent, 0)) for x, y in line.baseline]
    lower = [(x, y + ascent // 4) for x, y in reversed(line.baseline)]
    return upper + lower


def nonnegative(points: list[Point]) -> list[Point]:
    return [(max(int(x), 0), max(int(y), 0)) for x, y in points]
