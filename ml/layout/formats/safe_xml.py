"""XML parsing that never resolves entities or reaches the network."""
from __future__ import annotations

from lxml import etree


class LayoutFormatError(ValueError):
    """The file is not a readable PAGE or ALTO document."""


_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)


_DOCTYPE = b"<!DOCTYPE"


def parse_xml(data: bytes) -> etree._Element:
    try:
        tree = etree.fromstring(data, _PARSER).getroottree()
    except etree.XMLSyntaxError as exc:
        if _DOCTYPE in data[:4096].upper():
            # Entity bombs and external entities fail inside the parser already.
            raise LayoutFormatError("XML with a DOCTYPE declaration is refused") from exc
        raise LayoutFormatError(f"malformed XML: {exc}") from exc
    # Real PAGE and ALTO exports never carry a DTD; one that does is refused
    # outright, which rules out entity expansion attacks of every kind.
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        raise LayoutFormatError("XML with a DOCTYPE declaration is refused")
    return tree.getroot()


def local_name(element: etree._Element) -> str:
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in element if local_name(child) == name]


def descendants(element: etree._Element, name: str) -> list[etree._Element]:
    return [node for node in element.iter() if local_name(node) == name]


def first_child(element: etree._Element, name: str) -> etree._Element | None:
    found = children(element, name)
    return found[0] if found else None
