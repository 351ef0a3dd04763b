"""The segmenter on pages drawn here: script-font lines at known baselines, with skew, ruling, columns."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from tests.ml.drawn_pages import FONT, INK, PAPER, Baseline, draw_page

from ml.layout import PageLayout
from ml.segment.line_net import DEFAULT_LINE_NET_PATH
from ml.segment.segmenter import SegmenterConfig
from ml.segment.segmenter import segment_page as segment_with


@pytest.fixture(params=["classical", "line network"])
def segment_page(request):
    """The segmenter both ways: ridges of smeared ink, and the shipped line network."""
    if request.param == "classical":
        config = SegmenterConfig(line_net=None)
    elif DEFAULT_LINE_NET_PATH.exists():
        config = SegmenterConfig(line_net=DEFAULT_LINE_NET_PATH)
    else:
        pytest.skip(f"no line network file at {DEFAULT_LINE_NET_PATH}")
    return lambda gray: segment_with(gray, config)


def y_at(polyline, x: float) -> float:
    points = np.array(sorted(polyline), np.float64)
    return float(np.interp(x, points[:, 0], points[:, 1]))


def assert_lines_found(layout: PageLayout, drawn: list[Baseline], spacing: float = 110) -> None:
    """One detected line per drawn line, in the same order, on the same baseline and as long."""
    assert len(layout.lines) == len(drawn)
    for line, (start, end) in zip(layout.lines, drawn):
        xs = np.linspace(start[0], end[0], 9)[1:-1]
        drawn_ys = np.interp(xs, [start[0], end[0]], [start[1], end[1]])
        found_ys = [y_at(line.baseline, x) for x in xs]
        assert np.abs(np.array(found_ys) - drawn_ys).max() < 0.15 * spacing
        found_x0, found_x1 = line.baseline[0][0], line.baseline[-1][0]
        assert abs(found_x0 - start[0]) < 0.3 * spacing and abs(found_x1 - end[0]) < 0.5 * spacing


def assert_polygons_hold_their_baselines(layout: PageLayout) -> None:
    for line in layout.lines:
        polygon = np.array(line.polygon, np.float32).reshape(-1, 1, 2)
        (x0, y0), (x1, y1) = line.baseline[0], line.baseline[-1]
        middle = ((x0 + x1) / 2, y_at(line.baseline, (x0 + x1) / 2) - 5)
        assert cv2.pointPolygonTest(polygon, middle, False) >= 0


def test_level_lines_are_found_in_order(segment_page):
    page, drawn = draw_page()

    layout = segment_page(page)

    assert_lines_found(layout, drawn)
    assert_polygons_hold_their_baselines(layout)


@pytest.mark.parametrize("skew", [-4.0, 2.5])
def test_skewed_page_lines_follow_the_skew(segment_page, skew):
    page, drawn = draw_page(skew=skew)

    assert_lines_found(segment_page(page), drawn)


@pytest.mark.parametrize("skew", [0.0, -2.0])
def test_ruled_paper_gives_lines_of_writing_only(segment_page, skew):
    page, drawn = draw_page(ruled=True, skew=skew, seed=1)

    layout = segment_page(page)

    assert_lines_found(layout, drawn)
    assert_polygons_hold_their_baselines(layout)


def test_two_columns_are_read_left_column_first(segment_page):
    page, drawn = draw_page(lines=6, width=2200, columns=2, gutter=260)

    layout = segment_page(page)

    assert_lines_found(layout, drawn)
    assert len({line.region_id for line in layout.lines[:6]} & {line.region_id for line in layout.lines[6:]}) == 0


def test_blank_and_ruled_blank_pages_have_no_lines(segment_page):
    blank, _ = draw_page(lines=0)
    ruled, _ = draw_page(lines=0, ruled=True)

    assert segment_page(blank).lines == []
    assert segment_page(ruled).lines == []


def test_dark_scanner_bed_around_the_sheet_is_no_text(segment_page):
    page, drawn = draw_page(lines=5)
    framed = np.full((page.shape[0] + 200, page.shape[1] + 200), 25, np.uint8)
    framed[100:-100, 100:-100] = page
    shifted = [((a[0] + 100, a[1] + 100), (b[0] + 100, b[1] + 100)) for a, b in drawn]

    assert_lines_found(segment_page(framed), shifted)


def test_output_is_in_page_pixels_with_unique_ids_and_known_regions(segment_page):
    page, _ = draw_page(lines=4, width=1000, height=1300, skew=3.0)

    layout = segment_page(page)

    assert (layout.width, layout.height) == (1000, 1300)
    points = [p for line in layout.lines for p in line.polygon + line.baseline]
    assert all(0 <= x < 1000 and 0 <= y < 1300 for x, y in points)
    assert len({line.id for line in layout.lines}) == len(layout.lines)
    assert {line.region_id for line in layout.lines} <= {region.id for region in layout.regions}


def test_small_and_large_scans_of_the_same_page_agree(segment_page):
    page, drawn = draw_page(lines=5)
    half = cv2.resize(page, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    halved = [((a[0] / 2, a[1] / 2), (b[0] / 2, b[1] / 2)) for a, b in drawn]

    assert_lines_found(segment_page(half), halved, spacing=55)


def test_a_colour_image_is_refused(segment_page):
    with pytest.raises(ValueError, match="grayscale"):
        segment_page(np.zeros((100, 100, 3), np.uint8))


@pytest.mark.parametrize("turn", [cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE])
def test_a_page_lying_on_its_side_is_read_upright(turn):
    if not DEFAULT_LINE_NET_PATH.exists():
        pytest.skip(f"no line network file at {DEFAULT_LINE_NET_PATH}")
    page, drawn = draw_page(lines=6)
    upright = segment_with(page, SegmenterConfig())

    sideways = segment_with(cv2.rotate(page, turn), SegmenterConfig())

    height, width = page.shape
    assert (sideways.width, sideways.height) == (height, width)
    assert len(sideways.lines) == len(upright.lines) == len(drawn)
    # Each line's baseline, turned with the page, runs where the upright one does, in the same direction.
    turn_point = {
        cv2.ROTATE_90_CLOCKWISE: lambda x, y: (height - 1 - y, x),
        cv2.ROTATE_90_COUNTERCLOCKWISE: lambda x, y: (y, width - 1 - x),
    }[turn]
    for a, b in zip(upright.lines, sideways.lines):
        expected = np.array([turn_point(*a.baseline[0]), turn_point(*a.baseline[-1])], float)
        found = np.array([b.baseline[0], b.baseline[-1]], float)
        assert np.abs(found - expected).max() < 20



@pytest.mark.parametrize("turn, runs_up", [(cv2.ROTATE_90_COUNTERCLOCKWISE, True), (cv2.ROTATE_90_CLOCKWISE, False)])
def test_a_note_written_up_or_down_the_margin_is_read_after_the_page_its_own_way(turn, runs_up):
    if not DEFAULT_LINE_NET_PATH.exists():
        pytest.skip(f"no line network file at {DEFAULT_LINE_NET_PATH}")
    page, drawn = draw_page(lines=6)
    note = np.full((240, 1000), PAPER, np.uint8)
    for n, text in enumerate(["The old black kettle", "Kate told Ethel"]):
        cv2.putText(note, text, (20, 90 + 110 * n), FONT, 2.6, INK, 3, cv2.LINE_AA)
    note = cv2.rotate(note, turn)  # 1000 high, 240 wide
    sheet = np.full((page.shape[0], page.shape[1] + 300), PAPER, np.uint8)
    sheet[:, 300:] = page
    sheet[300 : 300 + note.shape[0], 40 : 40 + note.shape[1]] = note

    layout = segment_with(sheet, SegmenterConfig(sideways=True))

    shifted = [((a[0] + 300, a[1]), (b[0] + 300, b[1])) for a, b in drawn]
    assert_lines_found(PageLayout(width=sheet.shape[1], height=sheet.shape[0], lines=layout.lines[:6]), shifted)
    margin = layout.lines[6:]
    assert len(margin) == 2
    for line in margin:
        (x0, y0), (x1, y1) = line.baseline[0], line.baseline[-1]
        assert max(x0, x1) < 300 and abs(y1 - y0) > 400
        assert (y1 < y0) == runs_up
    assert margin[0].region_id == margin[1].region_id != layout.lines[0].region_id
    assert len(segment_with(sheet, SegmenterConfig()).lines) == 6  # not looked for by default
