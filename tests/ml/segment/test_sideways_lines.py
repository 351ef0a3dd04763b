"""Lines written up or down a page, found from a band as the line network's second output marks it."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from tests.ml.drawn_pages import FONT, INK, PAPER

from ml.segment.sideways_lines import sideways_lines

SPACING, FACTOR = 80, 4
X_HEIGHT = 25  # of the font at its size, in pixels
# Words with ascenders and capitals, no descenders: writing that plainly stands on its baseline.
NOTE = ["The old black kettle", "Kate told the fiddle", "That lad had Ella"]


def upright_note() -> tuple[np.ndarray, np.ndarray, list]:
    """Ink mask, line band (at 1/FACTOR) and baselines of three lines written across a sheet."""
    page = np.full((400, 900), PAPER, np.uint8)
    drawn = []
    for n, text in enumerate(NOTE):
        y = 120 + n * SPACING
        cv2.putText(page, text, (60, y), FONT, 2.0, INK, 3, cv2.LINE_AA)
        (width, _), _ = cv2.getTextSize(text, FONT, 2.0, 3)
        drawn.append(((60, y), (60 + width, y)))
    mask = (page < (INK + PAPER) // 2).astype(np.uint8)
    band = np.zeros((page.shape[0] // FACTOR, page.shape[1] // FACTOR), np.float32)
    for (x0, y0), (x1, _) in drawn:
        band[(y0 - X_HEIGHT) // FACTOR : y0 // FACTOR, x0 // FACTOR : x1 // FACTOR] = 0.95
    return mask, band, drawn


@pytest.mark.parametrize("turn, runs_up", [(cv2.ROTATE_90_COUNTERCLOCKWISE, True), (cv2.ROTATE_90_CLOCKWISE, False)])
def test_lines_written_up_or_down_are_found_running_their_way(turn, runs_up):
    mask, band, drawn = upright_note()
    height, width = mask.shape

    found = sideways_lines(cv2.rotate(mask, turn), cv2.rotate(band, turn), FACTOR, SPACING, taken=[])

    assert len(found) == len(drawn)
    assert all(line.runs_up == runs_up for line in found)
    # The upright page's baselines, turned with it: x of each line and its start and end.
    turned = {
        cv2.ROTATE_90_COUNTERCLOCKWISE: lambda x, y: (y, width - 1 - x),
        cv2.ROTATE_90_CLOCKWISE: lambda x, y: (height - 1 - y, x),
    }[turn]
    expected = sorted((turned(*start), turned(*end)) for start, end in drawn)
    got = sorted((tuple(line.baseline[0]), tuple(line.baseline[-1])) for line in found)
    for (start, end), (found_start, found_end) in zip(expected, got):
        assert abs(found_start[0] - start[0]) < 0.15 * SPACING and abs(found_end[0] - end[0]) < 0.15 * SPACING
        assert abs(found_start[1] - start[1]) < 0.3 * SPACING and abs(found_end[1] - end[1]) < 0.5 * SPACING


def test_ink_a_line_across_took_is_not_read_again():
    mask, band, drawn = upright_note()
    turned_mask, turned_band = cv2.rotate(mask, cv2.ROTATE_90_CLOCKWISE), cv2.rotate(band, cv2.ROTATE_90_CLOCKWISE)
    whole = np.array([(0, 0), (turned_mask.shape[1], 0), (turned_mask.shape[1], turned_mask.shape[0]), (0, turned_mask.shape[0])], float)

    assert sideways_lines(turned_mask, turned_band, FACTOR, SPACING, taken=[whole]) == []


def test_no_band_no_lines():
    mask, band, _ = upright_note()

    assert sideways_lines(mask, np.zeros_like(band), FACTOR, SPACING, taken=[]) == []
