"""Reading a line more than once: each reading proposes a text, and the text kept is the one
that all the readings together find most likely (the sum of its CTC log-likelihoods).

A reading is the network's log-posteriors [T, C] for the line at one horizontal scale;
the readings of a line differ in T, which CTC's likelihood does not mind.
"""
from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from ml.read.ctc import BLANK


def stretched(inks: list[np.ndarray], factor: float, min_width: int = 8) -> list[np.ndarray]:
    """The ink maps ([height, width] float32) scaled horizontally by ``factor``, height kept."""
    if factor == 1.0:
        return inks
    interpolation = cv2.INTER_AREA if factor < 1.0 else cv2.INTER_LINEAR
    return [cv2.resize(ink, (max(min_width, round(ink.shape[1] * factor)), ink.shape[0]),
                       interpolation=interpolation) for ink in inks]


def log_likelihoods(readings: list[np.ndarray], candidates: list[list[int]]) -> np.ndarray:
    """[candidates, readings]: log p(candidate | reading) under CTC (-inf where a text is too
    long for a reading's frames). Labels count from 1; 0 is the blank."""
    pairs = [(reading, labels) for labels in candidates for reading in readings]
    frames = max(reading.shape[0] for reading in readings)
    batch = torch.zeros(frames, len(pairs), readings[0].shape[1])  # frames past a reading's length are not read
    for i, (reading, _) in enumerate(pairs):
        batch[: reading.shape[0], i] = torch.from_numpy(reading)
    targets = torch.tensor([label for _, labels in pairs for label in labels], dtype=torch.long)
    nll = F.ctc_loss(batch, targets,
                     input_lengths=torch.tensor([reading.shape[0] for reading, _ in pairs]),
                     target_lengths=torch.tensor([len(labels) for _, labels in pairs]),
                     blank=BLANK, reduction="none", zero_infinity=False)
    return (-nll).numpy().reshape(len(candidates), len(readings))


def most_likely(readings: list[np.ndarray], candidates: list[list[int]]) -> list[int]:
    """The candidate with the highest log-likelihood summed over the readings
    (the first candidate when no candidate fits every reading)."""
    distinct = list(dict.fromkeys(tuple(labels) for labels in candidates))
    if len(distinct) == 1:
        return list(distinct[0])
    scores = log_likelihoods(readings, [list(labels) for labels in distinct]).sum(axis=1)
    if not np.isfinite(scores).any():
        return list(distinct[0])
    return list(distinct[int(np.argmax(scores))])
