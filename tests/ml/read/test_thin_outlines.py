"""Outlines drawn through a line's letters are widened to a band round its baseline; others are kept."""
import cv2
import numpy as np

from ml.layout import TextLine
from ml.read.thin_outlines import widen_thin_outlines

SPACING = 100
BASELINES = [70, 170, 270, 370]


def page_of_lines(scale: float = 1.6) -> np.ndarray:
    page = np.full((440, 600), 235, np.uint8)
    for y in BASELINES:
        cv2.putText(page, "Helpful lady", (20, y), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, scale, 25, 3, cv2.LINE_AA)
    return page


def line_at(y: int, above: int, below: int) -> TextLine:
    return TextLine(id=f"l{y}", polygon=[(15, y - above), (560, y - above), (560, y + below), (15, y + below)],
                    baseline=[(15, y), (560, y)])


def test_an_outline_through_the_letters_becomes_a_band_round_the_baseline():
    page = page_of_lines()
    lines = [line_at(y, 55, 25) for y in BASELINES]
    lines[1] = line_at(BASELINES[1], 18, 2)  # a strip along the baseline, cutting every tall letter

    widened, count = widen_thin_outlines(page, lines)

    assert count == 1
    assert widened[0] is lines[0] and widened[2] is lines[2] and widened[3] is lines[3]
    ys = [y for _, y in widened[1].polygon]
    assert min(ys) == BASELINES[1] - 65 and max(ys) == BASELINES[1] + 30
    assert widened[1].baseline == lines[1].baseline and widened[1].id == lines[1].id


def test_a_tight_outline_round_small_writing_is_kept():
    page = page_of_lines(scale=0.45)  # writing about a fifth of the line spacing tall
    lines = [line_at(y, 16, 6) for y in BASELINES]  # outlines close round it, under 0.3 spacings

    widened, count = widen_thin_outlines(page, lines)

    assert count == 0 and widened == lines


def test_a_page_with_too_few_lines_to_measure_their_spacing_is_left_as_it_is():
    page = page_of_lines()
    lines = [line_at(BASELINES[0], 18, 2), line_at(BASELINES[1], 18, 2)]

    assert widen_thin_outlines(page, lines) == (lines, 0)


def test_ink_round_imported_lines_shows_a_line_left_out_and_nothing_round_strips_through_letters():
    from ml.segment.segmenter import SegmenterConfig, unread_ink_around

    page = page_of_lines()
    lines = [line_at(y, 18, 2) for y in BASELINES]  # every outline a strip through the letters
    config = SegmenterConfig(line_net=None)

    assert unread_ink_around(page, lines, config) == []
    (place,) = unread_ink_around(page, lines[:2] + lines[3:], config)  # the third line is not in the XML
    ys = [y for _, y in place]
    assert BASELINES[1] + 20 < min(ys) and max(ys) < BASELINES[3] - 40
