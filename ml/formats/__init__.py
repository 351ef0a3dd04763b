"""Page formats exchanged by HTR tools: PAGE XML and ALTO, read into and written from ``ml.layout``."""
from __future__ import annotations

from pathlib import Path

from ml.formats.alto import parse_alto
from ml.formats.alto_writer import write_alto
from ml.formats.page_xml import parse_page_xml
from ml.formats.page_xml_writer import write_page_xml
from ml.formats.safe_xml import LayoutFormatError, parse_xml
from ml.layout import PageLayout

__all__ = ["LayoutFormatError", "read_layout", "parse_layout", "write_alto", "write_page_xml"]


def parse_layout(data: bytes) -> PageLayout:
    """Parse PAGE XML or ALTO bytes, choosing the reader by the root element."""
    root = parse_xml(data)
    name = root.tag.rsplit("}", 1)[-1]
    if name == "PcGts":
        return parse_page_xml(root)
    if name == "alto":
        return parse_alto(root)
    raise LayoutFormatError(f"not PAGE XML or ALTO: the root element is <{name}>")


def read_layout(path: str | Path) -> PageLayout:
    return parse_layout(Path(path).read_bytes())
