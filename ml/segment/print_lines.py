"""Lines of small print (a letterhead, a form's labels, a consent line) found as lines to read.

At the segmenter's working scale such print is a few pixels high and its letters join
into one straight run, so ``page_ink`` takes it out with the rulings and keeps it
aside as ``small_print``. Its places are fitted here to the print at the page's own
resolution, as a box a person drew round them would be (``fit_free_line``), so that
the recognizer, which reads print, reads them with the handwriting.
"""
from __future__ import annotations

import numpy as np

from ml.segment.drawn_line import fit_free_line
from ml.segment.unread_ink import MIN_INK, Box, ink_groups

# A place of print is widened by this share of the line spacing (working pixels) up and down
# before the fit: the run found at working scale is the print's x-height band, not its ascenders.
REACH = 0.35
# Print less wide than this many line spacings is a mark, not a line to read.
MIN_LENGTH = 1.5


def print_lines(
    gray: np.ndarray, small_print: np.ndarray, spacing: float, to_page: np.ndarray, to_work: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Outline and baseline (float [N, 2], working frame) of each line of ``small_print`` (the
    working frame's mask of it), fitted on ``gray``, the page at full resolution. ``to_page``
    and ``to_work`` are the [2, 3] affine maps between the two frames."""
    height, width = gray.shape
    found = []
    for x0, y0, x1, y1 in ink_groups(small_print, spacing, MIN_INK):
        if x1 - x0 < MIN_LENGTH * spacing:
            continue
        reach = REACH * spacing
        corners = np.array([(x0, y0 - reach), (x1, y0 - reach), (x1, y1 + reach), (x0, y1 + reach)], np.float64)
        page = corners @ to_page[:, :2].T + to_page[:, 2]
        box: Box = (
            max(int(page[:, 0].min()), 0), max(int(page[:, 1].min()), 0),
            min(int(np.ceil(page[:, 0].max())), width), min(int(np.ceil(page[:, 1].max())), height),
        )
        fitted = fit_free_line(gray, box)
        if fitted is None:
            continue
        polygon, baseline = (np.asarray(points, np.float64) @ to_work[:, :2].T + to_work[:, 2] for points in fitted)
        found.append((polygon, baseline))
    return found
