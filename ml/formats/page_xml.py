"""Read PAGE XML (2013-07-15 and 2019-07-15 namespaces) into a PageLayout."""
from __future__ import annotations

import re

from lxml import etree

from ml.formats.points import clip_points, parse_page_points
from ml.formats.safe_xml import LayoutFormatError, children, descendants, first_child, local_name
from ml.layout import PageLayout, TextLine, TextRegion

_STRUCTURE_TYPE = re.compile(r"structure\s*\{[^}]*type:([^;}]+)")


def parse_page_xml(root: etree._Element) -> PageLayout:
    page = first_child(root, "Page")
    if page is None:
        raise LayoutFormatError("PAGE XML without a <Page> element")
    try:
        width, height = int(page.get("imageWidth")), int(page.get("imageHeight"))
    except (TypeError, ValueError) as exc:
        raise LayoutFormatError("PAGE XML <Page> lacks imageWidth/imageHeight") from exc
    layout = PageLayout(width=width, height=height, image_filename=page.get("imageFilename", ""))

    regions = {region.get("id", ""): region for region in descendants(page, "TextRegion")}
    for region_id in _ordered_region_ids(page, list(regions)):
        region = regions[region_id]
        coords = first_child(region, "Coords")
        layout.regions.append(
            TextRegion(
                id=region_id,
                polygon=_coords(coords, layout),
                region_type=region.get("type", "text"),
            )
        )
        for line in children(region, "TextLine"):
            parsed = _parse_line(line, region_id, layout)
            if parsed is not None:
                layout.lines.append(parsed)
    return layout


def _ordered_region_ids(page: etree._Element, document_order: list[str]) -> list[str]:
    indexed = [
        (int(ref.get("index", 0)), ref.get("regionRef"))
        for ref in descendants(page, "RegionRefIndexed")
    ]
    ordered = [ref for _, ref in sorted(indexed) if ref in document_order]
    return ordered + [rid for rid in document_order if rid not in ordered]


def _coords(element: etree._Element | None, layout: PageLayout) -> list[tuple[int, int]]:
    if element is None:
        return []
    try:
        points = parse_page_points(element.get("points"))
    except ValueError:
        layout.warnings.append(f"unreadable points {element.get('points')!r}")
        return []
    return clip_points(points, layout.width, layout.height)


def _parse_line(line: etree._Element, region_id: str, layout: PageLayout) -> TextLine | None:
    line_id = line.get("id", "")
    polygon = _coords(first_child(line, "Coords"), layout)
    baseline = _coords(first_child(line, "Baseline"), layout)
    if len(polygon) < 3 and len(baseline) < 2:
        layout.warnings.append(f"line {line_id!r} has no coordinates; skipped")
        return None
    text, confidences = _line_text(line)
    match = _STRUCTURE_TYPE.search(line.get("custom", ""))
    return TextLine(
        id=line_id,
        polygon=polygon if len(polygon) >= 3 else [],
        baseline=baseline,
        text=text,
        confidences=confidences,
        line_type=match.group(1).strip() if match else "default",
        region_id=region_id,
    )


def _line_text(line: etree._Element) -> tuple[str, list[float]]:
    """The line's own TextEquiv (not its words'), preferring index 0 / the first one."""
    equivs = children(line, "TextEquiv")
    if not equivs:
        return "", []
    equiv = sorted(equivs, key=lambda e: int(e.get("index", 0) or 0))[0]
    unicode = first_child(equiv, "Unicode")
    text = (unicode.text or "") if unicode is not None else ""
    conf = equiv.get("conf")
    confidences = [float(conf)] * len(text) if conf is not None else []
    return text, confidences


__all__ = ["parse_page_xml", "local_name"]
