"""Refuse a PAGE or ALTO file whose numbers cannot be right: NaN or infinite coordinates, sizes or
confidences, and a page with no area. The readers leave out what they cannot read and say so in
the layout's warnings; a number that reads but means nothing would instead put lines outside the
page, or NaN in a text version, so the whole file is refused, naming the XML line."""
from __future__ import annotations

import math
import re

from lxml import etree

from ml.layout.formats.safe_xml import LayoutFormatError, local_name

# The attributes of PAGE (2013, 2019) and ALTO (2-4) that hold numbers, each a list of them.
NUMERIC = {"imageWidth", "imageHeight", "points", "conf", "WIDTH", "HEIGHT", "HPOS", "VPOS", "POINTS",
           "BASELINE", "WC"}
# The one UserAttribute whose value is numbers: this project's per-character confidences.
CHARACTER_CONFIDENCES = "character-confidences"
# Attributes that are the page's size (of <Page>, the PrintSpace, a box): zero or below is no size.
SIZES = {"imageWidth", "imageHeight"}
_SEPARATORS = re.compile(r"[\s,]+")


def numbers_check(root: etree._Element) -> None:
    """Raise LayoutFormatError at the first number that is not finite, or page size that is not
    positive, with its XML line: ``line 12, <Coords points>: 'nan' is not a finite number``."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            if _holds_numbers(element, name):
                _finite(element, name, value)


def _holds_numbers(element: etree._Element, name: str) -> bool:
    if name == "value":
        return local_name(element) == "UserAttribute" and element.get("name") == CHARACTER_CONFIDENCES
    return name in NUMERIC


def _finite(element: etree._Element, name: str, value: str) -> None:
    for token in _SEPARATORS.split(value.strip()):
        try:
            number = float(token)
        except ValueError:
            continue  # text where a number belongs: the reader leaves it out with a warning
        where = f"line {element.sourceline}, <{local_name(element)} {name}>"
        if not math.isfinite(number):
            raise LayoutFormatError(f"{where}: {token!r} is not a finite number")
        if (name in SIZES or (local_name(element) == "Page" and name in ("WIDTH", "HEIGHT"))) and number <= 0:
            raise LayoutFormatError(f"{where}: the page's size must be above zero, not {token}")
