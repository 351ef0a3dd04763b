"""Page formats exchanged by HTR tools: PAGE XML and ALTO, read into and written from ``ml.layout``."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ml.layout.formats.alto import parse_alto
from ml.layout.formats.alto_writer import write_alto
from ml.layout.formats.numbers import numbers_check
from ml.layout.formats.page_xml import parse_page_xml
from ml.layout.formats.page_xml_writer import write_page_xml
from ml.layout.formats.safe_xml import LayoutFormatError, parse_xml
from ml.layout.page import PageLayout, rescale

# A folder of pages with ground truth holds each page image with its PAGE or ALTO file beside it (same stem).
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff")

__all__ = ["IMAGE_SUFFIXES", "LayoutFormatError", "load_truth", "page_pairs", "read_layout", "parse_layout",
           "write_alto", "write_page_xml"]


def parse_layout(data: bytes) -> PageLayout:
    """Parse PAGE XML or ALTO bytes, choosing the reader by the root element; LayoutFormatError for
    a file that is not one, or whose numbers cannot be right (ml.layout.formats.numbers)."""
    root = parse_xml(data)
    numbers_check(root)
    name = root.tag.rsplit("}", 1)[-1]
    if name == "PcGts":
        return parse_page_xml(root)
    if name == "alto":
        return parse_alto(root)
    raise LayoutFormatError(f"not PAGE XML or ALTO: the root element is <{name}>")


def read_layout(path: str | Path) -> PageLayout:
    return parse_layout(Path(path).read_bytes())


def page_pairs(folder: Path) -> list[tuple[Path, Path]]:
    """(image, XML) pairs of a folder, by shared file stem."""
    pairs = []
    for image in sorted(folder.iterdir()):
        xml = image.with_suffix(".xml")
        if image.suffix.lower() in IMAGE_SUFFIXES and xml.exists():
            pairs.append((image, xml))
    return pairs


def load_truth(xml: Path, gray: np.ndarray) -> PageLayout:
    truth = read_layout(xml)
    if (truth.width, truth.height) != (gray.shape[1], gray.shape[0]):
        truth = rescale(truth, gray.shape[1], gray.shape[0])
    return truth
