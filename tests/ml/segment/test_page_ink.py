"""The ink mask: rulings and frames out; small print kept aside."""
from __future__ import annotations

import cv2
import numpy as np
from tests.ml.drawn_pages import INK, PAPER, RULING

from ml.segment.page_ink import crop_ink, page_ink

PRINT = "I have read the terms of participation and I consent to my manuscript being used for research."


def blank(height: int = 1100, width: int = 850) -> np.ndarray:
    return np.full((height, width), PAPER, np.uint8)


def test_a_thin_ruling_is_no_ink():
    page = blank()
    cv2.line(page, (40, 300), (810, 300), RULING, 1)
    ink = page_ink(page, max_skew=0)
    assert ink.mask.sum() == 0 and ink.small_print.sum() == 0


def test_a_thick_solid_frame_edge_is_no_ink():
    page = blank()
    page[600:608, 20:830] = INK
    ink = page_ink(page, max_skew=0)
    assert ink.mask.sum() == 0 and ink.small_print.sum() == 0


def test_a_line_of_small_print_set_tight_is_kept_aside_as_small_print():
    # Letters 6 px high, as a form's small print is at the working size: they join into one long
    # run, as a ruling's dashes do, but it is thick and has paper between its letters.
    page = blank()
    cv2.putText(page, PRINT, (30, 100), cv2.FONT_HERSHEY_SIMPLEX, 0.32, INK, 1, cv2.LINE_AA)
    drawn = np.count_nonzero(page[85:105] < PAPER - 40)

    ink = page_ink(page, max_skew=0)

    assert ink.small_print[85:105].sum() > 0.5 * drawn
    assert ink.mask[85:105].sum() < 0.1 * drawn  # too small for the line finder: it is not given it


def test_a_sliver_a_few_pixels_thick_is_looked_at_like_any_crop():
    """A place of unread ink can be a sliver: its crop failed to scale down to a quarter, and
    the places under a line drawn over it were left as they were."""
    for thickness in (1, 2, 3):
        sliver = np.full((thickness, 60), 230, np.uint8)
        sliver[0, 20:27] = 30
        assert crop_ink(sliver).shape == sliver.shape
        assert crop_ink(sliver.T).shape == sliver.T.shape
