"""Read ALTO (v2 to v4) into a PageLayout."""
from __future__ import annotations

from lxml import etree

from ml.layout.formats.points import clip_points, parse_alto_points
from ml.layout.formats.safe_xml import LayoutFormatError, children, descendants, first_child, local_name
from ml.layout.page import PageLayout, Point, TextLine, TextRegion


def parse_alto(root: etree._Element) -> PageLayout:
    pages = descendants(root, "Page")
    if not pages:
        raise LayoutFormatError("ALTO without a <Page> element")
    page = pages[0]
    file_name = next((n.text or "" for n in descendants(root, "fileName")), "")
    layout = PageLayout(width=0, height=0, image_filename=file_name.strip())
    layout.width, layout.height = _page_size(page, layout)
    if len(pages) > 1:
        layout.warnings.append(f"ALTO with {len(pages)} pages: only the first is read")
    unit = next(((n.text or "").strip() for n in descendants(root, "MeasurementUnit")), "pixel")
    if unit != "pixel":
        layout.warnings.append(
            f"coordinates are in {unit!r}, not pixels: scale the layout to the image (ml.layout.rescale)"
        )
    tags = {tag.get("ID"): tag.get("LABEL", "") for tag in descendants(root, "OtherTag")}

    for block in descendants(page, "TextBlock"):
        block_id = block.get("ID", "")
        layout.regions.append(
            TextRegion(
                id=block_id,
                polygon=_shape(block, layout),
                region_type=_tag_label(block, tags) or "text",
            )
        )
        for line in children(block, "TextLine"):
            parsed = _parse_line(line, block_id, layout, tags)
            if parsed is not None:
                layout.lines.append(parsed)
    return layout


def _page_size(page: etree._Element, layout: PageLayout) -> tuple[int, int]:
    """Page WIDTH/HEIGHT; else the PrintSpace's; else the extent of the boxes on the page."""
    for element in [page, *descendants(page, "PrintSpace")]:
        try:
            return round(float(element.get("WIDTH"))), round(float(element.get("HEIGHT")))
        except (TypeError, ValueError):
            continue
    right, bottom = 0, 0
    for node in page.iter():
        try:
            right = max(right, round(float(node.get("HPOS")) + float(node.get("WIDTH"))))
            bottom = max(bottom, round(float(node.get("VPOS")) + float(node.get("HEIGHT"))))
        except (TypeError, ValueError):
            continue
    if not right or not bottom:
        raise LayoutFormatError("ALTO <Page> lacks WIDTH/HEIGHT and no box on it gives its size")
    layout.warnings.append("ALTO <Page> lacks WIDTH/HEIGHT; the extent of its boxes is used")
    return right + 1, bottom + 1


def _tag_label(element: etree._Element, tags: dict[str, str]) -> str:
    refs = (element.get("TAGREFS") or "").split()
    return next((tags[ref] for ref in refs if ref in tags), "")


def _shape(element: etree._Element, layout: PageLayout) -> list[Point]:
    shape = first_child(element, "Shape")
    polygon = first_child(shape, "Polygon") if shape is not None else None
    if polygon is not None:
        try:
            points = parse_alto_points(polygon.get("POINTS"))
        except ValueError:
            layout.warnings.append(f"unreadable polygon in {element.get('ID')!r}")
            points = []
        if len(points) >= 3:
            return clip_points(points, layout.width, layout.height)
    return _box(element, layout)


def _box(element: etree._Element, layout: PageLayout) -> list[Point]:
    try:
        x, y = float(element.get("HPOS")), float(element.get("VPOS"))
        w, h = float(element.get("WIDTH")), float(element.get("HEIGHT"))
    except (TypeError, ValueError):
        return []
    box = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
    return clip_points([(round(px), round(py)) for px, py in box], layout.width, layout.height)


def _parse_line(
    line: etree._Element, block_id: str, layout: PageLayout, tags: dict[str, str]
) -> TextLine | None:
    line_id = line.get("ID", "")
    polygon = _shape(line, layout)
    baseline = clip_points(_baseline(line, polygon, layout), layout.width, layout.height)
    if len(polygon) < 3 and len(baseline) < 2:
        layout.warnings.append(f"line {line_id!r} has no coordinates; skipped")
        return None
    text, confidences = _line_text(line)
    return TextLine(
        id=line_id,
        polygon=polygon,
        baseline=baseline,
        text=text,
        confidences=confidences,
        line_type=_tag_label(line, tags) or "default",
        region_id=block_id,
    )


def _baseline(line: etree._Element, polygon: list[Point], layout: PageLayout) -> list[Point]:
    """ALTO 4 gives a polyline; ALTO 2/3 a single y, which becomes a horizontal line across the polygon."""
    value = line.get("BASELINE")
    try:
        return parse_alto_points(value)
    except ValueError:
        pass
    try:
        y = round(float(value))
    except (TypeError, ValueError):
        layout.warnings.append(f"unreadable BASELINE in line {line.get('ID')!r}")
        return []
    if len(polygon) < 3:
        return []
    xs = [x for x, _ in polygon]
    return [(min(xs), y), (max(xs), y)]


def _line_text(line: etree._Element) -> tuple[str, list[float]]:
    """Join String/SP/HYP elements; per-character confidences from CC (else WC) when present."""
    text, confidences, known, seen_string = "", [], True, False
    for node in line:
        name = local_name(node)
        if name == "String":
            content = node.get("CONTENT", "")
            string_confidences = _string_confidences(node, content)
            known = known and (string_confidences is not None or not content)
            confidences += string_confidences or []
            text += content
            seen_string = True
        elif name == "SP" and seen_string:
            text += " "
            confidences.append(confidences[-1] if confidences else 1.0)
        elif name == "HYP":
            hyphen = node.get("CONTENT", "")
            text += hyphen
            confidences += [confidences[-1] if confidences else 1.0] * len(hyphen)
    return text, confidences if known and text and len(confidences) == len(text) else []


def _string_confidences(node: etree._Element, content: str) -> list[float] | None:
    """ALTO's CC is one digit per character, 0 (sure) to 9 (unsure); WC is 0 (unsure) to 1 (sure)."""
    cc = (node.get("CC") or "").strip()
    digits = cc.split() if " " in cc else list(cc)
    if content and len(digits) == len(content) and all(d in "0123456789" for d in digits):
        return [1 - int(d) / 9 for d in digits]
    try:
        wc = float(node.get("WC"))
    except (TypeError, ValueError):
        return None
    if wc != wc:  # NaN
        return None
    return [min(max(wc, 0.0), 1.0)] * len(content)


__all__ = ["parse_alto"]
