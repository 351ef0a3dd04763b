"""Write a PageLayout as PAGE XML 2019-07-15 (valid against the official pagecontent.xsd)."""
from __future__ import annotations

from datetime import datetime, timezone

from lxml import etree

from ml.layout.formats.page_xml import CHARACTER_CONFIDENCES
from ml.layout.formats.writing import Block, IdMaker, block_polygon, blocks_in_reading_order, line_polygon, nonnegative
from ml.layout.page import PageLayout, Point, TextLine

PAGE_NS = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"
_XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
_SCHEMA_LOCATION = f"{PAGE_NS} {PAGE_NS}/pagecontent.xsd"
_CREATOR = "handwriting digitization platform"
# TextRegion/@type values the schema allows; other region types go to @custom.
_REGION_TYPES = {
    "paragraph", "heading", "caption", "header", "footer", "page-number", "drop-capital",
    "credit", "floating", "signature-mark", "catch-word", "marginalia", "footnote",
    "footnote-continued", "endnote", "TOC-entry", "list-label", "other",
}


def write_page_xml(layout: PageLayout) -> bytes:
    """PAGE 2019 bytes: regions in a ReadingOrder, lines with Coords, Baseline and TextEquiv.

    PAGE has one confidence per TextEquiv: a line's ``@conf`` is that of its
    least certain character, as ``LinePrediction.confidence`` defines it. The
    confidence of every character goes to the line's ``UserDefined`` attribute
    ``character-confidences`` (space-separated, one per character), which
    ``parse_page_xml`` reads back.
    """
    root = etree.Element(_q("PcGts"), nsmap={None: PAGE_NS, "xsi": _XSI_NS})
    root.set(f"{{{_XSI_NS}}}schemaLocation", _SCHEMA_LOCATION)
    _metadata(root)
    page = _sub(root, "Page", imageFilename=layout.image_filename,
                imageWidth=str(layout.width), imageHeight=str(layout.height))
    ids = IdMaker()
    blocks = [b for b in blocks_in_reading_order(layout) if block_polygon(b)]
    block_ids = [ids.make(block.region.id, "region") for block in blocks]
    if blocks:
        group = _sub(_sub(page, "ReadingOrder"), "OrderedGroup", id=ids.make("ro", "ro"),
                     caption="Regions reading order")
        for index, block_id in enumerate(block_ids):
            _sub(group, "RegionRefIndexed", index=str(index), regionRef=block_id)
    for index, (block, block_id) in enumerate(zip(blocks, block_ids)):
        _text_region(page, block, block_id, index, ids)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _q(name: str) -> str:
    return f"{{{PAGE_NS}}}{name}"


def _sub(parent: etree._Element, name: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, _q(name), attributes)


def _metadata(root: etree._Element) -> None:
    metadata = _sub(root, "Metadata")
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    _sub(metadata, "Creator").text = _CREATOR
    _sub(metadata, "Created").text = now
    _sub(metadata, "LastChange").text = now


def _text_region(page: etree._Element, block: Block, block_id: str, index: int, ids: IdMaker) -> None:
    region_type = block.region.region_type
    custom = f"readingOrder {{index:{index};}}"
    element = _sub(page, "TextRegion", id=block_id)
    if region_type in _REGION_TYPES:
        element.set("type", region_type)
    elif region_type not in ("", "text"):
        custom += f" structure {{type:{region_type};}}"
    element.set("custom", custom)
    _sub(element, "Coords", points=_points(block_polygon(block)))
    for line_index, line in enumerate(block.lines):
        _text_line(element, line, line_index, ids)


def _text_line(region: etree._Element, line: TextLine, index: int, ids: IdMaker) -> None:
    custom = f"readingOrder {{index:{index};}}"
    if line.line_type not in ("", "default"):
        custom += f" structure {{type:{line.line_type};}}"
    element = _sub(region, "TextLine", id=ids.make(line.id, "line"), custom=custom)
    _sub(element, "Coords", points=_points(line_polygon(line)))
    if len(line.baseline) >= 2:
        _sub(element, "Baseline", points=_points(line.baseline))
    equiv = _sub(element, "TextEquiv")
    _sub(equiv, "Unicode").text = line.text
    if not line.text or len(line.confidences) != len(line.text):
        return
    confidences = [min(max(c, 0.0), 1.0) for c in line.confidences]
    equiv.set("conf", f"{min(confidences):.3f}")
    attribute = _sub(_sub(element, "UserDefined"), "UserAttribute")
    attribute.attrib.update({
        "name": CHARACTER_CONFIDENCES, "type": "xsd:string",
        "description": "confidence in [0, 1] of each character of the line's text, in order",
        "value": " ".join(f"{c:.3f}" for c in confidences),
    })


def _points(points: list[Point]) -> str:
    return " ".join(f"{x},{y}" for x, y in nonnegative(points))


__all__ = ["PAGE_NS", "write_page_xml"]
