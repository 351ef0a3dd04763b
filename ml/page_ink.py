"""From a grayscale page to a clean ink mask: background flattening, threshold, rulings removed."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass
class PageInk:
    """Ink of a page at working scale (1 = ink), with the rulings and frames taken out."""

    mask: np.ndarray  # [H, W] uint8 in {0, 1}
    darkness: np.ndarray  # [H, W] float32, 0 = paper .. 1 = black relative to the local paper


def flatten_background(gray: np.ndarray) -> np.ndarray:
    """Darkness relative to the local paper colour: 0 = paper, 1 = black.

    The paper is estimated by a max filter wider than any stroke on a
    quarter-size copy, so stains, shadows and uneven scans cancel out.
    """
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    paper = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (7, 7)))
    paper = cv2.GaussianBlur(paper, (0, 0), 2)
    paper = cv2.resize(paper, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    darkness = 1.0 - gray.astype(np.float32) / np.maximum(paper.astype(np.float32), 1.0)
    return np.clip(darkness, 0.0, 1.0)


def ink_mask(darkness: np.ndarray, floor: float = 0.12, relative: float = 0.45) -> np.ndarray:
    """Pixels darker than ``floor`` and than ``relative`` times the darkest ink around them.

    The local reference (a max filter some 60 pixels wide) keeps faint pens and
    pencil on a page of their own, and drops ink shining through from the back
    of the sheet next to the darker writing on the front.
    """
    strongest = cv2.dilate(darkness, cv2.getStructuringElement(cv2.MORPH_RECT, (61, 61)))
    strongest = cv2.blur(strongest, (31, 31))
    return (darkness > np.maximum(floor, relative * strongest)).astype(np.uint8)


def remove_rulings(mask: np.ndarray, min_length: int) -> np.ndarray:
    """Take out straight horizontal and vertical runs longer than ``min_length``.

    Ruled and squared paper, margins and frame edges are longer and straighter
    than any handwritten stroke; opening with a long thin kernel finds them.
    """
    horizontal = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (min_length, 1)))
    vertical = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, min_length)))
    rulings = cv2.dilate(horizontal | vertical, np.ones((3, 3), np.uint8))
    return mask & (1 - rulings)
