"""Line image normalization shared by training and inference."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class PreprocessConfig:
    height: int = 32  # network input height in pixels
    pad: int = 4  # horizontal white margin added at each end, in output pixels
    min_width: int = 16
    deslant: bool = False  # shear each line so that its strokes stand upright (off in the shipped model)

    def to_dict(self) -> dict:
        return asdict(self)


def to_gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 3:
        code = cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
        image = cv2.cvtColor(image, code)
    if image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    return image


def ink_lut(gray: np.ndarray) -> np.ndarray:
    """Each gray level's contrast-normalized ink intensity in [0, 1] (1 = darkest ink, 0 = paper)."""
    paper, ink = gray_percentiles(gray, (90, 2))
    span = max(paper - ink, 16.0)
    return np.clip((paper - np.arange(256, dtype=np.float32)) / span, 0.0, 1.0)


def gray_percentiles(gray: np.ndarray, percents: tuple[float, ...]) -> list[np.float32]:
    """``np.percentile`` of a uint8 image, from its histogram instead of a sort (several times faster)."""
    below = np.cumsum(_histogram(gray))  # below[v]: pixels <= v
    last = int(below[-1]) - 1
    values = []
    for percent in percents:
        position = percent / 100 * last
        index = int(position)
        # The k-th smallest pixel (from 0) is the first gray level with more than k pixels at or below it.
        low, high = np.searchsorted(below, [index, min(index + 1, last)], side="right")
        values.append(np.float32(low + (high - low) * (position - index)))
    return values


def _histogram(gray: np.ndarray) -> np.ndarray:
    if gray.size < 2**24:  # OpenCV counts in float32, exact up to 2**24 (and lets go of the GIL)
        return cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel().astype(np.int64)
    return np.bincount(gray.ravel(), minlength=256)


def cropped_ink_map(gray: np.ndarray, threshold: float = 0.35, margin: int = 2) -> np.ndarray:
    """The ink map (float32, see ``ink_lut``) of a gray uint8 line, cropped to its ink plus ``margin``.

    Table look-ups and OpenCV calls, which let go of the GIL: threads preprocess lines in parallel.
    """
    lut = ink_lut(gray)
    x, y, w, h = cv2.boundingRect(cv2.LUT(gray, (lut > threshold).astype(np.uint8)))
    if w and h:
        gray = gray[max(y - margin, 0) : y + h + margin, max(x - margin, 0) : x + w + margin]
    return cv2.LUT(gray, lut)


def normalize_line(image: np.ndarray, config: PreprocessConfig = PreprocessConfig()) -> np.ndarray:
    """Any line crop (gray or BGR uint8) -> float32 [height, width] ink map, aspect kept."""
    return resize_to_height(cropped_ink_map(to_gray(image)), config)


def resize_to_height(ink: np.ndarray, config: PreprocessConfig) -> np.ndarray:
    if config.deslant:
        ink = shear(ink, -estimate_slant(ink))
    h, w = ink.shape
    width = max(round(w * config.height / max(h, 1)), config.min_width)
    resized = cv2.resize(ink, (width, config.height), interpolation=cv2.INTER_AREA)
    padded = cv2.copyMakeBorder(resized, 0, 0, config.pad, config.pad, cv2.BORDER_CONSTANT, value=0)
    return padded.astype(np.float32, copy=False)  # ink maps are float32 already: no second copy


# Slants tried, as horizontal shift per pixel of height (0.5: 27° from upright).
SLANTS = np.linspace(-0.8, 0.8, 33)


def estimate_slant(ink: np.ndarray) -> float:
    """The line's slant (positive: strokes lean right), as the shear that most undoes it.

    The right shear stacks each stroke into few columns, so the columns' ink
    is most concentrated: the criterion is the sum of squared column sums.
    """
    strokes = (ink > 0.5).astype(np.float32)
    if not strokes.any():
        return 0.0
    scores = [float(np.square(shear(strokes, -slant).sum(axis=0)).sum()) for slant in SLANTS]
    return float(SLANTS[int(np.argmax(scores))])


def shear(ink: np.ndarray, slant: float) -> np.ndarray:
    """Shift each row right by ``slant`` × its height above the bottom row (positive leans
    upright strokes to the right), on a canvas widened to keep every pixel."""
    h, w = ink.shape
    rise = slant * (h - 1)  # the top row's shift
    offset = max(0.0, -rise)
    matrix = np.array([[1.0, -slant, rise + offset], [0.0, 1.0, 0.0]])
    return cv2.warpAffine(ink, matrix, (w + int(np.ceil(abs(rise))), h), flags=cv2.INTER_LINEAR, borderValue=0)
