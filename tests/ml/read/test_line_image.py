"""Cutting a line out of a page: by its polygon, turned so that its baseline runs left to right."""
import cv2
import numpy as np
import pytest

from ml.layout import TextLine
from ml.read.line_image import extract_line

W, H = 400, 80


@pytest.fixture
def upright() -> np.ndarray:
    line = np.full((H, W), 230, np.uint8)
    cv2.putText(line, "handwriting", (10, 60), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 1.9, 30, 3, cv2.LINE_AA)
    return line


def whole(page: np.ndarray, baseline) -> TextLine:
    h, w = page.shape
    return TextLine(id="l", polygon=[(0, 0), (w - 1, 0), (w - 1, h - 1), (0, h - 1)], baseline=baseline)


@pytest.mark.parametrize("turn, baseline", [
    (cv2.ROTATE_90_COUNTERCLOCKWISE, [(60, W - 11), (60, W - 391)]),  # written up the page
    (cv2.ROTATE_90_CLOCKWISE, [(H - 61, 10), (H - 61, 390)]),  # written down the page
    (cv2.ROTATE_180, [(W - 11, H - 61), (W - 391, H - 61)]),  # upside down
])
def test_a_turned_line_comes_out_as_it_was_written(upright, turn, baseline):
    page = cv2.rotate(upright, turn)

    line = extract_line(page, whole(page, baseline))

    assert abs(line.shape[0] - H) <= 2 and abs(line.shape[1] - W) <= 2
    line = cv2.resize(line, (W, H))
    ink = (upright < 128) | (line < 128)
    assert np.abs(line.astype(int) - upright)[ink].mean() < 5  # the same strokes, not a mirror or a turn


def test_a_slightly_skewed_line_keeps_its_crop_size(upright):
    line = extract_line(upright, whole(upright, [(10, 60), (390, 80)]))
    assert line.shape == upright.shape
