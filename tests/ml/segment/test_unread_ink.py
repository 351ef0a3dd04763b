"""Ink that no line took is shown, so that text the segmenter missed is not silently lost."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from tests.ml.drawn_pages import FONT, INK, draw_page

from ml.segment.line_net import DEFAULT_LINE_NET_PATH
from ml.segment.segmenter import SegmenterConfig, segment_page
from ml.segment.unread_ink import place_ink, unread_ink

SPACING = 40.0


def band(x0: int, x1: int, y0: int, y1: int) -> np.ndarray:
    return np.array([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], np.float32)


def test_ink_outside_every_line_is_boxed_and_dust_is_not():
    mask = np.zeros((300, 600), np.uint8)
    mask[40:60, 20:400] = 1  # a line of writing...
    outlines = [band(15, 405, 30, 66)]
    mask[66:69, 100:140] = 1  # ...with a tail just past its outline
    cv2.putText(mask, "5 mg", (450, 200), FONT, 0.9, 1, 2)  # a dose written apart
    mask[280, 30] = mask[250, 580] = 1  # dust

    boxes = unread_ink(mask, outlines, SPACING)

    assert len(boxes) == 1
    x0, y0, x1, y1 = boxes[0]
    assert 440 <= x0 and x1 <= 560 and 170 <= y0 and y1 <= 215


def test_nothing_is_shown_when_every_mark_is_in_a_line():
    mask = np.zeros((200, 400), np.uint8)
    mask[40:60, 20:380] = mask[120:140, 20:300] = 1
    assert unread_ink(mask, [band(10, 390, 30, 70), band(10, 310, 110, 150)], SPACING) == []


def test_a_places_ink_and_what_the_lines_drawn_over_it_leave_out():
    page = np.full((300, 900), 232, np.uint8)
    for y in (100, 160):  # two lines of writing under one place
        cv2.putText(page, "the quick brown fox", (50, y), FONT, 1.2, INK, 2)
    place = (40, 60, 520, 180)
    first = band(40, 520, 62, 118)

    untouched = place_ink(page, place, [], SPACING)
    assert untouched.left == untouched.ink > 0 and len(untouched.groups(SPACING, 0.1)) == 2  # a group a line
    half = place_ink(page, place, [first], SPACING)
    assert 0.3 * half.ink < half.left < 0.7 * half.ink
    (x0, y0, x1, y1), = half.groups(SPACING, 0.1)
    assert 120 <= y0 and y1 <= 180 and x0 < 60 and x1 > 340  # the second line, whole
    assert place_ink(page, place, [first, band(40, 520, 120, 178)], SPACING).left == 0


@pytest.fixture(params=["classical", "line network"])
def config(request) -> SegmenterConfig:
    if request.param == "classical":
        return SegmenterConfig(line_net=None)
    if not DEFAULT_LINE_NET_PATH.exists():
        pytest.skip(f"no line network file at {DEFAULT_LINE_NET_PATH}")
    return SegmenterConfig(line_net=DEFAULT_LINE_NET_PATH)


def test_a_page_read_whole_shows_no_unread_ink(config):
    page, _ = draw_page(lines=6)
    assert segment_page(page, config).unread_ink == []


def test_a_stamp_in_the_margin_is_read_as_a_line_or_shown(config):
    page, _ = draw_page(lines=6)
    centre = (1250, 1500)
    cv2.circle(page, centre, 70, INK, 5)
    cv2.putText(page, "PAID", (1195, 1515), cv2.FONT_HERSHEY_SIMPLEX, 1.2, INK, 3)

    layout = segment_page(page, config)

    in_a_line = any(cv2.pointPolygonTest(np.array(l.polygon, np.float32), centre, False) >= 0 for l in layout.lines)
    shown = [np.array(p) for p in layout.unread_ink]
    covering = [p for p in shown if p[:, 0].min() <= centre[0] <= p[:, 0].max() and p[:, 1].min() <= centre[1] <= p[:, 1].max()]
    assert in_a_line or covering
    for polygon in covering:  # in page pixels, round the stamp, not the page
        assert polygon[:, 0].min() >= 1100 and polygon[:, 1].min() >= 1350


def test_a_line_of_small_print_across_the_top_is_shown(config):
    # A form's consent text, capitals about 12 px high on the scan: at the working scale it looks
    # like a ruling, and was once dropped as one, neither read nor shown.
    page, drawn = draw_page(lines=6)
    text = "I have read the terms of participation and consent to my manuscript being used for research."
    cv2.putText(page, text, (130, 110), cv2.FONT_HERSHEY_SIMPLEX, 0.55, INK, 1, cv2.LINE_AA)

    layout = segment_page(page, config)

    shown = [np.array(p) for p in layout.unread_ink]
    assert any(p[:, 1].min() <= 105 and p[:, 1].max() >= 100 and np.ptp(p[:, 0]) > 500 for p in shown)
    assert len(layout.lines) == len(drawn)
