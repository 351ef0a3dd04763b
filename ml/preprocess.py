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


def ink_map(gray: np.ndarray) -> np.ndarray:
    """Contrast-normalized ink intensity in [0, 1] (1 = darkest ink, 0 = paper)."""
    paper, ink = gray_percentiles(gray, (90, 2))
    span = max(paper - ink, 16.0)
    return np.clip((paper - gray.astype(np.float32)) / span, 0.0, 1.0)


def gray_percentiles(gray: np.ndarray, percents: tuple[float, ...]) -> list[np.float32]:
    """``np.percentile`` of a uint8 image, from its histogram instead of a sort (several times faster)."""
    below = np.cumsum(np.bincount(gray.ravel(), minlength=256))  # below[v]: pixels <= v
    last = int(below[-1]) - 1
    values = []
    for percent in percents:
        position = percent / 100 * last
        index = int(position)
        # The k-th smallest pixel (from 0) is the first gray level with more than k pixels at or below it.
        low, high = np.searchsorted(below, [index, min(index + 1, last)], side="right")
        values.append(np.float32(low + (high - low) * (position - index)))
    return values


def crop_to_ink(ink: np.ndarray, threshold: float = 0.35, margin: int = 2) -> np.ndarray:
    rows = np.flatnonzero((ink > threshold).sum(axis=1) > 0)
    cols = np.flatnonzero((ink > threshold).sum(axis=0) > 0)
    if rows.size == 0 or cols.size == 0:
        return ink
    y0, y1 = max(rows[0] - margin, 0), rows[-1] + margin + 1
    x0, x1 = max(cols[0] - margin, 0), cols[-1] + margin + 1
    return ink[y0:y1, x0:x1]


def normalize_line(image: np.ndarray, config: PreprocessConfig = PreprocessConfig()) -> np.ndarray:
    """Any line crop (gray or BGR uint8) -> float32 [height, width] ink map, aspect kept."""
    ink = crop_to_ink(ink_map(to_gray(image)))
    return resize_to_height(ink, config)


def resize_to_height(ink: np.ndarray, config: PreprocessConfig) -> np.ndarray:
    if config.deslant:
        ink = shear(ink, -estimate_slant(ink))
    h, w = ink.shape
    width = max(round(w * config.height / max(h, 1)), config.min_width)
    resized = cv2.resize(ink, (width, config.height), interpolation=cv2.INTER_AREA)
    return np.pad(resized, ((0, 0), (config.pad, config.pad))).astype(np.float32)


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
