import cv2
import numpy as np
import pytest

from ml.layout import LinePrediction  # noqa: F401  (imported so a broken ml package fails collection early)


def draw_text_line(text: str, height: int = 48, scale: float = 1.2) -> np.ndarray:
    """A gray uint8 image of ``text`` drawn in a script-like Hershey font, dark on light paper."""
    font = cv2.FONT_HERSHEY_SCRIPT_SIMPLEX
    (width, text_height), baseline = cv2.getTextSize(text, font, scale, 2)
    image = np.full((text_height + baseline + 16, width + 16), 235, np.uint8)
    cv2.putText(image, text, (8, text_height + 8), font, scale, 30, 2, cv2.LINE_AA)
    return image


@pytest.fixture
def text_line():
    return draw_text_line
