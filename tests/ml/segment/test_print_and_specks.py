"""Pages of kinds the line network was not trained on: a letter with a printed letterhead and a
margin note, and a page strewn with specks."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from tests.ml.drawn_pages import INK, PAPER, draw_letter, draw_page
from tests.ml.segment.test_segmenter import assert_lines_found

from ml.segment.line_net import DEFAULT_LINE_NET_PATH
from ml.segment.segmenter import SegmenterConfig, segment_page

needs_line_net = pytest.mark.skipif(not DEFAULT_LINE_NET_PATH.exists(), reason=f"no line network at {DEFAULT_LINE_NET_PATH}")


@needs_line_net
@pytest.mark.parametrize(("print_scale", "print_lines"), [(0.9, False), (0.9, True), (0.45, True)],
                         ids=["letterhead, as the platform segments", "letterhead", "small print letterhead"])
def test_a_letter_gives_its_letterhead_its_ten_lines_and_its_margin_note_in_reading_order(print_scale, print_lines):
    page, drawn = draw_letter(print_scale=print_scale)

    layout = segment_page(page, SegmenterConfig(print_lines=print_lines))

    assert_lines_found(layout, drawn)
    assert layout.lines[-1].region_id != layout.lines[0].region_id  # the note is a column of its own
    assert layout.unread_ink == []


@needs_line_net
def test_small_print_is_unread_ink_when_print_lines_are_not_looked_for():
    page, drawn = draw_letter(print_scale=0.6)

    layout = segment_page(page, SegmenterConfig(print_lines=False))

    assert len(layout.lines) == 11
    assert min(line.baseline[0][1] for line in layout.lines) > 200


@pytest.mark.parametrize("print_lines", [False, True])
def test_specks_make_no_line(print_lines):
    rng = np.random.default_rng(1)
    page = np.full((1800, 1400), PAPER, np.uint8)
    for x, y, r in zip(rng.integers(0, 1400, 400), rng.integers(0, 1800, 400), rng.integers(1, 4, 400)):
        cv2.circle(page, (int(x), int(y)), int(r), INK, -1)

    assert segment_page(page, SegmenterConfig(print_lines=print_lines)).lines == []


def test_rulings_are_not_taken_for_print():
    page, drawn = draw_page(ruled=True)

    layout = segment_page(page, SegmenterConfig(print_lines=True))

    assert_lines_found(layout, drawn)
