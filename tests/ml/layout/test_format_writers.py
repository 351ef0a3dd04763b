"""Writing ALTO 4 and PAGE 2019: valid against the official schemas, and read back unchanged."""
from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from lxml import etree

from ml.layout import PageLayout, TextLine, TextRegion
from ml.layout.formats import parse_layout, read_layout, write_alto, write_page_xml

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SCHEMAS = Path(__file__).resolve().parents[2] / "fixtures" / "schemas"


@cache
def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def assert_valid(data: bytes, schema_name: str) -> None:
    checker = schema(schema_name)
    document = etree.fromstring(data)
    assert checker.validate(document), checker.error_log.last_error


def awkward_page() -> PageLayout:
    """A page the platform could produce: odd ids, lines outside any region, baseline-only and empty lines."""
    text = 'Paracetamol 500 mg <2x> & "later"'
    return PageLayout(
        width=1200,
        height=900,
        image_filename="scan 1.png",
        regions=[TextRegion(id="7", polygon=[(50, 50), (1150, 50), (1150, 400), (50, 400)], region_type="marginalia")],
        lines=[
            TextLine(
                id="1",
                polygon=[(60, 60), (1100, 60), (1100, 130), (60, 130)],
                baseline=[(60, 120), (1100, 118)],
                text=text,
                confidences=[0.9] * len(text),
                line_type="heading",
                region_id="7",
            ),
            TextLine(id="1", polygon=[], baseline=[(60, 220), (900, 225)], text="", region_id="7"),
            TextLine(id="b0d5e6a2-uuid", polygon=[(60, 500), (700, 500), (700, 560), (60, 560)], text="no baseline"),
            TextLine(id="x", polygon=[(60, 300), (900, 300), (900, 360), (60, 360)], baseline=[(60, 350), (900, 350)],
                     text="back in region 7", region_id="7"),
        ],
    )


@pytest.mark.parametrize("write, schema_name", [(write_alto, "alto-4-3.xsd"), (write_page_xml, "pagecontent.xsd")])
def test_written_xml_is_valid_against_the_official_schema(write, schema_name):
    assert_valid(write(awkward_page()), schema_name)


@pytest.mark.parametrize("write, schema_name", [(write_alto, "alto-4-3.xsd"), (write_page_xml, "pagecontent.xsd")])
def test_an_empty_page_is_valid_too(write, schema_name):
    assert_valid(write(PageLayout(width=10, height=10)), schema_name)


@pytest.mark.parametrize("write", [write_alto, write_page_xml])
def test_written_page_reads_back_with_its_lines_in_order(write):
    page = awkward_page()

    back = parse_layout(write(page))

    assert (back.width, back.height, back.image_filename) == (1200, 900, "scan 1.png")
    assert [line.text for line in back.lines] == [line.text for line in page.lines]
    assert [line.baseline for line in back.lines] == [line.baseline for line in page.lines]
    assert back.lines[0].polygon == page.lines[0].polygon
    assert back.lines[0].line_type == "heading"
    assert len({line.id for line in back.lines}) == len(back.lines)


def test_a_baseline_only_line_gets_a_polygon_around_its_baseline():
    back = parse_layout(write_page_xml(awkward_page()))

    xs = [x for x, _ in back.lines[1].polygon]
    ys = [y for _, y in back.lines[1].polygon]
    assert (min(xs), max(xs)) == (60, 900)
    assert min(ys) < 220 and max(ys) > 225


def test_alto_keeps_per_character_confidences_to_a_ninth():
    page = awkward_page()
    page.lines[2].confidences = [0.1, 0.5, 1.0, 0.0, 0.33, 0.9, 0.95, 0.7, 0.6, 0.2, 0.05]

    back = parse_layout(write_alto(page))

    # An ALTO <SP/> has no confidence of its own: spaces are not compared.
    pairs = zip(page.lines[2].text, page.lines[2].confidences, back.lines[2].confidences)
    for char, written, read in pairs:
        if char != " ":
            assert abs(written - read) <= 1 / 18 + 1e-9


def test_page_xml_line_conf_is_its_least_certain_character_and_each_character_keeps_its_own():
    page = awkward_page()
    page.lines[0].confidences[5] = 0.25
    written = write_page_xml(page)

    (equiv,) = etree.fromstring(written).findall(".//{*}TextLine[@id='line_1']/{*}TextEquiv")
    assert equiv.get("conf") == "0.250"
    back = parse_layout(written)
    assert back.lines[0].confidences == page.lines[0].confidences


def test_page_xml_from_elsewhere_gives_every_character_the_line_conf():
    page = awkward_page()
    page.lines[0].confidences[5] = 0.25
    root = etree.fromstring(write_page_xml(page))
    for user_defined in root.findall(".//{*}UserDefined"):
        user_defined.getparent().remove(user_defined)

    back = parse_layout(etree.tostring(root))

    assert back.lines[0].confidences == [0.25] * len(page.lines[0].text)


def test_region_types_survive_both_formats():
    for write in (write_alto, write_page_xml):
        back = parse_layout(write(awkward_page()))
        assert back.regions[0].region_type == "marginalia"


@pytest.mark.parametrize("fixture", ["alto_v4.xml", "alto_v2.xml", "page_2013.xml", "page_2019_words.xml"])
@pytest.mark.parametrize("write", [write_alto, write_page_xml])
def test_round_trip_keeps_every_line_geometry_and_text(fixture, write):
    original = read_layout(FIXTURES / fixture)

    back = parse_layout(write(original))

    assert [(l.text, l.polygon, l.baseline) for l in back.lines] == [
        (l.text, l.polygon, l.baseline) for l in original.lines
    ]
