"""Places of unread ink that look like a line, read on the first reading and kept when read surely."""
from __future__ import annotations

import cv2
import numpy as np
from tests.ml.drawn_pages import INK, draw_page

from ml.layout import LinePrediction, PageLayout, TextLine
from ml.segment.place_lines import looks_like_a_line, read_places


def layout_of(drawn, missing: int) -> tuple[PageLayout, list]:
    """The drawn lines as a layout, but for line ``missing``, whose box is a place of unread ink."""
    layout = PageLayout(width=1400, height=1800)
    boxes = [(a[0], a[1] - 45, b[0], b[1] + 20) for a, b in drawn]
    for n, ((a, b), (x0, y0, x1, y1)) in enumerate(zip(drawn, boxes)):
        if n != missing:
            polygon = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
            layout.lines.append(TextLine(id=f"line_{n}", polygon=polygon, baseline=[a, b], region_id="region_1"))
    x0, y0, x1, y1 = boxes[missing]
    layout.unread_ink = [[(x0, y0 + 10), (x1, y0 + 10), (x1, y1 - 5), (x0, y1 - 5)]]
    return layout, boxes


def reader(confidence: float, seen: list):
    def read(lines: list[TextLine]) -> list[LinePrediction]:
        seen.extend(lines)
        return [LinePrediction(text="a line", confidences=[confidence] * 6) for _ in lines]

    return read


def test_a_place_read_surely_becomes_a_line_in_reading_order():
    page, drawn = draw_page(lines=5)
    layout, boxes = layout_of(drawn, missing=2)
    seen: list[TextLine] = []

    added = read_places(page, layout, reader(0.95, seen))

    assert len(added) == 1 and added[0][1].text == "a line"
    assert layout.unread_ink == []
    assert [line.id for line in layout.lines] == [f"line_{n + 1}" for n in range(5)]
    middle = layout.lines[2]
    assert middle is added[0][0] and middle.region_id == "region_1"
    (x0, y0), (x1, y1) = middle.baseline[0], middle.baseline[-1]
    assert abs(y0 - drawn[2][0][1]) < 15 and abs(y1 - drawn[2][1][1]) < 15
    assert x0 < drawn[2][0][0] + 30 and x1 > drawn[2][1][0] - 60


def test_a_place_read_unsurely_stays_a_place():
    page, drawn = draw_page(lines=5)
    layout, _ = layout_of(drawn, missing=2)

    assert read_places(page, layout, reader(0.4, [])) == []
    assert len(layout.lines) == 4 and len(layout.unread_ink) == 1


def test_specks_read_unsurely_stay_a_place_and_a_place_running_down_the_page_is_not_read():
    page, drawn = draw_page(lines=3)
    layout, _ = layout_of(drawn, missing=1)
    rng = np.random.default_rng(0)
    for x, y in zip(rng.integers(200, 900, 30), rng.integers(700, 760, 30)):
        cv2.circle(page, (int(x), int(y)), 2, INK, -1)
    layout.unread_ink = [[(200, 690), (900, 690), (900, 770), (200, 770)],  # specks
                         [(100, 100), (160, 100), (160, 700), (100, 700)]]  # runs down the page
    seen: list[TextLine] = []

    assert read_places(page, layout, reader(0.3, seen)) == []

    assert len(seen) == 1 and max(y for _, y in seen[0].polygon) < 780  # only the specks were read
    assert len(layout.unread_ink) == 2 and len(layout.lines) == 2


def test_what_looks_like_a_line():
    assert looks_like_a_line([(0, 0), (300, 0), (300, 50), (0, 50)], line_height=60)
    assert not looks_like_a_line([(0, 0), (60, 0), (60, 50), (0, 50)], line_height=60)  # a mark
    assert not looks_like_a_line([(0, 0), (300, 0), (300, 400), (0, 400)], line_height=60)  # a block
