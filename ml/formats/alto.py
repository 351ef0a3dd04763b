"""Read ALTO (v2 to v4) into a PageLayout."""
from __future__ import annotations

from lxml import etree

from ml.formats.points import clip_points, parse_alto_points
from ml.formats.safe_xml import LayoutFormatError, children, descendants, first_child, local_name
from ml.layout import PageLayout, TextLine, TextRegion


def parse_alto(root: etree._Element) -> PageLayout:
    pages = descendants(root, "Page")
    if not pages:
        raise LayoutFormatError("ALTO without a <Page> element")
    page = pages[0]
    try:
        width, height = round(float(page.get("WIDTH"))), round(float(page.get("HEIGHT")))
    except (TypeError, ValueError) as exc:
        raise LayoutFormatError("ALTO <Page> lacks WIDTH/HEIGHT") from exc
    file_name = next((n.text or "" for n in descendants(root, "fileName")), "")
    layout = PageLayout(width=width, height=height, image_filename=file_name.strip())
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


def _tag_label(element: etree._Element, tags: dict[str, str]) -> str:
    refs = (element.get("TAGREFS") or "").split()
    return next((tags[ref] for ref in refs if ref in tags), "")


def _shape(element: etree._Element, layout: PageLayout) -> list[tuple[int, int]]:
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


def _box(element: etree._Element, layout: PageLayout) -> list[tuple[int, int]]:
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
    try:
        baseline = clip_points(parse_alto_points(line.get("BASELINE")), layout.width, layout.height)
    except ValueError:
        # ALTO 2/3 allow a single number as BASELINE (a y value); no usable polyline.
        baseline = []
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


def _line_text(line: etree._Element) -> tuple[str, list[float]]:
    """Join String/SP elements; per-character confidences from CC when present."""
    text, confidences, known = "", [], True
    for node in line:
        name = local_name(node)
        if name == "String":
            content = node.get("CONTENT", "")
            cc = (node.get("CC") or "").split()
            if len(cc) == len(content):
                confidences += [float(c) for c in cc]
            elif node.get("WC") is not None:
                confidences += [float(node.get("WC"))] * len(content)
            else:
                known = False
            text += content
        elif name == "SP" and text:
            text += " "
            confidences.append(confidences[-1] if confidences else 1.0)
    return text, confidences if known and len(confidences) == len(text) else []


__all__ = ["parse_alto"]
