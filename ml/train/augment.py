"""Handwriting augmentation on ink maps (float32, 1 = ink, 0 = paper)."""
from __future__ import annotations

import cv2
import numpy as np


def augment_line(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    ink = _affine(ink, rng)
    if rng.random() < 0.3:
        ink = _elastic(ink, rng)
    if rng.random() < 0.4:
        ink = _stroke_width(ink, rng)
    if rng.random() < 0.3:
        ink = cv2.GaussianBlur(ink, (3, 3), rng.uniform(0.3, 1.0))
    ink = _contrast_and_noise(ink, rng)
    return ink


def _affine(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Slant (shear), slight rotation, and horizontal/vertical scaling."""
    h, w = ink.shape
    shear = rng.uniform(-0.4, 0.4)
    angle = np.deg2rad(rng.uniform(-2.0, 2.0))
    sx, sy = rng.uniform(0.8, 1.2), rng.uniform(0.9, 1.1)
    cos, sin = np.cos(angle), np.sin(angle)
    matrix = np.array([[sx * cos, sx * (shear - sin), 0.0], [sy * sin, sy * cos, 0.0]], np.float32)
    corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], np.float32) @ matrix.T
    matrix[:, 2] = -corners.min(axis=0)
    size = np.ceil(corners.max(axis=0) - corners.min(axis=0)).astype(int)
    return cv2.warpAffine(ink, matrix, (int(size[0]), int(size[1])), flags=cv2.INTER_LINEAR, borderValue=0)


def _elastic(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Smooth random displacement, a few pixels at most: the wobble of a hand."""
    h, w = ink.shape
    alpha = rng.uniform(1.0, 2.5)
    coarse = rng.uniform(-1, 1, size=(2, max(h // 8, 2), max(w // 8, 2))).astype(np.float32)
    dx = cv2.resize(coarse[0], (w, h), interpolation=cv2.INTER_CUBIC) * alpha
    dy = cv2.resize(coarse[1], (w, h), interpolation=cv2.INTER_CUBIC) * alpha
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(ink, xs + dx, ys + dy, cv2.INTER_LINEAR, borderValue=0)


def _stroke_width(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    kernel = np.ones((2, 2), np.uint8)
    return cv2.dilate(ink, kernel) if rng.random() < 0.5 else cv2.erode(ink, kernel)


def _contrast_and_noise(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Fainter or darker ink, a tinted background, sensor noise."""
    ink = ink * rng.uniform(0.6, 1.0) + rng.uniform(0.0, 0.12)
    ink = ink + rng.normal(0, rng.uniform(0.0, 0.06), ink.shape)
    return np.clip(ink, 0.0, 1.0).astype(np.float32)
