"""Write a PageLayout as ALTO 4 (valid against the official alto-4-3.xsd)."""
from __future__ import annotations

from lxml import etree

from ml.layout.formats.writing import (
    Block,
    IdMaker,
    block_polygon,
    blocks_in_reading_order,
    bounding_box,
    line_polygon,
    nonnegative,
)
from ml.layout.page import PageLayout, Point, TextLine

ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"
_XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
_SCHEMA_LOCATION = f"{ALTO_NS} http://www.loc.gov/standards/alto/v4/alto-4-3.xsd"


def write_alto(layout: PageLayout) -> bytes:
    """ALTO 4 bytes: one TextBlock per region, each line with its polygon, baseline and text.

    Per-character confidences go to ``String/@CC`` (0 = sure .. 9 = unsure, as
    ALTO defines it) and their mean to ``String/@WC``.
    """
    root = etree.Element(_q("alto"), nsmap={None: ALTO_NS, "xsi": _XSI_NS})
    root.set(f"{{{_XSI_NS}}}schemaLocation", _SCHEMA_LOCATION)
    _description(root, layout)
    ids = IdMaker()
    blocks = blocks_in_reading_order(layout)
    tag_ids = _tags(root, blocks, ids)

    page = _sub(root, "Layout")
    page = _sub(page, "Page", ID=ids.make("page", "page"), PHYSICAL_IMG_NR="1",
                WIDTH=str(layout.width), HEIGHT=str(layout.height))
    space = _sub(page, "PrintSpace", HPOS="0", VPOS="0", WIDTH=str(layout.width), HEIGHT=str(layout.height))
    for block in blocks:
        _text_block(space, block, ids, tag_ids)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _q(name: str) -> str:
    return f"{{{ALTO_NS}}}{name}"


def _sub(parent: etree._Element, name: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, _q(name), attributes)


def _description(root: etree._Element, layout: PageLayout) -> None:
    description = _sub(root, "Description")
    _sub(description, "MeasurementUnit").text = "pixel"
    if layout.image_filename:
        source = _sub(description, "sourceImageInformation")
        _sub(source, "fileName").text = layout.image_filename


def _tags(root: etree._Element, blocks: list[Block], ids: IdMaker) -> dict[tuple[str, str], str]:
    """OtherTag elements for the region and line types in use, as eScriptorium writes them."""
    kinds: dict[tuple[str, str], None] = {}
    for block in blocks:
        if block.region.region_type not in ("", "text"):
            kinds[("block", block.region.region_type)] = None
        for line in block.lines:
            if line.line_type not in ("", "default"):
                kinds[("line", line.line_type)] = None
    if not kinds:
        return {}
    tags = _sub(root, "Tags")
    tag_ids = {}
    for n, (kind, label) in enumerate(kinds, start=1):
        tag_id = ids.make(f"{'BT' if kind == 'block' else 'LT'}{n}", "tag")
        _sub(tags, "OtherTag", ID=tag_id, LABEL=label, DESCRIPTION=f"{kind} type {label}")
        tag_ids[(kind, label)] = tag_id
    return tag_ids


def _text_block(
    parent: etree._Element, block: Block, ids: IdMaker, tag_ids: dict[tuple[str, str], str]
) -> None:
    polygon = nonnegative(block_polygon(block))
    element = _sub(parent, "TextBlock", ID=ids.make(block.region.id, "region"))
    tag = tag_ids.get(("block", block.region.region_type))
    if tag:
        element.set("TAGREFS", tag)
    if polygon:
        _set_box(element, polygon)
        _shape(element, polygon)
    for line in block.lines:
        _text_line(element, line, ids, tag_ids)


def _text_line(
    parent: etree._Element, line: TextLine, ids: IdMaker, tag_ids: dict[tuple[str, str], str]
) -> None:
    polygon = nonnegative(line_polygon(line))
    element = _sub(parent, "TextLine", ID=ids.make(line.id, "line"))
    tag = tag_ids.get(("line", line.line_type))
    if tag:
        element.set("TAGREFS", tag)
    if len(line.baseline) >= 2:
        element.set("BASELINE", _points(nonnegative(line.baseline)))
    _set_box(element, polygon)
    _shape(element, polygon)
    _strings(element, line)


def _strings(element: etree._Element, line: TextLine) -> None:
    """One String per space-separated word (at least one, as the schema asks), SP between."""
    confidences = [_unit(c) for c in line.confidences] if len(line.confidences) == len(line.text) else []
    start = 0
    for n, word in enumerate(line.text.split(" ")):
        if n:
            _sub(element, "SP")
        string = _sub(element, "String", CONTENT=word)
        word_confidences = confidences[start : start + len(word)]
        if word and word_confidences:
            string.set("WC", f"{sum(word_confidences) / len(word_confidences):.3f}")
            string.set("CC", " ".join(str(round((1 - c) * 9)) for c in word_confidences))
        start += len(word) + 1


def _unit(value: float) -> float:
    return min(max(float(value), 0.0), 1.0)


def _set_box(element: etree._Element, polygon: list[Point]) -> None:
    x0, y0, x1, y1 = bounding_box(polygon)
    element.set("HPOS", str(x0))
    element.set("VPOS", str(y0))
    element.set("WIDTH", str(x1 - x0))
    element.set("HEIGHT", str(y1 - y0))


def _shape(element: etree._Element, polygon: list[Point]) -> None:
    _sub(_sub(element, "Shape"), "Polygon", POINTS=_points(polygon))


def _points(points: list[Point]) -> str:
    return " ".join(f"{x} {y}" for x, y in points)


__all__ = ["ALTO_NS", "write_alto"]
