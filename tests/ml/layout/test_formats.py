"""Reading PAGE XML and ALTO: real-world quirks tolerated, hostile XML refused."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from ml.layout import PageLayout, TextLine, rescale
from ml.layout.formats import LayoutFormatError, parse_layout, read_layout

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def by_id(layout: PageLayout) -> dict[str, TextLine]:
    return {line.id: line for line in layout.lines}


def test_alto_v4_gives_lines_with_geometry_text_types_and_confidences():
    layout = read_layout(FIXTURES / "alto_v4.xml")

    assert (layout.width, layout.height, layout.image_filename) == (1000, 800, "page_001.jpg")
    assert [r.region_type for r in layout.regions] == ["MainZone"]
    first = by_id(layout)["l1"]
    assert first.text == "Dear Sir,"
    assert first.baseline == [(100, 150), (900, 152)]
    assert first.polygon == [(100, 110), (900, 112), (900, 165), (100, 163)]
    assert first.line_type == "DefaultLine" and first.region_id == "b1"
    assert by_id(layout)["l2"].line_type == "InterlinearLine"
    # CC digits run from 0 (sure) to 9 (unsure); the second word has only WC.
    assert first.confidences[:4] == pytest.approx([1.0, 1 - 1 / 9, 1.0, 1 - 2 / 9])
    assert first.confidences[5:] == pytest.approx([0.8] * 4)
    assert len(first.confidences) == len(first.text)


def test_alto_line_without_coordinates_is_skipped_with_a_warning():
    layout = read_layout(FIXTURES / "alto_v4.xml")

    assert "l4" not in by_id(layout)
    assert any("'l4'" in warning for warning in layout.warnings)


def test_alto_empty_line_box_only_line_and_custom_children_are_read():
    lines = by_id(read_layout(FIXTURES / "alto_v4.xml"))

    assert lines["l3"].text == ""
    assert lines["l3"].polygon == [(100, 210), (900, 210), (900, 265), (100, 265)]
    assert lines["l5"].text == "with a custom child"


def test_coordinates_outside_the_page_are_clamped():
    line = by_id(read_layout(FIXTURES / "alto_v4.xml"))["l5"]

    assert min(x for x, _ in line.polygon) == 0


@pytest.mark.parametrize("version", ["v2", "v3"])
def test_alto_v2_and_v3_namespaces_are_read(version):
    data = (FIXTURES / "alto_v2.xml").read_bytes().replace(b"ns-v2#", f"ns-{version}#".encode())

    layout = parse_layout(data)

    assert [line.text for line in layout.lines] == ["first line", "second hyphen-"]
    # ALTO 2/3 give BASELINE as one y: a level line across the line's box.
    assert layout.lines[0].baseline == [(50, 82), (550, 82)]
    assert layout.lines[1].baseline == []
    assert layout.lines[1].polygon == [(50, 110), (550, 110), (550, 150), (50, 150)]


def test_alto_in_other_units_warns_and_rescale_maps_to_the_image():
    data = (FIXTURES / "alto_v2.xml").read_bytes().replace(b">pixel<", b">mm10<")

    layout = parse_layout(data)
    scaled = rescale(layout, 1200, 800)

    assert any("mm10" in warning for warning in layout.warnings)
    assert scaled.lines[0].baseline == [(100, 164), (1100, 164)]
    assert layout.lines[0].baseline == [(50, 82), (550, 82)]


def test_page_2013_follows_reading_order_of_regions_and_lines():
    layout = read_layout(FIXTURES / "page_2013.xml")

    assert [region.id for region in layout.regions] == ["r1", "r2"]
    assert [line.text for line in layout.lines] == ["first line", "second line", "margin note"]
    assert [line.region_id for line in layout.lines] == ["r1", "r1", "r2"]


def test_page_region_and_line_types_come_from_type_and_custom_structure():
    layout = read_layout(FIXTURES / "page_2013.xml")

    assert [region.region_type for region in layout.regions] == ["paragraph", "marginalia"]
    assert by_id(layout)["r1l2"].line_type == "heading"
    assert by_id(layout)["r1l1"].line_type == "default"


def test_page_line_conf_applies_to_each_character():
    line = by_id(read_layout(FIXTURES / "page_2013.xml"))["r1l2"]

    assert line.confidences == [0.75] * len("second line")


def test_page_line_text_is_its_own_not_its_words():
    assert by_id(read_layout(FIXTURES / "page_2013.xml"))["r1l1"].text == "first line"


def test_page_words_give_the_text_when_the_line_has_none():
    layout = read_layout(FIXTURES / "page_2019_words.xml")

    assert layout.width == 800
    assert by_id(layout)["l1"].text == "words only"


def test_page_unreadable_conf_and_missing_coordinates_warn_instead_of_failing():
    words = read_layout(FIXTURES / "page_2019_words.xml")
    transkribus = read_layout(FIXTURES / "page_2013.xml")

    assert by_id(words)["l2"].confidences == []
    assert any("conf" in warning for warning in words.warnings)
    assert "r1l3" not in by_id(transkribus)
    assert any("'r1l3'" in warning for warning in transkribus.warnings)


def _page(points: str, size: str = 'imageWidth="100" imageHeight="50"') -> bytes:
    return (f'<PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15">\n<Page {size}>\n'
            f'<TextRegion id="r"><TextLine id="a"><Coords points="{points}"/></TextLine></TextRegion></Page></PcGts>').encode()


@pytest.mark.parametrize("points, size, message", [
    ("0,0 nan,0 9,9", 'imageWidth="100" imageHeight="50"', "line 3, <Coords points>: 'nan' is not a finite number"),
    ("0,0 -inf,0 9,9", 'imageWidth="100" imageHeight="50"', "'-inf' is not a finite number"),
    ("0,0 9,0 9,9", 'imageWidth="0" imageHeight="50"', "line 2, <Page imageWidth>: the page's size must be above zero"),
])
def test_numbers_that_cannot_be_right_refuse_the_file_naming_the_line(points, size, message):
    with pytest.raises(LayoutFormatError, match=message.replace("(", r"\(")):
        parse_layout(_page(points, size))


def test_a_coordinate_that_is_no_number_still_only_warns():
    layout = parse_layout(_page("0,0 x,0 9,9"))
    assert layout.lines == [] and any("'a'" in warning for warning in layout.warnings)


def test_malformed_xml_is_refused_with_a_clear_error():
    with pytest.raises(LayoutFormatError, match="malformed XML"):
        read_layout(FIXTURES / "malformed.xml")


def test_billion_laughs_is_refused_at_once():
    start = time.perf_counter()
    with pytest.raises(LayoutFormatError, match="DOCTYPE"):
        read_layout(FIXTURES / "billion_laughs.xml")
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("name", ["external_entity.xml", "parameter_entity.xml"])
def test_external_entities_are_refused_and_never_resolved(name):
    with pytest.raises(LayoutFormatError, match="DOCTYPE") as refused:
        read_layout(FIXTURES / name)
    assert "root:" not in str(refused.value)


def test_a_dtd_that_parses_is_refused_too():
    data = b'<?xml version="1.0"?><!DOCTYPE alto [<!ENTITY x "y">]><alto/>'

    with pytest.raises(LayoutFormatError, match="DOCTYPE"):
        parse_layout(data)


def test_other_xml_is_not_taken_for_a_page():
    with pytest.raises(LayoutFormatError, match="not PAGE XML or ALTO"):
        parse_layout(b"<html><body/></html>")


def test_page_without_size_is_refused():
    with pytest.raises(LayoutFormatError, match="imageWidth"):
        parse_layout(b'<PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"><Page/></PcGts>')


def test_alto_without_page_size_takes_the_extent_of_its_boxes():
    data = (FIXTURES / "alto_v2.xml").read_bytes()
    data = data.replace(b' WIDTH="600" HEIGHT="400"', b"").replace(b'WIDTH="600" HEIGHT="400"', b"")

    layout = parse_layout(data)

    assert (layout.width, layout.height) == (551, 171)  # the TextBlock reaches x 550, y 170
    assert any("WIDTH/HEIGHT" in warning for warning in layout.warnings)
