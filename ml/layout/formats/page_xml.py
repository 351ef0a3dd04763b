"""Read PAGE XML (2013-07-15 and 2019-07-15 namespaces) into a PageLayout."""
from __future__ import annotations

import re

from lxml import etree

from ml.layout.formats.points import clip_points, parse_page_points
from ml.layout.formats.safe_xml import LayoutFormatError, children, descendants, first_child, local_name
from ml.layout.page import PageLayout, TextLine, TextRegion

# The TextLine UserAttribute in which this project's PAGE files keep one confidence per character.
CHARACTER_CONFIDENCES = "character-confidences"

_STRUCTURE_TYPE = re.compile(r"structure\s*\{[^}]*type:([^;}]+)")
_READING_ORDER = re.compile(r"readingOrder\s*\{[^}]*index:\s*(\d+)")


def parse_page_xml(root: etree._Element) -> PageLayout:
    page = first_child(root, "Page")
    if page is None:
        raise LayoutFormatError("PAGE XML without a <Page> element")
    try:
        width, height = round(float(page.get("imageWidth"))), round(float(page.get("imageHeight")))
    except (TypeError, ValueError) as exc:
        raise LayoutFormatError("PAGE XML <Page> lacks imageWidth/imageHeight") from exc
    layout = PageLayout(width=width, height=height, image_filename=page.get("imageFilename", ""))

    for region in _ordered_regions(page):
        region_id = region.get("id", "")
        coords = first_child(region, "Coords")
        layout.regions.append(
            TextRegion(
                id=region_id,
                polygon=_coords(coords, layout),
                region_type=_structure_type(region) or region.get("type", "text"),
            )
        )
        for line in _ordered_lines(children(region, "TextLine")):
            parsed = _parse_line(line, region_id, layout)
            if parsed is not None:
                layout.lines.append(parsed)
    return layout


def _ordered_regions(page: etree._Element) -> list[etree._Element]:
    """Text regions in the ReadingOrder's index order; those it does not list follow in document order."""
    index = {}
    for ref in descendants(page, "RegionRefIndexed"):
        try:
            index.setdefault(ref.get("regionRef"), int(ref.get("index", "")))
        except ValueError:
            continue
    regions = descendants(page, "TextRegion")
    listed = sorted((r for r in regions if r.get("id") in index), key=lambda r: index[r.get("id")])
    return listed + [r for r in regions if r.get("id") not in index]


def _ordered_lines(lines: list[etree._Element]) -> list[etree._Element]:
    """By Transkribus' ``readingOrder {index:n;}`` where given; lines without one follow, in document order."""

    def index(line: etree._Element) -> float:
        match = _READING_ORDER.search(line.get("custom", ""))
        return int(match.group(1)) if match else float("inf")

    return sorted(lines, key=index)


def _structure_type(element: etree._Element) -> str:
    match = _STRUCTURE_TYPE.search(element.get("custom", ""))
    return match.group(1).strip() if match else ""


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
    text, confidences = _line_text(line, layout)
    return TextLine(
        id=line_id,
        polygon=polygon if len(polygon) >= 3 else [],
        baseline=baseline,
        text=text,
        confidences=confidences,
        line_type=_structure_type(line) or "default",
        region_id=region_id,
    )


def _line_text(line: etree._Element, layout: PageLayout) -> tuple[str, list[float]]:
    """The line's own TextEquiv, else its Words' joined by spaces. Confidences: one per
    character where this project wrote them (a UserAttribute), else the line @conf for every one."""
    equiv = _first_text_equiv(line)
    if equiv is None:
        words = [_first_text_equiv(word) for word in children(line, "Word")]
        text = " ".join(_unicode(e) for e in words if e is not None)
        return text, []
    text = _unicode(equiv)
    per_character = _character_confidences(line)
    if text and len(per_character) == len(text):
        return text, per_character
    try:
        conf = float(equiv.get("conf"))
    except (TypeError, ValueError):
        if equiv.get("conf") is not None:
            layout.warnings.append(f"unreadable conf in line {line.get('id')!r}")
        return text, []
    return text, [min(max(conf, 0.0), 1.0)] * len(text) if text and conf == conf else []


def _character_confidences(line: etree._Element) -> list[float]:
    for user_defined in children(line, "UserDefined"):
        for attribute in children(user_defined, "UserAttribute"):
            if attribute.get("name") == CHARACTER_CONFIDENCES:
                try:
                    return [min(max(float(value), 0.0), 1.0) for value in (attribute.get("value") or "").split()]
                except ValueError:
                    return []
    return []


def _first_text_equiv(element: etree._Element) -> etree._Element | None:
    """PAGE: of several TextEquiv, the one with the lowest index comes first."""
    equivs = children(element, "TextEquiv")
    if not equivs:
        return None
    return min(equivs, key=lambda e: int(e.get("index")) if (e.get("index") or "").isdigit() else 0)


def _unicode(equiv: etree._Element) -> str:
    unicode = first_child(equiv, "Unicode")
    return (unicode.text or "") if unicode is not None else ""


__all__ = ["parse_page_xml", "local_name"]
